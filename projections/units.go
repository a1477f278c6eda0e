package projections

import (
	"time"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

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
