package resultfile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestNewestTakesOnlyItsOwnKind(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{
		"drill-switchover-20261130T100000Z.json",
		"drill-switchover-20261130T110000Z.json",
		"drill-switchover-aws-20261130T120000Z.json", // another kind, newer
		"drill-switchover-notes.json",                // no time
	} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Newest(dir, "drill-switchover")
	if err != nil || filepath.Base(got) != "drill-switchover-20261130T110000Z.json" {
		t.Fatalf("Newest(drill-switchover) = %q, %v", got, err)
	}
	got, err = Newest(dir, "drill-switchover-aws")
	if err != nil || filepath.Base(got) != "drill-switchover-aws-20261130T120000Z.json" {
		t.Fatalf("Newest(drill-switchover-aws) = %q, %v", got, err)
	}
	if _, err := Newest(dir, "latency"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Newest(latency) error = %v, want one wrapping os.ErrNotExist", err)
	}
}
