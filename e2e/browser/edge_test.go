package browser_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"hyundai-poc.com/e2e/internal/sitetest"
	"hyundai-poc.com/lab/edge"
	"hyundai-poc.com/reporoot"
)

// These run the site behind the lab's edge, which answers by the
// distribution's behaviors (deploy/geo/edge.json): what CloudFront would
// refuse or share fails here.

func startBehindEdge(t *testing.T) (site, string) {
	t.Helper()
	s := startSite(t, "us-east-1")
	return s, sitetest.StartEdge(t, reporoot.ForTest(t), sitetest.EveryRegion(s.fe.URL))
}

func fetch(t *testing.T, c *http.Client, method, url string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestEdgeRefusesWhatCloudFrontRefuses(t *testing.T) {
	t.Parallel()
	_, edgeURL := startBehindEdge(t)
	for _, m := range []string{http.MethodPut, http.MethodPost} {
		resp, _ := fetch(t, http.DefaultClient, m, edgeURL+"/")
		if resp.StatusCode != http.StatusForbidden || resp.Header.Get(edge.HeaderCache) != edge.CacheError {
			t.Errorf("%s /: %d %q, want CloudFront's 403", m, resp.StatusCode, resp.Header.Get(edge.HeaderCache))
		}
	}
}

func TestEdgeTheFormMakesALead(t *testing.T) {
	t.Parallel()
	s, edgeURL := startBehindEdge(t)
	tb := newTab(t)
	before := s.be.LeadCount(t)
	tb.navigate(edgeURL + "/test-drive")
	fillLead(tb, "minji@example.com", "+82 10 1234 5678", true)
	tb.submitClick(`[data-testid="submit"]`)
	tb.do(chromedp.WaitVisible(chromedp.CSS(`[data-testid="confirmation"]`)))
	if h := tb.text("h1"); h != "Thank you, Kim." {
		t.Errorf("confirmation heading %q", h)
	}
	if n := s.be.LeadCount(t) - before; n != 1 {
		t.Errorf("the form through the edge made %d leads, want 1", n)
	}
}

var tokenField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
var keyField = regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`)

// Two visitors, one after the other, each with their own cookies: neither
// gets the other's form token or confirmation from the edge's cache.
func TestEdgeVisitorsNeverShareTokensOrConfirmations(t *testing.T) {
	t.Parallel()
	_, edgeURL := startBehindEdge(t)
	type visitor struct {
		c              *http.Client
		token, confirm string
	}
	newVisitor := func(name string) *visitor {
		jar, _ := cookiejar.New(nil)
		v := &visitor{c: &http.Client{Jar: jar}}
		resp, body := fetch(t, v.c, http.MethodGet, edgeURL+"/test-drive")
		m, k := tokenField.FindStringSubmatch(body), keyField.FindStringSubmatch(body)
		if resp.StatusCode != http.StatusOK || m == nil || k == nil {
			t.Fatalf("%s: form %d without token", name, resp.StatusCode)
		}
		if resp.Header.Get(edge.HeaderCache) == edge.CacheHit {
			t.Errorf("%s got the form from the edge's cache", name)
		}
		v.token = m[1]
		form := "csrf_token=" + m[1] + "&idempotency_key=" + k[1] + "&name=" + name + "&email=" + strings.ToLower(name) + "%40example.com" +
			"&phone=%2B82+10+1234+5678&vehicle_id=ioniq-5&consent=on&preferred_date="
		req, _ := http.NewRequest(http.MethodPost, edgeURL+"/test-drive", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", edgeURL)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		resp, err := v.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Request.URL.Path, "/test-drive/thanks") {
			t.Fatalf("%s: posting the form through the edge: %d at %s: %.300s", name, resp.StatusCode, resp.Request.URL, b)
		}
		v.confirm = string(b)
		return v
	}
	a, b := newVisitor("Minji"), newVisitor("Jisoo")
	if a.token == b.token {
		t.Error("two visitors got the same form token")
	}
	if !strings.Contains(a.confirm, "Minji") || strings.Contains(a.confirm, "Jisoo") ||
		!strings.Contains(b.confirm, "Jisoo") || strings.Contains(b.confirm, "Minji") {
		t.Error("a visitor's confirmation shows the other visitor's lead")
	}
	// The second visitor asks again for the form: still their own.
	_, body := fetch(t, b.c, http.MethodGet, edgeURL+"/test-drive")
	if m := tokenField.FindStringSubmatch(body); m == nil || m[1] == a.token {
		t.Error("the edge served one visitor's form token to another")
	}
}

var staticLink = regexp.MustCompile(`href="(/static/[^"]+\?v=[^"]+)"`)

func TestEdgeCachesFingerprintedStaticFiles(t *testing.T) {
	t.Parallel()
	_, edgeURL := startBehindEdge(t)
	_, home := fetch(t, http.DefaultClient, http.MethodGet, edgeURL+"/")
	m := staticLink.FindStringSubmatch(home)
	if m == nil {
		t.Fatal("the home page links no fingerprinted static file")
	}
	url := edgeURL + strings.ReplaceAll(m[1], "&amp;", "&")
	first, _ := fetch(t, http.DefaultClient, http.MethodGet, url)
	second, _ := fetch(t, http.DefaultClient, http.MethodGet, url)
	if first.Header.Get(edge.HeaderCache) != edge.CacheMiss || second.Header.Get(edge.HeaderCache) != edge.CacheHit || second.Header.Get("Age") == "" {
		t.Errorf("%s: first %q, second %q (Age %q); want a miss, then a hit from cloudfront", m[1],
			first.Header.Get(edge.HeaderCache), second.Header.Get(edge.HeaderCache), second.Header.Get("Age"))
	}
}
