package writeup

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The rehearsal's own lab, apart from the other tests' labs; every port
// stays below 32768, out of the kernel's range for outgoing connections.
const (
	rehearsalNet    = 83
	rehearsalOffset = -2400
)

// TestRunbookLabRehearsal starts a lab and runs every step's lab
// equivalent in the runbook's order; each must succeed.
func TestRunbookLabRehearsal(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a three-region lab")
	}
	if _, err := exec.LookPath("mariadbd"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("mariadbd is missing (scripts/install-deps.sh mariadb)")
		}
		t.Skip("mariadbd is not installed")
	}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	root := repoRoot(t)
	bin := t.TempDir()
	for _, pkg := range []string{"./deploy/lab/cmd/lab", "./deploy/evidence/cmd/evidence"} {
		cmd := exec.Command("go", "build", "-o", bin, pkg)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", pkg, err, out)
		}
	}
	dir := filepath.Join(t.TempDir(), "lab")
	edge := "http://127.0.0.1:" + strconv.Itoa(8080+rehearsalOffset)
	labBin := filepath.Join(bin, "lab")

	up := exec.Command(labBin, "--dir", dir, "up", "--port-offset", strconv.Itoa(rehearsalOffset), "--net", strconv.Itoa(rehearsalNet))
	up.Dir = root
	logf, _ := os.Create(filepath.Join(t.TempDir(), "lab.log"))
	up.Stdout, up.Stderr = logf, logf
	up.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := up.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { up.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = up.Process.Signal(os.Interrupt)
		done := exited
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = syscall.Kill(-up.Process.Pid, syscall.SIGKILL)
			<-done
		}
		_ = exec.Command(labBin, "--dir", dir, "down").Run()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	// Ready means the edge answers and the lab's control socket says it has
	// finished starting: the edge can answer a moment before the lab records
	// itself as up, and the runbook's first step asks the control socket.
	ready := func() bool {
		r, err := http.Get(edge + "/api/region")
		if err != nil {
			return false
		}
		r.Body.Close()
		return r.StatusCode == http.StatusOK && exec.Command(labBin, "--dir", dir, "status").Run() == nil
	}
	for !ready() {
		select {
		case <-exited:
			b, _ := os.ReadFile(logf.Name())
			t.Fatalf("lab exited during start-up:\n%s", b)
		case <-ctx.Done():
			b, _ := os.ReadFile(logf.Name())
			t.Fatalf("lab not ready in 90 s:\n%s", b)
		case <-time.After(250 * time.Millisecond):
		}
	}
	out := t.TempDir()
	for i, s := range Steps {
		for _, args := range s.Lab {
			var cmd *exec.Cmd
			switch args[0] {
			case "lab":
				cmd = exec.Command(labBin, append([]string{"--dir", dir}, args[1:]...)...)
			case "evidence":
				cmd = exec.Command(filepath.Join(bin, "evidence"), append(args[1:], "--edge", edge, "--port-offset", strconv.Itoa(rehearsalOffset), "--out", out)...)
			case "curl":
				a := make([]string, len(args)-1)
				for j, x := range args[1:] {
					a[j] = strings.ReplaceAll(x, "{edge}", edge)
				}
				cmd = exec.Command("curl", append([]string{"--max-time", "30"}, a...)...)
			default:
				t.Fatalf("step %d: unknown command %q", i+1, args[0])
			}
			cmd.Dir = root
			b, err := cmd.CombinedOutput()
			t.Logf("step %d %s: %s\n%s", i+1, s.Title, LabCommandText(args), b)
			if err != nil {
				t.Fatalf("step %d (%s): %s failed: %v", i+1, s.Title, LabCommandText(args), err)
			}
			if args[0] == "curl" && !strings.Contains(string(b), " 201") && !strings.Contains(string(b), " 202") {
				t.Fatalf("step %d: a write was not accepted: %s", i+1, b)
			}
		}
	}
}
