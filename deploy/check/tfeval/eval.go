// Package tfeval evaluates what of a Terraform module can be known without a
// provider: variables from defaults or the caller, locals, and expressions
// built from them with Terraform's pure functions. Anything that depends on
// a resource stays unknown.
package tfeval

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"

	"hyundai-poc.com/deploy/check/tfconfig"
)

// Scope is one module instance's evaluation context.
type Scope struct {
	Module *tfconfig.Module
	Ctx    *hcl.EvalContext
	root   string
	locals map[string]cty.Value
}

// NewScope evaluates m's variables (inputs given by the caller, else their
// defaults, else unknown) and then its locals, as far as they are static.
func NewScope(m *tfconfig.Module, inputs map[string]cty.Value) *Scope {
	return newScope(m, inputs, m.Dir)
}

// newScope is NewScope for a module called from the root in rootDir.
func newScope(m *tfconfig.Module, inputs map[string]cty.Value, rootDir string) *Scope {
	s := &Scope{Module: m, root: rootDir, locals: map[string]cty.Value{}, Ctx: &hcl.EvalContext{Variables: map[string]cty.Value{}, Functions: functions(rootDir)}}

	vars := map[string]cty.Value{}
	for name, v := range m.Variables {
		if in, ok := inputs[name]; ok {
			vars[name] = in
			continue
		}
		if d := v.Attr("default"); d != nil {
			val, diags := d.Expr.Value(nil)
			if !diags.HasErrors() {
				vars[name] = withType(v, val)
				continue
			}
		}
		vars[name] = cty.DynamicVal
	}
	s.Ctx.Variables["var"] = cty.ObjectVal(vars)
	s.Ctx.Variables["path"] = cty.ObjectVal(map[string]cty.Value{
		"module": cty.StringVal(m.Dir), "root": cty.StringVal(rootDir), "cwd": cty.StringVal(rootDir),
	})

	for name := range m.Locals {
		s.locals[name] = cty.DynamicVal
	}
	s.evalLocals()
	// References to resources, data and modules are unknown here.
	for _, root := range []string{"module", "data", "ephemeral"} {
		s.Ctx.Variables[root] = cty.DynamicVal
	}
	for _, b := range m.Resources {
		if _, ok := s.Ctx.Variables[b.Type]; !ok {
			s.Ctx.Variables[b.Type] = cty.DynamicVal
		}
	}
	return s
}

// evalLocals evaluates the module's locals in rounds until nothing more
// becomes known: locals may refer to each other in any order.
func (s *Scope) evalLocals() {
	m := s.Module
	for round := 0; round <= len(m.Locals); round++ {
		s.Ctx.Variables["local"] = cty.ObjectVal(s.locals)
		changed := false
		for name, a := range m.Locals {
			if s.locals[name].IsWhollyKnown() {
				continue
			}
			v, diags := a.Expr.Value(s.Ctx)
			if diags.HasErrors() {
				continue
			}
			// Keep partly known values too: a for_each needs only its keys.
			if !v.RawEquals(s.locals[name]) {
				s.locals[name] = v
				changed = true
			}
		}
		if !changed {
			break
		}
	}
	s.Ctx.Variables["local"] = cty.ObjectVal(s.locals)
}

// withType converts a default to the variable's declared type, so optional
// attributes and defaults are applied as Terraform would.
func withType(v *tfconfig.Block, val cty.Value) cty.Value {
	t := v.Attr("type")
	if t == nil {
		return val
	}
	ty, def, diags := typeexpr.TypeConstraintWithDefaults(t.Expr)
	if diags.HasErrors() {
		return val
	}
	if def != nil {
		val = def.Apply(val)
	}
	if cv, err := convert.Convert(val, ty); err == nil {
		return cv
	}
	return val
}

// Eval evaluates expr in the scope, with extra variables (each, count) bound.
func (s *Scope) Eval(expr hcl.Expression, extra map[string]cty.Value) (cty.Value, error) {
	ctx := s.Ctx
	if len(extra) > 0 {
		ctx = s.Ctx.NewChild()
		ctx.Variables = extra
	}
	v, diags := expr.Value(ctx)
	if diags.HasErrors() {
		return cty.NilVal, fmt.Errorf("%s: %w", expr.Range(), diags)
	}
	return v, nil
}

// EvalString evaluates expr to a known string.
func (s *Scope) EvalString(expr hcl.Expression, extra map[string]cty.Value) (string, error) {
	v, err := s.Eval(expr, extra)
	if err != nil {
		return "", err
	}
	v, err = convert.Convert(v, cty.String)
	if err != nil || !v.IsKnown() || v.IsNull() {
		return "", fmt.Errorf("%s: not a static string", expr.Range())
	}
	return v.AsString(), nil
}

// EvalStrings evaluates expr to a known list or set of strings.
func (s *Scope) EvalStrings(expr hcl.Expression, extra map[string]cty.Value) ([]string, error) {
	v, err := s.Eval(expr, extra)
	if err != nil {
		return nil, err
	}
	if !v.IsWhollyKnown() || v.IsNull() || !v.CanIterateElements() {
		return nil, fmt.Errorf("%s: not a static list of strings", expr.Range())
	}
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		e, err := convert.Convert(e, cty.String)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", expr.Range(), err)
		}
		out = append(out, e.AsString())
	}
	return out, nil
}

// Child evaluates a module call's arguments in s and returns the child's
// scope, when the child is a local module in the tree.
func (s *Scope) Child(t *tfconfig.Tree, call *tfconfig.Block, extra map[string]cty.Value) *Scope {
	child := t.Child(s.Module, call)
	if child == nil {
		return nil
	}
	inputs := map[string]cty.Value{}
	for name, a := range call.Body.Attributes {
		if _, isVar := child.Variables[name]; !isVar {
			continue
		}
		if v, err := s.Eval(a.Expr, extra); err == nil {
			inputs[name] = withType(child.Variables[name], v)
		}
	}
	return newScope(child, inputs, s.root)
}

// ForEach returns the instance keys and values of a block's for_each, when
// it is static; ok is false when the block has no for_each.
func (s *Scope) ForEach(body *hclsyntax.Body) (map[string]cty.Value, bool, error) {
	a := body.Attributes["for_each"]
	if a == nil {
		return nil, false, nil
	}
	v, err := s.Eval(a.Expr, nil)
	if err != nil {
		return nil, true, err
	}
	if !v.IsKnown() || v.IsNull() || !v.CanIterateElements() {
		return nil, true, fmt.Errorf("%s: for_each is not static", a.SrcRange)
	}
	out := map[string]cty.Value{}
	if v.Type().IsSetType() {
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			out[e.AsString()] = e
		}
		return out, true, nil
	}
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		out[k.AsString()] = e
	}
	return out, true, nil
}

// Each returns the "each" variable for one for_each instance.
func Each(key string, value cty.Value) map[string]cty.Value {
	return map[string]cty.Value{"each": cty.ObjectVal(map[string]cty.Value{"key": cty.StringVal(key), "value": value})}
}

func functions(dir string) map[string]function.Function {
	return map[string]function.Function{
		"abs": stdlib.AbsoluteFunc, "ceil": stdlib.CeilFunc, "floor": stdlib.FloorFunc, "max": stdlib.MaxFunc, "min": stdlib.MinFunc,
		"chunklist": stdlib.ChunklistFunc, "coalesce": stdlib.CoalesceFunc, "compact": stdlib.CompactFunc,
		"concat": stdlib.ConcatFunc, "contains": stdlib.ContainsFunc, "distinct": stdlib.DistinctFunc,
		"element": stdlib.ElementFunc, "flatten": stdlib.FlattenFunc, "format": stdlib.FormatFunc,
		"formatlist": stdlib.FormatListFunc, "index": indexOf, "join": stdlib.JoinFunc,
		"jsondecode": stdlib.JSONDecodeFunc, "jsonencode": stdlib.JSONEncodeFunc, "keys": stdlib.KeysFunc,
		"length": stdlib.LengthFunc, "lookup": stdlib.LookupFunc, "lower": stdlib.LowerFunc,
		"merge": stdlib.MergeFunc, "range": stdlib.RangeFunc, "regex": stdlib.RegexFunc,
		"replace": stdlib.ReplaceFunc, "reverse": stdlib.ReverseListFunc, "setproduct": stdlib.SetProductFunc,
		"slice": stdlib.SliceFunc, "sort": stdlib.SortFunc, "split": stdlib.SplitFunc,
		"substr": stdlib.SubstrFunc, "title": stdlib.TitleFunc, "trimprefix": stdlib.TrimPrefixFunc,
		"trimspace": stdlib.TrimSpaceFunc, "trimsuffix": stdlib.TrimSuffixFunc, "upper": stdlib.UpperFunc,
		"values": stdlib.ValuesFunc, "zipmap": stdlib.ZipmapFunc, "startswith": startsWith,
		"tostring": convertFunc(cty.String), "tonumber": convertFunc(cty.Number), "tobool": convertFunc(cty.Bool),
		"toset":   convertFunc(cty.Set(cty.DynamicPseudoType)),
		"tolist":  convertFunc(cty.List(cty.DynamicPseudoType)),
		"tomap":   convertFunc(cty.Map(cty.DynamicPseudoType)),
		"file":    fileFunc(dir),
		"can":     tryfunc.CanFunc,
		"try":     tryfunc.TryFunc,
		"alltrue": allOf(true), "anytrue": allOf(false),
		"cidrhost": cidrHost, "cidrsubnet": cidrSubnet,
		"one": oneFunc,
	}
}

var startsWith = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "s", Type: cty.String}, {Name: "prefix", Type: cty.String}},
	Type:   function.StaticReturnType(cty.Bool),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		return cty.BoolVal(strings.HasPrefix(args[0].AsString(), args[1].AsString())), nil
	},
})

func convertFunc(want cty.Type) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "v", Type: cty.DynamicPseudoType, AllowNull: true, AllowDynamicType: true, AllowUnknown: true}},
		Type: func(args []cty.Value) (cty.Type, error) {
			if !args[0].IsKnown() {
				return cty.DynamicPseudoType, nil
			}
			v, err := convert.Convert(args[0], want)
			if err != nil {
				return cty.NilType, err
			}
			return v.Type(), nil
		},
		Impl: func(args []cty.Value, ret cty.Type) (cty.Value, error) {
			if !args[0].IsKnown() {
				return cty.UnknownVal(ret), nil
			}
			return convert.Convert(args[0], ret)
		},
	})
}

// fileFunc reads a file as Terraform's file() does; relative paths are
// taken from the module directory.
func fileFunc(dir string) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "path", Type: cty.String}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			// Paths built from path.module are already relative to where
			// the checks run; a bare relative path is Terraform's: from the
			// root module's directory.
			p := args[0].AsString()
			b, err := os.ReadFile(p)
			if err != nil && !filepath.IsAbs(p) {
				b, err = os.ReadFile(filepath.Join(dir, p))
			}
			if err != nil {
				return cty.NilVal, fmt.Errorf("file: %w", err)
			}
			return cty.StringVal(string(b)), nil
		},
	})
}

// allOf is Terraform's alltrue (all) and anytrue (!all).
func allOf(all bool) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "list", Type: cty.List(cty.Bool)}},
		Type:   function.StaticReturnType(cty.Bool),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			for it := args[0].ElementIterator(); it.Next(); {
				_, v := it.Element()
				if !v.IsKnown() {
					return cty.UnknownVal(cty.Bool), nil
				}
				if v.IsNull() {
					continue
				}
				if v.True() != all {
					return cty.BoolVal(!all), nil
				}
			}
			return cty.BoolVal(all), nil
		},
	})
}

// cidrHost is Terraform's cidrhost for IPv4 prefixes.
var cidrHost = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "prefix", Type: cty.String}, {Name: "hostnum", Type: cty.Number}},
	Type:   function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		p, err := netip.ParsePrefix(args[0].AsString())
		if err != nil || !p.Addr().Is4() {
			return cty.NilVal, fmt.Errorf("cidrhost: %q is not an IPv4 prefix", args[0].AsString())
		}
		n, _ := args[1].AsBigFloat().Int64()
		size := int64(1) << (32 - p.Bits())
		if n < 0 || n >= size {
			return cty.NilVal, fmt.Errorf("cidrhost: host %d is outside %s", n, p)
		}
		b := p.Masked().Addr().As4()
		v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]) + uint32(n)
		return cty.StringVal(netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}).String()), nil
	},
})

// Known reports whether every function expr calls is one this package
// evaluates, so that can() and try() do not turn a missing function into
// a false result.
func (s *Scope) Known(expr hcl.Expression) bool {
	known := true
	_ = hclsyntax.VisitAll(expr.(hclsyntax.Node), func(n hclsyntax.Node) hcl.Diagnostics {
		if call, ok := n.(*hclsyntax.FunctionCallExpr); ok {
			if _, found := s.Ctx.Functions[call.Name]; !found {
				known = false
			}
		}
		return nil
	})
	return known
}

// cidrSubnet is Terraform's cidrsubnet for IPv4 prefixes.
var cidrSubnet = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "prefix", Type: cty.String}, {Name: "newbits", Type: cty.Number}, {Name: "netnum", Type: cty.Number}},
	Type:   function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		p, err := netip.ParsePrefix(args[0].AsString())
		if err != nil || !p.Addr().Is4() {
			return cty.NilVal, fmt.Errorf("cidrsubnet: %q is not an IPv4 prefix", args[0].AsString())
		}
		nb, _ := args[1].AsBigFloat().Int64()
		num, _ := args[2].AsBigFloat().Int64()
		bits := p.Bits() + int(nb)
		if nb < 0 || bits > 32 || num < 0 || num >= int64(1)<<nb {
			return cty.NilVal, fmt.Errorf("cidrsubnet: %d new bits and number %d do not fit %s", nb, num, p)
		}
		b := p.Masked().Addr().As4()
		v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
		v |= uint32(num) << (32 - bits)
		return cty.StringVal(netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), bits).String()), nil
	},
})

// oneFunc is Terraform's one: the single element of a list, or null.
var oneFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "list", Type: cty.DynamicPseudoType, AllowUnknown: true}},
	Type: func(args []cty.Value) (cty.Type, error) {
		t := args[0].Type()
		switch {
		case t.IsListType() || t.IsSetType():
			return t.ElementType(), nil
		case t.IsTupleType() && len(t.TupleElementTypes()) == 1:
			return t.TupleElementTypes()[0], nil
		case t.IsTupleType():
			return cty.DynamicPseudoType, nil
		}
		return cty.NilType, fmt.Errorf("one: want a list, set or tuple")
	},
	Impl: func(args []cty.Value, ret cty.Type) (cty.Value, error) {
		v := args[0]
		if !v.IsKnown() {
			return cty.UnknownVal(ret), nil
		}
		switch n := v.LengthInt(); n {
		case 0:
			return cty.NullVal(ret), nil
		case 1:
			return v.Index(cty.NumberIntVal(0)), nil
		default:
			return cty.NilVal, fmt.Errorf("one: %d elements", n)
		}
	},
})

// indexOf is Terraform's index: the position of a value in a list (cty's
// stdlib index is element lookup, not this).
var indexOf = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "list", Type: cty.DynamicPseudoType}, {Name: "value", Type: cty.DynamicPseudoType}},
	Type:   function.StaticReturnType(cty.Number),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		if !args[0].CanIterateElements() {
			return cty.NilVal, fmt.Errorf("index: want a list")
		}
		i := 0
		for it := args[0].ElementIterator(); it.Next(); i++ {
			_, e := it.Element()
			if eq := e.Equals(args[1]); eq.IsKnown() && eq.True() {
				return cty.NumberIntVal(int64(i)), nil
			}
		}
		return cty.NilVal, fmt.Errorf("index: value not found")
	},
})
