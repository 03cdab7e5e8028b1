module hyundai-poc.com/backend

go 1.26
