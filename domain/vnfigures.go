package domain

import (
	"math/big"
	"strconv"
	"strings"
)

// Vietnamese writing of figures, the one place the CLI and the officials'
// pages take it from (DESIGN.md, "Money"; DOMAIN.md, "Money"). Official
// documents group thousands with "." and write decimals with ",", the
// reverse of English: 1.027.000.000 ₫ is a little over a billion đồng.

// DongSign is the currency sign written after an amount.
const DongSign = "₫"

// Headline scales, from the largest: tỷ (10^9), triệu (10^6), nghìn (10^3).
// A headline never goes above tỷ: ten thousand billion is "10.000 tỷ", as
// the provinces' reports write it.
var headlineScales = []struct {
	word string
	size *big.Int
}{
	{"tỷ", big.NewInt(1_000_000_000)},
	{"triệu", big.NewInt(1_000_000)},
	{"nghìn", big.NewInt(1_000)},
}

// FormatVND writes v in full, thousands grouped with ".", followed by the
// đồng sign: "1.027.000.000 ₫", "0 ₫", "-50.000 ₫". Every amount a VND can
// hold is written exactly, beyond int64 included.
func FormatVND(v VND) string {
	return groupThousands(v.String()) + " " + DongSign
}

// FormatCount writes a count of people or transactions with "." between
// thousands: 1280 → "1.280". A report puts its unit after it: "1.280 lượt"
// (times), "156 người" (persons) — see DOMAIN.md on never adding the two.
func FormatCount(n int64) string {
	return groupThousands(strconv.FormatInt(n, 10))
}

// Headline writes v as a headline figure, the way provincial reports print
// totals: in the largest of tỷ (10^9), triệu (10^6) and nghìn (10^3) that
// is not above |v|, with at most two decimals after a ",", and the đồng
// sign: 1.027.000.000 → "1,03 tỷ ₫", 361.000.000 → "361 triệu ₫",
// 5.400.000.000 → "5,4 tỷ ₫". Precisely:
//
//   - |v| < 1.000 is written in full, as FormatVND does ("999 ₫").
//   - Otherwise |v| ÷ scale is rounded half-up to hundredths (…,005 goes
//     up, …,00499… down), and trailing zeros of the decimals are dropped
//     together with a "," left alone ("5,40" → "5,4"; "361,00" → "361").
//   - When the rounding reaches 1.000 of a scale below tỷ, the next scale
//     is used instead (999.999.999 is "1 tỷ ₫", never "1.000 triệu ₫").
//   - The integer part is grouped like FormatVND's ("12.345,68 tỷ ₫").
//   - A negative amount is its magnitude's headline after a "-".
//
// Headline never says the figure was rounded; HeadlineHedged does.
func Headline(v VND) string {
	h := headline(v)
	return h.text
}

// HeadlineHedged is Headline with the word a report puts before a rounded
// figure: "hơn" (over) when the rounded magnitude is below the exact one,
// "gần" (nearly) when it is above: 5.412.000.000 → "hơn 5,41 tỷ ₫",
// 1.196.000.000 → "gần 1,2 tỷ ₫". A figure written exactly gets no word:
// 5.400.000.000 → "5,4 tỷ ₫".
func HeadlineHedged(v VND) string {
	h := headline(v)
	switch h.rounded {
	case -1:
		return "hơn " + h.text
	case 1:
		return "gần " + h.text
	}
	return h.text
}

// headlineText is a headline and the way its figure compares with the
// exact magnitude: -1 below, 0 equal, +1 above.
type headlineText struct {
	text    string
	rounded int
}

func headline(v VND) headlineText {
	mag := v.BigInt()
	sign := ""
	if mag.Sign() < 0 {
		sign = "-"
		mag.Neg(mag)
	}
	if mag.Cmp(headlineScales[len(headlineScales)-1].size) < 0 {
		return headlineText{text: sign + FormatVND(VNDFromInt64(mag.Int64()))}
	}
	// The largest scale not above mag; a rounding to 1.000 of it moves
	// one scale up.
	i := 0
	for mag.Cmp(headlineScales[i].size) < 0 {
		i++
	}
	hundredths := roundedHundredths(mag, headlineScales[i].size)
	if i > 0 && hundredths.Cmp(big.NewInt(1000*100)) >= 0 {
		i--
		hundredths = roundedHundredths(mag, headlineScales[i].size)
	}
	scale := headlineScales[i]
	// Compare hundredths × scale with mag × 100: the rounded figure and
	// the exact one on the same footing.
	back := new(big.Int).Mul(hundredths, scale.size)
	rounded := back.Cmp(new(big.Int).Mul(mag, big.NewInt(100)))

	whole, frac := new(big.Int).QuoRem(hundredths, big.NewInt(100), new(big.Int))
	text := groupThousands(whole.String())
	if f := frac.Int64(); f != 0 {
		decimals := strconv.FormatInt(f+100, 10)[1:] // two digits, leading zero kept
		text += "," + strings.TrimRight(decimals, "0")
	}
	return headlineText{text: sign + text + " " + scale.word + " " + DongSign, rounded: rounded}
}

// roundedHundredths returns mag ÷ scale in hundredths, rounded half-up:
// ⌊(mag × 100 + scale/2) ÷ scale⌋ (every scale is even).
func roundedHundredths(mag, scale *big.Int) *big.Int {
	n := new(big.Int).Mul(mag, big.NewInt(100))
	n.Add(n, new(big.Int).Rsh(scale, 1))
	return n.Quo(n, scale)
}

// groupThousands puts "." between groups of three digits of a canonical
// integer ("-1234567" → "-1.234.567").
func groupThousands(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	if len(s) <= 3 {
		return sign + s
	}
	var b strings.Builder
	b.Grow(len(sign) + len(s) + len(s)/3)
	b.WriteString(sign)
	first := len(s) % 3
	if first == 0 {
		first = 3
	}
	b.WriteString(s[:first])
	for i := first; i < len(s); i += 3 {
		b.WriteByte('.')
		b.WriteString(s[i : i+3])
	}
	return b.String()
}
