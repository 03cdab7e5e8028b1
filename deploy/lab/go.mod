module hyundai-poc.com/lab

go 1.26.0
