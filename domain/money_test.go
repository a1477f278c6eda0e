package domain_test

import (
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// amountErrors are the errors an amount parser may return; anything else is a
// bug (the API maps these, and only these, to validation_failed on amount).
var amountErrors = []error{
	domain.ErrAmountSyntax,
	domain.ErrAmountFraction,
	domain.ErrAmountNotPos,
	domain.ErrAmountTooLarge,
	domain.ErrAmountJSONKind,
}

func isAmountError(err error) bool {
	for _, e := range amountErrors {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

func TestParseAmount(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    string // canonical text when accepted
		wantErr error  // nil when accepted
	}{
		{name: "plain digits", in: "1250000", want: "1250000"},
		{name: "zero fraction is normalised", in: "1250000.00", want: "1250000"},
		{name: "zero padding is normalised", in: strings.Repeat("0", 70) + "5", want: "5"},
		{name: "long zero fraction is normalised", in: "1." + strings.Repeat("0", 300), want: "1"},
		{name: "one zero fraction digit", in: "1250000.0", want: "1250000"},
		{name: "one dong", in: "1", want: "1"},
		{name: "exactly 10^15", in: "1000000000000000", want: "1000000000000000"},
		{name: "10^15 with zero fraction", in: "1000000000000000.000", want: "1000000000000000"},
		{name: "leading zeros are dropped", in: "0001250000", want: "1250000"},
		{name: "at the length limit", in: "1." + strings.Repeat("0", 62), want: "1"},

		{name: "half a dong", in: "1250000.5", wantErr: domain.ErrAmountFraction},
		{name: "tiny fraction", in: "1000000000000000.0001", wantErr: domain.ErrAmountFraction},
		{name: "fraction only", in: "0.5", wantErr: domain.ErrAmountFraction},
		{name: "exponent", in: "1e6", wantErr: domain.ErrAmountSyntax},
		{name: "upper-case exponent", in: "1E6", wantErr: domain.ErrAmountSyntax},
		{name: "negative", in: "-5", wantErr: domain.ErrAmountNotPos},
		{name: "zero", in: "0", wantErr: domain.ErrAmountNotPos},
		{name: "zero with fraction", in: "0.00", wantErr: domain.ErrAmountNotPos},
		{name: "many zeros", in: "0000", wantErr: domain.ErrAmountNotPos},
		{name: "Vietnamese grouping dots", in: "1.250.000", wantErr: domain.ErrAmountSyntax},
		{name: "grouping commas", in: "1,250,000", wantErr: domain.ErrAmountSyntax},
		{name: "grouping spaces", in: "1 250 000", wantErr: domain.ErrAmountSyntax},
		{name: "10^15 + 1", in: "1000000000000001", wantErr: domain.ErrAmountTooLarge},
		{name: "10^16", in: "10000000000000000", wantErr: domain.ErrAmountTooLarge},
		{name: "10^15 + 1 with leading zeros", in: "0001000000000000001", wantErr: domain.ErrAmountTooLarge},
		{name: "empty", in: "", wantErr: domain.ErrAmountSyntax},
		{name: "leading space", in: " 5", wantErr: domain.ErrAmountSyntax},
		{name: "trailing space", in: "5 ", wantErr: domain.ErrAmountSyntax},
		{name: "plus sign", in: "+5", wantErr: domain.ErrAmountSyntax},
		{name: "hexadecimal", in: "0x10", wantErr: domain.ErrAmountSyntax},
		{name: "trailing dot", in: "5.", wantErr: domain.ErrAmountSyntax},
		{name: "leading dot", in: ".5", wantErr: domain.ErrAmountSyntax},
		{name: "dot only", in: ".", wantErr: domain.ErrAmountSyntax},
		{name: "underscore separators", in: "1_000", wantErr: domain.ErrAmountSyntax},
		{name: "NaN", in: "NaN", wantErr: domain.ErrAmountSyntax},
		{name: "Infinity", in: "Infinity", wantErr: domain.ErrAmountSyntax},
		{name: "Arabic-Indic digits", in: "١٢٣", wantErr: domain.ErrAmountSyntax},
		{name: "full-width digits", in: "１２３", wantErr: domain.ErrAmountSyntax},
		{name: "currency suffix", in: "1250000đ", wantErr: domain.ErrAmountSyntax},
		{name: "NUL byte", in: "12\x0034", wantErr: domain.ErrAmountSyntax},
		{name: "zero-padded is judged by value", in: strings.Repeat("0", 300) + "5000000000000000", wantErr: domain.ErrAmountTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := domain.ParseAmount(tt.in)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("ParseAmount(%q) = %v, %v; want error %v", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseAmount(%q) error = %v, want %s", tt.in, err, tt.want)
			}
			if got.String() != tt.want {
				t.Errorf("ParseAmount(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

// TestParseAmountHugeNumber pins only that an absurdly long number is refused
// with an amount error; whether it reads as syntax or too large is the
// parser's choice.
func TestParseAmountHugeNumber(t *testing.T) {
	for _, in := range []string{strings.Repeat("9", 65), "1" + strings.Repeat("0", 100), strings.Repeat("1", 1<<20)} {
		_, err := domain.ParseAmount(in)
		if !errors.Is(err, domain.ErrAmountTooLarge) && !errors.Is(err, domain.ErrAmountSyntax) {
			t.Errorf("ParseAmount(<%d digits>) error = %v, want ErrAmountTooLarge or ErrAmountSyntax", len(in), err)
		}
	}
}

func TestParseAmountJSON(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		want    string
		wantErr error
	}{
		{name: "string", raw: `"1250000"`, want: "1250000"},
		{name: "string with zero fraction", raw: `"1250000.00"`, want: "1250000"},
		{name: "integer", raw: `1250000`, want: "1250000"},
		{name: "integer 10^15", raw: `1000000000000000`, want: "1000000000000000"},
		{name: "string 10^15", raw: `"1000000000000000"`, want: "1000000000000000"},
		{name: "surrounding JSON whitespace", raw: " \n\t1250000 \r\n", want: "1250000"},
		{name: "escaped digits in a string", raw: `"\u0031\u0032"`, want: "12"},

		{name: "float", raw: `12.5`, wantErr: domain.ErrAmountFraction},
		{name: "whole float", raw: `1250000.0`, wantErr: domain.ErrAmountFraction},
		{name: "exponent", raw: `1e6`, wantErr: domain.ErrAmountFraction},
		{name: "upper-case exponent", raw: `1E6`, wantErr: domain.ErrAmountFraction},
		{name: "exponent with sign", raw: `1e+6`, wantErr: domain.ErrAmountFraction},
		{name: "negative integer", raw: `-5`, wantErr: domain.ErrAmountNotPos},
		{name: "negative zero", raw: `-0`, wantErr: domain.ErrAmountNotPos},
		{name: "negative float", raw: `-1.5`, wantErr: domain.ErrAmountSyntax},
		{name: "minus only", raw: `-`, wantErr: domain.ErrAmountSyntax},
		{name: "zero", raw: `0`, wantErr: domain.ErrAmountNotPos},
		{name: "zero string", raw: `"0"`, wantErr: domain.ErrAmountNotPos},
		{name: "integer 10^15+1", raw: `1000000000000001`, wantErr: domain.ErrAmountTooLarge},
		{name: "string 10^15+1", raw: `"1000000000000001"`, wantErr: domain.ErrAmountTooLarge},
		{name: "string half dong", raw: `"1250000.5"`, wantErr: domain.ErrAmountFraction},
		{name: "string exponent", raw: `"1e6"`, wantErr: domain.ErrAmountSyntax},
		{name: "string negative", raw: `"-5"`, wantErr: domain.ErrAmountNotPos},
		{name: "string grouping", raw: `"1.250.000"`, wantErr: domain.ErrAmountSyntax},
		{name: "string with space", raw: `" 5"`, wantErr: domain.ErrAmountSyntax},
		{name: "string plus", raw: `"+5"`, wantErr: domain.ErrAmountSyntax},
		{name: "string hex", raw: `"0x10"`, wantErr: domain.ErrAmountSyntax},
		{name: "empty string", raw: `""`, wantErr: domain.ErrAmountSyntax},
		{name: "unterminated string", raw: `"125`, wantErr: domain.ErrAmountSyntax},
		{name: "two strings", raw: `"1" "2"`, wantErr: domain.ErrAmountSyntax},
		{name: "hex number", raw: `0x10`, wantErr: domain.ErrAmountSyntax},
		{name: "true", raw: `true`, wantErr: domain.ErrAmountJSONKind},
		{name: "false", raw: `false`, wantErr: domain.ErrAmountJSONKind},
		{name: "null", raw: `null`, wantErr: domain.ErrAmountJSONKind},
		{name: "object", raw: `{}`, wantErr: domain.ErrAmountJSONKind},
		{name: "array", raw: `[1250000]`, wantErr: domain.ErrAmountJSONKind},
		{name: "nothing", raw: ``, wantErr: domain.ErrAmountJSONKind},
		{name: "whitespace only", raw: `   `, wantErr: domain.ErrAmountJSONKind},
		{name: "plus number", raw: `+5`, wantErr: domain.ErrAmountJSONKind},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := domain.ParseAmountJSON([]byte(tt.raw))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("ParseAmountJSON(%s) = %v, %v; want error %v", tt.raw, got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseAmountJSON(%s) error = %v, want %s", tt.raw, err, tt.want)
			}
			if got.String() != tt.want {
				t.Errorf("ParseAmountJSON(%s) = %s, want %s", tt.raw, got, tt.want)
			}
		})
	}
}

func TestParseVND(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"0", true},
		{"1", true},
		{"-5", true},
		{"1250000", true},
		{"100000000000000000000000000000", true},
		{"-100000000000000000000000000000", true},
		{"", false},
		{"-", false},
		{"-0", false},
		{"01", false},
		{"00", false},
		{"1.0", false},
		{"1e3", false},
		{"+5", false},
		{" 5", false},
		{"5 ", false},
		{"1.250.000", false},
	}
	for _, tt := range tests {
		got, err := domain.ParseVND(tt.in)
		switch {
		case tt.ok && err != nil:
			t.Errorf("ParseVND(%q) error = %v, want %s", tt.in, err, tt.in)
		case tt.ok && got.String() != tt.in:
			t.Errorf("ParseVND(%q) = %s, want %s", tt.in, got, tt.in)
		case !tt.ok && err == nil:
			t.Errorf("ParseVND(%q) = %s, want an error", tt.in, got)
		}
	}
}

func TestVNDArithmeticBeyondInt64(t *testing.T) {
	max := domain.MaxTransactionAmount
	var sum domain.VND
	for range 10_000 {
		sum = sum.Add(max)
	}
	if got, want := sum.String(), "10000000000000000000"; got != want {
		t.Errorf("Σ 10^4 × 10^15 = %s, want %s", got, want)
	}
	wantBig, _ := new(big.Int).SetString("10000000000000000000", 10)
	if sum.BigInt().Cmp(wantBig) != 0 {
		t.Errorf("BigInt() = %s, want %s", sum.BigInt(), wantBig)
	}
	if sum.BigInt().IsInt64() {
		t.Errorf("BigInt() of %s fits in int64; the test does not exceed int64", sum)
	}

	// Back down to exactly zero, passing through negative sums beyond int64.
	neg := sum.Neg()
	if got, want := neg.String(), "-10000000000000000000"; got != want {
		t.Errorf("Neg() = %s, want %s", got, want)
	}
	if got := sum.Add(neg); !got.IsZero() || got.Sign() != 0 || got.String() != "0" {
		t.Errorf("x + (−x) = %s (IsZero %v, Sign %d), want 0", got, got.IsZero(), got.Sign())
	}
	var back domain.VND
	for range 20_000 {
		back = back.Sub(max)
	}
	if got, want := back.String(), "-20000000000000000000"; got != want {
		t.Errorf("0 − 2·10^4 × 10^15 = %s, want %s", got, want)
	}

	tests := []struct {
		name string
		got  domain.VND
		want string
	}{
		{"MaxInt64 + 1", domain.VNDFromInt64(math.MaxInt64).Add(domain.VNDFromInt64(1)), "9223372036854775808"},
		{"MinInt64 − 1", domain.VNDFromInt64(math.MinInt64).Sub(domain.VNDFromInt64(1)), "-9223372036854775809"},
		{"MaxInt64 + MaxInt64", domain.VNDFromInt64(math.MaxInt64).Add(domain.VNDFromInt64(math.MaxInt64)), "18446744073709551614"},
		{"Neg(MinInt64)", domain.VNDFromInt64(math.MinInt64).Neg(), "9223372036854775808"},
		{"10^15 − 1", max.Sub(domain.VNDFromInt64(1)), "999999999999999"},
		{"zero value", domain.VND{}, "0"},
		{"zero value + 1", domain.VND{}.Add(domain.VNDFromInt64(1)), "1"},
		{"normalised amounts sum exactly", mustAmount(t, "1250000.00").Add(mustAmount(t, "1.000")), "1250001"},
	}
	for _, tt := range tests {
		if tt.got.String() != tt.want {
			t.Errorf("%s = %s, want %s", tt.name, tt.got, tt.want)
		}
	}
}

func mustAmount(t *testing.T, s string) domain.VND {
	t.Helper()
	v, err := domain.ParseAmount(s)
	if err != nil {
		t.Fatalf("ParseAmount(%q) error = %v", s, err)
	}
	return v
}

func TestVNDCompare(t *testing.T) {
	a := domain.MustVND("10000000000000000000")
	b := domain.MustVND("9999999999999999999")
	tests := []struct {
		name      string
		x, y      domain.VND
		cmp       int
		equal     bool
		signOfX   int
		xIsZeroed bool
	}{
		{"bigger beyond int64", a, b, 1, false, 1, false},
		{"smaller beyond int64", b, a, -1, false, 1, false},
		{"equal parsed differently", mustAmount(t, "1250000.00"), domain.VNDFromInt64(1250000), 0, true, 1, false},
		{"negative vs zero", domain.MustVND("-1"), domain.VND{}, -1, false, -1, false},
		{"zero value vs parsed zero", domain.VND{}, domain.MustVND("0"), 0, true, 0, true},
	}
	for _, tt := range tests {
		if got := tt.x.Cmp(tt.y); got != tt.cmp {
			t.Errorf("%s: Cmp(%s, %s) = %d, want %d", tt.name, tt.x, tt.y, got, tt.cmp)
		}
		if got := tt.x.Equal(tt.y); got != tt.equal {
			t.Errorf("%s: Equal(%s, %s) = %v, want %v", tt.name, tt.x, tt.y, got, tt.equal)
		}
		if got := tt.x.Sign(); got != tt.signOfX {
			t.Errorf("%s: Sign(%s) = %d, want %d", tt.name, tt.x, got, tt.signOfX)
		}
		if got := tt.x.IsZero(); got != tt.xIsZeroed {
			t.Errorf("%s: IsZero(%s) = %v, want %v", tt.name, tt.x, got, tt.xIsZeroed)
		}
	}
}

func TestVNDMarshalJSON(t *testing.T) {
	tests := []struct {
		name string
		v    domain.VND
		want string
	}{
		{"amount", domain.VNDFromInt64(1200000000), `"1200000000"`},
		{"zero value", domain.VND{}, `"0"`},
		{"negative", domain.VNDFromInt64(-5), `"-5"`},
		{"beyond int64", domain.MustVND("123456789012345678901234567890"), `"123456789012345678901234567890"`},
		{"normalised input", mustAmount(t, "1250000.000"), `"1250000"`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(tt.v)
		if err != nil {
			t.Fatalf("%s: json.Marshal(%s) error = %v", tt.name, tt.v, err)
		}
		if string(b) != tt.want {
			t.Errorf("%s: json.Marshal(%s) = %s, want %s", tt.name, tt.v, b, tt.want)
		}
		// Inside a struct, too: money is never a JSON number.
		b, err = json.Marshal(struct {
			Amount domain.VND `json:"amount"`
		}{tt.v})
		if err != nil {
			t.Fatalf("%s: json.Marshal(struct) error = %v", tt.name, err)
		}
		if want := `{"amount":` + tt.want + `}`; string(b) != want {
			t.Errorf("%s: json.Marshal(struct) = %s, want %s", tt.name, b, want)
		}
	}
}

func TestVNDUnmarshalJSON(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want string // "" when refused
	}{
		{"canonical", `"1250000"`, "1250000"},
		{"zero", `"0"`, "0"},
		{"negative", `"-5"`, "-5"},
		{"beyond int64", `"10000000000000000000"`, "10000000000000000000"},
		{"leading zero", `"01"`, ""},
		{"zero fraction", `"1.0"`, ""},
		{"negative zero", `"-0"`, ""},
		{"exponent", `"1e3"`, ""},
		{"plus sign", `"+5"`, ""},
		{"space", `" 5"`, ""},
		{"empty", `""`, ""},
		{"grouping", `"1.250.000"`, ""},
		{"JSON number", `1250000`, ""},
		{"JSON float", `12.5`, ""},
		{"null", `null`, ""},
		{"true", `true`, ""},
		{"object", `{}`, ""},
		{"unterminated", `"12`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v domain.VND
			err := v.UnmarshalJSON([]byte(tt.raw))
			if tt.want == "" {
				if err == nil {
					t.Fatalf("UnmarshalJSON(%s) = %s, want an error", tt.raw, v)
				}
				return
			}
			if err != nil {
				t.Fatalf("UnmarshalJSON(%s) error = %v, want %s", tt.raw, err, tt.want)
			}
			if v.String() != tt.want {
				t.Errorf("UnmarshalJSON(%s) = %s, want %s", tt.raw, v, tt.want)
			}
			// Through encoding/json and back.
			var s struct {
				Amount domain.VND `json:"amount"`
			}
			if err := json.Unmarshal([]byte(`{"amount":`+tt.raw+`}`), &s); err != nil {
				t.Fatalf("json.Unmarshal error = %v", err)
			}
			b, _ := json.Marshal(s)
			if want := `{"amount":"` + tt.want + `"}`; string(b) != want {
				t.Errorf("round trip = %s, want %s", b, want)
			}
		})
	}
}

// checkAccepted asserts what every accepted amount must be: whole, > 0,
// ≤ 10^15, canonical, and stable through every text form it travels in.
func checkAccepted(t *testing.T, in string, v domain.VND) {
	t.Helper()
	s := v.String()
	if v.Sign() <= 0 {
		t.Fatalf("accepted %q as %s, which is not > 0", in, s)
	}
	if v.Cmp(domain.MaxTransactionAmount) > 0 {
		t.Fatalf("accepted %q as %s, which is above 10^15", in, s)
	}
	if s == "" || s[0] == '0' || strings.Trim(s, "0123456789") != "" {
		t.Fatalf("accepted %q as %q, which is not whole canonical digits", in, s)
	}
	if bi := v.BigInt(); bi.String() != s {
		t.Fatalf("accepted %q: BigInt() = %s, String() = %s", in, bi, s)
	}
	again, err := domain.ParseAmount(s)
	if err != nil || !again.Equal(v) {
		t.Fatalf("ParseAmount(String()=%q) = %s, %v; want %s", s, again, err, s)
	}
	stored, err := domain.ParseVND(s)
	if err != nil || !stored.Equal(v) {
		t.Fatalf("ParseVND(%q) = %s, %v; want %s", s, stored, err, s)
	}
	j, _ := v.MarshalJSON()
	fromJSON, err := domain.ParseAmountJSON(j)
	if err != nil || !fromJSON.Equal(v) {
		t.Fatalf("ParseAmountJSON(%s) = %s, %v; want %s", j, fromJSON, err, s)
	}
	var u domain.VND
	if err := u.UnmarshalJSON(j); err != nil || !u.Equal(v) {
		t.Fatalf("UnmarshalJSON(%s) = %s, %v; want %s", j, u, err, s)
	}
}

func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"1250000", "1250000.00", "1000000000000000", "1000000000000001", "0", "-5",
		"1e6", "1.250.000", " 5", "+5", "0x10", "", ".", "0.0", "007", "1.", "١٢٣"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := domain.ParseAmount(s)
		if err != nil {
			if !isAmountError(err) {
				t.Fatalf("ParseAmount(%q) error = %v, not one of the amount errors", s, err)
			}
			if !v.IsZero() {
				t.Fatalf("ParseAmount(%q) returned %s with error %v", s, v, err)
			}
		} else {
			checkAccepted(t, s, v)
		}
		// The same text sent as a JSON string must be judged the same way.
		if !utf8.ValidString(s) {
			return
		}
		quoted, _ := json.Marshal(s)
		jv, jerr := domain.ParseAmountJSON(quoted)
		if (err == nil) != (jerr == nil) || (err == nil && !jv.Equal(v)) {
			t.Fatalf("ParseAmount(%q) = %s, %v but ParseAmountJSON(%s) = %s, %v", s, v, err, quoted, jv, jerr)
		}
	})
}

func FuzzParseAmountJSON(f *testing.F) {
	for _, s := range []string{`"1250000"`, `"1250000.00"`, `1250000`, `1000000000000000`, `1000000000000001`,
		`12.5`, `1e6`, `-5`, `0`, `true`, `null`, `{}`, `[]`, `"\u0031"`, `"1" "2"`, ` 7 `, `-`, `"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		v, err := domain.ParseAmountJSON(raw)
		if err != nil {
			if !isAmountError(err) {
				t.Fatalf("ParseAmountJSON(%q) error = %v, not one of the amount errors", raw, err)
			}
			return
		}
		checkAccepted(t, string(raw), v)
	})
}

func TestVNDInt64(t *testing.T) {
	for _, tc := range []struct {
		v      domain.VND
		want   int64
		wantOK bool
	}{
		{domain.VNDFromInt64(0), 0, true},
		{domain.MustVND("-5"), -5, true},
		{domain.MustVND("9223372036854775807"), math.MaxInt64, true},
		{domain.MustVND("9223372036854775807").Add(domain.VNDFromInt64(1)), 0, false},
		{domain.MustVND("-9223372036854775809"), 0, false},
	} {
		got, ok := tc.v.Int64()
		if got != tc.want || ok != tc.wantOK {
			t.Errorf("%s.Int64() = %d, %v, want %d, %v", tc.v, got, ok, tc.want, tc.wantOK)
		}
	}
}
