package tfcheck

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"hyundai-poc.com/deploy/check/tfconfig"
)

// builtinRoots are reference roots Terraform provides itself.
var builtinRoots = map[string]bool{
	"count": true, "each": true, "self": true, "path": true, "terraform": true,
}

// moduleMeta are the arguments of a module call that are not its inputs.
var moduleMeta = map[string]bool{
	"source": true, "version": true, "count": true, "for_each": true, "providers": true, "depends_on": true,
}

// References checks, in every module of the tree, that each var., local.,
// module., data., ephemeral. and resource reference names something
// declared; that module calls set only the child's variables and every
// variable without a default; and that module outputs referenced exist.
func References(t *tfconfig.Tree) []Finding {
	var out []Finding
	for _, m := range t.SortedModules() {
		r := &refChecker{t: t, m: m}
		r.module()
		out = append(out, r.findings...)
	}
	return sortFindings(out)
}

type refChecker struct {
	t        *tfconfig.Tree
	m        *tfconfig.Module
	findings []Finding

	// iter says which of each and count the block being walked provides.
	iter map[string]bool
	// used marks var.X and local.X referenced outside validation blocks.
	used       map[string]bool
	validation bool
}

func (r *refChecker) add(rng hcl.Range, format string, args ...any) {
	r.findings = append(r.findings, Finding{rng, fmt.Sprintf(format, args...)})
}

func (r *refChecker) module() {
	m := r.m
	r.used = map[string]bool{}
	r.iter = map[string]bool{}
	for _, n := range sortedKeys(m.Locals) {
		r.expr(m.Locals[n].Expr, nil)
	}
	for _, set := range []map[string]*tfconfig.Block{m.Resources, m.Data, m.Ephemerals, m.Outputs} {
		for _, k := range sortedKeys(set) {
			b := set[k].Body
			r.iter = map[string]bool{"each": b.Attributes["for_each"] != nil, "count": b.Attributes["count"] != nil}
			r.body(b, nil, true)
		}
	}
	r.iter = map[string]bool{}
	r.validation = true
	for _, k := range sortedKeys(m.Variables) {
		v := m.Variables[k]
		for _, blk := range v.Body.Blocks {
			if blk.Type == "validation" {
				r.body(blk.Body, nil, false)
			}
		}
	}
	r.validation = false
	for _, p := range m.Providers {
		r.body(p.Body, nil, false)
	}
	for _, k := range sortedKeys(m.Modules) {
		c := m.Modules[k]
		r.iter = map[string]bool{"each": c.Attr("for_each") != nil, "count": c.Attr("count") != nil}
		r.call(c)
	}
	r.iter = map[string]bool{}

	// Declared and never read: a leftover, or a value that was meant to be
	// wired somewhere and is not.
	for _, n := range sortedKeys(m.Variables) {
		if !r.used["var."+n] {
			r.add(m.Variables[n].Range, "variable %q is declared but never used in %s", n, m.Dir)
		}
	}
	for _, n := range sortedKeys(m.Locals) {
		if !r.used["local."+n] {
			r.add(m.Locals[n].SrcRange, "local %q is declared but never used in %s", n, m.Dir)
		}
	}
}

// call checks a module call's arguments against the child's variables.
func (r *refChecker) call(c *tfconfig.Block) {
	for _, n := range sortedKeys(c.Body.Attributes) {
		a := c.Body.Attributes[n]
		if n == "source" || n == "version" || n == "providers" {
			continue
		}
		r.expr(a.Expr, nil)
	}
	for _, blk := range c.Body.Blocks {
		r.add(blk.DefRange(), "module.%s: a module call takes no blocks (%q)", c.Name, blk.Type)
	}
	child := r.t.Child(r.m, c)
	if child == nil {
		return
	}
	for _, n := range sortedKeys(c.Body.Attributes) {
		if moduleMeta[n] {
			continue
		}
		if _, ok := child.Variables[n]; !ok {
			r.add(c.Body.Attributes[n].SrcRange, "module.%s: %s has no variable %q", c.Name, child.Dir, n)
		}
	}
	for _, n := range sortedKeys(c.Body.Attributes) {
		if v, ok := child.Variables[n]; ok {
			r.objectInput(c, n, c.Body.Attributes[n].Expr, v)
		}
	}
	for _, n := range sortedKeys(child.Variables) {
		v := child.Variables[n]
		if v.Attr("default") != nil {
			continue
		}
		if _, ok := c.Body.Attributes[n]; !ok {
			r.add(c.Range, "module.%s: required variable %q of %s is not set", c.Name, n, child.Dir)
		}
	}
}

// body checks every expression in a block body; scope holds the names that
// dynamic blocks bring into scope.
func (r *refChecker) body(b *hclsyntax.Body, scope map[string]bool, top bool) {
	for _, n := range sortedKeys(b.Attributes) {
		if top && n == "provider" {
			continue
		}
		r.expr(b.Attributes[n].Expr, scope)
	}
	for _, blk := range b.Blocks {
		switch blk.Type {
		case "lifecycle":
			// ignore_changes names attributes, not references.
			if a := blk.Body.Attributes["replace_triggered_by"]; a != nil {
				r.expr(a.Expr, scope)
			}
			for _, inner := range blk.Body.Blocks {
				r.body(inner.Body, scope, false)
			}
		case "dynamic":
			inner := copyScope(scope)
			name := blk.Labels[0]
			if it := blk.Body.Attributes["iterator"]; it != nil {
				if trav, diags := hcl.AbsTraversalForExpr(it.Expr); !diags.HasErrors() {
					name = trav.RootName()
				}
			}
			if fe := blk.Body.Attributes["for_each"]; fe != nil {
				r.expr(fe.Expr, scope)
			}
			inner[name] = true
			for _, c := range blk.Body.Blocks {
				r.body(c.Body, inner, false)
			}
		default:
			r.body(blk.Body, scope, false)
		}
	}
}

func copyScope(s map[string]bool) map[string]bool {
	out := map[string]bool{}
	for k, v := range s {
		out[k] = v
	}
	return out
}

func (r *refChecker) expr(e hclsyntax.Expression, scope map[string]bool) {
	for _, trav := range hclsyntax.Variables(e) {
		r.traversal(trav, scope)
	}
}

func (r *refChecker) traversal(trav hcl.Traversal, scope map[string]bool) {
	m := r.m
	root := trav.RootName()
	rng := trav.SourceRange()
	if scope[root] {
		return
	}
	if root == "each" || root == "count" {
		if !r.iter[root] {
			what := map[string]string{"each": "for_each", "count": "count"}[root]
			r.add(rng, "%s used in a block without %s", root, what)
		}
		return
	}
	if builtinRoots[root] {
		return
	}
	attr := func(i int) (string, bool) {
		if i >= len(trav) {
			return "", false
		}
		a, ok := trav[i].(hcl.TraverseAttr)
		return a.Name, ok
	}
	switch root {
	case "var":
		if n, ok := attr(1); ok {
			if _, found := m.Variables[n]; !found {
				r.add(rng, "var.%s is not declared in %s", n, m.Dir)
			} else if !r.validation {
				r.used["var."+n] = true
			}
		}
	case "local":
		if n, ok := attr(1); ok {
			if _, found := m.Locals[n]; !found {
				r.add(rng, "local.%s is not declared in %s", n, m.Dir)
			} else {
				r.used["local."+n] = true
			}
		}
	case "module":
		n, ok := attr(1)
		if !ok {
			return
		}
		call, found := m.Modules[n]
		if !found {
			r.add(rng, "module.%s is not declared in %s", n, m.Dir)
			return
		}
		child := r.t.Child(m, call)
		if child == nil {
			return
		}
		// module.NAME["key"].output: skip index steps to the output name.
		i := 2
		for i < len(trav) {
			if _, isIndex := trav[i].(hcl.TraverseIndex); !isIndex {
				break
			}
			i++
		}
		if out, ok := attr(i); ok {
			if _, found := child.Outputs[out]; !found {
				r.add(rng, "module.%s has no output %q (%s)", n, out, child.Dir)
			}
		}
	case "data", "ephemeral":
		typ, ok1 := attr(1)
		name, ok2 := attr(2)
		if !ok1 || !ok2 {
			return
		}
		set := m.Data
		if root == "ephemeral" {
			set = m.Ephemerals
		}
		if _, found := set[typ+"."+name]; !found {
			r.add(rng, "%s.%s.%s is not declared in %s", root, typ, name, m.Dir)
		}
	default:
		name, ok := attr(1)
		if !ok || !strings.Contains(root, "_") {
			r.add(rng, "unknown reference %q", root)
			return
		}
		if _, found := m.Resources[root+"."+name]; !found {
			r.add(rng, "%s.%s is not declared in %s", root, name, m.Dir)
		}
	}
}

// objectInput checks an object written out in a module call against the
// variable's object type: every attribute the type requires (not
// optional()) must be given, and every given one must exist in the type.
func (r *refChecker) objectInput(c *tfconfig.Block, name string, e hclsyntax.Expression, v *tfconfig.Block) {
	obj, ok := e.(*hclsyntax.ObjectConsExpr)
	t := v.Attr("type")
	if !ok || t == nil {
		return
	}
	ty, _, diags := typeexpr.TypeConstraintWithDefaults(t.Expr)
	if diags.HasErrors() || !ty.IsObjectType() {
		return
	}
	given := map[string]bool{}
	for _, it := range obj.Items {
		k := hcl.ExprAsKeyword(it.KeyExpr)
		if k == "" {
			if kv, d := it.KeyExpr.Value(nil); !d.HasErrors() && kv.Type() == cty.String {
				k = kv.AsString()
			}
		}
		if k == "" {
			return // a computed key: cannot tell
		}
		given[k] = true
		if !ty.HasAttribute(k) {
			r.add(it.KeyExpr.Range(), "module.%s: %s has no attribute %q in its type", c.Name, name, k)
		}
	}
	for _, k := range sortedKeys(ty.AttributeTypes()) {
		if !given[k] && !ty.AttributeOptional(k) {
			r.add(obj.SrcRange, "module.%s: %s lacks attribute %q, which its type requires", c.Name, name, k)
		}
	}
}
