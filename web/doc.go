// Package web serves the officials' pages (API.md, "Pages for officials"):
// the dashboard at /, the sign-in form, a unit's roll-up over a period, a
// fund's figures at a date and its statement (sổ quỹ) with the statement's
// CSV and XLSX files, server-rendered with html/template from embedded
// templates and one embedded stylesheet, in Vietnamese by default and in
// English with lang=en. The API mounts them beside /v1. On the demo's
// ledger (Config.Synthetic) every page says its data is synthetic.
//
// # The same figures as the API
//
// Every figure comes from the projections' queries the API's handlers
// call for the same request — UnitSummaryInto for /units/{id}?from=&to=
// as GET /v1/units/{id}/summary, FundSummary for /funds/{id}?as_of= as GET
// /v1/funds/{id}, Funds and Units for the dashboard as GET /v1/funds and
// GET /v1/units, Statement for /funds/{id}/statement as GET
// /v1/funds/{id}/statement — with the API's defaults (to and as_of: today).
// The statement's files are the API's own writer (Config.Download). Amounts
// are written by domain.FormatVND ("1.027.000.000 ₫") in both languages,
// headline figures by domain.Headline ("1,03 tỷ ₫"; in Vietnamese with
// "hơn"/"gần" when rounded, HeadlineHedged), counts by domain.FormatCount.
// Persons (người) and times (lượt) stand side by side, never added.
//
// The chart of money in and out is inline SVG built from cumulative totals
// at each month's end (each year's, beyond maxChartMonths), so its bars
// add up exactly to the period's totals; the same figures are in a table.
//
// # No personal data
//
// No page or file shows a beneficiary_id, a note, a reason, a
// description, a reference or a donor's name, for any role: the pages
// show summaries (totals, counts, balances, unit and fund names), and the
// statement's lines only their date, type, amount, running balance and
// position; its files leave out what the API withholds from officials.
// TestPagesWithholdPersonalData walks every page and file, as every role,
// over a history whose every such field holds a marker.
//
// # Signing in
//
// POST /login takes a token (the same tokens as the API, of any role) and
// sets it in the wl_session cookie: HttpOnly (no script reads it),
// SameSite=Strict (no other site's page or link sends it), Secure under
// TLS, no Max-Age (it ends with the browser session). Every request checks
// the token again, in constant time, so a revocation ends the session on
// the next page. The cookie authenticates the pages only: /v1 reads
// nothing but the Authorization header, and the pages only read.
//
// # Forms and CSRF
//
// The pages' only state-changing requests are POST /login and POST
// /logout. Both go through net/http's CrossOriginProtection, which refuses
// a request whose Sec-Fetch-Site says it came from another site, or whose
// Origin is not the page's own host (a 403 page); requests with neither
// header (curl, scripts) are not from a browser and pass. With the
// SameSite=Strict cookie this stops login CSRF (signing a victim's browser
// in as someone else) and forced sign-out. The period and date forms are
// GETs that change nothing.
//
// # Security headers
//
// The API answers every response with a policy under which a browser may
// load, run, frame and submit nothing. Pages set their own: default-src
// 'none'; style-src 'self' (the stylesheet); img-src 'self' data:;
// form-action 'self' (the sign-in, sign-out and period forms);
// frame-ancestors 'none'; base-uri 'none'. There is no script at all, no
// font, no request to any other origin; Cache-Control: no-store keeps
// figures out of shared and back-button caches.
//
// # Errors
//
// An unknown (or malformed) unit or fund is a 404 page, one outside the
// token's scope a 403 that shows none of its figures, a bad period (a
// malformed date, from after to), an unknown or repeated parameter or a
// wrong lang a 400, a bad token at sign-in a 401 with no cookie — each in
// the page's language (a wrong lang in Vietnamese, the default), saying
// what went wrong. Pages without a session send the browser to /login.
// While the projections catch up at start, every page is a 503.
package web
