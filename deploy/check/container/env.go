package container

import (
	"maps"
	"slices"
	"sort"

	"github.com/compose-spec/compose-go/v2/types"
)

// Contract is what ARCHITECTURE.md says every deployment configures for
// each service. The services read more (tuning knobs with defaults,
// OTEL_*), which a deployment may leave unset.
var Contract = map[string][]string{
	"backend":  {"REGION", "PORT", "DB_WRITER_HOST", "DB_READER_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASSWORD", "LOG_LEVEL"},
	"frontend": {"REGION", "PORT", "BACKEND_URL", "REGION_ENDPOINTS"},
}

// ComposeEnv returns the environment names compose sets, by service image
// role: the backend (and migrate, which runs the backend) and the frontend.
func ComposeEnv(p *types.Project) map[string]map[string][]string {
	out := map[string]map[string][]string{}
	for _, name := range []string{"backend", "migrate", "frontend"} {
		s, ok := p.Services[name]
		if !ok {
			continue
		}
		var names []string
		for k := range s.Environment {
			names = append(names, k)
		}
		sort.Strings(names)
		role := name
		if name == "migrate" {
			role = "backend"
		}
		if out[role] == nil {
			out[role] = map[string][]string{}
		}
		out[role]["compose service "+name] = names
	}
	return out
}

// EnvParity checks, for each service, that every name a deployment sets is
// one the service reads, that every contract name is set, and that every
// deployment sets the same names. read holds what each service reads;
// set maps service -> where (compose service, ECS task) -> names.
func EnvParity(read map[string][]string, set map[string]map[string][]string, file string) []Finding {
	r := &report{file: file}
	for _, svc := range sortedKeys(set) {
		var first []string
		firstWhere := ""
		for _, where := range sortedKeys(set[svc]) {
			names := set[svc][where]
			for _, n := range names {
				if !slices.Contains(read[svc], n) {
					r.add(0, "%s sets %s, which the %s does not read", where, n, svc)
				}
			}
			for _, n := range Contract[svc] {
				if !slices.Contains(names, n) {
					r.add(0, "%s does not set %s (the %s's contract)", where, n, svc)
				}
			}
			if firstWhere == "" {
				first, firstWhere = names, where
				continue
			}
			if !slices.Equal(first, names) {
				r.add(0, "%s sets %v but %s sets %v: every deployment must set the same names", firstWhere, first, where, names)
			}
		}
	}
	for _, svc := range sortedKeys(Contract) {
		for _, n := range Contract[svc] {
			if !slices.Contains(read[svc], n) {
				r.add(0, "the %s does not read %s, which the contract says it does", svc, n)
			}
		}
	}
	return r.fs
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
