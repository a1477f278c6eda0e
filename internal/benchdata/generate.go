package benchdata

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// Spec describes a history to generate. The same Spec gives the same shape
// of history (units, funds, amounts, dates, beneficiaries); event ids are
// UUIDv7 from the clock, as on the real write path.
type Spec struct {
	// Events is the total number of events, units and fund openings
	// included.
	Events int
	// Seed seeds the generator's random numbers.
	Seed uint64
	// Provinces, DistrictsPerProvince and GrassrootsPerDistrict shape the
	// hierarchy under the one confederation root.
	Provinces             int
	DistrictsPerProvince  int
	GrassrootsPerDistrict int
	// MembersPerProvince is the size of each province's pool of
	// beneficiaries (member codes); grants and loans draw from it.
	MembersPerProvince int
	// From and To are the first and last business dates of the history.
	From, To domain.Date
	// Writers is the number of concurrent appenders, so that the store's
	// group commit shares each disk flush among many appends.
	Writers int
}

// DefaultSpec is a realistic history of n events: 5 provinces of 8 districts
// of 6 grassroots unions (286 units, 390 funds), 100,000 members per
// province, seven years of business dates.
func DefaultSpec(n int) Spec {
	return Spec{
		Events:                n,
		Seed:                  1,
		Provinces:             5,
		DistrictsPerProvince:  8,
		GrassrootsPerDistrict: 6,
		MembersPerProvince:    100_000,
		From:                  domain.MustDate("2019-01-01"),
		To:                    domain.MustDate("2025-12-31"),
		Writers:               64,
	}
}

// Summary describes a generated history: what the benchmarks query.
type Summary struct {
	Spec Spec
	// Events is the number of events written.
	Events int
	// Root is the confederation; Provinces are its children.
	Root      domain.UnitID
	Provinces []domain.UnitID
	Units     int
	// Last is the last business date with an event (Spec.To, unless the
	// history was cut short).
	Last domain.Date
	// Funds lists every fund in the order they were opened.
	Funds []uuid.UUID
	// Types counts the events of each type.
	Types map[domain.EventType]int
	// Elapsed is how long generating and appending took.
	Elapsed time.Duration
}

// Generation limits.
const (
	// ringLen is how many recent transactions per fund a reversal may
	// choose from: corrections concern recent entries.
	ringLen = 64
	// queueLen is the number of full appends each writer can have waiting.
	queueLen = 4
)

// ErrSpec is returned for a Spec that cannot be generated.
var ErrSpec = errors.New("invalid history spec")

// Generate appends a history described by spec to store, which must be
// empty. It returns when every event is durable. Errors: ErrSpec, and the
// store's append errors.
func Generate(ctx context.Context, store domain.EventStore, spec Spec) (Summary, error) {
	start := time.Now()
	g, err := newGenerator(spec)
	if err != nil {
		return Summary{}, err
	}
	if err := g.registerUnits(ctx, store); err != nil {
		return Summary{}, err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	g.startWriters(ctx, cancel, store)
	err = g.run(ctx)
	g.stopWriters()
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		err = cause
	} else if err == nil {
		err = context.Cause(ctx)
	}
	if err != nil {
		return Summary{}, err
	}
	sum := Summary{Spec: spec, Events: g.events, Root: g.units[0].id, Units: len(g.units), Last: g.last, Types: g.types, Elapsed: time.Since(start)}
	for _, u := range g.units {
		if u.level == levelProvince {
			sum.Provinces = append(sum.Provinces, u.id)
		}
	}
	for _, f := range g.funds {
		sum.Funds = append(sum.Funds, f.id)
	}
	return sum, nil
}

// Unit levels.
const (
	levelRoot = iota
	levelProvince
	levelDistrict
	levelGrassroots
)

type unitRec struct {
	id       domain.UnitID
	name     string
	parent   domain.UnitID
	level    int
	province int // index into provinces
}

// chain is a stream's hash chain and revision; only its writer touches it.
type chain struct {
	stream   string
	lastHash string
	next     domain.ExpectedRevision
	shard    int
}

type fundRec struct {
	id      uuid.UUID
	unit    *unitRec
	kind    domain.FundKind
	name    string
	openDay int // index into days
	actor   string
	chain   *chain

	balance int64
	loans   []*loanRec // open: outstanding > 0 and not reversed
	recent  [ringLen]*txRec
	nRecent int
	buf     []item
}

type loanRec struct {
	id          uuid.UUID
	benef       domain.BeneficiaryID
	principal   int64
	outstanding int64
	repayments  int
	open        int // index in fundRec.loans, -1 when closed
}

type txRec struct {
	id       uuid.UUID
	typ      domain.EventType
	amount   int64
	date     domain.Date
	benef    domain.BeneficiaryID
	shelter  domain.ShelterKind
	loan     *loanRec
	reversed bool
}

// item is one decided event waiting to be sealed and appended.
type item struct {
	cmd      domain.Command
	data     domain.EventData
	id       uuid.UUID
	date     domain.Date
	recorded time.Time
	actor    string
}

type job struct {
	chain *chain
	items []item
}

type generator struct {
	spec   Spec
	rng    *rand.Rand
	days   []time.Time // business days at 00:00 in Vietnam
	dates  []domain.Date
	units  []*unitRec
	funds  []*fundRec
	cum    []int // cumulative fund weights
	types  map[domain.EventType]int
	events int
	last   domain.Date

	queues []chan job
	wg     sync.WaitGroup
}

func newGenerator(spec Spec) (*generator, error) {
	switch {
	case spec.Provinces < 1 || spec.DistrictsPerProvince < 1 || spec.GrassrootsPerDistrict < 1:
		return nil, fmt.Errorf("%w: the hierarchy needs at least one unit on each level", ErrSpec)
	case spec.MembersPerProvince < 1:
		return nil, fmt.Errorf("%w: MembersPerProvince %d", ErrSpec, spec.MembersPerProvince)
	case spec.Writers < 1:
		return nil, fmt.Errorf("%w: Writers %d", ErrSpec, spec.Writers)
	case spec.From.IsZero() || spec.To < spec.From:
		return nil, fmt.Errorf("%w: dates %s to %s", ErrSpec, spec.From, spec.To)
	}
	g := &generator{spec: spec, rng: rand.New(rand.NewPCG(spec.Seed, spec.Seed^0x9e3779b97f4a7c15)), types: map[domain.EventType]int{}}
	from := dateTime(spec.From)
	for d := from; domain.DateOf(d) <= spec.To; d = d.AddDate(0, 0, 1) {
		g.days = append(g.days, d)
		g.dates = append(g.dates, domain.DateOf(d))
	}
	g.buildHierarchy()
	fixed := len(g.units) + len(g.funds)
	if spec.Events < fixed {
		return nil, fmt.Errorf("%w: %d events cannot hold the %d unit registrations and fund openings", ErrSpec, spec.Events, fixed)
	}
	return g, nil
}

func dateTime(d domain.Date) time.Time {
	return time.Date(d.Year(), time.Month(int(d)/100%100), int(d)%100, 0, 0, 0, 0, domain.VietnamZone)
}

// buildHierarchy lays out units and funds: the root and each province run
// one fund of every kind; districts a social, a shelter and a capital
// support fund; grassroots unions a social or a mutual aid fund, opened
// during the first half of the history.
func (g *generator) buildHierarchy() {
	root := &unitRec{id: "tld", name: "Tổng Liên đoàn Lao động Việt Nam", level: levelRoot}
	g.units = append(g.units, root)
	for _, k := range domain.FundKinds {
		g.addFund(root, k, 0, 10)
	}
	for p := range g.spec.Provinces {
		pv := provinceOf(p)
		prov := &unitRec{id: domain.UnitID(pv.slug), name: "Liên đoàn Lao động " + pv.name, parent: root.id, level: levelProvince, province: p}
		g.units = append(g.units, prov)
		for _, k := range domain.FundKinds {
			g.addFund(prov, k, 0, 8)
		}
	}
	half := len(g.days) / 2
	for p := range g.spec.Provinces {
		pv := provinceOf(p)
		for d := range g.spec.DistrictsPerProvince {
			dist := &unitRec{
				id:     domain.UnitID(fmt.Sprintf("%s-h%02d", pv.slug, d+1)),
				name:   fmt.Sprintf("Liên đoàn Lao động huyện %d, %s", d+1, pv.name),
				parent: domain.UnitID(pv.slug), level: levelDistrict, province: p,
			}
			g.units = append(g.units, dist)
			for _, k := range []domain.FundKind{domain.FundSocial, domain.FundShelter, domain.FundCapitalSupport} {
				g.addFund(dist, k, g.rng.IntN(half/2+1), 3)
			}
		}
	}
	for _, dist := range g.units {
		if dist.level != levelDistrict {
			continue
		}
		for c := range g.spec.GrassrootsPerDistrict {
			cs := &unitRec{
				id:     domain.UnitID(fmt.Sprintf("%s-cs%02d", dist.id, c+1)),
				name:   fmt.Sprintf("Công đoàn cơ sở %s", companies[(int(dist.id[len(dist.id)-1])+c)%len(companies)]),
				parent: dist.id, level: levelGrassroots, province: dist.province,
			}
			g.units = append(g.units, cs)
			kind := domain.FundSocial
			if c%2 == 1 {
				kind = domain.FundMutualAid
			}
			g.addFund(cs, kind, g.rng.IntN(half+1), 1)
		}
	}
}

func (g *generator) addFund(u *unitRec, k domain.FundKind, openDay, weight int) {
	id := domain.NewID()
	f := &fundRec{
		id: id, unit: u, kind: k, name: fundNames[k] + " " + u.name, openDay: openDay,
		actor: "ketoan@" + string(u.id),
		chain: &chain{stream: domain.FundStream(id), lastHash: domain.GenesisHash, next: domain.ExpectNoStream, shard: len(g.funds) % g.spec.Writers},
	}
	g.funds = append(g.funds, f)
	total := weight
	if len(g.cum) > 0 {
		total += g.cum[len(g.cum)-1]
	}
	g.cum = append(g.cum, total)
}

// registerUnits appends the units level by level (a unit's parent must be
// in the log before it), each level's units concurrently.
func (g *generator) registerUnits(ctx context.Context, store domain.EventStore) error {
	for level := levelRoot; level <= levelGrassroots; level++ {
		var wg sync.WaitGroup
		errs := make(chan error, len(g.units))
		sem := make(chan struct{}, g.spec.Writers)
		for _, u := range g.units {
			if u.level != level {
				continue
			}
			g.types[domain.TypeUnitRegistered]++
			g.events++
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				c := domain.RegisterUnit{UnitID: u.id, Name: u.name, ParentID: u.parent}
				at := g.days[0].Add(-24 * time.Hour).Add(8 * time.Hour)
				meta := domain.Metadata{EventID: domain.NewID(), OccurredOn: domain.DateOf(at), RecordedAt: at.UTC(),
					Actor: "admin@tld", PayloadHash: domain.PayloadHash(c)}
				ne, _, err := domain.Seal(domain.GenesisHash, &domain.UnitRegistered{UnitID: u.id, Name: u.name, ParentID: u.parent}, meta)
				if err == nil {
					_, err = store.Append(ctx, domain.UnitStream(u.id), domain.ExpectNoStream, []domain.NewEvent{ne})
				}
				if err != nil {
					errs <- fmt.Errorf("register unit %s: %w", u.id, err)
				}
			})
		}
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			return err
		}
	}
	return nil
}

// startWriters starts one appender per shard. Each stream belongs to one
// shard, so its appends stay in order; the shards append concurrently.
func (g *generator) startWriters(ctx context.Context, cancel context.CancelCauseFunc, store domain.EventStore) {
	g.queues = make([]chan job, g.spec.Writers)
	for i := range g.queues {
		q := make(chan job, queueLen)
		g.queues[i] = q
		g.wg.Go(func() {
			for j := range q {
				if ctx.Err() != nil {
					continue // drain: the generator stops on ctx
				}
				if err := appendJob(ctx, store, j); err != nil {
					cancel(err)
				}
			}
		})
	}
}

func (g *generator) stopWriters() {
	for _, q := range g.queues {
		close(q)
	}
	g.wg.Wait()
}

// appendJob seals a stream's items onto its hash chain, as the ledger's
// write path does, and appends them with the expected revision.
func appendJob(ctx context.Context, store domain.EventStore, j job) error {
	c := j.chain
	events := make([]domain.NewEvent, len(j.items))
	for i, it := range j.items {
		meta := domain.Metadata{EventID: it.id, OccurredOn: it.date, RecordedAt: it.recorded.UTC(), Actor: it.actor, PayloadHash: domain.PayloadHash(it.cmd)}
		ne, sealed, err := domain.Seal(c.lastHash, it.data, meta)
		if err != nil {
			return fmt.Errorf("seal %s: %w", c.stream, err)
		}
		c.lastHash = sealed.Hash
		events[i] = ne
	}
	res, err := store.Append(ctx, c.stream, c.next, events)
	if err != nil {
		return err
	}
	c.next = domain.ExpectRevision(res.NextRevision)
	return nil
}

// run opens the funds and emits the money events in business-date order,
// spread evenly over the days.
func (g *generator) run(ctx context.Context) error {
	for _, f := range g.funds {
		c := domain.OpenFund{FundID: f.id, UnitID: f.unit.id, Name: f.name, Kind: f.kind, OpenedOn: g.dates[f.openDay]}
		g.emit(ctx, f, f.id, f.openDay, c, &domain.FundOpened{FundID: f.id, UnitID: f.unit.id, Name: f.name, Kind: f.kind, OpenedOn: c.OpenedOn})
	}
	money := g.spec.Events - g.events
	for i := range money {
		if i%4096 == 0 && ctx.Err() != nil {
			return context.Cause(ctx)
		}
		day := int(int64(i) * int64(len(g.days)) / int64(money))
		g.money(ctx, g.pickFund(day), day)
	}
	for _, f := range g.funds {
		g.flush(ctx, f)
	}
	return nil
}

// pickFund chooses a fund open on day, larger units' funds more often.
func (g *generator) pickFund(day int) *fundRec {
	for range 8 {
		i := sortSearch(g.cum, g.rng.IntN(g.cum[len(g.cum)-1]))
		if f := g.funds[i]; f.openDay <= day {
			return f
		}
	}
	// The root's and provinces' funds come first and are open from the
	// first day.
	return g.funds[g.rng.IntN(len(domain.FundKinds)*(1+g.spec.Provinces))]
}

// sortSearch returns the first index whose cumulative weight exceeds x.
func sortSearch(cum []int, x int) int {
	lo, hi := 0, len(cum)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if cum[m] <= x {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// emit queues one event of f's stream, sending a full append to its writer.
func (g *generator) emit(ctx context.Context, f *fundRec, id uuid.UUID, day int, cmd domain.Command, data domain.EventData) {
	// Recorded during office hours on the business date.
	recorded := g.days[day].Add(7*time.Hour + time.Duration(g.rng.IntN(10*3600))*time.Second)
	f.buf = append(f.buf, item{cmd: cmd, data: data, id: id, date: g.dates[day], recorded: recorded, actor: f.actor})
	g.types[data.EventType()]++
	g.events++
	g.last = max(g.last, g.dates[day])
	if len(f.buf) == domain.MaxEventsPerAppend {
		g.flush(ctx, f)
	}
}

func (g *generator) flush(ctx context.Context, f *fundRec) {
	if len(f.buf) == 0 {
		return
	}
	select {
	case g.queues[f.chain.shard] <- job{chain: f.chain, items: f.buf}:
	case <-ctx.Done():
	}
	f.buf = make([]item, 0, domain.MaxEventsPerAppend)
}
