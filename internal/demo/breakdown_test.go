package demo_test

import (
	"math/big"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/projections"
)

// breakdown returns the breakdown of unit's roll-up over [from, to], as
// an official reads it.
func (s *demoServer) breakdown(unit, from, to string) projections.Breakdown {
	s.t.Helper()
	var sum struct {
		Breakdown *projections.Breakdown `json:"breakdown"`
	}
	if got := s.get(s.tokens.Official, "/v1/units/"+unit+"/summary?from="+from+"&to="+to, &sum); got != 200 || sum.Breakdown == nil {
		s.t.Fatalf("GET the summary of %s [%s, %s] = %d, breakdown %v", unit, from, to, got, sum.Breakdown)
	}
	return *sum.Breakdown
}

// children returns the units directly under unit.
func (s *demoServer) children(unit string) []string {
	s.t.Helper()
	var page struct {
		Items []struct {
			UnitID   string  `json:"unit_id"`
			ParentID *string `json:"parent_id"`
		} `json:"items"`
	}
	s.get(s.tokens.Official, "/v1/units?limit=1000", &page)
	var out []string
	for _, u := range page.Items {
		if u.ParentID != nil && *u.ParentID == unit {
			out = append(out, u.UnitID)
		}
	}
	return out
}

// ownLine returns the figure of one breakdown line of the province's own
// funds over [from, to]: the province's roll-up less its districts'
// roll-ups (the published figures are the province's own; its districts
// keep mutual-aid funds that lend and grant too). Persons are distinct,
// not additive: where the districts have any, the line's persons are
// left -1 and must not be asserted.
func (s *demoServer) ownLine(province, from, to string, of func(*projections.Breakdown) projections.Figure) projections.Figure {
	s.t.Helper()
	b := s.breakdown(province, from, to)
	own := of(&b)
	for _, c := range s.children(province) {
		cb := s.breakdown(c, from, to)
		fig := of(&cb)
		own.Count -= fig.Count
		own.Amount = own.Amount.Sub(fig.Amount)
		if fig.Persons != 0 {
			own.Persons = -1
		}
	}
	return own
}

// sameAsRecomputed checks a figure of the breakdown against the auditor's
// recomputation of the same line from the fund's transactions.
func sameAsRecomputed(t *testing.T, what string, got projections.Figure, want line) {
	t.Helper()
	if got.Count != want.times || (got.Persons >= 0 && got.Persons != want.persons) || got.Amount.BigInt().Cmp(want.amount) != 0 {
		t.Errorf("%s: the breakdown says %d times, %d persons, %s đồng; the transactions %d, %d, %s",
			what, got.Count, got.Persons, got.Amount, want.times, want.persons, want.amount)
	}
}

// checkPublishedBreakdown asserts every published figure of the two
// provinces (issue 15, point 5) through the API's breakdown — times
// (lượt), persons (người) and amount per line, per province, per period —
// within the intervals "over X" and "nearly X" stand for, and each equal
// to the auditor's recomputation from the transactions.
func checkPublishedBreakdown(t *testing.T, s *demoServer) {
	const bn, m = 1_000_000_000, 1_000_000
	newBuild := func(b *projections.Breakdown) projections.Figure { return b.ShelterGrants.NewBuild }
	repair := func(b *projections.Breakdown) projections.Figure { return b.ShelterGrants.Repair }
	assist := func(c string) func(b *projections.Breakdown) projections.Figure {
		return func(b *projections.Breakdown) projections.Figure { return b.AssistanceGrants.Of(domainCategory(c)) }
	}
	loans := func(b *projections.Breakdown) projections.Figure { return b.Loans }
	amount := func(f projections.Figure) *big.Int { return f.Amount.BigInt() }
	persons := func(t *testing.T, what string, f projections.Figure, lo, hi int) {
		t.Helper()
		if f.Persons < 0 {
			t.Fatalf("%s: the districts have persons on this line, the province's own cannot be told", what)
		}
		count(t, what, f.Persons, lo, hi)
	}

	t.Run("Lạng Sơn 2018–2023", func(t *testing.T) {
		const from, to = "2018-01-01", "2023-12-31"
		social, shelterFund := s.fund("lang-son", "social"), s.fund("lang-son", "shelter")
		nb, rp := s.ownLine("lang-son", from, to, newBuild), s.ownLine("lang-son", from, to, repair)
		persons(t, "new build persons", nb, 1, 156)
		persons(t, "repair persons", rp, 1, 156)
		count(t, "shelter persons, new build and repair", nb.Persons+rp.Persons, 156, 156)
		within(t, "shelter amount", new(big.Int).Add(amount(nb), amount(rp)), 4*bn, 4_100*m)
		sameAsRecomputed(t, "new build", nb, s.figure(shelterFund, from, to, shelter("new_build")))
		sameAsRecomputed(t, "repair", rp, s.figure(shelterFund, from, to, shelter("repair")))
		// No member gets both kinds: across the province the persons of
		// the two lines are distinct from each other too.
		all := s.figure(shelterFund, from, to, shelter(""))
		count(t, "shelter persons of both kinds together", all.persons, nb.Persons+rp.Persons, nb.Persons+rp.Persons)

		illness := s.ownLine("lang-son", from, to, assist("serious_illness"))
		persons(t, "serious illness persons", illness, 273, 273)
		within(t, "serious illness amount", amount(illness), 361*m, 362*m)
		sameAsRecomputed(t, "serious illness", illness, s.figure(social, from, to, category("serious_illness")))

		covid := s.ownLine("lang-son", from, to, assist("hardship"))
		persons(t, "COVID-19 hardship persons", covid, 1600, 1700)
		within(t, "COVID-19 hardship amount", amount(covid), 1_600*m, 1_700*m)
		sameAsRecomputed(t, "COVID-19 hardship", covid, s.figure(social, from, to, category("hardship")))
	})

	t.Run("Bạc Liêu 2024", func(t *testing.T) {
		const from, to = "2024-01-01", "2024-12-31"
		social, capital := s.fund("bac-lieu", "social"), s.fund("bac-lieu", "capital_support")
		nb, rp := s.ownLine("bac-lieu", from, to, newBuild), s.ownLine("bac-lieu", from, to, repair)
		count(t, "new shelters", nb.Count, 22, 22)
		count(t, "shelter repairs", rp.Count, 3, 3)
		within(t, "shelter amount", new(big.Int).Add(amount(nb), amount(rp)), 1_140*m, 1_200*m)
		sameAsRecomputed(t, "new build", nb, s.figure(social, from, to, shelter("new_build")))
		sameAsRecomputed(t, "repair", rp, s.figure(social, from, to, shelter("repair")))

		illness := s.ownLine("bac-lieu", from, to, assist("serious_illness"))
		persons(t, "serious illness persons", illness, 17, 17)
		within(t, "serious illness amount", amount(illness), 70*m, 71*m)
		sameAsRecomputed(t, "serious illness", illness, s.figure(social, from, to, category("serious_illness")))

		lent := s.ownLine("bac-lieu", from, to, loans)
		count(t, "loans (lượt)", lent.Count, 1281, 1300)
		within(t, "loans amount", amount(lent), 11_900*m, 12*bn)
		sameAsRecomputed(t, "loans", lent, s.figure(capital, from, to, func(tx txJSON) bool { return tx.Type == "LoanDisbursed" }))
	})

	t.Run("Bạc Liêu Tết 2025", func(t *testing.T) {
		const from, to = "2025-01-01", "2025-01-28"
		tet := s.ownLine("bac-lieu", from, to, assist("tet_gift"))
		count(t, "Tết gifts", tet.Count, 3601, 3700)
		within(t, "Tết gifts amount", amount(tet), 2*bn, 3*bn)
		sameAsRecomputed(t, "Tết gifts", tet, s.figure(s.fund("bac-lieu", "social"), from, to, category("tet_gift")))
	})
}

// domainCategory names an assistance category as the API does.
func domainCategory(c string) domain.AssistanceCategory { return domain.AssistanceCategory(c) }
