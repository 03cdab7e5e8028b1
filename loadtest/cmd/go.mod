// The commands wire the lab and vegeta together. They are a module of
// their own so that the loadtest packages, which the lab's drill and the
// backend's overhead tool also use, stay free of those dependencies.
module hyundai-poc.com/loadtest/cmd

go 1.26.0

require (
	github.com/tsenart/vegeta/v12 v12.13.0
	hyundai-poc.com/lab v0.0.0
	hyundai-poc.com/loadtest v0.0.0
	hyundai-poc.com/reporoot v0.0.0
)

require (
	filippo.io/edwards25519 v1.2.0 // indirect
	github.com/Shopify/toxiproxy/v2 v2.12.0 // indirect
	github.com/beorn7/perks v1.0.1 // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/go-sql-driver/mysql v1.10.1 // indirect
	github.com/gorilla/mux v1.8.1 // indirect
	github.com/influxdata/tdigest v0.0.1 // indirect
	github.com/josharian/intern v1.0.0 // indirect
	github.com/klauspost/compress v1.20.4 // indirect
	github.com/kr/text v0.2.0 // indirect
	github.com/mailru/easyjson v0.7.7 // indirect
	github.com/mattn/go-colorable v0.1.13 // indirect
	github.com/mattn/go-isatty v0.0.24 // indirect
	github.com/miekg/dns v1.1.68 // indirect
	github.com/munnerz/goautoneg v0.0.0-20191010083416-a7dc8b61c822 // indirect
	github.com/prometheus/client_golang v1.23.2 // indirect
	github.com/prometheus/client_model v0.6.2 // indirect
	github.com/prometheus/common v0.66.1 // indirect
	github.com/prometheus/procfs v0.23.0 // indirect
	github.com/rogpeppe/go-internal v1.14.1 // indirect
	github.com/rs/dnscache v0.0.0-20230804202142-fc85eb664529 // indirect
	github.com/rs/xid v1.5.0 // indirect
	github.com/rs/zerolog v1.33.0 // indirect
	github.com/stretchr/testify v1.12.1 // indirect
	go.yaml.in/yaml/v2 v2.4.2 // indirect
	go.yaml.in/yaml/v3 v3.0.6 // indirect
	golang.org/x/exp v0.0.0-20261109185158-a52e3aef5920 // indirect
	golang.org/x/mod v0.42.0 // indirect
	golang.org/x/net v0.62.0 // indirect
	golang.org/x/sync v0.25.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
	golang.org/x/text v0.44.0 // indirect
	golang.org/x/tools v0.52.1-0.20261106145633-d407941a339a // indirect
	gonum.org/v1/gonum v0.17.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
	gopkg.in/tomb.v1 v1.0.0-20141024135613-dd632973f1e7 // indirect
	hyundai-poc.com/contract v0.0.0 // indirect
	hyundai-poc.com/dbserver v0.0.0 // indirect
	hyundai-poc.com/redisserver v0.0.0 // indirect
)

replace (
	hyundai-poc.com/dbserver => ../../dbserver
	hyundai-poc.com/lab => ../../deploy/lab
	hyundai-poc.com/loadtest => ..
)

replace hyundai-poc.com/reporoot => ../../reporoot

replace hyundai-poc.com/dnsresolver => ../../dnsresolver
replace hyundai-poc.com/redisserver => ../../redisserver

replace hyundai-poc.com/contract => ../../services/contract
