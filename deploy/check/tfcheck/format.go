package tfcheck

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

// Format reports every .tf and .tfvars file under root that hclwrite.Format,
// the formatter `terraform fmt` applies, would change. Directories named
// testdata or .terraform are skipped.
func Format(root string) ([]Finding, error) {
	var out []Finding
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && (d.Name() == "testdata" || d.Name() == ".terraform") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".tf") && !strings.HasSuffix(path, ".tfvars") {
			return nil
		}
		f, err := FormatFile(path)
		if err != nil {
			return err
		}
		if f != nil {
			out = append(out, *f)
		}
		return nil
	})
	return out, err
}

// FormatFile returns a finding when the file is not formatted, naming the
// first line that would change.
func FormatFile(path string) (*Finding, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	got := hclwrite.Format(src)
	if bytes.Equal(got, src) {
		return nil, nil
	}
	a, b := strings.Split(string(src), "\n"), strings.Split(string(got), "\n")
	line := 1
	for line-1 < len(a) && line-1 < len(b) && a[line-1] == b[line-1] {
		line++
	}
	return &Finding{
		Range:   hcl.Range{Filename: path, Start: hcl.Pos{Line: line}},
		Message: "not formatted as terraform fmt would (hclwrite.Format changes this line)",
	}, nil
}
