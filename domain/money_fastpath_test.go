package domain_test

import (
	"encoding/json"
	"math"
	"math/big"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// TestVNDMatchesBigInt checks VND's int64 fast path against big.Int at and
// around the edges of int64, where it must hand over to the exact decimal
// and come back: every pair of edge values, for Add, Sub, Neg, Cmp, Equal,
// Sign and String.
func TestVNDMatchesBigInt(t *testing.T) {
	edges := []string{"0", "1", "-1", "1000000000000000", "-1000000000000000",
		"9223372036854775806", "9223372036854775807", "9223372036854775808", "18446744073709551615", "18446744073709551616",
		"-9223372036854775807", "-9223372036854775808", "-9223372036854775809", "-18446744073709551616",
		"123456789012345678901234567890", "-123456789012345678901234567890"}
	bigOf := func(s string) *big.Int {
		b, ok := new(big.Int).SetString(s, 10)
		if !ok {
			t.Fatalf("bad literal %s", s)
		}
		return b
	}
	vals := append([]string(nil), edges...)
	for _, s := range vals {
		v := domain.MustVND(s)
		if got := v.Neg().String(); got != new(big.Int).Neg(bigOf(s)).String() {
			t.Errorf("Neg(%s) = %s, want %s", s, got, new(big.Int).Neg(bigOf(s)))
		}
		if got, want := v.Sign(), bigOf(s).Sign(); got != want {
			t.Errorf("Sign(%s) = %d, want %d", s, got, want)
		}
		if got := v.BigInt(); got.Cmp(bigOf(s)) != 0 {
			t.Errorf("BigInt(%s) = %s", s, got)
		}
		for _, r := range vals {
			w := domain.MustVND(r)
			sum, diff := v.Add(w), v.Sub(w)
			if want := new(big.Int).Add(bigOf(s), bigOf(r)); sum.String() != want.String() {
				t.Errorf("%s + %s = %s, want %s", s, r, sum, want)
			}
			if want := new(big.Int).Sub(bigOf(s), bigOf(r)); diff.String() != want.String() {
				t.Errorf("%s − %s = %s, want %s", s, r, diff, want)
			}
			if got, want := v.Cmp(w), bigOf(s).Cmp(bigOf(r)); got != want {
				t.Errorf("Cmp(%s, %s) = %d, want %d", s, r, got, want)
			}
			// A sum that went beyond int64 and came back equals the same
			// amount made directly.
			if back := sum.Sub(w); !back.Equal(v) || back.Cmp(v) != 0 || back.String() != s {
				t.Errorf("(%s + %s) − %s = %s, want %s", s, r, r, back, s)
			}
		}
	}
	if got := domain.VNDFromInt64(math.MaxInt64).Add(domain.VNDFromInt64(1)).Sub(domain.VNDFromInt64(1)); !got.Equal(domain.VNDFromInt64(math.MaxInt64)) {
		t.Errorf("MaxInt64 + 1 − 1 = %s, want %d", got, int64(math.MaxInt64))
	}
}

// TestVNDAppendJSON checks AppendJSON against big.Int's text at and around
// the edges of int64 and beyond them, results of arithmetic that crossed
// the edge included: it appends to what b holds, and writes what
// json.Marshal writes.
func TestVNDAppendJSON(t *testing.T) {
	edges := []string{"0", "1", "-1", "1000000000000000", "-1000000000000000",
		"9223372036854775806", "9223372036854775807", "9223372036854775808", "18446744073709551615", "18446744073709551616",
		"-9223372036854775807", "-9223372036854775808", "-9223372036854775809", "-18446744073709551616",
		"123456789012345678901234567890", "-123456789012345678901234567890"}
	check := func(v domain.VND, want *big.Int) {
		t.Helper()
		wantJSON := `"` + want.String() + `"`
		if got := string(v.AppendJSON([]byte("x:"))); got != "x:"+wantJSON {
			t.Errorf("AppendJSON(x:, %s) = %s, want x:%s", want, got, wantJSON)
		}
		if got, err := json.Marshal(v); err != nil || string(got) != wantJSON {
			t.Errorf("json.Marshal(%s) = %s, %v; want %s", want, got, err, wantJSON)
		}
	}
	check(domain.VND{}, new(big.Int))
	for _, s := range edges {
		x, _ := new(big.Int).SetString(s, 10)
		check(domain.MustVND(s), x)
		for _, r := range edges {
			y, _ := new(big.Int).SetString(r, 10)
			check(domain.MustVND(s).Add(domain.MustVND(r)), new(big.Int).Add(x, y))
			check(domain.MustVND(s).Sub(domain.MustVND(r)), new(big.Int).Sub(x, y))
		}
	}
}

// An amount that fits in an int64 appends without allocating: a fund
// summary appends a dozen of them per request.
func TestVNDAppendJSONAllocations(t *testing.T) {
	buf := make([]byte, 0, 64)
	for _, v := range []domain.VND{domain.VNDFromInt64(math.MaxInt64), domain.VNDFromInt64(math.MinInt64), {}} {
		if got := testing.AllocsPerRun(100, func() { buf = v.AppendJSON(buf[:0]) }); got != 0 {
			t.Errorf("AppendJSON(%s) allocates %v times, want 0", v, got)
		}
	}
}
