package domain

import (
	"errors"
	"fmt"

	"github.com/google/uuid"
)

// Errors of identifier validation, reported as validation_failed.
var (
	ErrUnitIDSyntax        = errors.New("must be a slug of lowercase letters, digits and '-', starting with a letter or digit, at most 64 characters")
	ErrBeneficiaryIDSyntax = errors.New("must be a member code of letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64 characters (never a citizen ID number)")
	// ErrBeneficiaryIDCitizenNumber is the refusal of an id shaped like a
	// Vietnamese identity number. It wraps ErrBeneficiaryIDSyntax: it is a
	// beneficiary id the syntax does not admit.
	ErrBeneficiaryIDCitizenNumber = fmt.Errorf("must not be a citizen ID number: an id of only digits with %d or %d characters has the length of an identity card or citizen ID number; use the union's member code: %w",
		identityCardDigits, citizenIDDigits, ErrBeneficiaryIDSyntax)
	ErrUUIDSyntax = errors.New("must be a UUID such as 0190a0b4-7c3e-7d2f-9b1a-2f4e5d6c7b8a")
)

// UnitID identifies an organisation unit of the union hierarchy: a slug
// [a-z0-9][a-z0-9-]{0,63}.
type UnitID string

// ParseUnitID validates a unit id.
func ParseUnitID(s string) (UnitID, error) {
	if len(s) == 0 || len(s) > 64 {
		return "", ErrUnitIDSyntax
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || (c == '-' && i > 0)
		if !ok {
			return "", ErrUnitIDSyntax
		}
	}
	return UnitID(s), nil
}

// BeneficiaryID is the opaque member code a union gives a person:
// [A-Za-z0-9][A-Za-z0-9._-]{0,63}. It is personal data (Decree 13/2023):
// officials never see it.
type BeneficiaryID string

// The lengths of Vietnamese identity numbers, which a beneficiary id must
// never be (API.md, "IDs"): the old identity card (chứng minh nhân dân) has
// 9 digits, the citizen identity card (căn cước công dân, and the personal
// identification number it carries) 12. A union that keys its members by
// them would publish a national identifier in every grant it records.
const (
	identityCardDigits = 9
	citizenIDDigits    = 12
)

// ParseBeneficiaryID validates a beneficiary id.
//
// Errors: ErrBeneficiaryIDCitizenNumber for an id of only digits with 9 or
// 12 characters, ErrBeneficiaryIDSyntax (which the first wraps) for any
// other id outside the syntax.
func ParseBeneficiaryID(s string) (BeneficiaryID, error) {
	if len(s) == 0 || len(s) > 64 {
		return "", ErrBeneficiaryIDSyntax
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			(i > 0 && (c == '.' || c == '_' || c == '-'))
		if !ok {
			return "", ErrBeneficiaryIDSyntax
		}
	}
	if looksLikeCitizenNumber(s) {
		return "", ErrBeneficiaryIDCitizenNumber
	}
	return BeneficiaryID(s), nil
}

// looksLikeCitizenNumber reports whether s is made only of digits and has
// the length of an identity card or citizen ID number. Leading zeros count:
// identity numbers begin with a province code such as 001.
func looksLikeCitizenNumber(s string) bool {
	if len(s) != identityCardDigits && len(s) != citizenIDDigits {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ParseUUID parses a UUID in its canonical 36-character form (any version).
// uuid.Parse alone also takes braces, "urn:uuid:" and 32 bare hex digits;
// ids are echoed back and used as event ids, so one spelling is enforced.
func ParseUUID(s string) (uuid.UUID, error) {
	if len(s) != 36 {
		return uuid.Nil, ErrUUIDSyntax
	}
	u, err := uuid.Parse(s)
	if err != nil || u == uuid.Nil {
		return uuid.Nil, ErrUUIDSyntax
	}
	return u, nil
}

// NewID returns a fresh UUIDv7: time-ordered, so that server-made ids keep
// the store's unique index append-friendly.
func NewID() uuid.UUID { return uuid.Must(uuid.NewV7()) }
