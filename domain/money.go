package domain

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// VND is an amount of Vietnamese đồng. VND has no minor unit in use (ISO 4217
// exponent 0), so a VND is always a whole number of đồng. It is an exact
// decimal: sums never overflow and never round. The zero value is 0 đồng.
//
// VND is the only type in the project that touches the decimal library; it is
// built only from strings and integers, never from floats.
type VND struct {
	// n is the amount whenever it fits in an int64 (every amount a fund
	// really holds: 9.2 × 10^18 đồng), so that sums cost an addition and
	// no allocation. big holds it exactly otherwise, and is nil whenever
	// the amount fits, which keeps one representation per amount.
	n   int64
	big *decimal.Decimal
}

// MaxTransactionAmount is the largest amount one transaction may carry:
// 10^15 đồng, far above any welfare payment, low enough to catch typos that
// add digits.
var MaxTransactionAmount = VND{n: 1_000_000_000_000_000}

// vndOf returns d as a VND, in the int64 form when it fits.
func vndOf(d decimal.Decimal) VND {
	if b := d.BigInt(); b.IsInt64() {
		return VND{n: b.Int64()}
	}
	return VND{big: &d}
}

// dec returns v as a decimal.
func (v VND) dec() decimal.Decimal {
	if v.big != nil {
		return *v.big
	}
	return decimal.NewFromInt(v.n)
}

// Errors of amount parsing; the API reports them as validation_failed on the
// amount field.
var (
	ErrAmountSyntax    = errors.New("must be a whole number of đồng written with digits only, e.g. \"1250000\"")
	ErrAmountFraction  = errors.New("must be a whole number of đồng (VND has no minor unit)")
	ErrAmountNotPos    = errors.New("must be greater than 0")
	ErrAmountTooLarge  = errors.New("must be at most 1000000000000000 (10^15) đồng per transaction")
	ErrAmountJSONKind  = errors.New("must be a JSON string or integer")
	errVNDNotCanonical = errors.New("stored amount is not in canonical form")
)

// VNDFromInt64 returns n đồng.
func VNDFromInt64(n int64) VND { return VND{n: n} }

// ParseVND parses the text of a stored or canonical amount: an optional '-'
// and decimal digits, nothing else. It is for trusted round trips (events,
// cursors); client input goes through ParseAmount.
func ParseVND(s string) (VND, error) {
	if !isCanonicalInt(s) {
		return VND{}, fmt.Errorf("parse VND %q: %w", s, errVNDNotCanonical)
	}
	if v, ok := smallVND(s); ok {
		return v, nil
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return VND{}, fmt.Errorf("parse VND %q: %w", s, err)
	}
	return vndOf(d), nil
}

// MustVND is ParseVND for constants in tests and examples; it panics on a
// malformed literal, which is a bug in the caller's source.
func MustVND(s string) VND {
	v, err := ParseVND(s)
	if err != nil {
		panic(err)
	}
	return v
}

// ParseAmount parses a transaction amount sent by a client, as text: decimal
// digits with an optional all-zero fraction ("1250000" or "1250000.00"). It
// refuses signs, exponents, grouping separators, fractions of a đồng, zero
// and amounts above MaxTransactionAmount.
func ParseAmount(s string) (VND, error) {
	if len(s) > 1 && s[0] == '-' && allDigits(s[1:]) {
		return VND{}, ErrAmountNotPos
	}
	// Every step below is one linear scan, and no arithmetic happens
	// before the value is known to have at most 16 digits, so a long
	// input (bounded by the request body limit) costs nothing but a scan.
	intPart, frac, hasDot := strings.Cut(s, ".")
	if !allDigits(intPart) || (hasDot && !allDigits(frac)) {
		return VND{}, ErrAmountSyntax
	}
	if strings.Trim(frac, "0") != "" {
		return VND{}, ErrAmountFraction
	}
	intPart = strings.TrimLeft(intPart, "0")
	if intPart == "" {
		return VND{}, ErrAmountNotPos
	}
	if len(intPart) > 16 {
		return VND{}, ErrAmountTooLarge
	}
	v, _ := smallVND(intPart) // at most 16 digits: always fits
	if v.Cmp(MaxTransactionAmount) > 0 {
		return VND{}, ErrAmountTooLarge
	}
	return v, nil
}

// ParseAmountJSON parses an amount as it appears in a JSON request: a JSON
// string (see ParseAmount) or a JSON integer. A JSON number with a fraction
// or an exponent (12.5, 1e6) is refused even when its value is whole, because
// it is a float on the client's side.
func ParseAmountJSON(raw []byte) (VND, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return VND{}, ErrAmountJSONKind
	}
	switch c := raw[0]; {
	case c == '"':
		var s string
		if err := jsonUnmarshalString(raw, &s); err != nil {
			return VND{}, ErrAmountSyntax
		}
		return ParseAmount(s)
	case c == '-':
		if len(raw) > 1 && allDigits(string(raw[1:])) {
			return VND{}, ErrAmountNotPos
		}
		return VND{}, ErrAmountSyntax
	case c >= '0' && c <= '9':
		if !allDigits(string(raw)) {
			if bytes.ContainsAny(raw, ".eE") {
				return VND{}, ErrAmountFraction
			}
			return VND{}, ErrAmountSyntax
		}
		return ParseAmount(string(raw))
	default:
		return VND{}, ErrAmountJSONKind
	}
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isCanonicalInt reports whether s is "0" or an optionally negative integer
// without leading zeros.
func isCanonicalInt(s string) bool {
	if s == "0" {
		return true
	}
	s = strings.TrimPrefix(s, "-")
	return allDigits(s) && s[0] != '0'
}

// smallVNDDigits is the most digits of an amount smallVND reads: every
// 18-digit number fits in an int64.
const smallVNDDigits = 18

// smallVND parses a canonical integer (see isCanonicalInt) of at most
// smallVNDDigits digits without the decimal library.
func smallVND[S string | []byte](s S) (VND, bool) {
	neg := len(s) > 0 && s[0] == '-'
	digits := s
	if neg {
		digits = s[1:]
	}
	if len(digits) == 0 || len(digits) > smallVNDDigits {
		return VND{}, false
	}
	var n int64
	for i := 0; i < len(digits); i++ {
		n = n*10 + int64(digits[i]-'0')
	}
	if neg {
		n = -n
	}
	return VND{n: n}, true
}

// Add returns v + w.
func (v VND) Add(w VND) VND {
	if v.big == nil && w.big == nil {
		if r, ok := addInt64(v.n, w.n); ok {
			return VND{n: r}
		}
	}
	return vndOf(v.dec().Add(w.dec()))
}

// addInt64 returns a + b and whether it fits in an int64 (VND's and
// Amounts' one test of overflow): it overflows when both operands share a
// sign the sum lacks.
func addInt64(a, b int64) (int64, bool) {
	r := a + b
	return r, (a >= 0) != (b >= 0) || (r >= 0) == (a >= 0)
}

// subInt64 returns a − b and whether it fits in an int64: it overflows
// when the operands' signs differ and the result's sign differs from a's.
func subInt64(a, b int64) (int64, bool) {
	r := a - b
	return r, (a >= 0) == (b >= 0) || (r >= 0) == (a >= 0)
}

// Sub returns v − w.
func (v VND) Sub(w VND) VND {
	if v.big == nil && w.big == nil {
		if r, ok := subInt64(v.n, w.n); ok {
			return VND{n: r}
		}
	}
	return vndOf(v.dec().Sub(w.dec()))
}

// Int64 returns v as an int64 and true when it fits in one.
func (v VND) Int64() (int64, bool) {
	if v.big != nil {
		return 0, false
	}
	return v.n, true
}

// Neg returns −v.
func (v VND) Neg() VND {
	if v.big == nil && v.n != math.MinInt64 {
		return VND{n: -v.n}
	}
	return vndOf(v.dec().Neg())
}

// Cmp returns -1, 0 or +1 as v is less than, equal to or greater than w.
func (v VND) Cmp(w VND) int {
	if v.big == nil && w.big == nil {
		return cmp.Compare(v.n, w.n)
	}
	return v.dec().Cmp(w.dec())
}

// Equal reports whether v and w are the same amount.
func (v VND) Equal(w VND) bool { return v.Cmp(w) == 0 }

// Sign returns -1, 0 or +1 as v is negative, zero or positive.
func (v VND) Sign() int {
	if v.big == nil {
		return cmp.Compare(v.n, 0)
	}
	return v.big.Sign()
}

// IsZero reports whether v is 0 đồng.
func (v VND) IsZero() bool { return v.big == nil && v.n == 0 }

// BigInt returns v as a big.Int (for formatting and tests).
func (v VND) BigInt() *big.Int {
	if v.big == nil {
		return big.NewInt(v.n)
	}
	return v.big.BigInt()
}

// String returns the canonical text: decimal digits with an optional leading
// '-', no grouping, no fraction ("1200000000").
func (v VND) String() string {
	if v.big == nil {
		return strconv.FormatInt(v.n, 10)
	}
	return v.big.StringFixed(0)
}

// MarshalJSON writes v as a JSON string, so that no client reads money as a
// float.
func (v VND) MarshalJSON() ([]byte, error) {
	return v.AppendJSON(make([]byte, 0, 22)), nil
}

// AppendJSON appends to b what MarshalJSON writes: the canonical text (see
// String) in quotes. It is for encoders of hot responses, which append a
// dozen amounts to one buffer: an amount that fits in an int64 costs no
// allocation.
func (v VND) AppendJSON(b []byte) []byte {
	b = append(b, '"')
	if v.big == nil {
		b = strconv.AppendInt(b, v.n, 10)
	} else {
		b = append(b, v.String()...)
	}
	return append(b, '"')
}

// UnmarshalJSON reads a stored amount (a JSON string in canonical form). It
// is used for events and responses, not for client input (see
// ParseAmountJSON).
func (v *VND) UnmarshalJSON(b []byte) error {
	var s string
	if err := jsonUnmarshalString(b, &s); err != nil {
		return fmt.Errorf("VND: %w", err)
	}
	p, err := ParseVND(s)
	if err != nil {
		return err
	}
	*v = p
	return nil
}

// parseVNDBytes is ParseVND of bytes, reporting only success.
func parseVNDBytes(b []byte) (VND, bool) {
	if isCanonicalInt(string(b)) {
		if v, ok := smallVND(b); ok {
			return v, true
		}
	}
	v, err := ParseVND(string(b))
	return v, err == nil
}
