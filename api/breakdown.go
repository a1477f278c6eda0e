package api

import "github.com/welfare-ledger/welfare-ledger/projections"

// appendBreakdown appends a summary's breakdown member, as encoding/json
// writes it: left out when the summary has none (a list item).
func appendBreakdown(b []byte, bd *projections.Breakdown) []byte {
	if bd == nil {
		return b
	}
	b = append(b, `,"breakdown":`...)
	return bd.AppendJSON(b)
}
