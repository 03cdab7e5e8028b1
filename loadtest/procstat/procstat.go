// Package procstat reads a process's resident memory and CPU time from
// /proc, so the load tools can report what the lab's services cost while
// they carry load.
package procstat

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTick is USER_HZ: /proc reports CPU times in these units, and Linux
// fixes it at 100 for user space on every architecture Go supports.
const clockTick = 100

// Sample is one reading of a process.
type Sample struct {
	At     time.Time
	RSSKiB int64         // VmRSS
	CPU    time.Duration // user + system time consumed so far
}

// Read samples pid.
func Read(pid int) (Sample, error) {
	s := Sample{At: time.Now()}
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, err
	}
	if s.CPU, err = parseStatCPU(st); err != nil {
		return s, fmt.Errorf("pid %d: %w", pid, err)
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	if s.RSSKiB, err = parseStatusRSS(status); err != nil {
		return s, fmt.Errorf("pid %d: %w", pid, err)
	}
	return s, nil
}

// parseStatCPU takes utime and stime (fields 14 and 15) from
// /proc/PID/stat. The command name (field 2) may hold spaces and
// parentheses, so fields are counted from the last ')'.
func parseStatCPU(b []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("malformed stat")
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state); utime is field 14, stime field 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("malformed stat: %d fields", len(f))
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("malformed stat times %q %q", f[11], f[12])
	}
	return time.Duration(ut+st) * time.Second / clockTick, nil
}

// parseStatusRSS takes VmRSS (in kB) from /proc/PID/status.
func parseStatusRSS(b []byte) (int64, error) {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(v)
			if len(f) == 0 {
				break
			}
			return strconv.ParseInt(f[0], 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmRSS")
}

// Usage is what a process cost between two samples.
type Usage struct {
	RSSMiB     float64 `json:"rss_mib"`     // at the end
	MaxRSSMiB  float64 `json:"max_rss_mib"` // highest seen in between
	CPUPercent float64 `json:"cpu_percent"` // of one core
}

// Between computes the usage from a series of samples of one process, in
// time order.
func Between(samples []Sample) Usage {
	if len(samples) == 0 {
		return Usage{}
	}
	first, last := samples[0], samples[len(samples)-1]
	u := Usage{RSSMiB: mib(last.RSSKiB)}
	for _, s := range samples {
		u.MaxRSSMiB = max(u.MaxRSSMiB, mib(s.RSSKiB))
	}
	if wall := last.At.Sub(first.At); wall > 0 {
		u.CPUPercent = round1(100 * float64(last.CPU-first.CPU) / float64(wall))
	}
	return u
}

func mib(kib int64) float64 { return round1(float64(kib) / 1024) }

func round1(v float64) float64 { return float64(int64(v*10+0.5)) / 10 }
