package topology

import (
	"encoding/json"
	"os"
	"slices"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"hyundai-poc.com/deploy/check/tfconfig"
	"hyundai-poc.com/deploy/check/tfeval"
)

// USSubdivisions are the subdivision codes Route53 geolocation accepts for
// country US, as ListGeoLocations returns them: the 50 states and DC.
// Route53 knows no other subdivisions of the US.
var USSubdivisions = []string{
	"AK", "AL", "AR", "AZ", "CA", "CO", "CT", "DC", "DE", "FL", "GA", "HI", "IA", "ID", "IL", "IN", "KS",
	"KY", "LA", "MA", "MD", "ME", "MI", "MN", "MO", "MS", "MT", "NC", "ND", "NE", "NH", "NJ", "NM", "NV",
	"NY", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VA", "VT", "WA", "WI", "WV", "WY",
}

// Continents are Route53's continent codes.
var Continents = []string{"AF", "AN", "AS", "EU", "NA", "OC", "SA"}

// Locations is the shape of deploy/geo/locations.json.
type Locations struct {
	Default    string            `json:"default"`
	Continents map[string]string `json:"continents"`
	Countries  map[string]string `json:"countries"`
	USStates   map[string]string `json:"us_states"`
}

// LocationsFile checks the shared location table: only codes Route53
// accepts, only deployed regions, Asia to Seoul, every US state, a default.
func LocationsFile(path string) []Finding {
	var r report
	rng := hcl.Range{Filename: path}
	b, err := os.ReadFile(path)
	if err != nil {
		r.add(rng, "read: %v", err)
		return r.fs
	}
	var l Locations
	if err := json.Unmarshal(b, &l); err != nil {
		r.add(rng, "decode: %v", err)
		return r.fs
	}
	region := func(where, reg string) {
		if !slices.Contains(Regions, reg) {
			r.add(rng, "%s goes to %q, which is not a deployed region", where, reg)
		}
	}
	if l.Default == "" {
		r.add(rng, "no default region")
	} else {
		region("default", l.Default)
	}
	for _, c := range sortedKeys(l.Continents) {
		if !slices.Contains(Continents, c) {
			r.add(rng, "continent %q is not a Route53 continent code", c)
		}
		region("continent "+c, l.Continents[c])
	}
	for _, c := range sortedKeys(l.Countries) {
		if len(c) != 2 {
			r.add(rng, "country %q is not a two-letter code", c)
		}
		region("country "+c, l.Countries[c])
	}
	for _, s := range sortedKeys(l.USStates) {
		if !slices.Contains(USSubdivisions, s) {
			r.add(rng, "US state %q is not a Route53 subdivision code", s)
		}
		region("US state "+s, l.USStates[s])
	}
	for _, s := range USSubdivisions {
		if _, ok := l.USStates[s]; !ok {
			r.add(rng, "US state %s has no region", s)
		}
	}
	if l.Continents["AS"] != "ap-northeast-2" {
		r.add(rng, "Asia (AS) must go to ap-northeast-2, goes to %q", l.Continents["AS"])
	}
	return r.fs
}

// Geolocation evaluates the geolocation records Terraform would create and
// checks that they cover Asia (to Seoul), every US state and the default,
// each with evaluate_target_health (FailoverPairs checks what they alias).
func Geolocation(t *tfconfig.Tree) []Finding {
	var r report
	var recs []*tfconfig.Block
	for _, rec := range allResources(t, "aws_route53_record") {
		if len(blocks(rec.Body, "geolocation_routing_policy")) > 0 {
			recs = append(recs, rec)
		}
	}
	if len(recs) == 0 {
		r.add(hcl.Range{Filename: t.Root.Dir}, "no aws_route53_record with geolocation_routing_policy")
		return r.fs
	}
	continents := map[string]string{}
	states := map[string]string{}
	defaultRegion := ""
	for _, rec := range recs {
		s := scopeOf(t, rec.Module)
		inst, ok, err := s.ForEach(rec.Body)
		if err != nil || !ok {
			r.add(rec.Range, "%s: geolocation records must come from a static for_each over the location table: %v", rec.Addr(), err)
			continue
		}
		for _, al := range blocks(rec.Body, "alias") {
			if a := al.Body.Attributes["evaluate_target_health"]; a == nil || !isTrue(s, a.Expr) {
				r.add(al.DefRange(), "%s: alias must set evaluate_target_health = true", rec.Addr())
			}
		}
		policy := blocks(rec.Body, "geolocation_routing_policy")[0]
		for _, key := range sortedKeys(inst) {
			each := tfeval.Each(key, inst[key])
			get := func(name string) string {
				a := policy.Body.Attributes[name]
				if a == nil {
					return ""
				}
				v, err := s.Eval(a.Expr, each)
				if err != nil || !v.IsKnown() || v.IsNull() {
					return ""
				}
				v, err = convert.Convert(v, cty.String)
				if err != nil {
					return ""
				}
				return v.AsString()
			}
			reg := instanceRegion(inst[key])
			if !slices.Contains(Regions, reg) {
				r.add(rec.Range, "%s[%q]: region %q is not deployed (instances carry a region attribute)", rec.Addr(), key, reg)
			}
			continent, country, sub := get("continent"), get("country"), get("subdivision")
			switch {
			case continent != "":
				continents[continent] = reg
			case country == "*":
				defaultRegion = reg
			case country == "US" && sub != "":
				if !slices.Contains(USSubdivisions, sub) {
					r.add(rec.Range, "%s[%q]: %q is not a Route53 US subdivision", rec.Addr(), key, sub)
				}
				states[sub] = reg
			}
		}
	}
	rng := recs[0].Range
	if continents["AS"] != "ap-northeast-2" {
		r.add(rng, "Asia (continent AS) must go to ap-northeast-2, goes to %q", continents["AS"])
	}
	var missing []string
	for _, st := range USSubdivisions {
		if _, ok := states[st]; !ok {
			missing = append(missing, st)
		}
	}
	if len(missing) > 0 {
		r.add(rng, "US states without a geolocation record: %v", missing)
	}
	if defaultRegion != "us-east-1" {
		r.add(rng, "the default record (*) must go to us-east-1, goes to %q", defaultRegion)
	}
	return r.fs
}

func instanceRegion(v cty.Value) string {
	if !v.IsKnown() || v.IsNull() || !v.Type().IsObjectType() || !v.Type().HasAttribute("region") {
		return ""
	}
	reg := v.GetAttr("region")
	if !reg.IsKnown() || reg.IsNull() || reg.Type() != cty.String {
		return ""
	}
	return reg.AsString()
}
