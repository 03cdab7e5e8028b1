package lab

import (
	"strings"
	"testing"

	"hyundai-poc.com/lab/supervise"
	"hyundai-poc.com/lab/timing"
)

// A tool that asks for a timing uses a running lab only if it follows
// that timing; one that asks for none takes the lab as it is.
func TestRunningLabMustFollowTheTimingAskedFor(t *testing.T) {
	t.Parallel()
	file := "timing.json"
	aws, err := timing.Load(file, "aws")
	if err != nil {
		t.Fatal(err)
	}
	running := supervise.State{Pid: 4242, Dir: "/tmp/some-lab", Timing: aws}
	for _, tc := range []struct {
		ask  string
		want string // part of the error; empty for none
	}{
		{"", ""},
		{"aws", ""},
		{"lab", `follows timing "aws", not the "lab" asked for`},
		{"nonesuch", `no timing profile "nonesuch"`},
	} {
		err := sameTiming(Config{Timing: tc.ask, TimingFile: file}, running)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("asking for %q: %v", tc.ask, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("asking for %q: %v, want an error saying %s", tc.ask, err, tc.want)
		}
	}
}
