package projections

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/welfare-ledger/welfare-ledger/domain"
)

// fundNode is a fund as the projections keep it: its identity, its
// transactions in log order and the indexes over them (running sums,
// reversal records, persons, loans, known_at). applyFundOpened creates it
// live, readFund from a checkpoint.
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
	// breakdown is the fund's figures per breakdown line (breakdown.go);
	// bdPersonsPending says its lines' person indexes are not built yet,
	// and bdJob is the job building them
	// (breakdown_persons.go).
	breakdown        lineIndexes
	bdPersonsPending atomic.Bool
	bdJob            *linePersonsJob
	// linesLater says a load left breakdown to be built (buildLinesNow,
	// breakdown.go). Under the lock.
	linesLater bool

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

// applyFundOpened adds the fund e opens to its unit.
func (p *Projections) applyFundOpened(e *domain.Event, d *domain.FundOpened) error {
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
	f.bdPersonsPending.Store(p.linePersonsLater || p.bdLinesLater.Load())
	p.addFund(f)
	return nil
}

// addFund indexes f, whose unit is set, as applied or loaded.
func (p *Projections) addFund(f *fundNode) {
	p.funds[f.info.FundID] = f
	p.fundOrder = append(p.fundOrder, f)
	f.unit.addFund(f)
}

// encodeFund writes a fund to a checkpoint (see readFund): its identity,
// its unit (by its place among the units), its opening, its running sums
// (encodeSums) and its number of transactions, which follow the head in
// log order (writeTxs). Its list of transactions, loans, reversal
// records and known_at index are rebuilt from those on load.
func encodeFund(e *enc, f *fundSnap) {
	e.id(f.info.FundID)
	e.u(uint64(f.unit))
	e.str(f.info.Name)
	e.str(string(f.info.Kind))
	e.i(int64(f.info.OpenedOn))
	e.u(uint64(f.lastPos))
	encodeTime(e, f.opened)
	e.u(uint64(f.openPos))
	encodeSums(e, f)
	e.u(uint64(len(f.txs)))
}

// readFund reads a fund that encodeFund wrote, attaches it to its unit,
// and returns its number of transactions; d's error says why it could
// not.
func (p *Projections) readFund(d *dec) int {
	f := &fundNode{info: FundSummary{FundID: d.id()}, loans: map[uuid.UUID]*loanState{}}
	ui := d.count(len(p.unitOrder) - 1)
	if d.err != nil {
		return 0
	}
	f.unit = p.unitOrder[ui]
	f.info.UnitID = f.unit.view.ID
	f.info.Name = d.str()
	f.info.Kind = domain.FundKind(d.str())
	f.info.OpenedOn = domain.Date(d.date())
	f.lastPos = domain.Position(d.u())
	f.opened = decodeTime(d)
	f.openPos = domain.Position(d.u())
	f.persons = newPersonIndex(f, nil)
	f.sums = readSums(d)
	n := d.count(maxCkptItems)
	f.txs = make([]*txNode, 0, n)
	p.addFund(f)
	return n
}

type fundSnap struct {
	info    FundSummary
	unit    int
	lastPos domain.Position
	opened  time.Time
	openPos domain.Position
	// sums are copied under the lock, then split into the series
	// below.
	sums      []sumsEntry
	amounts   [numCats][]vndEntry
	originals [numKinds][]countEntry
	reversed  [numKinds][]countEntry
	reversals []countEntry
	persons   personsSnap
	txs       []*txNode
}
