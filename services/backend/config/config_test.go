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
	} // Whoever connects could write X-Forwarded-For: no address is a proxy
	// until the deployment names its own (the ALB's subnets, the lab edge).
	if len(c.TrustedProxies) != 0 {
		t.Errorf("TRUSTED_PROXIES unset trusts %v, want no proxy", c.TrustedProxies)
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
		{"hold too long", map[string]string{"REGION": "us-east-1", "WRITE_HOLD": "5s"}, []string{"WRITE_HOLD:"}},
		{"queue without port", map[string]string{"REGION": "us-east-1", "QUEUE_ADDR": "queue.example"}, []string{"QUEUE_ADDR:"}},
		{"queue tls", map[string]string{"REGION": "us-east-1", "QUEUE_TLS": "maybe"}, []string{"QUEUE_TLS:"}},
		{"remote readers", map[string]string{"REGION": "us-east-1", "REMOTE_READERS": "us-west-2=reader:3306,seoul"}, []string{"REMOTE_READERS:"}},
		{"remote twice", map[string]string{"REGION": "us-east-1", "REMOTE_READERS": "a=h:1,a=h:2"}, []string{"REMOTE_READERS:"}},
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

func TestQueueAndRemoteReaders(t *testing.T) {
	t.Parallel()
	c, err := Parse(env(map[string]string{"REGION": "us-east-1"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.WriteHold != time.Second || c.WriteHold > MaxWriteHold || c.QueueAddr != "" || c.RemoteReaders != nil {
		t.Fatalf("defaults: %+v", c)
	}
	c, err = Parse(env(map[string]string{"REGION": "us-east-1", "WRITE_HOLD": "1500ms", "QUEUE_ADDR": "q.example:6379", "QUEUE_TLS": "true",
		"QUEUE_CLUSTER": "true", "REMOTE_READERS": "us-west-2=reader.us-west-2:3306, ap-northeast-2=10.2.0.5:3306"}))
	if err != nil {
		t.Fatal(err)
	}
	want := []RemoteReader{{"us-west-2", "reader.us-west-2:3306"}, {"ap-northeast-2", "10.2.0.5:3306"}}
	if c.WriteHold != 1500*time.Millisecond || c.QueueAddr != "q.example:6379" || !c.QueueTLS || !c.QueueCluster || len(c.RemoteReaders) != 2 ||
		c.RemoteReaders[0] != want[0] || c.RemoteReaders[1] != want[1] {
		t.Fatalf("parsed: %+v", c)
	}
}

func TestPasswordNeverLogged(t *testing.T) {
	t.Parallel()
	c, err := Parse(env(map[string]string{"REGION": "us-east-1", "DB_PASSWORD": "hunter2-secret", "QUEUE_PASSWORD": "hunter2-queue"}))
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
