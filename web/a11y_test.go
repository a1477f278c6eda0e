package web_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// TestPagesStructure checks what a screen reader and a keyboard rely on,
// on every page in both languages: the document's language, one h1, the
// landmarks, a label for every field, a caption and header cells for
// every table, a title and description for the chart, and a skip link.
func TestPagesStructure(t *testing.T) {
	e := newEnv(t)
	e.fixture()
	b := e.signedIn(e.token(domain.RoleOfficial, "vgcl"))
	input := regexp.MustCompile(`<input [^>]*>`)
	idAttr := regexp.MustCompile(`id="([^"]+)"`)
	for _, path := range []string{"/", "/units/lang-son", "/units/lang-son?from=2020-01-01&to=2020-12-31", "/funds/" + socialFund, "/funds/" + socialFund + "/statement", "/units/nowhere", "/login"} {
		for _, lang := range []string{"vi", "en"} {
			full := path
			if lang == "en" {
				full += map[bool]string{true: "&", false: "?"}[strings.Contains(path, "?")] + "lang=en"
			}
			client := b
			if path == "/login" {
				client = e.browser()
			}
			p := client.get(full)
			if p.status != http.StatusOK && p.status != http.StatusNotFound {
				t.Fatalf("GET %s = %d", full, p.status)
			}
			body := p.body
			check := func(ok bool, what string) {
				t.Helper()
				if !ok {
					t.Errorf("GET %s: %s", full, what)
				}
			}
			check(strings.Contains(body, `<html lang="`+lang+`">`), "no html lang="+lang)
			check(strings.Count(body, "<h1") == 1, "not exactly one h1")
			check(strings.Contains(body, `<main id="main"`) && strings.Contains(body, `<a class="skip" href="#main">`), "no main landmark with a skip link")
			check(strings.Contains(body, `<nav aria-label=`) && strings.Contains(body, "<header") && strings.Contains(body, "<footer"), "no labelled nav, header or footer")
			for _, in := range input.FindAllString(body, -1) {
				if strings.Contains(in, `type="hidden"`) {
					continue
				}
				m := idAttr.FindStringSubmatch(in)
				check(m != nil && strings.Contains(body, `<label for="`+m[1]+`">`), "field without a label: "+in)
			}
			check(strings.Count(body, "<table") == strings.Count(body, "<caption>"), "a table without a caption")
			check(strings.Count(body, "<table") == 0 || strings.Contains(body, `<th scope="col">`), "a table without header cells")
			if strings.Contains(body, "<svg") {
				check(strings.Contains(body, `role="img" aria-labelledby="chart-title chart-desc"`) &&
					strings.Contains(body, `<title id="chart-title">`) && strings.Contains(body, `<desc id="chart-desc">`), "the chart has no title and description")
			}
		}
	}
}
