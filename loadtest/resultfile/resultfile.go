// Package resultfile finds the result files the tools write under
// test-results/. Each is named KIND-<UTC time>.json, so name order is time
// order; the generators of the documents quote the newest of each kind.
package resultfile

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// TimeFormat is the time in a result file's name.
const TimeFormat = "20060102T150405Z"

// Newest returns the newest file of exactly this kind in dir, or an error
// wrapping os.ErrNotExist when there is none. A kind may prefix another
// ("drill-switchover" and "drill-switchover-aws"): only names whose rest is
// a time count.
func Newest(dir, kind string) (string, error) {
	m, err := filepath.Glob(filepath.Join(dir, kind+"-*.json"))
	if err != nil {
		return "", err
	}
	var keep []string
	for _, p := range m {
		rest := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(p), kind+"-"), ".json")
		if _, err := time.Parse(TimeFormat, rest); err == nil {
			keep = append(keep, p)
		}
	}
	if len(keep) == 0 {
		return "", fmt.Errorf("no %s-*.json in %s: %w", kind, dir, os.ErrNotExist)
	}
	sort.Strings(keep)
	return keep[len(keep)-1], nil
}
