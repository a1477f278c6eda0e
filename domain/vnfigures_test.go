package domain_test

import (
	"math/big"
	"strings"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// vndOfBig builds a VND from a big.Int (through its text, the only way in).
func vndOfBig(t *testing.T, n *big.Int) domain.VND {
	t.Helper()
	v, err := domain.ParseVND(n.String())
	if err != nil {
		t.Fatalf("ParseVND(%s): %v", n, err)
	}
	return v
}

// pow10 returns 10^n.
func pow10(n int64) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(n), nil) }

func TestFormatVND(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"0", "0 ₫"},
		{"1", "1 ₫"},
		{"999", "999 ₫"},
		{"1000", "1.000 ₫"},
		{"12345", "12.345 ₫"},
		{"123456", "123.456 ₫"},
		{"1027000000", "1.027.000.000 ₫"},
		{"-50000", "-50.000 ₫"},
		{"-999", "-999 ₫"},
		{"9223372036854775807", "9.223.372.036.854.775.807 ₫"},
		{"123456789012345678901234", "123.456.789.012.345.678.901.234 ₫"},
		{"-123456789012345678901234", "-123.456.789.012.345.678.901.234 ₫"},
	}
	for _, tt := range tests {
		if got := domain.FormatVND(domain.MustVND(tt.in)); got != tt.want {
			t.Errorf("FormatVND(%s) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFormatCount(t *testing.T) {
	tests := []struct {
		in   int64
		want string
	}{
		{0, "0"}, {7, "7"}, {156, "156"}, {1280, "1.280"}, {3601, "3.601"},
		{1000000, "1.000.000"}, {-1280, "-1.280"},
	}
	for _, tt := range tests {
		if got := domain.FormatCount(tt.in); got != tt.want {
			t.Errorf("FormatCount(%d) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestHeadline(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		want   string // Headline
		hedged string // HeadlineHedged
	}{
		{"zero", "0", "0 ₫", "0 ₫"},
		{"below a thousand is exact", "999", "999 ₫", "999 ₫"},
		{"a thousand", "1000", "1 nghìn ₫", "1 nghìn ₫"},
		{"nghìn with decimals", "1500", "1,5 nghìn ₫", "1,5 nghìn ₫"},
		{"nghìn rounded down", "1234", "1,23 nghìn ₫", "hơn 1,23 nghìn ₫"},
		{"a published billion", "1027000000", "1,03 tỷ ₫", "gần 1,03 tỷ ₫"},
		{"triệu exact", "361000000", "361 triệu ₫", "361 triệu ₫"},
		{"triệu just over", "361400000", "361,4 triệu ₫", "361,4 triệu ₫"},
		{"tỷ one decimal", "5400000000", "5,4 tỷ ₫", "5,4 tỷ ₫"},
		{"over 5,4 tỷ", "5412000000", "5,41 tỷ ₫", "hơn 5,41 tỷ ₫"},
		{"nearly 1,2 tỷ", "1196000000", "1,2 tỷ ₫", "gần 1,2 tỷ ₫"},
		{"half rounds up", "1005000000", "1,01 tỷ ₫", "gần 1,01 tỷ ₫"},
		{"just below half rounds down", "1004999999", "1 tỷ ₫", "hơn 1 tỷ ₫"},
		{"decimals with a leading zero", "1050000000", "1,05 tỷ ₫", "1,05 tỷ ₫"},
		{"rounding to 1.000 triệu moves to tỷ", "999999999", "1 tỷ ₫", "gần 1 tỷ ₫"},
		{"rounding to 1.000 nghìn moves to triệu", "999995", "1 triệu ₫", "gần 1 triệu ₫"},
		{"just below the move stays", "999994", "999,99 nghìn ₫", "hơn 999,99 nghìn ₫"},
		{"a million", "1000000", "1 triệu ₫", "1 triệu ₫"},
		{"thousands of tỷ are grouped", "12345678000000", "12.345,68 tỷ ₫", "gần 12.345,68 tỷ ₫"},
		{"10^18", "1000000000000000000", "1.000.000.000 tỷ ₫", "1.000.000.000 tỷ ₫"},
		{"beyond int64", "123456789012345678901234", "123.456.789.012.345,68 tỷ ₫", "gần 123.456.789.012.345,68 tỷ ₫"},
		{"negative", "-1027000000", "-1,03 tỷ ₫", "gần -1,03 tỷ ₫"},
		{"negative small", "-500", "-500 ₫", "-500 ₫"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := domain.MustVND(tt.in)
			if got := domain.Headline(v); got != tt.want {
				t.Errorf("Headline(%s) = %q, want %q", tt.in, got, tt.want)
			}
			if got := domain.HeadlineHedged(v); got != tt.hedged {
				t.Errorf("HeadlineHedged(%s) = %q, want %q", tt.in, got, tt.hedged)
			}
		})
	}
}

// TestHeadlineReadsBack checks every headline against its amount: the
// figure, read back, is within half a hundredth of the scale of the exact
// amount, and the hedge word tells the side it errs on. A slow reference
// in big.Rat arithmetic, over amounts around every boundary.
func TestHeadlineReadsBack(t *testing.T) {
	scales := map[string]*big.Int{"nghìn": pow10(3), "triệu": pow10(6), "tỷ": pow10(9)}
	var amounts []*big.Int
	for e := int64(3); e <= 22; e++ {
		p := pow10(e)
		for _, d := range []int64{-6, -5, -4, -1, 0, 1, 4, 5, 6} {
			amounts = append(amounts, new(big.Int).Add(p, big.NewInt(d)))
			amounts = append(amounts, new(big.Int).Add(new(big.Int).Mul(p, big.NewInt(7)), new(big.Int).Mul(big.NewInt(d), new(big.Int).Quo(p, big.NewInt(1000)))))
		}
	}
	for _, n := range amounts {
		if n.Cmp(big.NewInt(1000)) < 0 {
			continue
		}
		got := domain.HeadlineHedged(vndOfBig(t, n))
		text, _ := strings.CutSuffix(got, " ₫")
		hedge := ""
		for _, w := range []string{"hơn ", "gần "} {
			if rest, ok := strings.CutPrefix(text, w); ok {
				hedge, text = w, rest
			}
		}
		num, word, _ := strings.Cut(text, " ")
		scale, ok := scales[word]
		if !ok {
			t.Fatalf("HeadlineHedged(%s) = %q: no scale word", n, got)
		}
		fig, ok := new(big.Rat).SetString(strings.ReplaceAll(strings.ReplaceAll(num, ".", ""), ",", "."))
		if !ok {
			t.Fatalf("HeadlineHedged(%s) = %q: figure %q does not parse", n, got, num)
		}
		back := new(big.Rat).Mul(fig, new(big.Rat).SetInt(scale))
		diff := new(big.Rat).Sub(back, new(big.Rat).SetInt(n))
		half := new(big.Rat).SetFrac(scale, big.NewInt(200))
		if new(big.Rat).Abs(diff).Cmp(half) > 0 {
			t.Errorf("HeadlineHedged(%s) = %q: off by %s, more than half a hundredth of %s", n, got, diff.FloatString(2), word)
		}
		wantHedge := map[int]string{-1: "hơn ", 0: "", 1: "gần "}[diff.Sign()]
		if hedge != wantHedge {
			t.Errorf("HeadlineHedged(%s) = %q: hedge %q, want %q", n, got, hedge, wantHedge)
		}
		if fig.Cmp(big.NewRat(1000, 1)) >= 0 && word != "tỷ" {
			t.Errorf("HeadlineHedged(%s) = %q: 1.000 or more of %s instead of the next scale", n, got, word)
		}
	}
}
