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
)

// FileName is the AWS provider schema the checks are written against. It sits
// in the shared directory beside the repository, never inside it.
const FileName = "aws-provider-schema-6.47.0.json.gz"

// Schema holds one provider's resources, data sources and ephemeral resources.
type Schema struct {
	Resources   map[string]*Block
	DataSources map[string]*Block
	Ephemeral   map[string]*Block
	// NotIncluded lists resource types the schema file lacks on purpose; a
	// checker reports them as not checked rather than unknown.
	NotIncluded map[string]bool
}

// Block is a resource body or a nested block body.
type Block struct {
	Attributes map[string]*Attribute   `json:"attributes"`
	BlockTypes map[string]*NestedBlock `json:"block_types"`
}

// Attribute describes one argument.
type Attribute struct {
	Type       json.RawMessage `json:"type"`
	Required   bool            `json:"required"`
	Optional   bool            `json:"optional"`
	Computed   bool            `json:"computed"`
	Sensitive  bool            `json:"sensitive"`
	WriteOnly  bool            `json:"write_only"`
	Deprecated bool            `json:"deprecated"`
}

// ReadOnly reports whether the provider sets the attribute and a
// configuration may not.
func (a *Attribute) ReadOnly() bool { return a.Computed && !a.Optional && !a.Required }

// NestedBlock describes a nested block type and how many of it may appear.
type NestedBlock struct {
	NestingMode string `json:"nesting_mode"`
	MinItems    int    `json:"min_items"`
	MaxItems    int    `json:"max_items"`
	Block       Block  `json:"block"`
}

// notIncluded are the resource types the 6.47.0 file leaves out (its README
// says their sources were too large to obtain).
var notIncluded = []string{
	"aws_quicksight_analysis", "aws_quicksight_dashboard", "aws_quicksight_template",
	"aws_wafv2_rule_group", "aws_wafv2_web_acl", "aws_wafv2_web_acl_rule",
}

type file struct {
	FormatVersion   string `json:"format_version"`
	ProviderSchemas map[string]struct {
		ResourceSchemas          map[string]struct{ Block *Block } `json:"resource_schemas"`
		DataSourceSchemas        map[string]struct{ Block *Block } `json:"data_source_schemas"`
		EphemeralResourceSchemas map[string]struct{ Block *Block } `json:"ephemeral_resource_schemas"`
	} `json:"provider_schemas"`
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
	var doc file
	if err := json.NewDecoder(r).Decode(&doc); err != nil {
		return nil, fmt.Errorf("decode schema: %w", err)
	}
	for addr, p := range doc.ProviderSchemas {
		if !strings.HasSuffix(addr, "/"+provider) {
			continue
		}
		s := &Schema{
			Resources:   make(map[string]*Block, len(p.ResourceSchemas)),
			DataSources: make(map[string]*Block, len(p.DataSourceSchemas)),
			Ephemeral:   make(map[string]*Block, len(p.EphemeralResourceSchemas)),
			NotIncluded: make(map[string]bool),
		}
		for n, r := range p.ResourceSchemas {
			s.Resources[n] = r.Block
		}
		for n, r := range p.DataSourceSchemas {
			s.DataSources[n] = r.Block
		}
		for n, r := range p.EphemeralResourceSchemas {
			s.Ephemeral[n] = r.Block
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

// Path returns where the shared AWS schema is expected: ../shared/terraform/
// beside the repository whose root is repoRoot.
func Path(repoRoot string) string {
	return filepath.Join(repoRoot, "..", "shared", "terraform", FileName)
}
