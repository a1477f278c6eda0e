package web

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"sync"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/projections"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed assets
var assetFiles embed.FS

// Config is what the pages need. Projections and Today are required.
type Config struct {
	// Projections answer every figure, through the same queries the API's
	// handlers call.
	Projections *projections.Projections
	// Today is the business date of now (the API's default as_of and to).
	Today func() domain.Date
	// Logger receives internal errors; nil discards them.
	Logger *slog.Logger
	// Download writes a statement as the file the API writes for the
	// format, with everything the API withholds from officials left out
	// (for every role: pages show no personal data), and its status and
	// headers. It returns ErrDoesNotFit, wrapped and before writing
	// anything, for a statement the format cannot hold. Nil leaves the
	// statement page without its files.
	Download func(w http.ResponseWriter, r *http.Request, st *projections.Statement, format DownloadFormat) error
	// Synthetic says the ledger holds a synthetic history (serve --demo):
	// every page, the sign-in form and the errors included, says so at
	// its top, so that no figure of the demo is ever taken for a union's.
	Synthetic bool
}

// Pages serves the officials' pages. Create it with New.
type Pages struct {
	proj      *projections.Projections
	today     func() domain.Date
	log       *slog.Logger
	templates map[string]*template.Template
	mux       *http.ServeMux
	download  func(http.ResponseWriter, *http.Request, *projections.Statement, DownloadFormat) error
	synthetic bool
	// crossOrigin refuses a POST a browser sent from another site (see
	// doc.go, "Forms and CSRF").
	crossOrigin *http.CrossOriginProtection
}

// Route is one route the pages answer, in net/http's pattern syntax
// ("/units/{unit_id}"); the API mounts each.
type Route struct {
	Method, Path string
}

// Routes lists every route of the pages.
var Routes = []Route{
	{http.MethodGet, "/"},
	{http.MethodGet, "/login"},
	{http.MethodPost, "/login"},
	{http.MethodPost, "/logout"},
	{http.MethodGet, "/units/{unit_id}"},
	{http.MethodGet, "/funds/{fund_id}"},
	{http.MethodGet, "/funds/{fund_id}/statement"},
	{http.MethodGet, "/assets/style.css"},
}

// pageNames are the templates, each parsed with the layout.
var pageNames = []string{"home", "login", "unit", "fund", "statement", "error"}

var parsed struct {
	once      sync.Once
	templates map[string]*template.Template
}

// parseTemplates parses the embedded templates once per process; they are
// fixed at build time, so a failure is a bug that every test shows.
func parseTemplates() map[string]*template.Template {
	parsed.once.Do(func() {
		parsed.templates = make(map[string]*template.Template, len(pageNames))
		for _, name := range pageNames {
			t := template.New(name).Funcs(templateFuncs)
			parsed.templates[name] = template.Must(t.ParseFS(templateFiles, "templates/layout.html", "templates/"+name+".html"))
		}
	})
	return parsed.templates
}

// New returns the pages. It panics if a required part of cfg is missing:
// that is a wiring bug in the caller, not bad input.
func New(cfg Config) *Pages {
	if cfg.Projections == nil || cfg.Today == nil {
		panic("web: New needs Projections and Today")
	}
	p := &Pages{proj: cfg.Projections, today: cfg.Today, log: cfg.Logger, templates: parseTemplates(),
		crossOrigin: http.NewCrossOriginProtection(), download: cfg.Download, synthetic: cfg.Synthetic}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	p.crossOrigin.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.fail(w, r, langOf(r), pageError{status: http.StatusForbidden, key: "err.cross.origin"})
	}))
	assets, err := fs.Sub(assetFiles, "assets")
	if err != nil {
		panic(err) // the embedded directory exists at build time
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", p.home)
	mux.HandleFunc("GET /login", p.loginForm)
	mux.Handle("POST /login", p.crossOrigin.Handler(http.HandlerFunc(p.login)))
	mux.Handle("POST /logout", p.crossOrigin.Handler(http.HandlerFunc(p.logout)))
	mux.HandleFunc("GET /units/{unit_id}", p.unit)
	mux.HandleFunc("GET /funds/{fund_id}", p.fund)
	mux.HandleFunc("GET /funds/{fund_id}/statement", p.statement)
	mux.Handle("GET /assets/", http.StripPrefix("/assets/", http.FileServerFS(assets)))
	p.mux = mux
	return p
}

// Page security headers, built once (see doc.go, "Security headers"). The
// API's own policy forbids everything, forms included; a page needs its
// stylesheet and its forms, and nothing else: no script, no frame, no
// request to another origin. The inline SVG chart is part of the document
// and needs no source.
var (
	pageCSP        = []string{"default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"}
	pageNoSniff    = []string{"nosniff"}
	pageNoStore    = []string{"no-store"}
	pageDenyFrames = []string{"DENY"}
	pageNoReferrer = []string{"no-referrer"}
)

// ServeHTTP answers a page request.
func (p *Pages) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h["Content-Security-Policy"] = pageCSP
	h["X-Content-Type-Options"] = pageNoSniff
	// Figures are as of the request; a shared or back-button cache would
	// show yesterday's balance, or one unit's figures to the next user.
	h["Cache-Control"] = pageNoStore
	h["X-Frame-Options"] = pageDenyFrames
	h["Referrer-Policy"] = pageNoReferrer
	if !p.proj.Ready() {
		h.Set("Retry-After", "1")
		p.fail(w, r, langOf(r), pageError{status: http.StatusServiceUnavailable, key: "err.not.ready"})
		return
	}
	p.mux.ServeHTTP(w, r)
}

// render writes the page name with data, status and the HTML content type.
// It renders into a buffer first, so that a template error is a clean 500
// page, never half a page with a 200.
func (p *Pages) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var buf bytes.Buffer
	if err := p.templates[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		p.log.ErrorContext(r.Context(), "render page", "page", name, "error", err)
		if name != "error" {
			p.fail(w, r, langOf(r), pageError{status: http.StatusInternalServerError, key: "err.internal"})
			return
		}
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes()) // a client gone away is not our failure
}
