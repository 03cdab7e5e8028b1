// Package reporoot finds the repository's root, the directory holding
// go.work, so tests and tools can reach files outside their own module
// (deploy/geo/locations.json, test-results/, the lab's RTT table) from
// wherever in the clone they run.
package reporoot

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// Find returns the nearest directory at or above dir that holds go.work.
func Find(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.work")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.work at or above %s: run this from inside the repository", dir)
		}
	}
}

// Here is Find from the working directory: a test's package directory, or
// wherever in the clone a command runs.
func Here() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("working directory: %w", err)
	}
	return Find(wd)
}

// ForTest is Here for tests: a test that cannot find the repository fails.
func ForTest(t testing.TB) string {
	t.Helper()
	root, err := Here()
	if err != nil {
		t.Fatal(err)
	}
	return root
}
