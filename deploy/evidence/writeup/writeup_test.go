package writeup

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"hyundai-poc.com/evidence/record"
)

func repoRoot(t *testing.T) string {
	t.Helper()
	wd, _ := os.Getwd()
	root, err := record.RepoRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// TestDocumentsAreUpToDate is `make talking-points` leaving the tree
// unchanged: the committed documents are what the committed results give.
func TestDocumentsAreUpToDate(t *testing.T) {
	changed, err := Generate(repoRoot(t), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(changed) > 0 {
		t.Fatalf("out of date with test-results/: %v; run `make talking-points` and commit", changed)
	}
}

func TestRenderingIsDeterministic(t *testing.T) {
	d, err := Load(repoRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	a, b := d.Documents(), d.Documents()
	for k := range a {
		if a[k] != b[k] {
			t.Fatalf("%s differs between two renderings", k)
		}
	}
}

var resultLink = regexp.MustCompile(`\]\(\.\./(test-results/[^)]+)\)`)

func TestEveryFigureNamesACommittedFile(t *testing.T) {
	root := repoRoot(t)
	d, err := Load(root)
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range d.Documents() {
		if strings.Contains(text, "[TBD]") || strings.Contains(text, "TBD") {
			t.Errorf("%s has a TBD", name)
		}
		for _, m := range resultLink.FindAllStringSubmatch(text, -1) {
			if _, err := os.Stat(filepath.Join(root, m[1])); err != nil {
				t.Errorf("%s cites %s, which does not exist", name, m[1])
			}
		}
	}
	// A figure comes with a source or with the command that measures it:
	// every table row of the summary has one of the two in each cell.
	tp := d.TalkingPoints()
	start := strings.Index(tp, "## At a glance")
	end := strings.Index(tp, "## Corrections")
	for _, line := range strings.Split(tp[start:end], "\n") {
		if !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "| what") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		for _, c := range cells[1:] {
			if regexp.MustCompile(`\d`).MatchString(c) && !strings.Contains(c, "test-results/") && !strings.Contains(c, "not measured yet") {
				t.Errorf("figure without a source: %q", c)
			}
		}
	}
}

func TestMissingFiguresNameTheirCommand(t *testing.T) {
	d := &Data{Root: t.TempDir()}
	tp := d.TalkingPoints()
	for _, cmd := range []string{cmdLagAWS, cmdQueryAWS, cmdLatencyAWS, cmdCostActual, cmdTaskAWS, "make drill SCENARIO=failover"} {
		if !strings.Contains(tp, Cmd(cmd)) {
			t.Errorf("no pointer to %q", cmd)
		}
	}
	if !strings.Contains(tp, "configured") || !strings.Contains(tp, "rtt.json") {
		t.Error("the lab's delay must be called configured, not measured")
	}
}
