package projections_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/projections"
	"github.com/welfare-ledger/welfare-ledger/store/embedded"
)

// TestRecentFunds: the funds with transactions, the one written to last
// first, each with its number of transactions; a fund without any is left
// out.
func TestRecentFunds(t *testing.T) {
	st, err := embedded.Open(filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatalf("embedded.Open: %v", err)
	}
	defer st.Close()
	ctx := t.Context()
	now := time.Date(2024, 7, 1, 3, 0, 0, 0, time.UTC)
	l := domain.NewLedger(st, func() time.Time { return now })
	if _, err := l.RegisterUnit(ctx, domain.RegisterUnit{UnitID: "lang-son", Name: "LĐLĐ tỉnh Lạng Sơn"}, "test"); err != nil {
		t.Fatalf("RegisterUnit: %v", err)
	}
	funds := make([]uuid.UUID, 4)
	for i := range funds {
		funds[i] = domain.NewID()
		if _, err := l.OpenFund(ctx, domain.OpenFund{FundID: funds[i], UnitID: "lang-son", Name: "Quỹ", Kind: domain.FundSocial,
			OpenedOn: domain.MustDate("2020-01-01")}, "test"); err != nil {
			t.Fatalf("OpenFund: %v", err)
		}
	}
	// Fund 0 gets two donations early, fund 2 one late, fund 1 one in
	// between and one last; fund 3 none.
	for _, w := range []struct {
		fund  int
		after time.Duration
	}{{0, time.Hour}, {0, 2 * time.Hour}, {1, 3 * time.Hour}, {2, 4 * time.Hour}, {1, 5 * time.Hour}, {1, 6 * time.Hour}} {
		now = time.Date(2024, 7, 1, 3, 0, 0, 0, time.UTC).Add(w.after)
		if _, err := l.Record(ctx, domain.RecordDonation{TransactionID: domain.NewID(), FundID: funds[w.fund], Amount: domain.VNDFromInt64(1000),
			Donor: domain.Donor{Name: "Đoàn viên", Kind: domain.DonorMember}}, "test"); err != nil {
			t.Fatalf("Record: %v", err)
		}
	}
	p := projections.New()
	events, err := st.ReadAll(ctx, 0, domain.MaxReadBatch)
	if err != nil {
		t.Fatalf("ReadAll: %v", err)
	}
	for _, se := range events {
		e, err := domain.Decode(se)
		if err != nil {
			t.Fatalf("Decode: %v", err)
		}
		if err := p.Apply(e); err != nil {
			t.Fatalf("Apply: %v", err)
		}
	}
	base := time.Date(2024, 7, 1, 3, 0, 0, 0, time.UTC)
	want := []projections.RecentFund{
		{FundID: funds[1], LastRecorded: base.Add(6 * time.Hour), Txs: 3},
		{FundID: funds[2], LastRecorded: base.Add(4 * time.Hour), Txs: 1},
		{FundID: funds[0], LastRecorded: base.Add(2 * time.Hour), Txs: 2},
	}
	got := p.RecentFunds()
	if len(got) != len(want) {
		t.Fatalf("RecentFunds() = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i].FundID != want[i].FundID || !got[i].LastRecorded.Equal(want[i].LastRecorded) || got[i].Txs != want[i].Txs {
			t.Errorf("RecentFunds()[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
}
