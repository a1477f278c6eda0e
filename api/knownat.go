package api

import (
	"time"

	"github.com/welfare-ledger/welfare-ledger/projections"
)

// A reading route asked with known_at echoes it at the top level of its
// JSON answer (API.md, "Time travel for auditors"), so that a saved answer
// says which moment of the ledger it shows. The answers below are the
// ordinary ones with that one member added; they go out through
// respondOK like every other, so withholding applies to them unchanged.
// Without known_at the ordinary answer is sent as it is.

// knownPage is a list asked with known_at.
type knownPage[T any] struct {
	Items      []T       `json:"items"`
	NextCursor *string   `json:"next_cursor"`
	KnownAt    time.Time `json:"known_at"`
}

// pageKnown returns the list's answer: a page, with known_at when asked.
func pageKnown[T any](items []T, next *string, knownAt *time.Time) any {
	p := newPage(items, next)
	if knownAt == nil {
		return p
	}
	return knownPage[T]{Items: p.Items, NextCursor: p.NextCursor, KnownAt: *knownAt}
}

type knownUnit struct {
	unitDTO
	KnownAt time.Time `json:"known_at"`
}

type knownFundSummary struct {
	projections.FundSummary
	KnownAt time.Time `json:"known_at"`
}

type knownUnitSummary struct {
	*projections.UnitSummary
	KnownAt time.Time `json:"known_at"`
}

type knownLoan struct {
	projections.Loan
	KnownAt time.Time `json:"known_at"`
}

type knownBeneficiary struct {
	projections.Beneficiary
	KnownAt time.Time `json:"known_at"`
}
