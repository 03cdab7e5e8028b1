package lab

import (
	"context"
	"flag"
	"path/filepath"

	"hyundai-poc.com/lab/control"
	"hyundai-poc.com/lab/loopback"
	"hyundai-poc.com/reporoot"
)

// ToolFlags are what the commands that run against a lab (drill, latency)
// share: which lab to use, how to place one they start beside another, and
// where their results go.
type ToolFlags struct {
	Dir        string
	Net        int
	PortOffset int
	Out        string
	// Timing and TimingFile ask for a timing profile: a lab the tool
	// starts follows it, and a running lab that follows another is refused.
	Timing     string
	TimingFile string
}

// Register adds the flags to fs.
func (f *ToolFlags) Register(fs *flag.FlagSet) {
	fs.StringVar(&f.Dir, "dir", DefaultDir(), "the lab's directory")
	fs.IntVar(&f.PortOffset, "port-offset", 0, "service port offset when starting its own lab beside another (use with --dir)")
	fs.IntVar(&f.Net, "net", 10, "database address octet when starting its own lab (127.N.x.y)")
	fs.StringVar(&f.Out, "out", "", "results directory (test-results/lab/ of the repository)")
	fs.StringVar(&f.Timing, "timing", "", "timing profile, lab or aws: the running lab must follow it, a lab started here does (empty: the running lab's, or lab)")
	fs.StringVar(&f.TimingFile, "timing-file", "", "timing profiles (deploy/lab/timing.json)")
}

// Open finds the repository (results go to its test-results/lab/ unless Out
// says otherwise), then the lab in Dir, or starts one with cfg placed as
// the flags say; stop ends a lab it started.
func (f *ToolFlags) Open(ctx context.Context, cfg Config) (root string, c *control.Client, stop func(), err error) {
	if root, err = reporoot.Here(); err != nil {
		return "", nil, nil, err
	}
	if f.Out == "" {
		f.Out = filepath.Join(root, "test-results", "lab")
	}
	cfg.Dir, cfg.RepoRoot, cfg.Layout = f.Dir, root, loopback.Layout{Net: f.Net, PortOffset: f.PortOffset}
	cfg.Timing, cfg.TimingFile = f.Timing, f.TimingFile
	c, stop, err = DialOrStart(ctx, cfg)
	return root, c, stop, err
}
