package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/projections"
)

// encodingJSON is what writeJSON wrote for every response before
// appendFundSummary: encoding/json with HTML escaping off, and Encode's
// trailing newline.
func encodingJSON(t testing.TB, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatalf("encoding/json: %v", err)
	}
	return buf.Bytes()
}

// hostileTexts are the pieces the generated names and ids are made of:
// everything encoding/json escapes, or pointedly does not.
var hostileTexts = []string{
	"", "Quỹ Xã hội", `"`, `\`, `\"`, `"\`, "\x00", "\x01", "\b", "\f", "\n", "\r", "\t", "\x1f", "\x7f",
	"\u2028", "\u2029", "\u2027", "\u202a", "<", ">", "&", "<script>&amp;</script>", "'", "/", "\u00a0",
	"\ufeff", "\ufffd", "🏠", "\U0010ffff", "\xff", "\xe2\x80", "\xe2\x80\xa8\xa8", "\xed\xa0\x80", "\xc0\xaf",
	"\xf4\x90\x80\x80", "a", "Công đoàn cơ sở", strings.Repeat("x", 300), "\\u2028", "%s", "{}", "null",
}

// edgeAmounts are amounts at and beyond the edges of int64, and zero.
var edgeAmounts = []string{"0", "1", "-1", "1000000000000000", "9223372036854775807", "9223372036854775808",
	"-9223372036854775808", "-9223372036854775809", "123456789012345678901234567890", "-123456789012345678901234567890"}

func randomText(r *rand.Rand) string {
	var sb strings.Builder
	for range r.IntN(5) {
		sb.WriteString(hostileTexts[r.IntN(len(hostileTexts))])
	}
	return sb.String()
}

func randomAmount(r *rand.Rand) domain.VND {
	switch r.IntN(3) {
	case 0:
		return domain.MustVND(edgeAmounts[r.IntN(len(edgeAmounts))])
	case 1:
		return domain.VNDFromInt64(r.Int64N(10_000_000_000_000))
	default:
		return domain.VNDFromInt64(int64(r.Uint64()))
	}
}

func randomDate(r *rand.Rand) domain.Date {
	dates := []domain.Date{0, domain.MinDate, domain.MaxDate, 20240229, 20231231}
	if r.IntN(2) == 0 {
		return dates[r.IntN(len(dates))]
	}
	d, err := domain.NewDate(1900+r.IntN(8100), time.Month(1+r.IntN(12)), 1+r.IntN(28))
	if err != nil {
		panic(err)
	}
	return d
}

func randomCount(r *rand.Rand) int {
	counts := []int{0, 1, -1, math.MaxInt, math.MinInt, 999}
	if r.IntN(2) == 0 {
		return counts[r.IntN(len(counts))]
	}
	return r.IntN(100_000)
}

func randomSummary(r *rand.Rand) projections.FundSummary {
	var id uuid.UUID
	for i := range id {
		id[i] = byte(r.Uint32())
	}
	kinds := append([]domain.FundKind{""}, domain.FundKinds...)
	s := projections.FundSummary{
		FundID:           id,
		UnitID:           domain.UnitID(randomText(r)),
		Name:             randomText(r),
		Kind:             kinds[r.IntN(len(kinds))],
		OpenedOn:         randomDate(r),
		AsOf:             randomDate(r),
		Position:         domain.Position(r.Uint64() >> r.IntN(64)),
		Balance:          randomAmount(r),
		LoansOutstanding: randomAmount(r),
		Capital:          randomAmount(r),
		Totals: projections.Totals{Donations: randomAmount(r), ShelterGrants: randomAmount(r),
			AssistanceGrants: randomAmount(r), LoansDisbursed: randomAmount(r), Repayments: randomAmount(r)},
		Counts: projections.Counts{Donations: randomCount(r),
			ShelterGrants:    projections.ShelterCounts{NewBuild: randomCount(r), Repair: randomCount(r)},
			AssistanceGrants: randomCount(r), Loans: randomCount(r), Repayments: randomCount(r), Reversals: randomCount(r)},
		Beneficiaries: projections.Beneficiaries{Persons: randomCount(r), Times: randomCount(r)},
	}
	if r.IntN(2) == 0 {
		s.Breakdown = randomBreakdown(r)
	}
	return s
}

// appendFundSummary writes what encoding/json writes, byte for byte, for
// the zero summary, a realistic one, and thousands of generated ones: every
// fund kind, amounts zero, negative and beyond int64, dates zero and at the
// ends of the range, names and ids of quotes, backslashes, control
// characters, U+2028, invalid UTF-8, non-ASCII and <>&. A field added to
// FundSummary fails it too: encoding/json writes the field, the encoder
// does not.
func TestFundSummaryEncoderMatchesEncodingJSON(t *testing.T) {
	sums := []projections.FundSummary{{}, {
		FundID: uuid.MustParse("0190f7a4-1c2b-7d3e-8f40-123456789abc"), UnitID: "HN-CD-01", Name: "Quỹ Xã hội <Hà Nội> & \"Công đoàn\"",
		Kind: domain.FundSocial, OpenedOn: 20240101, AsOf: 20241231, Position: 12345,
		Balance: domain.MustVND("1250000000"), Capital: domain.MustVND("99999999999999999999999"),
		Totals: projections.Totals{Donations: domain.MustVND("1250000000")},
		Counts: projections.Counts{Donations: 12, ShelterGrants: projections.ShelterCounts{NewBuild: 1, Repair: 2}},
	}}
	r := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		sums = append(sums, randomSummary(r))
	}
	matchesEncodingJSON(t, "appendFundSummary", sums, appendFundSummary)
}

// matchesEncodingJSON checks that enc appends, after what b holds, exactly
// what encoding/json writes for each of values.
func matchesEncodingJSON[T any](t *testing.T, name string, values []T, enc func(b []byte, v T) []byte) {
	t.Helper()
	for _, v := range values {
		want := encodingJSON(t, v)
		if got := enc([]byte("x"), v); !bytes.Equal(got[1:], want) || got[0] != 'x' {
			t.Fatalf("%s(x, %+v)\n= %q\nwant x%q", name, v, got, want)
		}
	}
}

// randomUnitSummary is a roll-up of up to eight generated fund lines, its
// list nil now and then, as encoding/json sees them.
func randomUnitSummary(r *rand.Rand) *projections.UnitSummary {
	f := randomSummary(r)
	s := &projections.UnitSummary{
		UnitID: domain.UnitID(randomText(r)), Name: randomText(r), From: randomDate(r), To: randomDate(r),
		Position: f.Position, OpeningBalance: randomAmount(r), ClosingBalance: f.Balance,
		Totals: f.Totals, Counts: f.Counts, Beneficiaries: f.Beneficiaries, Breakdown: f.Breakdown,
	}
	if r.IntN(8) > 0 {
		s.Funds = []projections.FundLine{}
	}
	for range r.IntN(9) {
		g := randomSummary(r)
		s.Funds = append(s.Funds, projections.FundLine{FundID: g.FundID, UnitID: g.UnitID, Name: g.Name, Kind: g.Kind,
			OpeningBalance: randomAmount(r), ClosingBalance: g.Balance, Totals: g.Totals, Counts: g.Counts,
			Beneficiaries: g.Beneficiaries})
	}
	return s
}

// appendUnitSummary writes what encoding/json writes, byte for byte, for
// the zero roll-up, one with no funds, and thousands of generated ones (the
// same hostile names, amounts and dates as the fund summaries'). A field
// added to UnitSummary or FundLine fails it.
func TestUnitSummaryEncoderMatchesEncodingJSON(t *testing.T) {
	sums := []*projections.UnitSummary{{}, {UnitID: "vgcl", Name: "Tổng Liên đoàn", To: 20251231, Funds: []projections.FundLine{}}}
	r := rand.New(rand.NewPCG(3, 4))
	for range 3000 {
		sums = append(sums, randomUnitSummary(r))
	}
	matchesEncodingJSON(t, "appendUnitSummary", sums, appendUnitSummary)
}

// appendJSONString escapes every byte and every rune of the first planes
// (and the last rune) alone, and between other text, as encoding/json does.
func TestJSONStringMatchesEncodingJSON(t *testing.T) {
	var texts []string
	for b := range 256 {
		texts = append(texts, string([]byte{byte(b)}))
	}
	for r := rune(0); r < 0x3000; r++ {
		texts = append(texts, string(r))
	}
	texts = append(texts, string(rune(utf8.MaxRune)), "\U0001f3e0", "\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf")
	for _, s := range texts {
		for _, in := range []string{s, "ab" + s + "cd" + s, s + s + "é"} {
			want := encodingJSON(t, in)
			if got := appendJSONString(nil, in); string(got)+"\n" != string(want) {
				t.Errorf("appendJSONString(%q) = %s, want %s", in, got, want)
			}
		}
	}
}

// writeJSON answers a fund summary with encoding/json's bytes, and still
// withholds beneficiary ids for the official role on the way out, for a
// summary and for any other response.
func TestWriteJSONFundSummary(t *testing.T) {
	sum := randomSummary(rand.New(rand.NewPCG(3, 4)))
	tx := struct {
		FundID        uuid.UUID `json:"fund_id"`
		BeneficiaryID string    `json:"beneficiary_id"`
	}{sum.FundID, "M-SECRET"}
	tests := []struct {
		name string
		role domain.Role
		v    any
		want string
	}{
		{"summary", domain.RoleAdmin, sum, string(encodingJSON(t, sum))},
		{"summary to an official", domain.RoleOfficial, sum, string(encodingJSON(t, sum))},
		{"other response", domain.RoleAdmin, tx, string(encodingJSON(t, tx))},
		// A type without an official view is refused, and nothing is
		// written: it fails closed.
		{"other response to an official", domain.RoleOfficial, tx, ""},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		c := echo.New().NewContext(httptest.NewRequest(http.MethodGet, "/", nil), rec)
		c.Set(principalKey, &principal{role: tt.role})
		err := writeJSON(c, http.StatusOK, jsonContentType, tt.v)
		if tt.want == "" {
			var unknown errNoOfficialView
			if !errors.As(err, &unknown) || rec.Body.Len() != 0 {
				t.Errorf("%s: writeJSON() = %v, body %q; want errNoOfficialView and no body", tt.name, err, rec.Body)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: writeJSON() = %v", tt.name, err)
		}
		if got := rec.Body.String(); got != tt.want {
			t.Errorf("%s: body = %q, want %q", tt.name, got, tt.want)
		}
		if got := rec.Header().Get(echo.HeaderContentType); got != jsonContentType {
			t.Errorf("%s: Content-Type = %q, want %q", tt.name, got, jsonContentType)
		}
	}
}

// FuzzFundSummaryEncoder: for any name, unit id and kind, and any amounts,
// appendFundSummary writes encoding/json's bytes.
func FuzzFundSummaryEncoder(f *testing.F) {
	for i, s := range hostileTexts {
		f.Add(s, hostileTexts[(i+1)%len(hostileTexts)], "social", int64(i), edgeAmounts[i%len(edgeAmounts)], uint64(i), int32(20240229))
	}
	f.Fuzz(func(t *testing.T, name, unit, kind string, n int64, big string, pos uint64, date int32) {
		v := domain.VNDFromInt64(n)
		w, err := domain.ParseVND(big)
		if err != nil {
			w = v.Neg()
		}
		s := projections.FundSummary{
			UnitID: domain.UnitID(unit), Name: name, Kind: domain.FundKind(kind), OpenedOn: domain.Date(date),
			Position: domain.Position(pos), Balance: v, LoansOutstanding: w, Capital: v.Add(w),
			Totals: projections.Totals{Donations: w, Repayments: v.Sub(w)},
			Counts: projections.Counts{Donations: int(n), Reversals: int(date)},
		}
		copy(s.FundID[:], name)
		want := encodingJSON(t, s)
		if got := appendFundSummary(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("appendFundSummary(%+v)\n= %q\nwant %q", s, got, want)
		}
	})
}
