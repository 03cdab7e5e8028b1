module hyundai-poc.com/deploy/check

go 1.26.0
