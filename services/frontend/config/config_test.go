package config_test

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"hyundai-poc.com/contract"
	"hyundai-poc.com/frontend/config"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load(env(map[string]string{"REGION": "us-west-2"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Port != 3000 || cfg.BackendURL.String() != "http://localhost:3001" || cfg.LogLevel != slog.LevelInfo {
		t.Errorf("defaults: port %d backend %s level %s", cfg.Port, cfg.BackendURL, cfg.LogLevel)
	}
	if cfg.BackendTimeout != 10*time.Second || cfg.ShutdownTimeout != 10*time.Second {
		t.Errorf("timeouts: %s %s", cfg.BackendTimeout, cfg.ShutdownTimeout)
	}
	if cfg.Market() != contract.MarketUS {
		t.Errorf("market of us-west-2: %s", cfg.Market())
	}
	if len(cfg.RegionEndpoints) != 0 {
		t.Errorf("endpoints: %v", cfg.RegionEndpoints)
	}
	// Whoever connects could write X-Forwarded-For: no address is a proxy
	// until the deployment names its own (the ALB's subnets, the lab edge).
	if len(cfg.TrustedProxies) != 0 {
		t.Errorf("TRUSTED_PROXIES unset trusts %v, want no proxy", cfg.TrustedProxies)
	}
}

func TestLoadValues(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load(env(map[string]string{
		"REGION":           "ap-northeast-2",
		"PORT":             "23000",
		"BACKEND_URL":      "http://127.0.0.1:23001/",
		"REGION_ENDPOINTS": "us-east-1=https://use1.example.com, ap-northeast-2=http://127.0.0.1:33000/",
		"LOG_LEVEL":        "debug",
		"TRUSTED_PROXIES":  "10.1.0.0/16",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Market() != contract.MarketKR {
		t.Errorf("market of ap-northeast-2: %s", cfg.Market())
	}
	if cfg.BackendURL.String() != "http://127.0.0.1:23001" {
		t.Errorf("backend url %s", cfg.BackendURL)
	}
	want := []config.Endpoint{{Region: "us-east-1", URL: "https://use1.example.com"}, {Region: "ap-northeast-2", URL: "http://127.0.0.1:33000"}}
	if len(cfg.RegionEndpoints) != 2 || cfg.RegionEndpoints[0] != want[0] || cfg.RegionEndpoints[1] != want[1] {
		t.Errorf("endpoints %v, want %v", cfg.RegionEndpoints, want)
	}
	if cfg.Port != 23000 || cfg.LogLevel != slog.LevelDebug || len(cfg.TrustedProxies) != 1 {
		t.Errorf("port %d level %s proxies %v", cfg.Port, cfg.LogLevel, cfg.TrustedProxies)
	}
}

// Each bad value is named in its own line, so one run shows every mistake.
func TestLoadErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"missing region", map[string]string{}, []string{"REGION: required"}},
		{"bad region", map[string]string{"REGION": "Virginia"}, []string{"REGION: \"Virginia\""}},
		{"bad port", map[string]string{"REGION": "us-east-1", "PORT": "99999"}, []string{"PORT:"}},
		{"bad backend", map[string]string{"REGION": "us-east-1", "BACKEND_URL": "localhost:3001"}, []string{"BACKEND_URL:"}},
		{"endpoint without url", map[string]string{"REGION": "us-east-1", "REGION_ENDPOINTS": "us-east-1"}, []string{"REGION_ENDPOINTS:"}},
		{"endpoint twice", map[string]string{"REGION": "us-east-1", "REGION_ENDPOINTS": "us-east-1=http://a,us-east-1=http://b"}, []string{"listed twice"}},
		{"endpoint bad url", map[string]string{"REGION": "us-east-1", "REGION_ENDPOINTS": "us-east-1=ftp://a"}, []string{"REGION_ENDPOINTS: us-east-1:"}},
		{"bad level", map[string]string{"REGION": "us-east-1", "LOG_LEVEL": "loud"}, []string{"LOG_LEVEL:"}},
		{"bad proxies", map[string]string{"REGION": "us-east-1", "TRUSTED_PROXIES": "10.0.0.0"}, []string{"TRUSTED_PROXIES:"}},
		{"bad timeout", map[string]string{"REGION": "us-east-1", "BACKEND_TIMEOUT": "-1s"}, []string{"BACKEND_TIMEOUT:"}},
		{"bad exporter", map[string]string{"REGION": "us-east-1", "OTEL_TRACES_EXPORTER": "jaeger"}, []string{"OTEL_TRACES_EXPORTER:"}},
		{"bad otlp endpoint", map[string]string{"REGION": "us-east-1", "OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318"}, []string{"OTEL_EXPORTER_OTLP_ENDPOINT:"}},
		{"several at once", map[string]string{"PORT": "x", "LOG_LEVEL": "loud"}, []string{"REGION:", "PORT:", "LOG_LEVEL:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Load(env(tt.env))
			if err == nil {
				t.Fatal("no error")
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tt.want) {
				t.Errorf("got %d lines, want %d: %q", len(lines), len(tt.want), err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestEnvNames(t *testing.T) {
	t.Parallel()
	names := strings.Join(config.EnvNames(), ",")
	for _, want := range []string{"REGION", "PORT", "BACKEND_URL", "REGION_ENDPOINTS", "LOG_LEVEL", "OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT"} {
		if !strings.Contains(","+names+",", ","+want+",") {
			t.Errorf("EnvNames() = %s, missing %s", names, want)
		}
	}
}
