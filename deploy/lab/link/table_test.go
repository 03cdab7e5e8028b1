package link

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestShippedTable(t *testing.T) {
	t.Parallel()
	tb, err := LoadTable(filepath.Join("..", "rtt.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"us-east-1", "us-west-2", "ap-northeast-2"}
	if got := strings.Join(tb.Regions(), ","); got != strings.Join(want, ",") {
		t.Fatalf("regions = %s", got)
	}
	for _, c := range []struct {
		a, b string
		rtt  time.Duration
	}{
		{"us-east-1", "us-west-2", 65 * time.Millisecond},
		{"us-west-2", "us-east-1", 65 * time.Millisecond},
		{"us-east-1", "ap-northeast-2", 180 * time.Millisecond},
		{"ap-northeast-2", "us-west-2", 130 * time.Millisecond},
		{"us-west-2", "us-west-2", time.Millisecond},
	} {
		if got := tb.RTT(c.a, c.b); got != c.rtt {
			t.Errorf("RTT(%s,%s) = %s, want %s", c.a, c.b, got, c.rtt)
		}
		up, down := tb.OneWay(c.a, c.b)
		if up+down != c.rtt || down-up > time.Millisecond {
			t.Errorf("OneWay(%s,%s) = %s + %s, want halves of %s", c.a, c.b, up, down, c.rtt)
		}
	}
	for r, want := range map[string]string{"us-east-1": "us-west-2", "us-west-2": "us-east-1", "ap-northeast-2": "us-west-2"} {
		if got := tb.Nearest(r); got != want {
			t.Errorf("Nearest(%s) = %s, want %s", r, got, want)
		}
	}
}

func TestParseTableRejects(t *testing.T) {
	t.Parallel()
	for name, in := range map[string]string{
		"not json":       `{`,
		"missing pair":   `{"links":[{"a":"x","b":"y","rtt_ms":1},{"a":"y","b":"z","rtt_ms":1}]}`,
		"zero rtt":       `{"links":[{"a":"x","b":"y","rtt_ms":0}]}`,
		"same region":    `{"links":[{"a":"x","b":"x","rtt_ms":3}]}`,
		"duplicate":      `{"links":[{"a":"x","b":"y","rtt_ms":1},{"a":"y","b":"x","rtt_ms":2}]}`,
		"negative intra": `{"intra_region_rtt_ms":-1,"links":[{"a":"x","b":"y","rtt_ms":1}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseTable([]byte(in)); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}
