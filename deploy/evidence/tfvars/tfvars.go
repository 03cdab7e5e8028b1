// Package tfvars reads Terraform variables' defaults, including the
// defaults that optional(type, default) attributes of object types declare,
// without running Terraform.
package tfvars

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// Defaults returns each variable's default, and for object types
// the defaults their optional(type, default) attributes declare.
func Defaults(path string) (map[string]cty.Value, map[string]map[string]cty.Value, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	f, diags := hclsyntax.ParseConfig(b, path, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, nil, diags
	}
	vals := map[string]cty.Value{}
	opt := map[string]map[string]cty.Value{}
	for _, blk := range f.Body.(*hclsyntax.Body).Blocks {
		if blk.Type != "variable" || len(blk.Labels) != 1 {
			continue
		}
		name := blk.Labels[0]
		if a, ok := blk.Body.Attributes["default"]; ok {
			if v, d := a.Expr.Value(nil); !d.HasErrors() {
				vals[name] = v
			}
		}
		if a, ok := blk.Body.Attributes["type"]; ok {
			if o := OptionalDefaults(a.Expr); len(o) > 0 {
				opt[name] = o
			}
		}
	}
	return vals, opt, nil
}

// OptionalDefaults finds object({... x = optional(t, default) ...}) inside
// a type expression such as map(object({...})).
func OptionalDefaults(e hclsyntax.Expression) map[string]cty.Value {
	call, ok := e.(*hclsyntax.FunctionCallExpr)
	if !ok {
		return nil
	}
	if call.Name != "object" {
		for _, a := range call.Args {
			if o := OptionalDefaults(a); o != nil {
				return o
			}
		}
		return nil
	}
	out := map[string]cty.Value{}
	if len(call.Args) != 1 {
		return out
	}
	obj, ok := call.Args[0].(*hclsyntax.ObjectConsExpr)
	if !ok {
		return out
	}
	for _, it := range obj.Items {
		k := hcl.ExprAsKeyword(it.KeyExpr)
		oc, ok := it.ValueExpr.(*hclsyntax.FunctionCallExpr)
		if k == "" || !ok || oc.Name != "optional" || len(oc.Args) != 2 {
			continue
		}
		if v, d := oc.Args[1].Value(nil); !d.HasErrors() {
			out[k] = v
		}
	}
	return out
}

// BlockArgs returns the arguments of the block `blockType "labels"...` in
// the file at path whose values are known without a plan: literals, and
// expressions of var.NAME given vars. Arguments that refer to anything else
// (module outputs, resources) are left out, so a caller can tell "set to a
// known value" from "left to the default or to a later apply".
func BlockArgs(path, blockType string, labels []string, vars map[string]cty.Value) (map[string]cty.Value, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, diags := hclsyntax.ParseConfig(b, path, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, diags
	}
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{"var": cty.ObjectVal(vars)}}
	for _, blk := range f.Body.(*hclsyntax.Body).Blocks {
		if blk.Type != blockType || !slices.Equal(blk.Labels, labels) {
			continue
		}
		out := map[string]cty.Value{}
		for name, a := range blk.Body.Attributes {
			// A null passed to a module leaves the variable at its default.
			if v, d := a.Expr.Value(ctx); !d.HasErrors() && v.IsWhollyKnown() && !v.IsNull() {
				out[name] = v
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("%s: no %s %q", path, blockType, strings.Join(labels, " "))
}
