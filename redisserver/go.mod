module hyundai-poc.com/redisserver

go 1.26.0

require hyundai-poc.com/dbserver v0.0.0

require (
	filippo.io/edwards25519 v1.2.0 // indirect
	github.com/go-sql-driver/mysql v1.10.1 // indirect
)

replace hyundai-poc.com/dbserver => ../dbserver
