package benchdata_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/internal/benchdata"
	"github.com/welfare-ledger/welfare-ledger/store/embedded"
)

// smallSpec is a history small enough for the default test run that still
// has every unit level and fund kind.
func smallSpec() benchdata.Spec {
	s := benchdata.DefaultSpec(3_000)
	s.Provinces, s.DistrictsPerProvince, s.GrassrootsPerDistrict = 2, 2, 2
	s.MembersPerProvince = 300
	s.Writers = 8
	return s
}

// TestGenerateIsValid reads a generated history back and checks what the
// write path would have enforced: every stream's hash chain links, every
// event decodes, no fund's balance is ever negative on any date, no loan's
// outstanding principal is negative, and every event type occurs.
func TestGenerateIsValid(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	spec := smallSpec()
	sum, reused, err := benchdata.Ensure(context.Background(), path, spec)
	if err != nil {
		t.Fatalf("Ensure() error = %v", err)
	}
	if reused {
		t.Errorf("Ensure() on an empty dir reused = true, want false")
	}
	if sum.Events != spec.Events {
		t.Errorf("Summary.Events = %d, want %d", sum.Events, spec.Events)
	}
	if got, want := len(sum.Provinces), spec.Provinces; got != want {
		t.Errorf("len(Summary.Provinces) = %d, want %d", got, want)
	}

	store, err := embedded.Open(path)
	if err != nil {
		t.Fatalf("Open() error = %v", err)
	}
	defer store.Close()
	ctx := context.Background()
	hashes := map[string]string{}
	funds := map[string]*domain.Fund{}
	types := map[domain.EventType]int{}
	var loans []*domain.LoanDisbursed
	n := 0
	for pos := domain.Position(0); ; {
		batch, err := store.ReadAll(ctx, pos, domain.MaxReadBatch)
		if err != nil {
			t.Fatalf("ReadAll(%d) error = %v", pos, err)
		}
		for _, se := range batch {
			prev, ok := hashes[se.Stream]
			if !ok {
				prev = domain.GenesisHash
			}
			h, err := domain.VerifyHash(prev, se)
			if err != nil {
				t.Fatalf("VerifyHash(%s@%d) error = %v", se.Stream, se.Revision, err)
			}
			hashes[se.Stream] = h
			e, err := domain.Decode(se)
			if err != nil {
				t.Fatalf("Decode(%s@%d) error = %v", se.Stream, se.Revision, err)
			}
			types[e.Type]++
			switch d := e.Data.(type) {
			case *domain.FundOpened:
				funds[se.Stream] = domain.NewFund(d.FundID)
			case *domain.LoanDisbursed:
				loans = append(loans, d)
			}
			if f, ok := funds[se.Stream]; ok {
				if f.Exists && e.Meta.OccurredOn < f.OpenedOn {
					t.Errorf("%s@%d dated %s, before its fund opened on %s", se.Stream, se.Revision, e.Meta.OccurredOn, f.OpenedOn)
				}
				f.Evolve(e)
			}
			pos = se.Position
			n++
		}
		if len(batch) < domain.MaxReadBatch {
			break
		}
	}
	if n != spec.Events {
		t.Errorf("events in the store = %d, want %d", n, spec.Events)
	}
	if len(funds) != len(sum.Funds) {
		t.Errorf("funds in the store = %d, want %d", len(funds), len(sum.Funds))
	}
	for stream, f := range funds {
		if low := f.Balance.MinFrom(f.OpenedOn); low.Sign() < 0 {
			t.Errorf("%s: lowest balance %s, want >= 0", stream, low)
		}
	}
	for _, l := range loans {
		f := funds[domain.FundStream(l.FundID)]
		loan, ok := f.Loan(l.LoanID)
		if !ok {
			t.Fatalf("loan %s missing from fund %s", l.LoanID, l.FundID)
		}
		if low := loan.Outstanding.MinFrom(loan.Date); low.Sign() < 0 {
			t.Errorf("loan %s: lowest outstanding %s, want >= 0", l.LoanID, low)
		}
	}
	for _, typ := range []domain.EventType{domain.TypeUnitRegistered, domain.TypeFundOpened, domain.TypeDonationReceived,
		domain.TypeShelterGrantPaid, domain.TypeAssistanceGranted, domain.TypeLoanDisbursed, domain.TypeLoanRepaid,
		domain.TypeTransactionReversed} {
		if types[typ] == 0 {
			t.Errorf("no %s event in the history", typ)
		}
		if types[typ] != sum.Types[typ] {
			t.Errorf("%s events in the store = %d, Summary.Types says %d", typ, types[typ], sum.Types[typ])
		}
	}

	again, reused, err := benchdata.Ensure(ctx, path, spec)
	if err != nil || !reused || again.Events != sum.Events {
		t.Errorf("second Ensure() = (%d events, reused %v, %v), want (%d, true, nil)", again.Events, reused, err, sum.Events)
	}
	if got, want := again.Last, spec.To; got > want || got < spec.From {
		t.Errorf("Summary.Last = %s, want a date in [%s, %s]", got, spec.From, want)
	}
	other := spec
	other.Events++
	if _, _, err := benchdata.Ensure(ctx, path, other); !errors.Is(err, benchdata.ErrOtherHistory) {
		t.Errorf("Ensure() of another spec on a complete history = %v, want ErrOtherHistory", err)
	}
}
