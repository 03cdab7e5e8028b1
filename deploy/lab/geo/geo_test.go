package geo

import (
	"errors"
	"path/filepath"
	"testing"
)

func TestResolveShippedTable(t *testing.T) {
	t.Parallel()
	tb, err := Load(filepath.Join("..", "..", "geo", "locations.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		loc, region, record string
	}{
		{"KR", "ap-northeast-2", "continent"},
		{"jp", "ap-northeast-2", "continent"},
		{"US-VA", "us-east-1", "us_state"},
		{"US-OR", "us-west-2", "us_state"},
		{" us-ca ", "us-west-2", "us_state"},
		{"US", "us-east-1", "default"},
		{"US-ZZ", "us-east-1", "default"},
		{"DE", "us-east-1", "default"},
		{"BR", "us-east-1", "default"},
		{"QQ", "us-east-1", "default"},
		{"", "us-east-1", "default"},
	} {
		m, err := tb.Resolve(c.loc)
		if err != nil {
			t.Errorf("Resolve(%q): %v", c.loc, err)
			continue
		}
		if m.Region != c.region || m.Record != c.record {
			t.Errorf("Resolve(%q) = %s via %s, want %s via %s", c.loc, m.Region, m.Record, c.region, c.record)
		}
	}
	for _, bad := range []string{"Korea", "K", "US_CA", "../etc", "KR-1234"} {
		if _, err := tb.Resolve(bad); !errors.Is(err, ErrBadLocation) {
			t.Errorf("Resolve(%q) err = %v, want ErrBadLocation", bad, err)
		}
	}
}

func TestPrecedence(t *testing.T) {
	t.Parallel()
	tb, err := Parse([]byte(`{"default":"d","continents":{"AS":"c"},"countries":{"KR":"k","US":"u"},
		"us_states":{"CA":"s"},"country_continents":{"KR":"AS","JP":"AS"}}`))
	if err != nil {
		t.Fatal(err)
	}
	for loc, want := range map[string]string{"KR": "k", "JP": "c", "US-CA": "s", "US-NY": "u", "FR": "d"} {
		if m, _ := tb.Resolve(loc); m.Region != want {
			t.Errorf("Resolve(%s) = %s, want %s", loc, m.Region, want)
		}
	}
	if _, err := Parse([]byte(`{"continents":{}}`)); err == nil {
		t.Error("table without default accepted")
	}
}
