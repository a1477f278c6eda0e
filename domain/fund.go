package domain

import (
	"strings"
	"time"

	"github.com/google/uuid"
)

// Fund is the write-side state of one fund, folded from its own stream. It
// holds what the rules of API.md need: the date-ordered running balance, the
// loans' outstanding principal by date, and every transaction's id, payload
// hash and outcome (for idempotency and reversals).
type Fund struct {
	ID       uuid.UUID
	Unit     UnitID
	Name     string
	Kind     FundKind
	OpenedOn Date

	// Opened is the FundOpened outcome (for idempotent replays).
	Opened Tx

	// Exists is false until FundOpened is applied.
	Exists bool
	// Revision is the revision of the last event of the stream the state
	// has read, LastHash its hash (GenesisHash before any): void events
	// included, which are read and skipped (Ledger.applyFund), so that a
	// stream whose opening is void has a revision while the fund does not
	// exist (see started).
	Revision uint64
	LastHash string

	// Balance is the running balance by business date.
	Balance DailySeries

	txs   map[uuid.UUID]*Tx
	loans map[uuid.UUID]*Loan
}

// Tx is what the write side remembers of one transaction.
type Tx struct {
	ID           uuid.UUID
	Type         EventType
	Amount       VND
	OccurredOn   Date
	RecordedAt   time.Time
	Position     Position
	PayloadHash  string
	BalanceAfter VND // the fund's balance (all dates) right after it was recorded
	ReversedBy   uuid.UUID
	Reverses     uuid.UUID // set on reversals
	LoanID       uuid.UUID // set on loans (= ID) and repayments
	Beneficiary  BeneficiaryID
	Shelter      ShelterKind
}

// Loan is the write-side state of one loan.
type Loan struct {
	ID        uuid.UUID
	Principal VND
	Date      Date
	// Outstanding is the principal still owed, by business date.
	Outstanding DailySeries
	// ActiveRepayments counts repayments that are not reversed.
	ActiveRepayments int
	Reversed         bool
}

// NewFund returns the empty state of a fund that has no events yet.
func NewFund(id uuid.UUID) *Fund {
	return &Fund{ID: id, LastHash: GenesisHash, txs: map[uuid.UUID]*Tx{}, loans: map[uuid.UUID]*Loan{}}
}

// Tx returns the transaction with id, if the fund has it.
func (f *Fund) Tx(id uuid.UUID) (*Tx, bool) {
	t, ok := f.txs[id]
	return t, ok
}

// Loan returns the loan with id, if the fund has it.
func (f *Fund) Loan(id uuid.UUID) (*Loan, bool) {
	l, ok := f.loans[id]
	return l, ok
}

// NextExpected is the ExpectedRevision of the fund stream's next append.
func (f *Fund) NextExpected() ExpectedRevision {
	if !f.started() {
		return ExpectNoStream
	}
	return ExpectRevision(f.Revision)
}

// started reports whether the state has read an event of the fund's
// stream. It is not Exists: a stream may hold a void opening, and then
// the next event read, or appended, follows it, at Revision+1 and
// chained to its hash.
func (f *Fund) started() bool { return f.LastHash != GenesisHash }

// skip reads a void event of the fund's stream without applying it: the
// stream goes on after it (started, next), the fund's figures do not.
func (f *Fund) skip(e Event) { f.Revision, f.LastHash = e.Revision, e.Meta.Hash }

// next is the revision of the stream's next event.
func (f *Fund) next() uint64 {
	if !f.started() {
		return 0
	}
	return f.Revision + 1
}

// Pending is an event decided but not yet recorded.
type Pending struct {
	EventID     uuid.UUID
	OccurredOn  Date
	PayloadHash string
	Data        EventData
}

// DecideOpen decides an OpenFund command against the fund's state. It returns
// no event when the same command was already carried out (an idempotent
// replay). unitExists tells whether the fund's unit is registered.
//
// Errors: validation_failed, not_found (unit), idempotency_conflict.
func DecideOpen(f *Fund, c OpenFund, unitExists bool, now time.Time) ([]Pending, error) {
	hash := PayloadHash(c)
	if f.Exists {
		if f.Opened.PayloadHash == hash {
			return nil, nil
		}
		return nil, Errf(CodeIdempotencyConflict, "fund %s already exists with a different payload", c.FundID)
	}
	var v Validation
	c.Validate(&v)
	today := DateOf(now)
	opened := c.OpenedOn
	if opened.IsZero() {
		opened = today
	}
	if opened > today {
		v.Addf("opened_on", "must not be later than today (%s)", today)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if !unitExists {
		return nil, Errf(CodeNotFound, "unit %q not found", c.UnitID)
	}
	return []Pending{{
		EventID:     c.FundID,
		OccurredOn:  opened,
		PayloadHash: hash,
		Data:        &FundOpened{FundID: c.FundID, UnitID: c.UnitID, Name: c.Name, Kind: c.Kind, OpenedOn: opened},
	}}, nil
}

// Decide decides a money command against the fund's state, applying every
// rule of API.md ("Rules"). It returns no event when the same command was
// already carried out (an idempotent replay: see Tx for its outcome). It is
// pure: the clock comes in as now.
//
// Errors (*Error): not_found, validation_failed, idempotency_conflict,
// not_allowed_for_fund_kind, insufficient_funds, exceeds_outstanding,
// already_reversed, not_reversible, loan_has_repayments.
func Decide(f *Fund, c MoneyCommand, now time.Time) ([]Pending, error) {
	if !f.Exists {
		return nil, Errf(CodeNotFound, "fund %s not found", c.Fund())
	}
	hash := PayloadHash(c)
	if t, ok := f.txs[c.TxID()]; ok {
		if t.PayloadHash == hash {
			return nil, nil
		}
		return nil, Errf(CodeIdempotencyConflict, "transaction %s was already recorded with a different payload", c.TxID())
	}
	if c.TxID() == f.ID {
		return nil, Errf(CodeIdempotencyConflict, "id %s is the fund's own id", c.TxID())
	}

	var v Validation
	c.Validate(&v)
	today := DateOf(now)
	occurred := c.Occurred()
	if occurred.IsZero() {
		occurred = today
	}
	switch {
	case occurred > today:
		v.Addf("occurred_on", "must not be later than today (%s)", today)
	case occurred < f.OpenedOn:
		v.Addf("occurred_on", "must not be before the fund was opened (%s)", f.OpenedOn)
	}
	if d, ok := c.(datedCommand); ok {
		d.validateDated(&v, occurred)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}

	// Which fund kinds allow a kind is the table's (kinds.go).
	if spec := c.Kind().Spec(); !spec.AllowedIn(f.Kind) {
		return nil, errNotAllowed(f.Kind, spec.Refusal)
	}
	// The kind's own rules against the fund's state, and its payload
	// (kind_*.go).
	data, err := c.decide(f, occurred)
	if err != nil {
		return nil, err
	}
	// Whatever takes money out — a grant, a loan, the reversal of a
	// donation or a repayment — is refused when the balance would go
	// negative on its date or later; its effect is the table's.
	if eff := EffectOf(data); eff.Delta.Sign() < 0 {
		if err := f.checkOutflow(eff.Delta.Neg(), occurred); err != nil {
			return nil, err
		}
	}
	return []Pending{{EventID: c.TxID(), OccurredOn: occurred, PayloadHash: hash, Data: data}}, nil
}

// checkOutflow refuses an outflow dated d that would make the balance
// negative on d or on any later date (entries may be back-dated).
func (f *Fund) checkOutflow(amount VND, d Date) error {
	headroom, at := f.Balance.MinFromDate(d)
	if headroom.Cmp(amount) >= 0 {
		return nil
	}
	if at == d {
		return Errf(CodeInsufficientFunds,
			"the amount of %s đồng exceeds the fund's available balance of %s đồng on %s", amount, headroom, d)
	}
	return Errf(CodeInsufficientFunds,
		"the amount of %s đồng exceeds the fund's available balance of %s đồng: dated %s, it would make the balance on %s negative",
		amount, headroom, d, at)
}

func fieldErr(field, format string, args ...any) error {
	var v Validation
	v.Addf(field, format, args...)
	return v.Err()
}

// Evolve applies one recorded event of the fund's stream. It only applies
// facts: a valid event never fails. Events of other streams are ignored.
func (f *Fund) Evolve(e Event) {
	if e.Stream != FundStream(f.ID) {
		return
	}
	f.Revision = e.Revision
	f.LastHash = e.Meta.Hash
	tx := &Tx{
		ID:         e.Meta.EventID,
		Type:       e.Type,
		OccurredOn: e.Meta.OccurredOn,
		RecordedAt: e.Meta.RecordedAt,
		Position:   e.Position,
		// A copy: the decoder hands out the metadata's strings as parts
		// of one copy of the whole metadata, and a fund keeps every
		// transaction's hash for as long as the process lives — the
		// hash alone, not the ~400 bytes around it (on a 10 M-event
		// ledger, gigabytes once many funds have been written to).
		PayloadHash: strings.Clone(e.Meta.PayloadHash),
	}
	if d, ok := e.Data.(*FundOpened); ok {
		f.Exists = true
		f.ID, f.Unit, f.Name, f.Kind, f.OpenedOn = d.FundID, d.UnitID, d.Name, d.Kind, d.OpenedOn
		f.Opened = *tx
		return
	}
	m, ok := e.Data.(MoneyEvent)
	if !ok {
		return
	}
	facts := m.Money()
	tx.Amount, tx.Beneficiary, tx.LoanID, tx.Reverses = facts.Amount, facts.Beneficiary, facts.LoanID, facts.Reverses
	spec := facts.Kind.Spec()
	switch {
	case spec.Loan == LoanLends:
		f.loans[facts.LoanID] = &Loan{ID: facts.LoanID, Principal: facts.Amount, Date: e.Meta.OccurredOn}
	case spec.Loan == LoanRepays:
		if l, ok := f.loans[facts.LoanID]; ok {
			l.ActiveRepayments++
		}
	case spec.Direction == Opposite:
		if orig, ok := f.txs[facts.Reverses]; ok {
			orig.ReversedBy = tx.ID
			if l, ok := f.loans[facts.LoanID]; ok {
				switch KindOf(orig.Type).Spec().Loan {
				case LoanLends:
					l.Reversed = true
				case LoanRepays:
					l.ActiveRepayments--
				}
			}
		}
	}
	if spec.Direction != Opposite {
		// A reversal's copy of its original's shelter kind stays on the
		// original's record.
		tx.Shelter = facts.Shelter
	}
	eff := EffectOf(e.Data)
	f.Balance.Add(tx.OccurredOn, eff.Delta)
	if !eff.Outstanding.IsZero() {
		if l, ok := f.loans[eff.LoanID]; ok {
			l.Outstanding.Add(tx.OccurredOn, eff.Outstanding)
		}
	}
	tx.BalanceAfter = f.Balance.Last()
	f.txs[tx.ID] = tx
}

// setPosition records the global position of an applied event, which the
// ledger learns only once the event is appended.
func (f *Fund) setPosition(e Event, pos Position) {
	if t, ok := f.txs[e.Meta.EventID]; ok {
		t.Position = pos
	}
	if _, ok := e.Data.(*FundOpened); ok {
		f.Opened.Position = pos
	}
}
