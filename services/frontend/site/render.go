package site

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"time"

	"hyundai-poc.com/contract"
)

// view is what every page template gets.
type view struct {
	Title       string
	Description string
	Nav         string // the active navigation entry
	Region      string // the region that served the page
	Market      string
	Path        string // the current path, for the market switch
	RequestID   string
	Status      int
	// Refresh, when above 0, reloads the page after that many seconds.
	Refresh int
	Data    any
}

func (s *Server) loadTemplates() error {
	funcs := template.FuncMap{
		"asset":      func(name string) string { return "/static/" + name + "?v=" + s.assets[name] },
		"money":      money,
		"powertrain": powertrainLabel,
		"body":       bodyLabel,
		"marketName": marketName,
		"lang":       func(market string) string { return map[string]string{contract.MarketKR: "ko"}[market] },
		"date":       humanDate,
		"clock": func(t time.Time) string {
			if t.IsZero() {
				return "–"
			}
			return t.UTC().Format("15:04:05") + " UTC"
		},
		"firstName": func(name string) string {
			if f := strings.Fields(name); len(f) > 0 {
				return f[0]
			}
			return name
		},
	}
	pages, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return err
	}
	s.pages = map[string]*template.Template{}
	for _, p := range pages {
		name := strings.TrimPrefix(p, "templates/")
		if name == "layout.html" {
			continue
		}
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", p)
		if err != nil {
			return fmt.Errorf("template %s: %w", name, err)
		}
		s.pages[strings.TrimSuffix(name, ".html")] = t
	}
	return nil
}

// render writes a page. It renders into a buffer first, so a template
// error is a clean error page, never half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page string, v view) {
	v.Region = s.cfg.Region
	if v.Market == "" {
		v.Market = s.marketOf(r)
	}
	v.Path = r.URL.Path
	v.RequestID = r.Header.Get(contract.HeaderRequestID)
	v.Status = status
	t, ok := s.pages[page]
	var buf bytes.Buffer
	if ok {
		if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
			s.log.ErrorContext(r.Context(), "render", "page", page, "error", err)
			ok = false
		}
	}
	if !ok {
		http.Error(w, "Something went wrong on our side.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// The market cookie changes pages: a shared cache must key on it.
	w.Header().Add("Vary", "Cookie")
	if w.Header().Get("Cache-Control") == "" {
		w.Header().Set("Cache-Control", "no-cache")
	}
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

type errorView struct {
	Title string
	Text  string
	// Retry is the address to try again, for failures that pass.
	Retry string
}

// errorPage is the one place errors become pages (or JSON for API clients).
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, status int, title, text string) {
	if wantsJSON(r) {
		code := strings.ToLower(strings.ReplaceAll(http.StatusText(status), " ", "_"))
		writeJSON(w, status, errorBody(code, title))
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	ev := errorView{Title: title, Text: text}
	if status >= 500 && r.Method == http.MethodGet {
		ev.Retry = r.URL.RequestURI()
	}
	s.render(w, r, status, "error", view{Title: title, Data: ev})
}

// marketOf is the visitor's market: ?market= (remembered in a cookie), the
// cookie, or the region's default.
func (s *Server) marketOf(r *http.Request) string {
	if m := strings.ToUpper(r.URL.Query().Get("market")); contract.ValidMarket(m) {
		return m
	}
	if c, err := r.Cookie("market"); err == nil && contract.ValidMarket(c.Value) {
		return c.Value
	}
	return s.cfg.Market()
}

// rememberMarket stores an explicit market choice for the next pages.
func (s *Server) rememberMarket(w http.ResponseWriter, r *http.Request) {
	m := strings.ToUpper(r.URL.Query().Get("market"))
	if !contract.ValidMarket(m) {
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: "market", Value: m, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: clientOf(r).HTTPS, SameSite: http.SameSiteLaxMode,
	})
}

func marketName(m string) string {
	switch m {
	case contract.MarketKR:
		return "Korea"
	case contract.MarketUS:
		return "United States"
	}
	return m
}

// money formats a price the way its market writes it: $42,600, ₩52,500,000.
func money(p *contract.Price) string {
	if p == nil {
		return ""
	}
	sym := map[string]string{"USD": "$", "KRW": "₩"}[p.Currency]
	if sym == "" {
		sym = p.Currency + " "
	}
	digits := strconv.FormatInt(p.MSRP, 10)
	var b strings.Builder
	for i, c := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return sym + b.String()
}

func powertrainLabel(p string) string {
	switch p {
	case "electric":
		return "Electric"
	case "hybrid":
		return "Hybrid"
	case "hydrogen":
		return "Hydrogen fuel cell"
	case "gasoline":
		return "Gasoline"
	}
	return p
}

func bodyLabel(b string) string {
	switch b {
	case "suv":
		return "SUV"
	case "sedan":
		return "Sedan"
	}
	return b
}

func humanDate(s string) string {
	for _, layout := range []string{"2006-01-02", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			if layout == time.RFC3339Nano {
				return t.UTC().Format("2 Jan 2006, 15:04 UTC")
			}
			return t.Format("2 Jan 2006")
		}
	}
	return s
}
