package projections

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// TestRebuildEqualsApply proves, index by index, that the bulk rebuild a
// checkpoint load does (ReadCheckpoint: the series merged back, the
// persons' period indexes by rebuildPeople, the beneficiaries' lists,
// loans and reversal links by relink, the index by id, the known_at
// index) holds the same contents as applying the same history event by
// event: on random histories of the checkpoint tests' generator, cut at
// random points. It compares what the indexes hold, not only what
// queries answer, so that a rebuild that differs where no query of the
// other tests looks still fails here.
func TestRebuildEqualsApply(t *testing.T) {
	seeds, cuts := 4, 3
	if testing.Short() {
		seeds, cuts = 2, 2
	}
	for seed := range uint64(seeds) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			if seed%2 == 1 {
				// Chunks of a few transactions: the decoders of the
				// rebuild run side by side.
				defer func(n int) { chunkSize = n }(chunkSize)
				chunkSize = 97
			}
			h := newCkptHistoryWithPeriods(t, 100+seed, 300)
			ks := []int{len(h.events)}
			for range cuts - 1 {
				ks = append(ks, h.rng.IntN(len(h.events)+1))
			}
			all := h.replay(len(h.events))
			for _, k := range ks {
				applied := h.replay(k) // event by event
				rebuilt := roundTrip(t, applied)
				sameIndexes(t, fmt.Sprintf("rebuilt at %d events", k), rebuilt, applied)
				// And a rebuilt index takes the events after it as one
				// applied from the start does.
				if err := rebuilt.applyStored(h.events[k:]); err != nil {
					t.Fatalf("apply after the rebuild at %d: %v", k, err)
				}
				sameIndexes(t, fmt.Sprintf("rebuilt at %d events, then applied to the end", k), rebuilt, all)
				// The same, with the breakdown's person indexes still
				// pending while the events are applied.
				pending := roundTrip(t, applied)
				if err := pending.applyStored(h.events[k:]); err != nil {
					t.Fatalf("apply after the rebuild at %d: %v", k, err)
				}
				sameIndexes(t, fmt.Sprintf("rebuilt at %d events, then applied to the end before a query", k), pending, all)
			}
		})
	}
}

// sameIndexes compares the contents of every index of got with want's.
func sameIndexes(t *testing.T, what string, got, want *Projections) {
	t.Helper()
	w, g := indexContents(want), indexContents(got)
	if len(w) != len(g) {
		t.Fatalf("%s: %d indexes, want %d", what, len(g), len(w))
	}
	for _, name := range slices.Sorted(maps.Keys(w)) {
		if gs, ws := fmt.Sprintf("%+v", g[name]), fmt.Sprintf("%+v", w[name]); gs != ws {
			t.Errorf("%s, index %s:\n%s\nwant (applied event by event)\n%s", what, name, firstDiff(gs, ws), firstDiff(ws, gs))
		}
	}
}

// firstDiff shows a's words around the first that b does not have.
func firstDiff(a, b string) string {
	al, bl := strings.Split(a, " "), strings.Split(b, " ")
	i := 0
	for i < len(al) && i < len(bl) && al[i] == bl[i] {
		i++
	}
	return strings.Join(al[max(0, i-8):min(len(al), i+24)], " ")
}

// indexContents returns the contents of every index of p, by index name,
// in a canonical form: identities by id, times in UTC, amounts as text,
// series as the values they take (an entry equal to the one before it is
// no change), and lists whose order carries no meaning sorted. The
// breakdown lines' person indexes a checkpoint load leaves pending are
// built first, as their first queries do (breakdown_persons.go).
func indexContents(p *Projections) map[string]any {
	for _, u := range p.unitOrder {
		p.readyUnitLines(u.view.ID)
	}
	for _, f := range p.fundOrder {
		p.readyFundLines(f.info.FundID)
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	out := map[string]any{}
	state, sum := p.historyState()
	out["head"] = []any{p.pos, p.lastID, p.lastHash, p.prevPos, string(state), sum}
	out["actors"] = slices.Clone(p.actorNames)
	actors := map[string]uint32{}
	for name, i := range p.actors {
		actors[name] = i
	}
	out["actors by name"] = actors

	type unitContents struct {
		View         Unit
		Registered   string
		Parent       domain.UnitID
		Children     []domain.UnitID
		Funds        []string
		SubtreeFunds int
	}
	var units []unitContents
	for _, u := range p.unitOrder {
		c := unitContents{View: u.view, Registered: utc(u.registered), SubtreeFunds: u.subtreeFunds}
		if u.parent != nil {
			c.Parent = u.parent.view.ID
		}
		for _, ch := range u.children {
			c.Children = append(c.Children, ch.view.ID)
		}
		for _, f := range u.funds {
			c.Funds = append(c.Funds, f.info.FundID.String())
		}
		units = append(units, c)
		out["persons of unit "+string(u.view.ID)] = personsContents(u.persons)
		out["breakdown of unit "+string(u.view.ID)] = breakdownContents(u.breakdown)
		if p.units[u.view.ID] != u {
			out["units by id"] = "unit " + string(u.view.ID) + " missing"
		}
	}
	out["units"] = units

	type fundContents struct {
		Info                 FundSummary
		Unit                 domain.UnitID
		LastPos, OpenPos     domain.Position
		Opened               string
		LastRec              int64
		Txs                  []string
		Revs                 []reversalRec
		Loans                []string
		RecDates             []domain.Date
		RecMax               []int64
		RecLast, RecPrevSame []int32
		RecLogMin            []int64
		SumsDates            []domain.Date
		SumsValues           []string
	}
	var funds []fundContents
	for _, f := range p.fundOrder {
		c := fundContents{Info: f.info, Unit: f.unit.view.ID, LastPos: f.lastPos, OpenPos: f.openPos, Opened: utc(f.opened),
			LastRec: f.lastRec, Revs: slices.Clone(f.revs),
			RecDates: f.recs.dates, RecMax: f.recs.dateMax, RecLast: f.recs.dateLast, RecPrevSame: f.recs.prevSame, RecLogMin: f.recs.logMin}
		for _, t := range f.txs {
			c.Txs = append(c.Txs, t.id.String())
		}
		// Reversals of the same date keep their order of arrival live,
		// and of the log on load: the same, as the rebuild reads in log
		// order. Loans are a map.
		for id, l := range f.loans {
			c.Loans = append(c.Loans, fmt.Sprintf("%s=%s/%s", id, l.loan.id, l.repaid))
		}
		slices.Sort(c.Loans)
		var prev string
		for i := range f.sums.Len() {
			d, v := f.sums.Entry(i)
			s := fmt.Sprintf("%v", sumsContents(&v))
			if s == prev || prev == "" && s == fmt.Sprintf("%v", sumsContents(&lineSums{})) {
				continue
			}
			c.SumsDates, c.SumsValues, prev = append(c.SumsDates, d), append(c.SumsValues, s), s
		}
		funds = append(funds, c)
		out["persons of fund "+f.info.FundID.String()] = personsContents(f.persons)
		out["breakdown of fund "+f.info.FundID.String()] = breakdownContents(f.breakdown)
		if p.funds[f.info.FundID] != f {
			out["funds by id"] = "fund " + f.info.FundID.String() + " missing"
		}
	}
	out["funds"] = funds

	// Every transaction, with what it links to, in log order.
	var txs []string
	for _, f := range p.fundOrder {
		for _, t := range f.txs {
			txs = append(txs, txContents(t))
		}
	}
	slices.Sort(txs) // by id: the log order is in each fund's list above
	out["transactions"] = txs
	out["void"] = voidContents(p)

	// The index by id: the same transactions are found by their ids, and
	// only those.
	var byID []string
	for _, f := range p.fundOrder {
		for _, t := range f.txs {
			if found, ok := p.tx(t.id); !ok || found != t {
				byID = append(byID, "not found: "+t.id.String())
			}
		}
	}
	out["index by id"] = []any{byID, len(p.txs) + len(p.frozen.byID)}

	benefs := map[domain.BeneficiaryID][]string{}
	for id, bt := range p.benef {
		if bt.id != id {
			benefs[id] = append(benefs[id], "listed as "+string(bt.id))
		}
		for _, t := range bt.txs {
			benefs[id] = append(benefs[id], t.id.String())
		}
		if len(bt.txs) == 0 {
			benefs[id] = []string{}
		}
	}
	out["beneficiaries"] = benefs

	var tokens []string
	for _, n := range p.tokenOrder {
		v := n.view
		revoked := ""
		if v.RevokedAt != nil {
			revoked = utc(*v.RevokedAt)
		}
		tokens = append(tokens, fmt.Sprintf("%s %s %v %q %s %v %s %s", v.TokenID, v.Role, v.Scope(), v.Name, utc(v.CreatedAt), v.Revoked, revoked, n.hash))
		if p.tokens[v.TokenID] != n {
			tokens = append(tokens, "not by id")
		}
	}
	out["tokens"] = tokens
	return out
}

func utc(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// sumsContents is a lineSums with its amounts as text, whichever of
// int64 or big holds them.
func sumsContents(s *lineSums) any {
	var amounts [numCats]string
	for c := range amounts {
		amounts[c] = s.amount(amountCat(c)).String()
	}
	return []any{amounts, s.orig, s.rev, s.persons}
}

// txContents is a transaction's every field, links by id.
func txContents(t *txNode) string {
	link := ""
	if t.link != nil {
		link = t.link.id.String()
	}
	return fmt.Sprintf("%s amt=%d pos=%d rec=%d fund=%s link=%s benef=%s text=%q actor=%d date=%d due=%d typ=%d kind=%d enum=%d flags=%d",
		t.id, t.amt, t.pos, t.recNanos, t.fund.info.FundID, link, t.beneficiaryID(), t.text, t.actor, t.date, t.due, t.typ, t.kind, t.enum, t.flags)
}

// personsContents is a person index's contents: its count series (a
// unit's; a fund's is in its sums), its period index as, per date that
// has grants not reversed, their number and their repeats' previous
// dates (a date whose grants were all reversed holds nothing), and its
// reversed grants with their persons' earliest live grants, sorted (the
// order of those of one date carries no meaning).
// breakdownContents is what a unit's or a fund's breakdown lines hold:
// per line, the running figures where they change, the reversals and the
// line's persons. A line with nothing in it is the same as no line: the
// live side makes one at its first grant, the rebuild where it finds one.
func breakdownContents(lines lineIndexes) any {
	var out []any
	for l, x := range lines {
		if x == nil {
			continue
		}
		var figs []string
		prev := fmt.Sprint(bdFig{})
		for i, d := range x.sums.dates {
			if v := fmt.Sprint(x.sums.cum[i]); v != prev {
				figs, prev = append(figs, fmt.Sprintf("%d:%s", d, v)), v
			}
		}
		persons := personsContents(x.persons)
		if len(figs) == 0 && len(x.revs) == 0 && fmt.Sprint(persons) == fmt.Sprint(personsContents(&personIndex{})) {
			continue
		}
		out = append(out, []any{l, figs, slices.Clone(x.revs), persons})
	}
	return out
}

func personsContents(x *personIndex) any {
	var counts []string
	var prev count
	for i := range x.count.Len() {
		d, v := x.count.Entry(i)
		if v != prev {
			counts = append(counts, fmt.Sprintf("%d:%d", d, v))
			prev = v
		}
	}
	var days []string
	for i, d := range x.days.all() {
		grants := x.ends[i] - x.start(i)
		reps := x.reps[x.repStart(i):x.repEnds[i]]
		if grants == 0 && len(reps) == 0 {
			continue
		}
		days = append(days, fmt.Sprintf("%d:%d%v", d, grants, reps))
	}
	var revs []string
	for _, r := range x.revs {
		revs = append(revs, fmt.Sprintf("%d-%d:%s live=%d", r.start, r.end, r.b.id, r.live))
	}
	slices.SortFunc(revs, cmp.Compare)
	return []any{counts, days, revs}
}
