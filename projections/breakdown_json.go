package projections

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// AssistanceFigures holds one Figure per assistance category, in the order
// of domain.AssistanceCategories. In JSON it is an object keyed by
// category, every category present, in that order (a map would sort the
// keys and lose the order reports print them in).
type AssistanceFigures [numAssistance]Figure

// Of returns the figure of category c (zero for an unknown category).
func (a *AssistanceFigures) Of(c domain.AssistanceCategory) Figure {
	for i, name := range domain.AssistanceCategories {
		if name == c {
			return a[i]
		}
	}
	return Figure{}
}

// MarshalJSON writes the object keyed by category.
func (a AssistanceFigures) MarshalJSON() ([]byte, error) { return a.AppendJSON(nil), nil }

// AppendJSON appends what MarshalJSON writes.
func (a *AssistanceFigures) AppendJSON(b []byte) []byte {
	for i, key := range assistanceKeys {
		b = append(b, key...)
		b = a[i].AppendJSON(b)
	}
	return append(b, '}')
}

// assistanceKeys opens each category's member of AssistanceFigures'
// object, the first with the object's brace: written once, as every fund
// summary writes them.
var assistanceKeys = func() []string {
	keys := make([]string, len(domain.AssistanceCategories))
	for i, c := range domain.AssistanceCategories {
		sep := ","
		if i == 0 {
			sep = "{"
		}
		keys[i] = sep + strconv.Quote(string(c)) + ":"
	}
	return keys
}()

// UnmarshalJSON reads the object MarshalJSON writes; a category this
// program does not know is an error, and a missing one stays zero.
func (a *AssistanceFigures) UnmarshalJSON(data []byte) error {
	var m map[domain.AssistanceCategory]Figure
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	*a = AssistanceFigures{}
	for c, fig := range m {
		i := -1
		for j, name := range domain.AssistanceCategories {
			if name == c {
				i = j
			}
		}
		if i < 0 {
			return fmt.Errorf("assistance_grants: unknown category %q", c)
		}
		a[i] = fig
	}
	return nil
}

// AppendJSON appends f as encoding/json writes it.
func (f *Figure) AppendJSON(b []byte) []byte {
	b = append(b, `{"count":`...)
	b = strconv.AppendInt(b, int64(f.Count), 10)
	b = append(b, `,"amount":`...)
	b = f.Amount.AppendJSON(b)
	b = append(b, `,"persons":`...)
	b = strconv.AppendInt(b, int64(f.Persons), 10)
	return append(b, '}')
}

// AppendJSON appends b as encoding/json writes it, for the API's hand
// written encoders of summaries.
func (bd *Breakdown) AppendJSON(b []byte) []byte {
	b = append(b, `{"shelter_grants":{"new_build":`...)
	b = bd.ShelterGrants.NewBuild.AppendJSON(b)
	b = append(b, `,"repair":`...)
	b = bd.ShelterGrants.Repair.AppendJSON(b)
	b = append(b, `},"assistance_grants":`...)
	b = bd.AssistanceGrants.AppendJSON(b)
	b = append(b, `,"loans":`...)
	b = bd.Loans.AppendJSON(b)
	return append(b, '}')
}
