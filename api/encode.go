package api

import (
	"encoding/hex"
	"strconv"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/projections"
)

// appendFundSummary appends s exactly as writeJSON's encoding/json encoder
// writes it (HTML escaping off, trailing newline): the same members in the
// same order, the same escaping. A fund summary is the most read response
// (GET /v1/funds/{id}); through encoding/json, reflection and the
// re-validation of each amount's MarshalJSON cost more than the rest of the
// request. TestFundSummaryEncoderMatchesEncodingJSON and
// FuzzFundSummaryEncoder hold it to encoding/json's output.
func appendFundSummary(b []byte, s projections.FundSummary) []byte {
	b = appendFundIdentity(b, s.FundID, s.UnitID, s.Name, s.Kind)
	b = append(b, `,"opened_on":`...)
	b = s.OpenedOn.AppendJSON(b)
	b = append(b, `,"as_of":`...)
	b = s.AsOf.AppendJSON(b)
	b = append(b, `,"position":`...)
	b = strconv.AppendUint(b, uint64(s.Position), 10)
	b = append(b, `,"balance":`...)
	b = s.Balance.AppendJSON(b)
	b = append(b, `,"loans_outstanding":`...)
	b = s.LoansOutstanding.AppendJSON(b)
	b = append(b, `,"capital":`...)
	b = s.Capital.AppendJSON(b)
	b = appendFigures(b, &s.Totals, &s.Counts, s.Beneficiaries)
	b = appendBreakdown(b, s.Breakdown)
	return append(b, "}\n"...)
}

// appendFundIdentity opens a fund's object with the members that name it.
func appendFundIdentity(b []byte, id uuid.UUID, unit domain.UnitID, name string, kind domain.FundKind) []byte {
	b = append(b, `{"fund_id":`...)
	b = appendJSONUUID(b, id)
	b = append(b, `,"unit_id":`...)
	b = appendJSONString(b, string(unit))
	b = append(b, `,"name":`...)
	b = appendJSONString(b, name)
	b = append(b, `,"kind":`...)
	return appendJSONString(b, string(kind))
}

// appendFigures appends the totals, counts and beneficiaries members that
// close a fund summary, a fund line and a unit's roll-up.
func appendFigures(b []byte, t *projections.Totals, c *projections.Counts, n projections.Beneficiaries) []byte {
	b = append(b, `,"totals":`...)
	b = appendTotals(b, *t)
	b = append(b, `,"counts":`...)
	b = appendCounts(b, *c)
	b = append(b, `,"beneficiaries":`...)
	return appendBeneficiaries(b, n)
}

// appendUnitSummary appends s as appendFundSummary appends a fund summary:
// byte for byte what encoding/json writes. A roll-up of a province or of the
// whole confederation lists hundreds of fund lines, seven amounts each,
// which encoding/json took a millisecond and thousands of allocations to
// write. TestUnitSummaryEncoderMatchesEncodingJSON holds it to
// encoding/json's output.
func appendUnitSummary(b []byte, s *projections.UnitSummary) []byte {
	b = append(b, `{"unit_id":`...)
	b = appendJSONString(b, string(s.UnitID))
	b = append(b, `,"name":`...)
	b = appendJSONString(b, s.Name)
	b = append(b, `,"from":`...)
	b = s.From.AppendJSON(b)
	b = append(b, `,"to":`...)
	b = s.To.AppendJSON(b)
	b = append(b, `,"position":`...)
	b = strconv.AppendUint(b, uint64(s.Position), 10)
	b = append(b, `,"opening_balance":`...)
	b = s.OpeningBalance.AppendJSON(b)
	b = append(b, `,"closing_balance":`...)
	b = s.ClosingBalance.AppendJSON(b)
	b = appendFigures(b, &s.Totals, &s.Counts, s.Beneficiaries)
	b = appendBreakdown(b, s.Breakdown)
	b = append(b, `,"funds":`...)
	if s.Funds == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range s.Funds {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendFundLine(b, &s.Funds[i])
		}
		b = append(b, ']')
	}
	return append(b, "}\n"...)
}

func appendFundLine(b []byte, l *projections.FundLine) []byte {
	b = appendFundIdentity(b, l.FundID, l.UnitID, l.Name, l.Kind)
	b = append(b, `,"opening_balance":`...)
	b = l.OpeningBalance.AppendJSON(b)
	b = append(b, `,"closing_balance":`...)
	b = l.ClosingBalance.AppendJSON(b)
	b = appendFigures(b, &l.Totals, &l.Counts, l.Beneficiaries)
	return append(b, '}')
}

func appendTotals(b []byte, t projections.Totals) []byte {
	b = append(b, `{"donations":`...)
	b = t.Donations.AppendJSON(b)
	b = append(b, `,"shelter_grants":`...)
	b = t.ShelterGrants.AppendJSON(b)
	b = append(b, `,"assistance_grants":`...)
	b = t.AssistanceGrants.AppendJSON(b)
	b = append(b, `,"loans_disbursed":`...)
	b = t.LoansDisbursed.AppendJSON(b)
	b = append(b, `,"repayments":`...)
	b = t.Repayments.AppendJSON(b)
	return append(b, '}')
}

func appendCounts(b []byte, c projections.Counts) []byte {
	b = append(b, `{"donations":`...)
	b = strconv.AppendInt(b, int64(c.Donations), 10)
	b = append(b, `,"shelter_grants":{"new_build":`...)
	b = strconv.AppendInt(b, int64(c.ShelterGrants.NewBuild), 10)
	b = append(b, `,"repair":`...)
	b = strconv.AppendInt(b, int64(c.ShelterGrants.Repair), 10)
	b = append(b, `},"assistance_grants":`...)
	b = strconv.AppendInt(b, int64(c.AssistanceGrants), 10)
	b = append(b, `,"loans":`...)
	b = strconv.AppendInt(b, int64(c.Loans), 10)
	b = append(b, `,"repayments":`...)
	b = strconv.AppendInt(b, int64(c.Repayments), 10)
	b = append(b, `,"reversals":`...)
	b = strconv.AppendInt(b, int64(c.Reversals), 10)
	return append(b, '}')
}

func appendBeneficiaries(b []byte, n projections.Beneficiaries) []byte {
	b = append(b, `{"persons":`...)
	b = strconv.AppendInt(b, int64(n.Persons), 10)
	b = append(b, `,"times":`...)
	b = strconv.AppendInt(b, int64(n.Times), 10)
	return append(b, '}')
}

// appendJSONUUID appends id as encoding/json writes a uuid.UUID (its
// MarshalText, "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", quoted), without
// the string MarshalText allocates.
func appendJSONUUID(b []byte, id uuid.UUID) []byte {
	b = append(b, '"')
	b = hex.AppendEncode(b, id[0:4])
	b = append(b, '-')
	b = hex.AppendEncode(b, id[4:6])
	b = append(b, '-')
	b = hex.AppendEncode(b, id[6:8])
	b = append(b, '-')
	b = hex.AppendEncode(b, id[8:10])
	b = append(b, '-')
	b = hex.AppendEncode(b, id[10:16])
	return append(b, '"')
}

// jsonHex are the digits of encoding/json's \u00XX escapes (lower case).
const jsonHex = "0123456789abcdef"

// appendJSONString appends s as a JSON string exactly as encoding/json
// writes it with SetEscapeHTML(false): '"' and '\\' escaped with a
// backslash; \b, \f, \n, \r and \t by name; the other control characters
// below U+0020 as \u00XX; invalid UTF-8 replaced by \ufffd, one per bad
// byte; U+2028 and U+2029 escaped as \u2028 and \u2029 (for JSONP's sake);
// everything else, '<', '>', '&' and U+007F included, as it is.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', jsonHex[c>>4], jsonHex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', jsonHex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
