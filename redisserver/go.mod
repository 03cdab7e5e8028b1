module hyundai-poc.com/redisserver

go 1.26.0
