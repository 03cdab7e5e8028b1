package topology

import (
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

type hclAttribute = hclsyntax.Attribute

var falseExpr = &hclsyntax.LiteralValueExpr{Val: cty.False}
