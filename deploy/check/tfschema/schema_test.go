package tfschema

import (
	"strings"
	"testing"
)

const small = `{"format_version":"1.0","provider_schemas":{"registry.terraform.io/hashicorp/aws":{
 "resource_schemas":{"aws_vpc":{"version":1,"block":{
   "attributes":{"cidr_block":{"type":"string","optional":true},"arn":{"type":"string","computed":true},
                 "tags":{"type":["map","string"],"optional":true,"computed":true}},
   "block_types":{"timeouts":{"nesting_mode":"single","block":{}}}}}},
 "data_source_schemas":{"aws_region":{"block":{"attributes":{"name":{"type":"string","computed":true}}}}},
 "ephemeral_resource_schemas":{}}}}`

func TestDecode(t *testing.T) {
	s, err := Decode(strings.NewReader(small), "hashicorp/aws")
	if err != nil {
		t.Fatal(err)
	}
	vpc := s.Resources["aws_vpc"]
	if vpc == nil || s.DataSources["aws_region"] == nil {
		t.Fatalf("resources or data sources missing: %+v", s)
	}
	if !ReadOnly(vpc.Attributes["arn"]) || ReadOnly(vpc.Attributes["tags"]) || ReadOnly(vpc.Attributes["cidr_block"]) {
		t.Error("read-only is computed without optional or required")
	}
	if vpc.NestedBlocks["timeouts"].NestingMode != "single" {
		t.Error("nesting mode not decoded")
	}
	// The file leaves these out on purpose; a checker says "not checked".
	if !s.NotIncluded["aws_wafv2_web_acl"] || s.NotIncluded["aws_vpc"] {
		t.Errorf("not-included types wrong: %v", s.NotIncluded)
	}
}

func TestDecodeErrors(t *testing.T) {
	if _, err := Decode(strings.NewReader(small), "hashicorp/google"); err == nil || !strings.Contains(err.Error(), "no provider") {
		t.Errorf("want a missing provider named, got %v", err)
	}
	if _, err := Decode(strings.NewReader("{"), "hashicorp/aws"); err == nil {
		t.Error("want an error for broken JSON")
	}
	if _, err := Load("does-not-exist.json.gz", "hashicorp/aws"); err == nil {
		t.Error("want an error for a missing file")
	}
}
