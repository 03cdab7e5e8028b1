package topology

import (
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"hyundai-poc.com/deploy/check/tfconfig"
)

// SecretsReadable checks the path of DB_PASSWORD: the backend's secrets
// come from the database secret, and the role ECS pulls them with (the
// task definitions' execution role) has a policy allowing
// secretsmanager:GetSecretValue on that same secret. Without it tasks
// never start (ResourceInitializationError), which no plan shows.
func SecretsReadable(t *tfconfig.Tree) []Finding {
	var r report
	m := moduleWith(t, "aws_ecs_task_definition")
	if m == nil {
		r.add(hcl.Range{Filename: t.Root.Dir}, "no aws_ecs_task_definition")
		return r.fs
	}
	rng := hcl.Range{Filename: m.Dir}
	secrets := m.Locals["backend_secrets"]
	if secrets == nil {
		r.add(rng, "no local backend_secrets: DB_PASSWORD must come from Secrets Manager")
		return r.fs
	}
	pw := item(secrets.Expr, "DB_PASSWORD")
	if pw == nil {
		r.add(secrets.SrcRange, "backend_secrets has no DB_PASSWORD")
		return r.fs
	}
	secretRefs := refs(pw)
	if len(secretRefs) == 0 {
		r.add(pw.Range(), "DB_PASSWORD must name the database secret, not a literal")
		return r.fs
	}

	// Which policy documents grant GetSecretValue on that secret?
	granting := map[string]bool{}
	for key, d := range m.Data {
		if d.Type != "aws_iam_policy_document" {
			continue
		}
		for _, st := range blocks(d.Body, "statement") {
			acts, res := st.Body.Attributes["actions"], st.Body.Attributes["resources"]
			if acts == nil || res == nil {
				continue
			}
			actions, err := scopeOf(t, m).EvalStrings(acts.Expr, nil)
			if err != nil || !slices.Contains(actions, "secretsmanager:GetSecretValue") {
				continue
			}
			if slices.ContainsFunc(refs(res.Expr), func(s string) bool { return slices.Contains(secretRefs, s) }) {
				granting["data."+key] = true
			}
		}
	}
	// Which roles carry such a policy?
	roles := map[string]bool{}
	for _, p := range m.ResourcesOfType("aws_iam_role_policy") {
		pol, role := p.Attr("policy"), p.Attr("role")
		if pol == nil || role == nil {
			continue
		}
		for _, ref := range refs(pol.Expr) {
			if granting[strings.TrimSuffix(ref, ".json")] {
				for _, rr := range refs(role.Expr) {
					roles[strings.TrimSuffix(strings.TrimSuffix(rr, ".id"), ".name")] = true
				}
			}
		}
	}
	for _, td := range m.ResourcesOfType("aws_ecs_task_definition") {
		exec := td.Attr("execution_role_arn")
		if exec == nil {
			r.add(td.Range, "%s: no execution_role_arn: ECS cannot pull secrets or images", td.Addr())
			continue
		}
		ok := false
		for _, ref := range refs(exec.Expr) {
			ok = ok || roles[strings.TrimSuffix(ref, ".arn")]
		}
		if !ok {
			r.add(exec.SrcRange, "%s: its execution role has no policy allowing secretsmanager:GetSecretValue on the database secret", td.Addr())
		}
	}
	return r.fs
}
