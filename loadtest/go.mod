module hyundai-poc.com/loadtest

go 1.26.0

require github.com/go-sql-driver/mysql v1.10.1

require (
	filippo.io/edwards25519 v1.2.0 // indirect
	hyundai-poc.com/reporoot v0.0.0
)

replace hyundai-poc.com/reporoot => ../reporoot
