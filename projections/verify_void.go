package projections

import (
	"fmt"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// VoidFinding is a void event as verify reports it: an event of the log
// that counts nowhere under the void rule (domain.Periods.VoidAt), because
// it landed after a close of its year began — a write of another instance
// that its post-check refused, or an event appended outside the ledger.
// It is not a mismatch: the log and the projections agree on it.
type VoidFinding struct {
	Stream     string          `json:"stream"`
	Position   domain.Position `json:"position"`
	EventID    string          `json:"event_id"`
	Type       string          `json:"type"`
	OccurredOn domain.Date     `json:"occurred_on"`
	Detail     string          `json:"detail"`
}

// voids records the void events of the rebuilt projections that are in
// scope.
func (v *verifier) voids(scratch *Projections) {
	for _, e := range scratch.VoidEvents() {
		stream := domain.FundStream(e.FundID)
		if !v.visible(stream) {
			continue
		}
		v.report.VoidEventsFound++
		if len(v.report.VoidEvents) >= MaxMismatches {
			continue
		}
		why := "closed"
		if e.Pending {
			why = "being closed (its seal not yet recorded)"
		}
		v.report.VoidEvents = append(v.report.VoidEvents, VoidFinding{Stream: stream, Position: e.Position, EventID: e.EventID.String(),
			Type: string(e.Type), OccurredOn: e.OccurredOn, Detail: fmt.Sprintf(
				"dated %s, it landed while fiscal year %d of unit %q was %s: it is void and counts in no figure", e.OccurredOn, e.Year, e.ClosedBy, why)})
	}
}
