package projections

import (
	"sync/atomic"
	"time"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// unitNode is a unit of the hierarchy: its place in the tree, its funds,
// and the distinct persons of its subtree. applyUnit creates it live,
// readUnit from a checkpoint.
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
	// breakdown is the subtree's figures per breakdown line
	// (breakdown.go); bdPersonsPending says its lines' person indexes are
	// not built yet, and bdJob is the job building them
	// (breakdown_persons.go).
	breakdown        lineIndexes
	bdPersonsPending atomic.Bool
	bdJob            *linePersonsJob
	// linesLater says a load left breakdown to be built (buildLinesNow,
	// breakdown.go). Under the lock.
	linesLater bool
}

// addFund attaches f to u.
func (u *unitNode) addFund(f *fundNode) {
	u.funds = append(u.funds, f)
	for a := u; a != nil; a = a.parent {
		a.subtreeFunds++
	}
}

func (p *Projections) applyUnit(d *domain.UnitRegistered, recorded time.Time) {
	n := &unitNode{view: Unit{ID: d.UnitID, Name: d.Name, ParentID: d.ParentID}, registered: recorded.UTC()}
	n.persons = newPersonIndex(nil, n)
	n.bdPersonsPending.Store(p.linePersonsLater || p.bdLinesLater.Load())
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

// encodeUnit writes u to a checkpoint (see readUnit): its identity, its
// parent (by its place among the units, + 1; 0 for none) and the count
// series of its person index, whose period index the load rebuilds
// (rebuildPeople).
func encodeUnit(e *enc, u *unitSnap) {
	e.str(string(u.view.ID))
	e.str(u.view.Name)
	e.str(string(u.view.ParentID))
	encodeTime(e, u.registered)
	e.u(uint64(u.parent))
	encodePersons(e, &u.persons)
}

// readUnit reads a unit that encodeUnit wrote and links it as applyUnit
// does; d's error says why it could not.
func (p *Projections) readUnit(d *dec) {
	id, name, parentID := domain.UnitID(d.str()), d.str(), domain.UnitID(d.str())
	n := &unitNode{view: Unit{ID: id, Name: name, ParentID: parentID}, registered: decodeTime(d)}
	if pi := d.count(len(p.unitOrder)); pi > 0 {
		n.parent = p.unitOrder[pi-1]
		n.parent.children = append(n.parent.children, n)
		n.view.Path = append(append([]domain.UnitID{}, n.parent.view.Path...), id)
	} else {
		n.view.Path = []domain.UnitID{id}
	}
	n.persons = newPersonIndex(nil, n)
	decodeCountSeries(d, &n.persons.count)
	p.units[id] = n
	p.unitOrder = append(p.unitOrder, n)
}

type unitSnap struct {
	view       Unit
	registered time.Time
	parent     int // index in units + 1, 0 for none
	persons    personsSnap
}
