package web

import (
	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/projections"
)

// breakdownRow is one line of the breakdown table (API.md, "Officials'
// figures"), its cells written out: times (lượt) and persons (người) side
// by side, and the amount the Vietnamese way.
type breakdownRow struct {
	// Key names the line as the API does (new_build, repair, a category,
	// loans): the cells' ids, which the browser test reads.
	Key, Label             string
	Times, Persons, Amount string
}

// breakdownRows returns the rows of b in l, in the order reports print
// them: shelters by kind, assistance by category, loans; none for nil.
func breakdownRows(l Lang, b *projections.Breakdown) []breakdownRow {
	if b == nil {
		return nil
	}
	row := func(key string, fig projections.Figure) breakdownRow {
		return breakdownRow{Key: key, Label: mustMessage(l, "bd."+key),
			Times: domain.FormatCount(int64(fig.Count)), Persons: domain.FormatCount(int64(fig.Persons)),
			Amount: domain.FormatVND(fig.Amount)}
	}
	rows := []breakdownRow{
		row(string(domain.ShelterNewBuild), b.ShelterGrants.NewBuild),
		row(string(domain.ShelterRepair), b.ShelterGrants.Repair),
	}
	for _, c := range domain.AssistanceCategories {
		rows = append(rows, row(string(c), b.AssistanceGrants.Of(c)))
	}
	return append(rows, row("loans", b.Loans))
}
