package projections

import (
	"encoding/binary"
	"time"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// txNode is one money transaction as the projections keep it: compact,
// because there is one per event of history (DESIGN.md: projection memory
// < 200 bytes per event). The Transaction a query returns is rebuilt from
// it by view. Fixed fields are inline; the free-text and rarely present
// fields share one packed string (see textField).
type txNode struct {
	id  uuid.UUID
	amt int64 // the amount, unless flagBigAmount
	pos domain.Position
	// recNanos is recorded_at in nanoseconds since 1970 (UTC), unless
	// flagRecordedInText.
	recNanos int64
	fund     *fundNode
	// link is the reversal of an original that was reversed (nil while
	// not reversed), and the original of a reversal.
	link  *txNode
	benef *beneficiaryTxs // nil for none
	text  string          // packed optional fields, see textField
	actor uint32          // index in Projections.actorNames
	date  domain.Date     // occurred_on
	due   domain.Date     // a loan's due_on
	typ   txType
	kind  countKind
	enum  uint8 // donor kind, shelter kind or category: its code (codes.go), 0 for none or "in text"
	flags uint8
}

// packer builds a txNode's text.
type packer struct{ b []byte }

func (p *packer) add(tag textField, s string) {
	if s == "" {
		return
	}
	p.b = append(p.b, byte(tag))
	p.b = binary.AppendUvarint(p.b, uint64(len(s)))
	p.b = append(p.b, s...)
}

// packEnum stores s as its code in codes when it has one, and in the text
// otherwise.
func packEnum[S ~string](p *packer, t *txNode, tag textField, s S, codes enumCodes[S]) {
	if c := codes.code(s); c != 0 {
		t.enum = c
		return
	}
	p.add(tag, string(s))
}

// field returns the packed field tag of t, or "".
func (t *txNode) field(tag textField) string {
	s := t.text
	for len(s) > 0 {
		got := textField(s[0])
		n, k := uvarint(s[1:])
		s = s[1+k:]
		if got == tag {
			return s[:n]
		}
		s = s[n:]
	}
	return ""
}

// enumOf returns the donor kind, shelter kind or category of t, which
// packEnum stored.
func enumOf[S ~string](t *txNode, tag textField, codes enumCodes[S]) S {
	if t.enum > 0 {
		return codes[t.enum]
	}
	return S(t.field(tag))
}

func (t *txNode) eventType() domain.EventType { return moneyTypes[t.typ] }

// reversed reports whether t is an original that has been reversed, and
// the reversal's date.
func (t *txNode) reversedOn() (domain.Date, bool) {
	if t.typ == typReversal || t.link == nil {
		return 0, false
	}
	return t.link.date, true
}

// loanID returns the loan a loan, repayment or reversal refers to, or nil.
func (t *txNode) loanID() *uuid.UUID {
	if t.flags&flagLoanIsID != 0 {
		id := t.id
		return &id
	}
	if s := t.field(tLoanID); len(s) == len(uuid.UUID{}) {
		var id uuid.UUID
		copy(id[:], s)
		return &id
	}
	return nil
}

// setAmount stores a transaction's amount: domain.VND's int64 when it
// holds one (every amount a transaction may carry, 10^15 at most), else
// in the text. Not a domain.VND itself: that is 8 bytes more per event of
// history (DESIGN.md: < 200 bytes per event, ~194 today).
func (t *txNode) setAmount(v domain.VND, text *packer) {
	if n, ok := v.Int64(); ok {
		t.amt = n
		return
	}
	t.flags |= flagBigAmount
	text.add(tAmount, v.String())
}

// amount returns the transaction's amount.
func (t *txNode) amount() domain.VND {
	if t.flags&flagBigAmount != 0 {
		return domain.MustVND(t.field(tAmount)) // written by setAmount from a VND
	}
	return domain.VNDFromInt64(t.amt)
}

// setRecorded stores recorded_at.
func (t *txNode) setRecorded(at time.Time, text *packer) {
	if y := at.UTC().Year(); y > 1678 && y < 2262 {
		t.recNanos = at.UnixNano()
		return
	}
	t.flags |= flagRecordedInText
	text.add(tRecorded, at.UTC().Format(time.RFC3339Nano))
}

// recorded returns recorded_at, in UTC.
func (t *txNode) recorded() time.Time {
	if t.flags&flagRecordedInText != 0 {
		at, _ := time.Parse(time.RFC3339Nano, t.field(tRecorded)) // written by setRecorded
		return at.UTC()
	}
	return time.Unix(0, t.recNanos).UTC()
}

// beneficiaryID returns the beneficiary of a grant, loan, repayment or
// reversal, or "".
func (t *txNode) beneficiaryID() domain.BeneficiaryID {
	if t.benef == nil {
		return ""
	}
	return t.benef.id
}

// view returns t as a Transaction; actorNames is Projections.actorNames.
func (t *txNode) view(actorNames []string) Transaction {
	tx := t.facts(actorNames)
	if t.link != nil && t.typ != typReversal {
		id := t.link.id
		tx.ReversedBy = &id
	}
	return tx
}

// facts is view without reversed_by: only what t's own event says. It
// never reads the link of an original, which a later reversal sets, so it
// may run without the lock on a txNode applied before a snapshot.
func (t *txNode) facts(actorNames []string) Transaction {
	tx := Transaction{
		TransactionID: t.id, FundID: t.fund.info.FundID, UnitID: t.fund.info.UnitID, Type: t.eventType(),
		Amount: t.amount(), OccurredOn: t.date, RecordedAt: t.recorded(),
		Position: t.pos, Actor: actorNames[t.actor], BeneficiaryID: t.beneficiaryID(), LoanID: t.loanID(), DueOn: t.due,
		Campaign: t.field(tCampaign), Reference: t.field(tReference), DecisionNo: t.field(tDecisionNo),
		Project: t.field(tProject), Reason: t.field(tReason), Note: t.field(tNote),
	}
	if t.typ == typReversal && t.link != nil {
		id := t.link.id
		tx.Reverses = &id
	}
	if t.flags&flagDonor != 0 {
		tx.Donor = &domain.Donor{Name: t.field(tDonorName), Kind: enumOf(t, tDonorKind, donorKindCodes)}
	}
	switch t.eventType() {
	case domain.TypeShelterGrantPaid:
		tx.Shelter = enumOf(t, tShelter, shelterKindCodes)
	case domain.TypeAssistanceGranted:
		tx.Category = enumOf(t, tCategory, categoryCodes)
	}
	return tx
}

// uvarint is binary.Uvarint of a string written by packer.
func uvarint(s string) (n, size int) {
	var shift uint
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b < 0x80 {
			return n | int(b)<<shift, i + 1
		}
		n |= int(b&0x7f) << shift
		shift += 7
	}
	return 0, len(s)
}
