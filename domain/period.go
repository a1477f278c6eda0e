package domain

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// PeriodStream holds every closure and reopening of a fiscal year, of every
// unit, in one stream. One stream rather than one per unit because the
// write path must know every closure that covers a fund — its own unit's
// and every ancestor's — before it decides: one stream is read in one call
// at start, followed by one revision, and every close or reopen appends
// with the exact expected revision of that stream, so two closes of the
// same year (on two instances) can never both be recorded. Closures are
// rare (a few per unit and year), so the stream stays small.
const PeriodStream = "periods"

// CodePeriodNotClosed: a reopening of a year that the unit has not closed
// (or has reopened already).
const CodePeriodNotClosed Code = "period_not_closed"

// Period event types.
const (
	TypePeriodClosing  EventType = "PeriodClosing"
	TypePeriodClosed   EventType = "PeriodClosed"
	TypePeriodReopened EventType = "PeriodReopened"
)

// Limits of a fiscal year (API.md, "Closed fiscal periods"): no union
// ledger holds money of the nineteenth century, and a year can be closed
// in advance at most for next year.
const (
	MinFiscalYear = 1900
	// maxYearsAhead is how far after the current year a year may be
	// closed.
	maxYearsAhead = 1
)

// PeriodClosing: a unit began to close a fiscal (calendar) year. It is
// the first of a close's two events (period_void.go): from its position
// on, every money event and fund opening of the subtree dated on or before
// 31 December of the year is void, so that the seal, computed once every
// event before it is known, covers exactly the events that count. The
// PeriodClosed that follows carries the seal; a PeriodReopened abandons a
// closing that never got one.
type PeriodClosing struct {
	UnitID     UnitID `json:"unit_id"`
	Year       int    `json:"year"`
	DecisionNo string `json:"decision_no,omitempty"`
	Note       string `json:"note,omitempty"`
}

// PeriodClosed: a unit closed a fiscal (calendar) year, for itself and
// every unit under it, after its settlement was approved. Seal is the hex
// SHA-256 of the year-end balances of the subtree's funds (see
// PeriodSeal), computed from the log up to this event.
type PeriodClosed struct {
	UnitID     UnitID `json:"unit_id"`
	Year       int    `json:"year"`
	Seal       string `json:"seal"`
	DecisionNo string `json:"decision_no,omitempty"`
	Note       string `json:"note,omitempty"`
}

// PeriodReopened: a closed year of a unit was opened again, by decision,
// so that a late voucher can be recorded in it.
type PeriodReopened struct {
	UnitID     UnitID `json:"unit_id"`
	Year       int    `json:"year"`
	Reason     string `json:"reason"`
	DecisionNo string `json:"decision_no,omitempty"`
}

// EventType implementations.
func (PeriodClosing) EventType() EventType  { return TypePeriodClosing }
func (PeriodClosed) EventType() EventType   { return TypePeriodClosed }
func (PeriodReopened) EventType() EventType { return TypePeriodReopened }

// ClosePeriod closes a fiscal year of a unit and its subtree.
type ClosePeriod struct {
	UnitID     UnitID `json:"unit_id"`
	Year       int    `json:"year"`
	DecisionNo string `json:"decision_no,omitempty"`
	Note       string `json:"note,omitempty"`
}

// ReopenPeriod opens a closed fiscal year of a unit again.
type ReopenPeriod struct {
	UnitID     UnitID `json:"unit_id"`
	Year       int    `json:"year"`
	Reason     string `json:"reason"`
	DecisionNo string `json:"decision_no,omitempty"`
}

func (ClosePeriod) commandName() string  { return "ClosePeriod" }
func (ReopenPeriod) commandName() string { return "ReopenPeriod" }

// checkYear checks a fiscal year against today: from MinFiscalYear to next
// year.
func checkYear(v *Validation, year int, today Date) {
	if max := today.Year() + maxYearsAhead; year < MinFiscalYear || year > max {
		v.Addf("year", "must be a year from %d to %d", MinFiscalYear, max)
	}
}

// Validate checks the command's fields on their own, against today.
func (c ClosePeriod) Validate(v *Validation, today Date) {
	if _, err := ParseUnitID(string(c.UnitID)); err != nil {
		v.Add("unit_id", err)
	}
	checkYear(v, c.Year, today)
	checkText(v, "decision_no", c.DecisionNo, MaxRefLen, false)
	checkText(v, "note", c.Note, MaxNoteLen, false)
}

// Validate checks the command's fields on their own, against today.
func (c ReopenPeriod) Validate(v *Validation, today Date) {
	if _, err := ParseUnitID(string(c.UnitID)); err != nil {
		v.Add("unit_id", err)
	}
	checkYear(v, c.Year, today)
	checkText(v, "reason", c.Reason, MaxNoteLen, true)
	checkText(v, "decision_no", c.DecisionNo, MaxRefLen, false)
}

// periodKey names one fiscal year of one unit.
type periodKey struct {
	unit UnitID
	year int
}

// Closure is a closed year of a unit as the period stream knows it.
type Closure struct {
	PeriodClosed
	Position   Position
	ClosedAt   time.Time
	ReopenedAt time.Time // zero while closed
}

// Periods is the state of the period stream: which years of which units
// are closed now, and every closing's span in the log, which the void rule
// reads (period_void.go).
type Periods struct {
	Revision ExpectedRevision // ExpectNoStream before the first event
	LastHash string
	// LastPosition is the position of the last event applied.
	LastPosition Position
	closed       map[periodKey]Closure
	// pending are the closings without their PeriodClosed yet.
	pending map[periodKey]*ClosingSpan
	// spans are every closing of each unit, in log order.
	spans    map[UnitID][]*ClosingSpan
	numSpans int
}

// NewPeriods returns the state of an empty period stream.
func NewPeriods() *Periods {
	return &Periods{Revision: ExpectNoStream, LastHash: GenesisHash, closed: map[periodKey]Closure{},
		pending: map[periodKey]*ClosingSpan{}, spans: map[UnitID][]*ClosingSpan{}}
}

// Evolve applies one event of the period stream.
func (p *Periods) Evolve(e Event) {
	p.Revision = ExpectedRevision(e.Revision)
	p.LastHash = e.Meta.Hash
	p.LastPosition = e.Position
	switch d := e.Data.(type) {
	case *PeriodClosing:
		p.openSpan(periodKey{d.UnitID, d.Year}, e.Position)
	case *PeriodClosed:
		key := periodKey{d.UnitID, d.Year}
		p.closed[key] = Closure{PeriodClosed: *d, Position: e.Position, ClosedAt: e.Meta.RecordedAt}
		sp, ok := p.pending[key]
		if !ok {
			// A log written before closes took two events: the
			// closure freezes nothing before its own position.
			sp = p.openSpan(key, e.Position)
		}
		sp.Sealed = e.Position
		delete(p.pending, key)
	case *PeriodReopened:
		key := periodKey{d.UnitID, d.Year}
		if sp, ok := p.pending[key]; ok {
			sp.Ended = e.Position
			delete(p.pending, key)
		}
		if _, ok := p.closed[key]; ok {
			for _, sp := range p.spans[d.UnitID] {
				if sp.Year == d.Year && sp.Ended == 0 {
					sp.Ended = e.Position
				}
			}
			delete(p.closed, key)
		}
	}
}

// openSpan records a closing of key that begins at pos.
func (p *Periods) openSpan(key periodKey, pos Position) *ClosingSpan {
	sp := &ClosingSpan{UnitID: key.unit, Year: key.year, From: pos}
	p.pending[key] = sp
	p.spans[key.unit] = append(p.spans[key.unit], sp)
	p.numSpans++
	return sp
}

// Closed returns the closure of a unit's year that is in force, if any.
func (p *Periods) Closed(unit UnitID, year int) (Closure, bool) {
	c, ok := p.closed[periodKey{unit, year}]
	return c, ok
}

// Pending returns the closing of a unit's year that has no PeriodClosed
// yet (a close stopped half-way), if any.
func (p *Periods) Pending(unit UnitID, year int) (ClosingSpan, bool) {
	sp, ok := p.pending[periodKey{unit, year}]
	if !ok {
		return ClosingSpan{}, false
	}
	return *sp, true
}

// CheckOpen refuses a date that a write decided now could not count in: a
// year closed, or being closed, for a unit whose path (root first, the
// unit last) is path — the void rule at the end of the stream as this
// state knows it. what names the date in the message.
//
// Errors: period_closed.
func (p *Periods) CheckOpen(path []UnitID, d Date, what string) error {
	if v, ok := p.VoidAt(path, d, EndOfLog); ok {
		return v.Err(what, d)
	}
	return nil
}

// DecideClose decides a ClosePeriod against the period stream, given the
// seal of the year's balances.
//
// Errors: already_exists (the year of that unit is closed and not
// reopened).
//
// A pending closing of the year (a close stopped half-way) is completed:
// the PeriodClosed decided here seals it.
func DecideClose(p *Periods, c ClosePeriod, seal string) (*PeriodClosed, error) {
	if cl, ok := p.Closed(c.UnitID, c.Year); ok {
		return nil, Errf(CodeAlreadyExists, "fiscal year %d of unit %q is already closed (position %d, seal %s)",
			c.Year, c.UnitID, cl.Position, cl.Seal)
	}
	return &PeriodClosed{UnitID: c.UnitID, Year: c.Year, Seal: seal, DecisionNo: c.DecisionNo, Note: c.Note}, nil
}

// DecideReopen decides a ReopenPeriod against the period stream. Only the
// unit that closed a year reopens it: a closure inherited from an ancestor
// is reopened by the ancestor.
//
// Errors: period_not_closed.
//
// A pending closing of the year (a close stopped half-way) is abandoned by
// the reopening.
func DecideReopen(p *Periods, c ReopenPeriod) (*PeriodReopened, error) {
	_, closed := p.Closed(c.UnitID, c.Year)
	_, pending := p.Pending(c.UnitID, c.Year)
	if !closed && !pending {
		return nil, Errf(CodePeriodNotClosed, "fiscal year %d of unit %q is not closed by that unit; nothing to reopen",
			c.Year, c.UnitID)
	}
	return &PeriodReopened{UnitID: c.UnitID, Year: c.Year, Reason: c.Reason, DecisionNo: c.DecisionNo}, nil
}

// SealLine is one fund's line of a seal: its balance at the end of the
// closed year.
type SealLine struct {
	FundID  uuid.UUID
	Balance VND
}

// PeriodSeal is the seal of a closed year (API.md, "Closed fiscal
// periods"): the hex SHA-256 of one line `fund_id "," balance "\n"` per
// fund, sorted by the canonical text of fund_id, with the balance in plain
// digits (a minus sign cannot occur: no balance is ever negative). An
// auditor recomputes it with any SHA-256 tool from the log (docs/api.md).
func PeriodSeal(lines []SealLine) string {
	sorted := slices.Clone(lines)
	slices.SortFunc(sorted, func(a, b SealLine) int {
		return strings.Compare(a.FundID.String(), b.FundID.String())
	})
	h := sha256.New()
	var buf []byte
	for _, l := range sorted {
		buf = append(buf[:0], l.FundID.String()...)
		buf = append(buf, ',')
		buf = append(buf, l.Balance.String()...)
		buf = append(buf, '\n')
		h.Write(buf)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// YearEnd returns 31 December of year, the date whose end a seal's
// balances are taken at: the plain number YYYY1231 (Date's form), which
// needs no calendar check.
func YearEnd(year int) Date { return Date(year*10000 + 1231) }

// decodePeriodFast is decodePayloadFast for the period events.
func decodePeriodFast(t EventType, r *jsonReader) (EventData, bool) {
	if t == TypePeriodClosing {
		d := &PeriodClosing{}
		for r.open(); r.more(); {
			switch r.key() {
			case "unit_id":
				d.UnitID = UnitID(r.str())
			case "year":
				d.Year = r.smallInt()
			case "decision_no":
				d.DecisionNo = r.str()
			case "note":
				d.Note = r.str()
			default:
				r.ok = false
			}
		}
		return d, r.done()
	}
	if t == TypePeriodClosed {
		d := &PeriodClosed{}
		for r.open(); r.more(); {
			switch r.key() {
			case "unit_id":
				d.UnitID = UnitID(r.str())
			case "year":
				d.Year = r.smallInt()
			case "seal":
				d.Seal = r.str()
			case "decision_no":
				d.DecisionNo = r.str()
			case "note":
				d.Note = r.str()
			default:
				r.ok = false
			}
		}
		return d, r.done()
	}
	d := &PeriodReopened{}
	for r.open(); r.more(); {
		switch r.key() {
		case "unit_id":
			d.UnitID = UnitID(r.str())
		case "year":
			d.Year = r.smallInt()
		case "reason":
			d.Reason = r.str()
		case "decision_no":
			d.DecisionNo = r.str()
		default:
			r.ok = false
		}
	}
	return d, r.done()
}

// checkPeriodStored is checkStored's rules for the period events: the
// commands' own rules, with the year checked against the day the event was
// recorded, and a seal that is a SHA-256.
func checkPeriodStored(v *Validation, e *Event) {
	recorded := DateOf(e.Meta.RecordedAt)
	switch d := e.Data.(type) {
	case *PeriodClosing:
		ClosePeriod{UnitID: d.UnitID, Year: d.Year, DecisionNo: d.DecisionNo, Note: d.Note}.Validate(v, recorded)
	case *PeriodClosed:
		ClosePeriod{UnitID: d.UnitID, Year: d.Year, DecisionNo: d.DecisionNo, Note: d.Note}.Validate(v, recorded)
		if !isSHA256Hex(d.Seal) {
			v.Addf("seal", "must be 64 lowercase hex digits")
		}
	case *PeriodReopened:
		ReopenPeriod{UnitID: d.UnitID, Year: d.Year, Reason: d.Reason, DecisionNo: d.DecisionNo}.Validate(v, recorded)
	}
}

func (c ClosePeriod) canonical(w *canonicalWriter) {
	w.text("unit_id", string(c.UnitID), false)
	w.name("year")
	w.b = strconv.AppendInt(w.b, int64(c.Year), 10)
	w.text("decision_no", c.DecisionNo, true)
	w.text("note", c.Note, true)
}

func (c ReopenPeriod) canonical(w *canonicalWriter) {
	w.text("unit_id", string(c.UnitID), false)
	w.name("year")
	w.b = strconv.AppendInt(w.b, int64(c.Year), 10)
	w.text("reason", c.Reason, false)
	w.text("decision_no", c.DecisionNo, true)
}
