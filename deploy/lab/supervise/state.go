package supervise

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"hyundai-poc.com/lab/timing"
)

// State is what the state file records, so `lab down` and the control
// commands find a lab started in another terminal.
type State struct {
	Pid     int       `json:"pid"`
	Dir     string    `json:"dir"`
	Control string    `json:"control"`
	Edge    string    `json:"edge"`
	Started time.Time `json:"started"`
	Ready   bool      `json:"ready"`
	// Timing is the profile the lab's database side follows, so a tool
	// can tell whether a running lab moves at the timing it asks for.
	Timing   timing.Profile `json:"timing"`
	Children []Child        `json:"children"`
}

// Child is a process the lab started.
type Child struct {
	Name string `json:"name"`
	Pid  int    `json:"pid"`
}

// StatePath is the state file of a lab directory.
func StatePath(dir string) string { return filepath.Join(dir, "state.json") }

// ControlPath is the control socket of a lab directory.
func ControlPath(dir string) string { return filepath.Join(dir, "control.sock") }

// WriteState replaces the state file of st.Dir in one step, so a reader
// never sees half of it.
func WriteState(st State) error {
	sort.Slice(st.Children, func(i, j int) bool { return st.Children[i].Name < st.Children[j].Name })
	b, _ := json.MarshalIndent(st, "", "  ")
	tmp := StatePath(st.Dir) + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, StatePath(st.Dir))
}

// ReadState reads dir's state file.
func ReadState(dir string) (State, error) {
	var st State
	b, err := os.ReadFile(StatePath(dir))
	if err != nil {
		return st, err
	}
	return st, json.Unmarshal(b, &st)
}

// Claim makes dir for a new lab. A directory left by a lab that still runs
// is refused; one left by a dead lab is cleaned first.
func Claim(dir string) error {
	if st, err := ReadState(dir); err == nil {
		if Alive(st.Pid) {
			return fmt.Errorf("a lab is already running (pid %d, %s): stop it with `make lab-down`", st.Pid, dir)
		}
		Reap(st)
	}
	_ = os.RemoveAll(dir)
	return os.MkdirAll(filepath.Join(dir, "logs"), 0o700)
}

// Alive reports whether a process with that pid runs.
func Alive(pid int) bool {
	return pid > 0 && syscall.Kill(pid, 0) == nil
}

// Reap kills the children a dead lab left (normally Pdeathsig already has)
// and removes its directory.
func Reap(st State) {
	for _, c := range st.Children {
		if Alive(c.Pid) && ownedBy(c.Pid, st.Dir) {
			_ = syscall.Kill(c.Pid, syscall.SIGKILL)
		}
	}
	if st.Dir != "" {
		_ = os.RemoveAll(st.Dir)
	}
}

// ownedBy checks that pid still runs something from the lab's directory
// (its binary or its data), so a reused pid is never killed.
func ownedBy(pid int, dir string) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return err == nil && strings.Contains(string(b), dir)
}
