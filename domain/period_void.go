package domain

import "math"

// EndOfLog is a position after every event: the void rule at EndOfLog is
// the rule a write decided now is held to.
const EndOfLog Position = math.MaxUint64

// ClosingSpan is one close of a unit's fiscal year in the log: from its
// PeriodClosing (From) through its PeriodClosed (Sealed, zero while the
// seal is still being computed or the close stopped half-way) to the
// PeriodReopened that ended it (Ended, zero while in force).
type ClosingSpan struct {
	UnitID UnitID
	Year   int
	From   Position
	Sealed Position
	Ended  Position
}

// VoidCause is why an event is void: the closing span that covers it, and
// whether that close was still pending (its seal being computed) at the
// event's position.
type VoidCause struct {
	Span    ClosingSpan
	Pending bool
}

// VoidAt is the void rule (API.md, "Closed fiscal periods": no write dated
// in a closed year is acknowledged after the close is), written once and
// applied by every reader — the write side's fund state, the projections,
// replay, verify and the post-check of a write on a shared store — so that
// every instance and every replay agrees on what counts.
//
// A money event or fund opening dated d, of a fund of the unit whose path
// (root first, the unit last) is path, at position pos in the global log,
// is void when a close of a unit of path covers it there:
//
//   - the close is pending at pos (after its PeriodClosing, before its
//     PeriodClosed or the PeriodReopened that abandons it) and d is on or
//     before 31 December of its year: the seal is the year-end balances,
//     which any earlier date changes, so the whole prefix is frozen while
//     the seal is computed;
//   - the close is in force at pos (after its PeriodClosed, before a
//     PeriodReopened) and d is in its year.
//
// The rule is read in log order: the spans must hold every period event
// before pos, and need hold none after it. A void event stays in the log
// (nothing is removed) and counts nowhere.
func (p *Periods) VoidAt(path []UnitID, d Date, pos Position) (VoidCause, bool) {
	if p.numSpans == 0 {
		return VoidCause{}, false
	}
	for _, u := range path {
		for _, sp := range p.spans[u] {
			if pos <= sp.From || (sp.Ended != 0 && pos > sp.Ended) {
				continue
			}
			if sp.Sealed == 0 || pos < sp.Sealed {
				if d <= YearEnd(sp.Year) {
					return VoidCause{Span: *sp, Pending: true}, true
				}
				continue
			}
			if d.Year() == sp.Year {
				return VoidCause{Span: *sp}, true
			}
		}
	}
	return VoidCause{}, false
}

// Err is the period_closed refusal of a date that the cause makes void;
// what names the date.
func (v VoidCause) Err(what string, d Date) error {
	if v.Pending {
		return Errf(CodePeriodClosed, "%s %s is on or before the end of fiscal year %d, which unit %q is closing "+
			"(position %d): nothing dated up to 31 December %d can be recorded until the close is completed "+
			"or abandoned by a reopening", what, d, v.Span.Year, v.Span.UnitID, v.Span.From, v.Span.Year)
	}
	return Errf(CodePeriodClosed, "%s %s falls in fiscal year %d, closed by unit %q (position %d); "+
		"record a correction in an open year instead", what, d, v.Span.Year, v.Span.UnitID, v.Span.Sealed)
}

// Voidable reports whether the void rule applies to an event: a fund
// opening or a money event. Its date is e.Meta.OccurredOn (a fund's
// opened_on, a transaction's occurred_on).
func Voidable(e *Event) bool {
	switch e.Data.(type) {
	case *FundOpened, MoneyEvent:
		return true
	}
	return false
}

// Closings returns how many closes the state has met (pending, in force,
// or ended): none means the void rule holds nothing void.
func (p *Periods) Closings() int { return p.numSpans }

// PendingClosings returns the closings without a PeriodClosed yet, in no
// particular order.
func (p *Periods) PendingClosings() []ClosingSpan {
	out := make([]ClosingSpan, 0, len(p.pending))
	for _, sp := range p.pending {
		out = append(out, *sp)
	}
	return out
}
