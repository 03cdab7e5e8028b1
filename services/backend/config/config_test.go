package config

import (
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestParseDefaults(t *testing.T) {
	t.Parallel()
	c, err := Parse(env(map[string]string{"REGION": "us-west-2", "DB_WRITER_HOST": "writer.example:3307", "DB_READER_HOST": "reader.example"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Port != 3001 || c.DBName != "marketing" || c.MonitorInterval != time.Second || c.ConsistencyWait != 500*time.Millisecond {
		t.Fatalf("defaults: %+v", c)
	}
	if c.WriterAddr() != "writer.example:3307" || c.ReaderAddr() != "reader.example:3306" {
		t.Fatalf("addresses: %s %s", c.WriterAddr(), c.ReaderAddr())
	}
}

func TestParseErrorsNameEachVariable(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"missing region", map[string]string{}, []string{"REGION: is required"}},
		{"bad region", map[string]string{"REGION": "US East"}, []string{"REGION:"}},
		{"several", map[string]string{"REGION": "us-east-1", "PORT": "0", "DB_PORT": "x", "MONITOR_INTERVAL": "-1s", "LOG_LEVEL": "loud"},
			[]string{"PORT:", "DB_PORT:", "LOG_LEVEL:", "MONITOR_INTERVAL:"}},
		{"bad resolver", map[string]string{"REGION": "us-east-1", "DB_RESOLVER": "10.0.0.2"}, []string{"DB_RESOLVER:"}},
		{"bad host", map[string]string{"REGION": "us-east-1", "DB_WRITER_HOST": "mysql://x"}, []string{"DB_WRITER_HOST:"}},
		{"bad host port", map[string]string{"REGION": "us-east-1", "DB_READER_HOST": "x:99999"}, []string{"DB_READER_HOST:"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(env(tc.env))
			if err == nil {
				t.Fatal("no error")
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tc.want) {
				t.Fatalf("want %d lines, got %q", len(tc.want), err)
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(lines[i], w) {
					t.Errorf("line %d = %q, want prefix %q", i, lines[i], w)
				}
			}
		})
	}
}

func TestPasswordNeverLogged(t *testing.T) {
	t.Parallel()
	c, err := Parse(env(map[string]string{"REGION": "us-east-1", "DB_PASSWORD": "hunter2-secret"}))
	if err != nil {
		t.Fatal(err)
	}
	if s := c.LogValue().String(); strings.Contains(s, "hunter2") || !strings.Contains(s, "(set)") {
		t.Fatalf("log value: %s", s)
	}
}

func TestEnvNamesCoverArchitecture(t *testing.T) {
	t.Parallel()
	names := map[string]bool{}
	for _, n := range EnvNames() {
		names[n] = true
	}
	for _, n := range []string{"REGION", "PORT", "DB_WRITER_HOST", "DB_READER_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASSWORD", "DB_RESOLVER", "LOG_LEVEL"} {
		if !names[n] {
			t.Errorf("EnvNames lacks %s", n)
		}
	}
}
