package perfdoc

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"hyundai-poc.com/loadtest/overhead"
	"hyundai-poc.com/loadtest/resultfile"
)

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
		path, err := resultfile.Newest(dir, k.prefix)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return in, err
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
