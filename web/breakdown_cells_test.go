package web_test

import (
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// breakdownCells returns the cells of a page's breakdown table (by id) as
// the API's breakdown in sum says they must read: every line, its times,
// persons and amount written the Vietnamese way.
func breakdownCells(t *testing.T, sum map[string]any) map[string]string {
	t.Helper()
	lines := map[string][]string{"new_build": {"shelter_grants", "new_build"}, "repair": {"shelter_grants", "repair"}, "loans": {"loans"}}
	for _, c := range domain.AssistanceCategories {
		lines[string(c)] = []string{"assistance_grants", string(c)}
	}
	cells := map[string]string{}
	for key, at := range lines {
		fig, ok := field(sum, append([]string{"breakdown"}, at...)...).(map[string]any)
		if !ok {
			t.Fatalf("the API's summary has no breakdown line %v", at)
		}
		cells["bd-"+key+"-times"] = count(t, fig["count"])
		cells["bd-"+key+"-persons"] = count(t, fig["persons"])
		cells["bd-"+key+"-amount"] = vnd(t, fig["amount"])
	}
	return cells
}
