package browser_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"hyundai-poc.com/e2e/internal/sitetest"
	"hyundai-poc.com/frontend/config"
	"hyundai-poc.com/reporoot"
)

// Phone is the viewport of the phone screenshots (an iPhone 14 in CSS pixels).
const phoneW, phoneH = 390, 844

// chromium finds Debian's browser. Without it the tests fail in CI (CI is
// set there: the project installs chromium) and skip elsewhere.
func chromium(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is missing; scripts/install-deps.sh chromium installs it")
	}
	t.Skip("chromium is missing; install it with scripts/install-deps.sh chromium (as root)")
	return ""
}

// tab is one browser with one tab, and everything the page reported.
type tab struct {
	t        *testing.T
	ctx      context.Context
	mu       sync.Mutex
	messages []chromedp.ConsoleMessage
	// expected are documents the test asked for knowing they answer an
	// error status (a 404 page, a form with errors); the browser logs
	// those loads, and they are the point of the test.
	expected map[string]bool
}

// expectErrorStatus marks a document URL whose error status is intended.
func (tb *tab) expectErrorStatus(url string) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	tb.expected[url] = true
}

// newTab starts a fresh headless chromium (its own profile directory) and
// records every console message, exception, log entry and CSP violation.
func newTab(t *testing.T) *tab {
	t.Helper()
	path := chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
	})
	tb := &tab{t: t, ctx: ctx, expected: map[string]bool{}}

	// Subscribing creates the tab, so nothing the pages say is lost.
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			tb.mu.Lock()
			tb.messages = append(tb.messages, m)
			tb.mu.Unlock()
		}
	}()
	// Every document reports CSP violations to the console as errors, in
	// addition to the browser's own messages and the policy's report-uri.
	_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `document.addEventListener('securitypolicyviolation', function (e) {
			console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + e.blockedURI);
		});`,
	})
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	t.Cleanup(tb.checkConsole)
	return tb
}

// checkConsole fails the test on any console error, uncaught exception or
// CSP violation the pages reported.
func (tb *tab) checkConsole() {
	// Stop the page's scripts first: servers stop after this.
	ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
	defer cancel()
	_ = chromedp.Do(ctx, chromedp.Navigate("about:blank"))
	tb.mu.Lock()
	defer tb.mu.Unlock()
	for _, m := range tb.messages {
		bad := m.Type == chromedp.ConsoleError || m.IsException() ||
			strings.Contains(m.Text, "Content Security Policy") || strings.Contains(m.Text, "CSP violation")
		if m.Source == "network" && strings.HasPrefix(m.Text, "Failed to load resource: the server responded with a status of ") && tb.expected[m.URL] {
			continue
		}
		if bad {
			tb.t.Errorf("browser console: %s (%s:%d)", m, m.URL, m.Line)
		}
	}
}

func (tb *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tb.t.Fatalf("browser: %v", err)
	}
}

func run[T any](tb *tab, a chromedp.Action[T]) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		tb.t.Fatalf("browser: %v", err)
	}
	return v
}

// navigate loads url and returns the HTTP status of the document.
func (tb *tab) navigate(url string) int64 {
	tb.t.Helper()
	resp := run(tb, chromedp.NavigateResponse(url))
	return resp.Status
}

// waitFor waits until the JavaScript condition holds; on timeout it shows
// what the page said instead.
func (tb *tab) waitFor(cond string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 20*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](cond, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		body, _ := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.body.innerText`))
		tb.t.Fatalf("waiting for %s: %v\npage:\n%s", cond, err, body)
	}
}

// textContent reads an element's text, also when it is visually hidden.
func (tb *tab) textContent(sel string) string {
	tb.t.Helper()
	return run(tb, chromedp.TextContent(chromedp.CSS(sel)))
}

func (tb *tab) text(sel string) string {
	tb.t.Helper()
	return run(tb, chromedp.Text(chromedp.CSS(sel)))
}

// screenshot saves the whole page as test-results/screenshots/name.png, at
// desktop size and, with phone set, at phone size.
func (tb *tab) screenshot(name string) {
	tb.t.Helper()
	dir := filepath.Join(reporoot.ForTest(tb.t), "test-results", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.t.Fatal(err)
	}
	png := run(tb, chromedp.FullScreenshot(100))
	file := filepath.Join(dir, name+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
	tb.t.Logf("screenshot %s", file)
}

// accessible checks the basics a screen reader needs on the current page:
// a language, one h1, a label for every control, a name for every link and
// button, and a state for every invalid field that points at its message.
func (tb *tab) accessible() {
	tb.t.Helper()
	problems := run(tb, chromedp.Evaluate[[]string](`(function () {
		var p = [];
		if (!document.documentElement.lang) { p.push('html has no lang'); }
		var h1 = document.querySelectorAll('h1').length;
		if (h1 !== 1) { p.push(h1 + ' h1 elements'); }
		document.querySelectorAll('input:not([type=hidden]), select, textarea').forEach(function (el) {
			if (!el.id || !document.querySelector('label[for="' + el.id + '"]')) { p.push('no label for ' + (el.name || el.outerHTML)); }
		});
		document.querySelectorAll('a, button').forEach(function (el) {
			if (!(el.textContent.trim() || el.getAttribute('aria-label'))) { p.push('no name: ' + el.outerHTML.slice(0, 80)); }
		});
		document.querySelectorAll('[aria-invalid=true]').forEach(function (el) {
			var ids = (el.getAttribute('aria-describedby') || '').split(' ');
			if (!ids.some(function (id) { return id && document.getElementById(id); })) { p.push('invalid ' + el.id + ' has no message'); }
		});
		return p;
	})()`))
	for _, p := range problems {
		tb.t.Errorf("accessibility: %s", p)
	}
}

// screenshots saves the page at desktop size as name.png and at phone
// size as name-phone.png.
func (tb *tab) screenshots(name string) {
	tb.t.Helper()
	tb.screenshot(name)
	tb.phone()
	tb.screenshot(name + "-phone")
	tb.desktop()
}

// phone switches the tab to a phone viewport (and back with desktop).
func (tb *tab) phone() {
	tb.do(chromedp.EmulateViewport(phoneW, phoneH, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
}

func (tb *tab) desktop() { tb.do(chromedp.EmulateViewport(1280, 900)) }

// submitClick clicks a button and waits for the page it loads.
func (tb *tab) submitClick(sel string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel))))
	if err != nil {
		tb.t.Fatalf("browser: click %s: %v", sel, err)
	}
}

// site is a real frontend and backend for one test.
type site struct {
	be *sitetest.Backend
	fe *sitetest.Frontend
}

func startSite(t *testing.T, region string, endpoints ...config.Endpoint) site {
	t.Helper()
	be := sitetest.StartBackend(t, region)
	fe := sitetest.StartFrontend(t, sitetest.Options{Region: region, BackendURL: be.URL, Endpoints: endpoints})
	return site{be: be, fe: fe}
}

// counter reads one sample of the frontend's /metrics.
func counter(t *testing.T, fe *sitetest.Frontend, series string) float64 {
	t.Helper()
	resp, err := http.Get(fe.MetricsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("metric %s: %v", l, err)
			}
			return f
		}
	}
	return 0
}

// noCSPReports checks that browsers sent the frontend no violation reports.
func noCSPReports(t *testing.T, fe *sitetest.Frontend) {
	t.Helper()
	if n := counter(t, fe, "frontend_csp_reports_total"); n != 0 {
		t.Errorf("the frontend received %v CSP violation reports", n)
	}
}

func TestHomeShowsCampaignsFromTheDatabase(t *testing.T) {
	t.Parallel()
	s := startSite(t, "us-east-1")
	tb := newTab(t)
	if st := tb.navigate(s.fe.URL + "/"); st != http.StatusOK {
		t.Fatalf("home: HTTP %d", st)
	}
	got := tb.text(`[data-testid="campaigns"]`)
	for _, title := range s.be.CampaignTitles(t, "US") {
		if !strings.Contains(got, title) {
			t.Errorf("home page lacks the campaign %q; it shows %q", title, got)
		}
	}
	tb.accessible()
	if r := tb.text(`[data-testid="footer-region"]`); r != "us-east-1" {
		t.Errorf("footer region %q", r)
	}
	tb.screenshot("home")

	// The market switch, without script: a plain link.
	tb.submitClick(`.market a[hreflang="ko"]`)
	got = tb.text(`[data-testid="campaigns"]`)
	for _, title := range s.be.CampaignTitles(t, "KR") {
		if !strings.Contains(got, title) {
			t.Errorf("KR home page lacks the campaign %q", title)
		}
	}
	tb.screenshot("home-kr")
	tb.navigate(s.fe.URL + "/?market=US")
	tb.phone()
	tb.navigate(s.fe.URL + "/")
	tb.screenshot("home-phone")
	tb.desktop()
	noCSPReports(t, s.fe)
}

func TestVehiclePages(t *testing.T) {
	t.Parallel()
	s := startSite(t, "us-east-1")
	tb := newTab(t)
	tb.navigate(s.fe.URL + "/vehicles")
	if got := tb.text(`[data-testid="vehicles"]`); !strings.Contains(got, "IONIQ 5") || !strings.Contains(got, "$42,600") {
		t.Errorf("vehicles page shows %q", got)
	}
	tb.accessible()
	tb.screenshot("vehicles")
	tb.submitClick(`a[href="/vehicles/ioniq-5"]`)
	if p := tb.text(`[data-testid="price"]`); !strings.Contains(p, "$42,600") {
		t.Errorf("vehicle price %q", p)
	}
	tb.accessible()
	tb.screenshot("vehicle")
	tb.phone()
	tb.navigate(s.fe.URL + "/vehicles")
	tb.screenshot("vehicles-phone")
	tb.desktop()
	tb.expectErrorStatus(s.fe.URL + "/no-such-page")
	if st := tb.navigate(s.fe.URL + "/no-such-page"); st != http.StatusNotFound {
		t.Errorf("missing page: HTTP %d", st)
	}
	if h := tb.text("h1"); !strings.Contains(h, "find that page") {
		t.Errorf("404 heading %q", h)
	}
	tb.accessible()
	tb.screenshot("not-found")
	noCSPReports(t, s.fe)
}

func fillLead(tb *tab, email, phone string, consent bool) {
	tb.t.Helper()
	tb.do(
		chromedp.WaitVisible(chromedp.ID("name")),
		chromedp.SendKeys(chromedp.ID("name"), "Kim Minji"),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("phone"), phone),
		chromedp.SetValue(chromedp.ID("vehicle_id"), "ioniq-5"),
		chromedp.SendKeys(chromedp.ID("message"), "Weekend please"),
	)
	if consent {
		tb.do(chromedp.Click(chromedp.ID("consent")))
	}
}

func TestTestDriveBadInputShowsFieldErrors(t *testing.T) {
	t.Parallel()
	s := startSite(t, "us-east-1")
	tb := newTab(t)
	before := s.be.LeadCount(t)
	tb.navigate(s.fe.URL + "/test-drive")
	fillLead(tb, "minji@", "12345", false)
	tb.expectErrorStatus(s.fe.URL + "/test-drive") // 422 with the errors
	tb.submitClick(`[data-testid="submit"]`)

	summary := tb.text(`[data-testid="error-summary"]`)
	for _, f := range []string{"Email", "Phone", "Consent"} {
		if !strings.Contains(summary, f) {
			t.Errorf("error summary %q does not name %s", summary, f)
		}
	}
	for _, id := range []string{"email-error", "phone-error", "consent-error"} {
		if msg := tb.text("#" + id); msg == "" {
			t.Errorf("no inline error #%s", id)
		}
	}
	if v := run(tb, chromedp.Value(chromedp.ID("name"))); v != "Kim Minji" {
		t.Errorf("name not kept: %q", v)
	}
	if v := run(tb, chromedp.Value(chromedp.ID("email"))); v != "minji@" {
		t.Errorf("email not kept: %q", v)
	}
	// The error summary takes the focus, so screen readers announce it.
	if id := run(tb, chromedp.Evaluate[string](`document.activeElement.id`)); id != "error-summary" {
		t.Errorf("focus on %q, want the error summary", id)
	}
	if n := s.be.LeadCount(t); n != before {
		t.Errorf("bad input wrote %d leads", n-before)
	}
	tb.accessible()
	tb.screenshots("test-drive-errors")
	noCSPReports(t, s.fe)
}

func TestTestDriveDoubleClickMakesOneLead(t *testing.T) {
	t.Parallel()
	s := startSite(t, "us-east-1")
	tb := newTab(t)
	before := s.be.LeadCount(t)
	tb.navigate(s.fe.URL + "/test-drive")
	fillLead(tb, "minji@example.com", "+82 10 1234 5678", true)
	tb.screenshot("test-drive")

	// A double click on a slow network: the first post is on its way
	// (its answer held back by the browser's network emulation) when the
	// second click sends the form again. Both posts reach the site with
	// the form's one idempotency key.
	box := run(tb, chromedp.Dimensions(chromedp.CSS(`[data-testid="submit"]`)))
	if box == nil || len(box.Content) < 8 {
		t.Fatal("submit button not found")
	}
	x := (box.Content[0] + box.Content[2]) / 2
	y := (box.Content[1] + box.Content[5]) / 2
	const posted = `http_requests_total{method="POST",route="/test-drive",status="303"}`
	slow := []*network.Conditions{{Latency: 800, DownloadThroughput: -1, UploadThroughput: -1}}
	if _, err := chromedp.Call(tb.ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: slow}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(tb.ctx, 30*time.Second)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Steps(
		chromedp.MouseClickXY(x, y),
		// The second click comes once the site has the first post, while
		// the browser still waits for its answer.
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			for counter(t, s.fe, posted) < 1 {
				if err := ctx.Err(); err != nil {
					return err
				}
				time.Sleep(10 * time.Millisecond)
			}
			return nil
		}),
		chromedp.MouseClickXY(x, y, chromedp.ClickCount(2)),
	)))
	if err != nil {
		t.Fatalf("double click: %v", err)
	}
	if _, err := chromedp.Call(tb.ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: []*network.Conditions{}}); err != nil {
		t.Fatal(err)
	}
	tb.do(chromedp.WaitVisible(chromedp.CSS(`[data-testid="confirmation"]`)))
	if h := tb.text("h1"); h != "Thank you, Kim." {
		t.Errorf("confirmation heading %q", h)
	}
	loc := run(tb, chromedp.Location())
	if !strings.Contains(loc, "/test-drive/thanks?id=") || !strings.Contains(loc, "&t=") {
		t.Errorf("confirmation address %q lacks the lead id and token", loc)
	}
	if n := s.be.LeadCount(t) - before; n != 1 {
		t.Errorf("a double click made %d leads, want exactly 1", n)
	}
	if posts := counter(t, s.fe, posted); posts != 2 {
		t.Errorf("the site saw %v posts of the form, want 2 (the double click did not send it twice)", posts)
	}
	tb.accessible()
	tb.screenshots("test-drive-thanks")
	noCSPReports(t, s.fe)
}

func TestStatusShowsServingRegion(t *testing.T) {
	t.Parallel()
	// Two regions on real replication; each region's site is an endpoint
	// of the latency panel, on its own origin (connect-src must allow both).
	regions := sitetest.StartRegions(t)
	eastLn, eastURL := sitetest.Listen(t)
	westLn, westURL := sitetest.Listen(t)
	endpoints := []config.Endpoint{{Region: "us-east-1", URL: eastURL}, {Region: "us-west-2", URL: westURL}}
	sitetest.StartFrontend(t, sitetest.Options{Region: "us-east-1", BackendURL: regions.East.URL, Endpoints: endpoints, Listener: eastLn})
	west := sitetest.StartFrontend(t, sitetest.Options{Region: "us-west-2", BackendURL: regions.West.URL, Endpoints: endpoints, Listener: westLn})
	tb := newTab(t)
	tb.navigate(west.URL + "/status")
	if r := tb.text(`[data-testid="serving-region"]`); r != "us-west-2" {
		t.Errorf("serving region %q, want us-west-2", r)
	}
	if w := tb.text(`[data-testid="writer-region"]`); w != "us-east-1" {
		t.Errorf("writer region %q, want us-east-1", w)
	}
	if r := tb.text(`[data-field="reader.region"]`); r != "us-west-2" {
		t.Errorf("reader region %q, want us-west-2", r)
	}
	// The script polled /api/region and measured both endpoints.
	tb.do(chromedp.WaitVisible(chromedp.CSS(".live-dot.is-live")))
	tb.waitFor(`document.querySelectorAll('[data-legend] .rtt').length === 2 &&
		Array.from(document.querySelectorAll('[data-legend] .rtt')).every(function (e) { return / ms$/.test(e.textContent); }) &&
		Array.from(document.querySelectorAll('[data-chart] path.series')).filter(function (p) { return /L/.test(p.getAttribute('d')); }).length === 2`)
	if lag := tb.text(`[data-field="replication_lag_ms"]`); lag == "" || lag == "–" {
		t.Errorf("replication lag %q, want a number", lag)
	}
	tb.accessible()
	tb.screenshots("status")
	noCSPReports(t, west)
}

// TestStatusShowsTheWriterMoving: during a switchover the open dashboard
// shows the writer leaving us-east-1 for us-west-2, with no reload.
func TestStatusShowsTheWriterMoving(t *testing.T) {
	t.Parallel()
	drill := sitetest.StartDrill(t)
	fe := sitetest.StartFrontend(t, sitetest.Options{Region: "us-west-2", BackendURL: drill.West.URL})
	tb := newTab(t)
	tb.navigate(fe.URL + "/status")
	tb.do(chromedp.WaitVisible(chromedp.CSS(".live-dot.is-live")))
	if w := tb.text(`[data-testid="writer-region"]`); w != "us-east-1" {
		t.Fatalf("writer region before the switchover %q, want us-east-1", w)
	}
	// A mark on this document: a reload would lose it.
	tb.do(chromedp.Evaluate[chromedp.Void](`window.sameDocument = true`))
	drill.Switchover(t)
	tb.waitFor(`document.querySelector('[data-testid="writer-region"]').textContent === 'us-west-2' &&
		document.querySelector('[data-field="writer.region"]').textContent === 'us-west-2' &&
		!document.querySelector('[data-region="us-west-2"] [data-role="writer"]').hidden &&
		document.querySelector('[data-region="us-east-1"] [data-role="writer"]').hidden`)
	if a := tb.textContent(`[data-field="announce"]`); a != "The writer moved from us-east-1 to us-west-2." {
		t.Errorf("screen-reader announcement %q", a)
	}
	if !run(tb, chromedp.Evaluate[bool](`window.sameDocument === true`)) {
		t.Error("the page was reloaded; the dashboard should update in place")
	}
	tb.accessible()
	tb.screenshot("status-writer-moved")
}

// TestBackendDownPage: with the backend gone, a visitor gets a clear page
// (502), not a hang or a browser error.
func TestBackendDownPage(t *testing.T) {
	t.Parallel()
	fe := sitetest.StartFrontend(t, sitetest.Options{BackendURL: sitetest.ClosedURL(t)})
	tb := newTab(t)
	tb.expectErrorStatus(fe.URL + "/")
	if st := tb.navigate(fe.URL + "/"); st != http.StatusBadGateway {
		t.Errorf("home with the backend down: HTTP %d, want 502", st)
	}
	if h := tb.text("h1"); !strings.Contains(h, "trouble reaching") {
		t.Errorf("heading %q", h)
	}
	tb.accessible()
	tb.screenshot("backend-down")
}

// TestCSPViolationsAreCaught proves the watch the other tests rely on: an
// inline style the policy forbids is blocked, reported to the console and
// to the frontend's report endpoint.
func TestCSPViolationsAreCaught(t *testing.T) {
	t.Parallel()
	fe := sitetest.StartFrontend(t, sitetest.Options{BackendURL: sitetest.ClosedURL(t)})
	tb := newTab(t)
	tb.navigate(fe.URL + "/no-such-page")
	tb.do(chromedp.Evaluate[chromedp.Void](`(function () {
		var s = document.createElement('style');
		s.textContent = 'body { background: red; }';
		document.head.appendChild(s);
	})()`))
	if bg := run(tb, chromedp.Evaluate[string](`getComputedStyle(document.body).backgroundColor`)); bg == "rgb(255, 0, 0)" {
		t.Error("the policy let an inline style through")
	}
	tb.waitFor(`true`) // one round trip, so the console events are in
	deadline := time.Now().Add(10 * time.Second)
	for counter(t, fe, "frontend_csp_reports_total") < 1 {
		if time.Now().After(deadline) {
			t.Fatal("no CSP report reached the frontend")
		}
		time.Sleep(50 * time.Millisecond)
	}
	tb.mu.Lock()
	var seen bool
	for _, m := range tb.messages {
		seen = seen || strings.Contains(m.Text, "CSP violation: style-src")
	}
	// What this test provoked is not a finding of the cleanup check.
	tb.messages = nil
	tb.mu.Unlock()
	if !seen {
		t.Error("the violation did not reach the console watch")
	}
}

// TestWorksWithoutScript: the form and the dashboard are plain HTML; the
// script only enhances them.
func TestWorksWithoutScript(t *testing.T) {
	t.Parallel()
	s := startSite(t, "us-east-1")
	tb := newTab(t)
	if _, err := chromedp.Call(tb.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	before := s.be.LeadCount(t)
	tb.navigate(s.fe.URL + "/test-drive?vehicle=nexo")
	tb.do(
		chromedp.SendKeys(chromedp.ID("name"), "Alex Park"),
		chromedp.SendKeys(chromedp.ID("email"), "alex@example.com"),
		chromedp.Click(chromedp.ID("consent")),
	)
	tb.submitClick(`[data-testid="submit"]`)
	if h := tb.text("h1"); h != "Thank you, Alex." {
		t.Errorf("confirmation heading without script %q", h)
	}
	if got := tb.text(`[data-testid="confirmation"]`); !strings.Contains(got, "NEXO") {
		t.Errorf("confirmation does not name the vehicle: %q", got)
	}
	if n := s.be.LeadCount(t) - before; n != 1 {
		t.Errorf("%d leads, want 1", n)
	}
	tb.navigate(s.fe.URL + "/status")
	if r := tb.text(`[data-testid="serving-region"]`); r != "us-east-1" {
		t.Errorf("serving region without script %q", r)
	}
	tb.screenshot("status-noscript")
}
