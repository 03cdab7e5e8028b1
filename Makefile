# The verbs people type. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

MODULES := $(shell go list -m -f '{{.Dir}}' 2>/dev/null)
PKGS    := $(addsuffix /...,$(MODULES))
GIT_SHA := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
LDFLAGS := -s -w -X main.commit=$(GIT_SHA)

.PHONY: help
help: ## List the targets
	@awk 'BEGIN{FS=":.*## "} /^[a-zA-Z_-]+:.*## /{printf "  \033[1m%-14s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: deps
deps: ## Install MariaDB, redis-server and Chromium from Debian packages when missing (needs root)
	@scripts/install-deps.sh

.PHONY: build
build: ## Build every binary into bin/
	@mkdir -p bin
	CGO_ENABLED=0 go build -trimpath -ldflags '$(LDFLAGS)' -o bin/ ./services/backend/cmd/... ./services/frontend/cmd/... ./deploy/lab/cmd/...

.PHONY: test
test: deps lint ## Run every test against real servers (installs what is missing)
	go test -count=1 -timeout 30m $(PKGS)

.PHONY: test-race
test-race: deps ## Every test under the race detector (needs gcc for cgo)
	go test -race -count=1 -timeout 30m $(PKGS)

.PHONY: test-short
test-short: ## Unit tests only: no database servers, no browser
	go test -count=1 -short $(PKGS)

.PHONY: lint
lint: ## gofmt and go vet on every module
	@out=$$(gofmt -l $(MODULES)); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	go vet $(PKGS)
	@# Docker builds use one module at a time: each must build without go.work.
	@for m in $(MODULES); do (cd $$m && GOWORK=off go build ./...) || { echo "$$m does not build with GOWORK=off"; exit 1; }; done

.PHONY: bench
bench: deps ## Benchmarks of the backend's read and write handlers against a real server
	go test -run '^$$' -bench . -benchmem ./services/backend/...

.PHONY: fuzz
fuzz: ## Fuzz the backend's lead decoding and the frontend's form decoding, 30 s each
	go test -run '^$$' -fuzz FuzzDecodeLead -fuzztime 30s ./services/backend/internal/api/
	go test -run '^$$' -fuzz FuzzLeadFromForm -fuzztime 30s ./services/frontend/site/

.PHONY: dev
dev: ## One region on one machine: a database server of its own and the backend on :3001
	@scripts/install-deps.sh mariadb
	@mkdir -p bin
	go build -o bin/ ./services/backend/cmd/backend ./services/backend/cmd/dev
	bin/dev

# ---- the three-region lab (deploy/lab): see docs/lab.md ----
SCENARIO  ?= switchover
# TIMING=aws moves the writer and its DNS at AWS's documented speed
# (deploy/lab/timing.json); empty is the lab's own speed, or for a drill the
# running lab's timing.
TIMING    ?=

.PHONY: lab-tools
lab-tools:
	@mkdir -p bin
	@CGO_ENABLED=0 go build -trimpath -o bin/ ./deploy/lab/cmd/... ./deploy/evidence/cmd/evidence

.PHONY: lab
lab: lab-tools ## Three regions on loopback: databases, replication, latency, DNS, write queues, backends, frontends, edge on :8080 (Ctrl-C stops) [TIMING=lab|aws]
	@scripts/install-deps.sh mariadb redis
	@exec bin/lab up $(if $(TIMING),--timing $(TIMING))

.PHONY: lab-down
lab-down: lab-tools ## Stop a lab started in another terminal and remove its data
	@bin/lab down

.PHONY: status
status: lab-tools ## The running lab: writer, replication positions, lag, health of every process
	@bin/lab status

.PHONY: switchover
switchover: lab-tools ## Planned writer move with no loss: make switchover TO=us-west-2
	@test -n "$(TO)" || { echo "usage: make switchover TO=REGION"; exit 2; }
	@bin/lab switchover --to $(TO)

.PHONY: failover
failover: lab-tools ## Unplanned: kill the writer, promote TO: make failover TO=us-west-2
	@test -n "$(TO)" || { echo "usage: make failover TO=REGION"; exit 2; }
	@bin/lab failover --to $(TO)

.PHONY: drill
drill: lab-tools ## Failure drill under traffic, timeline SVG, into test-results/lab/: make drill [SCENARIO=switchover|failover|reader-outage|region-outage] [TO=REGION] [TIMING=lab|aws]
	@scripts/install-deps.sh mariadb redis
	@bin/evidence drill --target lab --scenario $(SCENARIO) $(if $(TO),--to $(TO)) $(if $(TIMING),--timing $(TIMING)) $(if $(DRILL_FLAGS),-- $(DRILL_FLAGS))

.PHONY: latency
latency: lab-tools ## Latency matrix of the running lab (make lab first): p50/p95/p99, DNS/connect/TLS/first byte, heat map, into test-results/lab/
	@bin/evidence latency --target lab

# --- Deployment to AWS and its offline checks ---------------------------------
# The checks themselves run in `make test` (module deploy/check).
TFLINT := $(CURDIR)/bin/tflint

.PHONY: deploy
deploy: ## Build both images, push to ECR in 3 regions, terraform apply, wait, verify; DRY_RUN=1 prints the commands only
	@DRY_RUN=$(DRY_RUN) scripts/deploy.sh

.PHONY: tf-fmt
tf-fmt: ## Format deploy/terraform as terraform fmt does (hclwrite.Format, no terraform needed)
	go run ./deploy/check/cmd/tffmt -w deploy/terraform

.PHONY: tflint
tflint: $(TFLINT) ## Build tflint v0.61.0 into bin/ (once; 3 min 50 s measured on 2 cores) and lint every Terraform directory
	cd deploy/terraform && $(TFLINT) --config "$$PWD/.tflint.hcl" --recursive

$(TFLINT):
	@mkdir -p bin
	@echo "tflint: building v0.61.0 from its Go module (3 min 50 s measured on 2 cores)..."
	GOWORK=off GOBIN=$(CURDIR)/bin go install github.com/terraform-linters/tflint@v0.61.0

.PHONY: site
site: ## The site on :3000 in front of the backend of `make dev` (start that first)
	REGION=$${REGION:-us-east-1} go run ./services/frontend/cmd/frontend

.PHONY: browser-test
browser-test: ## The site's browser tests in chromium; screenshots in test-results/screenshots/
	@scripts/install-deps.sh chromium
	go test -count=1 -v ./e2e/browser/

# ---- performance (loadtest/): see docs/performance.md ----
# Own labs start on these addresses by default, so a `make lab` in another
# terminal is not disturbed; LOAD_FLAGS passes anything else through.
LOAD_FLAGS ?=
COMPARE_FLAGS ?=
OVERHEAD_FLAGS ?=

.PHONY: load-tools
load-tools:
	@mkdir -p bin
	@CGO_ENABLED=0 go build -trimpath -o bin/ ./loadtest/cmd/... ./services/backend/cmd/overhead

.PHONY: load
load: load-tools ## Highest sustained rate per scenario through the lab edge, latency chart and backend RSS/CPU into test-results/lab/ (about a minute)
	@scripts/install-deps.sh mariadb
	@bin/load $(LOAD_FLAGS)

.PHONY: soak
soak: load-tools ## Ten minutes of mixed traffic watching the backends' memory, into test-results/lab/
	@scripts/install-deps.sh mariadb
	@bin/load --scenarios mixed --soak 10m --page-samples 0 $(LOAD_FLAGS)

.PHONY: compare
compare: load-tools ## Switchover then failover under traffic against ours, a naive pool and HAProxy side by side; table + JSON in test-results/lab/
	@scripts/install-deps.sh mariadb haproxy
	@bin/compare $(COMPARE_FLAGS)

.PHONY: overhead
overhead: load-tools ## What the backend adds over the raw query behind /api/vehicles: database/sql vs handler vs HTTP, into test-results/lab/
	@scripts/install-deps.sh mariadb
	@bin/overhead --cpuprofile bin/overhead-cpu.pprof --profile-mode handler $(OVERHEAD_FLAGS)

.PHONY: perf-report
perf-report: ## Rewrite docs/performance.md from the newest load, soak, overhead and compare results in test-results/lab/
	@go run ./loadtest/cmd/perfdoc

.PHONY: lab-report
lab-report: ## Rewrite docs/lab.md's results from the newest drill and latency runs in test-results/lab/
	@go run ./deploy/lab/cmd/labreport --doc docs/lab.md --summary-doc docs/data-path.md

# ---- the evidence kit (deploy/evidence): one command per measured number ----
.PHONY: evidence
evidence: ## Build bin/evidence: latency, lag, query, drill, task-replacement, geo, cost (--target lab|aws; --help on each)
	@mkdir -p bin
	@CGO_ENABLED=0 go build -trimpath -o bin/ ./deploy/evidence/cmd/evidence

.PHONY: talking-points
talking-points: ## Regenerate docs/lab.md results, talking-points.md, failover-runbook.md, dns-verification.md from test-results/
	@if ls test-results/lab/drill-*.json >/dev/null 2>&1; then go run ./deploy/lab/cmd/labreport --doc docs/lab.md --summary-doc docs/data-path.md; fi
	@go run ./deploy/evidence/cmd/evidence docs
