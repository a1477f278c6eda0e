package projections

import "github.com/welfare-ledger/welfare-ledger/domain"

// beneficiaryTxs lists a beneficiary's grants, loans and repayments in log
// order; id is the one copy of the beneficiary id that every txNode shares.
type beneficiaryTxs struct {
	id  domain.BeneficiaryID
	txs []*txNode
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

// fillBeneficiaries fills the beneficiaries' lists (sized first: appending
// to half a million growing lists was a fifth of a load); bidx[i] is the
// i-th transaction's beneficiary (index in benefs + 1) when it goes in the
// list, else 0.
func (p *Projections) fillBeneficiaries(benefs []*beneficiaryTxs, slabs txSlabs, bidx []uint32) {
	lens := make([]int32, len(benefs)+1)
	for _, bi := range bidx {
		lens[bi]++
	}
	for i, bt := range benefs {
		bt.txs = make([]*txNode, 0, lens[i+1])
	}
	for i, bi := range bidx {
		if bi > 0 {
			bt := benefs[bi-1]
			bt.txs = append(bt.txs, slabs.node(uint32(i)))
		}
	}
}
