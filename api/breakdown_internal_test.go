package api

import (
	"math/rand/v2"

	"github.com/welfare-ledger/welfare-ledger/projections"
)

// randomBreakdown is a breakdown of generated figures (the same edge
// amounts and counts as the summaries'), for the encoders' tests.
func randomBreakdown(r *rand.Rand) *projections.Breakdown {
	fig := func() projections.Figure {
		return projections.Figure{Count: randomCount(r), Amount: randomAmount(r), Persons: randomCount(r)}
	}
	b := &projections.Breakdown{Loans: fig()}
	b.ShelterGrants.NewBuild, b.ShelterGrants.Repair = fig(), fig()
	for i := range b.AssistanceGrants {
		b.AssistanceGrants[i] = fig()
	}
	return b
}
