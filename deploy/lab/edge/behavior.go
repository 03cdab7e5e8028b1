package edge

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
)

// Definition is deploy/geo/edge.json: CloudFront's origins, origin group,
// cache policies and behaviors, which Terraform builds the distribution
// from. The edge answers by the same rules.
type Definition struct {
	FailoverRegions map[string]string      `json:"failover_regions"`
	Origins         map[string]OriginDef   `json:"origins"`
	OriginGroups    map[string]OriginGroup `json:"origin_groups"`
	CachePolicies   map[string]CachePolicy `json:"cache_policies"`
	Behaviors       []Behavior             `json:"behaviors"`
	RegionPaths     RegionPaths            `json:"region_paths"`
}

// OriginDef is one origin: a name under the apex that Route53 answers.
type OriginDef struct {
	Name string `json:"name"`
}

// OriginGroup is a primary and a secondary origin and the status codes
// that send a request to the secondary.
type OriginGroup struct {
	Primary     string `json:"primary"`
	Secondary   string `json:"secondary"`
	StatusCodes []int  `json:"status_codes"`
}

// CachePolicy is a cache policy's TTLs (seconds) and cache key.
type CachePolicy struct {
	Managed    string   `json:"managed"`
	MinTTL     int64    `json:"min_ttl"`
	DefaultTTL int64    `json:"default_ttl"`
	MaxTTL     int64    `json:"max_ttl"`
	Query      KeyParts `json:"query_strings"`
	Cookies    []string `json:"cookies"`
}

// KeyParts is "all", "none", or a list of names.
type KeyParts struct {
	All   bool
	Names []string
}

// UnmarshalJSON reads "all", "none" or a list of names.
func (k *KeyParts) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		switch s {
		case "all":
			k.All = true
		case "none":
		default:
			return fmt.Errorf("query_strings: %q is neither all, none nor a list", s)
		}
		return nil
	}
	return json.Unmarshal(b, &k.Names)
}

// Behavior is one cache behavior: a path pattern, the methods it allows,
// the origin or origin group it targets, and its cache policy.
type Behavior struct {
	Path        string   `json:"path"`
	Methods     []string `json:"methods"`
	Target      string   `json:"target"`
	CachePolicy string   `json:"cache_policy"`
	pattern     *regexp.Regexp
	// region is set on the per-region behaviors (/_region/REGION/*).
	region string
}

// RegionPaths describes the per-region behaviors /_region/REGION/*.
type RegionPaths struct {
	Prefix      string   `json:"prefix"`
	Methods     []string `json:"methods"`
	CachePolicy string   `json:"cache_policy"`
}

// LoadDefinition reads and checks edge.json.
func LoadDefinition(path string) (*Definition, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("edge definition: %w", err)
	}
	var d Definition
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, fmt.Errorf("edge definition %s: %w", path, err)
	}
	if err := d.compile(); err != nil {
		return nil, fmt.Errorf("edge definition %s: %w", path, err)
	}
	return &d, nil
}

func (d *Definition) compile() error {
	if len(d.Behaviors) == 0 || d.Behaviors[len(d.Behaviors)-1].Path != "*" {
		return errors.New("the last behavior must be the default (*)")
	}
	for i := range d.Behaviors {
		b := &d.Behaviors[i]
		b.pattern = pathPattern(b.Path)
		if _, ok := d.CachePolicies[b.CachePolicy]; !ok {
			return fmt.Errorf("behavior %s: no cache policy %q", b.Path, b.CachePolicy)
		}
		_, group := d.OriginGroups[b.Target]
		_, origin := d.Origins[b.Target]
		if !group && !origin {
			return fmt.Errorf("behavior %s: no origin or origin group %q", b.Path, b.Target)
		}
	}
	if d.RegionPaths.Prefix != "" {
		if _, ok := d.CachePolicies[d.RegionPaths.CachePolicy]; !ok {
			return fmt.Errorf("region paths: no cache policy %q", d.RegionPaths.CachePolicy)
		}
	}
	return nil
}

// pathPattern is CloudFront's path pattern: * any run of characters, ?
// one character, case-sensitive, the whole path.
func pathPattern(p string) *regexp.Regexp {
	if p == "*" {
		return regexp.MustCompile(`^`)
	}
	q := regexp.QuoteMeta(p)
	q = strings.ReplaceAll(q, `\*`, `.*`)
	q = strings.ReplaceAll(q, `\?`, `.`)
	return regexp.MustCompile("^" + q + "$")
}

// Match returns the behavior CloudFront would use for a viewer path: the
// per-region behavior for /_region/REGION/..., else the first match in
// order.
func (d *Definition) Match(path string) Behavior {
	if d.RegionPaths.Prefix != "" {
		if rest, ok := strings.CutPrefix(path, d.RegionPaths.Prefix); ok {
			region, _, _ := strings.Cut(rest, "/")
			return Behavior{Path: d.RegionPaths.Prefix + region + "/*", Methods: d.RegionPaths.Methods,
				Target: "region-" + region, CachePolicy: d.RegionPaths.CachePolicy, region: region}
		}
	}
	for _, b := range d.Behaviors {
		if b.pattern.MatchString(path) {
			return b
		}
	}
	return d.Behaviors[len(d.Behaviors)-1]
}

// Allows reports whether the behavior allows a method.
func (b Behavior) Allows(method string) bool { return slices.Contains(b.Methods, method) }
