// Package topology checks the shape of the deployment in the parsed
// Terraform: three regions each wired to its own reader, an origin group of
// two that never carries a POST, geolocation that covers Asia, every US
// state and the default, the Aurora global-cluster traps, and the alarms.
package topology

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"hyundai-poc.com/deploy/check/tfcheck"
	"hyundai-poc.com/deploy/check/tfconfig"
	"hyundai-poc.com/deploy/check/tfeval"
)

// Regions are the three regions the site runs in.
var Regions = []string{"ap-northeast-2", "us-east-1", "us-west-2"}

// Finding is reused from tfcheck so every check reports alike.
type Finding = tfcheck.Finding

type report struct{ fs []Finding }

func (r *report) add(rng hcl.Range, format string, args ...any) {
	r.fs = append(r.fs, Finding{Range: rng, Message: fmt.Sprintf(format, args...)})
}

// refs returns the references in an expression as dotted names, index steps
// dropped: module.database.reader_endpoints[each.key] -> module.database.reader_endpoints.
func refs(e hcl.Expression) []string {
	var out []string
	for _, trav := range e.Variables() {
		var parts []string
		for _, step := range trav {
			switch s := step.(type) {
			case hcl.TraverseRoot:
				parts = append(parts, s.Name)
			case hcl.TraverseAttr:
				parts = append(parts, s.Name)
			}
		}
		out = append(out, strings.Join(parts, "."))
	}
	return out
}

func refersTo(e hcl.Expression, prefix string) bool {
	for _, r := range refs(e) {
		if r == prefix || strings.HasPrefix(r, prefix+".") {
			return true
		}
	}
	return false
}

// item returns the value expression of key in an object constructor.
func item(e hcl.Expression, key string) hcl.Expression {
	obj, ok := e.(*hclsyntax.ObjectConsExpr)
	if !ok {
		return nil
	}
	for _, it := range obj.Items {
		k, diags := it.KeyExpr.Value(nil)
		if diags.HasErrors() || k.Type() != cty.String {
			if kw := hcl.ExprAsKeyword(it.KeyExpr); kw == key {
				return it.ValueExpr
			}
			continue
		}
		if k.AsString() == key {
			return it.ValueExpr
		}
	}
	return nil
}

// objectKeys returns the literal keys of an object constructor.
func objectKeys(e hcl.Expression) []string {
	obj, ok := e.(*hclsyntax.ObjectConsExpr)
	if !ok {
		return nil
	}
	var out []string
	for _, it := range obj.Items {
		if kw := hcl.ExprAsKeyword(it.KeyExpr); kw != "" {
			out = append(out, kw)
			continue
		}
		if k, diags := it.KeyExpr.Value(nil); !diags.HasErrors() && k.Type() == cty.String {
			out = append(out, k.AsString())
		}
	}
	sort.Strings(out)
	return out
}

func blocks(b *hclsyntax.Body, typ string) []*hclsyntax.Block {
	var out []*hclsyntax.Block
	for _, blk := range b.Blocks {
		if blk.Type == typ {
			out = append(out, blk)
		}
	}
	return out
}

// allResources returns every resource of a type in the tree with its module.
func allResources(t *tfconfig.Tree, typ string) []*tfconfig.Block {
	var out []*tfconfig.Block
	for _, m := range t.SortedModules() {
		out = append(out, m.ResourcesOfType(typ)...)
	}
	return out
}

// callsOf returns the module calls in the tree whose source is child, with
// the module that makes them.
func callsOf(t *tfconfig.Tree, child *tfconfig.Module) []*tfconfig.Block {
	var out []*tfconfig.Block
	for _, m := range t.SortedModules() {
		for _, name := range sortedKeys(m.Modules) {
			if t.Child(m, m.Modules[name]) == child {
				out = append(out, m.Modules[name])
			}
		}
	}
	return out
}

// moduleWith returns the first module in the tree holding a resource type.
func moduleWith(t *tfconfig.Tree, typ string) *tfconfig.Module {
	for _, m := range t.SortedModules() {
		if len(m.ResourcesOfType(typ)) > 0 {
			return m
		}
	}
	return nil
}

// scopeOf evaluates the chain of module calls from the root down to m, so
// variables passed in by callers are known where they are static.
func scopeOf(t *tfconfig.Tree, m *tfconfig.Module) *tfeval.Scope {
	root := tfeval.NewScope(t.Root, nil)
	if m == t.Root {
		return root
	}
	for _, name := range sortedKeys(t.Root.Modules) {
		call := t.Root.Modules[name]
		if t.Child(t.Root, call) != m {
			continue
		}
		var extra map[string]cty.Value
		if inst, ok, err := root.ForEach(call.Body); ok && err == nil {
			for k, v := range inst {
				extra = tfeval.Each(k, v)
				break
			}
		}
		if s := root.Child(t, call, extra); s != nil {
			return s
		}
	}
	return tfeval.NewScope(m, nil)
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	a, b = append([]string(nil), a...), append([]string(nil), b...)
	sort.Strings(a)
	sort.Strings(b)
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
