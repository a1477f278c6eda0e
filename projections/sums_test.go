package projections

import (
	"math"
	"testing"
	"unsafe"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// TestLineSumsLeaveInt64Exactly checks that sums whose amounts leave int64
// stay exact, and come back to int64 when they fit again.
func TestLineSumsLeaveInt64Exactly(t *testing.T) {
	vnd := domain.MustVND
	big := vnd("10000000000000000000000") // 10^22, beyond int64
	for _, tc := range []struct {
		name      string
		a, b      domain.VND
		sub       bool
		want      string
		wantInt64 bool
	}{
		{"small", domain.VNDFromInt64(5), domain.VNDFromInt64(7), false, "12", true},
		{"past the largest int64", domain.VNDFromInt64(math.MaxInt64 - 1), domain.VNDFromInt64(5), false, "9223372036854775811", false},
		{"past the smallest int64", domain.VNDFromInt64(math.MinInt64 + 1), domain.VNDFromInt64(5), true, "-9223372036854775812", false},
		{"minus the smallest int64", domain.VNDFromInt64(0), domain.VNDFromInt64(math.MinInt64), true, "9223372036854775808", false},
		{"a big amount", domain.VNDFromInt64(3), big, false, "10000000000000000000003", false},
		{"back into int64", big, vnd("9999999999999999999999"), true, "1", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var a, b lineSums
			a.amt.Set(int(aLoans), tc.a)
			b.amt.Set(int(aLoans), tc.b)
			a.orig[kLoan], b.orig[kLoan] = 2, 1
			got := a.Add(b)
			wantOrig := count(3)
			if tc.sub {
				got, wantOrig = a.Sub(b), 1
			}
			if s := got.amount(aLoans).String(); s != tc.want {
				t.Errorf("loans = %s, want %s", s, tc.want)
			}
			if _, isInt64 := got.amount(aLoans).Int64(); isInt64 != tc.wantInt64 {
				t.Errorf("held as int64: %v, want %v", isInt64, tc.wantInt64)
			}
			if !got.amount(aDonations).IsZero() || got.orig[kLoan] != wantOrig {
				t.Errorf("donations %s, loans counted %d, want 0 and %d", got.amount(aDonations), got.orig[kLoan], wantOrig)
			}
		})
	}
}

// TestSumsSeriesPastInt64 adds, by date, amounts whose running sum leaves
// int64, and checks the sums at every date and between dates.
func TestSumsSeriesPastInt64(t *testing.T) {
	var s sumsSeries
	add := func(d domain.Date, v domain.VND) { s.add(d, aDonations, v, kDonation, 1) }
	add(20240103, domain.VNDFromInt64(math.MaxInt64))
	add(20240105, domain.VNDFromInt64(math.MaxInt64))
	add(20240101, domain.VNDFromInt64(2)) // back-dated: every later sum moves
	for _, tc := range []struct {
		d    domain.Date
		want string
		n    count
	}{
		{20231231, "0", 0},
		{20240101, "2", 1},
		{20240103, "9223372036854775809", 2},
		{20240105, "18446744073709551616", 3},
	} {
		v := s.At(tc.d)
		if got := v.amount(aDonations).String(); got != tc.want {
			t.Errorf("At(%d) = %s, want %s", tc.d, got, tc.want)
		}
		if got := v.orig[kDonation]; got != tc.n {
			t.Errorf("At(%d) counts %d donations, want %d", tc.d, got, tc.n)
		}
	}
	a, b := s.At(20240105), s.At(20240101)
	if got := a.Sub(b); got.amount(aDonations).String() != "18446744073709551614" {
		t.Errorf("between = %s, want 18446744073709551614", got.amount(aDonations))
	}
}

// TestSumsEntrySize pins the size of a fund's day of sums: a roll-up to a
// date reads one entry per fund, and at 112 bytes (a 4-byte date padded to
// 8, 48 bytes of domain.Amounts, 2×6 counts of 4 bytes and the persons,
// padded to 8) it spans two cache lines where the 144 bytes of
// [numCats]domain.VND spanned three: the roll-ups to a date were 4–13 %
// slower at 144 (issue 13).
func TestSumsEntrySize(t *testing.T) {
	if got, want := unsafe.Sizeof(sumsEntry{}), uintptr(112); got != want {
		t.Errorf("unsafe.Sizeof(sumsEntry{}) = %d, want %d", got, want)
	}
}
