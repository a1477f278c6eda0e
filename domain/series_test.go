package domain_test

import (
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

func vnd(n int64) domain.VND { return domain.VNDFromInt64(n) }

func day(s string) domain.Date { return domain.MustDate(s) }

func TestDailySeriesAdd(t *testing.T) {
	type add struct {
		on    string
		delta int64
	}
	type probe struct {
		on   string
		want int64
	}
	tests := []struct {
		name    string
		adds    []add
		wantLen int
		probes  []probe
	}{
		{
			name:    "empty",
			wantLen: 0,
			probes:  []probe{{"2020-01-01", 0}, {"9999-12-31", 0}},
		},
		{
			name:    "in order",
			adds:    []add{{"2020-01-10", 100}, {"2020-01-20", -30}, {"2020-02-01", 5}},
			wantLen: 3,
			probes: []probe{
				{"2020-01-09", 0}, {"2020-01-10", 100}, {"2020-01-15", 100}, {"2020-01-20", 70},
				{"2020-01-31", 70}, {"2020-02-01", 75}, {"2024-01-01", 75},
			},
		},
		{
			name:    "same date twice",
			adds:    []add{{"2020-01-10", 100}, {"2020-01-10", -40}, {"2020-01-10", 7}},
			wantLen: 1,
			probes:  []probe{{"2020-01-09", 0}, {"2020-01-10", 67}, {"2020-01-11", 67}},
		},
		{
			name:    "back-dated before every date",
			adds:    []add{{"2020-01-10", 100}, {"2020-01-20", -30}, {"2020-01-05", 1}},
			wantLen: 3,
			probes: []probe{
				{"2020-01-04", 0}, {"2020-01-05", 1}, {"2020-01-09", 1}, {"2020-01-10", 101}, {"2020-01-20", 71},
			},
		},
		{
			name:    "back-dated between dates",
			adds:    []add{{"2020-01-10", 100}, {"2020-01-20", -30}, {"2020-01-15", -50}},
			wantLen: 3,
			probes: []probe{
				{"2020-01-10", 100}, {"2020-01-14", 100}, {"2020-01-15", 50}, {"2020-01-19", 50}, {"2020-01-20", 20},
			},
		},
		{
			name:    "back-dated onto an existing earlier date",
			adds:    []add{{"2020-01-10", 100}, {"2020-01-20", -30}, {"2020-01-10", 5}},
			wantLen: 2,
			probes:  []probe{{"2020-01-10", 105}, {"2020-01-20", 75}},
		},
		{
			name:    "zero delta still makes a date",
			adds:    []add{{"2020-01-10", 0}},
			wantLen: 1,
			probes:  []probe{{"2020-01-10", 0}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s domain.DailySeries
			var last int64
			for _, a := range tt.adds {
				s.Add(day(a.on), vnd(a.delta))
				last += a.delta
			}
			if s.Len() != tt.wantLen {
				t.Errorf("Len() = %d, want %d", s.Len(), tt.wantLen)
			}
			if !s.Last().Equal(vnd(last)) {
				t.Errorf("Last() = %s, want %d", s.Last(), last)
			}
			for _, p := range tt.probes {
				if got := s.At(day(p.on)); !got.Equal(vnd(p.want)) {
					t.Errorf("At(%s) = %s, want %d", p.on, got, p.want)
				}
			}
			for i := range s.Len() {
				d, v := s.Entry(i)
				if i > 0 {
					if pd, _ := s.Entry(i - 1); pd >= d {
						t.Errorf("Entry(%d) date %s is not after Entry(%d) date %s", i, d, i-1, pd)
					}
				}
				if got := s.At(d); !got.Equal(v) {
					t.Errorf("Entry(%d) = %s, %s but At(%s) = %s", i, d, v, d, got)
				}
			}
		})
	}
}

func TestDailySeriesMinFrom(t *testing.T) {
	// donation 100 on 01-10, grant 80 on 01-20, donation 50 on 01-25
	var s domain.DailySeries
	s.Add(day("2020-01-10"), vnd(100))
	s.Add(day("2020-01-20"), vnd(-80))
	s.Add(day("2020-01-25"), vnd(50))
	tests := []struct {
		from   string
		want   int64
		wantAt string
	}{
		{"2020-01-05", 0, "2020-01-05"},  // before any money
		{"2020-01-10", 20, "2020-01-20"}, // the grant's date holds the minimum
		{"2020-01-15", 20, "2020-01-20"},
		{"2020-01-20", 20, "2020-01-20"},
		{"2020-01-22", 20, "2020-01-22"},
		{"2020-01-25", 70, "2020-01-25"},
		{"2021-01-01", 70, "2021-01-01"},
	}
	for _, tt := range tests {
		got, at := s.MinFromDate(day(tt.from))
		if !got.Equal(vnd(tt.want)) || at != day(tt.wantAt) {
			t.Errorf("MinFromDate(%s) = %s, %s; want %d, %s", tt.from, got, at, tt.want, tt.wantAt)
		}
		if m := s.MinFrom(day(tt.from)); !m.Equal(got) {
			t.Errorf("MinFrom(%s) = %s, MinFromDate = %s; want equal", tt.from, m, got)
		}
	}
}

// seriesModel is the obvious definition of a DailySeries: the dated deltas,
// summed per date; snapshot turns it into running sums to probe.
type seriesModel struct {
	byDate map[domain.Date]*big.Int
}

type seriesSnapshot struct {
	dates []domain.Date
	cum   []*big.Int
}

func (m *seriesModel) add(d domain.Date, delta *big.Int) {
	if m.byDate == nil {
		m.byDate = map[domain.Date]*big.Int{}
	}
	if m.byDate[d] == nil {
		m.byDate[d] = new(big.Int)
	}
	m.byDate[d].Add(m.byDate[d], delta)
}

func (m *seriesModel) snapshot() seriesSnapshot {
	var s seriesSnapshot
	for d := range m.byDate {
		s.dates = append(s.dates, d)
	}
	slices.Sort(s.dates)
	sum := new(big.Int)
	for _, d := range s.dates {
		sum = new(big.Int).Add(sum, m.byDate[d])
		s.cum = append(s.cum, sum)
	}
	return s
}

// at is the sum of every delta dated on or before d.
func (s seriesSnapshot) at(d domain.Date) *big.Int {
	v := new(big.Int)
	for i, x := range s.dates {
		if x <= d {
			v = s.cum[i]
		}
	}
	return v
}

// minFrom is the minimum of the running sum over [d, ∞) and the first date
// on which it is reached (d itself when the sum on d is already minimal).
func (s seriesSnapshot) minFrom(d domain.Date) (*big.Int, domain.Date) {
	min, at := s.at(d), d
	for i, x := range s.dates {
		if x > d && s.cum[i].Cmp(min) < 0 {
			min, at = s.cum[i], x
		}
	}
	return min, at
}

func TestDailySeriesMatchesModel(t *testing.T) {
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	dateN := func(n int) domain.Date {
		y, mo, d := base.AddDate(0, 0, n).Date()
		v, err := domain.NewDate(y, mo, d)
		if err != nil {
			t.Fatalf("NewDate: %v", err)
		}
		return v
	}
	big15 := new(big.Int).Exp(big.NewInt(10), big.NewInt(15), nil)
	for seed := uint64(1); seed <= 6; seed++ {
		rng := rand.New(rand.NewPCG(seed, 0x5eed))
		var s domain.DailySeries
		var m seriesModel
		span := []int{5, 40, 400, 3000, 60, 10}[seed-1] // few dates: many same-date adds; many: mostly inserts
		for op := range 700 {
			d := dateN(rng.IntN(span))
			var delta *big.Int
			switch rng.IntN(4) {
			case 0: // large, beyond int64 once summed
				delta = new(big.Int).Mul(big15, big.NewInt(rng.Int64N(19)-9))
			default:
				delta = big.NewInt(rng.Int64N(2_000_001) - 1_000_000)
			}
			s.Add(d, domain.MustVND(delta.String()))
			m.add(d, delta)

			// Probe a few dates, including ones before, between and after
			// the recorded ones.
			snap := m.snapshot()
			for range 3 {
				p := dateN(rng.IntN(span+4) - 2)
				if got, want := s.At(p), snap.at(p); got.String() != want.String() {
					t.Fatalf("seed %d op %d: At(%s) = %s, want %s", seed, op, p, got, want)
				}
				gotMin, gotAt := s.MinFromDate(p)
				wantMin, wantAt := snap.minFrom(p)
				if gotMin.String() != wantMin.String() || gotAt != wantAt {
					t.Fatalf("seed %d op %d: MinFromDate(%s) = %s, %s; want %s, %s", seed, op, p, gotMin, gotAt, wantMin, wantAt)
				}
				if got := s.MinFrom(p); got.String() != wantMin.String() {
					t.Fatalf("seed %d op %d: MinFrom(%s) = %s, want %s", seed, op, p, got, wantMin)
				}
			}
		}
		// The entries are the distinct dates, in order, with their sums.
		snap := m.snapshot()
		dates := snap.dates
		if s.Len() != len(dates) {
			t.Fatalf("seed %d: Len() = %d, want %d distinct dates", seed, s.Len(), len(dates))
		}
		for i, d := range dates {
			gd, gv := s.Entry(i)
			if gd != d || gv.String() != snap.cum[i].String() {
				t.Fatalf("seed %d: Entry(%d) = %s, %s; want %s, %s", seed, i, gd, gv, d, snap.cum[i])
			}
		}
		if got, want := s.Last(), snap.at(domain.MaxDate); got.String() != want.String() {
			t.Fatalf("seed %d: Last() = %s, want %s", seed, got, want)
		}
	}
}
