package projections

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// fakeLog is a log built in memory from the real domain decisions and the
// real codec, so the property test exercises Decide, Seal, Decode and the
// projections together without a store (stores have their own contract).
type fakeLog struct {
	t   *testing.T
	now time.Time
	// recorded, when set, gives each appended event its recorded_at
	// (the decisions still use now); otherwise it is now.
	recorded func() time.Time
	events   []domain.StoredEvent
	funds    map[uuid.UUID]*domain.Fund
	units    map[domain.UnitID]bool
	proj     *Projections
	ref      refLog
	// periods is the period stream (periods_property_test.go).
	periods fakePeriods
	// reused is the one summary every roll-up is also written into, as
	// the API reuses its summaries' storage.
	reused UnitSummary
}

func newFakeLog(t *testing.T, now time.Time) *fakeLog {
	return &fakeLog{t: t, now: now, funds: map[uuid.UUID]*domain.Fund{}, units: map[domain.UnitID]bool{}, proj: New()}
}

func (l *fakeLog) append(stream string, rev uint64, prev string, p domain.Pending) domain.Event {
	l.t.Helper()
	rec := l.now
	if l.recorded != nil {
		rec = l.recorded()
	}
	meta := domain.Metadata{EventID: p.EventID, OccurredOn: p.OccurredOn, RecordedAt: rec, Actor: domain.SystemActor, PayloadHash: p.PayloadHash}
	ne, _, err := domain.Seal(prev, p.Data, meta)
	if err != nil {
		l.t.Fatalf("Seal: %v", err)
	}
	se := domain.StoredEvent{Position: domain.Position(len(l.events) + 1), Stream: stream, Revision: rev,
		ID: ne.ID, Type: ne.Type, Data: ne.Data, Metadata: ne.Metadata}
	l.events = append(l.events, se)
	e, err := domain.Decode(se)
	if err != nil {
		l.t.Fatalf("Decode: %v", err)
	}
	if err := l.proj.Apply(e); err != nil {
		l.t.Fatalf("Apply(%s): %v", e.Type, err)
	}
	if !l.refVoid(&e) { // periods_property_test.go
		l.ref.add(e)
	}
	return e
}

func (l *fakeLog) unit(id, parent domain.UnitID) {
	l.units[id] = true
	l.append(domain.UnitStream(id), 0, domain.GenesisHash, domain.Pending{EventID: domain.NewID(), OccurredOn: domain.DateOf(l.now),
		Data: &domain.UnitRegistered{UnitID: id, Name: string(id), ParentID: parent}})
}

func (l *fakeLog) open(c domain.OpenFund) {
	f := domain.NewFund(c.FundID)
	ps, err := domain.DecideOpen(f, c, l.units[c.UnitID], l.now)
	if err != nil || len(ps) != 1 {
		l.t.Fatalf("DecideOpen: %v", err)
	}
	f.Evolve(l.append(domain.FundStream(c.FundID), 0, f.LastHash, ps[0]))
	l.funds[c.FundID] = f
}

// record decides c and, when accepted, appends its event.
func (l *fakeLog) record(c domain.MoneyCommand) error {
	f := l.funds[c.Fund()]
	if err := l.checkPeriod(f, c); err != nil {
		return err
	}
	ps, err := domain.Decide(f, c, l.now)
	if err != nil || len(ps) == 0 {
		return err
	}
	f.Evolve(l.append(domain.FundStream(f.ID), f.Revision+1, f.LastHash, ps[0]))
	return nil
}

// --- the reference: API.md's definitions, computed the slow way ---------

type refTx struct {
	e        domain.Event
	fund     uuid.UUID
	cat      domain.Category
	shelter  domain.ShelterKind
	category domain.AssistanceCategory
	amount   domain.VND
	benef    domain.BeneficiaryID
	date     domain.Date
	reversal bool
	revDate  domain.Date // of the reversal of this tx, 0 if none
	rev      *refTx      // the reversal of this tx, nil if none
	orig     *refTx      // of a reversal, the original
}

// refLog is the reference's view of the log: the money events in log
// order, each original knowing the date of its reversal.
type refLog struct {
	txs  []*refTx
	byID map[uuid.UUID]*refTx
	// opened and registered are the funds' openings and the units'
	// registrations.
	opened     map[uuid.UUID]domain.Event
	registered map[domain.UnitID]domain.Event
}

func (l *refLog) add(e domain.Event) {
	if l.byID == nil {
		l.byID = map[uuid.UUID]*refTx{}
		l.opened = map[uuid.UUID]domain.Event{}
		l.registered = map[domain.UnitID]domain.Event{}
	}
	switch d := e.Data.(type) {
	case *domain.FundOpened:
		l.opened[d.FundID] = e
	case *domain.UnitRegistered:
		l.registered[d.UnitID] = e
	}
	// The reference reads a money event by the table of money kinds: its
	// category, its amount, its beneficiary; a reversal its original's.
	m, ok := domain.MoneyOf(e.Data)
	if !ok {
		return
	}
	r := &refTx{e: e, fund: m.FundID, date: e.Meta.OccurredOn, amount: m.Amount, benef: m.Beneficiary,
		cat: m.Kind.Spec().Category, shelter: m.Shelter}
	if a, ok := e.Data.(*domain.AssistanceGranted); ok {
		r.category = a.Category
	}
	if m.Kind.Spec().Direction == domain.Opposite {
		orig := l.byID[m.Reverses]
		r.cat, r.amount, r.reversal, r.shelter, r.category = orig.cat, orig.amount, true, orig.shelter, orig.category
		orig.revDate, orig.rev, r.orig = r.date, r, orig
	}
	l.byID[e.Meta.EventID] = r
	l.txs = append(l.txs, r)
}

type refFigures struct {
	Balance, Outstanding domain.VND
	Totals               Totals
	Counts               Counts
	Persons              int
	Breakdown            Breakdown
}

// refLine returns the breakdown line a grant or loan, or its reversal,
// counts in: by its shelter kind, its category or as a loan; nil for
// others.
func refLine(b *Breakdown, r *refTx) *Figure {
	switch r.cat {
	case domain.CatShelterGrants:
		if r.shelter == domain.ShelterRepair {
			return &b.ShelterGrants.Repair
		}
		return &b.ShelterGrants.NewBuild
	case domain.CatAssistanceGrants:
		i := slices.Index(domain.AssistanceCategories, r.category)
		return &b.AssistanceGrants[i]
	case domain.CatLoansDisbursed:
		return &b.Loans
	}
	return nil
}

// signed returns a movement's effect on the balance.
func (r *refTx) signed() domain.VND {
	if r.cat.Inflow() != r.reversal {
		return r.amount
	}
	return r.amount.Neg()
}

func refCompute(txs []*refTx, inScope func(uuid.UUID) bool, from, to domain.Date) refFigures {
	var f refFigures
	persons := map[domain.BeneficiaryID]bool{}
	linePersons := map[*Figure]map[domain.BeneficiaryID]bool{}
	for _, r := range txs {
		if !inScope(r.fund) {
			continue
		}
		if r.date <= to {
			f.Balance = f.Balance.Add(r.signed())
			amt := r.amount
			if r.reversal {
				amt = amt.Neg()
			}
			switch r.cat {
			case domain.CatLoansDisbursed:
				f.Outstanding = f.Outstanding.Add(amt)
			case domain.CatRepayments:
				f.Outstanding = f.Outstanding.Sub(amt)
			}
		}
		if r.date < from || r.date > to {
			continue
		}
		amt := r.amount
		if r.reversal {
			amt = amt.Neg()
			f.Counts.Reversals++
		}
		line := refLine(&f.Breakdown, r)
		if line != nil {
			line.Amount = line.Amount.Add(amt)
			if !r.reversal && (r.revDate == 0 || r.revDate > to) {
				line.Count++
				if linePersons[line] == nil {
					linePersons[line] = map[domain.BeneficiaryID]bool{}
				}
				linePersons[line][r.benef] = true
			}
		}
		switch r.cat {
		case domain.CatDonations:
			f.Totals.Donations = f.Totals.Donations.Add(amt)
		case domain.CatShelterGrants:
			f.Totals.ShelterGrants = f.Totals.ShelterGrants.Add(amt)
		case domain.CatAssistanceGrants:
			f.Totals.AssistanceGrants = f.Totals.AssistanceGrants.Add(amt)
		case domain.CatLoansDisbursed:
			f.Totals.LoansDisbursed = f.Totals.LoansDisbursed.Add(amt)
		case domain.CatRepayments:
			f.Totals.Repayments = f.Totals.Repayments.Add(amt)
		}
		if r.reversal || (r.revDate != 0 && r.revDate <= to) {
			continue
		}
		switch r.cat {
		case domain.CatDonations:
			f.Counts.Donations++
		case domain.CatShelterGrants:
			if r.shelter == domain.ShelterRepair {
				f.Counts.ShelterGrants.Repair++
			} else {
				f.Counts.ShelterGrants.NewBuild++
			}
			persons[r.benef] = true
		case domain.CatAssistanceGrants:
			f.Counts.AssistanceGrants++
			persons[r.benef] = true
		case domain.CatLoansDisbursed:
			f.Counts.Loans++
			persons[r.benef] = true
		case domain.CatRepayments:
			f.Counts.Repayments++
		}
	}
	f.Persons = len(persons)
	for line, ps := range linePersons {
		line.Persons = len(ps)
	}
	return f
}

func jsonEq(t *testing.T, what string, got, want any) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Fatalf("%s:\n got %s\nwant %s", what, g, w)
	}
}

// --- the property ---------------------------------------------------------

// TestPropertyRandomHistories checks the projections against the
// reference (refCompute) after every step of random histories. Besides
// its own mix of commands, each history records commands of every kind
// of the table of money kinds, made by randomCommand from the kinds'
// field rules, so a kind added to the table is in the histories without
// a change here; the test fails when a kind was never recorded.
func TestPropertyRandomHistories(t *testing.T) {
	steps := 3000
	if testing.Short() {
		steps = 600
	}
	recorded := map[domain.MoneyKind]int{}
	for seed := uint64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) { runProperty(t, seed, steps, recorded) })
	}
	for _, spec := range domain.MoneyKinds() {
		if recorded[spec.Kind] == 0 {
			t.Errorf("the random histories never recorded a %s: randomCommand cannot make one that Decide accepts", spec.Type)
		}
	}
}

// randomCommand returns a command of spec's kind into fund, its fields
// made by their rules (the table of money kinds) through the API's own
// path, domain.Values: new ids for the transaction, for an id that names
// an earlier transaction one of issued in the fund — a disbursement for a
// kind that repays a loan — and random amounts, dates, persons and words.
// Some are refused (a repayment of too much, a due date before the
// disbursement), as requests are.
func randomCommand(rng *rand.Rand, spec *domain.KindSpec, fund uuid.UUID, issued []domain.MoneyCommand,
	randDate func() domain.Date, randAmount func() domain.VND, benef func() domain.BeneficiaryID) domain.MoneyCommand {
	var v domain.Values
	for i, f := range spec.Fields {
		if f.Body == domain.Absent && !f.Path {
			continue // filled in by the ledger
		}
		optional := f.Body == domain.Optional && rng.IntN(3) == 0
		switch f.Rule {
		case domain.RuleID:
			switch {
			case f.Name == "fund_id":
				v.SetID(f.Name, fund)
			case i == 0:
				v.SetID(f.Name, domain.NewID())
			default:
				var named []uuid.UUID
				for _, c := range issued {
					if c.Fund() == fund && (spec.Loan != domain.LoanRepays || c.Kind().Spec().Loan == domain.LoanLends) {
						named = append(named, c.TxID())
					}
				}
				if len(named) > 0 {
					v.SetID(f.Name, named[rng.IntN(len(named))])
				}
			}
		case domain.RuleAmount:
			v.SetAmount(f.Name, randAmount())
		case domain.RuleDate:
			// Always a date: today's, for a date left out, is past
			// the histories' year, which their closures cover.
			v.SetDate(f.Name, randDate())
		case domain.RuleBeneficiary:
			v.SetText(f.Name, string(benef()))
		case domain.RuleDonorKind:
			v.SetText(f.Name, string(domain.DonorKinds[rng.IntN(len(domain.DonorKinds))]))
		case domain.RuleShelterKind:
			v.SetText(f.Name, string(domain.ShelterKinds[rng.IntN(len(domain.ShelterKinds))]))
		case domain.RuleAssistance:
			v.SetText(f.Name, string(domain.AssistanceCategories[rng.IntN(len(domain.AssistanceCategories))]))
		default: // free text
			if !optional {
				v.SetText(f.Name, fmt.Sprintf("%s %d", f.Name, rng.IntN(1000)))
			}
		}
	}
	return spec.CommandFrom(v)
}

func runProperty(t *testing.T, seed uint64, steps int, recorded map[domain.MoneyKind]int) {
	rng := rand.New(rand.NewPCG(seed, 42))
	now := time.Date(2020, 12, 31, 12, 0, 0, 0, domain.VietnamZone)
	l := newFakeLog(t, now)
	// The recording clock runs a minute a step, and now and then steps
	// back by up to half an hour: recorded_at is not in log order.
	firstRec := now.AddDate(0, 0, -200)
	lastRec := firstRec
	clock := firstRec
	l.recorded = func() time.Time {
		clock = clock.Add(time.Minute)
		at := clock
		if rng.IntN(5) == 0 {
			at = at.Add(-time.Duration(1+rng.IntN(30)) * time.Minute)
		}
		if at.After(lastRec) {
			lastRec = at
		}
		return at
	}
	l.unit("vgcl", "")
	l.unit("lang-son", "vgcl")
	l.unit("cao-loc", "lang-son")
	l.unit("ha-noi", "")
	unitsOf := map[domain.UnitID][]domain.UnitID{ // subtree membership
		"vgcl": {"vgcl", "lang-son", "cao-loc"}, "lang-son": {"lang-son", "cao-loc"}, "cao-loc": {"cao-loc"}, "ha-noi": {"ha-noi"},
	}
	type fundInfo struct {
		id   uuid.UUID
		unit domain.UnitID
	}
	var funds []fundInfo
	for i, spec := range []struct {
		unit domain.UnitID
		kind domain.FundKind
	}{{"lang-son", domain.FundSocial}, {"cao-loc", domain.FundCapitalSupport}, {"cao-loc", domain.FundMutualAid},
		{"vgcl", domain.FundShelter}, {"ha-noi", domain.FundCharity}} {
		id := domain.NewID()
		l.open(domain.OpenFund{FundID: id, UnitID: spec.unit, Name: fmt.Sprint("fund ", i), Kind: spec.kind,
			OpenedOn: domain.MustDate(fmt.Sprintf("2020-%02d-01", 1+i))})
		funds = append(funds, fundInfo{id, spec.unit})
	}
	randDate := func() domain.Date {
		return domain.MustDate(fmt.Sprintf("2020-%02d-%02d", 1+rng.IntN(12), 1+rng.IntN(28)))
	}
	randAmount := func() domain.VND {
		if rng.IntN(50) == 0 {
			return domain.MustVND("1000000000000000")
		}
		return domain.VNDFromInt64(int64(1+rng.IntN(40)) * 1_000_000)
	}
	benef := func() domain.BeneficiaryID { return domain.BeneficiaryID(fmt.Sprintf("M%03d", rng.IntN(25))) }
	var issued []domain.MoneyCommand
	accepted, refused := 0, 0

	for step := 0; step < steps; step++ {
		if step == steps/3 {
			// A fund opened later, in a unit whose ancestors already
			// count persons and whose funds already have history.
			id := domain.NewID()
			l.open(domain.OpenFund{FundID: id, UnitID: "cao-loc", Name: "fund opened later", Kind: domain.FundSocial,
				OpenedOn: domain.MustDate("2020-07-01")})
			// Opened while a close of 2020 covers cao-loc, the opening
			// is void (refVoid): the fund is in no list, and takes no
			// command.
			if _, ok := l.ref.opened[id]; ok {
				funds = append(funds, fundInfo{id, "cao-loc"})
			}
		}
		fundUnit := funds2map(funds, func(f fundInfo) (uuid.UUID, domain.UnitID) { return f.id, f.unit })
		if l.periods.inForce() != nil && rng.IntN(8) == 0 || rng.IntN(60) == 0 {
			// Close 2020 for a unit, or reopen it, interleaved with the
			// writes; a closure stays some steps.
			periodStep(t, l, rng, unitsOf, fundUnit, step)
			checkPeriodsList(t, l, rng, firstRec, lastRec, step)
			continue
		}
		fi := funds[rng.IntN(len(funds))]
		f := l.funds[fi.id]
		var c domain.MoneyCommand
		switch r := rng.IntN(100); {
		case r < 8:
			kinds := domain.MoneyKinds()
			c = randomCommand(rng, &kinds[rng.IntN(len(kinds))], fi.id, issued, randDate, randAmount, benef)
		case r < 30:
			c = domain.RecordDonation{TransactionID: domain.NewID(), FundID: fi.id, Amount: randAmount(), OccurredOn: randDate(),
				Donor: domain.Donor{Kind: domain.DonorEnterprise}}
		case r < 45:
			c = domain.PayShelterGrant{TransactionID: domain.NewID(), FundID: fi.id, BeneficiaryID: benef(), Amount: randAmount(),
				Shelter: domain.ShelterKinds[rng.IntN(2)], OccurredOn: randDate()}
		case r < 60:
			c = domain.GrantAssistance{TransactionID: domain.NewID(), FundID: fi.id, BeneficiaryID: benef(), Amount: randAmount(),
				Category: domain.AssistanceCategories[rng.IntN(len(domain.AssistanceCategories))], OccurredOn: randDate()}
		case r < 72:
			c = domain.DisburseLoan{LoanID: domain.NewID(), FundID: fi.id, BeneficiaryID: benef(), Amount: randAmount(), OccurredOn: randDate()}
		case r < 84:
			var loans []uuid.UUID
			for _, prev := range issued {
				if d, ok := prev.(domain.DisburseLoan); ok && d.FundID == fi.id {
					loans = append(loans, d.LoanID)
				}
			}
			if len(loans) == 0 {
				continue
			}
			c = domain.RepayLoan{TransactionID: domain.NewID(), FundID: fi.id, LoanID: loans[rng.IntN(len(loans))],
				Amount: domain.VNDFromInt64(int64(1+rng.IntN(20)) * 1_000_000), OccurredOn: randDate()}
		case r < 94:
			if len(issued) == 0 {
				continue
			}
			target := issued[rng.IntN(len(issued))]
			c = domain.ReverseTransaction{TransactionID: domain.NewID(), FundID: target.Fund(), Reverses: target.TxID(),
				Reason: "correction", OccurredOn: randDate()}
		default: // an idempotent retry or a conflicting reuse of an id
			if len(issued) == 0 {
				continue
			}
			prev := issued[rng.IntN(len(issued))]
			c = prev
			if d, ok := prev.(domain.RecordDonation); ok && rng.IntN(2) == 0 {
				d.Note = "changed"
				c = d
			}
		}
		before := len(l.events)
		err := l.record(c)
		checkWriteAgainstPeriods(t, l, c, fundUnit, len(l.events) > before, err, step)
		f = l.funds[c.Fund()]
		var derr *domain.Error
		switch {
		case err == nil && len(l.events) > before:
			accepted++
			recorded[c.Kind()]++
			issued = append(issued, c)
		case err == nil:
			// replay: nothing appended
		case errors.As(err, &derr):
			refused++
		default:
			t.Fatalf("step %d: Decide(%T) = %v, want nil or a domain error", step, c, err)
		}
		_ = f

		// Check a random fund and a random unit after every step, every
		// fund and unit now and then.
		txs := l.ref.txs
		check := func(fid uuid.UUID, asOf domain.Date) {
			got, ok := l.proj.FundSummary(fid, asOf)
			if !ok {
				t.Fatalf("FundSummary(%s) missing", fid)
			}
			want := refCompute(txs, func(id uuid.UUID) bool { return id == fid }, 0, asOf)
			jsonEq(t, fmt.Sprintf("step %d fund %s as_of %s balance", step, fid, asOf), got.Balance, want.Balance)
			jsonEq(t, fmt.Sprintf("step %d fund %s as_of %s outstanding", step, fid, asOf), got.LoansOutstanding, want.Outstanding)
			jsonEq(t, fmt.Sprintf("step %d fund %s as_of %s totals", step, fid, asOf), got.Totals, want.Totals)
			jsonEq(t, fmt.Sprintf("step %d fund %s as_of %s counts", step, fid, asOf), got.Counts, want.Counts)
			if got.Beneficiaries.Persons != want.Persons {
				t.Fatalf("step %d fund %s as_of %s persons = %d, want %d", step, fid, asOf, got.Beneficiaries.Persons, want.Persons)
			}
			jsonEq(t, fmt.Sprintf("step %d fund %s as_of %s breakdown", step, fid, asOf), got.Breakdown, want.Breakdown)
			if !got.Capital.Equal(got.Balance.Add(got.LoansOutstanding)) {
				t.Fatalf("capital %s != balance %s + outstanding %s", got.Capital, got.Balance, got.LoansOutstanding)
			}
			if got.Balance.Sign() < 0 || got.LoansOutstanding.Sign() < 0 {
				t.Fatalf("step %d fund %s as_of %s negative: balance %s outstanding %s", step, fid, asOf, got.Balance, got.LoansOutstanding)
			}
		}
		check(fi.id, randDate())
		check(fi.id, domain.DateOf(now))
		checkEveryDate(t, l, c.Fund(), step)
		if step%250 == 249 {
			checkRebuild(t, l, step)
		}
		unit := []domain.UnitID{"vgcl", "lang-son", "cao-loc", "ha-noi"}[rng.IntN(4)]
		from, to := domain.Date(0), randDate()
		if rng.IntN(2) == 0 {
			from = randDate()
			if from > to {
				from, to = to, from
			}
		}
		checkUnit(t, l, txs, unitsOf[unit], funds2map(funds, func(f fundInfo) (uuid.UUID, domain.UnitID) { return f.id, f.unit }), unit, from, to, step)
		checkKnown(t, l, rng, funds2map(funds, func(f fundInfo) (uuid.UUID, domain.UnitID) { return f.id, f.unit }), unitsOf, firstRec, lastRec, randDate, step)
		if step%500 == 499 {
			for _, fi := range funds {
				for m := 1; m <= 12; m++ {
					check(fi.id, domain.MustDate(fmt.Sprintf("2020-%02d-28", m)))
				}
			}
		}
	}
	if accepted < steps/5 || refused < steps/20 {
		t.Fatalf("accepted %d, refused %d of %d steps: the generator is not exercising both sides", accepted, refused, steps)
	}

	// No balance or outstanding is negative on any date.
	txs := l.ref.txs
	for _, fi := range funds {
		for m := 1; m <= 12; m++ {
			for d := 1; d <= 28; d++ {
				date := domain.MustDate(fmt.Sprintf("2020-%02d-%02d", m, d))
				w := refCompute(txs, func(id uuid.UUID) bool { return id == fi.id }, 0, date)
				if w.Balance.Sign() < 0 || w.Outstanding.Sign() < 0 {
					t.Fatalf("fund %s on %s: balance %s outstanding %s", fi.id, date, w.Balance, w.Outstanding)
				}
			}
		}
	}

	// The known_at index rebuilt from the transactions, as after a
	// checkpoint load, is the one kept while applying.
	type recState struct {
		recs    recIndex
		lastRec int64
	}
	var live []recState
	for _, f := range l.proj.fundOrder {
		live = append(live, recState{recIndex{slices.Clone(f.recs.dates), slices.Clone(f.recs.dateMax), slices.Clone(f.recs.dateLast),
			slices.Clone(f.recs.prevSame), slices.Clone(f.recs.logMin)}, f.lastRec})
		if !f.recs.built(f) || len(f.txs) == 0 {
			t.Fatalf("fund %s: known_at index not built over its %d transactions", f.info.FundID, len(f.txs))
		}
	}
	l.proj.rebuildRecIndexes()
	for i, f := range l.proj.fundOrder {
		if got := (recState{f.recs, f.lastRec}); !reflect.DeepEqual(got, live[i]) {
			t.Fatalf("fund %s known_at index rebuilt:\n got %+v\nwant %+v", f.info.FundID, got, live[i])
		}
	}

	// A rebuild from the log equals the live state.
	rebuilt := New()
	for _, se := range l.events {
		e, err := domain.Decode(se)
		if err != nil {
			t.Fatal(err)
		}
		if err := rebuilt.Apply(e); err != nil {
			t.Fatal(err)
		}
	}
	for _, fi := range funds {
		for _, asOf := range []domain.Date{0, domain.MustDate("2020-03-15"), domain.MustDate("2020-09-30")} {
			a, _ := l.proj.FundSummary(fi.id, asOf)
			b, _ := rebuilt.FundSummary(fi.id, asOf)
			jsonEq(t, "rebuilt fund summary", b, a)
		}
		a, _, _ := l.proj.Transactions(fi.id, TxFilter{}, 0, 100000)
		b, _, _ := rebuilt.Transactions(fi.id, TxFilter{}, 0, 100000)
		jsonEq(t, "rebuilt transactions", b, a)
	}
	for _, u := range []domain.UnitID{"vgcl", "lang-son", "cao-loc", "ha-noi"} {
		a, _ := l.proj.UnitSummary(u, domain.MustDate("2020-02-10"), domain.MustDate("2020-11-20"))
		b, _ := rebuilt.UnitSummary(u, domain.MustDate("2020-02-10"), domain.MustDate("2020-11-20"))
		jsonEq(t, "rebuilt unit summary", b, a)
	}
	for i := range 25 {
		id := domain.BeneficiaryID(fmt.Sprintf("M%03d", i))
		a, _ := l.proj.Beneficiary(id, "")
		b, _ := rebuilt.Beneficiary(id, "")
		jsonEq(t, "rebuilt beneficiary", b, a)
	}
	checkPeriodsRebuilt(t, l, rebuilt)
}

func funds2map[T any](xs []T, kv func(T) (uuid.UUID, domain.UnitID)) map[uuid.UUID]domain.UnitID {
	m := map[uuid.UUID]domain.UnitID{}
	for _, x := range xs {
		k, v := kv(x)
		m[k] = v
	}
	return m
}

func checkUnit(t *testing.T, l *fakeLog, txs []*refTx, subtree []domain.UnitID, fundUnit map[uuid.UUID]domain.UnitID,
	unit domain.UnitID, from, to domain.Date, step int) {
	t.Helper()
	in := map[domain.UnitID]bool{}
	for _, u := range subtree {
		in[u] = true
	}
	scope := func(id uuid.UUID) bool { return in[fundUnit[id]] }
	got, ok := l.proj.UnitSummary(unit, from, to)
	if !ok {
		t.Fatalf("UnitSummary(%s) missing", unit)
	}
	// Written over whatever an earlier roll-up, of another unit or period,
	// left in it, a summary must equal a fresh one.
	if !l.proj.UnitSummaryInto(&l.reused, unit, from, to) {
		t.Fatalf("UnitSummaryInto(%s) missing", unit)
	}
	jsonEq(t, fmt.Sprintf("step %d unit %s [%s, %s] into a reused summary", step, unit, from, to), l.reused, got)
	want := refCompute(txs, scope, from, to)
	opening := domain.VND{}
	if !from.IsZero() {
		opening = refCompute(txs, scope, 0, from-1).Balance
	}
	what := fmt.Sprintf("step %d unit %s [%s, %s]", step, unit, from, to)
	jsonEq(t, what+" closing", got.ClosingBalance, want.Balance)
	jsonEq(t, what+" opening", got.OpeningBalance, opening)
	jsonEq(t, what+" totals", got.Totals, want.Totals)
	jsonEq(t, what+" counts", got.Counts, want.Counts)
	if got.Beneficiaries.Persons != want.Persons || got.Beneficiaries.Times != got.Counts.times() {
		t.Fatalf("%s beneficiaries = %+v, want persons %d times %d", what, got.Beneficiaries, want.Persons, got.Counts.times())
	}
	jsonEq(t, what+" breakdown", got.Breakdown, want.Breakdown)
	// Persons across the subtree are distinct: the fold, which counts
	// them one by one, agrees.
	jsonEq(t, what+" breakdown by a fold", got.Breakdown, foldBreakdown(subtreeFunds(l.proj.units[unit], nil), Known{}, from, to))
	// Every fund line is its fund's figures over the period, and persons
	// across funds is distinct, not a sum: never more than the sum.
	sum := 0
	for _, line := range got.Funds {
		fid := line.FundID
		wantLine := refCompute(txs, func(id uuid.UUID) bool { return id == fid }, from, to)
		lineOpening := domain.VND{}
		if !from.IsZero() {
			lineOpening = refCompute(txs, func(id uuid.UUID) bool { return id == fid }, 0, from-1).Balance
		}
		lw := fmt.Sprintf("%s fund line %s", what, fid)
		jsonEq(t, lw+" closing", line.ClosingBalance, wantLine.Balance)
		jsonEq(t, lw+" opening", line.OpeningBalance, lineOpening)
		jsonEq(t, lw+" totals", line.Totals, wantLine.Totals)
		jsonEq(t, lw+" counts", line.Counts, wantLine.Counts)
		if line.Beneficiaries.Persons != wantLine.Persons || line.Beneficiaries.Times != line.Counts.times() {
			t.Fatalf("%s beneficiaries = %+v, want persons %d times %d", lw, line.Beneficiaries, wantLine.Persons, line.Counts.times())
		}
		sum += line.Beneficiaries.Persons
	}
	if len(got.Funds) != len(fundsIn(fundUnit, in)) {
		t.Fatalf("%s lists %d funds, want %d", what, len(got.Funds), len(fundsIn(fundUnit, in)))
	}
	if got.Beneficiaries.Persons > sum {
		t.Fatalf("%s persons %d > sum of per-fund persons %d", what, got.Beneficiaries.Persons, sum)
	}
}

// fundsIn returns the funds whose unit is in the set in.
func fundsIn(fundUnit map[uuid.UUID]domain.UnitID, in map[domain.UnitID]bool) []uuid.UUID {
	var ids []uuid.UUID
	for id, u := range fundUnit {
		if in[u] {
			ids = append(ids, id)
		}
	}
	return ids
}

// checkEveryDate sweeps the fund's movements in date order and checks, on
// every date that has one, that the running balance and outstanding
// principal are not negative and that the projection's as_of answer agrees.
func checkEveryDate(t *testing.T, l *fakeLog, fund uuid.UUID, step int) {
	t.Helper()
	var mine []*refTx
	for _, r := range l.ref.txs {
		if r.fund == fund {
			mine = append(mine, r)
		}
	}
	slices.SortStableFunc(mine, func(a, b *refTx) int { return int(a.date) - int(b.date) })
	var balance, outstanding domain.VND
	for i, r := range mine {
		balance = balance.Add(r.signed())
		amt := r.amount
		if r.reversal {
			amt = amt.Neg()
		}
		switch r.cat {
		case domain.CatLoansDisbursed:
			outstanding = outstanding.Add(amt)
		case domain.CatRepayments:
			outstanding = outstanding.Sub(amt)
		}
		if i+1 < len(mine) && mine[i+1].date == r.date {
			continue // the end of the day is what counts
		}
		if balance.Sign() < 0 || outstanding.Sign() < 0 {
			t.Fatalf("step %d fund %s on %s: balance %s, outstanding %s", step, fund, r.date, balance, outstanding)
		}
		got, _ := l.proj.FundSummary(fund, r.date)
		if !got.Balance.Equal(balance) || !got.LoansOutstanding.Equal(outstanding) {
			t.Fatalf("step %d fund %s as_of %s: balance %s outstanding %s, want %s and %s",
				step, fund, r.date, got.Balance, got.LoansOutstanding, balance, outstanding)
		}
	}
}

// checkRebuild rebuilds projections from the log so far and compares every
// fund's summary and transactions, and every unit's roll-up, with the live
// ones.
func checkRebuild(t *testing.T, l *fakeLog, step int) {
	t.Helper()
	rebuilt := New()
	for _, se := range l.events {
		e, err := domain.Decode(se)
		if err != nil {
			t.Fatal(err)
		}
		if err := rebuilt.Apply(e); err != nil {
			t.Fatal(err)
		}
	}
	for id := range l.funds {
		a, _ := l.proj.FundSummary(id, 0)
		b, _ := rebuilt.FundSummary(id, 0)
		jsonEq(t, fmt.Sprintf("step %d rebuilt fund summary", step), b, a)
		ta, _, _ := l.proj.Transactions(id, TxFilter{}, 0, 1<<30)
		tb, _, _ := rebuilt.Transactions(id, TxFilter{}, 0, 1<<30)
		jsonEq(t, fmt.Sprintf("step %d rebuilt transactions", step), tb, ta)
	}
	for id := range l.units {
		a, _ := l.proj.UnitSummary(id, 0, domain.MaxDate)
		b, _ := rebuilt.UnitSummary(id, 0, domain.MaxDate)
		jsonEq(t, fmt.Sprintf("step %d rebuilt unit summary", step), b, a)
	}
}

// --- known_at: the same figures from the events recorded by an instant ----

// knownRef returns the reference's transactions as known at k: those
// recorded at or before it, each original reversed only when its reversal
// was recorded by then too.
func knownRef(txs []*refTx, k time.Time) []*refTx {
	var out []*refTx
	for _, r := range txs {
		if r.e.Meta.RecordedAt.After(k) {
			continue
		}
		c := *r
		if c.rev != nil && c.rev.e.Meta.RecordedAt.After(k) {
			c.revDate, c.rev = 0, nil
		}
		out = append(out, &c)
	}
	return out
}

// checkKnown checks a random known_at between just before first and just
// after last (the recording clock's range so far) against the reference
// over the events known then: a fund's summary as of a random date, a
// unit's roll-up over a random period, a fund's transactions and
// statement, and a loan.
func checkKnown(t *testing.T, l *fakeLog, rng *rand.Rand, fundUnit map[uuid.UUID]domain.UnitID,
	unitsOf map[domain.UnitID][]domain.UnitID, first, last time.Time, randDate func() domain.Date, step int) {
	t.Helper()
	span := last.Sub(first) + 20*time.Minute
	at := first.Add(-10*time.Minute + time.Duration(rng.Int64N(int64(span))))
	if len(l.ref.txs) > 0 && rng.IntN(3) == 0 {
		// Exactly an event's recorded_at, which is known then.
		at = l.ref.txs[rng.IntN(len(l.ref.txs))].e.Meta.RecordedAt
	}
	k := KnownAt(at)
	txs := knownRef(l.ref.txs, at)
	knows := func(e domain.Event) bool { return !e.Meta.RecordedAt.After(at) }
	fundIDs := make([]uuid.UUID, 0, len(fundUnit))
	for id := range fundUnit {
		fundIDs = append(fundIDs, id)
	}
	slices.SortFunc(fundIDs, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
	fid := fundIDs[rng.IntN(len(fundIDs))]
	inFund := func(id uuid.UUID) bool { return id == fid }
	what := fmt.Sprintf("step %d known_at %s fund %s", step, at.Format(time.RFC3339), fid)

	// The fund's summary.
	asOf := randDate()
	got, ok := l.proj.FundSummaryKnown(fid, asOf, k)
	if opened := knows(l.ref.opened[fid]); ok != opened {
		t.Fatalf("%s: FundSummaryKnown found = %v, want %v (opened by then)", what, ok, opened)
	}
	if ok {
		want := refCompute(txs, inFund, 0, asOf)
		wantPos := l.ref.opened[fid].Position
		for _, r := range txs {
			if r.fund == fid {
				wantPos = max(wantPos, r.e.Position)
			}
		}
		w := what + " as_of " + asOf.String()
		jsonEq(t, w+" balance", got.Balance, want.Balance)
		jsonEq(t, w+" outstanding", got.LoansOutstanding, want.Outstanding)
		jsonEq(t, w+" capital", got.Capital, want.Balance.Add(want.Outstanding))
		jsonEq(t, w+" totals", got.Totals, want.Totals)
		jsonEq(t, w+" counts", got.Counts, want.Counts)
		if got.Beneficiaries.Persons != want.Persons || got.Beneficiaries.Times != want.Counts.times() {
			t.Fatalf("%s beneficiaries = %+v, want persons %d times %d", w, got.Beneficiaries, want.Persons, want.Counts.times())
		}
		jsonEq(t, w+" breakdown", got.Breakdown, want.Breakdown)
		if got.Position != wantPos || got.AsOf != asOf {
			t.Fatalf("%s position %d as_of %s, want %d and %s", w, got.Position, got.AsOf, wantPos, asOf)
		}
		// The fold, which answers for funds loaded from a checkpoint.
		withoutBreakdown := got
		withoutBreakdown.Breakdown = nil
		jsonEq(t, w+" by a fold", l.proj.funds[fid].foldSummary(asOf, asOf, k), withoutBreakdown)
	}

	// A unit's roll-up over a period.
	unit := []domain.UnitID{"vgcl", "lang-son", "cao-loc", "ha-noi"}[rng.IntN(4)]
	from, to := domain.Date(0), randDate()
	if rng.IntN(2) == 0 {
		from = randDate()
		if from > to {
			from, to = to, from
		}
	}
	var sum, folded UnitSummary
	ok = l.proj.UnitSummaryKnownInto(&sum, unit, from, to, k)
	if ok {
		// The fold, which answers when a fund of the subtree was loaded
		// from a checkpoint.
		l.proj.foldUnitSummary(&folded, l.proj.units[unit], from, to, k)
		jsonEq(t, fmt.Sprintf("step %d known_at %s unit %s [%s, %s] by a fold", step, at.Format(time.RFC3339), unit, from, to), folded, sum)
	}
	if registered := knows(l.ref.registered[unit]); ok != registered {
		t.Fatalf("%s: UnitSummaryKnownInto(%s) found = %v, want %v (registered by then)", what, unit, ok, registered)
	}
	if ok {
		in := map[uuid.UUID]bool{}
		for id, u := range fundUnit {
			if slices.Contains(unitsOf[unit], u) && knows(l.ref.opened[id]) {
				in[id] = true
			}
		}
		scope := func(id uuid.UUID) bool { return in[id] }
		want := refCompute(txs, scope, from, to)
		opening := domain.VND{}
		if !from.IsZero() {
			opening = refCompute(txs, scope, 0, from-1).Balance
		}
		w := fmt.Sprintf("step %d known_at %s unit %s [%s, %s]", step, at.Format(time.RFC3339), unit, from, to)
		jsonEq(t, w+" closing", sum.ClosingBalance, want.Balance)
		jsonEq(t, w+" opening", sum.OpeningBalance, opening)
		jsonEq(t, w+" totals", sum.Totals, want.Totals)
		jsonEq(t, w+" counts", sum.Counts, want.Counts)
		if sum.Beneficiaries.Persons != want.Persons || sum.Beneficiaries.Times != want.Counts.times() {
			t.Fatalf("%s beneficiaries = %+v, want persons %d times %d", w, sum.Beneficiaries, want.Persons, want.Counts.times())
		}
		jsonEq(t, w+" breakdown", sum.Breakdown, want.Breakdown)
		if len(sum.Funds) != len(in) {
			t.Fatalf("%s lists %d funds, want the %d opened by then", w, len(sum.Funds), len(in))
		}
		for _, line := range sum.Funds {
			id := line.FundID
			if !in[id] {
				t.Fatalf("%s lists fund %s, not opened by then", w, id)
			}
			one := func(f uuid.UUID) bool { return f == id }
			wl := refCompute(txs, one, from, to)
			lineOpening := domain.VND{}
			if !from.IsZero() {
				lineOpening = refCompute(txs, one, 0, from-1).Balance
			}
			lw := fmt.Sprintf("%s fund line %s", w, id)
			jsonEq(t, lw+" closing", line.ClosingBalance, wl.Balance)
			jsonEq(t, lw+" opening", line.OpeningBalance, lineOpening)
			jsonEq(t, lw+" totals", line.Totals, wl.Totals)
			jsonEq(t, lw+" counts", line.Counts, wl.Counts)
			if line.Beneficiaries.Persons != wl.Persons || line.Beneficiaries.Times != wl.Counts.times() {
				t.Fatalf("%s beneficiaries = %+v, want persons %d times %d", lw, line.Beneficiaries, wl.Persons, wl.Counts.times())
			}
		}
	}

	// The fund's transactions, each reversed_by only by a known reversal.
	list, _, ok := l.proj.TransactionsKnown(fid, TxFilter{}, 0, 1<<30, k)
	if ok != knows(l.ref.opened[fid]) {
		t.Fatalf("%s: TransactionsKnown found = %v", what, ok)
	}
	var wantIDs, gotIDs []string
	for _, r := range txs {
		if r.fund == fid && ok {
			id := r.e.Meta.EventID.String()
			if r.rev != nil {
				id += " reversed by " + r.rev.e.Meta.EventID.String()
			}
			wantIDs = append(wantIDs, id)
		}
	}
	for _, tx := range list {
		id := tx.TransactionID.String()
		if tx.ReversedBy != nil {
			id += " reversed by " + tx.ReversedBy.String()
		}
		gotIDs = append(gotIDs, id)
	}
	jsonEq(t, what+" transactions", gotIDs, wantIDs)

	// The fund's statement over a period.
	if st, ok := l.proj.StatementKnown(fid, from, to, k); ok {
		w := fmt.Sprintf("%s statement [%s, %s]", what, from, to)
		opening := domain.VND{}
		if !from.IsZero() {
			opening = refCompute(txs, inFund, 0, from-1).Balance
		}
		jsonEq(t, w+" opening", st.OpeningBalance, opening)
		jsonEq(t, w+" closing", st.ClosingBalance, refCompute(txs, inFund, 0, to).Balance)
		lines := 0
		for _, r := range txs {
			if r.fund == fid && r.date >= st.From && r.date <= to {
				lines++
			}
		}
		if st.Len() != lines {
			t.Fatalf("%s has %d lines, want %d", w, st.Len(), lines)
		}
	} else if knows(l.ref.opened[fid]) {
		t.Fatalf("%s: StatementKnown not found", what)
	}

	// A loan of the fund: its repayments and reversal as known then.
	for _, r := range l.ref.txs {
		if r.fund != fid || r.cat != domain.CatLoansDisbursed || r.reversal || !knows(l.ref.opened[fid]) {
			continue
		}
		loan := r.e.Meta.EventID
		got, ok := l.proj.LoanKnown(fid, loan, k)
		if ok != knows(r.e) {
			t.Fatalf("%s loan %s: found = %v, want %v", what, loan, ok, knows(r.e))
		}
		if !ok {
			break
		}
		var repaid domain.VND
		for _, x := range txs {
			if d, isRepay := x.e.Data.(*domain.LoanRepaid); isRepay && d.LoanID == loan {
				repaid = repaid.Add(x.amount)
			}
			if x.reversal && x.orig != nil && x.cat == domain.CatRepayments {
				if d := x.orig.e.Data.(*domain.LoanRepaid); d.LoanID == loan {
					repaid = repaid.Sub(x.amount)
				}
			}
		}
		status := LoanActive
		reversed := r.rev != nil && knows(r.rev.e)
		switch {
		case reversed:
			status = LoanReversed
		case r.amount.Equal(repaid):
			status = LoanRepaid
		}
		if !got.Repaid.Equal(repaid) || got.Status != status {
			t.Fatalf("%s loan %s: repaid %s status %s, want %s and %s", what, loan, got.Repaid, got.Status, repaid, status)
		}
		break
	}

	// A beneficiary: the grants, loans and repayments recorded by then in
	// funds opened by then, the totals leaving out those reversed by then.
	benefID := domain.BeneficiaryID(fmt.Sprintf("M%03d", rng.IntN(25)))
	var wantItems int
	var wantGrants, wantLoans, wantRepaid domain.VND
	for _, r := range txs {
		if r.benef != benefID || r.reversal || !knows(l.ref.opened[r.fund]) {
			continue
		}
		wantItems++
		if r.rev != nil {
			continue
		}
		switch r.cat {
		case domain.CatShelterGrants, domain.CatAssistanceGrants:
			wantGrants = wantGrants.Add(r.amount)
		case domain.CatLoansDisbursed:
			wantLoans = wantLoans.Add(r.amount)
		case domain.CatRepayments:
			wantRepaid = wantRepaid.Add(r.amount)
		}
	}
	bene, ok := l.proj.BeneficiaryKnown(benefID, "", k)
	gotGrants := bene.Totals.ShelterGrants.Add(bene.Totals.AssistanceGrants)
	if ok != (wantItems > 0) || len(bene.Items) != wantItems || !gotGrants.Equal(wantGrants) ||
		!bene.Totals.LoansDisbursed.Equal(wantLoans) || !bene.Totals.Repayments.Equal(wantRepaid) {
		t.Fatalf("%s beneficiary %s: found %v, %d items, grants %s loans %s repaid %s; want %d items, %s, %s, %s",
			what, benefID, ok, len(bene.Items), gotGrants, bene.Totals.LoansDisbursed, bene.Totals.Repayments, wantItems, wantGrants, wantLoans, wantRepaid)
	}

	// Past every recording, known_at answers as now.
	late := KnownAt(last.Add(time.Hour))
	a, _ := l.proj.FundSummary(fid, asOf)
	b, _ := l.proj.FundSummaryKnown(fid, asOf, late)
	jsonEq(t, what+" known_at after every recording", b, a)
}
