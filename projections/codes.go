package projections

import "github.com/welfare-ledger/welfare-ledger/domain"

// The codes below are the in-memory codes of a transaction (txNode) and
// of a fund's figures, and they are also what a checkpoint writes: the
// type, kind, enum and flag bytes of every transaction, the tags of its
// packed text, and the order of a fund's series (by category, then by
// kind). So each has an explicit number, never the position in a Go
// list: reordering a list of the domain (DonorKinds, say) must not change
// what an existing checkpoint means. TestCheckpointCodesArePinned holds
// every number; changing one is a change of the checkpoint's meaning,
// which bumps ckptVersion (checkpoint_format.go).

// txType is a transaction's event type (txNode.typ): the Code of its row
// in the domain's table of money kinds, which a checkpoint writes.
type txType uint8

// The codes of the types projections' code names; the others (a kind
// added to the table later) are only ever read from the table.
const (
	typDonation   txType = 0
	typShelter    txType = 1
	typAssistance txType = 2
	typLoan       txType = 3
	typRepayment  txType = 4
	typReversal   txType = 5
)

// moneyTypes and txKinds give the event type and the money kind of each
// txType, and txTypes the txType of each money kind: all from the
// table's codes, which TestMoneyTypeCodesArePinned holds to its golden
// file.
var moneyTypes, txKinds, txTypes = func() ([]domain.EventType, []domain.MoneyKind, [domain.NumMoneyKinds]txType) {
	var names []domain.EventType
	var kinds []domain.MoneyKind
	var codes [domain.NumMoneyKinds]txType
	for _, spec := range domain.MoneyKinds() {
		for int(spec.Code) >= len(names) {
			names = append(names, "")
			kinds = append(kinds, domain.KindNone)
		}
		names[spec.Code], kinds[spec.Code] = spec.Type, spec.Kind
		codes[spec.Kind] = txType(spec.Code)
	}
	return names, kinds, codes
}()

// countKind is a transaction's kind as the counts of API.md split them: a
// shelter grant's kind says whether it builds or repairs. A reversal
// has its original's kind. A checkpoint writes a fund's counts as one
// series per kind, in this order.
type countKind uint8

const (
	kDonation      countKind = 0
	kShelterNew    countKind = 1
	kShelterRepair countKind = 2
	kAssistance    countKind = 3
	kLoan          countKind = 4
	kRepayment     countKind = 5
	numKinds                 = 6
)

// amountCat is a category of money of the totals of API.md. A checkpoint
// writes a fund's amounts as one series per category, in this order.
type amountCat uint8

const (
	aDonations  amountCat = 0
	aShelter    amountCat = 1
	aAssistance amountCat = 2
	aLoans      amountCat = 3
	aRepayments amountCat = 4
	numCats               = 5
)

// txNode flags.
const (
	// flagLoanIsID: the transaction is a loan whose loan id is its id.
	flagLoanIsID uint8 = 1
	// flagDonor: the transaction carries a donor (every donation).
	flagDonor uint8 = 2
	// flagBigAmount: the amount does not fit in an int64 and is in the
	// text (tAmount).
	flagBigAmount uint8 = 4
	// flagRecordedInText: recorded_at is outside the years an int64 of
	// nanoseconds holds (1678–2262) and is in the text (tRecorded).
	flagRecordedInText uint8 = 8
	// knownFlags are the flags a checkpoint may hold.
	knownFlags = flagLoanIsID | flagDonor | flagBigAmount | flagRecordedInText
)

// textField tags the fields packed in txNode.text: each present field is
// its tag byte, its length as a uvarint and its bytes, in any order.
type textField uint8

const (
	tDonorName  textField = 1
	tDonorKind  textField = 2
	tShelter    textField = 3
	tCategory   textField = 4
	tCampaign   textField = 5
	tReference  textField = 6
	tDecisionNo textField = 7
	tProject    textField = 8
	tReason     textField = 9
	tNote       textField = 10
	tLoanID     textField = 11 // 16 raw bytes
	tAmount     textField = 12 // canonical decimal text
	tRecorded   textField = 13 // RFC 3339 with nanoseconds
)

// enumCodes numbers the values of one of the domain's closed lists for
// txNode.enum: the value of code c is at index c; code 0 is none (a
// value outside the table is kept in the text, so a value the domain
// adds later is still stored exactly, only less compactly).
type enumCodes[S ~string] []S

// code returns the code of s, or 0 when the table has none.
func (e enumCodes[S]) code(s S) uint8 {
	for c := 1; c < len(e); c++ {
		if e[c] == s {
			return uint8(c)
		}
	}
	return 0
}

// The enum codes of the donor kinds, shelter kinds and assistance
// categories.
var (
	donorKindCodes = enumCodes[domain.DonorKind]{
		1: domain.DonorMember,
		2: domain.DonorEnterprise,
		3: domain.DonorOrganization,
		4: domain.DonorIndividual,
		5: domain.DonorAnonymous,
	}
	shelterKindCodes = enumCodes[domain.ShelterKind]{
		1: domain.ShelterNewBuild,
		2: domain.ShelterRepair,
	}
	categoryCodes = enumCodes[domain.AssistanceCategory]{
		1: domain.AssistSeriousIllness,
		2: domain.AssistAccident,
		3: domain.AssistDeath,
		4: domain.AssistDisaster,
		5: domain.AssistTetGift,
		6: domain.AssistScholarship,
		7: domain.AssistHardship,
		8: domain.AssistOther,
	}
)

// enumLimit returns the largest enum code a transaction of type typ may
// hold: a checkpoint holding a larger one is corrupt.
func enumLimit(typ txType) uint8 {
	if int(typ) >= len(enumLimits) {
		return 0
	}
	return enumLimits[typ]
}

// enumLimits is enumLimit of each txType, from the closed-list field the
// kind's own payload carries (the table of money kinds), if any: a
// reversal's copy of its original's shelter kind is not kept in its
// transaction.
var enumLimits = func() []uint8 {
	limits := make([]uint8, len(txKinds))
	for typ, kind := range txKinds {
		for _, f := range kind.Spec().Fields {
			if f.Payload == domain.Absent || f.Body == domain.Absent {
				continue
			}
			switch f.Rule {
			case domain.RuleDonorKind:
				limits[typ] = uint8(len(donorKindCodes) - 1)
			case domain.RuleShelterKind:
				limits[typ] = uint8(len(shelterKindCodes) - 1)
			case domain.RuleAssistance:
				limits[typ] = uint8(len(categoryCodes) - 1)
			}
		}
	}
	return limits
}()
