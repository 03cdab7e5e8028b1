// Package repo finds the repository's files from a test's working directory
// and the shared files that sit beside a clone.
package repo

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"hyundai-poc.com/deploy/check/tfschema"
)

// Root returns the repository root: the nearest parent holding go.work.
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("getwd: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("repository root not found: no go.work above the working directory")
		}
		dir = parent
	}
}

// MustRoot is Root for tests.
func MustRoot(t testing.TB) string {
	t.Helper()
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// Schema loads the shared AWS provider schema from ../shared/terraform beside
// the repository. Where CI is set a missing file fails the test; elsewhere
// the test is skipped with a message.
func Schema(t testing.TB) *tfschema.Schema {
	t.Helper()
	path := tfschema.Path(MustRoot(t))
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("AWS provider schema missing at %s (CI is set, so this fails): %v", path, err)
		}
		t.Skipf("AWS provider schema not found at %s; the schema check needs ../shared/terraform beside the clone", path)
	}
	s, err := tfschema.Load(path, "hashicorp/aws")
	if err != nil {
		t.Fatalf("load schema: %v", err)
	}
	return s
}
