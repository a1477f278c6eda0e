package api_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// TestMoneyRoutesFromKinds checks the API's side of the table of money
// kinds (docs/adding-an-event-type.md, step 7) through the real server:
// every kind's route is served, refuses a member its body may not hold,
// holds every member the table's body lists, and asks for exactly the
// ones the table requires.
func TestMoneyRoutesFromKinds(t *testing.T) {
	e := newEnv(t)
	fund, loan := domain.NewID().String(), domain.NewID().String()
	for _, spec := range domain.MoneyKinds() {
		path := strings.NewReplacer("{fund_id}", fund, "{loan_id}", loan).Replace(spec.Route)
		t.Run(string(spec.Type), func(t *testing.T) {
			p := mustProblem(t, e.post(path, `{"not_a_member":1}`), 400, "invalid_json")
			if !strings.Contains(p.Detail, "not_a_member") {
				t.Errorf("POST %s with an unknown member: detail %q does not name it", spec.Route, p.Detail)
			}

			// Every member of the table's body, as null (which a body
			// may send for a member it leaves out): none is unknown,
			// and the required ones are reported missing.
			members := map[string]any{}
			for _, name := range spec.BodyFields() {
				members[name] = nil
			}
			body, err := json.Marshal(members)
			if err != nil {
				t.Fatal(err)
			}
			p = mustProblem(t, e.post(path, string(body)), 422, "validation_failed")
			var want []string
			for _, f := range spec.Fields {
				name, _, _ := strings.Cut(f.Name, ".")
				if f.Body == domain.Required && !slices.Contains(want, name) {
					want = append(want, name)
				}
			}
			slices.Sort(want)
			if got := p.fields(); !slices.Equal(got, want) {
				t.Errorf("POST %s %s: fields %v, want the table's required %v", spec.Route, body, got, want)
			}

			// An object member refuses what the table does not list in it.
			for _, name := range spec.BodyFields() {
				if nested := spec.NestedBodyFields(name); nested != nil {
					b := `{"` + name + `":{"not_a_member":1}}`
					p := mustProblem(t, e.post(path, b), 400, "invalid_json")
					if !strings.Contains(p.Detail, name+".not_a_member") {
						t.Errorf("POST %s %s: detail %q does not name %s.not_a_member", spec.Route, b, p.Detail, name)
					}
				}
			}
		})
	}
}

// TestMoneyWritesCarryEveryMember records one write of every kind with
// every member of the table's body set, and checks that each reaches the
// recorded event: a member the table lists but a handler forgets would
// be accepted and silently dropped.
func TestMoneyWritesCarryEveryMember(t *testing.T) {
	e := newEnv(t)
	e.units()
	for _, spec := range domain.MoneyKinds() {
		t.Run(string(spec.Type), func(t *testing.T) {
			fundKind := domain.FundSocial
			if spec.FundKinds != nil {
				fundKind = spec.FundKinds[0]
			}
			fund := domain.NewID().String()
			e.openFund(fund, "lang-son", string(fundKind))
			e.donate(fund, "1000000000", "2024-02-01")
			target := e.donate(fund, "1000", "2024-02-01")
			loan := domain.NewID().String()
			if spec.Loan == domain.LoanRepays {
				loan = e.tx("/v1/funds/"+fund+"/loans", `{"beneficiary_id":"LS-7","amount":"5000","occurred_on":"2024-02-02"}`).LoanID
			}
			path := strings.NewReplacer("{fund_id}", fund, "{loan_id}", loan).Replace(spec.Route)

			members := map[string]any{}
			set := func(name string, v any) {
				obj, member, nested := strings.Cut(name, ".")
				if !nested {
					members[name] = v
					return
				}
				inner, _ := members[obj].(map[string]any)
				if inner == nil {
					inner = map[string]any{}
					members[obj] = inner
				}
				inner[member] = v
			}
			want := map[string]any{}
			for _, f := range spec.Fields {
				if f.Body == domain.Absent {
					continue
				}
				v := memberSample(f, target.TransactionID)
				set(f.Name, v)
				if f.Payload != domain.Absent {
					want[f.Name] = v
				}
			}
			body, err := json.Marshal(members)
			if err != nil {
				t.Fatal(err)
			}
			res := e.tx(path, string(body))
			r := e.get(fmt.Sprintf("/v1/events?after=%d&limit=1", res.Position-1))
			mustStatus(t, r, 200)
			var page struct {
				Items []struct {
					OccurredOn string         `json:"occurred_on"`
					Data       map[string]any `json:"data"`
				} `json:"items"`
			}
			decodeInto(t, r, &page)
			if len(page.Items) != 1 {
				t.Fatalf("GET /v1/events after %d: %d items", res.Position-1, len(page.Items))
			}
			got := page.Items[0]
			if got.OccurredOn != members["occurred_on"] {
				t.Errorf("POST %s %s: occurred_on %q, want %q", spec.Route, body, got.OccurredOn, members["occurred_on"])
			}
			for name, v := range want {
				obj, member, nested := strings.Cut(name, ".")
				value := got.Data[name]
				if nested {
					inner, _ := got.Data[obj].(map[string]any)
					value = inner[member]
				}
				if value != v {
					t.Errorf("POST %s %s: the event's %s is %v, want %v", spec.Route, body, name, value, v)
				}
			}
		})
	}
}

// memberSample is a valid value of a body member, distinct per member
// where the rule lets it be.
func memberSample(f domain.Field, reverses string) string {
	switch f.Rule {
	case domain.RuleID:
		if f.Name == "reverses" {
			return reverses
		}
		return domain.NewID().String()
	case domain.RuleAmount:
		return "1000"
	case domain.RuleDate:
		if f.Name == "occurred_on" {
			return "2024-06-01"
		}
		return "2025-06-01"
	case domain.RuleBeneficiary:
		return "LS-00042"
	case domain.RuleDonorKind:
		return string(domain.DonorKinds[1])
	case domain.RuleShelterKind:
		return string(domain.ShelterKinds[1])
	case domain.RuleAssistance:
		return string(domain.AssistanceCategories[1])
	}
	return "giá trị " + f.Name
}
