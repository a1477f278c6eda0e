package projections

import (
	"context"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// scopeGrants gathers, for a breakdown job (breakdown_persons.go), the
// grants and loans of its scope as they stood at the job's position, in
// one pass over the scope's transactions.
//
// A job first found the persons with a grant in the scope (a pass over
// every transaction of the scope, with a map of the persons met), then
// read each person's transactions for their grants (gatherPeriods, which
// a load's person indexes use): a cache miss for every transaction of
// the scope and a map lookup for most, then a miss for every transaction
// of its persons. Every grant in the scope is one of the scope's own
// transactions, so the first pass sees them all; what it lacks is which
// of them are the same person's, for the date of a person's previous
// grant in the line (setPeriods). finish groups each line's grants by
// their person's number (beneficiaryTxs.num). On a 10 M-event ledger the
// root's job took 3.1 s, 1.9 s of it reading the persons' grants, and
// now takes 0.75-0.85 s of CPU (docs/performance.md, "2026-12-08, first
// page").
//
// Its arrays are sized before the pass: a job right after a start runs
// while the collector marks the heap the load made, and each byte
// allocated then costs the allocating goroutine marking work (assists).
// Each fund's grants of a line go to a region of the line's array, sized
// by the fund's count of the line's grants.
type scopeGrants struct {
	// at is the job's position: a grant applied after it is not
	// counted, a reversal applied after it does not end its grant.
	at domain.Position
	// lines are the lines the job builds (nil for the others).
	lines *[numLines]*personIndex
	// live holds, per line, the grants not reversed at at, each as its
	// person's number<<32 | its date, and noGrant in the slots of a
	// region left over; regions[i] are the job's i-th fund's regions of
	// live. reversed holds the reversed grants, and persons is one more
	// than the highest person's number in live.
	live     [numLines][]uint64
	regions  [][numLines][]uint64
	reversed [numLines][]revGrant
	persons  int
}

// noGrant fills the slots of a fund's region its grants leave: its count
// of a line's grants also counts those applied after the job's start and
// the reversed ones.
const noGrant = math.MaxUint64

// grants returns the number of grants and loans of the line, reversed or
// not: a reversal counts apart, and leaves its original counted (bdFig).
func (x *lineIndex) grants() int {
	if n := len(x.sums.cum); n > 0 {
		return int(x.sums.cum[n-1].orig)
	}
	return 0
}

// regionSize is the size of a fund's region of line x: its grants. A
// variable, so that tests can make regions too small for their grants.
var regionSize = (*lineIndex).grants

// regionSizes returns the size of each of funds' regions of each of
// lines (zero for a line not built). Under the read lock.
func regionSizes(lines *[numLines]*personIndex, funds []*fundNode) [][numLines]int {
	sizes := make([][numLines]int, len(funds))
	for i, f := range funds {
		for l, x := range f.breakdown {
			if x != nil && lines[l] != nil {
				sizes[i][l] = regionSize(x)
			}
		}
	}
	return sizes
}

// newScopeGrants returns an empty gathering for a job at position at that
// builds lines, with regions of the sizes regionSizes gave. Not under
// the lock: an allocation during a collection's marking may make its
// goroutine mark for as long (the root's arrays are 30 MB; allocated
// under the lock right after a load, a write waited 0.3 s behind them).
func newScopeGrants(at domain.Position, lines *[numLines]*personIndex, sizes [][numLines]int) *scopeGrants {
	g := &scopeGrants{at: at, lines: lines, regions: make([][numLines][]uint64, len(sizes))}
	var total [numLines]int
	for _, fund := range sizes {
		for l, n := range fund {
			total[l] += n
		}
	}
	for l, n := range total {
		g.live[l] = make([]uint64, n)
	}
	var next [numLines]int
	for i, fund := range sizes {
		for l, n := range fund {
			lo, hi := next[l], next[l]+n
			g.regions[i][l] = g.live[l][lo:hi:hi]
			next[l] = hi
		}
	}
	return g
}

// grantsFiller is one worker of gatherScope: it fills the regions of the
// funds it takes.
type grantsFiller struct {
	g *scopeGrants
	// free is what is left of the current fund's regions; beyond holds
	// the grants a region had no room for (none, as long as a line's
	// count of grants is right).
	free     [numLines][]uint64
	beyond   [numLines][]uint64
	reversed [numLines][]revGrant
	persons  int
}

// add counts t, a transaction of the current fund, if it is a grant or
// loan of one of the lines applied by the job's position. Under the read
// lock.
func (w *grantsFiller) add(t *txNode) {
	if !t.helps() || t.pos > w.g.at || t.benef == nil {
		return
	}
	l := lineOf(t)
	if l >= numLines || w.g.lines[l] == nil {
		return
	}
	if t.link != nil && t.link.pos <= w.g.at {
		w.reversed[l] = append(w.reversed[l], revGrant{start: t.date, end: t.link.date, b: t.benef})
		return
	}
	n := t.benef.num
	w.persons = max(w.persons, int(n)+1)
	key := uint64(n)<<32 | uint64(uint32(t.date))
	if free := w.free[l]; len(free) > 0 {
		free[0] = key
		w.free[l] = free[1:]
		return
	}
	w.beyond[l] = append(w.beyond[l], key)
}

// endFund marks the slots the current fund left in its regions.
func (w *grantsFiller) endFund() {
	for l, free := range w.free {
		for i := range free {
			free[i] = noGrant
		}
		w.free[l] = nil
	}
}

// gatherScope gathers the grants of job's scope on workers goroutines,
// each taking the scope's funds one at a time and reading a fund's
// transactions in turns of bdTurnTxs under the read lock. It stops early
// when ctx is done. Not under the lock.
func (p *Projections) gatherScope(ctx context.Context, job *linePersonsJob, workers int) *scopeGrants {
	p.mu.RLock()
	sizes := regionSizes(&job.fresh, job.funds)
	p.mu.RUnlock()
	g := newScopeGrants(job.at, &job.fresh, sizes)
	fillers := make([]grantsFiller, workers)
	var next atomic.Int64
	work := func(w *grantsFiller) {
		w.g = g
		for fi := int(next.Add(1) - 1); fi < len(job.funds) && ctx.Err() == nil; fi = int(next.Add(1) - 1) {
			f := job.funds[fi]
			w.free = g.regions[fi]
			// The transactions applied after the job's start are
			// appended to f.txs, and not counted: each turn reads
			// the fund's up to its length then.
			for lo := 0; ctx.Err() == nil; lo += bdTurnTxs {
				p.mu.RLock()
				hi := min(lo+bdTurnTxs, len(f.txs))
				for _, t := range f.txs[lo:hi] {
					w.add(t)
				}
				last := hi == len(f.txs)
				p.mu.RUnlock()
				p.bdTurn()
				// The workers take every core: between turns, the
				// goroutines waiting for one (a write, a request)
				// get it, rather than at the scheduler's next
				// preemption, up to 10 ms later.
				runtime.Gosched()
				if last {
					break
				}
			}
			w.endFund()
		}
	}
	var wg sync.WaitGroup
	for i := 1; i < workers; i++ {
		wg.Go(func() { work(&fillers[i]) })
	}
	work(&fillers[0])
	wg.Wait()
	g.regions = nil
	for _, w := range fillers {
		g.persons = max(g.persons, w.persons)
		for l := range g.live {
			g.live[l] = append(g.live[l], w.beyond[l]...)
			g.reversed[l] = append(g.reversed[l], w.reversed[l]...)
		}
	}
	return g
}

// countingMin is the fewest grants per person of the ledger for which
// finish groups a line's grants with a counting sort by person, which
// costs a pass over every person number up to the highest met (half a
// million at 10 M events); below it, a line has few grants (a fund, a
// small unit) and a comparison sort costs less. A variable, for tests.
var countingMin = 1.0 / 8

// finisher is the scratch of finish, reused from one line to the next
// and sized once for the largest line (see scopeGrants: what a job
// allocates right after a load costs it marking work).
type finisher struct {
	sorter   pointSorter
	points   []uint64 // for a comparison sort's points
	end      []int32
	byPerson []uint32
}

// newFinisher returns scratch for g's lines, of largest grants at most.
func newFinisher(g *scopeGrants, largest int) *finisher {
	s := &finisher{}
	if float64(largest) >= countingMin*float64(g.persons) {
		s.end = make([]int32, g.persons+1)
		s.byPerson = make([]uint32, 0, largest)
	}
	if largest >= minCountingSort {
		s.sorter.tmp = make([]uint64, 0, largest)
	}
	return s
}

// finish returns line l's grants, sorted, as setPeriods takes them
// (date<<32 | the date of the same person's previous grant in the line, 0
// for their first), and its reversed grants, each with its person's
// earliest grant not reversed in the line (revGrant.live), and lets the
// line's go. Without the lock: the gathering is the job's own.
func (g *scopeGrants) finish(l bdLine, s *finisher) ([]uint64, []revGrant) {
	live := g.live[l]
	reversed := g.reversed[l]
	var points []uint64
	emit := func(dates []uint32) {
		prev := uint32(0)
		for _, d := range dates {
			points = append(points, uint64(d)<<32|uint64(prev))
			prev = d
		}
	}
	if float64(len(live)) < countingMin*float64(g.persons) {
		// Sorted, each person's grants are together and in date
		// order, and the slots left are last.
		slices.Sort(live)
		points = s.points[:0]
		dates := make([]uint32, 0, 8)
		for i, key := range live {
			if key == noGrant {
				break
			}
			if i > 0 && key>>32 != live[i-1]>>32 {
				emit(dates)
				dates = dates[:0]
			}
			dates = append(dates, uint32(key))
		}
		emit(dates)
		s.points = points
		// A person's first key is their earliest grant.
		for i := range reversed {
			n := uint64(reversed[i].b.num)
			if j, _ := slices.BinarySearch(live, n<<32); j < len(live) && live[j] != noGrant && live[j]>>32 == n {
				reversed[i].live = domain.Date(uint32(live[j]))
			}
		}
	} else {
		// A counting sort by person: end[n] is, once the grants are
		// placed, where person n's end in byPerson and the next one's
		// begin.
		end := slices.Grow(s.end[:0], g.persons+1)[:g.persons+1]
		clear(end)
		for _, key := range live {
			if key != noGrant {
				end[key>>32+1]++
			}
		}
		for n := 1; n < len(end); n++ {
			end[n] += end[n-1]
		}
		byPerson := slices.Grow(s.byPerson[:0], int(end[g.persons]))[:end[g.persons]]
		for _, key := range live {
			if key != noGrant {
				n := key >> 32
				byPerson[end[n]] = uint32(key)
				end[n]++
			}
		}
		// The grants are all in byPerson: the points take their
		// place in live.
		points = live[:0]
		from := int32(0)
		for _, to := range end[:g.persons] {
			dates := byPerson[from:to]
			if len(dates) > 1 {
				slices.Sort(dates)
			}
			emit(dates)
			from = to
		}
		// Person n's grants, sorted, are byPerson[end[n-1]:end[n]].
		for i := range reversed {
			n := int(reversed[i].b.num)
			if n >= g.persons {
				continue
			}
			from := int32(0)
			if n > 0 {
				from = end[n-1]
			}
			if from < end[n] {
				reversed[i].live = domain.Date(byPerson[from])
			}
		}
		s.end, s.byPerson = end, byPerson
	}
	s.sorter.points = points
	sorted := s.sorter.sort()
	s.sorter.points = nil
	g.live[l], g.reversed[l] = nil, nil
	return sorted, reversed
}

// setPeriods sets the period indexes of the job's new lines from what
// gatherScope gathered, a line at a time on each of workers goroutines.
// Without the lock: nobody else reads the new indexes.
func (j *linePersonsJob) setPeriods(g *scopeGrants, workers int) {
	largest := 0
	for _, live := range g.live {
		largest = max(largest, len(live))
	}
	var next atomic.Int64
	work := func() {
		s := newFinisher(g, largest)
		for l := int(next.Add(1) - 1); l < int(numLines); l = int(next.Add(1) - 1) {
			if x := j.fresh[l]; x != nil {
				x.setPeriods(g.finish(bdLine(l), s))
			}
		}
	}
	var wg sync.WaitGroup
	for range workers - 1 {
		wg.Go(work)
	}
	work()
	wg.Wait()
}
