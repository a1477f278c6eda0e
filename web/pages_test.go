package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/api"
	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/projections"
	"github.com/welfare-ledger/welfare-ledger/web"
)

// shown returns the text of the element with the given id on a page.
func shown(t *testing.T, p page, id string) string {
	t.Helper()
	m := regexp.MustCompile(`id="` + regexp.QuoteMeta(id) + `"[^>]*>([^<]*)<`).FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no element id=%q on the page:\n%s", id, p.body)
	}
	return m[1]
}

func vnd(t *testing.T, v any) string {
	t.Helper()
	s, ok := v.(string)
	if !ok {
		t.Fatalf("amount %v is %T, want a string", v, v)
	}
	return domain.FormatVND(domain.MustVND(s))
}

func count(t *testing.T, v any) string {
	t.Helper()
	n, err := v.(interface{ Int64() (int64, error) }).Int64()
	if err != nil {
		t.Fatalf("count %v: %v", v, err)
	}
	return domain.FormatCount(n)
}

func field(m map[string]any, path ...string) any {
	var v any = m
	for _, k := range path {
		v = v.(map[string]any)[k]
	}
	return v
}

// figureCells returns what a page's figures must read (by id) for the
// API's summary sum of the same query: the totals, the counts, persons and
// times, and the breakdown's table.
func figureCells(t *testing.T, sum map[string]any) map[string]string {
	t.Helper()
	want := map[string]string{
		"total-donations":         vnd(t, field(sum, "totals", "donations")),
		"total-shelter-grants":    vnd(t, field(sum, "totals", "shelter_grants")),
		"total-assistance-grants": vnd(t, field(sum, "totals", "assistance_grants")),
		"total-loans-disbursed":   vnd(t, field(sum, "totals", "loans_disbursed")),
		"total-repayments":        vnd(t, field(sum, "totals", "repayments")),
		"count-donations":         count(t, field(sum, "counts", "donations")),
		"count-shelter-new-build": count(t, field(sum, "counts", "shelter_grants", "new_build")),
		"count-shelter-repair":    count(t, field(sum, "counts", "shelter_grants", "repair")),
		"count-assistance-grants": count(t, field(sum, "counts", "assistance_grants")),
		"count-loans":             count(t, field(sum, "counts", "loans")),
		"count-repayments":        count(t, field(sum, "counts", "repayments")),
		"count-reversals":         count(t, field(sum, "counts", "reversals")),
		"persons":                 count(t, field(sum, "beneficiaries", "persons")),
		"times":                   count(t, field(sum, "beneficiaries", "times")),
	}
	for id, w := range breakdownCells(t, sum) {
		want[id] = w
	}
	return want
}

// checkFigures compares the figures table of a page with the API's answer
// for the same query.
func checkFigures(t *testing.T, p page, sum map[string]any) {
	t.Helper()
	for id, w := range figureCells(t, sum) {
		if got := shown(t, p, id); got != w {
			t.Errorf("%s = %q, want %q (the API's figure)", id, got, w)
		}
	}
}

// TestPagesShowTheAPIFigures: a unit page and a fund page show the API's
// figures for the same query, written the Vietnamese way in both
// languages.
func TestPagesShowTheAPIFigures(t *testing.T) {
	e := newEnv(t)
	e.fixture()
	official := e.token(domain.RoleOfficial, "vgcl")
	b := e.signedIn(official)
	units := []struct{ unit, query string }{
		{"lang-son", ""},
		{"lang-son", "from=2018-01-01&to=2023-12-31"},
		{"lang-son", "from=2020-01-01&to=2020-12-31"},
		{"lang-son", "from=2020-12-01&to=2020-12-01"},
		{"vgcl", "to=2019-12-31"},
		{"lang-son-cao-loc", "from=2019-01-01"},
	}
	for _, lang := range []string{"", "en"} {
		for _, c := range units {
			name := fmt.Sprintf("unit %s ?%s lang=%s", c.unit, c.query, lang)
			t.Run(name, func(t *testing.T) {
				sum := summary(t, e.apiAs(official, "GET", "/v1/units/"+c.unit+"/summary?"+c.query, "", http.StatusOK))
				q, _ := url.ParseQuery(c.query)
				if lang != "" {
					q.Set("lang", lang)
				}
				p := b.get("/units/" + c.unit + "?" + q.Encode())
				if p.status != http.StatusOK {
					t.Fatalf("GET /units/%s = %d %s", c.unit, p.status, p.body)
				}
				checkFigures(t, p, sum)
				for id, key := range map[string]string{"opening-balance": "opening_balance", "closing-balance": "closing_balance"} {
					if got, want := shown(t, p, id), vnd(t, sum[key]); got != want {
						t.Errorf("%s = %q, want %q", id, got, want)
					}
				}
				closing := domain.MustVND(sum["closing_balance"].(string))
				wantHeadline := domain.HeadlineHedged(closing)
				if lang == "en" {
					wantHeadline = domain.Headline(closing)
				}
				if got := shown(t, p, "closing-headline"); got != wantHeadline {
					t.Errorf("closing headline = %q, want %q", got, wantHeadline)
				}
				// Every fund line of the roll-up is on the page, with its
				// closing balance.
				for _, l := range sum["funds"].([]any) {
					line := l.(map[string]any)
					if !strings.Contains(p.body, line["fund_id"].(string)) || !strings.Contains(p.body, vnd(t, line["closing_balance"])) {
						t.Errorf("fund line %s (closing %s) is not on the page", line["fund_id"], line["closing_balance"])
					}
				}
			})
		}
		for _, c := range []struct{ fund, query string }{
			{socialFund, ""}, {socialFund, "as_of=2020-11-30"}, {socialFund, "as_of=2020-12-01"},
			{loanFund, "as_of=2019-12-31"}, {loanFund, ""}, {socialFund, "as_of=2017-06-01"},
		} {
			t.Run(fmt.Sprintf("fund %s ?%s lang=%s", c.fund, c.query, lang), func(t *testing.T) {
				sum := summary(t, e.apiAs(official, "GET", "/v1/funds/"+c.fund+"?"+c.query, "", http.StatusOK))
				q, _ := url.ParseQuery(c.query)
				if lang != "" {
					q.Set("lang", lang)
				}
				p := b.get("/funds/" + c.fund + "?" + q.Encode())
				if p.status != http.StatusOK {
					t.Fatalf("GET /funds/%s = %d %s", c.fund, p.status, p.body)
				}
				checkFigures(t, p, sum)
				for id, key := range map[string]string{"balance": "balance", "loans-outstanding": "loans_outstanding", "capital": "capital"} {
					if got, want := shown(t, p, id), vnd(t, sum[key]); got != want {
						t.Errorf("%s = %q, want %q", id, got, want)
					}
				}
			})
		}
	}
}

// TestDashboardShowsTheAPIFunds: the dashboard's cards carry the figures
// of GET /v1/funds for the same token, and its tree every unit of the
// scope.
func TestDashboardShowsTheAPIFunds(t *testing.T) {
	e := newEnv(t)
	e.fixture()
	official := e.token(domain.RoleOfficial, "lang-son")
	var list struct{ Items []map[string]any }
	if err := json.Unmarshal(e.apiAs(official, "GET", "/v1/funds", "", http.StatusOK), &list); err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 2 {
		t.Fatalf("GET /v1/funds as the official lists %d funds, want Lạng Sơn's 2", len(list.Items))
	}
	for _, lang := range []string{"", "?lang=en"} {
		p := e.signedIn(official).get("/" + lang)
		cards := strings.Split(p.body, `<li class="card">`)[1:]
		if len(cards) != len(list.Items) {
			t.Fatalf("GET /%s shows %d fund cards, want %d", lang, len(cards), len(list.Items))
		}
		for i, f := range list.Items {
			for _, key := range []string{"balance", "capital", "loans_outstanding"} {
				want := `<span class="exact">` + vnd(t, f[key]) + `</span>`
				if !strings.Contains(cards[i], want) || !strings.Contains(cards[i], f["fund_id"].(string)) {
					t.Errorf("GET /%s: card %d lacks %s %s of fund %s", lang, i, key, want, f["fund_id"])
				}
			}
		}
		for _, u := range []string{`href="/units/lang-son`, `href="/units/lang-son-cao-loc`} {
			if !strings.Contains(p.body, u) {
				t.Errorf("GET /%s: the tree lacks %s", lang, u)
			}
		}
		if strings.Contains(p.body, `href="/units/vgcl`) || strings.Contains(p.body, `href="/units/bac-lieu`) {
			t.Errorf("GET /%s: the tree shows units outside the scope", lang)
		}
	}
}

// TestPagesLanguage: Vietnamese by default, English with lang=en, and the
// amounts written the same way in both.
func TestPagesLanguage(t *testing.T) {
	e := newEnv(t)
	e.fixture()
	b := e.signedIn(e.token(domain.RoleOfficial, "lang-son"))
	vi := b.get("/units/lang-son")
	en := b.get("/units/lang-son?lang=en")
	for _, c := range []struct {
		p          page
		lang, word string
		notWord    string
	}{
		{vi, "vi", "Số dư cuối kỳ", "Closing balance"},
		{en, "en", "Closing balance", "Số dư cuối kỳ"},
	} {
		if c.p.status != http.StatusOK {
			t.Fatalf("lang %s: %d %s", c.lang, c.p.status, c.p.body)
		}
		if !strings.Contains(c.p.body, `<html lang="`+c.lang+`">`) || !strings.Contains(c.p.body, c.word) || strings.Contains(c.p.body, c.notWord) {
			t.Errorf("lang %s: want html lang=%s with %q and without %q", c.lang, c.lang, c.word, c.notWord)
		}
	}
	if a, b := shown(t, vi, "closing-balance"), shown(t, en, "closing-balance"); a != b || !strings.HasSuffix(a, " ₫") || !strings.Contains(a, ".") {
		t.Errorf("closing balance vi %q, en %q: want the same Vietnamese writing", a, b)
	}
	// Links keep the language.
	if !strings.Contains(en.body, `href="/funds/`+socialFund+`?lang=en"`) {
		t.Errorf("the English page links its fund without lang=en")
	}
}

// TestPagesWithholdPersonalData walks every page as every role over a
// history whose every free-text and personal field holds a marker, and
// finds none (API.md, "Access": withheld on every route and page).
func TestPagesWithholdPersonalData(t *testing.T) {
	e := newEnv(t)
	e.fixture()
	// The marker is in the log: the test can fail.
	raw := e.api("GET", "/v1/funds/"+socialFund+"/transactions", "", http.StatusOK)
	if !strings.Contains(string(raw), marker) {
		t.Fatalf("the fixture holds no marker: %s", raw)
	}
	pages := []string{"/", "/login"}
	for _, u := range []string{"vgcl", "lang-son", "lang-son-cao-loc", "bac-lieu"} {
		pages = append(pages, "/units/"+u, "/units/"+u+"?from=2018-01-01&to=2023-12-31", "/units/"+u+"?from=2020-12-01&to=2020-12-01")
	}
	for _, f := range []string{socialFund, loanFund, bacLieuFund} {
		pages = append(pages, "/funds/"+f, "/funds/"+f+"?as_of=2020-12-01", "/funds/"+f+"?as_of=2019-04-01",
			"/funds/"+f+"/statement", "/funds/"+f+"/statement?from=2020-12-01&to=2020-12-31", "/funds/"+f+"/statement?format=csv")
	}
	for _, role := range []domain.Role{domain.RoleOfficial, domain.RoleAuditor, domain.RoleManager, domain.RoleAdmin} {
		scope := domain.UnitID("vgcl")
		if role == domain.RoleAdmin {
			scope = "" // the whole ledger
		}
		b := e.signedIn(e.token(role, scope))
		for _, path := range pages {
			for _, lang := range []string{"", "lang=en"} {
				full := path
				if lang != "" {
					full += map[bool]string{true: "&", false: "?"}[strings.Contains(path, "?")] + lang
				}
				p := b.get(full)
				if p.status != http.StatusOK {
					t.Errorf("%s GET %s = %d", role, full, p.status)
					continue
				}
				if p.header.Get("Content-Type") != "text/html; charset=utf-8" && !strings.HasPrefix(p.header.Get("Content-Type"), "text/csv") {
					t.Errorf("%s GET %s: Content-Type %q", role, full, p.header.Get("Content-Type"))
				}
				if i := strings.Index(p.body, marker); i >= 0 {
					t.Errorf("%s GET %s shows personal data: …%s…", role, full, p.body[max(0, i-80):min(len(p.body), i+40)])
				}
			}
		}
		for _, f := range []string{socialFund, loanFund, bacLieuFund} {
			x := b.get("/funds/" + f + "/statement?format=xlsx")
			if text := unzipped(t, x.body); x.status != http.StatusOK || strings.Contains(text, marker) || !strings.Contains(text, "Số dư cuối kỳ") {
				t.Errorf("%s: the XLSX statement of %s = %d, shows personal data %v", role, f, x.status, strings.Contains(text, marker))
			}
		}
	}
}

// TestPageErrors: each bad request is a page in the page's language that
// says what went wrong, with the right status and none of the figures.
func TestPageErrors(t *testing.T) {
	e := newEnv(t)
	e.fixture()
	b := e.signedIn(e.token(domain.RoleOfficial, "lang-son"))
	bacLieuName := "Quỹ Xã hội tỉnh Bạc Liêu"
	for _, c := range []struct {
		name, path string
		status     int
		want       string
	}{
		{"unknown unit", "/units/ha-noi", 404, "Không có đơn vị &#34;ha-noi&#34;."},
		{"unknown unit, English", "/units/ha-noi?lang=en", 404, "There is no unit &#34;ha-noi&#34;."},
		{"malformed unit", "/units/HA_NOI", 404, "Không có đơn vị"},
		{"unknown fund", "/funds/0190a0b4-7c3e-7d2f-9b1a-ffffffffffff", 404, "Không có quỹ"},
		{"malformed fund", "/funds/not-a-uuid?lang=en", 404, "There is no fund"},
		{"unit outside the scope", "/units/bac-lieu", 403, "nằm ngoài phạm vi"},
		{"unit above the scope", "/units/vgcl?lang=en", 403, "outside this token&#39;s scope"},
		{"fund outside the scope", "/funds/" + bacLieuFund + "?lang=en", 403, "outside this token&#39;s scope"},
		{"from after to", "/units/lang-son?from=2023-12-31&to=2018-01-01", 400, "Ngày bắt đầu (31/12/2023) sau ngày kết thúc (01/01/2018)."},
		{"from after to, English", "/units/lang-son?from=2023-12-31&to=2018-01-01&lang=en", 400, "The start date (31/12/2023) is after the end date (01/01/2018)."},
		{"malformed from", "/units/lang-son?from=2023-02-30&lang=en", 400, "The parameter from must be a real date"},
		{"malformed to", "/units/lang-son?to=31/12/2023", 400, "Tham số to phải là một ngày có thật"},
		{"malformed as_of", "/funds/" + socialFund + "?as_of=yesterday", 400, "Tham số as_of"},
		{"from only after today", "/units/lang-son?from=2025-01-01", 400, "sau ngày kết thúc"},
		{"wrong lang", "/units/lang-son?lang=fr", 400, "Ngôn ngữ &#34;fr&#34; không có"},
		{"lang twice", "/units/lang-son?lang=en&lang=vi", 400, "Ngôn ngữ"},
		{"unknown parameter", "/units/lang-son?as_of=2020-01-01&lang=en", 400, "This page takes no parameter &#34;as_of&#34;."},
		{"parameter twice", "/funds/" + socialFund + "?as_of=2020-01-01&as_of=2021-01-01", 400, "chỉ được cho một lần"},
		{"malformed query", "/units/lang-son?from=%zz", 400, "không hợp lệ"},
		{"statement of an unknown fund", "/funds/0190a0b4-7c3e-7d2f-9b1a-ffffffffffff/statement", 404, "Không có quỹ"},
		{"statement outside the scope", "/funds/" + bacLieuFund + "/statement?format=csv", 403, "nằm ngoài phạm vi"},
		{"statement from after to", "/funds/" + socialFund + "/statement?from=2020-02-01&to=2020-01-01&lang=en", 400, "The start date (01/02/2020) is after the end date (01/01/2020)."},
		{"statement to before the opening", "/funds/" + socialFund + "/statement?to=2017-05-01", 400, "Ngày kết thúc (01/05/2017) trước ngày thành lập quỹ (01/01/2018)."},
		{"statement in an unknown format", "/funds/" + socialFund + "/statement?format=pdf&lang=en", 400, "There is no format &#34;pdf&#34;"},
		{"statement with a malformed date", "/funds/" + socialFund + "/statement?from=2020-13-01", 400, "Tham số from"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := b.get(c.path)
			if p.status != c.status {
				t.Fatalf("GET %s = %d, want %d:\n%s", c.path, p.status, c.status, p.body)
			}
			if !strings.Contains(p.body, c.want) {
				t.Errorf("GET %s: the page does not say %q:\n%s", c.path, c.want, p.body)
			}
			if ct := p.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type = %q, want an HTML page", ct)
			}
			for _, figure := range []string{bacLieuName, "777.000.000 ₫", "Tổng Liên đoàn"} {
				if strings.Contains(p.body, figure) {
					t.Errorf("GET %s shows %q of a unit outside the scope", c.path, figure)
				}
			}
		})
	}
}

// TestSignIn: the cookie and its attributes, a bad token, signing out,
// pages without a session, cross-site posts, and a revoked token.
func TestSignIn(t *testing.T) {
	e := newEnv(t)
	e.fixture()
	official := e.token(domain.RoleOfficial, "lang-son")

	t.Run("not signed in", func(t *testing.T) {
		for _, path := range []string{"/", "/units/lang-son", "/funds/" + socialFund + "?lang=en"} {
			p := e.browser().get(path)
			if p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/login") {
				t.Errorf("GET %s without a session = %d to %q, want 303 to /login", path, p.status, p.header.Get("Location"))
			}
			if strings.Contains(p.body, "Lạng Sơn") {
				t.Errorf("GET %s without a session shows the unit", path)
			}
		}
	})
	t.Run("the form", func(t *testing.T) {
		p := e.browser().get("/login?lang=en")
		if p.status != http.StatusOK || !strings.Contains(p.body, `<label for="token">Access token</label>`) || !strings.Contains(p.body, `action="/login"`) {
			t.Errorf("GET /login = %d, want the labelled form:\n%s", p.status, p.body)
		}
	})
	t.Run("a good token", func(t *testing.T) {
		b := e.browser()
		p := b.post("/login", url.Values{"token": {official}, "lang": {"en"}})
		if p.status != http.StatusSeeOther || p.header.Get("Location") != "/?lang=en" {
			t.Fatalf("POST /login = %d to %q, want 303 to /?lang=en", p.status, p.header.Get("Location"))
		}
		c := p.header.Get("Set-Cookie")
		for _, attr := range []string{"wl_session=" + official, "HttpOnly", "SameSite=Strict", "Path=/"} {
			if !strings.Contains(c, attr) {
				t.Errorf("Set-Cookie %q lacks %s", c, attr)
			}
		}
		if strings.Contains(c, "Secure") {
			t.Errorf("Set-Cookie %q is Secure over plain HTTP, where the browser would drop it", c)
		}
		home := b.get("/?lang=en")
		if home.status != http.StatusOK || !strings.Contains(home.body, "Quỹ Xã hội tỉnh Lạng Sơn") || strings.Contains(home.body, "Bạc Liêu") {
			t.Errorf("GET / signed in = %d, want the scope's funds and no other:\n%s", home.status, home.body)
		}
		// The cookie authenticates the pages, never the API.
		req, _ := http.NewRequest(http.MethodGet, e.http.URL+"/v1/funds/"+socialFund, nil)
		if p := b.do(req); p.status != http.StatusUnauthorized {
			t.Errorf("GET /v1/funds with only the cookie = %d, want 401", p.status)
		}
		out := b.post("/logout?lang=en", nil)
		if out.status != http.StatusSeeOther || !strings.Contains(out.header.Get("Set-Cookie"), "Max-Age=0") {
			t.Errorf("POST /logout = %d, Set-Cookie %q: want 303 and the cookie cleared", out.status, out.header.Get("Set-Cookie"))
		}
		if p := b.get("/"); p.status != http.StatusSeeOther {
			t.Errorf("GET / after signing out = %d, want 303 to the form", p.status)
		}
	})
	t.Run("bad tokens", func(t *testing.T) {
		for _, token := range []string{"", "wl_nonsense", official + "x", strings.Repeat("A", 300)} {
			for _, lang := range []string{"vi", "en"} {
				p := e.browser().post("/login", url.Values{"token": {token}, "lang": {lang}})
				want := map[string]string{"vi": "Mã truy cập không đúng", "en": "The token is unknown"}[lang]
				if p.status != http.StatusUnauthorized || !strings.Contains(p.body, want) {
					t.Errorf("POST /login token %.20q lang %s = %d, want 401 saying %q", token, lang, p.status, want)
				}
				if c := p.header.Get("Set-Cookie"); c != "" {
					t.Errorf("POST /login with a bad token set a cookie: %q", c)
				}
			}
		}
	})
	t.Run("cross-site posts", func(t *testing.T) {
		for _, h := range [][]string{
			{"Origin", "http://evil.example", "Sec-Fetch-Site", ""},
			{"Sec-Fetch-Site", "cross-site"},
		} {
			p := e.browser().post("/login", url.Values{"token": {official}}, h...)
			if p.status != http.StatusForbidden || p.header.Get("Set-Cookie") != "" || !strings.Contains(p.body, "trang khác") {
				t.Errorf("POST /login with %v = %d (Set-Cookie %q), want 403 and no cookie", h, p.status, p.header.Get("Set-Cookie"))
			}
		}
	})
	t.Run("a revoked token ends the session", func(t *testing.T) {
		tok := e.token(domain.RoleOfficial, "lang-son")
		b := e.signedIn(tok)
		if p := b.get("/units/lang-son"); p.status != http.StatusOK {
			t.Fatalf("GET /units/lang-son = %d", p.status)
		}
		id, _ := domain.TokenID(tok)
		e.api("DELETE", "/v1/tokens/"+id.String(), "", http.StatusNoContent)
		if p := b.get("/units/lang-son"); p.status != http.StatusSeeOther {
			t.Errorf("GET /units/lang-son after revocation = %d, want 303 to the form", p.status)
		}
	})
}

// TestPageHeaders: pages carry their own policy (their stylesheet and
// forms, nothing from elsewhere); the API keeps its strict one.
func TestPageHeaders(t *testing.T) {
	e := newEnv(t)
	e.fixture()
	b := e.signedIn(e.token(domain.RoleOfficial, "vgcl"))
	for _, path := range []string{"/", "/login", "/units/lang-son", "/funds/" + socialFund, "/units/nowhere", "/assets/style.css"} {
		p := b.get(path)
		csp := p.header.Get("Content-Security-Policy")
		for _, d := range []string{"default-src 'none'", "style-src 'self'", "form-action 'self'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, d) {
				t.Errorf("GET %s: CSP %q lacks %s", path, csp, d)
			}
		}
		if strings.Contains(csp, "script-src") || p.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: CSP %q allows scripts or nosniff is missing", path, csp)
		}
		// Nothing is loaded from elsewhere.
		if regexp.MustCompile(`(src|href)="(https?:)?//`).MatchString(p.body) {
			t.Errorf("GET %s links outside the service", path)
		}
	}
	if css := b.get("/assets/style.css"); css.status != 200 || !strings.HasPrefix(css.header.Get("Content-Type"), "text/css") {
		t.Errorf("GET /assets/style.css = %d %q", css.status, css.header.Get("Content-Type"))
	}
	req, _ := http.NewRequest(http.MethodGet, e.http.URL+"/v1/units", nil)
	req.Header.Set("Authorization", "Bearer "+e.admin)
	if csp := b.do(req).header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'none'") {
		t.Errorf("GET /v1/units: CSP %q, want the API's strict policy", csp)
	}
}

// TestPagesWhileCatchingUp: until the projections have caught up with the
// log, every page is a 503 that says so, as the API answers not_ready, so
// nobody reads a balance computed from half the history.
func TestPagesWhileCatchingUp(t *testing.T) {
	pages := web.New(web.Config{Projections: projections.New(), Today: func() domain.Date { return domain.MustDate("2024-06-30") }})
	for _, c := range []struct{ path, want string }{
		{"/", "Hệ thống đang nạp lại sổ cái"},
		{"/units/lang-son?lang=en", "The ledger is being loaded"},
		{"/login", "Hệ thống đang nạp lại sổ cái"},
	} {
		w := httptest.NewRecorder()
		pages.ServeHTTP(w, httptest.NewRequest(http.MethodGet, c.path, nil))
		if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" || !strings.Contains(w.Body.String(), c.want) {
			t.Errorf("GET %s while catching up = %d (Retry-After %q), want 503 saying %q:\n%s", c.path, w.Code, w.Header().Get("Retry-After"), c.want, w.Body)
		}
	}
}

// TestSyntheticNotice: on the demo's ledger every page — the sign-in
// form, the figures and the errors — says the data is synthetic, in the
// page's language; on any other ledger none does.
func TestSyntheticNotice(t *testing.T) {
	for _, synthetic := range []bool{true, false} {
		e := newEnv(t, func(c *api.Config) { c.Synthetic = synthetic })
		e.fixture()
		b := e.signedIn(e.token(domain.RoleOfficial, "lang-son"))
		for _, c := range []struct {
			path, want string
			anon       bool
		}{
			{"/login", "Dữ liệu mô phỏng", true},
			{"/?lang=en", "Synthetic data", false},
			{"/units/lang-son", "Dữ liệu mô phỏng", false},
			{"/funds/" + socialFund + "?lang=en", "Synthetic data", false},
			{"/funds/" + socialFund + "/statement", "Dữ liệu mô phỏng", false},
			{"/units/bac-lieu", "Dữ liệu mô phỏng", false}, // a 403
			{"/units/nowhere?lang=en", "Synthetic data", false},
		} {
			client := b
			if c.anon {
				client = e.browser()
			}
			p := client.get(c.path)
			if got := strings.Contains(p.body, `<p class="synthetic" role="note" id="synthetic">`+c.want); got != synthetic {
				t.Errorf("synthetic %v: GET %s (%d) shows the notice: %v", synthetic, c.path, p.status, got)
			}
		}
	}
}
