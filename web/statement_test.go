package web_test

import (
	"archive/zip"
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/web"
)

// TestStatementPage: the page shows the API's statement for the same
// period, its files are the API's files with what officials may not see
// left out, and its bound on lines is kept.
func TestStatementPage(t *testing.T) {
	e := newEnv(t)
	e.fixture()
	official := e.token(domain.RoleOfficial, "vgcl")
	b := e.signedIn(official)
	for _, c := range []struct{ query, lang string }{
		{"", ""}, {"from=2019-01-01&to=2020-12-31", ""}, {"from=2020-12-01&to=2020-12-01", "en"}, {"to=2017-12-31&from=2017-01-01", "en"},
	} {
		// The last period is before the fund opened: an empty statement.
		sum := summary(t, e.apiAs(official, "GET", "/v1/funds/"+socialFund+"/statement?"+c.query, "", http.StatusOK))
		path := "/funds/" + socialFund + "/statement?" + c.query
		if c.lang != "" {
			path += "&lang=" + c.lang
		}
		p := b.get(path)
		if p.status != http.StatusOK {
			t.Fatalf("GET %s = %d %s", path, p.status, p.body)
		}
		for id, key := range map[string]string{"opening-balance": "opening_balance", "total-in": "total_in", "total-out": "total_out", "closing-balance": "closing_balance"} {
			if got, want := shown(t, p, id), vnd(t, sum[key]); got != want {
				t.Errorf("GET %s: %s = %q, the API says %q", path, id, got, want)
			}
		}
		lines := sum["lines"].([]any)
		if got := strings.Count(p.body, `<tr><th scope="row"><time`); got != len(lines) {
			t.Errorf("GET %s shows %d dated lines, the API has %d", path, got, len(lines))
		}
		for _, l := range lines {
			if !strings.Contains(p.body, vnd(t, l.(map[string]any)["balance"])) {
				t.Errorf("GET %s lacks the running balance %v", path, l.(map[string]any)["balance"])
			}
		}
		// The CSV is the API's, byte for byte, as an official gets it.
		apiCSV := e.apiAs(official, "GET", "/v1/funds/"+socialFund+"/statement?format=csv&"+c.query, "", http.StatusOK)
		csv := b.get("/funds/" + socialFund + "/statement?format=csv&" + c.query)
		if csv.status != http.StatusOK || csv.body != string(apiCSV) || !strings.HasPrefix(csv.header.Get("Content-Type"), "text/csv") {
			t.Errorf("CSV of %s = %d %q:\n%s\nwant the API's:\n%s", c.query, csv.status, csv.header.Get("Content-Type"), csv.body, apiCSV)
		}
		xlsx := b.get("/funds/" + socialFund + "/statement?format=xlsx&" + c.query)
		if xlsx.status != http.StatusOK || !strings.Contains(xlsx.header.Get("Content-Disposition"), ".xlsx") {
			t.Errorf("XLSX of %s = %d %q", c.query, xlsx.status, xlsx.header.Get("Content-Disposition"))
		}
		if text := unzipped(t, xlsx.body); !strings.Contains(text, "Số dư đầu kỳ") {
			t.Errorf("XLSX of %s holds no opening row", c.query)
		}
	}
	// The fund page links its statement, and the statement its files.
	if p := b.get("/funds/" + socialFund + "?as_of=2020-12-31"); !strings.Contains(p.body, `href="/funds/`+socialFund+`/statement?to=2020-12-31"`) {
		t.Errorf("the fund page does not link its statement up to its date")
	}
	if p := b.get("/funds/" + socialFund + "/statement?from=2019-01-01&to=2020-12-31"); !strings.Contains(p.body, `href="/funds/`+socialFund+`/statement?from=2019-01-01&amp;to=2020-12-31&amp;format=csv"`) {
		t.Errorf("the statement page does not link its CSV")
	}

	t.Run("at most maxStatementLines lines", func(t *testing.T) {
		old := *web.MaxStatementLines
		*web.MaxStatementLines = 3
		defer func() { *web.MaxStatementLines = old }()
		p := b.get("/funds/" + socialFund + "/statement")
		sum := summary(t, e.apiAs(official, "GET", "/v1/funds/"+socialFund+"/statement", "", http.StatusOK))
		total := len(sum["lines"].([]any))
		if total <= 3 {
			t.Fatalf("the fixture's statement has %d lines; the bound cannot show", total)
		}
		if got := strings.Count(p.body, "<tr><th scope=\"row\"><time"); got != 3 || !strings.Contains(p.body, `id="lines-more"`) {
			t.Errorf("with a bound of 3: %d lines shown, notice %v; want 3 and the notice", got, strings.Contains(p.body, `id="lines-more"`))
		}
		// The files still hold every line.
		csv := b.get("/funds/" + socialFund + "/statement?format=csv")
		if rows := strings.Count(csv.body, "\n"); rows != total+3 {
			t.Errorf("CSV has %d rows, want %d lines + header, opening and closing", rows, total)
		}
	})
}

// unzipped returns the text of every file of an XLSX (a zip), to look
// into the workbook's cells.
func unzipped(t *testing.T, body string) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader([]byte(body)), int64(len(body)))
	if err != nil {
		t.Fatalf("the XLSX is not a zip: %v", err)
	}
	var all strings.Builder
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		all.Write(b)
	}
	return all.String()
}
