module hyundai-poc.com/frontend

go 1.26.0
