package api_test

import (
	"encoding/json"
	"strings"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// The money writes' rows of the access tests (the authorization matrix
// and the officials' walk), one per kind of the table of money kinds: a
// write of any kind is the fund managers', in their scope, and an
// official may send none. So a new kind's route is checked like the
// others without a row written by hand.

// moneyBody returns a JSON body of a write of spec's kind: each member
// the table's body holds (the optional ones too when all is set), by its
// rule — free text and beneficiary ids as text, an id that names an
// earlier transaction as names; the transaction's own id is left out,
// for the API to make.
func moneyBody(spec *domain.KindSpec, all bool, text, names string) string {
	members := map[string]any{}
	for i, f := range spec.Fields {
		if f.Body == domain.Absent || i == 0 || (f.Body == domain.Optional && !all) {
			continue
		}
		var v string
		switch f.Rule {
		case domain.RuleName, domain.RuleRef, domain.RuleNote, domain.RuleBeneficiary:
			v = text
		case domain.RuleID:
			v = names
		case domain.RuleDate:
			continue // today
		default:
			v = memberSample(f, names)
		}
		obj, member, nested := strings.Cut(f.Name, ".")
		if !nested {
			members[f.Name] = v
			continue
		}
		inner, _ := members[obj].(map[string]any)
		if inner == nil {
			inner = map[string]any{}
			members[obj] = inner
		}
		inner[member] = v
	}
	b, err := json.Marshal(members)
	if err != nil {
		panic(err) // strings and maps of strings always marshal
	}
	return string(b)
}

// namesEarlier reports whether spec's body names an earlier transaction
// (a reversal's "reverses").
func namesEarlier(spec *domain.KindSpec) bool {
	for i, f := range spec.Fields {
		if i > 0 && f.Rule == domain.RuleID && f.Body == domain.Required {
			return true
		}
	}
	return false
}

// moneyPath returns spec's route in a fund of the kinds it allows: the
// social fund when it allows social ones, else the capital support fund,
// whose loan the route names if it names one.
func moneyPath(spec *domain.KindSpec, social, capital, loan string) string {
	fund := social
	if !spec.AllowedIn(domain.FundSocial) {
		fund = capital
	}
	return strings.NewReplacer("{fund_id}", fund, "{loan_id}", loan).Replace(spec.Route)
}

// moneyMatrixRows returns the authorization matrix's row of every money
// kind: writeRole, 201 in scope, 403 out of it. A write that names an
// earlier transaction names a donation recorded for it.
func moneyMatrixRows() []mxRow {
	var rows []mxRow
	for _, spec := range domain.MoneyKinds() {
		request := func(social, capital, loan string) mxRequest {
			return func(e *env) (string, string) {
				path := moneyPath(&spec, social, capital, loan)
				names := ""
				if namesEarlier(&spec) {
					fund := social
					if !spec.AllowedIn(domain.FundSocial) {
						fund = capital
					}
					names = e.donate(fund, "1000", today).TransactionID
				}
				return path, moneyBody(&spec, false, "M1", names)
			}
		}
		rows = append(rows, mxRow{"POST", spec.Route, writeRole, 201, 403,
			request(mxSocialIn, mxCapitalIn, mxLoanIn), request(mxSocialOut, mxCapitalOut, mxLoanOut)})
	}
	return rows
}

// withMoneyWrites adds to the officials' walk the write of every money
// kind, every member of its body set and its text the withheld marker:
// refused with 403, the answer must not echo it.
func withMoneyWrites(walk map[string]owRoute) map[string]owRoute {
	for _, spec := range domain.MoneyKinds() {
		walk["POST "+spec.Route] = owRoute{403, []owRequest{{moneyPath(&spec, owSocial, owCapital, owLoan),
			moneyBody(&spec, true, hiddenMark, owLoan)}}}
	}
	return walk
}
