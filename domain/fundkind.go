package domain

import "errors"

// FundKind is what a fund is for; it decides which money events it allows
// (API.md, "Funds").
type FundKind string

// The five fund kinds.
const (
	FundSocial         FundKind = "social"          // Quỹ Xã hội
	FundShelter        FundKind = "shelter"         // Quỹ Mái ấm Công đoàn
	FundCharity        FundKind = "charity"         // licensed charity fund (Decree 93/2019)
	FundCapitalSupport FundKind = "capital_support" // Quỹ Trợ vốn CNLĐ nghèo, revolving loans
	FundMutualAid      FundKind = "mutual_aid"      // Quỹ tương trợ
)

// FundKinds lists every kind, in the order of API.md.
var FundKinds = []FundKind{FundSocial, FundShelter, FundCharity, FundCapitalSupport, FundMutualAid}

// ErrFundKind is returned for an unknown kind.
var ErrFundKind = errors.New("must be one of social, shelter, charity, capital_support, mutual_aid")

// ParseFundKind validates a fund kind.
func ParseFundKind(s string) (FundKind, error) {
	for _, k := range FundKinds {
		if string(k) == s {
			return k, nil
		}
	}
	return "", ErrFundKind
}

// Allows reports whether a fund of kind k may record events of type t:
// the table of money kinds says (API.md's table of fund kinds).
func (k FundKind) Allows(t EventType) bool { return KindOf(t).Spec().AllowedIn(k) }

func errNotAllowed(k FundKind, what string) error {
	return Errf(CodeNotAllowedForFundKind, "a %s fund does not %s", k, what)
}
