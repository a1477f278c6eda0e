package projections

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// Projections holds every read model. Create it with New, feed it with Run
// (or Apply, in log order), query it from any goroutine.
type Projections struct {
	mu  sync.RWMutex
	pos domain.Position

	units     map[domain.UnitID]*unitNode
	unitOrder []*unitNode
	funds     map[uuid.UUID]*fundNode
	fundOrder []*fundNode
	txs       map[uuid.UUID]*txNode
	benef     map[domain.BeneficiaryID][]*txNode

	ready atomic.Bool

	notifyMu sync.Mutex
	notify   chan struct{} // closed and replaced whenever pos advances
}

type unitNode struct {
	view     Unit
	parent   *unitNode
	children []*unitNode
	funds    []*fundNode
	// persons counts distinct beneficiaries across every fund of the
	// unit's subtree.
	persons *personIndex
}

// countKind indexes the per-category transaction counts.
type countKind int

const (
	kDonation countKind = iota
	kShelterNew
	kShelterRepair
	kAssistance
	kLoan
	kRepayment
	numKinds
)

// amountCat indexes the per-category amount series.
type amountCat int

const (
	aDonations amountCat = iota
	aShelter
	aAssistance
	aLoans
	aRepayments
	numCats
)

type fundNode struct {
	info    FundSummary // identity fields only; figures are computed
	unit    *unitNode
	lastPos domain.Position
	txs     []*txNode // log order

	// amounts[c] is the running sum of category c's movements by date
	// (originals add, reversals subtract).
	amounts [numCats]domain.DailySeries
	// originals[k] counts transactions of kind k by their date; reversed[k]
	// counts reversals of kind k by the reversal's date; reversals counts
	// every reversal by its date.
	originals [numKinds]countSeries
	reversed  [numKinds]countSeries
	reversals countSeries
	// revs lists the reversals, for counts over periods that do not start
	// at the beginning.
	revs    []reversalRec
	persons *personIndex
	loans   map[uuid.UUID]*loanState
}

type reversalRec struct {
	kind          countKind
	orig, revDate domain.Date
}

type loanState struct {
	view   Loan
	repaid domain.VND
}

type txNode struct {
	tx      Transaction
	fund    *fundNode
	kind    countKind
	revDate domain.Date // zero while not reversed
}

// New returns empty projections.
func New() *Projections {
	return &Projections{
		units:  map[domain.UnitID]*unitNode{},
		funds:  map[uuid.UUID]*fundNode{},
		txs:    map[uuid.UUID]*txNode{},
		benef:  map[domain.BeneficiaryID][]*txNode{},
		notify: make(chan struct{}),
	}
}

// Apply folds one event into every read model. Events must come in log
// order; an event at or before the current position is ignored.
func (p *Projections) Apply(e domain.Event) error {
	p.mu.Lock()
	err := p.applyLocked(e)
	p.mu.Unlock()
	p.broadcast()
	return err
}

func (p *Projections) applyBatch(events []domain.Event) error {
	p.mu.Lock()
	var err error
	for _, e := range events {
		if err = p.applyLocked(e); err != nil {
			break
		}
	}
	p.mu.Unlock()
	p.broadcast()
	return err
}

func (p *Projections) broadcast() {
	p.notifyMu.Lock()
	close(p.notify)
	p.notify = make(chan struct{})
	p.notifyMu.Unlock()
}

// errInconsistent marks an event that contradicts what the projections hold;
// the ledger's write side makes it impossible, so it means a corrupted log.
var errInconsistent = errors.New("event inconsistent with the log before it")

func (p *Projections) applyLocked(e domain.Event) error {
	if e.Position <= p.pos && p.pos != 0 {
		return nil
	}
	switch d := e.Data.(type) {
	case *domain.UnitRegistered:
		p.applyUnit(d)
	case *domain.FundOpened:
		u, ok := p.units[d.UnitID]
		if !ok {
			return fmt.Errorf("fund %s of unknown unit %q at %d: %w", d.FundID, d.UnitID, e.Position, errInconsistent)
		}
		f := &fundNode{
			info: FundSummary{FundID: d.FundID, UnitID: d.UnitID, Name: d.Name, Kind: d.Kind, OpenedOn: d.OpenedOn},
			unit: u, lastPos: e.Position, persons: newPersonIndex(), loans: map[uuid.UUID]*loanState{},
		}
		p.funds[d.FundID] = f
		p.fundOrder = append(p.fundOrder, f)
		u.funds = append(u.funds, f)
	default:
		if err := p.applyMoney(e); err != nil {
			return err
		}
	}
	p.pos = e.Position
	return nil
}

func (p *Projections) applyUnit(d *domain.UnitRegistered) {
	n := &unitNode{view: Unit{ID: d.UnitID, Name: d.Name, ParentID: d.ParentID}, persons: newPersonIndex()}
	if parent, ok := p.units[d.ParentID]; ok {
		n.parent = parent
		parent.children = append(parent.children, n)
		n.view.Path = append(append([]domain.UnitID{}, parent.view.Path...), d.UnitID)
	} else {
		n.view.Path = []domain.UnitID{d.UnitID}
	}
	p.units[d.UnitID] = n
	p.unitOrder = append(p.unitOrder, n)
}

func (p *Projections) applyMoney(e domain.Event) error {
	fundID, ok := fundOf(e.Data)
	if !ok {
		return fmt.Errorf("event %s at %d: %w", e.Type, e.Position, domain.ErrUnknownEventType)
	}
	f, ok := p.funds[fundID]
	if !ok {
		return fmt.Errorf("%s at %d for unknown fund %s: %w", e.Type, e.Position, fundID, errInconsistent)
	}
	t := &txNode{fund: f, tx: Transaction{
		TransactionID: e.Meta.EventID, FundID: f.info.FundID, UnitID: f.info.UnitID, Type: e.Type,
		OccurredOn: e.Meta.OccurredOn, RecordedAt: e.Meta.RecordedAt, Position: e.Position, Actor: e.Meta.Actor,
	}}
	date := e.Meta.OccurredOn
	switch d := e.Data.(type) {
	case *domain.DonationReceived:
		donor := d.Donor
		t.tx.Amount, t.tx.Donor, t.tx.Campaign, t.tx.Reference, t.tx.Note = d.Amount, &donor, d.Campaign, d.Reference, d.Note
		t.kind = kDonation
		f.amounts[aDonations].Add(date, d.Amount)
	case *domain.ShelterGrantPaid:
		t.tx.Amount, t.tx.BeneficiaryID, t.tx.Shelter, t.tx.DecisionNo, t.tx.Note = d.Amount, d.BeneficiaryID, d.Shelter, d.DecisionNo, d.Note
		t.kind = kShelterNew
		if d.Shelter == domain.ShelterRepair {
			t.kind = kShelterRepair
		}
		f.amounts[aShelter].Add(date, d.Amount)
		p.countPerson(f, d.BeneficiaryID, t.tx.TransactionID, date)
	case *domain.AssistanceGranted:
		t.tx.Amount, t.tx.BeneficiaryID, t.tx.Category, t.tx.Note = d.Amount, d.BeneficiaryID, d.Category, d.Note
		t.kind = kAssistance
		f.amounts[aAssistance].Add(date, d.Amount)
		p.countPerson(f, d.BeneficiaryID, t.tx.TransactionID, date)
	case *domain.LoanDisbursed:
		loanID := d.LoanID
		t.tx.Amount, t.tx.BeneficiaryID, t.tx.LoanID, t.tx.DueOn, t.tx.Project, t.tx.Note = d.Amount, d.BeneficiaryID, &loanID, d.DueOn, d.Project, d.Note
		t.kind = kLoan
		f.amounts[aLoans].Add(date, d.Amount)
		p.countPerson(f, d.BeneficiaryID, t.tx.TransactionID, date)
		f.loans[d.LoanID] = &loanState{view: Loan{
			LoanID: d.LoanID, FundID: f.info.FundID, BeneficiaryID: d.BeneficiaryID, Principal: d.Amount,
			Status: LoanActive, DisbursedOn: date, DueOn: d.DueOn, Project: d.Project,
		}}
	case *domain.LoanRepaid:
		loanID := d.LoanID
		t.tx.Amount, t.tx.BeneficiaryID, t.tx.LoanID, t.tx.Note = d.Amount, d.BeneficiaryID, &loanID, d.Note
		t.kind = kRepayment
		f.amounts[aRepayments].Add(date, d.Amount)
		if l, ok := f.loans[d.LoanID]; ok {
			l.repaid = l.repaid.Add(d.Amount)
		}
	case *domain.TransactionReversed:
		if err := p.applyReversal(e, f, t, d); err != nil {
			return err
		}
	default:
		return fmt.Errorf("event %s at %d: %w", e.Type, e.Position, domain.ErrUnknownEventType)
	}
	if e.Type != domain.TypeTransactionReversed {
		f.originals[t.kind].Add(date, 1)
	}
	f.txs = append(f.txs, t)
	f.lastPos = e.Position
	p.txs[t.tx.TransactionID] = t
	if t.tx.BeneficiaryID != "" && e.Type != domain.TypeTransactionReversed {
		p.benef[t.tx.BeneficiaryID] = append(p.benef[t.tx.BeneficiaryID], t)
	}
	return nil
}

func (p *Projections) applyReversal(e domain.Event, f *fundNode, t *txNode, d *domain.TransactionReversed) error {
	orig, ok := p.txs[d.Reverses]
	if !ok || orig.fund != f || orig.revDate != 0 || orig.tx.Type == domain.TypeTransactionReversed {
		return fmt.Errorf("reversal %s of %s at %d: %w", d.TransactionID, d.Reverses, e.Position, errInconsistent)
	}
	date := e.Meta.OccurredOn
	reverses := d.Reverses
	t.tx.Amount, t.tx.Reverses, t.tx.Reason, t.tx.BeneficiaryID = d.Amount, &reverses, d.Reason, d.BeneficiaryID
	if d.LoanID != uuid.Nil {
		loanID := d.LoanID
		t.tx.LoanID = &loanID
	}
	t.kind = orig.kind
	orig.revDate = date
	by := t.tx.TransactionID
	orig.tx.ReversedBy = &by
	f.amounts[catOf(orig.kind)].Add(date, d.Amount.Neg())
	f.reversed[orig.kind].Add(date, 1)
	f.reversals.Add(date, 1)
	f.revs = append(f.revs, reversalRec{kind: orig.kind, orig: orig.tx.OccurredOn, revDate: date})
	switch orig.kind {
	case kShelterNew, kShelterRepair, kAssistance, kLoan:
		p.uncountPerson(f, orig.tx.BeneficiaryID, orig.tx.TransactionID, date)
	}
	switch orig.kind {
	case kLoan:
		if l, ok := f.loans[orig.tx.TransactionID]; ok {
			l.view.Status = LoanReversed
		}
	case kRepayment:
		if l, ok := f.loans[*orig.tx.LoanID]; ok {
			l.repaid = l.repaid.Sub(d.Amount)
		}
	}
	return nil
}

// countPerson counts a grant's or loan's beneficiary in the fund and in the
// fund's unit and every ancestor, whose subtrees all contain the fund.
func (p *Projections) countPerson(f *fundNode, b domain.BeneficiaryID, id uuid.UUID, d domain.Date) {
	f.persons.grant(b, id, d)
	for u := f.unit; u != nil; u = u.parent {
		u.persons.grant(b, id, d)
	}
}

func (p *Projections) uncountPerson(f *fundNode, b domain.BeneficiaryID, id uuid.UUID, d domain.Date) {
	f.persons.reverse(b, id, d)
	for u := f.unit; u != nil; u = u.parent {
		u.persons.reverse(b, id, d)
	}
}

func catOf(k countKind) amountCat {
	switch k {
	case kDonation:
		return aDonations
	case kShelterNew, kShelterRepair:
		return aShelter
	case kAssistance:
		return aAssistance
	case kLoan:
		return aLoans
	default:
		return aRepayments
	}
}

func fundOf(d domain.EventData) (uuid.UUID, bool) {
	switch d := d.(type) {
	case *domain.DonationReceived:
		return d.FundID, true
	case *domain.ShelterGrantPaid:
		return d.FundID, true
	case *domain.AssistanceGranted:
		return d.FundID, true
	case *domain.LoanDisbursed:
		return d.FundID, true
	case *domain.LoanRepaid:
		return d.FundID, true
	case *domain.TransactionReversed:
		return d.FundID, true
	}
	return uuid.Nil, false
}

// Run catches the projections up with the store's log, marks them ready, and
// then follows the store's subscription until ctx is done. It returns the
// first error that stops it (ctx's error on shutdown).
func Run(ctx context.Context, store domain.EventStore, p *Projections, log *slog.Logger) error {
	if err := p.catchUp(ctx, store); err != nil {
		return err
	}
	p.ready.Store(true)
	log.Info("projections caught up", "position", uint64(p.Position()))
	sub, err := store.Subscribe(ctx, p.Position())
	if err != nil {
		return fmt.Errorf("projections subscribe: %w", err)
	}
	defer sub.Close()
	for {
		batch, err := sub.Next(ctx)
		if err != nil {
			return fmt.Errorf("projections follow: %w", err)
		}
		if err := p.applyStored(batch); err != nil {
			return err
		}
	}
}

// catchUpReadAhead is how many batches each stage of the catch-up may run
// ahead of the next one: enough to keep the stages busy, bounded so that a
// slow apply does not pull the whole log into memory.
const catchUpReadAhead = 2

// catchUp applies the store's log from the current position to its end.
// Reading, decoding and applying are three stages connected by channels, so
// that on several cores the SQLite scan, the JSON decoding and the folding
// overlap instead of adding up; events are still applied one batch at a
// time, in log order.
func (p *Projections) catchUp(ctx context.Context, store domain.EventStore) error {
	ctx, cancel := context.WithCancel(ctx)
	type stage struct {
		stored []domain.StoredEvent
		events []domain.Event
		err    error
	}
	read := make(chan stage, catchUpReadAhead)
	decoded := make(chan stage, catchUpReadAhead)
	send := func(ch chan<- stage, st stage) bool {
		select {
		case ch <- st:
			return true
		case <-ctx.Done():
			return false
		}
	}
	go func() {
		defer close(read)
		after := p.Position()
		for {
			batch, err := store.ReadAll(ctx, after, domain.MaxReadBatch)
			if err != nil {
				err = fmt.Errorf("projections catch-up: %w", err)
			}
			if !send(read, stage{stored: batch, err: err}) || err != nil || len(batch) < domain.MaxReadBatch {
				return
			}
			after = batch[len(batch)-1].Position
		}
	}()
	go func() {
		defer close(decoded)
		for st := range read {
			if st.err == nil {
				st.events, st.err = decodeAll(st.stored)
			}
			if !send(decoded, st) || st.err != nil {
				return
			}
		}
	}()
	defer func() {
		cancel()
		for range decoded { // let both stages finish before returning
		}
	}()
	for st := range decoded {
		if st.err != nil {
			return st.err
		}
		if len(st.events) == 0 {
			continue
		}
		if err := p.applyBatch(st.events); err != nil {
			return fmt.Errorf("projections: %w", err)
		}
	}
	return ctx.Err()
}

// decodeAll decodes a batch of stored events.
func decodeAll(batch []domain.StoredEvent) ([]domain.Event, error) {
	events := make([]domain.Event, len(batch))
	for i, se := range batch {
		e, err := domain.Decode(se)
		if err != nil {
			return nil, fmt.Errorf("projections: %w", err)
		}
		events[i] = e
	}
	return events, nil
}

func (p *Projections) applyStored(batch []domain.StoredEvent) error {
	if len(batch) == 0 {
		return nil
	}
	events, err := decodeAll(batch)
	if err != nil {
		return err
	}
	if err := p.applyBatch(events); err != nil {
		return fmt.Errorf("projections: %w", err)
	}
	return nil
}
