// Package link simulates the network between regions: a table of round-trip
// times read from one data file, and Toxiproxy proxies that put those delays
// on every link, and cut links on demand.
package link

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"time"
)

// Table holds the round-trip time between every pair of regions.
type Table struct {
	intra time.Duration
	rtt   map[[2]string]time.Duration
	order []string
}

type tableFile struct {
	IntraRegionRTTMs float64 `json:"intra_region_rtt_ms"`
	Links            []struct {
		A      string  `json:"a"`
		B      string  `json:"b"`
		RTTMs  float64 `json:"rtt_ms"`
		Source string  `json:"source"`
	} `json:"links"`
}

// LoadTable reads a table file (deploy/lab/rtt.json).
func LoadTable(path string) (*Table, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read rtt table: %w", err)
	}
	t, err := ParseTable(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// ParseTable parses and checks a table: every pair of the regions it names
// must appear exactly once, with a positive RTT.
func ParseTable(b []byte) (*Table, error) {
	var f tableFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("parse rtt table: %w", err)
	}
	if f.IntraRegionRTTMs < 0 {
		return nil, errors.New("intra_region_rtt_ms must not be negative")
	}
	t := &Table{intra: ms(f.IntraRegionRTTMs), rtt: map[[2]string]time.Duration{}}
	seen := map[string]bool{}
	for i, l := range f.Links {
		if l.A == "" || l.B == "" || l.A == l.B {
			return nil, fmt.Errorf("links[%d]: a and b must be two different regions", i)
		}
		if l.RTTMs <= 0 {
			return nil, fmt.Errorf("links[%d] %s<->%s: rtt_ms must be positive", i, l.A, l.B)
		}
		k := key(l.A, l.B)
		if _, dup := t.rtt[k]; dup {
			return nil, fmt.Errorf("links[%d]: %s<->%s appears twice", i, l.A, l.B)
		}
		t.rtt[k] = ms(l.RTTMs)
		for _, r := range []string{l.A, l.B} {
			if !seen[r] {
				seen[r] = true
				t.order = append(t.order, r)
			}
		}
	}
	for i, a := range t.order {
		for _, b := range t.order[i+1:] {
			if _, ok := t.rtt[key(a, b)]; !ok {
				return nil, fmt.Errorf("no rtt for %s<->%s", a, b)
			}
		}
	}
	return t, nil
}

// Regions lists the regions in the order the file names them.
func (t *Table) Regions() []string { return append([]string(nil), t.order...) }

// Has reports whether the table knows region r.
func (t *Table) Has(r string) bool {
	for _, x := range t.order {
		if x == r {
			return true
		}
	}
	return false
}

// RTT is the round-trip time between a and b; the intra-region RTT when a == b.
func (t *Table) RTT(a, b string) time.Duration {
	if a == b {
		return t.intra
	}
	return t.rtt[key(a, b)]
}

// OneWay splits a link's RTT into the delay each direction gets, in whole
// milliseconds (Toxiproxy's unit) that add up to the RTT.
func (t *Table) OneWay(a, b string) (up, down time.Duration) {
	total := t.RTT(a, b).Milliseconds()
	up = time.Duration(total/2) * time.Millisecond
	down = time.Duration(total-total/2) * time.Millisecond
	return up, down
}

// Nearest is the other region with the smallest RTT from r: the lab's
// choice of secondary origin for r, as one would pick a CloudFront origin
// group's second origin.
func (t *Table) Nearest(r string) string {
	others := make([]string, 0, len(t.order))
	for _, x := range t.order {
		if x != r {
			others = append(others, x)
		}
	}
	sort.SliceStable(others, func(i, j int) bool { return t.RTT(r, others[i]) < t.RTT(r, others[j]) })
	if len(others) == 0 {
		return ""
	}
	return others[0]
}

func key(a, b string) [2]string {
	if a > b {
		a, b = b, a
	}
	return [2]string{a, b}
}

func ms(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }
