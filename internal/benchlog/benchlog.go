// Package benchlog generates realistic event logs for the replay and memory
// benchmarks of projections and stores. It is test support only: nothing in
// the program imports it.
package benchlog

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// Shape of the generated log: 50 funds in 10 units (the fifth fund of each
// unit a mutual-aid loan fund), grants to Members distinct members.
const (
	Units         = 10
	FundsPerUnit  = 5
	Members       = 5000
	yearsOfRecord = 3
)

// Generate returns a sealed log of at least n events in log order (positions
// 1…), as a store would return them: units, funds, then donations, grants,
// loans, repayments and a few reversals, dated across three years, with
// recorded_at advancing a second per event and real-looking payload hashes.
// Every stream is a valid hash chain.
func Generate(n int) ([]domain.StoredEvent, error) {
	g := &gen{last: map[string]string{}, rev: map[string]uint64{},
		clock: time.Date(2022, 1, 1, 1, 0, 0, 0, time.UTC)}
	opened := domain.MustDate("2022-01-01")
	var funds []uuid.UUID
	for u := range Units {
		unit := domain.UnitID(fmt.Sprintf("unit-%d", u))
		g.add(domain.UnitStream(unit), domain.NewID(), opened, &domain.UnitRegistered{UnitID: unit, Name: string(unit)})
		for k := range FundsPerUnit {
			id := domain.NewID()
			funds = append(funds, id)
			kind := domain.FundSocial
			if k == FundsPerUnit-1 {
				kind = domain.FundMutualAid
			}
			g.add(domain.FundStream(id), id, opened, &domain.FundOpened{FundID: id, UnitID: unit, Name: "Quỹ " + string(unit), Kind: kind, OpenedOn: opened})
		}
	}
	// The open loans and the grants not yet reversed, each with its date:
	// a repayment or a reversal is never dated before what it follows.
	type dated[T any] struct {
		tx   T
		date domain.Date
	}
	var loans []dated[*domain.LoanDisbursed]
	var grants []dated[*domain.AssistanceGranted]
	for i := 0; len(g.out) < n && g.err == nil; i++ {
		f := funds[i%len(funds)]
		date := domain.MustDate(fmt.Sprintf("%d-%02d-%02d", 2022+i%yearsOfRecord, 1+i%12, 1+i%28))
		id := domain.NewID()
		benef := domain.BeneficiaryID(fmt.Sprintf("M%05d", i%Members))
		amount := domain.VNDFromInt64(int64(1+i%50) * 100_000)
		switch i % 10 {
		case 0, 1, 2, 3:
			g.add(domain.FundStream(f), id, date, &domain.DonationReceived{TransactionID: id, FundID: f, Amount: amount.Add(amount), Donor: domain.Donor{Kind: domain.DonorMember, Name: "Nguyễn Văn An"}, Campaign: "Tết 2024"})
		case 4, 5:
			gr := &domain.AssistanceGranted{TransactionID: id, FundID: f, BeneficiaryID: benef, Amount: amount, Category: domain.AssistSeriousIllness, Note: "Ốm đau dài ngày"}
			grants = append(grants, dated[*domain.AssistanceGranted]{gr, date})
			g.add(domain.FundStream(f), id, date, gr)
		case 6:
			g.add(domain.FundStream(f), id, date, &domain.ShelterGrantPaid{TransactionID: id, FundID: f, BeneficiaryID: benef, Amount: amount, Shelter: domain.ShelterRepair, DecisionNo: "123/QĐ-LĐLĐ"})
		case 7:
			f = funds[(i/10%Units)*FundsPerUnit+FundsPerUnit-1]
			l := &domain.LoanDisbursed{LoanID: id, FundID: f, BeneficiaryID: benef, Amount: amount, DueOn: date + 10000, Project: "Chăn nuôi"}
			loans = append(loans, dated[*domain.LoanDisbursed]{l, date})
			g.add(domain.FundStream(f), id, date, l)
		case 8:
			if len(loans) == 0 {
				continue
			}
			l := loans[len(loans)-1]
			g.add(domain.FundStream(l.tx.FundID), id, max(date, l.date), &domain.LoanRepaid{TransactionID: id, FundID: l.tx.FundID, LoanID: l.tx.LoanID, BeneficiaryID: l.tx.BeneficiaryID, Amount: l.tx.Amount})
			loans = loans[:len(loans)-1]
		case 9:
			if i%50 != 9 || len(grants) == 0 {
				g.add(domain.FundStream(f), id, date, &domain.DonationReceived{TransactionID: id, FundID: f, Amount: amount, Donor: domain.Donor{Kind: domain.DonorEnterprise, Name: "Công ty TNHH May Việt"}, Reference: "UNC-0042"})
				continue
			}
			gr := grants[len(grants)-1]
			grants = grants[:len(grants)-1]
			g.add(domain.FundStream(gr.tx.FundID), id, max(date, gr.date), &domain.TransactionReversed{TransactionID: id, FundID: gr.tx.FundID, Reverses: gr.tx.TransactionID,
				Reason: "Chi trùng", OriginalType: domain.TypeAssistanceGranted, Amount: gr.tx.Amount, OriginalOccurredOn: gr.date, BeneficiaryID: gr.tx.BeneficiaryID})
		}
	}
	return g.out, g.err
}

type gen struct {
	out   []domain.StoredEvent
	last  map[string]string
	rev   map[string]uint64
	clock time.Time
	err   error
}

func (g *gen) add(stream string, id uuid.UUID, date domain.Date, data domain.EventData) {
	if g.err != nil {
		return
	}
	prev, ok := g.last[stream]
	if !ok {
		prev = domain.GenesisHash
	}
	g.clock = g.clock.Add(time.Second + 123456789*time.Nanosecond%time.Second)
	ph := sha256.Sum256(id[:])
	ne, meta, err := domain.Seal(prev, data, domain.Metadata{EventID: id, OccurredOn: date, RecordedAt: g.clock,
		Actor: "tok_01J2ZK", PayloadHash: hex.EncodeToString(ph[:])})
	if err != nil {
		g.err = fmt.Errorf("seal %s: %w", stream, err)
		return
	}
	g.last[stream] = meta.Hash
	g.out = append(g.out, domain.StoredEvent{Position: domain.Position(len(g.out) + 1), Stream: stream, Revision: g.rev[stream],
		ID: ne.ID, Type: ne.Type, Data: ne.Data, Metadata: ne.Metadata})
	g.rev[stream]++
}
