package domain

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Vietnamese digits as they are read.
var digitWords = [10]string{"không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"}

// Scales below tỷ of the groups of three digits, from the units up. Above
// tỷ the reading starts again: 10^12 is "một nghìn tỷ", 10^18 "một tỷ tỷ".
var groupScales = [3]string{"", "nghìn", "triệu"}

// tyDigits is the number of digits below tỷ (10^9).
const tyDigits = 9

// VNDInWords writes v in words as a voucher (phiếu thu, phiếu chi) and the
// cash book write it beside the figure, so that the two can be checked
// against each other (DOMAIN.md): 1.027.000.000 → "Một tỷ không trăm hai
// mươi bảy triệu đồng chẵn". The rules, the written northern usage of
// official documents:
//
//   - groups of three digits, read with "nghìn" (10^3), "triệu" (10^6) and
//     "tỷ" (10^9); above a tỷ the count of tỷ is read the same way, so
//     10^12 is "một nghìn tỷ" and 10^18 "một tỷ tỷ";
//   - a group of zeros is skipped with its scale (1.000.000.000 is "một
//     tỷ"), but any other group after the first is read with all three
//     digits: a zero hundreds is "không trăm" (1.027.000.000: "… tỷ không
//     trăm hai mươi bảy triệu") and a zero tens before a unit is "linh"
//     (1.000.005: "một triệu không trăm linh năm"; 105: "một trăm linh
//     năm");
//   - after "mươi" (twenty and up) 1 is "mốt" and 4 is "tư" (hai mươi mốt,
//     hai mươi tư); after "mười" or "mươi" 5 is "lăm" (mười lăm, hai mươi
//     lăm); 10 is "mười", 14 "mười bốn";
//   - the first letter is a capital, and the words end with "đồng chẵn":
//     VND has no smaller unit, and "chẵn" closes the amount so that nothing
//     can be added after it. Zero is "Không đồng"; a negative amount, which
//     no voucher carries but a balance might, starts with "Âm".
//
// Every amount a VND holds is read, beyond int64 included.
func VNDInWords(v VND) string {
	digits := v.String()
	if digits == "0" {
		return "Không đồng"
	}
	var words []string
	if rest, neg := strings.CutPrefix(digits, "-"); neg {
		words = append(words, "âm")
		digits = rest
	}
	words = readNumber(words, digits)
	words = append(words, "đồng", "chẵn")
	return capitalize(strings.Join(words, " "))
}

// readNumber appends the words of a positive canonical integer (no leading
// zeros) to words.
func readNumber(words []string, digits string) []string {
	if len(digits) > tyDigits {
		high, low := digits[:len(digits)-tyDigits], digits[len(digits)-tyDigits:]
		words = readNumber(words, high)
		words = append(words, "tỷ")
		return readGroups(words, low, true)
	}
	return readGroups(words, digits, false)
}

// readGroups appends the words of at most nine digits (below a tỷ), group
// by group. full says the digits follow a higher part of the number, so
// that even their first group is read with all three digits.
func readGroups(words []string, digits string, full bool) []string {
	// Left-pad to whole groups: "1027" is "001" "027".
	if pad := (3 - len(digits)%3) % 3; pad > 0 {
		digits = strings.Repeat("0", pad) + digits
	}
	groups := len(digits) / 3
	for g := 0; g < groups; g++ {
		group := digits[3*g : 3*g+3]
		if group == "000" {
			continue
		}
		words = readGroup(words, group, full)
		if scale := groupScales[groups-1-g]; scale != "" {
			words = append(words, scale)
		}
		full = true
	}
	return words
}

// readGroup appends the words of three digits, not all zero. Unless full,
// a zero hundreds and a zero tens before the units are left unsaid, as in
// the first group of a number ("năm", "mười lăm").
func readGroup(words []string, group string, full bool) []string {
	h, t, u := int(group[0]-'0'), int(group[1]-'0'), int(group[2]-'0')
	if h > 0 || full {
		words = append(words, digitWords[h], "trăm")
		full = true
	}
	switch {
	case t == 0 && u == 0:
	case t == 0 && full:
		words = append(words, "linh", digitWords[u])
	case t == 0:
		words = append(words, digitWords[u])
	case t == 1:
		words = append(words, "mười")
		if u > 0 {
			words = append(words, unitAfterTens(u, false))
		}
	default:
		words = append(words, digitWords[t], "mươi")
		if u > 0 {
			words = append(words, unitAfterTens(u, true))
		}
	}
	return words
}

// unitAfterTens is the word of a unit digit after "mười" (ten) or, when
// twenty is true, after "mươi" (twenty and up).
func unitAfterTens(u int, twenty bool) string {
	switch {
	case u == 5:
		return "lăm"
	case u == 1 && twenty:
		return "mốt"
	case u == 4 && twenty:
		return "tư"
	}
	return digitWords[u]
}

func capitalize(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[size:]
}
