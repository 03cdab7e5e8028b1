// Package tfconfig parses a Terraform module directory into its top-level
// blocks, keeping the syntax trees so checks can walk every argument.
package tfconfig

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Block is one labelled top-level block (resource, data, module, ...).
type Block struct {
	Kind   string // resource, data, ephemeral, module, variable, output, provider
	Type   string // resource/data/ephemeral type, empty otherwise
	Name   string
	Body   *hclsyntax.Body
	Range  hcl.Range
	Module *Module
}

// Addr is the block's address as Terraform prints it.
func (b *Block) Addr() string {
	switch b.Kind {
	case "resource":
		return b.Type + "." + b.Name
	case "data", "ephemeral":
		return b.Kind + "." + b.Type + "." + b.Name
	default:
		return b.Kind + "." + b.Name
	}
}

// Attr returns the block's argument name, or nil.
func (b *Block) Attr(name string) *hclsyntax.Attribute { return b.Body.Attributes[name] }

// Module is one directory of .tf files.
type Module struct {
	Dir        string
	Files      map[string][]byte // file path -> source
	Terraform  []*hclsyntax.Block
	Providers  []*Block
	Variables  map[string]*Block
	Outputs    map[string]*Block
	Locals     map[string]*hclsyntax.Attribute
	Modules    map[string]*Block
	Resources  map[string]*Block // "type.name"
	Data       map[string]*Block // "type.name"
	Ephemerals map[string]*Block // "type.name"
	Other      []*hclsyntax.Block
}

// Load parses every .tf file in dir (not subdirectories).
func Load(dir string) (*Module, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.tf"))
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", dir, err)
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("load %s: no .tf files", dir)
	}
	sort.Strings(paths)
	m := &Module{
		Dir:        dir,
		Files:      map[string][]byte{},
		Variables:  map[string]*Block{},
		Outputs:    map[string]*Block{},
		Locals:     map[string]*hclsyntax.Attribute{},
		Modules:    map[string]*Block{},
		Resources:  map[string]*Block{},
		Data:       map[string]*Block{},
		Ephemerals: map[string]*Block{},
	}
	p := hclparse.NewParser()
	var errs []error
	for _, path := range paths {
		src, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		m.Files[path] = src
		f, diags := p.ParseHCL(src, path)
		if diags.HasErrors() {
			errs = append(errs, fmt.Errorf("parse: %w", diags))
			continue
		}
		body := f.Body.(*hclsyntax.Body)
		if len(body.Attributes) > 0 {
			for n, a := range body.Attributes {
				errs = append(errs, fmt.Errorf("%s: argument %q is not allowed at the top level", a.SrcRange, n))
			}
		}
		for _, b := range body.Blocks {
			if err := m.add(b); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if len(errs) > 0 {
		return m, errors.Join(errs...)
	}
	return m, nil
}

func (m *Module) add(b *hclsyntax.Block) error {
	want := map[string]int{"resource": 2, "data": 2, "ephemeral": 2, "module": 1, "variable": 1, "output": 1, "provider": 1}
	if n, ok := want[b.Type]; ok && len(b.Labels) != n {
		return fmt.Errorf("%s: %s block needs %d labels, has %d", b.DefRange(), b.Type, n, len(b.Labels))
	}
	blk := func(kind, typ, name string) *Block {
		return &Block{Kind: kind, Type: typ, Name: name, Body: b.Body, Range: b.DefRange(), Module: m}
	}
	dup := func(seen bool, what string) error {
		if seen {
			return fmt.Errorf("%s: duplicate %s", b.DefRange(), what)
		}
		return nil
	}
	switch b.Type {
	case "terraform":
		m.Terraform = append(m.Terraform, b)
	case "provider":
		m.Providers = append(m.Providers, blk("provider", "", b.Labels[0]))
	case "variable":
		_, seen := m.Variables[b.Labels[0]]
		m.Variables[b.Labels[0]] = blk("variable", "", b.Labels[0])
		return dup(seen, "variable "+b.Labels[0])
	case "output":
		_, seen := m.Outputs[b.Labels[0]]
		m.Outputs[b.Labels[0]] = blk("output", "", b.Labels[0])
		return dup(seen, "output "+b.Labels[0])
	case "module":
		_, seen := m.Modules[b.Labels[0]]
		m.Modules[b.Labels[0]] = blk("module", "", b.Labels[0])
		return dup(seen, "module "+b.Labels[0])
	case "locals":
		for n, a := range b.Body.Attributes {
			_, seen := m.Locals[n]
			m.Locals[n] = a
			if seen {
				return fmt.Errorf("%s: duplicate local %s", a.SrcRange, n)
			}
		}
	case "resource", "data", "ephemeral":
		k := b.Labels[0] + "." + b.Labels[1]
		set := map[string]map[string]*Block{"resource": m.Resources, "data": m.Data, "ephemeral": m.Ephemerals}[b.Type]
		_, seen := set[k]
		set[k] = blk(b.Type, b.Labels[0], b.Labels[1])
		return dup(seen, b.Type+" "+k)
	case "moved", "import", "removed", "check":
		m.Other = append(m.Other, b)
	default:
		return fmt.Errorf("%s: unknown top-level block %q", b.DefRange(), b.Type)
	}
	return nil
}

// ResourcesOfType returns the module's resources of one type, sorted by name.
func (m *Module) ResourcesOfType(typ string) []*Block {
	var out []*Block
	for _, b := range m.Resources {
		if b.Type == typ {
			out = append(out, b)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// LocalSource returns the directory a module call's source points to when it
// is a local path ("./" or "../"), or "".
func (m *Module) LocalSource(call *Block) (string, error) {
	a := call.Attr("source")
	if a == nil {
		return "", fmt.Errorf("%s: module %q has no source", call.Range, call.Name)
	}
	v, diags := a.Expr.Value(nil)
	if diags.HasErrors() || !v.Type().Equals(ctyString) {
		return "", fmt.Errorf("%s: module %q source must be a literal string", a.SrcRange, call.Name)
	}
	src := v.AsString()
	if !strings.HasPrefix(src, "./") && !strings.HasPrefix(src, "../") {
		return "", nil
	}
	return filepath.Join(m.Dir, src), nil
}

// Tree is a root module and every local module it calls, by directory.
type Tree struct {
	Root    *Module
	Modules map[string]*Module // cleaned dir -> module, the root included
}

// LoadTree loads the root in dir and, recursively, every local module source.
func LoadTree(dir string) (*Tree, error) {
	t := &Tree{Modules: map[string]*Module{}}
	root, err := t.load(dir)
	t.Root = root
	return t, err
}

func (t *Tree) load(dir string) (*Module, error) {
	dir = filepath.Clean(dir)
	if m, ok := t.Modules[dir]; ok {
		return m, nil
	}
	m, err := Load(dir)
	if m == nil {
		return nil, err
	}
	t.Modules[dir] = m
	errs := []error{err}
	for _, name := range sortedKeys(m.Modules) {
		src, serr := m.LocalSource(m.Modules[name])
		if serr != nil {
			errs = append(errs, serr)
			continue
		}
		if src == "" {
			continue
		}
		if _, lerr := t.load(src); lerr != nil {
			errs = append(errs, lerr)
		}
	}
	return m, errors.Join(errs...)
}

// Child returns the module a call in m points to, if it is local and loaded.
func (t *Tree) Child(m *Module, call *Block) *Module {
	src, err := m.LocalSource(call)
	if err != nil || src == "" {
		return nil
	}
	return t.Modules[filepath.Clean(src)]
}

// SortedModules returns the tree's modules sorted by directory.
func (t *Tree) SortedModules() []*Module {
	var out []*Module
	for _, k := range sortedKeys(t.Modules) {
		out = append(out, t.Modules[k])
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
