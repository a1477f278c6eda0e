package projections

import "github.com/welfare-ledger/welfare-ledger/domain"

// beneficiaryTxs lists a beneficiary's grants, loans and repayments in log
// order; id is the one copy of the beneficiary id that every txNode shares.
// num numbers the beneficiaries from 0, in the order they were made, each
// once: a breakdown job groups a scope's grants by person with it, where
// a map of the persons cost a cache miss a grant (breakdown_grants.go). It
// fits in the padding of the struct's size class: no memory.
type beneficiaryTxs struct {
	id  domain.BeneficiaryID
	txs []*txNode
	num uint32
}

// beneficiary returns the transactions of a beneficiary, creating the list.
func (p *Projections) beneficiary(id domain.BeneficiaryID) *beneficiaryTxs {
	bt, ok := p.benef[id]
	if !ok {
		bt = &beneficiaryTxs{id: id, num: uint32(len(p.benef))}
		p.benef[id] = bt
	}
	return bt
}

// fillBeneficiaries fills the beneficiaries' lists (sized first: appending
// to half a million growing lists was a fifth of a load); bidx[i] is the
// i-th transaction's beneficiary (index in benefs + 1) when it goes in the
// list, else 0. benefs are the last beneficiaries added to p.benef: it
// numbers them after those before.
func (p *Projections) fillBeneficiaries(benefs []*beneficiaryTxs, slabs txSlabs, bidx []uint32) {
	lens := make([]int32, len(benefs)+1)
	for _, bi := range bidx {
		lens[bi]++
	}
	before := len(p.benef) - len(benefs)
	for i, bt := range benefs {
		bt.txs = make([]*txNode, 0, lens[i+1])
		bt.num = uint32(before + i)
	}
	for i, bi := range bidx {
		if bi > 0 {
			bt := benefs[bi-1]
			bt.txs = append(bt.txs, slabs.node(uint32(i)))
		}
	}
}
