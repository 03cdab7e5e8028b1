package tfeval

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/zclconf/go-cty/cty"

	"hyundai-poc.com/deploy/check/tfconfig"
)

func module(t *testing.T, files map[string]string) *tfconfig.Module {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	m, err := tfconfig.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestScope(t *testing.T) {
	m := module(t, map[string]string{
		"main.tf": `
variable "regions" {
  type    = map(object({ short = string, cidr = optional(string, "10.0.0.0/16") }))
  default = { "us-east-1" = { short = "use1" } }
}
variable "image" {
  type = string
}
locals {
  table    = jsondecode(file("${path.module}/table.json"))
  services = { backend = { port = 3001, image = var.image } }
  names    = [for r, v in var.regions : "${v.short}-${local.table.suffix}"]
}
resource "aws_lb_target_group" "this" {
  for_each = local.services
  port     = each.value.port
}
resource "aws_subnet" "this" {
  for_each   = toset(keys(var.regions))
  cidr_block = var.regions[each.key].cidr
}
`,
		"table.json": `{"suffix": "x"}`,
	})
	s := NewScope(m, nil)

	names, err := s.EvalStrings(m.Locals["names"].Expr, nil)
	if err != nil || len(names) != 1 || names[0] != "use1-x" {
		t.Fatalf("locals from defaults, optional attributes and file(): got %v, %v", names, err)
	}

	// A for_each whose values are partly unknown still has known keys.
	inst, ok, err := s.ForEach(m.Resources["aws_lb_target_group.this"].Body)
	if !ok || err != nil || len(inst) != 1 {
		t.Fatalf("for_each over a partly known map: %v %v %v", inst, ok, err)
	}
	port, err := s.Eval(m.Resources["aws_lb_target_group.this"].Attr("port").Expr, Each("backend", inst["backend"]))
	if err != nil || !port.RawEquals(cty.NumberIntVal(3001)) {
		t.Errorf("each.value.port: got %v, %v", port, err)
	}

	set, ok, err := s.ForEach(m.Resources["aws_subnet.this"].Body)
	if !ok || err != nil || set["us-east-1"].IsNull() {
		t.Fatalf("for_each over a set: %v %v %v", set, ok, err)
	}
	cidr, err := s.EvalString(m.Resources["aws_subnet.this"].Attr("cidr_block").Expr, Each("us-east-1", set["us-east-1"]))
	if err != nil || cidr != "10.0.0.0/16" {
		t.Errorf("optional() default: got %q, %v", cidr, err)
	}

	// A variable without a default is unknown, not an error.
	if v := s.Ctx.Variables["var"].GetAttr("image"); v.IsKnown() {
		t.Errorf("var.image should be unknown, is %v", v)
	}
}
