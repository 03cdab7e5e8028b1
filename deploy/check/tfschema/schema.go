// Package tfschema reads a Terraform provider schema in the format that
// `terraform providers schema -json` prints, so configurations can be
// checked against a provider without downloading it.
package tfschema

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"
)

// FileName is the AWS provider schema the checks are written against. It sits
// in the shared directory beside the repository, never inside it.
const FileName = "aws-provider-schema-6.47.0.json.gz"

// Schema holds one provider's resources, data sources and ephemeral
// resources, in terraform-json's types (the ones Terraform's own tooling
// decodes `terraform providers schema -json` into).
type Schema struct {
	Resources   map[string]*Block
	DataSources map[string]*Block
	Ephemeral   map[string]*Block
	// NotIncluded lists resource types the schema file lacks on purpose; a
	// checker reports them as not checked rather than unknown.
	NotIncluded map[string]bool
}

// Block is a resource body or a nested block body.
type Block = tfjson.SchemaBlock

// Attribute describes one argument; AttributeType is its cty type.
type Attribute = tfjson.SchemaAttribute

// NestedBlock describes a nested block type and how many of it may appear.
type NestedBlock = tfjson.SchemaBlockType

// ReadOnly reports whether the provider sets the attribute and a
// configuration may not.
func ReadOnly(a *Attribute) bool { return a.Computed && !a.Optional && !a.Required }

// notIncluded are the resource types the 6.47.0 file leaves out (its README
// says their sources were too large to obtain).
var notIncluded = []string{
	"aws_quicksight_analysis", "aws_quicksight_dashboard", "aws_quicksight_template",
	"aws_wafv2_rule_group", "aws_wafv2_web_acl", "aws_wafv2_web_acl_rule",
}

// Load reads a schema file, gzipped or plain JSON, and returns the schema of
// the provider whose address ends in provider (e.g. "hashicorp/aws").
func Load(path, provider string) (*Schema, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open schema: %w", err)
	}
	defer f.Close()

	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("gunzip %s: %w", path, err)
		}
		defer gz.Close()
		r = gz
	}
	return Decode(r, provider)
}

// Decode reads a schema in the JSON format from r.
func Decode(r io.Reader, provider string) (*Schema, error) {
	var doc tfjson.ProviderSchemas
	if err := json.NewDecoder(r).Decode(&doc); err != nil {
		return nil, fmt.Errorf("decode schema: %w", err)
	}
	for addr, p := range doc.Schemas {
		if !strings.HasSuffix(addr, "/"+provider) {
			continue
		}
		s := &Schema{
			Resources:   blocks(p.ResourceSchemas),
			DataSources: blocks(p.DataSourceSchemas),
			Ephemeral:   blocks(p.EphemeralResourceSchemas),
			NotIncluded: make(map[string]bool),
		}
		for _, n := range notIncluded {
			if _, ok := s.Resources[n]; !ok {
				s.NotIncluded[n] = true
			}
		}
		return s, nil
	}
	return nil, fmt.Errorf("decode schema: no provider %q in file", provider)
}

func blocks(in map[string]*tfjson.Schema) map[string]*Block {
	out := make(map[string]*Block, len(in))
	for n, s := range in {
		if s != nil && s.Block != nil {
			out[n] = s.Block
		}
	}
	return out
}

// Path returns where the shared AWS schema is expected: ../shared/terraform/
// beside the repository whose root is repoRoot.
func Path(repoRoot string) string {
	return filepath.Join(repoRoot, "..", "shared", "terraform", FileName)
}
