package benchdata

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// The mix of events per fund kind, in percent; what a kind does not allow
// never appears in its row. An outflow the balance cannot cover, a
// repayment with no open loan or a reversal with nothing reversible becomes
// a donation instead, so the history stays valid.
type mix struct{ donation, assistance, shelter, loan, repayment int } // the rest: reversals

var mixes = map[domain.FundKind]mix{
	domain.FundSocial:         {donation: 50, assistance: 42, shelter: 7},
	domain.FundShelter:        {donation: 62, shelter: 37},
	domain.FundCharity:        {donation: 52, assistance: 30, shelter: 17},
	domain.FundCapitalSupport: {donation: 20, loan: 16, repayment: 63},
	domain.FundMutualAid:      {donation: 45, assistance: 30, loan: 8, repayment: 16},
}

// money emits one money event of fund f dated day.
func (g *generator) money(ctx context.Context, f *fundRec, day int) {
	m := mixes[f.kind]
	r := g.rng.IntN(100)
	switch {
	case r < m.donation:
	case r < m.donation+m.assistance:
		if g.assistance(ctx, f, day) {
			return
		}
	case r < m.donation+m.assistance+m.shelter:
		if g.shelter(ctx, f, day) {
			return
		}
	case r < m.donation+m.assistance+m.shelter+m.loan:
		if g.loan(ctx, f, day) {
			return
		}
	case r < m.donation+m.assistance+m.shelter+m.loan+m.repayment:
		if g.repayment(ctx, f, day) {
			return
		}
	default:
		if g.reversal(ctx, f, day) {
			return
		}
	}
	g.donation(ctx, f, day)
}

// thousands returns a random whole number of thousands of đồng in [lo, hi].
func (g *generator) thousands(lo, hi int64) int64 {
	return (lo + g.rng.Int64N(hi-lo+1)) / 1000 * 1000
}

func (g *generator) member(f *fundRec) domain.BeneficiaryID {
	p := f.unit.province
	if f.unit.level == levelRoot {
		p = g.rng.IntN(g.spec.Provinces)
	}
	return domain.BeneficiaryID(fmt.Sprintf("%s-%06d", provinceOf(p).code, g.rng.IntN(g.spec.MembersPerProvince)+1))
}

func (g *generator) remember(f *fundRec, t *txRec) {
	f.recent[f.nRecent%ringLen] = t
	f.nRecent++
}

func (g *generator) donation(ctx context.Context, f *fundRec, day int) {
	id := domain.NewID()
	year := g.dates[day].Year()
	var amount int64
	c := domain.RecordDonation{TransactionID: id, FundID: f.id, OccurredOn: g.dates[day],
		Reference: fmt.Sprintf("PT-%d-%06d", year, g.rng.IntN(1_000_000))}
	switch r := g.rng.IntN(100); {
	case r < 72:
		amount = g.thousands(100_000, 2_000_000)
		c.Donor = domain.Donor{Kind: domain.DonorMember}
	case r < 90:
		amount = g.thousands(5_000_000, 200_000_000)
		c.Donor = domain.Donor{Kind: domain.DonorEnterprise, Name: enterprises[g.rng.IntN(len(enterprises))]}
	case r < 95:
		amount = g.thousands(10_000_000, 100_000_000)
		c.Donor = domain.Donor{Kind: domain.DonorOrganization, Name: "Ngân hàng Chính sách xã hội"}
	case r < 98:
		amount = g.thousands(500_000, 20_000_000)
		c.Donor = domain.Donor{Kind: domain.DonorIndividual, Name: "Nhà hảo tâm"}
	default:
		amount = g.thousands(100_000, 5_000_000)
		c.Donor = domain.Donor{Kind: domain.DonorAnonymous}
	}
	if g.rng.IntN(3) == 0 {
		c.Campaign = fmt.Sprintf("%s %d", campaigns[g.rng.IntN(len(campaigns))], year)
	}
	c.Amount = domain.VNDFromInt64(amount)
	f.balance += amount
	g.remember(f, &txRec{id: id, typ: domain.TypeDonationReceived, amount: amount, date: c.OccurredOn})
	g.emit(ctx, f, id, day, c, &domain.DonationReceived{TransactionID: id, FundID: f.id, Amount: c.Amount,
		Donor: c.Donor, Campaign: c.Campaign, Reference: c.Reference})
}

var assistanceAmounts = map[domain.AssistanceCategory][2]int64{
	domain.AssistTetGift:        {500_000, 2_000_000},
	domain.AssistSeriousIllness: {2_000_000, 10_000_000},
	domain.AssistAccident:       {2_000_000, 5_000_000},
	domain.AssistDeath:          {3_000_000, 5_000_000},
	domain.AssistDisaster:       {1_000_000, 5_000_000},
	domain.AssistScholarship:    {1_000_000, 3_000_000},
	domain.AssistHardship:       {500_000, 2_000_000},
	domain.AssistOther:          {500_000, 1_000_000},
}

// categories weighs assistance categories: Tết gifts dominate.
var categories = []domain.AssistanceCategory{
	domain.AssistTetGift, domain.AssistTetGift, domain.AssistTetGift, domain.AssistTetGift,
	domain.AssistSeriousIllness, domain.AssistSeriousIllness, domain.AssistAccident, domain.AssistDisaster,
	domain.AssistScholarship, domain.AssistHardship, domain.AssistDeath, domain.AssistOther,
}

func (g *generator) assistance(ctx context.Context, f *fundRec, day int) bool {
	cat := categories[g.rng.IntN(len(categories))]
	r := assistanceAmounts[cat]
	amount := g.thousands(r[0], r[1])
	if amount > f.balance {
		return false
	}
	id := domain.NewID()
	c := domain.GrantAssistance{TransactionID: id, FundID: f.id, BeneficiaryID: g.member(f), Amount: domain.VNDFromInt64(amount),
		Category: cat, OccurredOn: g.dates[day]}
	f.balance -= amount
	g.remember(f, &txRec{id: id, typ: domain.TypeAssistanceGranted, amount: amount, date: c.OccurredOn, benef: c.BeneficiaryID})
	g.emit(ctx, f, id, day, c, &domain.AssistanceGranted{TransactionID: id, FundID: f.id, BeneficiaryID: c.BeneficiaryID,
		Amount: c.Amount, Category: cat})
	return true
}

func (g *generator) shelter(ctx context.Context, f *fundRec, day int) bool {
	kind, amount := domain.ShelterRepair, g.thousands(20_000_000, 40_000_000)
	if g.rng.IntN(5) < 2 {
		kind, amount = domain.ShelterNewBuild, g.thousands(50_000_000, 80_000_000)
	}
	if amount > f.balance {
		return false
	}
	id := domain.NewID()
	c := domain.PayShelterGrant{TransactionID: id, FundID: f.id, BeneficiaryID: g.member(f), Amount: domain.VNDFromInt64(amount),
		Shelter: kind, OccurredOn: g.dates[day],
		DecisionNo: fmt.Sprintf("%d/QĐ-LĐLĐ", 1+g.rng.IntN(999))}
	f.balance -= amount
	g.remember(f, &txRec{id: id, typ: domain.TypeShelterGrantPaid, amount: amount, date: c.OccurredOn, benef: c.BeneficiaryID, shelter: kind})
	g.emit(ctx, f, id, day, c, &domain.ShelterGrantPaid{TransactionID: id, FundID: f.id, BeneficiaryID: c.BeneficiaryID,
		Amount: c.Amount, Shelter: kind, DecisionNo: c.DecisionNo})
	return true
}

func (g *generator) loan(ctx context.Context, f *fundRec, day int) bool {
	amount := int64(10+g.rng.IntN(41)) * 1_000_000
	if amount > f.balance {
		return false
	}
	id := domain.NewID()
	due := domain.DateOf(g.days[day].AddDate(2+g.rng.IntN(2), 0, 0))
	c := domain.DisburseLoan{LoanID: id, FundID: f.id, BeneficiaryID: g.member(f), Amount: domain.VNDFromInt64(amount),
		OccurredOn: g.dates[day], DueOn: due, Project: projects[g.rng.IntN(len(projects))]}
	f.balance -= amount
	l := &loanRec{id: id, benef: c.BeneficiaryID, principal: amount, outstanding: amount, open: len(f.loans)}
	f.loans = append(f.loans, l)
	g.remember(f, &txRec{id: id, typ: domain.TypeLoanDisbursed, amount: amount, date: c.OccurredOn, benef: c.BeneficiaryID, loan: l})
	g.emit(ctx, f, id, day, c, &domain.LoanDisbursed{LoanID: id, FundID: f.id, BeneficiaryID: c.BeneficiaryID,
		Amount: c.Amount, DueOn: due, Project: c.Project})
	return true
}

// closeLoan removes l from f's open loans.
func closeLoan(f *fundRec, l *loanRec) {
	last := f.loans[len(f.loans)-1]
	f.loans[l.open] = last
	last.open = l.open
	f.loans = f.loans[:len(f.loans)-1]
	l.open = -1
}

// repayment pays an installment (a tenth or a twelfth of the principal) of
// a random open loan, or what is left of it.
func (g *generator) repayment(ctx context.Context, f *fundRec, day int) bool {
	if len(f.loans) == 0 {
		return false
	}
	l := f.loans[g.rng.IntN(len(f.loans))]
	amount := min(l.outstanding, l.principal/int64(10+2*g.rng.IntN(2))/1000*1000)
	if amount <= 0 {
		amount = l.outstanding
	}
	id := domain.NewID()
	c := domain.RepayLoan{TransactionID: id, FundID: f.id, LoanID: l.id, Amount: domain.VNDFromInt64(amount), OccurredOn: g.dates[day]}
	f.balance += amount
	l.outstanding -= amount
	l.repayments++
	if l.outstanding == 0 {
		closeLoan(f, l)
	}
	g.emit(ctx, f, id, day, c, &domain.LoanRepaid{TransactionID: id, FundID: f.id, LoanID: l.id, BeneficiaryID: l.benef, Amount: c.Amount})
	return true
}

// reversal corrects a recent transaction of f. A donation is reversible
// while the balance covers it; a loan only before any repayment.
func (g *generator) reversal(ctx context.Context, f *fundRec, day int) bool {
	n := min(f.nRecent, ringLen)
	if n == 0 {
		return false
	}
	t := f.recent[g.rng.IntN(n)]
	if t.reversed {
		return false
	}
	switch t.typ {
	case domain.TypeDonationReceived:
		if t.amount > f.balance {
			return false
		}
		f.balance -= t.amount
	case domain.TypeLoanDisbursed:
		if t.loan.repayments > 0 || t.loan.open < 0 {
			return false
		}
		closeLoan(f, t.loan)
		f.balance += t.amount
	default:
		f.balance += t.amount
	}
	t.reversed = true
	id := domain.NewID()
	c := domain.ReverseTransaction{TransactionID: id, FundID: f.id, Reverses: t.id, Reason: reasons[g.rng.IntN(len(reasons))], OccurredOn: g.dates[day]}
	var loanID uuid.UUID
	if t.loan != nil {
		loanID = t.loan.id
	}
	g.emit(ctx, f, id, day, c, &domain.TransactionReversed{TransactionID: id, FundID: f.id, Reverses: t.id, Reason: c.Reason,
		OriginalType: t.typ, Amount: domain.VNDFromInt64(t.amount), OriginalOccurredOn: t.date,
		BeneficiaryID: t.benef, LoanID: loanID, Shelter: t.shelter})
	return true
}
