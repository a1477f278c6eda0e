package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sort"
	"strings"
	"sync"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// A bench model holds every write the server acknowledged (201), per fund,
// so that the bench can compute each fund's figures itself and compare them
// with the server's at the end. It also hands out the transactions that
// reversals and repayments may target, so that concurrent clients never
// aim at the same one (which would produce already_reversed or
// loan_has_repayments refusals the bench did not intend).

// txKind is the category of an acknowledged transaction.
type txKind int

const (
	kindDonation txKind = iota
	kindShelter
	kindAssistance
	kindLoan
	kindRepayment
	kindReversal
)

// ackedTx is one write the server acknowledged.
type ackedTx struct {
	id      uuid.UUID
	kind    txKind
	amount  domain.VND
	date    domain.Date
	person  string    // grants and loans
	shelter string    // "new_build" or "repair" for shelter grants
	target  uuid.UUID // reversals: the reversed transaction
}

// benchLoan is what the bench knows of one acknowledged loan.
type benchLoan struct {
	id        uuid.UUID
	principal int64
	date      domain.Date
	// repayments counts the repayments sent (in flight or acknowledged):
	// a loan that has any is never reversed.
	repayments int
	// frozen marks a loan claimed by a reversal: no repayment targets it.
	frozen bool
}

// fundModel is one fund of the bench: its identity and its acknowledged
// writes.
type fundModel struct {
	id   uuid.UUID
	unit string
	kind domain.FundKind

	mu         sync.Mutex
	txs        []ackedTx
	index      map[uuid.UUID]int // position in txs
	reversible []uuid.UUID       // acknowledged, not reversed, not claimed
	loans      []*benchLoan      // active loans that repayments may target
	loanByID   map[uuid.UUID]*benchLoan
}

func newFundModel(id uuid.UUID, unit string, kind domain.FundKind) *fundModel {
	return &fundModel{id: id, unit: unit, kind: kind, index: map[uuid.UUID]int{}, loanByID: map[uuid.UUID]*benchLoan{}}
}

// ack records a write the server acknowledged with 201.
func (f *fundModel) ack(t ackedTx) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.index[t.id] = len(f.txs)
	f.txs = append(f.txs, t)
	switch t.kind {
	case kindReversal:
		return
	case kindLoan:
		l := &benchLoan{id: t.id, principal: t.amount.BigInt().Int64(), date: t.date}
		f.loans = append(f.loans, l)
		f.loanByID[t.id] = l
	}
	f.reversible = append(f.reversible, t.id)
}

// claimReversal takes a random acknowledged transaction out of the pool of
// reversal targets; ok is false when there is none.
func (f *fundModel) claimReversal(rng *rand.Rand) (target ackedTx, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for len(f.reversible) > 0 {
		i := rng.IntN(len(f.reversible))
		id := f.reversible[i]
		f.reversible[i] = f.reversible[len(f.reversible)-1]
		f.reversible = f.reversible[:len(f.reversible)-1]
		if l := f.loanByID[id]; l != nil {
			if l.repayments > 0 {
				continue // a loan with repayments is not reversed
			}
			l.frozen = true
		}
		return f.txs[f.index[id]], true
	}
	return ackedTx{}, false
}

// claimLoan picks a random active loan for a repayment and counts the
// repayment against it; ok is false when there is none.
func (f *fundModel) claimLoan(rng *rand.Rand) (id uuid.UUID, principal int64, date domain.Date, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for len(f.loans) > 0 {
		i := rng.IntN(len(f.loans))
		l := f.loans[i]
		if l.frozen || l.repayments >= maxRepaymentsPerLoan {
			f.loans[i] = f.loans[len(f.loans)-1]
			f.loans = f.loans[:len(f.loans)-1]
			continue
		}
		l.repayments++
		return l.id, l.principal, l.date, true
	}
	return uuid.Nil, 0, 0, false
}

// maxRepaymentsPerLoan caps the repayments the bench sends to one loan; each
// repays at most a fifth of the principal, so a few may exceed what is
// outstanding (the intended exceeds_outstanding refusals).
const maxRepaymentsPerLoan = 6

// snapshot returns a copy of the acknowledged writes.
func (f *fundModel) snapshot() []ackedTx {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]ackedTx(nil), f.txs...)
}

// figures are the fund figures the bench verifies, in the JSON shape of
// GET /v1/funds/{id}; money stays in the canonical decimal strings the
// server sends, compared as strings.
type figures struct {
	Balance          string `json:"balance"`
	LoansOutstanding string `json:"loans_outstanding"`
	Capital          string `json:"capital"`
	Totals           struct {
		Donations        string `json:"donations"`
		ShelterGrants    string `json:"shelter_grants"`
		AssistanceGrants string `json:"assistance_grants"`
		LoansDisbursed   string `json:"loans_disbursed"`
		Repayments       string `json:"repayments"`
	} `json:"totals"`
	Counts struct {
		Donations     int `json:"donations"`
		ShelterGrants struct {
			NewBuild int `json:"new_build"`
			Repair   int `json:"repair"`
		} `json:"shelter_grants"`
		AssistanceGrants int `json:"assistance_grants"`
		Loans            int `json:"loans"`
		Repayments       int `json:"repayments"`
		Reversals        int `json:"reversals"`
	} `json:"counts"`
	Beneficiaries struct {
		Persons int `json:"persons"`
		Times   int `json:"times"`
	} `json:"beneficiaries"`
}

// expectedFigures computes a fund's figures at the end of asOf from its
// acknowledged writes, following API.md's definitions: a movement counts on
// its own date, a reversal is the opposite movement on the reversal's date,
// and a transaction reversed on or before asOf is not counted.
func expectedFigures(txs []ackedTx, asOf domain.Date) figures {
	reversedOn := map[uuid.UUID]domain.Date{}
	for _, t := range txs {
		if t.kind == kindReversal && t.date <= asOf {
			reversedOn[t.target] = t.date
		}
	}
	var balance, outstanding domain.VND
	var totals [kindReversal]domain.VND
	var out figures
	persons := map[string]struct{}{}
	for _, t := range txs {
		if t.date > asOf {
			continue
		}
		if t.kind == kindReversal {
			out.Counts.Reversals++
			continue
		}
		_, reversed := reversedOn[t.id]
		if reversed {
			continue // the movement and its reversal net to zero by asOf
		}
		totals[t.kind] = totals[t.kind].Add(t.amount)
		switch t.kind {
		case kindDonation:
			balance = balance.Add(t.amount)
			out.Counts.Donations++
		case kindRepayment:
			balance = balance.Add(t.amount)
			outstanding = outstanding.Sub(t.amount)
			out.Counts.Repayments++
		case kindShelter:
			balance = balance.Sub(t.amount)
			if t.shelter == "new_build" {
				out.Counts.ShelterGrants.NewBuild++
			} else {
				out.Counts.ShelterGrants.Repair++
			}
		case kindAssistance:
			balance = balance.Sub(t.amount)
			out.Counts.AssistanceGrants++
		case kindLoan:
			balance = balance.Sub(t.amount)
			outstanding = outstanding.Add(t.amount)
			out.Counts.Loans++
		}
		if t.person != "" {
			out.Beneficiaries.Times++
			persons[t.person] = struct{}{}
		}
	}
	out.Beneficiaries.Persons = len(persons)
	out.Balance = balance.String()
	out.LoansOutstanding = outstanding.String()
	out.Capital = balance.Add(outstanding).String()
	out.Totals.Donations = totals[kindDonation].String()
	out.Totals.ShelterGrants = totals[kindShelter].String()
	out.Totals.AssistanceGrants = totals[kindAssistance].String()
	out.Totals.LoansDisbursed = totals[kindLoan].String()
	out.Totals.Repayments = totals[kindRepayment].String()
	return out
}

// diffFigures lists every figure on which got differs from want.
func diffFigures(got, want figures) []string {
	var diffs []string
	check := func(name string, g, w any) {
		if g != w {
			diffs = append(diffs, fmt.Sprintf("%s = %v, want %v", name, g, w))
		}
	}
	check("balance", got.Balance, want.Balance)
	check("loans_outstanding", got.LoansOutstanding, want.LoansOutstanding)
	check("capital", got.Capital, want.Capital)
	check("totals.donations", got.Totals.Donations, want.Totals.Donations)
	check("totals.shelter_grants", got.Totals.ShelterGrants, want.Totals.ShelterGrants)
	check("totals.assistance_grants", got.Totals.AssistanceGrants, want.Totals.AssistanceGrants)
	check("totals.loans_disbursed", got.Totals.LoansDisbursed, want.Totals.LoansDisbursed)
	check("totals.repayments", got.Totals.Repayments, want.Totals.Repayments)
	check("counts.donations", got.Counts.Donations, want.Counts.Donations)
	check("counts.shelter_grants.new_build", got.Counts.ShelterGrants.NewBuild, want.Counts.ShelterGrants.NewBuild)
	check("counts.shelter_grants.repair", got.Counts.ShelterGrants.Repair, want.Counts.ShelterGrants.Repair)
	check("counts.assistance_grants", got.Counts.AssistanceGrants, want.Counts.AssistanceGrants)
	check("counts.loans", got.Counts.Loans, want.Counts.Loans)
	check("counts.repayments", got.Counts.Repayments, want.Counts.Repayments)
	check("counts.reversals", got.Counts.Reversals, want.Counts.Reversals)
	check("beneficiaries.persons", got.Beneficiaries.Persons, want.Beneficiaries.Persons)
	check("beneficiaries.times", got.Beneficiaries.Times, want.Beneficiaries.Times)
	return diffs
}

// verifyFunds compares, for every fund, the server's figures now and at
// each date of asOfs with the ones computed from the acknowledged writes.
// It returns the number of funds checked, or an error listing every
// mismatch.
func verifyFunds(ctx context.Context, c *benchClient, funds []*fundModel, asOfs []domain.Date) (int, error) {
	var problems []string
	for _, f := range funds {
		txs := f.snapshot()
		// "" is the default as_of: today, which is after every bench date.
		dates := append([]string{""}, datesStrings(asOfs)...)
		for _, d := range dates {
			path := "/v1/funds/" + f.id.String()
			asOf := domain.MaxDate
			if d != "" {
				path += "?as_of=" + d
				asOf = domain.MustDate(d)
			}
			var got figures
			status, body, err := c.get(ctx, path)
			if err != nil {
				return 0, fmt.Errorf("verify fund %s: %w", f.id, err)
			}
			if status != http.StatusOK {
				return 0, fmt.Errorf("verify fund %s: GET %s: status %d: %s", f.id, path, status, body)
			}
			if err := json.Unmarshal(body, &got); err != nil {
				return 0, fmt.Errorf("verify fund %s: decode %s: %w", f.id, path, err)
			}
			for _, diff := range diffFigures(got, expectedFigures(txs, asOf)) {
				problems = append(problems, fmt.Sprintf("fund %s (%s, %s) as_of %s: %s", f.id, f.kind, f.unit, orToday(d), diff))
			}
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return 0, fmt.Errorf("%d figure(s) differ from the acknowledged writes:\n  %s", len(problems), strings.Join(problems, "\n  "))
	}
	return len(funds), nil
}

func datesStrings(ds []domain.Date) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.String()
	}
	return out
}

func orToday(d string) string {
	if d == "" {
		return "today"
	}
	return d
}
