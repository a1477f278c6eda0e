package domain

import (
	"math"
	"math/big"
	"strconv"
	"testing"
)

// TestAmounts checks Amounts' arithmetic against big.Int at and around the
// int64 bounds, mixing amounts past them with small ones, and that an array
// comes back to its int64 form once every amount fits again (one
// representation per array, as VND has one per amount).
func TestAmounts(t *testing.T) {
	const (
		maxI = math.MaxInt64
		minI = math.MinInt64
	)
	s := strconv.FormatInt
	huge := "10000000000000000000000" // 10^22
	type op int
	const (
		add op = iota
		sub
		addAt // a.AddAt(at, b[at])
		set   // a.Set(at, b[at])
	)
	for _, tc := range []struct {
		name string
		a, b [AmountsLen]string
		op   op
		at   int
	}{
		{"small sums", [AmountsLen]string{"1", "2", "3", "4", "5"}, [AmountsLen]string{"10", "20", "30", "40", "-50"}, add, 0},
		{"up to the largest int64", [AmountsLen]string{s(maxI-1, 10), "0", "0", "0", "0"}, [AmountsLen]string{"1", "0", "0", "0", "7"}, add, 0},
		{"one past the largest int64", [AmountsLen]string{"1", s(maxI, 10), "2", "3", "4"}, [AmountsLen]string{"1", "1", "1", "1", "1"}, add, 0},
		{"down to the smallest int64", [AmountsLen]string{"0", "0", s(minI+1, 10), "0", "0"}, [AmountsLen]string{"0", "0", "1", "0", "0"}, sub, 0},
		{"one below the smallest int64", [AmountsLen]string{"0", "0", s(minI, 10), "5", "0"}, [AmountsLen]string{"0", "0", "1", "0", "0"}, sub, 0},
		{"minus the smallest int64", [AmountsLen]string{"0", "0", "0", "0", "0"}, [AmountsLen]string{"0", "0", "0", "0", s(minI, 10)}, sub, 0},
		{"the smallest int64 plus itself", [AmountsLen]string{s(minI, 10), "0", "0", "0", "0"}, [AmountsLen]string{s(minI, 10), "0", "0", "0", "0"}, add, 0},
		{"a big amount among small ones", [AmountsLen]string{"3", huge, "5", "6", "7"}, [AmountsLen]string{"1", "1", "1", "1", "1"}, add, 0},
		{"big plus big", [AmountsLen]string{huge, "0", "0", "0", "0"}, [AmountsLen]string{huge, "0", "0", "-4", "0"}, add, 0},
		{"sub back below the bound", [AmountsLen]string{"3", "9223372036854775812", "5", "6", "7"}, [AmountsLen]string{"1", "10", "1", "1", "1"}, sub, 0},
		{"sub of a big amount back to zero", [AmountsLen]string{"3", huge, "5", "6", "7"}, [AmountsLen]string{"0", huge, "0", "0", "0"}, sub, 0},
		{"add a negative big amount back", [AmountsLen]string{huge, "1", "0", "0", "0"}, [AmountsLen]string{"-" + huge, "1", "0", "0", "0"}, add, 0},
		{"AddAt within int64", [AmountsLen]string{"1", "2", "3", "4", "5"}, [AmountsLen]string{"0", "0", "0", "-9", "0"}, addAt, 3},
		{"AddAt to the largest int64", [AmountsLen]string{"1", "2", "3", s(maxI-9, 10), "5"}, [AmountsLen]string{"0", "0", "0", "9", "0"}, addAt, 3},
		{"AddAt past the largest int64", [AmountsLen]string{"1", "2", "3", s(maxI-9, 10), "5"}, [AmountsLen]string{"0", "0", "0", "10", "0"}, addAt, 3},
		{"AddAt a big amount", [AmountsLen]string{"1", "2", "3", "4", "5"}, [AmountsLen]string{"0", huge, "0", "0", "0"}, addAt, 1},
		{"AddAt back below the bound", [AmountsLen]string{"1", "2", "3", "9223372036854775900", "5"}, [AmountsLen]string{"0", "0", "0", "-100", "0"}, addAt, 3},
		{"Set a big amount", [AmountsLen]string{"1", "2", "3", "4", "5"}, [AmountsLen]string{"0", "0", huge, "0", "0"}, set, 2},
		{"Set the one big amount small", [AmountsLen]string{"1", "2", huge, "4", "5"}, [AmountsLen]string{"0", "0", "-8", "0", "0"}, set, 2},
		{"Set a small one beside a big one", [AmountsLen]string{"1", "2", huge, "4", "5"}, [AmountsLen]string{"0", "9", "0", "0", "0"}, set, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var a, b Amounts
			var want [AmountsLen]*big.Int
			for i := range AmountsLen {
				a.Set(i, MustVND(tc.a[i]))
				b.Set(i, MustVND(tc.b[i]))
				x, _ := new(big.Int).SetString(tc.a[i], 10)
				y, _ := new(big.Int).SetString(tc.b[i], 10)
				switch {
				case tc.op == add || tc.op == addAt && i == tc.at:
					want[i] = x.Add(x, y)
				case tc.op == sub:
					want[i] = x.Sub(x, y)
				case tc.op == set && i == tc.at:
					want[i] = y
				default:
					want[i] = x
				}
			}
			aBefore, bBefore := a.all(), b.all()
			var got Amounts
			switch tc.op {
			case add:
				got = a.Add(b)
			case sub:
				got = a.Sub(b)
			case addAt:
				got = a
				got.AddAt(tc.at, MustVND(tc.b[tc.at]))
			case set:
				got = a
				got.Set(tc.at, MustVND(tc.b[tc.at]))
			}
			allFit := true
			for i := range AmountsLen {
				g := got.At(i)
				if g.BigInt().Cmp(want[i]) != 0 {
					t.Errorf("amount %d = %s, want %s", i, g, want[i])
				}
				if _, isInt64 := g.Int64(); isInt64 != want[i].IsInt64() {
					t.Errorf("amount %d held as int64: %v, want %v", i, isInt64, want[i].IsInt64())
				}
				allFit = allFit && want[i].IsInt64()
			}
			if gotBig := got.big != nil; gotBig == allFit {
				t.Errorf("array held exactly (big set): %v, want %v", gotBig, !allFit)
			}
			if !allFit && got.n != ([AmountsLen]int64{}) {
				t.Errorf("int64 amounts %v beside big ones, want zeros (one representation)", got.n)
			}
			// AddAt and Set work on a copy of a, which shares a's big
			// array: a change written through it would move a too (as it
			// would an earlier date's sums in a projection).
			if a.all() != aBefore || b.all() != bBefore {
				t.Errorf("operands changed: a %v → %v, b %v → %v", aBefore, a.all(), bBefore, b.all())
			}
		})
	}
}

// TestAmountsZero checks that the zero Amounts is AmountsLen times 0 đồng.
func TestAmountsZero(t *testing.T) {
	var a Amounts
	for i := range AmountsLen {
		if got := a.At(i); !got.IsZero() {
			t.Errorf("At(%d) of the zero Amounts = %s, want 0", i, got)
		}
	}
}

// TestAmountsNet checks Net against big.Int: amounts marked in added, the
// others subtracted, through partial sums that leave int64 and results
// that do not fit it, and that the result is held as int64 whenever it
// fits (one representation).
func TestAmountsNet(t *testing.T) {
	maxS, minS := strconv.FormatInt(math.MaxInt64, 10), strconv.FormatInt(math.MinInt64, 10)
	huge := "10000000000000000000000" // 10^22
	in := [AmountsLen]bool{true, false, false, false, true}
	for _, tc := range []struct {
		name string
		a    [AmountsLen]string
	}{
		{"zero", [AmountsLen]string{"0", "0", "0", "0", "0"}},
		{"a fund's balance", [AmountsLen]string{"5400000000", "4000000000", "361000000", "900000000", "850000000"}},
		{"negative: more out than in", [AmountsLen]string{"1", "2", "3", "4", "5"}},
		{"in up to the largest int64", [AmountsLen]string{maxS, "0", "0", "0", "0"}},
		{"in past the largest int64", [AmountsLen]string{maxS, "0", "0", "0", "1"}},
		{"a partial sum past int64, the net within", [AmountsLen]string{maxS, "0", "0", "0", maxS}},
		{"out past the smallest int64", [AmountsLen]string{"0", maxS, "2", "0", "0"}},
		{"minus the smallest int64", [AmountsLen]string{"0", minS, "0", "0", "0"}},
		{"in and out past int64, net small", [AmountsLen]string{maxS, maxS, "0", "0", "7"}},
		{"a big amount", [AmountsLen]string{huge, "1", "2", "3", "4"}},
		{"big in and out, net zero", [AmountsLen]string{huge, huge, "0", "0", "0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var a Amounts
			want := new(big.Int)
			for i := range AmountsLen {
				a.Set(i, MustVND(tc.a[i]))
				x, _ := new(big.Int).SetString(tc.a[i], 10)
				if in[i] {
					want.Add(want, x)
				} else {
					want.Sub(want, x)
				}
			}
			got := a.Net(&in)
			if got.BigInt().Cmp(want) != 0 {
				t.Errorf("Net = %s, want %s", got, want)
			}
			if _, isInt64 := got.Int64(); isInt64 != want.IsInt64() {
				t.Errorf("Net held as int64: %v, want %v", isInt64, want.IsInt64())
			}
		})
	}
}
