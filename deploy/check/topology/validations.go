package topology

import (
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"hyundai-poc.com/deploy/check/tfconfig"
)

// Validations evaluates every variable's validation blocks against the
// value the configuration gives it (what a caller passes, else its
// default): a default that breaks its own rule fails only at plan time
// otherwise. Conditions that cannot be evaluated offline are skipped.
func Validations(t *tfconfig.Tree) []Finding {
	var r report
	for _, m := range t.SortedModules() {
		s := scopeOf(t, m)
		vars := s.Ctx.Variables["var"]
		for _, name := range sortedKeys(m.Variables) {
			v := m.Variables[name]
			if !vars.Type().HasAttribute(name) {
				continue
			}
			val := vars.GetAttr(name)
			if !val.IsWhollyKnown() || val.IsNull() {
				continue
			}
			for _, blk := range v.Body.Blocks {
				if blk.Type != "validation" {
					continue
				}
				cond := blk.Body.Attributes["condition"]
				if cond == nil {
					r.add(blk.DefRange(), "variable %q: validation without a condition", name)
					continue
				}
				if !s.Known(cond.Expr) {
					continue
				}
				ok, err := s.Eval(cond.Expr, nil)
				if err != nil || !ok.IsKnown() || ok.IsNull() || ok.Type() != cty.Bool {
					continue
				}
				if ok.False() {
					r.add(cond.SrcRange, "variable %q: its value %s fails its own validation: %s", name, short(val), message(blk.Body))
				}
			}
		}
	}
	return r.fs
}

func message(b *hclsyntax.Body) string {
	if a := b.Attributes["error_message"]; a != nil {
		if v, diags := a.Expr.Value(nil); !diags.HasErrors() && v.Type() == cty.String {
			return v.AsString()
		}
	}
	return "(no error_message)"
}

func short(v cty.Value) string {
	if v.Type() == cty.String {
		return "\"" + v.AsString() + "\""
	}
	if v.Type() == cty.Number {
		return v.AsBigFloat().Text('g', -1)
	}
	return v.Type().FriendlyName()
}
