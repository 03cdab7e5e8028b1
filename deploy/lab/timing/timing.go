// Package timing holds how fast the lab's database side moves: a profile
// per name (lab, aws) read from one data file (deploy/lab/timing.json), with
// the AWS documentation each number comes from. Switchover, failover and
// the regions' DNS follow the profile the lab was started with.
package timing

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"time"
)

// Default is the profile used when none is named.
const Default = "lab"

// Profile is one set of timings.
type Profile struct {
	Name string `json:"name"`
	// SwitchoverFence is how long a switchover keeps the old writer fenced
	// before the new one is writable.
	SwitchoverFence time.Duration `json:"switchover_fence"`
	// FailoverNoWriter is how long a failover leaves no writable writer.
	FailoverNoWriter time.Duration `json:"failover_no_writer"`
	// DNSDelayMin and DNSDelayMax bound how long after the writer changes
	// each region's DNS shows the new writer (drawn per region).
	DNSDelayMin time.Duration `json:"dns_delay_min"`
	DNSDelayMax time.Duration `json:"dns_delay_max"`
	Source      string        `json:"source"`
}

type file struct {
	About    string `json:"_about"`
	Profiles map[string]struct {
		SwitchoverFenceMs  *float64 `json:"switchover_fence_ms"`
		FailoverNoWriterMs *float64 `json:"failover_no_writer_ms"`
		DNSDelayMs         *struct {
			Min float64 `json:"min"`
			Max float64 `json:"max"`
		} `json:"dns_delay_ms"`
		Source string `json:"source"`
	} `json:"profiles"`
}

// Load reads the file and returns the named profile (Default when empty).
func Load(path, name string) (Profile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Profile{}, fmt.Errorf("read timing file: %w", err)
	}
	ps, err := Parse(b)
	if err != nil {
		return Profile{}, fmt.Errorf("%s: %w", path, err)
	}
	if name == "" {
		name = Default
	}
	p, ok := ps[name]
	if !ok {
		return Profile{}, fmt.Errorf("no timing profile %q in %s (have %s)", name, path, strings.Join(Names(ps), ", "))
	}
	return p, nil
}

// Names lists the profiles, sorted.
func Names(ps map[string]Profile) []string {
	out := make([]string, 0, len(ps))
	for n := range ps {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Parse checks and returns every profile in a timing file: each must give
// every timing, none negative, with min <= max, and a source.
func Parse(b []byte) (map[string]Profile, error) {
	var f file
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("parse timing file: %w", err)
	}
	if len(f.Profiles) == 0 {
		return nil, errors.New("no profiles")
	}
	out := map[string]Profile{}
	for name, p := range f.Profiles {
		if p.SwitchoverFenceMs == nil || p.FailoverNoWriterMs == nil || p.DNSDelayMs == nil {
			return nil, fmt.Errorf("profile %s: switchover_fence_ms, failover_no_writer_ms and dns_delay_ms are all required", name)
		}
		if *p.SwitchoverFenceMs < 0 || *p.FailoverNoWriterMs < 0 || p.DNSDelayMs.Min < 0 || p.DNSDelayMs.Max < p.DNSDelayMs.Min {
			return nil, fmt.Errorf("profile %s: timings must not be negative and dns_delay_ms.min must not exceed max", name)
		}
		if strings.TrimSpace(p.Source) == "" {
			return nil, fmt.Errorf("profile %s: say where the numbers come from (source)", name)
		}
		out[name] = Profile{Name: name, SwitchoverFence: ms(*p.SwitchoverFenceMs), FailoverNoWriter: ms(*p.FailoverNoWriterMs),
			DNSDelayMin: ms(p.DNSDelayMs.Min), DNSDelayMax: ms(p.DNSDelayMs.Max), Source: p.Source}
	}
	return out, nil
}

// DNSDelays draws, for each region, how long after a writer change its DNS
// shows the new writer. rnd may be nil (a random source is used).
func (p Profile) DNSDelays(regions []string, rnd *rand.Rand) map[string]time.Duration {
	out := make(map[string]time.Duration, len(regions))
	span := p.DNSDelayMax - p.DNSDelayMin
	for _, r := range regions {
		d := p.DNSDelayMin
		if span > 0 {
			if rnd != nil {
				d += time.Duration(rnd.Int64N(int64(span) + 1))
			} else {
				d += time.Duration(rand.Int64N(int64(span) + 1))
			}
		}
		out[r] = d
	}
	return out
}

func ms(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }
