package reporoot

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFind(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	deep := filepath.Join(root, "a", "b")
	if err := os.MkdirAll(deep, 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := Find(deep); err == nil {
		t.Fatal("found a root where no go.work is")
	}
	if err := os.WriteFile(filepath.Join(root, "go.work"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{root, deep} {
		if got, err := Find(dir); err != nil || got != root {
			t.Errorf("Find(%s) = %q, %v; want %s", dir, got, err, root)
		}
	}
}

func TestHereIsThisRepository(t *testing.T) {
	t.Parallel()
	root := ForTest(t)
	if _, err := os.Stat(filepath.Join(root, "reporoot", "reporoot.go")); err != nil {
		t.Fatalf("root %s does not hold this package: %v", root, err)
	}
}
