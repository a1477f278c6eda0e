package projections

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// benchLog builds a realistic log of n money events over 50 funds in 10
// units: donations, grants to 5,000 members, loans and repayments, a few
// reversals, dated across three years.
func benchLog(b *testing.B, n int) []domain.StoredEvent {
	b.Helper()
	now := time.Date(2024, 12, 31, 12, 0, 0, 0, domain.VietnamZone)
	var out []domain.StoredEvent
	last := map[string]string{}
	rev := map[string]uint64{}
	add := func(stream string, id uuid.UUID, date domain.Date, data domain.EventData) {
		prev, ok := last[stream]
		if !ok {
			prev = domain.GenesisHash
		}
		ne, meta, err := domain.Seal(prev, data, domain.Metadata{EventID: id, OccurredOn: date, RecordedAt: now, Actor: domain.SystemActor, PayloadHash: "h"})
		if err != nil {
			b.Fatal(err)
		}
		last[stream] = meta.Hash
		out = append(out, domain.StoredEvent{Position: domain.Position(len(out) + 1), Stream: stream, Revision: rev[stream],
			ID: ne.ID, Type: ne.Type, Data: ne.Data, Metadata: ne.Metadata})
		rev[stream]++
	}
	opened := domain.MustDate("2022-01-01")
	var funds []uuid.UUID
	for u := range 10 {
		unit := domain.UnitID(fmt.Sprintf("unit-%d", u))
		add(domain.UnitStream(unit), domain.NewID(), opened, &domain.UnitRegistered{UnitID: unit, Name: string(unit)})
		for k := range 5 {
			id := domain.NewID()
			funds = append(funds, id)
			kind := domain.FundSocial
			if k == 4 {
				kind = domain.FundMutualAid
			}
			add(domain.FundStream(id), id, opened, &domain.FundOpened{FundID: id, UnitID: unit, Name: "q", Kind: kind, OpenedOn: opened})
		}
	}
	var loans []*domain.LoanDisbursed
	var grants []*domain.AssistanceGranted
	for i := 0; len(out) < n; i++ {
		f := funds[i%len(funds)]
		date := domain.MustDate(fmt.Sprintf("%d-%02d-%02d", 2022+i%3, 1+i%12, 1+i%28))
		id := domain.NewID()
		benef := domain.BeneficiaryID(fmt.Sprintf("M%05d", i%5000))
		amount := domain.VNDFromInt64(int64(1+i%50) * 100_000)
		switch i % 10 {
		case 0, 1, 2, 3:
			add(domain.FundStream(f), id, date, &domain.DonationReceived{TransactionID: id, FundID: f, Amount: amount.Add(amount), Donor: domain.Donor{Kind: domain.DonorMember}})
		case 4, 5:
			g := &domain.AssistanceGranted{TransactionID: id, FundID: f, BeneficiaryID: benef, Amount: amount, Category: domain.AssistSeriousIllness}
			grants = append(grants, g)
			add(domain.FundStream(f), id, date, g)
		case 6:
			add(domain.FundStream(f), id, date, &domain.ShelterGrantPaid{TransactionID: id, FundID: f, BeneficiaryID: benef, Amount: amount, Shelter: domain.ShelterRepair})
		case 7:
			f = funds[(i/10%10)*5+4]
			l := &domain.LoanDisbursed{LoanID: id, FundID: f, BeneficiaryID: benef, Amount: amount}
			loans = append(loans, l)
			add(domain.FundStream(f), id, date, l)
		case 8:
			if len(loans) == 0 {
				continue
			}
			l := loans[len(loans)-1]
			add(domain.FundStream(l.FundID), id, date, &domain.LoanRepaid{TransactionID: id, FundID: l.FundID, LoanID: l.LoanID, BeneficiaryID: l.BeneficiaryID, Amount: l.Amount})
			loans = loans[:len(loans)-1]
		case 9:
			if i%50 != 9 || len(grants) == 0 {
				add(domain.FundStream(f), id, date, &domain.DonationReceived{TransactionID: id, FundID: f, Amount: amount, Donor: domain.Donor{Kind: domain.DonorEnterprise}})
				continue
			}
			g := grants[len(grants)-1]
			grants = grants[:len(grants)-1]
			add(domain.FundStream(g.FundID), id, date, &domain.TransactionReversed{TransactionID: id, FundID: g.FundID, Reverses: g.TransactionID,
				Reason: "sai", OriginalType: domain.TypeAssistanceGranted, Amount: g.Amount, OriginalOccurredOn: date, BeneficiaryID: g.BeneficiaryID})
		}
	}
	return out
}

// BenchmarkReplay measures rebuilding every projection from a log already in
// memory, against the baseline of decoding the same events alone, in the
// same run: decode is the floor any replay pays.
func BenchmarkReplay(b *testing.B) {
	const n = 200_000
	log := benchLog(b, n)
	b.Run("decode-only", func(b *testing.B) {
		for b.Loop() {
			for _, se := range log {
				if _, err := domain.Decode(se); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("decode+apply", func(b *testing.B) {
		for b.Loop() {
			p := New()
			if err := p.applyStored(log); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "events/s")
	})
}

// BenchmarkFundSummaryAsOf measures one as_of answer on a fund of the replay
// log.
func BenchmarkFundSummaryAsOf(b *testing.B) {
	log := benchLog(b, 200_000)
	p := New()
	if err := p.applyStored(log); err != nil {
		b.Fatal(err)
	}
	id := p.fundOrder[0].info.FundID
	asOf := domain.MustDate("2023-06-15")
	for b.Loop() {
		if _, ok := p.FundSummary(id, asOf); !ok {
			b.Fatal("fund missing")
		}
	}
}
