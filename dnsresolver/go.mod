module hyundai-poc.com/dnsresolver

go 1.26.0
