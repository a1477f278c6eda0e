package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// maxQueryParams bounds the parameters of a page's address, as the API
// bounds its own: a page takes at most three.
const maxQueryParams = 8

// pageQuery is a page's query string, checked: only the parameters the
// page takes, each at most once.
type pageQuery struct {
	lang   Lang
	values url.Values
}

// readQuery parses r's query string, allowing the parameters named (lang
// among them). The language is read first, so that every later error is
// written in it; a bad lang itself is reported in Vietnamese.
func readQuery(r *http.Request, allowed ...string) (pageQuery, *pageError) {
	q := pageQuery{lang: Vietnamese}
	raw := r.URL.RawQuery
	if raw == "" {
		return q, nil
	}
	bad := func(key string, args ...any) *pageError {
		return &pageError{status: http.StatusBadRequest, key: key, args: args}
	}
	if strings.Count(raw, "&")+1 > maxQueryParams {
		return q, bad("err.query")
	}
	values, err := url.ParseQuery(raw)
	if err != nil {
		return q, bad("err.query")
	}
	q.values = values
	if vs, given := values["lang"]; given {
		l, ok := parseLang(vs[0], true)
		if !ok || len(vs) > 1 {
			return q, bad("err.lang", clip(vs[0]))
		}
		q.lang = l
	}
	names := make([]string, 0, len(values))
	for k := range values {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		if !slices.Contains(allowed, k) {
			return q, bad("err.param", clip(k))
		}
		if len(values[k]) > 1 {
			return q, bad("err.param.twice", clip(k))
		}
	}
	return q, nil
}

// date reads a date parameter; absent is the zero date.
func (q pageQuery) date(name string) (domain.Date, *pageError) {
	vs, given := q.values[name]
	if !given {
		return 0, nil
	}
	d, err := domain.ParseDate(vs[0])
	if err != nil {
		return 0, &pageError{status: http.StatusBadRequest, key: "err.date", args: []any{name}}
	}
	return d, nil
}

// period reads the from and to parameters; absent ones are zero.
func (q pageQuery) period() (from, to domain.Date, perr *pageError) {
	if from, perr = q.date("from"); perr != nil {
		return 0, 0, perr
	}
	to, perr = q.date("to")
	return from, to, perr
}

// langOf is the language of r's query for pages that must answer before
// (or without) checking it: an error about something else, the redirect
// after signing out. Anything but lang=en is Vietnamese.
func langOf(r *http.Request) Lang {
	if r.URL.Query().Get("lang") == string(English) {
		return English
	}
	return Vietnamese
}

// maxShownInput bounds how much of a client's input an error page repeats.
const maxShownInput = 64

// clip shortens input repeated in a message.
func clip(s string) string {
	if len(s) <= maxShownInput {
		return s
	}
	// Cut at a rune boundary so the page stays valid UTF-8.
	cut := maxShownInput
	for cut > 0 && !utf8RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
