module hyundai-poc.com/lab

go 1.26.0

require (
	github.com/Shopify/toxiproxy/v2 v2.12.0
	github.com/go-sql-driver/mysql v1.10.1
	github.com/redis/go-redis/v9 v9.23.0
	github.com/rs/zerolog v1.33.0
	hyundai-poc.com/contract v0.0.0
	hyundai-poc.com/dbserver v0.0.0
	hyundai-poc.com/dnsresolver v0.0.0
	hyundai-poc.com/loadtest v0.0.0
	hyundai-poc.com/redisserver v0.0.0-00010101000000-000000000000
	hyundai-poc.com/reporoot v0.0.0
)

require (
	filippo.io/edwards25519 v1.2.0 // indirect
	github.com/miekg/dns v1.1.68 // indirect
)

require (
	github.com/beorn7/perks v1.0.1 // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/gorilla/mux v1.8.1 // indirect
	github.com/klauspost/compress v1.17.11 // indirect
	github.com/mattn/go-colorable v0.1.13 // indirect
	github.com/mattn/go-isatty v0.0.20 // indirect
	github.com/munnerz/goautoneg v0.0.0-20191010083416-a7dc8b61c822 // indirect
	github.com/prometheus/client_golang v1.21.1 // indirect
	github.com/prometheus/client_model v0.6.1 // indirect
	github.com/prometheus/common v0.62.0 // indirect
	github.com/prometheus/procfs v0.15.1 // indirect
	github.com/rs/xid v1.5.0 // indirect
	go.uber.org/atomic v1.12.0 // indirect
	golang.org/x/mod v0.24.0 // indirect
	golang.org/x/net v0.40.0 // indirect
	golang.org/x/sync v0.14.0 // indirect
	golang.org/x/sys v0.48.0 // indirect
	golang.org/x/tools v0.33.0 // indirect
	google.golang.org/protobuf v1.36.1 // indirect
	gopkg.in/tomb.v1 v1.0.0-20141024135613-dd632973f1e7 // indirect
)

replace hyundai-poc.com/dbserver => ../../dbserver

replace hyundai-poc.com/loadtest => ../../loadtest

replace hyundai-poc.com/reporoot => ../../reporoot

replace hyundai-poc.com/dnsresolver => ../../dnsresolver

replace hyundai-poc.com/redisserver => ../../redisserver

replace hyundai-poc.com/contract => ../../services/contract
