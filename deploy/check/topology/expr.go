package topology

import (
	"github.com/zclconf/go-cty/cty"

	"hyundai-poc.com/deploy/check/tfeval"
)

// eachOf binds each for one for_each instance, or nothing for a single one.
func eachOf(key string, val cty.Value, iterated bool) map[string]cty.Value {
	if !iterated {
		return nil
	}
	return tfeval.Each(key, val)
}
