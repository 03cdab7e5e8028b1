package check_test

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/miekg/dns"

	"hyundai-poc.com/lab/geo"
	"hyundai-poc.com/reporoot"
)

// needTool skips when a tool is missing, except in CI where make test
// installs it (scripts/install-deps.sh) and its absence is a failure.
func needTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed (CI is set): scripts/install-deps.sh installs it", name)
		}
		t.Skipf("%s is not installed; run scripts/install-deps.sh", name)
	}
}

// geoDNS is an authoritative server for example.test. that answers the
// geolocation name origin.example.test. by EDNS0 client-subnet, as Route53
// geolocation does, and each region's own origin name with that region's
// address.
type geoDNS struct {
	regionAddr map[string]string // region -> address
	bySubnet   func(ip net.IP) string
}

func (g *geoDNS) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	q := req.Question[0]
	var subnet net.IP
	if opt := req.IsEdns0(); opt != nil {
		for _, o := range opt.Option {
			if s, ok := o.(*dns.EDNS0_SUBNET); ok {
				subnet = s.Address
				// Echo the option with the scope the answer applies to.
				reply := *s
				reply.SourceScope = s.SourceNetmask
				m.SetEdns0(4096, false)
				m.IsEdns0().Option = append(m.IsEdns0().Option, &reply)
			}
		}
	}
	region := ""
	switch {
	case q.Name == "origin.example.test.":
		region = "us-east-1" // the default record
		if subnet != nil {
			region = g.bySubnet(subnet)
		}
	case strings.HasSuffix(q.Name, ".origin.example.test."):
		region = strings.TrimSuffix(q.Name, ".origin.example.test.")
	}
	if addr, ok := g.regionAddr[region]; ok && q.Qtype == dns.TypeA {
		m.Answer = append(m.Answer, &dns.A{
			Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 60},
			A:   net.ParseIP(addr),
		})
	} else if region == "" {
		m.Rcode = dns.RcodeNameError
	}
	_ = w.WriteMsg(m)
}

func startDNS(t *testing.T, h dns.Handler) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: h}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go func() { _ = srv.ActivateAndServe() }()
	<-started
	t.Cleanup(func() { _ = srv.Shutdown() })
	_, port, _ := net.SplitHostPort(pc.LocalAddr().String())
	return port
}

func runScript(t *testing.T, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = reporoot.ForTest(t)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return string(out), code
}

func TestDNSScriptChecksEachMarketsRegion(t *testing.T) {
	needTool(t, "dig")
	addrs := map[string]string{"us-east-1": "127.0.3.1", "us-west-2": "127.0.3.2", "ap-northeast-2": "127.0.3.3"}
	// The test server routes as Route53 would, by the lab edge's reading of
	// the project's one location table: the script's idea of where each
	// market goes must agree with deploy/geo/locations.json.
	byPrefix := geolocate(t, map[string]string{
		"175.223.": "KR",    // the script's Korean subnet
		"3.80.":    "US-VA", // its East-US subnet (Virginia)
		"34.208.":  "US-OR", // its West-US subnet (Oregon)
	})

	t.Run("right answers pass", func(t *testing.T) {
		port := startDNS(t, &geoDNS{regionAddr: addrs, bySubnet: byPrefix})
		out, code := runScript(t, "scripts/test-dns.sh", "--domain", "example.test", "--server", "127.0.0.1", "--port", port)
		if code != 0 {
			t.Fatalf("test-dns.sh failed against a correct server (exit %d):\n%s", code, out)
		}
		for _, want := range []string{"ok    Korea (175.223.0.0/24) -> ap-northeast-2", "ok    US east (3.80.0.0/24) -> us-east-1", "ok    US west (34.208.0.0/24) -> us-west-2"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
	})

	// A server that ignores the client subnet sends everyone to the
	// default region: the script must say Korea and the US west are wrong.
	t.Run("a server that ignores the subnet fails", func(t *testing.T) {
		port := startDNS(t, &geoDNS{regionAddr: addrs, bySubnet: func(net.IP) string { return "us-east-1" }})
		out, code := runScript(t, "scripts/test-dns.sh", "--domain", "example.test", "--server", "127.0.0.1", "--port", port)
		if code == 0 {
			t.Fatalf("test-dns.sh passed against a server that ignores client subnets:\n%s", out)
		}
		for _, want := range []string{"FAIL  Korea", "FAIL  US west", "ok    US east"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
	})

	t.Run("bad arguments", func(t *testing.T) {
		out, code := runScript(t, "scripts/test-dns.sh", "--port", "x", "--server", "127.0.0.1")
		if code != 2 || strings.Count(strings.TrimSpace(out), "\n") != 0 {
			t.Errorf("want exit 2 and one line for a bad port, got %d:\n%s", code, out)
		}
	})
}

// verifyToken is the operator token the test server wants on writes.
const verifyToken = "test-operator-token"

func TestVerifyDeploymentScript(t *testing.T) {
	needTool(t, "curl")
	needTool(t, "jq")
	t.Setenv("HEALTH_CHECK_TOKEN", verifyToken)
	// One TLS server stands in for CloudFront: /_region/R/... is region R,
	// as the distribution's per-region behaviors are. regionOf says which
	// region really answers, writes whether a region's writes succeed.
	serve := func(regionOf func(pinned string) string, writes func(region string) bool) *httptest.Server {
		srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			pinned, path := "us-east-1", r.URL.Path
			if rest, ok := strings.CutPrefix(path, "/_region/"); ok {
				pinned, path, _ = strings.Cut(rest, "/")
				path = "/" + path
			}
			region := regionOf(pinned)
			w.Header().Set("Content-Type", "application/json")
			switch {
			case path == "/healthz":
				_ = json.NewEncoder(w).Encode(map[string]string{"status": "ok", "region": region})
			case path == "/" || path == "/api/vehicles":
				w.WriteHeader(http.StatusOK)
			case path == "/api/health-checks" && r.Method == http.MethodPost && r.Header.Get("Authorization") != "Bearer "+verifyToken:
				w.WriteHeader(http.StatusUnauthorized)
			case path == "/api/health-checks" && r.Method == http.MethodPost && r.Header.Get("Idempotency-Key") != "":
				if !writes(region) {
					w.WriteHeader(http.StatusServiceUnavailable)
					_, _ = w.Write([]byte(`{"error":{"code":"unavailable","message":"no writer"}}`))
					return
				}
				w.WriteHeader(http.StatusCreated)
				_ = json.NewEncoder(w).Encode(map[string]any{"health_check": map[string]string{"region": region, "writer_node": "us-east-1/node1"}})
			default:
				http.NotFound(w, r)
			}
		}))
		t.Cleanup(srv.Close)
		return srv
	}
	addr := func(srv *httptest.Server) string { return strings.TrimPrefix(srv.URL, "https://") }
	honest := func(r string) string { return r }
	all := func(string) bool { return true }

	t.Run("a healthy deployment passes", func(t *testing.T) {
		out, code := runScript(t, "scripts/verify-deployment.sh", "--domain", "example.test", "--connect-to", addr(serve(honest, all)), "--insecure")
		if code != 0 {
			t.Fatalf("verify failed against a healthy deployment (exit %d):\n%s", code, out)
		}
		if n := strings.Count(out, "ok    "); n != 9 {
			t.Errorf("want 9 passing checks, got %d:\n%s", n, out)
		}
	})

	t.Run("a region answering for another fails", func(t *testing.T) {
		out, code := runScript(t, "scripts/verify-deployment.sh", "--domain", "example.test", "--connect-to", addr(serve(func(string) string { return "us-east-1" }, all)), "--insecure")
		if code != 1 {
			t.Fatalf("want exit 1 when regions answer as us-east-1, got %d:\n%s", code, out)
		}
		for _, want := range []string{"FAIL  us-west-2 /healthz", "FAIL  ap-northeast-2 /healthz", "ok    us-east-1 /healthz"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
	})

	// Without the operator token no write can be checked: that fails.
	t.Run("no operator token fails the writes", func(t *testing.T) {
		t.Setenv("HEALTH_CHECK_TOKEN", "")
		out, code := runScript(t, "scripts/verify-deployment.sh", "--domain", "example.test", "--connect-to", addr(serve(honest, all)), "--insecure")
		if code != 1 || strings.Count(out, "HEALTH_CHECK_TOKEN is not set") != 3 {
			t.Fatalf("want exit 1 and three failed writes without a token, got %d:\n%s", code, out)
		}
	})

	// Reads work everywhere but Seoul cannot write (its writes cannot
	// reach the writer): verification must fail.
	t.Run("a region that cannot write fails", func(t *testing.T) {
		out, code := runScript(t, "scripts/verify-deployment.sh", "--domain", "example.test", "--connect-to", addr(serve(honest, func(r string) bool { return r != "ap-northeast-2" })), "--insecure")
		if code != 1 {
			t.Fatalf("want exit 1 when ap-northeast-2 cannot write, got %d:\n%s", code, out)
		}
		for _, want := range []string{"FAIL  ap-northeast-2 POST /api/health-checks: status 503", "ok    us-west-2 POST /api/health-checks", "ok    ap-northeast-2 /healthz"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
	})
}

// geolocate answers a client subnet's region the way Route53 geolocation
// does with deploy/geo/locations.json (the lab's geo package: US state,
// then country, then continent, then the default).
func geolocate(t *testing.T, where map[string]string) func(net.IP) string {
	t.Helper()
	table, err := geo.Load(filepath.Join(reporoot.ForTest(t), "deploy", "geo", "locations.json"))
	if err != nil {
		t.Fatal(err)
	}
	return func(ip net.IP) string {
		loc := ""
		for prefix, l := range where {
			if strings.HasPrefix(ip.String(), prefix) {
				loc = l
			}
		}
		m, err := table.Resolve(loc)
		if err != nil {
			return ""
		}
		return m.Region
	}
}
