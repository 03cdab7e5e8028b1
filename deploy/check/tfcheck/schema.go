package tfcheck

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	tfjson "github.com/hashicorp/terraform-json"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"hyundai-poc.com/deploy/check/tfconfig"
	"hyundai-poc.com/deploy/check/tfschema"
)

// metaArgs are the arguments Terraform itself reads on resource-like blocks.
var metaArgs = map[string]bool{"count": true, "for_each": true, "provider": true, "depends_on": true}

// lifecycleArgs are what a lifecycle block may hold.
var lifecycleArgs = map[string]bool{
	"create_before_destroy": true, "prevent_destroy": true, "ignore_changes": true,
	"replace_triggered_by": true, "enabled": true,
}

// Schema checks every resource, data and ephemeral block of every module in
// the tree against the provider schema s. Blocks of other providers, and
// types the schema file leaves out on purpose, are returned as not checked.
func Schema(t *tfconfig.Tree, s *tfschema.Schema, prefix string) (findings []Finding, notChecked []string) {
	for _, m := range t.SortedModules() {
		for _, set := range []struct {
			blocks  map[string]*tfconfig.Block
			schemas map[string]*tfschema.Block
			kind    string
		}{
			{m.Resources, s.Resources, "resource"},
			{m.Data, s.DataSources, "data source"},
			{m.Ephemerals, s.Ephemeral, "ephemeral resource"},
		} {
			for _, key := range sortedKeys(set.blocks) {
				b := set.blocks[key]
				if !strings.HasPrefix(b.Type, prefix) {
					notChecked = append(notChecked, fmt.Sprintf("%s (%s): another provider", b.Addr(), m.Dir))
					continue
				}
				sb, ok := set.schemas[b.Type]
				if !ok {
					if set.kind == "resource" && s.NotIncluded[b.Type] {
						notChecked = append(notChecked, fmt.Sprintf("%s (%s): not in the schema file", b.Addr(), m.Dir))
						continue
					}
					findings = append(findings, Finding{b.Range, fmt.Sprintf("%s: unknown %s type %q", b.Addr(), set.kind, b.Type)})
					continue
				}
				c := &bodyChecker{addr: b.Addr()}
				c.body(b.Body, sb, true)
				findings = append(findings, c.findings...)
			}
		}
	}
	return sortFindings(findings), notChecked
}

type bodyChecker struct {
	addr     string
	findings []Finding
}

func (c *bodyChecker) add(r hcl.Range, format string, args ...any) {
	c.findings = append(c.findings, Finding{r, c.addr + ": " + fmt.Sprintf(format, args...)})
}

// body checks one body against its schema block; top is true for the
// resource body itself, where meta-arguments are allowed.
func (c *bodyChecker) body(body *hclsyntax.Body, sb *tfschema.Block, top bool) {
	if sb == nil {
		return // a block type without a body in the schema
	}
	for _, name := range sortedKeys(body.Attributes) {
		a := body.Attributes[name]
		if top && metaArgs[name] {
			continue
		}
		if sa, ok := sb.Attributes[name]; ok {
			if tfschema.ReadOnly(sa) {
				c.add(a.SrcRange, "%q is read-only: the provider sets it", name)
			}
			c.literalType(name, a, sa)
			continue
		}
		if _, ok := sb.NestedBlocks[name]; ok {
			c.add(a.SrcRange, "%q is a block: write %s { ... }", name, name)
			continue
		}
		c.add(a.SrcRange, "unknown argument %q%s", name, suggest(name, sb))
	}

	counts := map[string]int{}
	dynamic := map[string]bool{}
	for _, blk := range body.Blocks {
		switch {
		case top && blk.Type == "lifecycle":
			c.lifecycle(blk.Body, sb)
			continue
		case top && (blk.Type == "provisioner" || blk.Type == "connection"):
			continue
		case blk.Type == "dynamic":
			if len(blk.Labels) != 1 {
				c.add(blk.DefRange(), "dynamic block needs one label")
				continue
			}
			name := blk.Labels[0]
			nb, ok := sb.NestedBlocks[name]
			if !ok {
				c.add(blk.DefRange(), "unknown block %q in dynamic%s", name, suggest(name, sb))
				continue
			}
			dynamic[name] = true
			for _, inner := range blk.Body.Blocks {
				if inner.Type == "content" {
					c.body(inner.Body, nb.Block, false)
				}
			}
			continue
		}
		nb, ok := sb.NestedBlocks[blk.Type]
		if !ok {
			if _, isAttr := sb.Attributes[blk.Type]; isAttr {
				c.add(blk.DefRange(), "%q is an argument: write %s = ...", blk.Type, blk.Type)
			} else {
				c.add(blk.DefRange(), "unknown block %q%s", blk.Type, suggest(blk.Type, sb))
			}
			continue
		}
		counts[blk.Type]++
		c.body(blk.Body, nb.Block, false)
	}

	for _, name := range sortedKeys(sb.Attributes) {
		if sb.Attributes[name].Required {
			if _, ok := body.Attributes[name]; !ok {
				c.add(body.SrcRange, "required argument %q is missing", name)
			}
		}
	}
	for _, name := range sortedKeys(sb.NestedBlocks) {
		nb := sb.NestedBlocks[name]
		if dynamic[name] {
			continue // how many a dynamic block makes is known only at plan time
		}
		n := counts[name]
		max := int(nb.MaxItems)
		if nb.NestingMode == tfjson.SchemaNestingModeSingle || nb.NestingMode == tfjson.SchemaNestingModeGroup {
			max = 1
		}
		if n < int(nb.MinItems) {
			c.add(body.SrcRange, "block %q needs at least %d, has %d", name, nb.MinItems, n)
		}
		if max > 0 && n > max {
			c.add(body.SrcRange, "block %q allows at most %d, has %d", name, max, n)
		}
	}
}

func (c *bodyChecker) lifecycle(body *hclsyntax.Body, sb *tfschema.Block) {
	for _, name := range sortedKeys(body.Attributes) {
		a := body.Attributes[name]
		if !lifecycleArgs[name] {
			c.add(a.SrcRange, "unknown lifecycle argument %q", name)
			continue
		}
		if name != "ignore_changes" {
			continue
		}
		// ignore_changes names attributes of this resource; a misspelt one
		// silently ignores nothing, which is how provider traps bite.
		tup, ok := a.Expr.(*hclsyntax.TupleConsExpr)
		if !ok {
			continue // "all"
		}
		for _, e := range tup.Exprs {
			trav, diags := hcl.AbsTraversalForExpr(e)
			if diags.HasErrors() || len(trav) == 0 {
				c.add(e.Range(), "ignore_changes entries must be attribute names")
				continue
			}
			n := trav.RootName()
			_, isAttr := sb.Attributes[n]
			_, isBlock := sb.NestedBlocks[n]
			if !isAttr && !isBlock {
				c.add(e.Range(), "ignore_changes names %q, which the resource does not have%s", n, suggest(n, sb))
			}
		}
	}
	for _, blk := range body.Blocks {
		if blk.Type != "precondition" && blk.Type != "postcondition" {
			c.add(blk.DefRange(), "unknown lifecycle block %q", blk.Type)
		}
	}
}

// suggest names the closest known argument or block, for typos.
func suggest(name string, sb *tfschema.Block) string {
	best, bestD := "", 3
	for _, cands := range [][]string{sortedKeys(sb.Attributes), sortedKeys(sb.NestedBlocks)} {
		for _, k := range cands {
			if d := distance(name, k); d < bestD {
				best, bestD = k, d
			}
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// literalType checks a constant value against the attribute's type: a
// string where a number, bool or list belongs fails at plan time anyway,
// but here it fails without a provider.
func (c *bodyChecker) literalType(name string, a *hclsyntax.Attribute, sa *tfschema.Attribute) {
	want := sa.AttributeType
	if len(a.Expr.Variables()) > 0 || want == cty.NilType {
		return
	}
	if _, isFunc := a.Expr.(*hclsyntax.FunctionCallExpr); isFunc {
		return
	}
	v, diags := a.Expr.Value(nil)
	if diags.HasErrors() || v.IsNull() {
		return
	}
	if _, err := convert.Convert(v, want); err != nil {
		c.add(a.SrcRange, "%q wants %s, got %s", name, want.FriendlyName(), v.Type().FriendlyName())
	}
}
