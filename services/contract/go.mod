module hyundai-poc.com/contract

go 1.26.0
