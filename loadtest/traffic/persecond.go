package traffic

import (
	"net/http"
	"sort"
	"time"
)

// Second is what one region's clients saw in one second of a run: the
// series a drill's timeline picture draws.
type Second struct {
	Region       string `json:"region"`
	T            int    `json:"t"` // seconds since the start
	WritesOK     int    `json:"writes_ok"`
	WritesFailed int    `json:"writes_failed"`
	ReadsOK      int    `json:"reads_ok"`
	ReadsFailed  int    `json:"reads_failed"`
	// WritesQueued counts the writes among WritesOK answered 202 (queued).
	WritesQueued int `json:"writes_queued,omitempty"`
	// QueueDepth is the region's write queue depth the backend reported in
	// that second (the largest reading), when it was sampled.
	QueueDepth *int64 `json:"queue_depth,omitempty"`
}

// PerSecond buckets samples by region and by the second (since start) in
// which each attempt ended, so an outage shows where users noticed it. A
// second with no attempt in a region still appears, with zeros.
func PerSecond(samples []Sample, start time.Time) []Second {
	type key struct {
		region string
		t      int
	}
	m := map[key]*Second{}
	last := 0
	regions := map[string]bool{}
	for _, s := range samples {
		d := s.End.Sub(start)
		if d < 0 {
			continue
		}
		t := int(d / time.Second)
		regions[s.Region] = true
		last = max(last, t)
		k := key{s.Region, t}
		b := m[k]
		if b == nil {
			b = &Second{Region: s.Region, T: t}
			m[k] = b
		}
		switch {
		case s.Kind == Write && s.OK():
			b.WritesOK++
			if s.Status == http.StatusAccepted {
				b.WritesQueued++
			}
		case s.Kind == Write:
			b.WritesFailed++
		case s.OK():
			b.ReadsOK++
		default:
			b.ReadsFailed++
		}
	}
	var names []string
	for r := range regions {
		names = append(names, r)
	}
	sort.Strings(names)
	var out []Second
	for _, r := range names {
		for t := 0; t <= last; t++ {
			if b := m[key{r, t}]; b != nil {
				out = append(out, *b)
			} else {
				out = append(out, Second{Region: r, T: t})
			}
		}
	}
	return out
}
