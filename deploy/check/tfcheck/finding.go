// Package tfcheck checks Terraform configurations offline: formatting as
// `terraform fmt` applies it, every resource and data block against the
// provider schema, and every reference and module input against what is
// declared.
package tfcheck

import (
	"fmt"
	"sort"

	"github.com/hashicorp/hcl/v2"
)

// Finding is one mistake, at the place it was made.
type Finding struct {
	Range   hcl.Range
	Message string
}

func (f Finding) String() string {
	if f.Range.Filename == "" {
		return f.Message
	}
	return fmt.Sprintf("%s:%d: %s", f.Range.Filename, f.Range.Start.Line, f.Message)
}

func sortFindings(fs []Finding) []Finding {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i].Range, fs[j].Range
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		return a.Start.Line < b.Start.Line
	})
	return fs
}
