package web_test

// The end-to-end test in a real browser (API.md, "Pages for officials";
// issue 15, "How it is proven"). It is the only file that imports
// chromedp, which drives Debian's chromium through the DevTools protocol.

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/welfare-ledger/welfare-ledger/api"
	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/internal/demo"
)

// envScreenshot, set to 1, makes TestBrowserDemo save the demo's unit
// page as docs/dashboard.png (the README's screenshot).
const envScreenshot = "WL_SCREENSHOT"

// browserLimit bounds the whole browser session: the browser is stopped
// when it runs out.
const browserLimit = 2 * time.Minute

// chromiumPath finds the browser. Outside CI a machine without one skips
// the test, saying how to install it; in CI (CI=true, where .ci/run
// installs chromium) a missing browser fails it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("CI=true but no chromium on PATH: .ci/run installs it with apt-get install chromium")
	}
	t.Skip("no chromium on PATH: the browser test needs Debian's chromium (apt-get install chromium)")
	return ""
}

// history adds a month-by-month history to the fixture's Social Fund of
// Lạng Sơn, so the chart and the screenshot have something to show.
func (e *env) history() {
	e.t.Helper()
	n := 1000
	for y := 2018; y <= 2023; y++ {
		for m := 1; m <= 12; m++ {
			n++
			date := fmt.Sprintf("%d-%02d-%02d", y, m, 10)
			amount := fmt.Sprint(180_000_000 + (y-2018)*21_000_000 + (m*37%12)*15_100_000)
			e.api("POST", "/v1/funds/"+socialFund+"/donations", `{"transaction_id":"`+txID(n)+`","amount":"`+amount+`","occurred_on":"`+date+`","donor":{"kind":"enterprise","name":"Công ty TNHH số `+fmt.Sprint(n)+`"}}`, http.StatusCreated)
			if m%3 == 0 {
				n++
				kind := map[bool]string{true: "new_build", false: "repair"}[m%2 == 0]
				e.api("POST", "/v1/funds/"+socialFund+"/shelter-grants", `{"transaction_id":"`+txID(n)+`","beneficiary_id":"LS-`+fmt.Sprint(n)+`","amount":"`+fmt.Sprint(90_000_000+m*7_000_000)+`","shelter":"`+kind+`","occurred_on":"`+fmt.Sprintf("%d-%02d-20", y, m)+`"}`, http.StatusCreated)
			}
			if m%2 == 1 {
				n++
				e.api("POST", "/v1/funds/"+socialFund+"/assistance-grants", `{"transaction_id":"`+txID(n)+`","beneficiary_id":"LS-`+fmt.Sprint(n)+`","amount":"`+fmt.Sprint(12_000_000+m*2_500_000)+`","category":"serious_illness","occurred_on":"`+fmt.Sprintf("%d-%02d-25", y, m)+`"}`, http.StatusCreated)
			}
		}
	}
}

// TestBrowser signs in as an official in headless chromium, opens a unit
// page and a fund page in both languages, and checks that the figures
// shown equal the API's for the same query, written the Vietnamese way.
// That the browser submits the sign-in form and applies the stylesheet
// shows the pages' security policy lets both through.
func TestBrowser(t *testing.T) {
	chromium := chromiumPath(t)
	e := newEnv(t)
	e.fixture()
	e.history()
	official := e.token(domain.RoleOfficial, "vgcl")
	b := startBrowser(t, chromium, e.http.URL)
	b.signIn(t, official)
	if h1, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS("h1"))); err != nil || h1 != "Tổng quan các quỹ" {
		t.Errorf("dashboard heading = %q (%v)", h1, err)
	}
	// The stylesheet applied: the header's background is the one it sets.
	bg, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("header.site")).backgroundColor`))
	if err != nil || bg != "rgb(11, 61, 102)" {
		t.Errorf("header background = %q (%v): the stylesheet did not load", bg, err)
	}

	const period = "from=2018-01-01&to=2023-12-31"
	unitSum := summary(t, e.apiAs(official, "GET", "/v1/units/lang-son/summary?"+period, "", http.StatusOK))
	fundSum := summary(t, e.apiAs(official, "GET", "/v1/funds/"+socialFund+"?as_of=2023-12-31", "", http.StatusOK))
	for _, lang := range []string{"vi", "en"} {
		suffix := map[string]string{"vi": "", "en": "&lang=en"}[lang]
		t.Run("unit "+lang, func(t *testing.T) {
			b.open(t, "/units/lang-son?"+period+suffix)
			b.checkUnit(t, unitSum, lang)
		})
		t.Run("fund "+lang, func(t *testing.T) {
			b.open(t, "/funds/"+socialFund+"?as_of=2023-12-31"+suffix)
			want := wantFigures(t, fundSum)
			got := b.read(t, append(idsOf(want), "balance", "loans-outstanding", "capital")...)
			for id, key := range map[string]string{"balance": "balance", "loans-outstanding": "loans_outstanding", "capital": "capital"} {
				want[id] = vnd(t, fundSum[key])
			}
			compare(t, got, want)
		})
	}
}

// demoNow is the clock the demo is loaded at in TestBrowserDemo: after
// its last published period (Tết 2025), as on the day it was written.
var demoNow = time.Date(2026, 12, 7, 9, 0, 0, 0, domain.VietnamZone)

// TestBrowserDemo loads the demo of `serve --demo`, signs in with its
// official's token and opens Lạng Sơn's page over the term the province
// published its figures for: the page says at its top that the data is
// synthetic (as under serve --demo), names
// the unit with the demo's marker, and shows the API's figures. With
// WL_SCREENSHOT=1 it saves that page as docs/dashboard.png, the README's
// screenshot, so the screenshot shows the demo a newcomer runs, marked
// synthetic, never figures that could be taken for a province's own.
func TestBrowserDemo(t *testing.T) {
	chromium := chromiumPath(t)
	// As serve --demo starts it: every page says the data is synthetic.
	e := newEnv(t, func(c *api.Config) { c.Synthetic = true })
	tokens, err := demo.Load(context.Background(), e.store, demoNow)
	if err != nil {
		t.Fatalf("demo.Load() = %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := e.proj.WaitFor(ctx, e.store.Head()); err != nil {
		t.Fatalf("projections did not apply the demo: %v", err)
	}
	b := startBrowser(t, chromium, e.http.URL)
	b.signIn(t, tokens.Official)

	const period = "from=2018-01-01&to=2023-12-31"
	sum := summary(t, e.apiAs(tokens.Official, "GET", "/v1/units/lang-son/summary?"+period, "", http.StatusOK))
	b.open(t, "/units/lang-son?"+period)
	if h1, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS("h1"))); err != nil || !strings.Contains(h1, demo.Marker) {
		t.Errorf("the unit page's heading is %q (%v), without the demo's marker %q", h1, err, demo.Marker)
	}
	if note, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.ID("synthetic"))); err != nil || !strings.HasPrefix(note, "Dữ liệu mô phỏng:") {
		t.Errorf("the page's synthetic-data notice reads %q (%v)", note, err)
	}
	b.checkUnit(t, sum, "vi")
	if os.Getenv(envScreenshot) == "1" {
		png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		path := filepath.Join("..", "docs", "dashboard.png")
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("saved %s (%d bytes)", path, len(png))
	}
}

// chrome is a headless chromium on the test's server.
type chrome struct {
	ctx  context.Context
	base string
}

// startBrowser starts chromium on a profile of its own, stopped when the
// test ends or after browserLimit.
func startBrowser(t *testing.T, chromium, base string) *chrome {
	t.Helper()
	dir, err := os.MkdirTemp("", "wl-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// Chromium's helpers may still write there for a moment after it
		// stops; the directory is in the temp dir either way.
		for range 50 {
			if os.RemoveAll(dir) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox, // CI runs as root, where chromium's sandbox cannot start
		chromedp.DisableGPU,
		chromedp.UserDataDir(dir),
		chromedp.WindowSize(1280, 1500),
	)
	limit, cancelLimit := context.WithTimeout(context.Background(), browserLimit)
	alloc, cancelAlloc := chromedp.NewExecAllocator(limit, opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	// Cleanups run last in, first out: the tab, the browser, the limit,
	// then the profile's directory.
	t.Cleanup(cancelLimit)
	t.Cleanup(cancelAlloc)
	t.Cleanup(cancel)
	return &chrome{ctx: ctx, base: base}
}

// signIn signs in with token through the form a page without a session
// sends the browser to, and lands on the dashboard.
func (b *chrome) signIn(t *testing.T, token string) {
	t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.Navigate(b.base+"/units/lang-son")); err != nil {
		t.Fatalf("navigate: %v", err)
	}
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil || !strings.HasSuffix(loc, "/login") {
		t.Fatalf("without a session: at %q (%v), want the sign-in form", loc, err)
	}
	res, err := chromedp.RunResponse(b.ctx,
		chromedp.SendKeys(chromedp.ID("token"), token),
		chromedp.Click(chromedp.CSS("form.login button")),
	)
	if err != nil {
		t.Fatalf("sign in: %v", err)
	}
	if loc, _ := chromedp.Run(b.ctx, chromedp.Location()); res.Status != http.StatusOK || loc != b.base+"/" {
		t.Fatalf("after signing in: %d at %q, want the dashboard", res.Status, loc)
	}
}

// open navigates to path and wants a 200.
func (b *chrome) open(t *testing.T, path string) {
	t.Helper()
	res, err := chromedp.RunResponse(b.ctx, chromedp.Navigate(b.base+path))
	if err != nil || res.Status != http.StatusOK {
		t.Fatalf("open %s: %v %v", path, res, err)
	}
}

// read returns the text of the elements of the open page with ids.
func (b *chrome) read(t *testing.T, ids ...string) map[string]string {
	t.Helper()
	got := map[string]string{}
	for _, id := range ids {
		txt, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.ID(id)))
		if err != nil {
			t.Fatalf("text of #%s: %v", id, err)
		}
		got[id] = strings.TrimSpace(txt)
	}
	return got
}

// checkUnit compares the open unit page, in lang, with the API's summary
// sum of the same query.
func (b *chrome) checkUnit(t *testing.T, sum map[string]any, lang string) {
	t.Helper()
	want := wantFigures(t, sum)
	got := b.read(t, append(idsOf(want), "opening-balance", "closing-balance", "closing-headline")...)
	want["opening-balance"] = vnd(t, sum["opening_balance"])
	want["closing-balance"] = vnd(t, sum["closing_balance"])
	closing := domain.MustVND(sum["closing_balance"].(string))
	want["closing-headline"] = map[string]string{"vi": domain.HeadlineHedged(closing), "en": domain.Headline(closing)}[lang]
	compare(t, got, want)
	heading := map[string]string{"vi": "Thu và chi theo tháng", "en": "Money in and out by month"}[lang]
	if h, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.ID("chart-heading"))); err != nil || h != heading {
		t.Errorf("chart heading = %q (%v), want %q", h, err, heading)
	}
}

// wantFigures is figureCells, for a history whose lines are not all
// zero: the comparison reads figures, not only empty rows.
func wantFigures(t *testing.T, sum map[string]any) map[string]string {
	t.Helper()
	want := figureCells(t, sum)
	if want["bd-serious_illness-persons"] == "0" || want["bd-new_build-amount"] == vnd(t, "0") {
		t.Fatalf("the history has no serious illness or new build in the breakdown: %v", want)
	}
	return want
}

// compare reports every figure a page shows differently from want.
func compare(t *testing.T, got, want map[string]string) {
	t.Helper()
	for id, w := range want {
		if got[id] != w {
			t.Errorf("#%s shows %q, the API says %q", id, got[id], w)
		}
	}
}

// idsOf returns the ids of a page's figures that want names.
func idsOf(want map[string]string) []string {
	ids := make([]string, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	return ids
}
