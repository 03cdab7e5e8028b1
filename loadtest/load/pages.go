package load

import (
	"context"
	"io"
	"net/http"
	"net/http/httptrace"
	"regexp"
	"strings"
	"time"

	"hyundai-poc.com/loadtest/stats"
)

// PagePaths are the pages whose weight and time to first byte are reported.
var PagePaths = []string{"/", "/vehicles", "/status"}

// assetRef finds same-origin styles, scripts, images and icons a page names.
var assetRef = regexp.MustCompile(`(?:src|href)="(/[^"#?]*\.(?:css|js|mjs|svg|png|jpe?g|webp|avif|ico|woff2?))(?:\?[^"]*)?"`)

// Assets lists the same-origin assets an HTML page references, each once,
// in order of first appearance.
func Assets(page string) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range assetRef.FindAllStringSubmatch(page, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			out = append(out, m[1])
		}
	}
	return out
}

// MeasurePages fetches each page n times from each location through the
// edge, timing the first byte, and weighs it with its assets. One fetch
// before the timed ones is not counted: it opens the connection through
// the edge, which a visitor's browser then keeps for every later page.
func MeasurePages(ctx context.Context, edge string, paths, locations []string, n int) ([]Page, error) {
	hc := &http.Client{Timeout: 10 * time.Second}
	defer hc.CloseIdleConnections()
	get := func(path, loc string) (body []byte, ttfb time.Duration, err error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(edge, "/")+path, nil)
		if err != nil {
			return nil, 0, err
		}
		req.Header.Set("X-Client-Location", loc)
		var start time.Time
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
			GotFirstResponseByte: func() { ttfb = time.Since(start) },
		}))
		start = time.Now()
		resp, err := hc.Do(req)
		if err != nil {
			return nil, 0, err
		}
		defer resp.Body.Close()
		body, err = io.ReadAll(io.LimitReader(resp.Body, 8<<20))
		return body, ttfb, err
	}
	var out []Page
	for _, loc := range locations {
		for _, path := range paths {
			p := Page{Path: path, Location: loc}
			var ttfbs []time.Duration
			var html []byte
			if _, _, err := get(path, loc); err != nil {
				return out, err
			}
			for range n {
				body, ttfb, err := get(path, loc)
				if err != nil {
					return out, err
				}
				html = body
				ttfbs = append(ttfbs, ttfb)
			}
			p.HTMLBytes = len(html)
			for _, a := range Assets(string(html)) {
				body, _, err := get(a, loc)
				if err != nil {
					return out, err
				}
				p.Assets++
				p.AssetBytes += len(body)
			}
			p.TotalBytes = p.HTMLBytes + p.AssetBytes
			p.TTFB = stats.Summarize(stats.Ms(ttfbs)).Rounded()
			out = append(out, p)
		}
	}
	return out, nil
}
