package projections

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// Projections holds every read model. Create it with New, feed it with Run
// (or Apply, in log order), query it from any goroutine.
type Projections struct {
	mu  sync.RWMutex
	pos domain.Position
	// lastID and lastHash identify the event at pos, and prevPos is the
	// position of the event applied before it, so that a checkpoint can
	// be checked against the log it came from; history is the digest of
	// every event applied (see history.go), histBuf addHistory's scratch.
	lastID   uuid.UUID
	lastHash string
	prevPos  domain.Position
	history  hash.Hash
	histBuf  []byte
	// applied counts the events applied since New or ReadCheckpoint, for
	// the checkpointer.
	applied uint64

	units     map[domain.UnitID]*unitNode
	unitOrder []*unitNode
	funds     map[uuid.UUID]*fundNode
	fundOrder []*fundNode
	// txs indexes by id the transactions applied since the last freeze
	// (a checkpoint load, the end of a start's catch-up), frozen those
	// before (see tx).
	txs    map[uuid.UUID]*txNode
	frozen frozenTxs
	benef  map[domain.BeneficiaryID]*beneficiaryTxs
	// actors numbers the actors, whose names are in actorNames: a
	// transaction keeps the number.
	actors     map[string]uint32
	actorNames []string

	tokens     map[uuid.UUID]*tokenNode
	tokenOrder []*tokenNode

	// periods lists the closures of fiscal years in log order, closedNow
	// the ones not reopened (periods.go).
	periods   []*periodNode
	closedNow map[periodKey]*periodNode

	// grantBuf and spanBuf are countPerson's and uncountPerson's
	// scratch, under the write lock.
	grantBuf []grantSpan
	spanBuf  []span

	ready atomic.Bool
	// resubscribes counts the subscriptions Run has opened again after
	// the store dropped one (follow.go).
	resubscribes atomic.Uint64

	notifyMu sync.Mutex
	notify   chan struct{} // closed and replaced whenever pos advances
}

type unitNode struct {
	view     Unit
	parent   *unitNode
	children []*unitNode
	funds    []*fundNode
	// subtreeFunds counts the funds of the unit's subtree, so that a
	// roll-up sizes its list of fund lines once.
	subtreeFunds int
	// persons counts distinct beneficiaries across every fund of the
	// unit's subtree.
	persons *personIndex
	// registered is the recorded_at of the unit's registration, for
	// known_at (see Known).
	registered time.Time
}

// addFund attaches f to u.
func (u *unitNode) addFund(f *fundNode) {
	u.funds = append(u.funds, f)
	for a := u; a != nil; a = a.parent {
		a.subtreeFunds++
	}
}

// countKind indexes the per-category transaction counts.
type countKind uint8

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

	// sums is the running sum, by date, of every figure of the fund (see
	// lineSums).
	sums sumsSeries
	// revs lists the reversals sorted by their date, for counts over
	// periods that do not start at the beginning.
	revs    []reversalRec
	persons *personIndex
	loans   map[uuid.UUID]*loanState

	// opened and openPos are the recorded_at and position of the fund's
	// opening; lastRec is the latest recorded_at of its transactions, in
	// nanoseconds (see noteRecorded): with them a known_at query answers
	// from the indexes for a fund none of whose events it leaves out.
	opened  time.Time
	openPos domain.Position
	lastRec int64
	// recs finds the transactions a known_at query leaves out.
	recs recIndex
}

type reversalRec struct {
	kind          countKind
	orig, revDate domain.Date
}

type loanState struct {
	loan   *txNode // the disbursement
	repaid domain.VND
}

// beneficiaryTxs lists a beneficiary's grants, loans and repayments in log
// order; id is the one copy of the beneficiary id that every txNode shares.
type beneficiaryTxs struct {
	id  domain.BeneficiaryID
	txs []*txNode
}

// New returns empty projections.
func New() *Projections {
	return &Projections{
		units:   map[domain.UnitID]*unitNode{},
		funds:   map[uuid.UUID]*fundNode{},
		txs:     map[uuid.UUID]*txNode{},
		benef:   map[domain.BeneficiaryID]*beneficiaryTxs{},
		actors:  map[string]uint32{},
		tokens:  map[uuid.UUID]*tokenNode{},
		notify:  make(chan struct{}),
		history: sha256.New(),
	}
}

// Apply folds one event into every read model. Events must come in log
// order; an event at or before the current position is ignored.
func (p *Projections) Apply(e domain.Event) error {
	p.mu.Lock()
	err := p.applyLocked(&e)
	p.mu.Unlock()
	p.broadcast()
	return err
}

func (p *Projections) applyBatch(events []domain.Event) error {
	p.mu.Lock()
	var err error
	for i := range events {
		if err = p.applyLocked(&events[i]); err != nil {
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

// applyLocked, applyMoney and applyReversal take the event by pointer: an
// Event is a few hundred bytes, copied at every call otherwise.
func (p *Projections) applyLocked(e *domain.Event) error {
	if e.Position <= p.pos && p.pos != 0 {
		return nil
	}
	switch d := e.Data.(type) {
	case *domain.UnitRegistered:
		p.applyUnit(d, e.Meta.RecordedAt)
	case *domain.FundOpened:
		u, ok := p.units[d.UnitID]
		if !ok {
			return fmt.Errorf("fund %s of unknown unit %q at %d: %w", d.FundID, d.UnitID, e.Position, errInconsistent)
		}
		f := &fundNode{
			info: FundSummary{FundID: d.FundID, UnitID: d.UnitID, Name: d.Name, Kind: d.Kind, OpenedOn: d.OpenedOn},
			unit: u, lastPos: e.Position, loans: map[uuid.UUID]*loanState{},
			opened: e.Meta.RecordedAt.UTC(), openPos: e.Position,
		}
		f.persons = newPersonIndex(f, nil)
		p.funds[d.FundID] = f
		p.fundOrder = append(p.fundOrder, f)
		u.addFund(f)
	case *domain.TokenIssued, *domain.TokenRevoked:
		p.applyAccess(e)
	case *domain.PeriodClosed, *domain.PeriodReopened:
		if err := p.applyPeriod(e); err != nil {
			return err
		}
	default:
		if err := p.applyMoney(e); err != nil {
			return err
		}
	}
	p.prevPos, p.pos = p.pos, e.Position
	p.lastID, p.lastHash = e.Meta.EventID, e.Meta.Hash
	p.addHistory(e.Position, e.Meta.Hash)
	p.applied++
	return nil
}

func (p *Projections) applyUnit(d *domain.UnitRegistered, recorded time.Time) {
	n := &unitNode{view: Unit{ID: d.UnitID, Name: d.Name, ParentID: d.ParentID}, registered: recorded.UTC()}
	n.persons = newPersonIndex(nil, n)
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

func (p *Projections) applyMoney(e *domain.Event) error {
	fundID, ok := fundOf(e.Data)
	if !ok {
		return fmt.Errorf("event %s at %d: %w", e.Type, e.Position, domain.ErrUnknownEventType)
	}
	f, ok := p.funds[fundID]
	if !ok {
		return fmt.Errorf("%s at %d for unknown fund %s: %w", e.Type, e.Position, fundID, errInconsistent)
	}
	actor, ok := p.actors[e.Meta.Actor]
	if !ok {
		// A copy: the decoded name may share memory with its whole event.
		name := strings.Clone(e.Meta.Actor)
		actor = uint32(len(p.actorNames))
		p.actors[name] = actor
		p.actorNames = append(p.actorNames, name)
	}
	t := &txNode{id: e.Meta.EventID, fund: f, pos: e.Position, date: e.Meta.OccurredOn, actor: actor}
	var text packer
	t.setRecorded(e.Meta.RecordedAt, &text)
	date := e.Meta.OccurredOn
	var benef domain.BeneficiaryID
	switch d := e.Data.(type) {
	case *domain.DonationReceived:
		t.typ, t.kind = 0, kDonation
		t.flags |= flagDonor
		t.setAmount(d.Amount, &text)
		text.add(tDonorName, d.Donor.Name)
		text.enum(t, tDonorKind, string(d.Donor.Kind), donorKindNames)
		text.add(tCampaign, d.Campaign)
		text.add(tReference, d.Reference)
		text.add(tNote, d.Note)
	case *domain.ShelterGrantPaid:
		t.typ, benef = 1, d.BeneficiaryID
		t.setAmount(d.Amount, &text)
		text.enum(t, tShelter, string(d.Shelter), shelterKindNames)
		text.add(tDecisionNo, d.DecisionNo)
		text.add(tNote, d.Note)
		t.kind = kShelterNew
		if d.Shelter == domain.ShelterRepair {
			t.kind = kShelterRepair
		}
	case *domain.AssistanceGranted:
		t.typ, benef, t.kind = 2, d.BeneficiaryID, kAssistance
		t.setAmount(d.Amount, &text)
		text.enum(t, tCategory, string(d.Category), categoryNames)
		text.add(tNote, d.Note)
	case *domain.LoanDisbursed:
		t.typ, benef, t.kind, t.due = 3, d.BeneficiaryID, kLoan, d.DueOn
		t.setAmount(d.Amount, &text)
		if d.LoanID == t.id {
			t.flags |= flagLoanIsID
		} else {
			text.add(tLoanID, string(d.LoanID[:]))
		}
		text.add(tProject, d.Project)
		text.add(tNote, d.Note)
		f.loans[d.LoanID] = &loanState{loan: t}
	case *domain.LoanRepaid:
		t.typ, benef, t.kind = 4, d.BeneficiaryID, kRepayment
		t.setAmount(d.Amount, &text)
		text.add(tLoanID, string(d.LoanID[:]))
		text.add(tNote, d.Note)
		if l, ok := f.loans[d.LoanID]; ok {
			l.repaid = l.repaid.Add(d.Amount)
		}
	case *domain.TransactionReversed:
		t.typ, benef = typReversal, d.BeneficiaryID
		if err := p.applyReversal(e, f, t, d, &text); err != nil {
			return err
		}
	default:
		return fmt.Errorf("event %s at %d: %w", e.Type, e.Position, domain.ErrUnknownEventType)
	}
	if len(text.b) > 0 {
		t.text = string(text.b)
	}
	var bt *beneficiaryTxs
	if benef != "" {
		bt = p.beneficiary(benef)
		t.benef = bt
	}
	if t.helps() {
		p.countPerson(f, bt, date)
	}
	if t.typ != typReversal {
		f.sums.add(date, catOf(t.kind), t.amount(), t.kind, 1)
	}
	f.txs = append(f.txs, t)
	f.lastPos = e.Position
	f.noteRecorded(t)
	p.txs[t.id] = t
	if bt != nil && t.typ != typReversal {
		bt.txs = append(bt.txs, t)
	}
	return nil
}

// tx returns the transaction with the given id.
func (p *Projections) tx(id uuid.UUID) (*txNode, bool) {
	if t, ok := p.txs[id]; ok {
		return t, true
	}
	return p.frozen.find(id)
}

// beneficiary returns the transactions of a beneficiary, creating the list.
func (p *Projections) beneficiary(id domain.BeneficiaryID) *beneficiaryTxs {
	bt, ok := p.benef[id]
	if !ok {
		bt = &beneficiaryTxs{id: id}
		p.benef[id] = bt
	}
	return bt
}

func (p *Projections) applyReversal(e *domain.Event, f *fundNode, t *txNode, d *domain.TransactionReversed, text *packer) error {
	orig, ok := p.tx(d.Reverses)
	if !ok || orig.fund != f || orig.link != nil || orig.typ == typReversal {
		return fmt.Errorf("reversal %s of %s at %d: %w", d.TransactionID, d.Reverses, e.Position, errInconsistent)
	}
	date := e.Meta.OccurredOn
	t.link = orig
	t.setAmount(d.Amount, text)
	text.add(tReason, d.Reason)
	if d.LoanID != uuid.Nil {
		text.add(tLoanID, string(d.LoanID[:]))
	}
	t.kind = orig.kind
	f.sums.add(date, catOf(orig.kind), d.Amount.Neg(), orig.kind, 0)
	f.sums.addReversal(date, orig.kind)
	f.addRev(reversalRec{kind: orig.kind, orig: orig.date, revDate: date})
	switch orig.kind {
	case kShelterNew, kShelterRepair, kAssistance, kLoan:
		// Before the link: the person's spans are read from their
		// grants, and this one is still counted until this reversal.
		p.uncountPerson(f, orig.benef, orig.date, date)
	}
	orig.link = t
	switch orig.kind {
	case kRepayment:
		if l, ok := f.loans[*orig.loanID()]; ok {
			l.repaid = l.repaid.Sub(d.Amount)
		}
	}
	return nil
}

// countPerson counts a grant's or loan's beneficiary in the fund and in the
// fund's unit and every ancestor, whose subtrees all contain the fund.
func (p *Projections) countPerson(f *fundNode, b *beneficiaryTxs, d domain.Date) {
	// The person's grants are read once for every index.
	p.grantBuf = personGrants(b, p.grantBuf[:0])
	p.spanBuf = f.persons.spansIn(p.grantBuf, p.spanBuf[:0])
	f.persons.grant(p.spanBuf, d)
	for u := f.unit; u != nil; u = u.parent {
		p.spanBuf = u.persons.spansIn(p.grantBuf, p.spanBuf[:0])
		u.persons.grant(p.spanBuf, d)
	}
}

// uncountPerson ends, on date d, the counting of a grant or loan dated
// start.
func (p *Projections) uncountPerson(f *fundNode, b *beneficiaryTxs, start, d domain.Date) {
	p.grantBuf = personGrants(b, p.grantBuf[:0])
	p.spanBuf = f.persons.spansIn(p.grantBuf, p.spanBuf[:0])
	f.persons.reverse(b, p.spanBuf, start, d)
	for u := f.unit; u != nil; u = u.parent {
		p.spanBuf = u.persons.spansIn(p.grantBuf, p.spanBuf[:0])
		u.persons.reverse(b, p.spanBuf, start, d)
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
// then follows the store's subscription until ctx is done, subscribing again
// when the store drops it (follow). It returns the first error that stops it
// (ctx's error on shutdown).
func Run(ctx context.Context, store domain.EventStore, p *Projections, log *slog.Logger) error {
	if err := p.catchUp(ctx, store); err != nil {
		return err
	}
	// A replay from the start leaves millions of ids in the map: ~40
	// bytes each, where the frozen index takes 8.
	p.mu.Lock()
	err := p.freezeTxs(freezeMinTxs)
	p.mu.Unlock()
	if err != nil {
		return err
	}
	p.ready.Store(true)
	log.Info("projections caught up", "position", uint64(p.Position()))
	return p.follow(ctx, store, log)
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
		// Closing decoded only once read is closed makes the reader's end
		// part of catchUp's: none of its reads outlives the return.
		defer func() {
			for range read {
			}
		}()
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
	for i := range batch {
		var err error
		if events[i], err = domain.Decode(batch[i]); err != nil {
			return nil, fmt.Errorf("projections: %w", err)
		}
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
