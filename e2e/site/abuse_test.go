package site_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"hyundai-poc.com/e2e/internal/sitetest"
)

// The form token is bound to the visitor's session: a token from another
// session, or one without a session, is refused; after a successful post
// the session rotates, the token it replaced works for one more post (a
// double submit stays one lead), and the one before that no longer does.
func TestCSRFTokenBoundToTheSession(t *testing.T) {
	be := sitetest.StartBackend(t, "us-east-1")
	fe := sitetest.StartFrontend(t, sitetest.Options{BackendURL: be.URL})

	alice, mallory := browser(t), browser(t)
	aliceForm := openForm(t, alice, fe.URL)
	malloryForm := openForm(t, mallory, fe.URL)
	if aliceForm.Get("csrf_token") == malloryForm.Get("csrf_token") {
		t.Fatal("two sessions got the same form token")
	}
	// Mallory's token in Alice's browser, and a token with no session.
	mustStatus(t, post(t, alice, fe.URL+"/test-drive", goodLead(url.Values{"csrf_token": {malloryForm.Get("csrf_token")},
		"idempotency_key": {aliceForm.Get("idempotency_key")}}), nil), http.StatusForbidden)
	mustStatus(t, post(t, browser(t), fe.URL+"/test-drive", goodLead(aliceForm), nil), http.StatusForbidden)
	// A cookie and a field that merely match (the old double submit) are
	// worth nothing: the token must be the session's HMAC.
	forger := browser(t)
	u, _ := url.Parse(fe.URL)
	forger.Jar.SetCookies(u, []*http.Cookie{{Name: "sid", Value: strings.Repeat("b", 32)}, {Name: "csrf", Value: strings.Repeat("b", 32)}})
	mustStatus(t, post(t, forger, fe.URL+"/test-drive", goodLead(url.Values{"csrf_token": {strings.Repeat("b", 32)}}), nil), http.StatusForbidden)

	first := post(t, alice, fe.URL+"/test-drive", goodLead(aliceForm), nil)
	mustStatus(t, first, http.StatusSeeOther)
	// Sent twice: still accepted, and the same lead.
	again := post(t, alice, fe.URL+"/test-drive", goodLead(aliceForm), nil)
	mustStatus(t, again, http.StatusSeeOther)
	if strings.Split(again.Header.Get("Location"), "&")[0] != strings.Split(first.Header.Get("Location"), "&")[0] {
		t.Errorf("a double submit made another lead: %q then %q", first.Header.Get("Location"), again.Header.Get("Location"))
	}
	// A new form has a new token; once it is used, the first is dead.
	second := openForm(t, alice, fe.URL)
	if second.Get("csrf_token") == aliceForm.Get("csrf_token") {
		t.Fatal("the token did not rotate after a successful post")
	}
	mustStatus(t, post(t, alice, fe.URL+"/test-drive", goodLead(second), nil), http.StatusSeeOther)
	stale := goodLead(aliceForm)
	stale.Set("idempotency_key", strings.Repeat("c", 32))
	mustStatus(t, post(t, alice, fe.URL+"/test-drive", stale, nil), http.StatusForbidden)
}

// Behind a proxy that rewrites Host (CloudFront, the lab's edge), a
// same-origin post carries the public Origin and, from older browsers, no
// Sec-Fetch-Site: it is accepted when that origin is configured, and a
// post from any other origin is not.
func TestSameOriginPostThroughAHostRewritingProxy(t *testing.T) {
	be := sitetest.StartBackend(t, "us-east-1")
	fe := sitetest.StartFrontend(t, sitetest.Options{BackendURL: be.URL, Env: map[string]string{"PUBLIC_ORIGINS": "https://www.example.com"}})
	c := browser(t)
	form := goodLead(openForm(t, c, fe.URL))
	mustStatus(t, post(t, c, fe.URL+"/test-drive", form, map[string]string{"Origin": "https://evil.example.net"}), http.StatusForbidden)
	mustStatus(t, post(t, c, fe.URL+"/test-drive", form, map[string]string{"Origin": "https://www.example.com"}), http.StatusSeeOther)
}

// A client's mistakes are 4xx answers, never 5xx: a garbage token on the
// confirmation page, a badly framed body on the API proxy.
func TestClientMistakesAreNot5xx(t *testing.T) {
	be := sitetest.StartBackend(t, "us-east-1")
	fe := sitetest.StartFrontend(t, sitetest.Options{BackendURL: be.URL})
	c := browser(t)
	for _, tok := range []string{"garbage", "us-east-1/0a1b2c3d:5", "us-east-1/0a1b2c3d:5:" + strings.Repeat("A", 22)} {
		a := get(t, c, fe.URL+"/test-drive/thanks?id="+strings.Repeat("0", 32)+"&t="+url.QueryEscape(tok))
		if a.Status != http.StatusNotFound {
			t.Errorf("thanks with t=%q: %d, want 404", tok, a.Status)
		}
	}
	addr := strings.TrimPrefix(fe.URL, "http://")
	for name, body := range map[string]string{"bad chunk size": "zz\r\nabcd\r\n0\r\n\r\n", "bare LF": "4\nabcd\n0\n\n"} {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		_, _ = io.WriteString(conn, "POST /api/leads HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"+body)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		conn.Close()
		if err != nil {
			t.Errorf("%s: no answer: %v", name, err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode < 400 || resp.StatusCode >= 500 {
			t.Errorf("%s through the API proxy: %d, want a 4xx", name, resp.StatusCode)
		}
	}
}

// Only addresses are recorded as the client: an entry of X-Forwarded-For
// that is not one ends the walk at the proxy that wrote it.
func TestForwardedForKeepsOnlyAddresses(t *testing.T) {
	got := make(chan http.Header, 1)
	fe := sitetest.StartFrontend(t, sitetest.Options{BackendURL: sitetest.HeaderRecorder(t, got)})
	do(t, browser(t), http.MethodGet, fe.URL+"/api/region", nil, map[string]string{"X-Forwarded-For": "203.0.113.9, <script>"})
	if xff := (<-got).Get("X-Forwarded-For"); xff != "127.0.0.1" {
		t.Errorf("X-Forwarded-For passed on as %q, want the proxy's own address", xff)
	}
}
