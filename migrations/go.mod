module hyundai-poc.com/migrations

go 1.26
