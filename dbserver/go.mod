module hyundai-poc.com/dbserver

go 1.26.0

require (
	github.com/go-sql-driver/mysql v1.10.1
	github.com/miekg/dns v1.1.68
	hyundai-poc.com/dnsresolver v0.0.0
)

require (
	filippo.io/edwards25519 v1.2.0 // indirect
	golang.org/x/mod v0.24.0 // indirect
	golang.org/x/net v0.40.0 // indirect
	golang.org/x/sync v0.14.0 // indirect
	golang.org/x/sys v0.33.0 // indirect
	golang.org/x/tools v0.33.0 // indirect
)

replace hyundai-poc.com/dnsresolver => ../dnsresolver
