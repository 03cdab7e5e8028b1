// Package config reads the backend's configuration from the environment,
// once, at start. Every name it reads is listed in EnvNames so that compose
// files and the ECS task definitions can be checked against it.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Config is everything the backend can be told. Defaults stand beside the
// fields in Parse.
type Config struct {
	Region string
	Port   int

	DBWriterHost string // global writer endpoint, may carry :port
	DBReaderHost string // this region's reader endpoint, may carry :port
	DBPort       int
	DBName       string
	DBUser       string
	DBPassword   string
	// DBPasswordSecret names the Secrets Manager secret DB_PASSWORD came
	// from; when set, the backend reads it again when the database refuses
	// the password (a rotation).
	DBPasswordSecret string
	DBResolver       string // host:port of the DNS server for the DB names; empty: system resolver

	// TokenKey signs consistency tokens; every backend of a deployment
	// shares it (Secrets Manager in AWS, generated per lab). Empty: a
	// random key, so tokens hold only in this process.
	TokenKey string

	// TrustedProxies may say who the client is (X-Forwarded-For): the
	// ALB's subnets, the lab's frontends. None by default.
	TrustedProxies []netip.Prefix
	// WriteRateLimit and WriteRateBurst bound lead writes per client
	// address: on average per minute, and at once.
	WriteRateLimit int
	WriteRateBurst int
	// HealthCheckToken lets operators and drills write health checks
	// (Authorization: Bearer). Empty: nobody can.
	HealthCheckToken string

	LogLevel slog.Level

	MonitorInterval   time.Duration // writer and reader checks, heartbeat
	ConsistencyWait   time.Duration // how long a token read waits for the local reader
	MaxReaderLag      time.Duration // beyond this, reads go to the writer
	DBConnectTimeout  time.Duration
	DBQueryTimeout    time.Duration
	DBConnMaxLifetime time.Duration // bounds how long a pool can ignore DNS
	ShutdownTimeout   time.Duration

	// WriteHold is how long a lead waits for a writable writer before it
	// is answered 202 from the region's queue. At most 2 s: CloudFront and
	// the ALB end a held request long before a failover does.
	WriteHold time.Duration
	// QueueAddr is host:port of the region's write queue (redis-server or
	// MemoryDB); empty runs without one, writes then wait for the writer.
	QueueAddr     string
	QueueUser     string
	QueuePassword string
	QueueTLS      bool // MemoryDB requires TLS
	QueueCluster  bool // MemoryDB speaks the cluster protocol
	// RemoteReaders are other regions' reader endpoints, tried when the
	// local nodes cannot answer a read by id, and used to confirm that a
	// journaled write has left the writer's region.
	RemoteReaders []RemoteReader
}

// RemoteReader is one entry of REMOTE_READERS.
type RemoteReader struct {
	Region string
	Addr   string
}

// MaxWriteHold bounds WRITE_HOLD.
const MaxWriteHold = 2 * time.Second

// Names of the variables. OTEL_* are read by the telemetry package through
// the OpenTelemetry conventions and listed here for completeness.
const (
	envRegion            = "REGION"
	envPort              = "PORT"
	envDBWriterHost      = "DB_WRITER_HOST"
	envDBReaderHost      = "DB_READER_HOST"
	envDBPort            = "DB_PORT"
	envDBName            = "DB_NAME"
	envDBUser            = "DB_USER"
	envDBPassword        = "DB_PASSWORD"
	envDBPasswordSecret  = "DB_PASSWORD_SECRET"
	envDBResolver        = "DB_RESOLVER"
	envLogLevel          = "LOG_LEVEL"
	envMonitorInterval   = "MONITOR_INTERVAL"
	envConsistencyWait   = "CONSISTENCY_WAIT"
	envMaxReaderLag      = "MAX_READER_LAG"
	envDBConnectTimeout  = "DB_CONNECT_TIMEOUT"
	envDBQueryTimeout    = "DB_QUERY_TIMEOUT"
	envDBConnMaxLifetime = "DB_CONN_MAX_LIFETIME"
	envShutdownTimeout   = "SHUTDOWN_TIMEOUT"
	envTokenKey          = "CONSISTENCY_TOKEN_KEY"
	envTrustedProxies    = "TRUSTED_PROXIES"
	envWriteRateLimit    = "WRITE_RATE_LIMIT"
	envWriteRateBurst    = "WRITE_RATE_BURST"
	envHealthCheckToken  = "HEALTH_CHECK_TOKEN"
	envWriteHold         = "WRITE_HOLD"
	envQueueAddr         = "QUEUE_ADDR"
	envQueueUser         = "QUEUE_USER"
	envQueuePassword     = "QUEUE_PASSWORD"
	envQueueTLS          = "QUEUE_TLS"
	envQueueCluster      = "QUEUE_CLUSTER"
	envRemoteReaders     = "REMOTE_READERS"
)

// OTelEnvNames are the OpenTelemetry variables the backend honours.
var OTelEnvNames = []string{
	"OTEL_SERVICE_NAME", "OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_ENDPOINT",
	"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_TRACES_SAMPLER",
	"OTEL_TRACES_SAMPLER_ARG", "OTEL_RESOURCE_ATTRIBUTES", "OTEL_PROPAGATORS",
}

// EnvNames lists every environment variable the backend reads.
func EnvNames() []string {
	names := []string{
		envRegion, envPort, envDBWriterHost, envDBReaderHost, envDBPort, envDBName, envDBUser,
		envDBPassword, envDBPasswordSecret, envDBResolver, envLogLevel, envMonitorInterval, envConsistencyWait,
		envMaxReaderLag, envDBConnectTimeout, envDBQueryTimeout, envDBConnMaxLifetime, envShutdownTimeout,
		envTokenKey, envTrustedProxies, envWriteRateLimit, envWriteRateBurst, envHealthCheckToken,
		envWriteHold, envQueueAddr, envQueueUser, envQueuePassword, envQueueTLS, envQueueCluster, envRemoteReaders,
	}
	return append(names, OTelEnvNames...)
}

// Parse reads the configuration through getenv (os.Getenv in main) and
// returns every problem at once, one line per variable.
func Parse(getenv func(string) string) (Config, error) {
	p := parser{getenv: getenv}
	c := Config{
		Region:           p.region(envRegion),
		Port:             p.port(envPort, 3001),
		DBWriterHost:     p.host(envDBWriterHost, "localhost"),
		DBReaderHost:     p.host(envDBReaderHost, "localhost"),
		DBPort:           p.port(envDBPort, 3306),
		DBName:           p.str(envDBName, "marketing"),
		DBUser:           p.str(envDBUser, "app"),
		DBPassword:       getenv(envDBPassword),
		DBPasswordSecret: getenv(envDBPasswordSecret),
		DBResolver:       p.resolver(envDBResolver),
		TokenKey:         p.secret(envTokenKey, 32),

		TrustedProxies:   p.prefixes(envTrustedProxies),
		WriteRateLimit:   p.count(envWriteRateLimit, 30),
		WriteRateBurst:   p.count(envWriteRateBurst, 10),
		HealthCheckToken: p.secret(envHealthCheckToken, 16),
		LogLevel:         p.level(envLogLevel),

		MonitorInterval:   p.duration(envMonitorInterval, time.Second),
		ConsistencyWait:   p.duration(envConsistencyWait, 500*time.Millisecond),
		MaxReaderLag:      p.duration(envMaxReaderLag, 5*time.Second),
		DBConnectTimeout:  p.duration(envDBConnectTimeout, 2*time.Second),
		DBQueryTimeout:    p.duration(envDBQueryTimeout, 5*time.Second),
		DBConnMaxLifetime: p.duration(envDBConnMaxLifetime, 30*time.Second),
		ShutdownTimeout:   p.duration(envShutdownTimeout, 10*time.Second),

		// 1 s: well above a normal write from the region farthest from the
		// writer (docs/lab.md), well below what CloudFront and the ALB hold.
		WriteHold:     p.duration(envWriteHold, time.Second),
		QueueAddr:     p.optionalHost(envQueueAddr),
		QueueUser:     p.str(envQueueUser, ""),
		QueuePassword: getenv(envQueuePassword),
		QueueTLS:      p.boolean(envQueueTLS),
		QueueCluster:  p.boolean(envQueueCluster),
		RemoteReaders: p.remoteReaders(envRemoteReaders),
	}
	if c.WriteHold > MaxWriteHold {
		p.fail(envWriteHold, "%s is longer than %s: CloudFront and the ALB would end the request first", c.WriteHold, MaxWriteHold)
	}
	if len(p.errs) > 0 {
		return Config{}, errors.Join(p.errs...)
	}
	return c, nil
}

// WriterAddr is the writer endpoint with its port.
func (c Config) WriterAddr() string { return withPort(c.DBWriterHost, c.DBPort) }

// ReaderAddr is this region's reader endpoint with its port.
func (c Config) ReaderAddr() string { return withPort(c.DBReaderHost, c.DBPort) }

func withPort(host string, port int) string {
	if _, _, err := net.SplitHostPort(host); err == nil {
		return host
	}
	return net.JoinHostPort(host, strconv.Itoa(port))
}

// LogValue keeps the password out of logs: the configuration is logged at
// start so a person can see what the process was told.
func (c Config) LogValue() slog.Value {
	pw, tk := "", ""
	if c.DBPassword != "" {
		pw = "(set)"
	}
	if c.TokenKey != "" {
		tk = "(set)"
	}
	hc := ""
	if c.HealthCheckToken != "" {
		hc = "(set)"
	}
	return slog.GroupValue(
		slog.String("region", c.Region), slog.Int("port", c.Port),
		slog.String("db_writer", c.WriterAddr()), slog.String("db_reader", c.ReaderAddr()),
		slog.String("db_name", c.DBName), slog.String("db_user", c.DBUser), slog.String("db_password", pw),
		slog.String("db_password_secret", c.DBPasswordSecret),
		slog.String("db_resolver", c.DBResolver), slog.String("consistency_token_key", tk), slog.String("log_level", c.LogLevel.String()),
		slog.Int("trusted_proxies", len(c.TrustedProxies)), slog.Int("write_rate_limit", c.WriteRateLimit),
		slog.Int("write_rate_burst", c.WriteRateBurst), slog.String("health_check_token", hc),
		slog.Duration("monitor_interval", c.MonitorInterval), slog.Duration("consistency_wait", c.ConsistencyWait),
		slog.Duration("max_reader_lag", c.MaxReaderLag), slog.Duration("db_connect_timeout", c.DBConnectTimeout),
		slog.Duration("db_query_timeout", c.DBQueryTimeout), slog.Duration("db_conn_max_lifetime", c.DBConnMaxLifetime),
		slog.Duration("write_hold", c.WriteHold), slog.String("queue_addr", c.QueueAddr), slog.String("queue_user", c.QueueUser),
		slog.String("queue_password", secret(c.QueuePassword)), slog.Bool("queue_tls", c.QueueTLS), slog.Bool("queue_cluster", c.QueueCluster),
		slog.Any("remote_readers", c.RemoteReaders),
	)
}

func secret(s string) string {
	if s == "" {
		return ""
	}
	return "(set)"
}

type parser struct {
	getenv func(string) string
	errs   []error
}

func (p *parser) fail(name, format string, args ...any) {
	p.errs = append(p.errs, fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...)))
}

func (p *parser) str(name, def string) string {
	if v := strings.TrimSpace(p.getenv(name)); v != "" {
		return v
	}
	return def
}

func (p *parser) region(name string) string {
	v := strings.TrimSpace(p.getenv(name))
	if v == "" {
		p.fail(name, "is required (an AWS region such as us-east-1)")
		return ""
	}
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			p.fail(name, "%q is not a region name (lowercase letters, digits and dashes)", v)
			return ""
		}
	}
	return v
}

// secret is a key that may be unset, but is never short when set. The
// value is not repeated in the error: it is a secret.
func (p *parser) secret(name string, min int) string {
	v := strings.TrimSpace(p.getenv(name))
	if v != "" && len(v) < min {
		p.fail(name, "is %d characters, want at least %d", len(v), min)
		return ""
	}
	return v
}

func (p *parser) prefixes(name string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range strings.Split(p.getenv(name), ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		pf, err := netip.ParsePrefix(s)
		if err != nil {
			p.fail(name, "%q is not a CIDR like 10.0.0.0/16", s)
			continue
		}
		out = append(out, pf.Masked())
	}
	return out
}

func (p *parser) count(name string, def int) int {
	v := strings.TrimSpace(p.getenv(name))
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		p.fail(name, "%q is not a positive whole number", v)
		return 0
	}
	return n
}

func (p *parser) port(name string, def int) int {
	v := strings.TrimSpace(p.getenv(name))
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 65535 {
		p.fail(name, "%q is not a port (1-65535)", v)
		return 0
	}
	return n
}

func (p *parser) host(name, def string) string {
	v := strings.TrimSpace(p.getenv(name))
	if v == "" {
		return def
	}
	if h, port, err := net.SplitHostPort(v); err == nil {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || h == "" {
			p.fail(name, "%q is not host or host:port", v)
		}
		return v
	}
	if strings.ContainsAny(v, "/ @?") {
		p.fail(name, "%q is not host or host:port", v)
	}
	return v
}

func (p *parser) resolver(name string) string {
	v := strings.TrimSpace(p.getenv(name))
	if v == "" {
		return ""
	}
	h, port, err := net.SplitHostPort(v)
	if err != nil || h == "" {
		p.fail(name, "%q is not host:port of a DNS server", v)
		return ""
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		p.fail(name, "%q has no valid port", v)
	}
	return v
}

func (p *parser) level(name string) slog.Level {
	v := strings.TrimSpace(p.getenv(name))
	if v == "" {
		return slog.LevelInfo
	}
	var l slog.Level
	if err := l.UnmarshalText([]byte(v)); err != nil {
		p.fail(name, "%q is not one of debug, info, warn, error", v)
	}
	return l
}

func (p *parser) duration(name string, def time.Duration) time.Duration {
	v := strings.TrimSpace(p.getenv(name))
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		p.fail(name, "%q is not a positive duration such as 500ms or 2s", v)
		return 0
	}
	return d
}

func (p *parser) optionalHost(name string) string {
	v := strings.TrimSpace(p.getenv(name))
	if v == "" {
		return ""
	}
	h, port, err := net.SplitHostPort(v)
	if n, perr := strconv.Atoi(port); err != nil || h == "" || perr != nil || n < 1 || n > 65535 {
		p.fail(name, "%q is not host:port", v)
		return ""
	}
	return v
}

func (p *parser) boolean(name string) bool {
	v := strings.TrimSpace(p.getenv(name))
	if v == "" {
		return false
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		p.fail(name, "%q is not true or false", v)
	}
	return b
}

// remoteReaders parses "region=host:port,region=host:port".
func (p *parser) remoteReaders(name string) []RemoteReader {
	v := strings.TrimSpace(p.getenv(name))
	if v == "" {
		return nil
	}
	var out []RemoteReader
	seen := map[string]bool{}
	for _, item := range strings.Split(v, ",") {
		region, addr, ok := strings.Cut(strings.TrimSpace(item), "=")
		h, port, err := net.SplitHostPort(addr)
		n, perr := strconv.Atoi(port)
		if !ok || region == "" || err != nil || h == "" || perr != nil || n < 1 || n > 65535 {
			p.fail(name, "%q is not region=host:port", item)
			return nil
		}
		if seen[region] {
			p.fail(name, "%s appears twice", region)
			return nil
		}
		seen[region] = true
		out = append(out, RemoteReader{Region: region, Addr: addr})
	}
	return out
}
