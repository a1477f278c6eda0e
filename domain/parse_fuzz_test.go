package domain_test

import (
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// FuzzParseDate: an accepted date is a real date within MinDate..MaxDate
// and has one spelling, the one it was parsed from.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2024-06-30", "2024-02-29", "2023-02-29", "1900-01-01", "9999-12-31", "0000-01-01",
		"2024-6-30", "2024-06-30T00:00:00Z", "+024-06-30", "2024-0a-30", "２０２４-06-30", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := domain.ParseDate(s)
		if err != nil {
			if d != 0 {
				t.Fatalf("ParseDate(%q) = %d with error %v", s, d, err)
			}
			return
		}
		if d < domain.MinDate || d > domain.MaxDate || d.String() != s {
			t.Fatalf("ParseDate(%q) = %d (%s), want a date within bounds that prints as its input", s, d, d)
		}
	})
}

// FuzzParseIDs: the id parsers accept only their documented alphabets and
// lengths, and an accepted id is its input unchanged.
func FuzzParseIDs(f *testing.F) {
	for _, s := range []string{"lang-son", "vgcl", "-x", "M001", "M-001.a_b", ".M", "0190a0b4-7c3e-7d2f-9b1a-2f4e5d6c7b8a",
		"{0190a0b4-7c3e-7d2f-9b1a-2f4e5d6c7b8a}", "00000000-0000-0000-0000-000000000000", "a\x00", "Lạng"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if u, err := domain.ParseUnitID(s); err == nil {
			if string(u) != s || len(s) > 64 {
				t.Fatalf("ParseUnitID(%q) = %q", s, u)
			}
			for i := 0; i < len(s); i++ {
				if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' && i > 0) {
					t.Fatalf("ParseUnitID(%q) accepted byte %q", s, c)
				}
			}
		}
		if b, err := domain.ParseBeneficiaryID(s); err == nil {
			if string(b) != s || len(s) > 64 || s[0] == '.' || s[0] == '_' || s[0] == '-' {
				t.Fatalf("ParseBeneficiaryID(%q) = %q", s, b)
			}
			for i := 0; i < len(s); i++ {
				c := s[i]
				if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
					t.Fatalf("ParseBeneficiaryID(%q) accepted byte %q", s, c)
				}
			}
		}
		if u, err := domain.ParseUUID(s); err == nil {
			if len(s) != 36 || u.String() != lower(s) {
				t.Fatalf("ParseUUID(%q) = %s", s, u)
			}
		}
	})
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
