package projections

import (
	"context"
	"runtime"
	"sync/atomic"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// The person indexes of the breakdown lines (breakdown.go) are not built
// by a checkpoint load. Every grant counts in the person index of its
// fund, its unit and every ancestor; building the same for its line in
// each of them as well doubled the load's sorting and the memory the
// indexes hold (a 10 M-event start went from 8.6 to 12.2 s of CPU and from
// 170 to 194 bytes an event). A load marks every fund and unit pending
// and leaves their lines' running figures and reversals unbuilt too
// (deferBreakdown); the first job builds those for every scope at once,
// under the write lock, before it starts (buildLinesNow). The live apply
// keeps the lines' figures and reversals once built, but leaves the
// person indexes of pending scopes alone.
//
// A pending scope's indexes are built by a job, started by the first query
// of the scope's breakdown, or for a large unit after a start by the
// warmer (WarmBreakdowns, which Run starts once caught up), whichever
// comes first; a query that finds the job running waits for it, so it
// waits for its own scope only. A job never holds the read lock for long,
// because every write waits behind a reader: building the
// confederation's indexes of a 10 M-event ledger takes most of a second
// of CPU (it took seconds, and held under the lock, writes waited
// 0.9-3.9 s). It takes the lock for turns
// of a few thousand transactions, and builds the indexes as the ledger
// stood at the job's start, at position at:
//
//  1. under the lock, it notes at and makes the new, empty indexes; from
//     then on the live apply records in the job every grant and reversal
//     of the scope (ops);
//  2. a turn at a time, it reads the scope's transactions for its grants
//     (scopeGrants, breakdown_grants.go), each grant counted only if it
//     was applied by at and reversed only if its reversal was: what a
//     transaction says of the time before at never changes after it, so
//     the turns need not be taken at once;
//  3. without the lock, it sorts the grants into the new indexes (steps
//     2 and 3 on every core, see jobWorkers);
//  4. a turn at a time, it applies the recorded grants and reversals to
//     them, as the live apply would have, with each person's grants as
//     they stood before each; under the lock that applies the last of
//     them it puts the new indexes in place and clears the pending flag,
//     which readers check before reading the indexes.

// Bounds of a job's turns under the read lock: the transactions it reads
// for their grants, and the recorded grants and reversals it applies, per
// turn. On a 10 M-event ledger a transaction read costs a cache miss or
// two (40-60 ns of CPU measured, the root's 10 M in 0.4-0.5 s), and a
// recorded grant a person's grants and an index insertion: turns of a
// fraction of a millisecond. The longest write measured behind a job was
// 9-84 ms at load 7 with these turns, and 20-430 ms with turns eight
// times longer (docs/performance.md). Variables, so that tests can make
// turns of a few.
var (
	bdTurnTxs = 1 << 12
	bdTurnOps = 1 << 8
)

// linePersonsJob builds the line person indexes of one pending scope.
type linePersonsJob struct {
	// done is closed when the indexes are in place.
	done chan struct{}
	// at is the position the indexes are built at; funds are the scope's
	// funds then, and fresh the new indexes of the lines the scope had
	// then (nil for the others, whose grants all came after at).
	at    domain.Position
	funds []*fundNode
	fresh [numLines]*personIndex
	// ops lists the grants (reversal false) and the reversals of grants
	// (true) of the scope applied after at, in log order: appended by
	// the live apply under the write lock, read by the job under the
	// read lock.
	ops []bdOp
}

// bdOp is a grant or loan t applied after a job's position, or t's
// reversal (then t.link).
type bdOp struct {
	t        *txNode
	reversal bool
}

// record notes in the job of a pending scope a grant or reversal the live
// apply did not count in its persons. Under the write lock.
func (j *linePersonsJob) record(t *txNode, reversal bool) {
	if j != nil {
		j.ops = append(j.ops, bdOp{t: t, reversal: reversal})
	}
}

// bdScope is a fund or a unit, as a job sees it.
type bdScope struct {
	lines   *lineIndexes
	pending *atomic.Bool
	job     **linePersonsJob
	fund    *fundNode // or
	unit    *unitNode
}

func fundScope(f *fundNode) bdScope {
	return bdScope{lines: &f.breakdown, pending: &f.bdPersonsPending, job: &f.bdJob, fund: f}
}

func unitScope(u *unitNode) bdScope {
	return bdScope{lines: &u.breakdown, pending: &u.bdPersonsPending, job: &u.bdJob, unit: u}
}

// in reports whether f is one of the scope's funds.
func (s bdScope) in(f *fundNode) bool {
	if s.fund != nil {
		return f == s.fund
	}
	return f.in(s.unit)
}

// fundsOf returns the scope's funds. Under the read lock.
func (s bdScope) fundsOf() []*fundNode {
	if s.fund != nil {
		return []*fundNode{s.fund}
	}
	return subtreeFunds(s.unit, nil)
}

// rlockFund takes the read lock and returns fund id, its line person
// indexes built first if they are pending (the lock is let go meanwhile:
// a fund never goes away). The caller unlocks. A summary's common case,
// nothing pending, costs one lock, as before the jobs.
func (p *Projections) rlockFund(id uuid.UUID) (*fundNode, bool) {
	p.mu.RLock()
	f, ok := p.funds[id]
	if ok && f.bdPersonsPending.Load() {
		p.mu.RUnlock()
		p.readyLines(context.Background(), fundScope(f), jobWorkers())
		p.mu.RLock()
	}
	return f, ok
}

// rlockUnit is rlockFund for unit id.
func (p *Projections) rlockUnit(id domain.UnitID) (*unitNode, bool) {
	p.mu.RLock()
	u, ok := p.units[id]
	if ok && u.bdPersonsPending.Load() {
		p.mu.RUnlock()
		p.readyLines(context.Background(), unitScope(u), jobWorkers())
		p.mu.RLock()
	}
	return u, ok
}

// readyFundLines builds fund id's line person indexes if they are
// pending, or waits for the job building them. Not under the lock.
func (p *Projections) readyFundLines(id uuid.UUID) {
	p.mu.RLock()
	f := p.funds[id]
	p.mu.RUnlock()
	if f != nil {
		p.readyLines(context.Background(), fundScope(f), jobWorkers())
	}
}

// readyUnitLines is readyFundLines for unit id's subtree.
func (p *Projections) readyUnitLines(id domain.UnitID) {
	p.mu.RLock()
	u := p.units[id]
	p.mu.RUnlock()
	if u != nil {
		p.readyLines(context.Background(), unitScope(u), jobWorkers())
	}
}

// readyLines builds s's line person indexes if they are pending, or
// waits for the job building them, until ctx is done. A job it runs
// works on workers goroutines. Not under the lock.
func (p *Projections) readyLines(ctx context.Context, s bdScope, workers int) {
	if s.pending.Load() {
		// A job reads the scope's lines, which a load leaves unbuilt.
		p.buildLinesNow()
	}
	for s.pending.Load() && ctx.Err() == nil {
		p.mu.RLock()
		if !s.pending.Load() {
			p.mu.RUnlock()
			return
		}
		// bdMu makes one job per scope: readers share the lock. A job
		// that has just put its indexes in place clears pending under
		// bdMu, so pending is read again here: a reader that saw it
		// set before the swap must not start a second job, whose swap
		// would write the indexes while readers read them.
		p.bdMu.Lock()
		if !s.pending.Load() {
			p.bdMu.Unlock()
			p.mu.RUnlock()
			return
		}
		job, mine := *s.job, false
		if job == nil {
			mine = true
			job = &linePersonsJob{done: make(chan struct{}), at: p.pos, funds: s.fundsOf()}
			for l, x := range s.lines {
				if x != nil {
					job.fresh[l] = &personIndex{fund: s.fund, unit: s.unit, byLine: true, line: bdLine(l)}
				}
			}
			*s.job = job
		}
		p.bdMu.Unlock()
		p.mu.RUnlock()
		if !mine {
			// Done, or given up by the warmer's shutdown: then the
			// scope is still pending and the loop starts a job.
			select {
			case <-job.done:
			case <-ctx.Done():
			}
			continue
		}
		p.runJob(ctx, s, job, workers)
	}
}

// runJob builds job's indexes and puts them in place (steps 2 to 4
// above), or gives the job up when ctx is done: the scope stays pending,
// and the next query starts a job again. Steps 2 and 3 run on workers
// goroutines.
func (p *Projections) runJob(ctx context.Context, s bdScope, job *linePersonsJob, workers int) {
	// giveUp ends a job given up.
	giveUp := func() {
		p.mu.RLock()
		p.bdMu.Lock()
		*s.job = nil
		p.bdMu.Unlock()
		p.mu.RUnlock()
		close(job.done)
	}
	// turn ends a turn under the lock; it reports false when the job is
	// given up.
	turn := func() bool {
		p.bdTurn()
		if ctx.Err() == nil {
			return true
		}
		giveUp()
		return false
	}
	workers = max(1, min(workers, len(job.funds)))
	gathered := p.gatherScope(ctx, job, workers)
	if ctx.Err() != nil {
		giveUp()
		return
	}
	job.setPeriods(gathered, workers)
	if !turn() {
		return
	}
	// The grants and reversals applied since, then the swap.
	var grants []grantSpan
	var spans []span
	done := 0
	for {
		p.mu.RLock()
		end := min(len(job.ops), done+bdTurnOps)
		for _, op := range job.ops[done:end] {
			grants, spans = job.apply(s, op, grants, spans)
		}
		done = end
		if done == len(job.ops) {
			for l, x := range s.lines {
				if x != nil && job.fresh[l] != nil {
					x.persons = job.fresh[l]
				}
			}
			p.bdMu.Lock()
			s.pending.Store(false)
			*s.job = nil
			p.bdMu.Unlock()
			p.mu.RUnlock()
			close(job.done)
			return
		}
		p.mu.RUnlock()
		if !turn() {
			return
		}
	}
}

// apply counts op in the job's new index of its line, or in the live one
// of a line the scope had no grant in at job.at (which the live apply
// made after it, empty); grants and spans are scratch, returned for the
// next call. Under the read lock.
func (j *linePersonsJob) apply(s bdScope, op bdOp, grants []grantSpan, spans []span) ([]grantSpan, []span) {
	t := op.t
	l := lineOf(t)
	x := j.fresh[l]
	if x == nil {
		x = s.lines[l].persons
	}
	// What the live apply saw: the person's grants before the event, and
	// the reversals before it.
	before := t.pos
	if op.reversal {
		before = t.link.pos
	}
	grants = personGrantsBefore(t.benef, before, grants[:0])
	spans = x.spansIn(grants, spans[:0])
	if op.reversal {
		x.reverse(t.benef, spans, t.date, t.link.date)
	} else {
		x.grant(t.benef, spans, t.date)
	}
	return grants, spans
}

// personGrantsBefore is personGrants as it stood before position pos:
// the grants and loans applied before it, ended by the reversals applied
// before it.
func personGrantsBefore(b *beneficiaryTxs, pos domain.Position, buf []grantSpan) []grantSpan {
	for _, t := range b.txs {
		if t.pos >= pos || !t.helps() {
			continue
		}
		g := grantSpan{fund: t.fund, line: lineOf(t), span: span{start: t.date}}
		if t.link != nil && t.link.pos < pos {
			g.end = t.link.date
		}
		buf = append(buf, g)
	}
	return buf
}

// bdTurn ends a job's turn under the lock: tests pause there
// (bdPause) to apply events between turns, one worker at a time.
func (p *Projections) bdTurn() {
	if p.bdPause != nil {
		p.bdPauseMu.Lock()
		defer p.bdPauseMu.Unlock()
		p.bdPause()
	}
}

// jobWorkers is how many goroutines a job works on: every core. A query
// waits for its scope's job, and the first pages after a start wait for
// the warmer's (the root's page right after ready, for the warmer's job
// of the root); the warmer's jobs take 2-3 s of CPU in all at 10 M
// events, and every job's workers yield between turns (gatherScope)
// (docs/performance.md, "2026-12-08, first page").
func jobWorkers() int { return runtime.GOMAXPROCS(0) }

// warmMinTxs is the fewest transactions a unit's subtree holds for the
// warmer to build its breakdown persons: below it, a job at the unit's
// first query takes a tenth of a second at most (~0.1 µs of CPU a
// transaction, docs/performance.md). A variable, for tests.
var warmMinTxs = 1 << 20

// WarmBreakdowns builds, one unit at a time, the breakdown line person
// indexes the load left pending of the units whose subtree holds at least
// warmMinTxs transactions, the root's and those near it first, so that
// their first page after a start, which would take seconds, seldom
// waits. The funds and the smaller units are left to their first query:
// on a 10 M-event ledger, warming every unit took 14 s of CPU after each
// start, and the funds 5 s more, for pages that take 10-300 ms to build
// their own (docs/performance.md). Its jobs take the read lock only for
// short turns; it returns when those units are built or ctx is done,
// with their number.
func (p *Projections) WarmBreakdowns(ctx context.Context) (pending int) {
	p.mu.RLock()
	var scopes []bdScope
	// A unit is registered after its parent: in registration order, the
	// root comes before its children.
	for _, u := range p.unitOrder {
		if !u.bdPersonsPending.Load() {
			continue
		}
		txs := 0
		u.walkFunds(func(f *fundNode) { txs += len(f.txs) })
		if txs >= warmMinTxs {
			scopes = append(scopes, unitScope(u))
		}
	}
	p.mu.RUnlock()
	for _, s := range scopes {
		if ctx.Err() != nil {
			break
		}
		p.readyLines(ctx, s, jobWorkers())
	}
	return len(scopes)
}

// in reports whether f is in u's subtree.
func (f *fundNode) in(u *unitNode) bool {
	for a := f.unit; a != nil; a = a.parent {
		if a == u {
			return true
		}
	}
	return false
}

// fundBreakdown returns f's breakdown over [from, to] (from zero: the
// beginning). Under the read lock, after readyFundLines: were the
// lines' persons still pending, it folds the transactions.
func (p *Projections) fundBreakdown(f *fundNode, from, to domain.Date) *Breakdown {
	if f.bdPersonsPending.Load() {
		return foldBreakdown([]*fundNode{f}, Known{}, from, to)
	}
	return breakdownOf(&f.breakdown, from, to)
}

// unitBreakdownInto sets *b to the breakdown of u's subtree over [from,
// to] (from zero: the beginning). Under the read lock, after
// readyUnitLines, as fundBreakdown.
func (p *Projections) unitBreakdownInto(b *Breakdown, u *unitNode, from, to domain.Date) {
	if u.bdPersonsPending.Load() {
		*b = *foldBreakdown(subtreeFunds(u, nil), Known{}, from, to)
		return
	}
	breakdownInto(b, &u.breakdown, from, to)
}
