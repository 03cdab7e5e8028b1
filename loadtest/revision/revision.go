// Package revision names the commit that results files record.
package revision

import (
	"os/exec"
	"strings"
)

// Of is HEAD's short hash, with "-dirty" when tracked files differ
// from it (go.work.sum aside: the go command rewrites it by itself), so a
// result never claims code it did not run.
func Of(root string) string {
	out, err := exec.Command("git", "-C", root, "rev-parse", "--short=12", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	s := strings.TrimSpace(string(out))
	if st, _ := exec.Command("git", "-C", root, "status", "--porcelain", "--untracked-files=no", "--", ".", ":!go.work.sum").Output(); len(st) > 0 {
		s += "-dirty"
	}
	return s
}
