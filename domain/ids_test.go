package domain_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

func TestParseUnitID(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"vgcl", true},
		{"lang-son", true},
		{"lang-son-cao-loc", true},
		{"a", true},
		{"0", true},
		{"9-", true},
		{"a--b", true},
		{strings.Repeat("a", 64), true},

		{"", false},
		{strings.Repeat("a", 65), false},
		{"-lang-son", false},
		{"Lang-son", false},
		{"LANG", false},
		{"lang_son", false},
		{"lang.son", false},
		{"lang son", false},
		{"lạng-sơn", false},
		{"lang/son", false},
		{"lang-son\n", false},
		{"..", false},
	}
	for _, tt := range tests {
		got, err := domain.ParseUnitID(tt.in)
		if tt.ok {
			if err != nil || string(got) != tt.in {
				t.Errorf("ParseUnitID(%q) = %q, %v; want %q", tt.in, got, err, tt.in)
			}
			continue
		}
		if !errors.Is(err, domain.ErrUnitIDSyntax) {
			t.Errorf("ParseUnitID(%q) = %q, %v; want ErrUnitIDSyntax", tt.in, got, err)
		}
	}
}

func TestParseBeneficiaryID(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"LS-00123", true},
		{"m.nguyen_van_a", true},
		{"a", true},
		{"7", true},
		{"A.b_c-D", true},
		{"x" + strings.Repeat(".", 63), true},
		{strings.Repeat("Z", 64), true},

		{"", false},
		{strings.Repeat("Z", 65), false},
		{"-abc", false},
		{".abc", false},
		{"_abc", false},
		{"has space", false},
		{"Nguyễn", false},
		{"a/b", false},
		{"a@b", false},
		{"a\tb", false},
		{"abc\x00", false},
	}
	for _, tt := range tests {
		got, err := domain.ParseBeneficiaryID(tt.in)
		if tt.ok {
			if err != nil || string(got) != tt.in {
				t.Errorf("ParseBeneficiaryID(%q) = %q, %v; want %q", tt.in, got, err, tt.in)
			}
			continue
		}
		if !errors.Is(err, domain.ErrBeneficiaryIDSyntax) {
			t.Errorf("ParseBeneficiaryID(%q) = %q, %v; want ErrBeneficiaryIDSyntax", tt.in, got, err)
		}
		if errors.Is(err, domain.ErrBeneficiaryIDCitizenNumber) {
			t.Errorf("ParseBeneficiaryID(%q) = %v; want a syntax error, not the citizen-number one", tt.in, err)
		}
	}
}

// TestParseBeneficiaryIDRefusesCitizenNumbers: an id of only digits with
// the length of an identity card (9) or a citizen ID (12) is refused with
// its own reason; every other length, and the same lengths with anything
// but digits, stay member codes.
func TestParseBeneficiaryIDRefusesCitizenNumbers(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		refuse bool
	}{
		{"8 digits", "12345678", false},
		{"9 digits: identity card", "123456789", true},
		{"10 digits", "1234567890", false},
		{"11 digits", "12345678901", false},
		{"12 digits: citizen ID", "001234567890", true},
		{"13 digits", "0012345678901", false},
		{"9 digits, all zeros", "000000000", true},
		{"12 digits, leading zeros", "000000000001", true},
		{"9 digits, leading zero", "012345678", true},
		{"8 digits, leading zeros", "00000001", false},
		{"9 characters, a letter first", "A12345678", false},
		{"9 characters, a letter last", "12345678X", false},
		{"12 characters, a letter inside", "00123456x890", false},
		{"12 characters, a dot inside", "001234.67890", false},
		{"12 characters, a dash inside", "001-34567890", false},
		{"9 characters, an underscore inside", "1234_6789", false},
		{"a 12-digit number inside a longer code", "LS-001234567890", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := domain.ParseBeneficiaryID(tt.in)
			if !tt.refuse {
				if err != nil || string(got) != tt.in {
					t.Errorf("ParseBeneficiaryID(%q) = %q, %v; want %q", tt.in, got, err, tt.in)
				}
				return
			}
			if !errors.Is(err, domain.ErrBeneficiaryIDCitizenNumber) {
				t.Errorf("ParseBeneficiaryID(%q) = %q, %v; want ErrBeneficiaryIDCitizenNumber", tt.in, got, err)
			}
			if !errors.Is(err, domain.ErrBeneficiaryIDSyntax) {
				t.Errorf("ParseBeneficiaryID(%q) = %v; want it to wrap ErrBeneficiaryIDSyntax", tt.in, err)
			}
		})
	}
}

func TestParseUUID(t *testing.T) {
	const canon = "0190a0b4-7c3e-7d2f-9b1a-2f4e5d6c7b8a"
	tests := []struct {
		name string
		in   string
		want string // canonical form when accepted
	}{
		{"canonical v7", canon, canon},
		{"canonical v4", "6ba7b810-9dad-41d1-80b4-00c04fd430c8", "6ba7b810-9dad-41d1-80b4-00c04fd430c8"},
		{"canonical v1", "6ba7b810-9dad-11d1-80b4-00c04fd430c8", "6ba7b810-9dad-11d1-80b4-00c04fd430c8"},
		{"max UUID", "ffffffff-ffff-ffff-ffff-ffffffffffff", "ffffffff-ffff-ffff-ffff-ffffffffffff"},
		// RFC 9562 §4: UUID text is case-insensitive on input; it is echoed
		// in lower case.
		{"upper case reads as the same id", strings.ToUpper(canon), canon},

		{"nil UUID", "00000000-0000-0000-0000-000000000000", ""},
		{"braces", "{" + canon + "}", ""},
		{"urn", "urn:uuid:" + canon, ""},
		{"bare hex", strings.ReplaceAll(canon, "-", ""), ""},
		{"misplaced hyphen", "0190a0b47-c3e-7d2f-9b1a-2f4e5d6c7b8a", ""},
		{"underscores", strings.ReplaceAll(canon, "-", "_"), ""},
		{"non-hex digit", "0190a0b4-7c3e-7d2f-9b1a-2f4e5d6c7b8g", ""},
		{"too short", canon[:35], ""},
		{"too long", canon + "0", ""},
		{"space padded", " " + canon[1:], ""},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		got, err := domain.ParseUUID(tt.in)
		if tt.want == "" {
			if !errors.Is(err, domain.ErrUUIDSyntax) {
				t.Errorf("%s: ParseUUID(%q) = %v, %v; want ErrUUIDSyntax", tt.name, tt.in, got, err)
			}
			if got != uuid.Nil {
				t.Errorf("%s: ParseUUID(%q) returned %v with its error, want the nil UUID", tt.name, tt.in, got)
			}
			continue
		}
		if err != nil || got.String() != tt.want {
			t.Errorf("%s: ParseUUID(%q) = %v, %v; want %s", tt.name, tt.in, got, err, tt.want)
		}
	}
}

func TestNewIDIsTimeOrderedVersion7(t *testing.T) {
	const n = 2000
	prev := uuid.Nil
	seen := make(map[uuid.UUID]bool, n)
	for i := range n {
		id := domain.NewID()
		if id.Version() != 7 {
			t.Fatalf("NewID() = %v, version %d; want version 7", id, id.Version())
		}
		if id.Variant() != uuid.RFC4122 {
			t.Fatalf("NewID() = %v, variant %v; want RFC 4122", id, id.Variant())
		}
		if seen[id] {
			t.Fatalf("NewID() returned %v twice", id)
		}
		seen[id] = true
		if i > 0 && bytes.Compare(prev[:], id[:]) >= 0 {
			t.Fatalf("NewID() = %v after %v; want strictly increasing ids", id, prev)
		}
		prev = id
		// Every server-made id must be accepted where clients send ids.
		if got, err := domain.ParseUUID(id.String()); err != nil || got != id {
			t.Fatalf("ParseUUID(NewID() = %v) = %v, %v", id, got, err)
		}
	}
}

func TestStreamNames(t *testing.T) {
	id := uuid.MustParse("0190a0b4-7c3e-7d2f-9b1a-2f4e5d6c7b8a")
	if got, want := domain.FundStream(id), "fund-0190a0b4-7c3e-7d2f-9b1a-2f4e5d6c7b8a"; got != want {
		t.Errorf("FundStream(%v) = %q, want %q", id, got, want)
	}
	if got, want := domain.UnitStream("lang-son"), "unit-lang-son"; got != want {
		t.Errorf("UnitStream(lang-son) = %q, want %q", got, want)
	}
}
