package writeup

import (
	"bytes"
	"os"
	"path/filepath"
)

// Documents maps each generated document to its renderer.
func (d *Data) Documents() map[string]string {
	return map[string]string{
		"docs/talking-points.md":   d.TalkingPoints(),
		"docs/failover-runbook.md": d.Runbook(),
		"docs/dns-verification.md": d.DNSVerification(),
	}
}

// Generate renders every document from the results under root and returns
// the ones whose content differs from the file on disk, writing them when
// write is true.
func Generate(root string, write bool) ([]string, error) {
	d, err := Load(root)
	if err != nil {
		return nil, err
	}
	var changed []string
	for _, name := range sortedKeys(d.Documents()) {
		content := d.Documents()[name]
		path := filepath.Join(root, name)
		old, err := os.ReadFile(path)
		if err == nil && bytes.Equal(old, []byte(content)) {
			continue
		}
		changed = append(changed, name)
		if write {
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				return changed, err
			}
		}
	}
	return changed, nil
}
