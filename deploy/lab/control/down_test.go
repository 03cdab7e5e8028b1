package control

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"hyundai-poc.com/lab/supervise"
)

// A lab that died (here: never existed beyond its state file) leaves a
// child behind; Down must kill it and remove the directory, and must not
// touch a process that does not run from the lab's directory.
func TestDownReapsWhatADeadLabLeft(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "lab")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	// A child whose command line names the lab directory, as a backend's
	// binary path does.
	bin := filepath.Join(dir, "sleeper")
	if err := os.Symlink("/bin/sleep", bin); err != nil {
		t.Fatal(err)
	}
	child := exec.Command(bin, "300")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	childDone := make(chan struct{})
	go func() { _ = child.Wait(); close(childDone) }()
	stranger := exec.Command("/bin/sleep", "300")
	if err := stranger.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = stranger.Process.Kill(); _ = stranger.Wait() })

	dead := exec.Command("/bin/true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	st := supervise.State{Pid: dead.Process.Pid, Dir: dir, Control: filepath.Join(dir, "control.sock"), Ready: true,
		Children: []supervise.Child{{Name: "backend-x", Pid: child.Process.Pid}, {Name: "not-ours", Pid: stranger.Process.Pid}}}
	b, _ := json.Marshal(st)
	if err := os.WriteFile(supervise.StatePath(dir), b, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Dial(dir); err == nil {
		t.Fatal("Dial found a lab whose process is dead")
	}
	if err := Down(context.Background(), dir, t.Logf); err != nil {
		t.Fatal(err)
	}
	select {
	case <-childDone:
	case <-time.After(5 * time.Second):
		t.Fatal("the dead lab's child still runs")
	}
	if syscall.Kill(stranger.Process.Pid, 0) != nil {
		t.Fatal("a process not running from the lab's directory was killed")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("lab directory still there: %v", err)
	}
	if err := Down(context.Background(), dir, t.Logf); err != nil {
		t.Fatalf("second down: %v", err)
	}
}
