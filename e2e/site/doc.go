// Package site holds the site's HTTP tests: a real frontend handler in
// front of the real backend binary and a real database, asserting pages,
// forms, the /api proxy and the answers when the backend is down or hangs.
package site
