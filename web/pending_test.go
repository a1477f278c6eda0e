package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// TestPagesDoNotWaitForTheBreakdown: after a restart, the first page of a
// scope whose breakdown persons are still to be counted answers at once
// with every other figure, says in its language that the breakdown is
// being counted, and shows none of the breakdown's figures; asked again
// once they are counted, it shows the breakdown equal to the API's.
func TestPagesDoNotWaitForTheBreakdown(t *testing.T) {
	e := newEnv(t)
	e.fixture()
	official := e.token(domain.RoleOfficial, "vgcl")
	// The restart's replay leaves every scope's breakdown persons to a
	// job, run at the scope's first breakdown query.
	r := e.restarted()
	b := r.signedIn(official)
	for _, c := range []struct{ name, page, api, note string }{
		{"unit", "/units/lang-son", "/v1/units/lang-son/summary", "Bảng này đang được tính lại"},
		{"fund", "/funds/" + socialFund + "?lang=en", "/v1/funds/" + socialFund, "This table is being counted again"},
	} {
		t.Run(c.name, func(t *testing.T) {
			first := b.get(c.page)
			if first.status != http.StatusOK {
				t.Fatalf("GET %s = %d, want 200", c.page, first.status)
			}
			if !strings.Contains(first.body, `id="breakdown-pending"`) || !strings.Contains(first.body, c.note) {
				t.Fatalf("the first page after the restart does not say the breakdown is being counted:\n%s", first.body)
			}
			if strings.Contains(first.body, `id="breakdown"`) || strings.Contains(first.body, `id="bd-`) {
				t.Errorf("the first page shows a breakdown while its persons are being counted")
			}
			// The API waits for the breakdown; every other figure of the
			// first page is its.
			sum := summary(t, r.apiAs(official, "GET", c.api, "", http.StatusOK))
			for id, w := range figureCells(t, sum) {
				if strings.HasPrefix(id, "bd-") {
					continue
				}
				if got := shown(t, first, id); got != w {
					t.Errorf("%s = %q on the first page, want %q (the API's figure)", id, got, w)
				}
			}
			again := b.get(c.page)
			if strings.Contains(again.body, `id="breakdown-pending"`) {
				t.Fatalf("the page still says the breakdown is being counted after the API's answer")
			}
			checkFigures(t, again, sum)
		})
	}
}
