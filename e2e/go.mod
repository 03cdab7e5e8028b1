module hyundai-poc.com/e2e

go 1.26.0

require (
	github.com/chromedp/cdproto v0.159.3
	github.com/chromedp/chromedp v0.23.0
	github.com/go-chi/chi/v5 v5.5.0 // indirect
	github.com/prometheus/client_golang v1.23.2
	go.opentelemetry.io/otel v1.47.0 // indirect
	go.opentelemetry.io/otel/trace v1.47.0 // indirect
)

require (
	filippo.io/edwards25519 v1.2.0 // indirect
	github.com/beorn7/perks v1.0.1 // indirect
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/go-json-experiment/json v0.0.0-20260213210345-44df1a37e875 // indirect
	github.com/go-logr/logr v1.4.4 // indirect
	github.com/go-logr/stdr v1.2.2 // indirect
	github.com/jmoiron/sqlx v1.4.0 // indirect
	github.com/mfridman/interpolate v0.0.2 // indirect
	github.com/miekg/dns v1.1.68 // indirect
	github.com/munnerz/goautoneg v0.0.0-20191010083416-a7dc8b61c822 // indirect
	github.com/pressly/goose/v3 v3.30.0 // indirect
	github.com/prometheus/client_model v0.6.2 // indirect
	github.com/prometheus/common v0.66.1 // indirect
	github.com/prometheus/procfs v0.23.0 // indirect
	github.com/redis/go-redis/v9 v9.23.0 // indirect
	github.com/sethvargo/go-retry v0.5.0 // indirect
	go.opentelemetry.io/auto/sdk v1.2.1 // indirect
	go.opentelemetry.io/otel/log v1.47.0 // indirect
	go.opentelemetry.io/otel/metric v1.47.0 // indirect
	go.uber.org/atomic v1.12.0 // indirect
	go.uber.org/multierr v1.11.0 // indirect
	go.yaml.in/yaml/v2 v2.4.2 // indirect
	golang.org/x/mod v0.42.0 // indirect
	golang.org/x/net v0.62.0 // indirect
	golang.org/x/sync v0.25.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
	golang.org/x/tools v0.52.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
	hyundai-poc.com/contract v0.0.0 // indirect
	hyundai-poc.com/dnsresolver v0.0.0 // indirect
	hyundai-poc.com/migrations v0.0.0-00010101000000-000000000000 // indirect
)

require (
	github.com/go-sql-driver/mysql v1.10.1
	hyundai-poc.com/backend v0.0.0
	hyundai-poc.com/dbserver v0.0.0
	hyundai-poc.com/frontend v0.0.0
	hyundai-poc.com/lab v0.0.0
	hyundai-poc.com/reporoot v0.0.0
)

replace (
	hyundai-poc.com/backend => ../services/backend
	hyundai-poc.com/contract => ../services/contract
	hyundai-poc.com/dbserver => ../dbserver
	hyundai-poc.com/dnsresolver => ../dnsresolver
	hyundai-poc.com/frontend => ../services/frontend
	hyundai-poc.com/lab => ../deploy/lab
	hyundai-poc.com/loadtest => ../loadtest
	hyundai-poc.com/migrations => ../migrations
	hyundai-poc.com/redisserver => ../redisserver
	hyundai-poc.com/reporoot => ../reporoot
	hyundai-poc.com/tracing => ../services/tracing
)
