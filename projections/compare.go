package projections

import (
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// compareSnapshots reports through add every figure in which the live
// projections' snapshot differs from the snapshot of projections rebuilt
// from the log: what a checkpoint holds, which is every projection (loans,
// the beneficiaries' lists and the person indexes' spans are derived from
// the transactions it holds; compareLoans compares the loans' answers). A
// figure is named as the API answers it —
// a fund's totals.donations on a date, a transaction's amount — so that an
// auditor can look it up; each mismatch names the stream it belongs to.
func compareSnapshots(live, log *ckptSnapshot, add func(Mismatch)) {
	live.splitFunds()
	log.splitFunds()
	// That both were built from the same events is compareHistory's.
	c := comparer{add: add, pos: live.pos, liveActors: live.actors, logActors: log.actors}
	c.units(live.units, log.units)
	c.funds(live.funds, log.funds)
	c.tokens(live.tokens, log.tokens)
	c.periods(live.periods, log.periods)
	c.voids(live.voids, log.voids)
}

// comparer compares two snapshots.
type comparer struct {
	add                   func(Mismatch)
	pos                   domain.Position
	liveActors, logActors []string
}

func (c *comparer) report(stream string, pos domain.Position, format string, args ...any) {
	c.add(Mismatch{Kind: MismatchProjection, Stream: stream, Position: pos, Detail: fmt.Sprintf(format, args...)})
}

// differ reports a figure that is not the same on both sides.
func (c *comparer) differ(stream, figure string, live, log any) {
	c.report(stream, c.pos, "%s: live %v, log %v", figure, live, log)
}

// pair matches the live and the log items (units, funds or tokens) by key,
// reports each that is on one side only as "<what> <key> is in …", and
// hands each pair to same.
func pair[T any, K comparable](c *comparer, live, log []T, key func(*T) K, stream func(K) string, what string, same func(stream string, l, g *T)) {
	inLog := make(map[K]*T, len(log))
	for i := range log {
		inLog[key(&log[i])] = &log[i]
	}
	for i := range live {
		k := key(&live[i])
		g, ok := inLog[k]
		if !ok {
			c.report(stream(k), c.pos, "%s %v is in the live projections but not in the log", what, k)
			continue
		}
		delete(inLog, k)
		same(stream(k), &live[i], g)
	}
	for i := range log { // in log order
		if k := key(&log[i]); inLog[k] != nil {
			c.report(stream(k), c.pos, "%s %v is in the log but not in the live projections", what, k)
		}
	}
}

func (c *comparer) units(live, log []unitSnap) {
	pair(c, live, log, func(u *unitSnap) domain.UnitID { return u.view.ID }, domain.UnitStream, "unit", func(stream string, l, g *unitSnap) {
		name := "unit " + string(l.view.ID)
		c.fields(stream, name, l.view, g.view)
		compareSeries(c, stream, name+" (with the units under it): beneficiaries.persons", l.persons.count, g.persons.count)
	})
}

// amountFigures and the count figures name a fund's series as GET
// /v1/funds/{fund_id} answers them (a series is a figure by date).
var (
	amountFigures = [numCats]string{"totals.donations", "totals.shelter_grants", "totals.assistance_grants", "totals.loans_disbursed", "totals.repayments"}
	countFigures  = [numKinds]string{"donations", "shelter_grants.new_build", "shelter_grants.repair", "assistance_grants", "loans", "repayments"}
)

func (c *comparer) funds(live, log []fundSnap) {
	pair(c, live, log, func(f *fundSnap) uuid.UUID { return f.info.FundID }, domain.FundStream, "fund", func(stream string, l, g *fundSnap) {
		name := "fund " + l.info.FundID.String()
		c.fields(stream, name, l.info, g.info)
		if l.lastPos != g.lastPos {
			c.differ(stream, name+": position of its last event", l.lastPos, g.lastPos)
		}
		for k := range l.amounts {
			compareSeries(c, stream, name+": "+amountFigures[k], l.amounts[k], g.amounts[k])
		}
		for k := range l.originals {
			compareSeries(c, stream, name+": counts."+countFigures[k]+" before reversals", l.originals[k], g.originals[k])
			compareSeries(c, stream, name+": reversals of counts."+countFigures[k], l.reversed[k], g.reversed[k])
		}
		compareSeries(c, stream, name+": counts.reversals", l.reversals, g.reversals)
		compareSeries(c, stream, name+": beneficiaries.persons", l.persons.count, g.persons.count)
		c.txs(stream, name, l.txs, g.txs)
	})
}

// txs compares a fund's transactions, in log order. After the first one
// missing on either side the lists no longer line up, so that is the last
// reported.
func (c *comparer) txs(stream, fund string, live, log []*txNode) {
	for i := range min(len(live), len(log)) {
		l, g := live[i], log[i]
		if l.id != g.id || l.pos != g.pos {
			c.report(stream, min(l.pos, g.pos), "%s: transaction #%d is %s at position %d in the live projections, %s at position %d in the log",
				fund, i+1, l.id, l.pos, g.id, g.pos)
			return
		}
		if !c.sameTx(l, g) {
			c.fieldsAt(stream, l.pos, fund+": transaction "+l.id.String(), l.facts(c.liveActors), g.facts(c.logActors))
		}
	}
	if len(live) != len(log) {
		c.report(stream, c.pos, "%s: %d transactions in the live projections, %d in the log", fund, len(live), len(log))
	}
}

// sameTx reports whether two transactions at the same position say the
// same, comparing the compact fields first: building both views of every
// transaction would cost more than the rest of the comparison.
func (c *comparer) sameTx(l, g *txNode) bool {
	if l.amt != g.amt || l.recNanos != g.recNanos || l.date != g.date || l.due != g.due || l.typ != g.typ ||
		l.kind != g.kind || l.enum != g.enum || l.flags != g.flags || l.text != g.text ||
		c.liveActors[l.actor] != c.logActors[g.actor] || l.beneficiaryID() != g.beneficiaryID() {
		return false
	}
	// A reversal's link is its original, set when it was applied.
	return l.typ != typReversal || l.link.id == g.link.id
}

func (c *comparer) tokens(live, log []tokenNode) {
	access := func(uuid.UUID) string { return domain.AccessStream }
	pair(c, live, log, func(n *tokenNode) uuid.UUID { return n.view.TokenID }, access, "token", func(stream string, l, g *tokenNode) {
		name := "token " + l.view.TokenID.String()
		c.fields(stream, name, l.view, g.view)
		if l.hash != g.hash {
			// Not the hashes themselves: they stand for the secrets.
			c.report(stream, c.pos, "%s: its secret's hash differs between the live projections and the log", name)
		}
	})
}

// fields reports each field of two values of one struct type that differs,
// by its JSON name.
func (c *comparer) fields(stream, what string, live, log any) {
	c.fieldsAt(stream, c.pos, what, live, log)
}

func (c *comparer) fieldsAt(stream string, pos domain.Position, what string, live, log any) {
	lv, gv := reflect.ValueOf(live), reflect.ValueOf(log)
	for i := range lv.NumField() {
		name, _, _ := strings.Cut(lv.Type().Field(i).Tag.Get("json"), ",")
		if name == "" || name == "-" {
			name = lv.Type().Field(i).Name
		}
		a, b := shown(lv.Field(i)), shown(gv.Field(i))
		if a != b {
			c.report(stream, pos, "%s: %s: live %s, log %s", what, name, a, b)
		}
	}
}

// shown is a field's value as a report shows it.
func shown(v reflect.Value) string {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return "null"
		}
		v = v.Elem()
	}
	switch x := v.Interface().(type) {
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case fmt.Stringer:
		return fmt.Sprintf("%q", x.String())
	case string:
		return fmt.Sprintf("%q", x)
	}
	return fmt.Sprint(v.Interface())
}

// compareSeries reports the first date at whose end a figure differs.
// Both series hold running values by date; a date only one of them holds
// keeps the other's value of the date before.
func compareSeries[T interface{ Cmp(T) int }](c *comparer, stream, figure string, live, log []entry[T]) {
	if d, a, b, differ := firstDifference(live, log); differ {
		c.report(stream, c.pos, "%s on %s: live %v, log %v", figure, d, a, b)
	}
}

func firstDifference[T interface{ Cmp(T) int }](live, log []entry[T]) (d domain.Date, a, b T, differ bool) {
	i, j := 0, 0
	for i < len(live) || j < len(log) {
		switch {
		case j == len(log) || i < len(live) && live[i].d < log[j].d:
			d = live[i].d
		default:
			d = log[j].d
		}
		if i < len(live) && live[i].d == d {
			a = live[i].v
			i++
		}
		if j < len(log) && log[j].d == d {
			b = log[j].v
			j++
		}
		if a.Cmp(b) != 0 {
			return d, a, b, true
		}
	}
	return 0, a, b, false
}

// compareLoans compares the answer of GET /v1/funds/{fund_id}/loans/{loan_id}
// for every loan of every fund of snap (the live snapshot) that has recorded
// nothing since: a loan's repaid amount is kept beside the transactions,
// not in the snapshot. A fund that moved on is left out, since its live
// answers are no longer those of the snapshot's position; its
// transactions, which the repaid amounts fold, were compared.
func compareLoans(live, log *Projections, snap *ckptSnapshot, add func(Mismatch)) {
	c := comparer{add: add, pos: snap.pos}
	for i := range snap.funds {
		f := &snap.funds[i]
		id := f.info.FundID
		var loans []uuid.UUID
		for _, t := range f.txs {
			if t.kind == kLoan && t.typ != typReversal {
				loans = append(loans, *t.loanID())
			}
		}
		if len(loans) == 0 {
			continue
		}
		if _, inLog := log.FundSummary(id, 0); !inLog || !quietSince(live, id, snap.pos) {
			continue
		}
		type answer struct {
			live, log     Loan
			inLive, inLog bool
		}
		answers := make([]answer, len(loans))
		for k, loan := range loans {
			a := &answers[k]
			a.live, a.inLive = live.Loan(id, loan)
			a.log, a.inLog = log.Loan(id, loan)
		}
		if !quietSince(live, id, snap.pos) {
			continue
		}
		stream := domain.FundStream(id)
		for k, a := range answers {
			what := "fund " + id.String() + ": loan " + loans[k].String()
			if a.inLive != a.inLog {
				c.differ(stream, what+": found", a.inLive, a.inLog)
				continue
			}
			c.fields(stream, what, a.live, a.log)
		}
	}
}

// quietSince reports whether fund's last event in p is at or before pos.
func quietSince(p *Projections, fund uuid.UUID, pos domain.Position) bool {
	s, ok := p.FundSummary(fund, 0)
	return ok && s.Position <= pos
}
