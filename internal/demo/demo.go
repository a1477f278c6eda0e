// Package demo loads the demonstration ledger of `welfare-ledger serve
// --demo`: a synthetic history, marked synthetic in every unit's name,
// whose figures reproduce what two provincial labour confederations
// published (Figures lists them), with a realistic spread around them:
// district and grassroots unions with their own small funds, loans repaid
// in instalments, vouchers entered late, and mistakes corrected by
// reversals.
//
// Everything is written through domain.Ledger, so every rule of the
// ledger holds in the demo as in real use, and each event's recorded_at
// is the moment a fund manager would have entered it (a few days after the
// money moved, sometimes weeks), which makes known_at meaningful on it.
// The history is drawn from a fixed seed: every load is the same ledger
// but for the server-made token ids and secrets.
package demo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// Marker is in the name of every unit of the demo, so that no page or
// report of it can be taken for real figures.
const Marker = "(dữ liệu mô phỏng)"

// RootUnit is the demo's national confederation; its name tells a demo
// ledger from any other (see IsDemo).
const RootUnit domain.UnitID = "vgcl"

// RootName is RootUnit's name in the demo.
const RootName = "Tổng Liên đoàn Lao động Việt Nam " + Marker

// IsDemo reports whether a ledger whose root unit is named rootName is the
// demo: only the demo names its root so.
func IsDemo(rootName string) bool { return rootName == RootName }

// Tokens are the demo's tokens, one per role, made by Load.
type Tokens struct {
	Admin, Manager, Auditor, Official string
	// ManagerUnit is the district the manager's token is scoped to.
	ManagerUnit domain.UnitID
}

// seed fixes the history.
const seed = 20181231

// Load writes the demo history into an empty ledger through l's store and
// issues its tokens. now is the real clock: it bounds every date of the
// history and stamps the tokens.
//
// Errors: the ledger's errors (a non-empty ledger gets already_exists on
// the first unit), or the store's.
func Load(ctx context.Context, store domain.EventStore, now time.Time) (Tokens, error) {
	g := &generator{rng: rand.New(rand.NewPCG(seed, 1)), today: domain.DateOf(now), now: now}
	g.plan()
	// The hierarchy first, on one clock: a fund's opening needs its unit.
	base := domain.NewLedger(store, g.clockAt(time.Date(2017, 1, 2, 8, 0, 0, 0, domain.VietnamZone)))
	for _, u := range g.units {
		if _, err := base.RegisterUnit(ctx, u, actor); err != nil {
			return Tokens{}, fmt.Errorf("demo: register %s: %w", u.UnitID, err)
		}
	}
	for _, f := range g.funds {
		l := domain.NewLedger(store, g.clockAt(f.opened.at))
		if _, err := l.OpenFund(ctx, f.cmd, actor); err != nil {
			return Tokens{}, fmt.Errorf("demo: open %s: %w", f.cmd.Name, err)
		}
	}
	// Each fund's vouchers in the order they were entered, each fund on its
	// own ledger and clock, the funds side by side.
	var wg sync.WaitGroup
	errs := make([]error, len(g.funds))
	for i, f := range g.funds {
		wg.Go(func() { errs[i] = f.record(ctx, store) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return Tokens{}, err
	}
	return issueTokens(ctx, domain.NewLedger(store, func() time.Time { return now }))
}

// actor is the name the demo's events are recorded by.
const actor = "Nạp dữ liệu mô phỏng"

func issueTokens(ctx context.Context, l *domain.Ledger) (Tokens, error) {
	t := Tokens{ManagerUnit: "lang-son-cao-loc"}
	for _, tok := range []struct {
		role domain.Role
		unit domain.UnitID
		name string
		out  *string
	}{
		{domain.RoleAdmin, "", "Quản trị (mô phỏng)", &t.Admin},
		{domain.RoleManager, t.ManagerUnit, "Kế toán LĐLĐ huyện Cao Lộc (mô phỏng)", &t.Manager},
		{domain.RoleAuditor, RootUnit, "Ủy ban Kiểm tra (mô phỏng)", &t.Auditor},
		{domain.RoleOfficial, RootUnit, "Lãnh đạo Tổng Liên đoàn (mô phỏng)", &t.Official},
	} {
		res, err := l.IssueToken(ctx, domain.IssueToken{TokenID: domain.NewID(), Name: tok.name, Role: tok.role, UnitID: tok.unit}, domain.SystemActor)
		if err != nil {
			return Tokens{}, fmt.Errorf("demo: issue the %s token: %w", tok.role, err)
		}
		*tok.out = res.Token
	}
	return t, nil
}

// moment is when something happened: the business date and the instant it
// was entered into the ledger.
type moment struct {
	date domain.Date
	at   time.Time
}

// voucher is one money command of a fund, entered at its moment.
type voucher struct {
	cmd     domain.MoneyCommand
	entered time.Time
}

// fund is a demo fund and its vouchers.
type fund struct {
	cmd      domain.OpenFund
	opened   moment
	vouchers []voucher
}

// record enters the fund's vouchers in the order they were entered, on a
// clock that reads each voucher's entry time.
func (f *fund) record(ctx context.Context, store domain.EventStore) error {
	slices.SortStableFunc(f.vouchers, func(a, b voucher) int { return a.entered.Compare(b.entered) })
	var clock time.Time
	l := domain.NewLedger(store, func() time.Time { return clock })
	for _, v := range f.vouchers {
		clock = v.entered
		if _, err := l.Record(ctx, v.cmd, actor); err != nil {
			return fmt.Errorf("demo: %s: %T %s: %w", f.cmd.Name, v.cmd, v.cmd.TxID(), err)
		}
	}
	return nil
}

// generator draws the history.
type generator struct {
	rng   *rand.Rand
	today domain.Date
	now   time.Time
	units []domain.RegisterUnit
	funds []*fund
	// ids counts the transaction ids drawn, which are derived from the seed.
	ids uint64
}

func (g *generator) clockAt(t time.Time) func() time.Time { return func() time.Time { return t } }

// id returns the next transaction id: a version-7-shaped UUID whose bits
// come from the seeded generator, so that a load is reproducible.
func (g *generator) id() uuid.UUID {
	g.ids++
	var u uuid.UUID
	hi, lo := g.rng.Uint64(), g.rng.Uint64()
	for i := range 8 {
		u[i], u[8+i] = byte(hi>>(56-8*i)), byte(lo>>(56-8*i))
	}
	u[6] = u[6]&0x0f | 0x70 // version 7
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return u
}

// date returns a uniformly drawn business date in [from, to], never after
// yesterday.
func (g *generator) date(from, to string) domain.Date {
	a, b := mustTime(from), mustTime(to)
	if last := mustTime(g.today.String()).AddDate(0, 0, -1); b.After(last) {
		b = last
	}
	days := int(b.Sub(a).Hours()/24) + 1
	return domain.DateOf(a.AddDate(0, 0, g.rng.IntN(days)).Add(12 * time.Hour))
}

// entered returns when a voucher of date d was entered: mostly within a
// week, one in twelve weeks later (a late voucher), during office hours
// in Vietnam, never in the future.
func (g *generator) entered(d domain.Date) time.Time {
	lag := g.rng.IntN(7)
	if g.rng.IntN(12) == 0 {
		lag = 20 + g.rng.IntN(70)
	}
	t := mustTime(d.String()).AddDate(0, 0, lag).Add(time.Duration(8*60+g.rng.IntN(9*60)) * time.Minute)
	if t.After(g.now) {
		t = g.now
	}
	return t
}

func mustTime(s string) time.Time {
	t, err := time.ParseInLocation(time.DateOnly, s, domain.VietnamZone)
	if err != nil {
		panic("demo: bad date " + s) // the dates are this file's constants
	}
	return t
}

// amounts splits total into n amounts, each a multiple of step between lo
// and hi, drawn at random: the published totals are kept exactly.
func (g *generator) amounts(n int, total, step, lo, hi int64) []int64 {
	if int64(n)*lo > total || int64(n)*hi < total {
		// The plan's figures are this file's constants.
		panic(fmt.Sprintf("demo: %d amounts in [%d, %d] cannot sum to %d", n, lo, hi, total))
	}
	out := make([]int64, n)
	for i := range out {
		out[i] = lo
	}
	left := total - int64(n)*lo
	for left >= step {
		i := g.rng.IntN(n)
		if out[i]+step <= hi {
			out[i] += step
			left -= step
		}
	}
	out[g.rng.IntN(n)] += left
	return out
}

func vnd(n int64) domain.VND { return domain.VNDFromInt64(n) }

// unit adds a unit of the hierarchy.
func (g *generator) unit(id domain.UnitID, name string, parent domain.UnitID) {
	g.units = append(g.units, domain.RegisterUnit{UnitID: id, Name: name + " " + Marker, ParentID: parent})
}

// openFund adds a fund opened on the given date.
func (g *generator) openFund(unit domain.UnitID, name string, kind domain.FundKind, opened string) *fund {
	d := domain.MustDate(opened)
	f := &fund{cmd: domain.OpenFund{FundID: g.id(), UnitID: unit, Name: name, Kind: kind, OpenedOn: d},
		opened: moment{date: d, at: mustTime(opened).Add(9 * time.Hour)}}
	g.funds = append(g.funds, f)
	return f
}

// add adds a voucher of date d to f, entered as entered() draws.
func (g *generator) add(f *fund, d domain.Date, cmd domain.MoneyCommand) {
	g.addAt(f, cmd, g.entered(d))
}

func (g *generator) addAt(f *fund, cmd domain.MoneyCommand, at time.Time) {
	f.vouchers = append(f.vouchers, voucher{cmd: cmd, entered: at})
}

// donations adds n donations summing to total, dated in [from, to].
func (g *generator) donations(f *fund, n int, total int64, from, to string) {
	for _, a := range g.amounts(n, total, 100_000, 1_000_000, max(200_000_000, 2*total/int64(n))) {
		d := g.date(from, to)
		donor := donors[g.rng.IntN(len(donors))]
		g.add(f, d, domain.RecordDonation{TransactionID: g.id(), FundID: f.cmd.FundID, Amount: vnd(a), OccurredOn: d,
			Donor: donor, Reference: fmt.Sprintf("PT-%d/%04d", d.Year(), g.rng.IntN(10000))})
	}
}

// donors are the demo's donors: enterprises and organisations by name,
// members and individuals without (their names are personal data).
var donors = []domain.Donor{
	{Name: "Công ty TNHH May mặc Đông Bắc (mô phỏng)", Kind: domain.DonorEnterprise},
	{Name: "Ngân hàng Thương mại Cổ phần Biên Cương (mô phỏng)", Kind: domain.DonorEnterprise},
	{Name: "Công ty Cổ phần Xi măng Đồng Đăng (mô phỏng)", Kind: domain.DonorEnterprise},
	{Name: "Hội Doanh nhân trẻ tỉnh (mô phỏng)", Kind: domain.DonorOrganization},
	{Kind: domain.DonorMember},
	{Kind: domain.DonorMember},
	{Kind: domain.DonorIndividual},
	{Kind: domain.DonorAnonymous},
}

// members returns n distinct member codes of a union, drawn from its pool
// of size pool.
func (g *generator) members(prefix string, n, pool int) []domain.BeneficiaryID {
	picked := g.rng.Perm(pool)[:n]
	out := make([]domain.BeneficiaryID, n)
	for i, p := range picked {
		out[i] = domain.BeneficiaryID(fmt.Sprintf("%s-%05d", prefix, p+1))
	}
	return out
}

// grants adds one assistance grant per member, amounts summing to total,
// dated in [from, to]. One grant in forty is first entered with a wrong
// amount and corrected: reversed, and entered again.
func (g *generator) grants(f *fund, who []domain.BeneficiaryID, cat domain.AssistanceCategory, total, step, lo, hi int64, from, to string) {
	for i, a := range g.amounts(len(who), total, step, lo, hi) {
		d := g.date(from, to)
		grant := domain.GrantAssistance{TransactionID: g.id(), FundID: f.cmd.FundID, BeneficiaryID: who[i], Amount: vnd(a), Category: cat, OccurredOn: d}
		if g.rng.IntN(40) == 0 {
			g.mistake(f, d, grant, a)
		}
		g.add(f, d, grant)
	}
}

// mistake adds a grant entered with a wrong amount (twice the right one)
// and its reversal, entered a few days later and dated on the voucher's
// own date, so that the correction stays in the period it corrects: the
// correct grant is entered as well.
func (g *generator) mistake(f *fund, d domain.Date, right domain.MoneyCommand, amount int64) {
	wrongID := g.id()
	at := g.entered(d)
	var wrong domain.MoneyCommand
	switch c := right.(type) {
	case domain.GrantAssistance:
		c.TransactionID, c.Amount = wrongID, vnd(amount*2)
		wrong = c
	case domain.PayShelterGrant:
		c.TransactionID, c.Amount = wrongID, vnd(amount*2)
		wrong = c
	default:
		return
	}
	g.addAt(f, wrong, at)
	rev := at.Add(time.Duration(1+g.rng.IntN(3)) * 24 * time.Hour)
	if rev.After(g.now) {
		rev = g.now
	}
	g.addAt(f, domain.ReverseTransaction{TransactionID: g.id(), FundID: f.cmd.FundID, Reverses: wrongID,
		Reason: "Nhập sai số tiền, đã lập lại chứng từ", OccurredOn: d}, rev)
}

// shelters adds one shelter grant per member.
func (g *generator) shelters(f *fund, who []domain.BeneficiaryID, kind domain.ShelterKind, total, step, lo, hi int64, from, to string) {
	for i, a := range g.amounts(len(who), total, step, lo, hi) {
		d := g.date(from, to)
		grant := domain.PayShelterGrant{TransactionID: g.id(), FundID: f.cmd.FundID, BeneficiaryID: who[i], Amount: vnd(a),
			Shelter: kind, OccurredOn: d, DecisionNo: fmt.Sprintf("%d/QĐ-LĐLĐ", 10+g.rng.IntN(400))}
		if g.rng.IntN(40) == 0 {
			g.mistake(f, d, grant, a)
		}
		g.add(f, d, grant)
	}
}

// loans adds one loan per member, amounts summing to total, dated in
// [from, to], each repaid in quarterly instalments from the quarter after
// it (most in full by now, the recent ones still running).
func (g *generator) loans(f *fund, who []domain.BeneficiaryID, total int64, from, to, project string) {
	for i, a := range g.amounts(len(who), total, 1_000_000, 3_000_000, 30_000_000) {
		d := g.date(from, to)
		loan := domain.DisburseLoan{LoanID: g.id(), FundID: f.cmd.FundID, BeneficiaryID: who[i], Amount: vnd(a), OccurredOn: d,
			DueOn: domain.DateOf(mustTime(d.String()).AddDate(2, 0, 0)), Project: project}
		loanEntered := g.entered(d)
		g.addAt(f, loan, loanEntered)
		instalments := 2 + g.rng.IntN(7)
		each := a / int64(instalments) / 100_000 * 100_000
		paid := int64(0)
		day := mustTime(d.String())
		for k := range instalments {
			day = day.AddDate(0, 3, 0)
			pd := domain.DateOf(day.Add(12 * time.Hour))
			if pd >= g.today {
				break
			}
			amt := each
			if k == instalments-1 {
				amt = a - paid
			}
			if amt <= 0 {
				break
			}
			paid += amt
			// A repayment is entered after its loan, however late the
			// loan's voucher was.
			at := g.entered(pd)
			if !at.After(loanEntered) {
				at = loanEntered.Add(time.Hour)
			}
			g.addAt(f, domain.RepayLoan{TransactionID: g.id(), FundID: f.cmd.FundID, LoanID: loan.LoanID, Amount: vnd(amt), OccurredOn: pd}, at)
		}
	}
}

// plan draws the whole history: the published figures first (Figures),
// then the rest around them.
func (g *generator) plan() {
	g.unit(RootUnit, "Tổng Liên đoàn Lao động Việt Nam", "")

	// Lạng Sơn: the province, its 14 district and sector unions, some
	// grassroots unions, 2018–2023 (and the years around).
	g.unit("lang-son", "Liên đoàn Lao động tỉnh Lạng Sơn", RootUnit)
	for _, d := range langSonDistricts {
		g.unit(d.id, d.name, "lang-son")
	}
	for _, c := range langSonGrassroots {
		g.unit(c.id, c.name, c.parent)
	}
	social := g.openFund("lang-son", "Quỹ Xã hội LĐLĐ tỉnh Lạng Sơn", domain.FundSocial, "2017-01-01")
	shelter := g.openFund("lang-son", "Quỹ Mái ấm Công đoàn tỉnh Lạng Sơn", domain.FundShelter, "2017-01-01")
	// Carried over from before 2018, so that no payment of the period
	// waits for the donations that fund it.
	g.donations(social, 12, 2_000_000_000, "2017-01-05", "2017-12-28")
	g.donations(shelter, 10, 1_500_000_000, "2017-01-05", "2017-12-28")
	g.donations(social, 640, LangSon.SocialDonations, "2018-01-01", "2023-12-31")
	g.donations(shelter, 300, 4_300_000_000, "2018-01-01", "2023-12-31")
	pool := g.members("LS", LangSon.ShelterNew+LangSon.ShelterRepair, 6000)
	newBuild, repair := pool[:LangSon.ShelterNew], pool[LangSon.ShelterNew:LangSon.ShelterNew+LangSon.ShelterRepair]
	g.shelters(shelter, newBuild, domain.ShelterNewBuild, LangSon.ShelterNewAmount, 1_000_000, 20_000_000, 40_000_000, "2018-01-01", "2023-12-31")
	g.shelters(shelter, repair, domain.ShelterRepair, LangSon.ShelterAmount-LangSon.ShelterNewAmount, 1_000_000, 10_000_000, 25_000_000, "2018-01-01", "2023-12-31")
	g.grants(social, g.members("LS", LangSon.Illness, 6000), domain.AssistSeriousIllness, LangSon.IllnessAmount, 100_000, 500_000, 3_000_000, "2018-01-01", "2023-12-31")
	g.grants(social, g.members("LS", LangSon.Covid, 6000), domain.AssistHardship, LangSon.CovidAmount, 50_000, 700_000, 1_500_000, "2020-04-01", "2021-12-31")
	// After the period: the work goes on.
	g.donations(social, 200, 1_600_000_000, "2024-01-01", "2026-12-31")
	g.grants(social, g.members("LS", 150, 6000), domain.AssistSeriousIllness, 240_000_000, 100_000, 500_000, 3_000_000, "2024-01-01", "2026-12-31")
	g.shelters(shelter, g.members("LS2", 30, 6000), domain.ShelterNewBuild, 1_050_000_000, 1_000_000, 30_000_000, 40_000_000, "2024-01-01", "2026-12-31")
	g.donations(shelter, 90, 1_200_000_000, "2024-01-01", "2026-12-31")

	// Bạc Liêu: the province and its 7 district unions, 2024 and Tết 2025.
	g.unit("bac-lieu", "Liên đoàn Lao động tỉnh Bạc Liêu", RootUnit)
	for _, d := range bacLieuDistricts {
		g.unit(d.id, d.name, "bac-lieu")
	}
	blSocial := g.openFund("bac-lieu", "Quỹ Xã hội LĐLĐ tỉnh Bạc Liêu", domain.FundSocial, "2023-01-01")
	blCapital := g.openFund("bac-lieu", "Quỹ Trợ vốn CNLĐ nghèo tỉnh Bạc Liêu", domain.FundCapitalSupport, "2023-01-01")
	g.donations(blSocial, 40, 1_500_000_000, "2023-01-05", "2023-12-28")
	g.donations(blSocial, 220, 2_600_000_000, "2024-01-01", "2024-12-31")
	g.donations(blSocial, 60, 800_000_000, "2025-01-01", "2026-12-31")
	bl := g.members("BL", BacLieu.ShelterNew+BacLieu.ShelterRepair, 9000)
	g.shelters(blSocial, bl[:BacLieu.ShelterNew], domain.ShelterNewBuild, BacLieu.ShelterNewAmount, 1_000_000, 40_000_000, 60_000_000, "2024-01-01", "2024-12-31")
	g.shelters(blSocial, bl[BacLieu.ShelterNew:], domain.ShelterRepair, BacLieu.ShelterAmount-BacLieu.ShelterNewAmount, 1_000_000, 15_000_000, 30_000_000, "2024-01-01", "2024-12-31")
	g.grants(blSocial, g.members("BL", BacLieu.Illness, 9000), domain.AssistSeriousIllness, BacLieu.IllnessAmount, 100_000, 2_000_000, 6_000_000, "2024-01-01", "2024-12-31")
	g.grants(blSocial, g.members("BL", BacLieu.TetGifts, 9000), domain.AssistTetGift, BacLieu.TetAmount, 50_000, 500_000, 700_000, "2025-01-01", "2025-01-28")
	// The confederation's capital allocation, then the 2024 loans,
	// repaid quarterly, and 2025's lent again from the repayments.
	g.donations(blCapital, 3, 13_000_000_000, "2023-11-01", "2023-12-20")
	g.loans(blCapital, g.members("BL", BacLieu.Loans, 9000), BacLieu.LoansAmount, "2024-01-01", "2024-12-31", "DA-2024")
	g.loans(blCapital, g.members("BL", 260, 9000), 2_400_000_000, "2025-03-01", "2026-10-31", "DA-2025")

	// Every district and sector union keeps a small mutual-aid fund.
	for i, d := range append(slices.Clone(langSonDistricts), bacLieuDistricts...) {
		start := "2018-01-01"
		if strings.HasPrefix(string(d.id), "bac-lieu") {
			start = "2023-01-01"
		}
		f := g.openFund(d.id, "Quỹ tương trợ "+d.short, domain.FundMutualAid, start)
		g.donations(f, 1, 100_000_000, start, start)
		g.donations(f, 20, int64(50+i*5)*1_000_000, start, "2026-11-30")
		prefix := fmt.Sprintf("D%02d", i+1)
		g.grants(f, g.members(prefix, 25, 800), domain.AssistAccident, 50_000_000, 100_000, 500_000, 4_000_000, mustShift(start, 1), "2026-11-30")
		g.loans(f, g.members(prefix, 10, 800), 60_000_000, mustShift(start, 1), "2026-06-30", "")
	}
}

// mustShift returns the date a year after s.
func mustShift(s string, years int) string {
	return mustTime(s).AddDate(years, 0, 0).Format(time.DateOnly)
}

type district struct {
	id          domain.UnitID
	name, short string
}

type grassroots struct {
	id     domain.UnitID
	name   string
	parent domain.UnitID
}

var langSonDistricts = []district{
	{"lang-son-tp", "LĐLĐ thành phố Lạng Sơn", "TP Lạng Sơn"},
	{"lang-son-cao-loc", "LĐLĐ huyện Cao Lộc", "Cao Lộc"},
	{"lang-son-van-lang", "LĐLĐ huyện Văn Lãng", "Văn Lãng"},
	{"lang-son-trang-dinh", "LĐLĐ huyện Tràng Định", "Tràng Định"},
	{"lang-son-binh-gia", "LĐLĐ huyện Bình Gia", "Bình Gia"},
	{"lang-son-van-quan", "LĐLĐ huyện Văn Quan", "Văn Quan"},
	{"lang-son-bac-son", "LĐLĐ huyện Bắc Sơn", "Bắc Sơn"},
	{"lang-son-huu-lung", "LĐLĐ huyện Hữu Lũng", "Hữu Lũng"},
	{"lang-son-chi-lang", "LĐLĐ huyện Chi Lăng", "Chi Lăng"},
	{"lang-son-loc-binh", "LĐLĐ huyện Lộc Bình", "Lộc Bình"},
	{"lang-son-dinh-lap", "LĐLĐ huyện Đình Lập", "Đình Lập"},
	{"lang-son-giao-duc", "Công đoàn ngành Giáo dục tỉnh Lạng Sơn", "ngành Giáo dục"},
	{"lang-son-y-te", "Công đoàn ngành Y tế tỉnh Lạng Sơn", "ngành Y tế"},
	{"lang-son-vien-chuc", "Công đoàn Viên chức tỉnh Lạng Sơn", "Viên chức"},
}

var langSonGrassroots = []grassroots{
	{"cao-loc-may-dong-bac", "CĐCS Công ty May Đông Bắc", "lang-son-cao-loc"},
	{"cao-loc-cua-khau", "CĐCS Ban Quản lý Cửa khẩu Đồng Đăng", "lang-son-cao-loc"},
	{"tp-xi-mang", "CĐCS Công ty Xi măng Lạng Sơn", "lang-son-tp"},
	{"giao-duc-thpt-viet-bac", "CĐCS Trường THPT Việt Bắc", "lang-son-giao-duc"},
}

var bacLieuDistricts = []district{
	{"bac-lieu-tp", "LĐLĐ thành phố Bạc Liêu", "TP Bạc Liêu"},
	{"bac-lieu-gia-rai", "LĐLĐ thị xã Giá Rai", "Giá Rai"},
	{"bac-lieu-hong-dan", "LĐLĐ huyện Hồng Dân", "Hồng Dân"},
	{"bac-lieu-phuoc-long", "LĐLĐ huyện Phước Long", "Phước Long"},
	{"bac-lieu-vinh-loi", "LĐLĐ huyện Vĩnh Lợi", "Vĩnh Lợi"},
	{"bac-lieu-dong-hai", "LĐLĐ huyện Đông Hải", "Đông Hải"},
	{"bac-lieu-hoa-binh", "LĐLĐ huyện Hòa Bình", "Hòa Bình"},
}
