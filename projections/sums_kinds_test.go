package projections

import (
	"encoding/json"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// TestLineSumsFollowEffectOf checks that a fund's sums move the balance
// the way domain.EffectOf says each money kind does: one amount sum per
// category of the table of money kinds, money in adding and money out
// taking away.
func TestLineSumsFollowEffectOf(t *testing.T) {
	seen := map[domain.Category]bool{}
	for c, cat := range amountCategories {
		if seen[cat] || cat == domain.CatNone {
			t.Errorf("amount sum %d has category %d, which is none or another sum's", c, cat)
		}
		seen[cat] = true
	}
	for _, spec := range domain.MoneyKinds() {
		if spec.Category == domain.CatNone {
			continue // a reversal counts in its original's category
		}
		if !seen[spec.Category] {
			t.Errorf("%s: category %d has no amount sum", spec.Type, spec.Category)
			continue
		}
		payload := spec.NewPayload()
		if err := json.Unmarshal([]byte(`{"amount":"7"}`), payload); err != nil {
			t.Fatalf("%s: %v", spec.Type, err)
		}
		want := domain.EffectOf(payload)
		var s lineSums
		for c, cat := range amountCategories {
			if cat == spec.Category {
				s.amt.Set(c, domain.VNDFromInt64(7))
			}
		}
		if got := s.balance(); !got.Equal(want.Delta) {
			t.Errorf("%s: balance of its sums = %s, want EffectOf's delta %s", spec.Type, got, want.Delta)
		}
	}
}
