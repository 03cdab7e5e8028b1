module hyundai-poc.com/loadtest

go 1.26
