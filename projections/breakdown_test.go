package projections

import (
	"encoding/json"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// The breakdown's arrays have a line per assistance category: a category
// added to the domain must be given its line.
func TestBreakdownHasEveryCategory(t *testing.T) {
	if got, want := numAssistance, len(domain.AssistanceCategories); got != want {
		t.Fatalf("numAssistance = %d, want len(domain.AssistanceCategories) = %d", got, want)
	}
	if got, want := int(numLines), len(domain.ShelterKinds)+len(domain.AssistanceCategories)+1; got != want {
		t.Fatalf("numLines = %d, want %d (shelter kinds, categories, loans)", got, want)
	}
}

// The JSON of a breakdown names every category, in the domain's order, and
// reads back to the same figures.
func TestBreakdownJSON(t *testing.T) {
	var b Breakdown
	for i := range b.AssistanceGrants {
		b.AssistanceGrants[i] = Figure{Count: i + 1, Amount: domain.VNDFromInt64(int64(i) * 1_000_000), Persons: i}
	}
	b.ShelterGrants.Repair = Figure{Count: 3, Amount: domain.MustVND("99999999999999999999"), Persons: 2}
	b.Loans = Figure{Count: 1280, Amount: domain.VNDFromInt64(11_900_000_000), Persons: 1250}
	data, err := json.Marshal(&b)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(b.AppendJSON(nil)); got != string(data) {
		t.Fatalf("AppendJSON = %s\nwant json.Marshal's %s", got, data)
	}
	var generic struct {
		AssistanceGrants map[string]json.RawMessage `json:"assistance_grants"`
	}
	if err := json.Unmarshal(data, &generic); err != nil {
		t.Fatal(err)
	}
	if got, want := len(generic.AssistanceGrants), len(domain.AssistanceCategories); got != want {
		t.Fatalf("assistance_grants has %d categories, want %d: %s", got, want, data)
	}
	var back Breakdown
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	again, _ := json.Marshal(&back)
	if string(again) != string(data) {
		t.Fatalf("round trip = %s\nwant %s", again, data)
	}
	if got := back.AssistanceGrants.Of(domain.AssistTetGift); got.Count != 5 {
		t.Fatalf("Of(tet_gift).Count = %d, want 5", got.Count)
	}
	if err := json.Unmarshal([]byte(`{"assistance_grants":{"lottery":{"count":1,"amount":"1","persons":1}}}`), &back); err == nil {
		t.Fatal("an unknown category was read without error")
	}
}
