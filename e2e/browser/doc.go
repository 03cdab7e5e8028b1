// Package browser holds the site's browser tests: Debian's chromium, driven
// by chromedp, against a real frontend, a real backend and a real database.
// Screenshots of every page go to test-results/screenshots/.
package browser
