package perfdoc

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"hyundai-poc.com/loadtest/overhead"
)

// Newest is the newest file in dir matching prefix-*.json; result names
// carry a UTC stamp, so the last in name order is the newest. It returns
// "" when there is none.
func Newest(dir, prefix string) (string, error) {
	m, err := filepath.Glob(filepath.Join(dir, prefix+"-*.json"))
	if err != nil {
		return "", err
	}
	sort.Strings(m)
	if len(m) == 0 {
		return "", nil
	}
	return m[len(m)-1], nil
}

// Load reads the newest result of each kind in dir.
func Load(dir string) (Inputs, error) {
	var in Inputs
	for _, k := range []struct {
		prefix string
		file   *string
		into   any
	}{
		{"load", &in.LoadFile, &in.Load},
		{"soak", &in.SoakFile, &in.Soak},
		{"compare", &in.CompFile, &in.Compare},
	} {
		path, err := Newest(dir, k.prefix)
		if err != nil || path == "" {
			continue
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return in, err
		}
		if err := json.Unmarshal(b, k.into); err != nil {
			return in, fmt.Errorf("%s: %w", path, err)
		}
		*k.file = filepath.Base(path)
	}
	all, err := filepath.Glob(filepath.Join(dir, "overhead-*.json"))
	if err != nil {
		return in, err
	}
	sort.Strings(all)
	for _, path := range all {
		b, err := os.ReadFile(path)
		if err != nil {
			return in, err
		}
		var r overhead.Report
		if err := json.Unmarshal(b, &r); err != nil {
			return in, fmt.Errorf("%s: %w", path, err)
		}
		if r.Label != "" {
			in.Labelled = append(in.Labelled, &r)
			in.LabelledFiles = append(in.LabelledFiles, filepath.Base(path))
		}
		// The section's own figures are the newest run of the code as it
		// is: a run labelled "before: ..." measured older code and is shown
		// only beside the runs after it.
		if !strings.HasPrefix(r.Label, "before") {
			in.Overhead, in.OverFile = &r, filepath.Base(path)
		}
	}
	return in, nil
}
