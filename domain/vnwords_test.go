package domain_test

import (
	"math/big"
	"strings"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

func TestVNDInWords(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"0", "Không đồng"},
		{"1", "Một đồng chẵn"},
		{"4", "Bốn đồng chẵn"},
		{"5", "Năm đồng chẵn"},
		{"10", "Mười đồng chẵn"},
		{"11", "Mười một đồng chẵn"},
		{"14", "Mười bốn đồng chẵn"},
		{"15", "Mười lăm đồng chẵn"},
		{"19", "Mười chín đồng chẵn"},
		{"20", "Hai mươi đồng chẵn"},
		{"21", "Hai mươi mốt đồng chẵn"},
		{"24", "Hai mươi tư đồng chẵn"},
		{"25", "Hai mươi lăm đồng chẵn"},
		{"55", "Năm mươi lăm đồng chẵn"},
		{"91", "Chín mươi mốt đồng chẵn"},
		{"99", "Chín mươi chín đồng chẵn"},
		{"100", "Một trăm đồng chẵn"},
		{"101", "Một trăm linh một đồng chẵn"},
		{"104", "Một trăm linh bốn đồng chẵn"},
		{"105", "Một trăm linh năm đồng chẵn"},
		{"110", "Một trăm mười đồng chẵn"},
		{"111", "Một trăm mười một đồng chẵn"},
		{"115", "Một trăm mười lăm đồng chẵn"},
		{"121", "Một trăm hai mươi mốt đồng chẵn"},
		{"999", "Chín trăm chín mươi chín đồng chẵn"},
		{"1000", "Một nghìn đồng chẵn"},
		{"1001", "Một nghìn không trăm linh một đồng chẵn"},
		{"1010", "Một nghìn không trăm mười đồng chẵn"},
		{"1015", "Một nghìn không trăm mười lăm đồng chẵn"},
		{"1100", "Một nghìn một trăm đồng chẵn"},
		{"15000", "Mười lăm nghìn đồng chẵn"},
		{"21000", "Hai mươi mốt nghìn đồng chẵn"},
		{"105000", "Một trăm linh năm nghìn đồng chẵn"},
		{"1000000", "Một triệu đồng chẵn"},
		{"1000001", "Một triệu không trăm linh một đồng chẵn"},
		{"1001000", "Một triệu không trăm linh một nghìn đồng chẵn"},
		{"1250000", "Một triệu hai trăm năm mươi nghìn đồng chẵn"},
		{"25000000", "Hai mươi lăm triệu đồng chẵn"},
		{"361000000", "Ba trăm sáu mươi mốt triệu đồng chẵn"},
		{"1000000000", "Một tỷ đồng chẵn"},
		{"1000000001", "Một tỷ không trăm linh một đồng chẵn"},
		{"1000027000", "Một tỷ không trăm hai mươi bảy nghìn đồng chẵn"},
		{"1027000000", "Một tỷ không trăm hai mươi bảy triệu đồng chẵn"},
		{"5400000000", "Năm tỷ bốn trăm triệu đồng chẵn"},
		{"11900000000", "Mười một tỷ chín trăm triệu đồng chẵn"},
		{"1000000000000", "Một nghìn tỷ đồng chẵn"},
		{"2500000000000", "Hai nghìn năm trăm tỷ đồng chẵn"},
		{"1000000000000000", "Một triệu tỷ đồng chẵn"},
		{"1000000000000001", "Một triệu tỷ không trăm linh một đồng chẵn"},
		{"1000000000000000000", "Một tỷ tỷ đồng chẵn"},
		{"9223372036854775807", "Chín tỷ hai trăm hai mươi ba triệu ba trăm bảy mươi hai nghìn không trăm ba mươi sáu tỷ tám trăm năm mươi tư triệu bảy trăm bảy mươi lăm nghìn tám trăm linh bảy đồng chẵn"},
		{"1000000000000000000000", "Một nghìn tỷ tỷ đồng chẵn"},
		{"-1500000", "Âm một triệu năm trăm nghìn đồng chẵn"},
	}
	for _, tt := range tests {
		if got := domain.VNDInWords(domain.MustVND(tt.in)); got != tt.want {
			t.Errorf("VNDInWords(%s) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// wordValues are the values of the words VNDInWords writes, for reading
// its output back.
var wordValues = map[string]int64{
	"không": 0, "một": 1, "mốt": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "năm": 5, "lăm": 5,
	"sáu": 6, "bảy": 7, "tám": 8, "chín": 9,
}

// readWords is a slow, independent reader of Vietnamese amounts: it parses
// the words back into a number, knowing nothing of groups of three digits.
func readWords(t *testing.T, s string) *big.Int {
	t.Helper()
	s, ok := strings.CutSuffix(s, " đồng chẵn")
	if !ok {
		t.Fatalf("%q does not end in đồng chẵn", s)
	}
	// total: the parts finished by a "tỷ"; group: the part since; small:
	// the digits since the last scale word (hundreds, tens, the last digit).
	total, group := new(big.Int), new(big.Int)
	var hundreds, tens, digit int64
	flush := func() int64 {
		v := hundreds + tens + digit
		hundreds, tens, digit = 0, 0, 0
		return v
	}
	for _, w := range strings.Fields(strings.ToLower(s)) {
		switch w {
		case "linh":
		case "trăm":
			hundreds, digit = digit*100, 0
		case "mười":
			tens = 10
		case "mươi":
			tens, digit = digit*10, 0
		case "nghìn", "triệu":
			mul := map[string]int64{"nghìn": 1000, "triệu": 1_000_000}[w]
			small := flush()
			if small == 0 {
				t.Fatalf("%q: %q with no number before it", s, w)
			}
			group.Add(group, big.NewInt(small*mul))
		case "tỷ":
			group.Add(group, big.NewInt(flush()))
			total.Add(total, group)
			total.Mul(total, pow10(9))
			group.SetInt64(0)
		default:
			v, ok := wordValues[w]
			if !ok {
				t.Fatalf("%q: unknown word %q", s, w)
			}
			digit = v
		}
	}
	small := flush()
	group.Add(group, big.NewInt(small))
	return total.Add(total, group)
}

// TestVNDInWordsReadsBack reads the words back for every number up to
// 2.000 and amounts around every power of ten up to 10^24: the words say
// the amount, and no word is a digit the rules replace ("một" after
// "mươi", "năm" after "mười").
func TestVNDInWordsReadsBack(t *testing.T) {
	var amounts []*big.Int
	for n := int64(1); n <= 2000; n++ {
		amounts = append(amounts, big.NewInt(n))
	}
	for e := int64(3); e <= 24; e++ {
		for _, d := range []int64{-101, -1, 0, 1, 5, 14, 21, 105, 1005, 21_000, 1_000_001} {
			n := new(big.Int).Add(pow10(e), big.NewInt(d))
			amounts = append(amounts, n, new(big.Int).Mul(n, big.NewInt(3)))
		}
	}
	for _, n := range amounts {
		words := domain.VNDInWords(vndOfBig(t, n))
		if got := readWords(t, words); got.Cmp(n) != 0 {
			t.Errorf("VNDInWords(%s) = %q, which reads back as %s", n, words, got)
		}
		lower := strings.ToLower(words)
		for _, bad := range []string{"mươi một", "mươi năm", "mười năm", "mươi bốn"} {
			if strings.Contains(lower, bad) {
				t.Errorf("VNDInWords(%s) = %q: %q where the rules say otherwise", n, words, bad)
			}
		}
	}
}
