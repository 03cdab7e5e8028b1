// Package config reads the frontend's configuration from the environment,
// once, at start. Every problem is reported, one line per bad value, so a
// misconfigured deployment is fixed in one pass.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"hyundai-poc.com/contract"
)

// Endpoint is one region's public address, measured by the status page's
// latency panel.
type Endpoint struct {
	Region string
	URL    string
}

// Config is everything the frontend reads from its environment.
type Config struct {
	// Region this frontend runs in (us-east-1, us-west-2, ap-northeast-2).
	Region string
	// Port to listen on.
	Port int
	// BackendURL is the backend's base URL; /api/* is proxied there.
	BackendURL *url.URL
	// RegionEndpoints are the sites the latency panel measures, in the order given.
	RegionEndpoints []Endpoint
	// LogLevel of the process logger.
	LogLevel slog.Level
	// TrustedProxies may set X-Forwarded-For and X-Forwarded-Proto (the ALB
	// and the lab's edge); those headers from anyone else are ignored. None
	// by default: a deployment names its own proxies.
	TrustedProxies []netip.Prefix
	// PublicOrigins are the scheme://host[:port] the site is reached at
	// through proxies that rewrite Host (CloudFront with an origin request
	// policy that does not forward it, the lab's edge): a form posted from
	// one of them is same-origin.
	PublicOrigins []string
	// CSRFKey signs form tokens to the visitor's session; every frontend of
	// a deployment shares it. Empty: a random key, so a form must be sent
	// back to the process that served it.
	CSRFKey string
	// MetricsPort serves /metrics, on a port no load balancer routes to.
	MetricsPort int
	// BackendTimeout bounds one call to the backend, page or proxied.
	BackendTimeout time.Duration
	// ShutdownTimeout is how long in-flight requests get to finish on SIGTERM.
	ShutdownTimeout time.Duration
	// OTel holds the standard OpenTelemetry variables the process honours.
	OTel OTel
}

// OTel is what the configuration checks of the standard OTEL_* variables;
// the tracing setup and the OpenTelemetry SDK read them themselves, as the
// backend's do.
type OTel struct {
	Exporter string // OTEL_TRACES_EXPORTER: none (default), otlp or console
}

// One entry per environment variable read: name, default (empty: none).
var vars = []struct{ name, def string }{
	{"REGION", ""},
	{"PORT", "3000"},
	{"BACKEND_URL", "http://localhost:3001"},
	{"REGION_ENDPOINTS", ""},
	{"LOG_LEVEL", "info"},
	{"TRUSTED_PROXIES", ""},
	{"PUBLIC_ORIGINS", ""},
	{"CSRF_KEY", ""},
	{"METRICS_PORT", "9100"},
	{"BACKEND_TIMEOUT", "10s"},
	{"SHUTDOWN_TIMEOUT", "10s"},
	// Read by the tracing setup and the OpenTelemetry SDK, as in the backend.
	{"OTEL_SERVICE_NAME", ""},
	{"OTEL_TRACES_EXPORTER", "none"},
	{"OTEL_EXPORTER_OTLP_ENDPOINT", ""},
	{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", ""},
	{"OTEL_EXPORTER_OTLP_HEADERS", ""},
	{"OTEL_TRACES_SAMPLER", ""},
	{"OTEL_TRACES_SAMPLER_ARG", ""},
	{"OTEL_RESOURCE_ATTRIBUTES", ""},
	{"OTEL_PROPAGATORS", ""},
}

// EnvNames lists every environment variable the frontend reads, so deploy
// checks can reject names it would silently ignore.
func EnvNames() []string {
	names := make([]string, len(vars))
	for i, v := range vars {
		names[i] = v.name
	}
	return names
}

var regionRE = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]$`)

// Load parses the configuration from getenv (os.Getenv in production). The
// error joins one line per bad value.
func Load(getenv func(string) string) (Config, error) {
	get := func(name string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		for _, v := range vars {
			if v.name == name {
				return v.def
			}
		}
		return ""
	}
	var (
		cfg  Config
		errs []error
	)
	bad := func(name, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s: "+format, append([]any{name}, a...)...))
	}

	cfg.Region = get("REGION")
	switch {
	case cfg.Region == "":
		bad("REGION", "required (for example us-east-1)")
	case !regionRE.MatchString(cfg.Region):
		bad("REGION", "%q is not a region name like us-east-1", cfg.Region)
	}

	if p, err := strconv.Atoi(get("PORT")); err != nil || p < 1 || p > 65535 {
		bad("PORT", "%q is not a port number 1-65535", get("PORT"))
	} else {
		cfg.Port = p
	}

	if u, err := parseBaseURL(get("BACKEND_URL")); err != nil {
		bad("BACKEND_URL", "%v", err)
	} else {
		cfg.BackendURL = u
	}

	if eps, err := parseEndpoints(get("REGION_ENDPOINTS")); err != nil {
		bad("REGION_ENDPOINTS", "%v", err)
	} else {
		cfg.RegionEndpoints = eps
	}

	if err := cfg.LogLevel.UnmarshalText([]byte(get("LOG_LEVEL"))); err != nil {
		bad("LOG_LEVEL", "%q is not one of debug, info, warn, error", get("LOG_LEVEL"))
	}

	for _, s := range strings.Split(get("TRUSTED_PROXIES"), ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			bad("TRUSTED_PROXIES", "%q is not a CIDR like 10.0.0.0/8", s)
			continue
		}
		cfg.TrustedProxies = append(cfg.TrustedProxies, p.Masked())
	}

	for _, s := range strings.Split(get("PUBLIC_ORIGINS"), ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			bad("PUBLIC_ORIGINS", "%q is not an origin like https://www.example.com", s)
			continue
		}
		cfg.PublicOrigins = append(cfg.PublicOrigins, u.Scheme+"://"+u.Host)
	}

	// The key is a secret: its value never goes into an error.
	if k := get("CSRF_KEY"); k != "" && len(k) < 32 {
		bad("CSRF_KEY", "is %d characters, want at least 32", len(k))
	} else {
		cfg.CSRFKey = k
	}

	if p, err := strconv.Atoi(get("METRICS_PORT")); err != nil || p < 1 || p > 65535 {
		bad("METRICS_PORT", "%q is not a port number 1-65535", get("METRICS_PORT"))
	} else {
		cfg.MetricsPort = p
	}

	for _, d := range []struct {
		name string
		dst  *time.Duration
	}{{"BACKEND_TIMEOUT", &cfg.BackendTimeout}, {"SHUTDOWN_TIMEOUT", &cfg.ShutdownTimeout}} {
		v, err := time.ParseDuration(get(d.name))
		if err != nil || v <= 0 {
			bad(d.name, "%q is not a positive duration like 10s", get(d.name))
			continue
		}
		*d.dst = v
	}

	switch cfg.OTel.Exporter = get("OTEL_TRACES_EXPORTER"); cfg.OTel.Exporter {
	case "none", "otlp", "console":
	default:
		bad("OTEL_TRACES_EXPORTER", "%q is not one of none, otlp, console", cfg.OTel.Exporter)
	}
	for _, name := range []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"} {
		if v := get(name); v != "" {
			if _, err := parseBaseURL(v); err != nil {
				bad(name, "%v", err)
			}
		}
	}
	return cfg, errors.Join(errs...)
}

// Market is the default market for visitors of this region, by the
// contract's rule.
func (c Config) Market() string { return contract.MarketFor(c.Region) }

// Addr is the listen address.
func (c Config) Addr() string { return net.JoinHostPort("", strconv.Itoa(c.Port)) }

// MetricsAddr is where /metrics is served.
func (c Config) MetricsAddr() string { return net.JoinHostPort("", strconv.Itoa(c.MetricsPort)) }

// LogValue lets the whole configuration be logged at start; it holds no
// secrets, but URLs lose any user info just in case.
func (c Config) LogValue() slog.Value {
	eps := make([]string, len(c.RegionEndpoints))
	for i, e := range c.RegionEndpoints {
		eps[i] = e.Region + "=" + e.URL
	}
	backend := ""
	if c.BackendURL != nil {
		backend = c.BackendURL.Redacted()
	}
	return slog.GroupValue(
		slog.String("region", c.Region),
		slog.Int("port", c.Port),
		slog.String("backend_url", backend),
		slog.String("region_endpoints", strings.Join(eps, ",")),
		slog.String("log_level", c.LogLevel.String()),
		slog.Int("trusted_proxies", len(c.TrustedProxies)),
		slog.String("public_origins", strings.Join(c.PublicOrigins, ",")),
		slog.Bool("csrf_key_set", c.CSRFKey != ""),
		slog.Int("metrics_port", c.MetricsPort),
		slog.String("backend_timeout", c.BackendTimeout.String()),
		slog.String("shutdown_timeout", c.ShutdownTimeout.String()),
		slog.String("traces_exporter", c.OTel.Exporter),
	)
}

func parseBaseURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q is not an http(s) URL like http://localhost:3001", s)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%q must not carry a query or fragment", s)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	return u, nil
}

// parseEndpoints reads "us-east-1=https://a,us-west-2=https://b".
func parseEndpoints(s string) ([]Endpoint, error) {
	if s == "" {
		return nil, nil
	}
	var (
		eps  []Endpoint
		seen = map[string]bool{}
	)
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		region, raw, ok := strings.Cut(item, "=")
		region = strings.TrimSpace(region)
		if !ok || !regionRE.MatchString(region) {
			return nil, fmt.Errorf("%q is not region=URL (for example us-east-1=https://use1.example.com)", item)
		}
		if seen[region] {
			return nil, fmt.Errorf("region %s is listed twice", region)
		}
		seen[region] = true
		u, err := parseBaseURL(strings.TrimSpace(raw))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", region, err)
		}
		if u.User != nil {
			return nil, fmt.Errorf("%s: the URL must not carry credentials", region)
		}
		eps = append(eps, Endpoint{Region: region, URL: u.String()})
	}
	return eps, nil
}
