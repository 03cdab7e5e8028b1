package dbserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Binaries are the MariaDB programs the harness runs.
type Binaries struct {
	Server    string // mariadbd
	InstallDB string // mariadb-install-db
	Version   string
}

// ErrNotInstalled says no server binary was found; scripts/install-deps.sh
// installs one from Debian's packages.
var ErrNotInstalled = errors.New("no MariaDB server found (mariadbd and mariadb-install-db); run `sudo scripts/install-deps.sh` or `apt-get install -y mariadb-server mariadb-client`")

// FindBinaries looks for mariadbd on PATH and in /usr/sbin, where Debian puts it.
func FindBinaries() (Binaries, error) {
	var b Binaries
	find := func(names ...string) string {
		for _, n := range names {
			if p, err := exec.LookPath(n); err == nil {
				return p
			}
			for _, dir := range []string{"/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"} {
				p := filepath.Join(dir, n)
				if st, err := os.Stat(p); err == nil && !st.IsDir() {
					return p
				}
			}
		}
		return ""
	}
	b.Server = find("mariadbd")
	b.InstallDB = find("mariadb-install-db", "mysql_install_db")
	if b.Server == "" || b.InstallDB == "" {
		return b, ErrNotInstalled
	}
	out, err := exec.Command(b.Server, "--version").Output()
	if err != nil {
		return b, fmt.Errorf("%s --version: %w", b.Server, err)
	}
	b.Version = strings.TrimSpace(string(out))
	return b, nil
}

// initDataDir fills dir with a fresh system database. mariadb-install-db
// takes about a second, so its result is kept once per server version as a
// template and copied for every later server.
func initDataDir(ctx context.Context, bins Binaries, dir string) error {
	tmpl := filepath.Join(os.TempDir(), "hyundai-poc-db-template-"+shortHash(bins.Version))
	if _, err := os.Stat(filepath.Join(tmpl, "mysql")); err != nil {
		work, err := os.MkdirTemp(os.TempDir(), "hyundai-poc-db-template-build-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(work)
		args := []string{
			"--no-defaults",
			"--datadir=" + work,
			"--auth-root-authentication-method=normal",
			"--skip-test-db",
		}
		if os.Geteuid() == 0 {
			args = append(args, "--user=root")
		}
		cmd := exec.CommandContext(ctx, bins.InstallDB, args...)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("mariadb-install-db: %w\n%s", err, out)
		}
		// Rename is atomic, so concurrent test processes either see the whole
		// template or build their own; the loser's rename fails harmlessly.
		if err := os.Rename(work, tmpl); err != nil {
			if _, statErr := os.Stat(filepath.Join(tmpl, "mysql")); statErr != nil {
				return fmt.Errorf("keep template: %w", err)
			}
		}
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return err
	}
	if out, err := exec.CommandContext(ctx, "cp", "-a", tmpl, dir).CombinedOutput(); err != nil {
		return fmt.Errorf("copy template: %w: %s", err, out)
	}
	return nil
}

// sweepStaleDirs removes data directories left by processes that died
// without cleaning up (killed test binaries): their names carry the pid.
func sweepStaleDirs() {
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), "hyundai-poc-db-*-*"))
	for _, m := range matches {
		parts := strings.Split(filepath.Base(m), "-")
		if len(parts) < 5 || parts[3] == "template" {
			continue
		}
		pid, err := strconv.Atoi(parts[3])
		if err != nil || pid == os.Getpid() {
			continue
		}
		if syscall.Kill(pid, 0) == syscall.ESRCH {
			_ = os.RemoveAll(m)
		}
	}
}

func randomPassword() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func shortHash(s string) string {
	var h uint32 = 2166136261
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return strconv.FormatUint(uint64(h), 36)
}
