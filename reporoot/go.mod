module hyundai-poc.com/reporoot

go 1.26.0
