package domain

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// TestMoneyKindsConsistent fails when a money event type is in the table
// of money kinds and missing from one of the places a new type needs, or
// when a place disagrees with the table. The places are the steps of
// docs/adding-an-event-type.md (the subtest of each in brackets):
//
//  1. domain/kinds.go: the row itself [table].
//  2. domain/kind_<name>.go: the payload and its methods [payload], its
//     money facts [facts], the command, its Validate and fromValues by
//     the row [command]; Decide's step is TestDecideEveryKind's.
//  3. domain/kinds_golden_test.go: the pinned payload hash and the golden
//     event [golden], whose file domain/testdata/<Type>.v1.json the
//     fast decoder reads [codec]; the checkpoint's code of the type,
//     appended to projections/testdata/money_type_codes.golden by a
//     flag [projections] (the projections' TestMoneyTypeCodesArePinned
//     and TestPropertyRandomHistories hold the rest).
//  4. and 5. README.md's event catalogue, docs/api.md's money routes
//     and the seal script's signs [docs].
//  6. api/openapi.yaml's path, request schema and type enums [openapi]; the
//     API serves the route from the table (the api package's
//     TestMoneyRoutesFromKinds and TestMoneyWritesCarryEveryMember).
//
// Everything else — EffectOf, Allows, the decoder's payloads and keys,
// the checks of stored events, the routes and the reading of their
// requests, the type filter, the labels, the random histories, the
// access tests' rows — is derived from the table.
func TestMoneyKindsConsistent(t *testing.T) {
	t.Run("table", func(t *testing.T) {
		types, commands, routes := map[EventType]bool{}, map[string]bool{}, map[string]bool{}
		cats, codes := map[Category]MoneyKind{}, map[uint8]MoneyKind{}
		for i, spec := range moneyKinds {
			if spec.Kind != MoneyKind(i) {
				t.Errorf("row %d has Kind %d", i, spec.Kind)
			}
			if i == int(KindNone) {
				continue
			}
			if spec.Type == "" || types[spec.Type] {
				t.Errorf("row %d: type %q is empty or repeated", i, spec.Type)
			}
			if KindOf(spec.Type) != spec.Kind {
				t.Errorf("KindOf(%s) = %d, want %d", spec.Type, KindOf(spec.Type), spec.Kind)
			}
			if spec.Command() == "" || commands[spec.Command()] {
				t.Errorf("%s: command %q is empty or repeated", spec.Type, spec.Command())
			}
			if !strings.HasPrefix(spec.Route, "/v1/funds/{fund_id}/") || routes[spec.Route] {
				t.Errorf("%s: route %q is not a fund's, or repeated", spec.Type, spec.Route)
			}
			types[spec.Type], commands[spec.Command()], routes[spec.Route] = true, true, true
			if (spec.Category == CatNone) != (spec.Direction == Opposite) {
				t.Errorf("%s: category %d with direction %d: only a reversal has no category of its own", spec.Type, spec.Category, spec.Direction)
			}
			if other, taken := cats[spec.Category]; taken && spec.Category != CatNone {
				// Kinds may share a category's figures (totals, counts,
				// its breakdown line) only if they count in them alike.
				o := other.Spec()
				if o.Direction != spec.Direction || o.Loan != spec.Loan || o.Counting != spec.Counting {
					t.Errorf("%s and %s share category %d but move money, loans or counts differently", other, spec.Type, spec.Category)
				}
			} else {
				cats[spec.Category] = spec.Kind
			}
			if other, taken := codes[spec.Code]; taken {
				t.Errorf("%s and %s share the code %d", other, spec.Type, spec.Code)
			}
			codes[spec.Code] = spec.Kind
			if (spec.FundKinds == nil) != (spec.Refusal == "") {
				t.Errorf("%s: a kind restricted to some fund kinds says why the others refuse it, and only then", spec.Type)
			}
			for _, fk := range spec.FundKinds {
				if !slices.Contains(FundKinds, fk) {
					t.Errorf("%s: fund kind %q is not one of FundKinds", spec.Type, fk)
				}
			}
			if len(spec.Fields) > maxValues {
				t.Errorf("%s has %d fields, more than Values holds (%d)", spec.Type, len(spec.Fields), maxValues)
			}
			if id := spec.Fields[0]; id.Rule != RuleID || id.Payload != Required || id.Path {
				t.Errorf("%s: the first field, %s, is not the transaction's id", spec.Type, id.Name)
			}
			if spec.Label.Vi == "" || spec.Label.En == "" {
				t.Errorf("%s: label %+v, want both languages", spec.Type, spec.Label)
			}
			enums := 0
			for _, f := range spec.Fields {
				if f.Payload != Absent && f.Body != Absent && (f.Rule == RuleDonorKind || f.Rule == RuleShelterKind || f.Rule == RuleAssistance) {
					enums++
				}
			}
			if enums > 1 {
				t.Errorf("%s carries %d closed-list values: a transaction of the projections keeps one by its code", spec.Type, enums)
			}
			if spec.Counting&CountsBeneficiary != 0 && !spec.Has("beneficiary_id") {
				t.Errorf("%s counts beneficiaries but carries no beneficiary_id", spec.Type)
			}
			if (spec.Loan != LoanNone) != spec.Has("loan_id") && spec.Direction != Opposite {
				t.Errorf("%s: loan effect %d, carries loan_id: %v", spec.Type, spec.Loan, spec.Has("loan_id"))
			}
		}
		for c := CatDonations; c < numCategories; c++ {
			if _, ok := cats[c]; !ok {
				t.Errorf("category %d has no money kind", c)
			}
		}
	})

	t.Run("payload", func(t *testing.T) {
		for _, spec := range MoneyKinds() {
			p := spec.NewPayload()
			if p == nil || p.EventType() != spec.Type {
				t.Errorf("%s: NewPayload() = %T", spec.Type, p)
				continue
			}
			m, ok := p.(MoneyEvent)
			if !ok {
				t.Errorf("%s: %T does not implement MoneyEvent", spec.Type, p)
				continue
			}
			if got := m.Money().Kind; got != spec.Kind {
				t.Errorf("%T.Money().Kind = %d, want %d", p, got, spec.Kind)
			}
			got := jsonFields(reflect.TypeOf(p).Elem(), "")
			var want []string
			for _, f := range spec.Fields {
				if f.Payload != Absent {
					want = append(want, f.Name+presenceMark(f.Payload))
				}
			}
			if !sameSet(got, want) {
				t.Errorf("%s: payload %T has fields %v, the table says %v", spec.Type, p, got, want)
			}
		}
	})

	t.Run("command", func(t *testing.T) {
		for _, spec := range MoneyKinds() {
			checkCommandAgainstTable(t, &spec)
		}
	})

	t.Run("facts", func(t *testing.T) {
		// Every field a golden event carries reads the same through its
		// money facts, which is all the projections see of it.
		for _, g := range goldenKinds {
			facts := g.event.Money()
			b, err := json.Marshal(g.event)
			if err != nil {
				t.Fatal(err)
			}
			var members map[string]any
			if err := json.Unmarshal(b, &members); err != nil {
				t.Fatal(err)
			}
			for _, f := range g.kind.Spec().Fields {
				if f.Payload == Absent {
					continue
				}
				read, ok := factOf[f.Name]
				if !ok {
					t.Errorf("%s: MoneyFacts has no member for the field %s: the projections cannot keep it", g.kind, f.Name)
					continue
				}
				want, ok := members[f.Name]
				if obj, member, nested := strings.Cut(f.Name, "."); nested {
					inner, _ := members[obj].(map[string]any)
					want, ok = inner[member]
				}
				if !ok {
					continue // left out when empty
				}
				gotJSON, _ := json.Marshal(read(&facts))
				wantJSON, _ := json.Marshal(want)
				if string(gotJSON) != string(wantJSON) {
					t.Errorf("%s.Money(): %s = %s, the payload's is %s", g.kind, f.Name, gotJSON, wantJSON)
				}
			}
		}
	})

	t.Run("golden", func(t *testing.T) {
		rows := map[MoneyKind]bool{}
		for _, g := range goldenKinds {
			if rows[g.kind] {
				t.Errorf("goldenKinds has two rows of %s", g.kind)
			}
			rows[g.kind] = true
			if g.event == nil || g.event.Money().Kind != g.kind || g.eventID == uuid.Nil || g.payloadHash == "" {
				t.Errorf("goldenKinds' row of %s has no golden event of its kind", g.kind)
			}
			named := false
			for _, c := range g.commands {
				if c.command.Kind() != g.kind || len(c.hash) != 64 || !strings.HasPrefix(c.name, g.kind.Spec().Command()) {
					t.Errorf("goldenKinds' row of %s holds %s (%T, hash %q), not a pinned command of the kind", g.kind, c.name, c.command, c.hash)
				}
				named = named || c.name == g.kind.Spec().Command()
			}
			if !named {
				t.Errorf("goldenKinds' row of %s pins no hash of a %s", g.kind, g.kind.Spec().Command())
			}
		}
		for _, spec := range MoneyKinds() {
			if !rows[spec.Kind] {
				t.Errorf("kinds_golden_test.go's goldenKinds has no row of %s: its pinned payload hash and its golden event", spec.Type)
			}
		}
	})

	t.Run("codec", func(t *testing.T) {
		for _, spec := range MoneyKinds() {
			p, err := newPayload(spec.Type, CurrentSchema)
			if err != nil || reflect.TypeOf(p) != reflect.TypeOf(spec.NewPayload()) {
				t.Errorf("newPayload(%s) = %T, %v", spec.Type, p, err)
			}
			path := filepath.Join("testdata", string(spec.Type)+".v1.json")
			b, err := os.ReadFile(path)
			if err != nil {
				t.Errorf("%s: no golden file: %v", spec.Type, err)
				continue
			}
			var g struct {
				Type     string          `json:"type"`
				Data     json.RawMessage `json:"data"`
				Metadata json.RawMessage `json:"metadata"`
			}
			if err := json.Unmarshal(b, &g); err != nil || g.Type != string(spec.Type) {
				t.Errorf("%s: golden file of type %q: %v", path, g.Type, err)
				continue
			}
			d, ok := decodePayloadFast(spec.Type, g.Data)
			if !ok {
				t.Errorf("%s: the fast decoder does not read the golden payload (a case in decodePayloadFast)", spec.Type)
				continue
			}
			if m, ok := d.(MoneyEvent); !ok || m.Money().Kind != spec.Kind {
				t.Errorf("%s: the fast decoder gives %T", spec.Type, d)
			}
			for _, f := range spec.Fields {
				if f.Payload == Required && !strings.Contains(string(g.Data), `"`+lastPart(f.Name)+`":`) {
					t.Errorf("%s: the golden file leaves out %s, which the payload requires", path, f.Name)
				}
			}
		}
	})

	t.Run("docs", func(t *testing.T) {
		readme := readRepoFile(t, "README.md")
		apiDoc := readRepoFile(t, "docs/api.md")
		checklist := readRepoFile(t, "docs/adding-an-event-type.md")
		for _, spec := range MoneyKinds() {
			row := lineWith(readme, "| `"+string(spec.Type)+"` | `fund-…` |")
			if row == "" {
				t.Errorf("README.md's event catalogue has no row for %s", spec.Type)
			}
			for _, f := range spec.Fields {
				if f.Payload == Absent || strings.Contains(f.Name, ".") {
					continue
				}
				mark := "`" + f.Name + "`"
				if f.Payload == Optional {
					mark = "`" + f.Name + "?`"
				}
				if row != "" && !strings.Contains(row, mark) && !strings.Contains(row, "`"+f.Name+"{") {
					t.Errorf("README.md's row of %s lacks %s", spec.Type, mark)
				}
			}
			if lineWith(apiDoc, "| `POST "+spec.Route+"` |") == "" {
				t.Errorf("docs/api.md's money events have no row for POST %s", spec.Route)
			}
		}
		// The seal's script in docs/api.md (which api's periods test
		// runs as written) signs every money type by its direction.
		var sign map[string]int
		line, _ := strings.CutPrefix(lineWith(apiDoc, "sign = "), "sign = ")
		if err := json.Unmarshal([]byte(line), &sign); err != nil {
			t.Errorf("docs/api.md's seal script: sign = %s: %v", line, err)
		}
		want := map[string]int{}
		for _, spec := range MoneyKinds() {
			if spec.Direction != Opposite {
				want[string(spec.Type)] = int(spec.Direction)
			}
		}
		if !maps.Equal(sign, want) {
			t.Errorf("docs/api.md's seal script signs %v, the table %v", sign, want)
		}
		for _, place := range []string{"domain/kinds.go", "domain/kind_<name>.go", "domain/kinds_golden_test.go",
			"domain/testdata/<Type>.v1.json", "projections/testdata/money_type_codes.golden",
			"README.md", "docs/api.md", "api/openapi.yaml", "sign = {"} {
			if !strings.Contains(checklist, place) {
				t.Errorf("docs/adding-an-event-type.md does not name %s", place)
			}
		}
	})

	t.Run("openapi", func(t *testing.T) {
		spec := readRepoFile(t, "api/openapi.yaml")
		for _, name := range []string{"TransactionType", "EventType"} {
			enum := openAPIEnum(t, spec, name)
			for _, k := range MoneyKinds() {
				if !slices.Contains(enum, string(k.Type)) {
					t.Errorf("openapi.yaml's %s enum lacks %s", name, k.Type)
				}
			}
		}
		for _, k := range MoneyKinds() {
			schema := openAPIRequestSchema(spec, k.Route)
			if schema == "" {
				t.Errorf("openapi.yaml has no POST %s with a request schema", k.Route)
				continue
			}
			props, required := openAPIObject(spec, schema)
			var wantProps, wantRequired []string
			for _, name := range k.BodyFields() {
				wantProps = append(wantProps, name)
			}
			for _, f := range k.Fields {
				if f.Body == Required && !strings.Contains(f.Name, ".") {
					wantRequired = append(wantRequired, f.Name)
				}
				if f.Body == Required && strings.Contains(f.Name, ".") && !slices.Contains(wantRequired, f.Name[:indexDot(f.Name)]) {
					// An object with a required member is required.
					wantRequired = append(wantRequired, f.Name[:indexDot(f.Name)])
				}
			}
			if !sameSet(props, wantProps) {
				t.Errorf("openapi.yaml's %s has properties %v, the table's body %v", schema, props, wantProps)
			}
			if !sameSet(required, wantRequired) {
				t.Errorf("openapi.yaml's %s requires %v, the table %v", schema, required, wantRequired)
			}
		}
	})

	t.Run("projections", func(t *testing.T) {
		// The projections' own tests hold the rest: the golden file of
		// the codes (TestMoneyTypeCodesArePinned) and the random
		// histories (TestPropertyRandomHistories, which records every
		// kind of the table); here only that the code is pinned, so that
		// this test names every place.
		golden := readRepoFile(t, "projections/testdata/money_type_codes.golden")
		for _, spec := range MoneyKinds() {
			if lineWith(golden, fmt.Sprintf("%d %s\n", spec.Code, spec.Type)) == "" {
				t.Errorf("projections/testdata/money_type_codes.golden does not pin code %d of %s: go test ./projections -run TestMoneyTypeCodesArePinned -update-codes", spec.Code, spec.Type)
			}
		}
	})
}

// factOf reads the money fact of each field name of the table.
var factOf = map[string]func(*MoneyFacts) any{
	"transaction_id":       func(m *MoneyFacts) any { return m.TransactionID },
	"fund_id":              func(m *MoneyFacts) any { return m.FundID },
	"amount":               func(m *MoneyFacts) any { return m.Amount },
	"beneficiary_id":       func(m *MoneyFacts) any { return m.Beneficiary },
	"loan_id":              func(m *MoneyFacts) any { return m.LoanID },
	"shelter":              func(m *MoneyFacts) any { return m.Shelter },
	"reverses":             func(m *MoneyFacts) any { return m.Reverses },
	"original_type":        func(m *MoneyFacts) any { return m.Original },
	"original_occurred_on": func(m *MoneyFacts) any { return m.OriginalOn },
	"donor.name":           func(m *MoneyFacts) any { return m.DonorName },
	"donor.kind":           func(m *MoneyFacts) any { return m.DonorKind },
	"category":             func(m *MoneyFacts) any { return m.Category },
	"campaign":             func(m *MoneyFacts) any { return m.Campaign },
	"reference":            func(m *MoneyFacts) any { return m.Reference },
	"decision_no":          func(m *MoneyFacts) any { return m.DecisionNo },
	"project":              func(m *MoneyFacts) any { return m.Project },
	"reason":               func(m *MoneyFacts) any { return m.Reason },
	"note":                 func(m *MoneyFacts) any { return m.Note },
	"due_on":               func(m *MoneyFacts) any { return m.DueOn },
}

// checkCommandAgainstTable checks a kind's command against the table: its
// Kind, its JSON members (the body's and the path's fields), and that
// Validate applies each field's rule — a valid command passes, and a
// required field left out or a field broken against its rule is
// reported under the field's name.
func checkCommandAgainstTable(t *testing.T, spec *KindSpec) {
	t.Helper()
	if spec.command.Kind() != spec.Kind {
		t.Errorf("%s.Kind() = %d, want %d", spec.Command(), spec.command.Kind(), spec.Kind)
	}
	cmdType := reflect.TypeOf(spec.command)
	var want []string
	for _, f := range spec.Fields {
		switch {
		case f.Path:
			want = append(want, f.Name+"!")
		case f.Body != Absent && f.Name == "occurred_on":
			want = append(want, f.Name+"?")
		case f.Body != Absent:
			// A request's id is optional (the API makes one) but the
			// command always has it.
			want = append(want, f.Name+presenceMark(max(f.Body, f.Payload)))
		}
	}
	if got := jsonFields(cmdType, ""); !sameSet(got, want) {
		t.Errorf("%s has fields %v, the table says %v", spec.Command(), got, want)
	}

	// The command a transport builds from a request's values carries each
	// value in its own field.
	var values Values
	sent := map[string]string{}
	for _, f := range spec.Fields {
		if f.Body == Absent && !f.Path {
			continue
		}
		s, _ := sampleValue(f.Rule).(string)
		switch f.Rule {
		case RuleID:
			id := NewID()
			s = id.String()
			values.SetID(f.Name, id)
		case RuleAmount:
			values.SetAmount(f.Name, MustVND(s))
		case RuleDate:
			values.SetDate(f.Name, MustDate(s))
		default:
			s += strings.Repeat("·", len(sent)) // distinct per field
			if f.Rule != RuleName && f.Rule != RuleRef && f.Rule != RuleNote {
				s = strings.TrimRight(s, "·")
			}
			values.SetText(f.Name, s)
		}
		sent[f.Name] = s
	}
	built, err := json.Marshal(spec.CommandFrom(values))
	if err != nil {
		t.Fatal(err)
	}
	var members map[string]any
	if err := json.Unmarshal(built, &members); err != nil {
		t.Fatal(err)
	}
	for name, want := range sent {
		got := members[name]
		if obj, member, nested := strings.Cut(name, "."); nested {
			inner, _ := members[obj].(map[string]any)
			got = inner[member]
		}
		if got != want {
			t.Errorf("%s built from values: %s = %v, want %v", spec.Command(), name, got, want)
		}
	}

	valid := map[string]any{}
	for _, f := range spec.Fields {
		if f.Body != Absent || f.Path {
			setPath(valid, f.Name, sampleValue(f.Rule))
		}
	}
	if errs := validateJSON(t, cmdType, valid); len(errs) > 0 {
		t.Fatalf("%s of sample values %v: Validate reports %v", spec.Command(), valid, errs)
	}
	for _, f := range spec.Fields {
		if f.Body == Absent && !f.Path {
			continue
		}
		cases := map[string]any{}
		// A path's id is the transport's to check; a body's id, even one
		// the API makes up when it is left out, is the command's.
		if !f.Path && (f.Body == Required || f.Rule == RuleID) {
			cases["left out"] = nil
		}
		if bad, ok := breakingValue(f.Rule); ok {
			cases["broken"] = bad
		}
		for name, value := range cases {
			c := cloneMap(valid)
			setPath(c, f.Name, value)
			errs := validateJSON(t, cmdType, c)
			if !slices.Contains(errs, f.Name) {
				t.Errorf("%s with %s %s: Validate reports %v, want %s (rule %s)", spec.Command(), f.Name, name, errs, f.Name, f.Rule)
			}
		}
	}
}

// sampleValue is a valid JSON value of a rule.
func sampleValue(r Rule) any {
	switch r {
	case RuleID:
		return "0190a0b5-11aa-7bcd-8ef0-0123456789ab"
	case RuleAmount:
		return "1000"
	case RuleDate:
		return "2024-01-15"
	case RuleBeneficiary:
		return "LS-00123"
	case RuleDonorKind:
		return string(DonorKinds[0])
	case RuleShelterKind:
		return string(ShelterKinds[0])
	case RuleAssistance:
		return string(AssistanceCategories[0])
	case RuleMoneyType:
		return string(TypeDonationReceived)
	}
	return "Quỹ"
}

// breakingValue is a value that breaks a rule, for the rules a command's
// Validate checks (dates are checked against the fund in Decide).
func breakingValue(r Rule) (any, bool) {
	switch r {
	case RuleAmount:
		return "0", true
	case RuleBeneficiary:
		return "012345678901", true // a citizen id number
	case RuleName:
		return strings.Repeat("x", MaxNameLen+1), true
	case RuleRef:
		return strings.Repeat("x", MaxRefLen+1), true
	case RuleNote:
		return strings.Repeat("x", MaxNoteLen+1), true
	case RuleDonorKind, RuleShelterKind, RuleAssistance:
		return "nonsense", true
	}
	return nil, false
}

// validateJSON decodes members into a new command of type cmdType and
// returns the fields its Validate reports.
func validateJSON(t *testing.T, cmdType reflect.Type, members map[string]any) []string {
	t.Helper()
	b, err := json.Marshal(members)
	if err != nil {
		t.Fatal(err)
	}
	ptr := reflect.New(cmdType)
	if err := json.Unmarshal(b, ptr.Interface()); err != nil {
		t.Fatalf("decode %s into %s: %v", b, cmdType, err)
	}
	var v Validation
	ptr.Elem().Interface().(MoneyCommand).Validate(&v)
	var fields []string
	for _, f := range v.Fields() {
		fields = append(fields, f.Field)
	}
	return fields
}

func setPath(m map[string]any, name string, value any) {
	if i := indexDot(name); i >= 0 {
		inner, _ := m[name[:i]].(map[string]any)
		if inner == nil {
			inner = map[string]any{}
			m[name[:i]] = inner
		}
		setPath(inner, name[i+1:], value)
		return
	}
	if value == nil {
		delete(m, name)
		return
	}
	m[name] = value
}

func cloneMap(m map[string]any) map[string]any {
	c := map[string]any{}
	for k, v := range m {
		if inner, ok := v.(map[string]any); ok {
			v = cloneMap(inner)
		}
		c[k] = v
	}
	return c
}

// jsonFields lists the JSON members of a struct type, nested structs as
// "object.member", each followed by "?" when omitted when empty and "!"
// otherwise.
func jsonFields(typ reflect.Type, prefix string) []string {
	var names []string
	for i := range typ.NumField() {
		f := typ.Field(i)
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" || name == "-" {
			continue
		}
		if f.Type.Kind() == reflect.Struct && f.Type.NumField() > 0 && f.Type.Field(0).Tag.Get("json") != "" {
			names = append(names, jsonFields(f.Type, prefix+name+".")...)
			continue
		}
		mark := "!"
		if strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero") {
			mark = "?"
		}
		names = append(names, prefix+name+mark)
	}
	return names
}

func presenceMark(p Presence) string {
	if p == Optional {
		return "?"
	}
	return "!"
}

func lastPart(name string) string {
	if i := indexDot(name); i >= 0 {
		return name[i+1:]
	}
	return name
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// readRepoFile reads a file of the repository by its path from the root.
func readRepoFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", filepath.FromSlash(path)))
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return string(b)
}

// lineWith returns the first line of text that starts with prefix.
func lineWith(text, prefix string) string {
	for line := range strings.Lines(text) {
		if strings.HasPrefix(line, prefix) {
			return line
		}
	}
	return ""
}

// openAPIEnum returns the enum of the schema name of components/schemas.
func openAPIEnum(t *testing.T, spec, name string) []string {
	t.Helper()
	_, rest, ok := strings.Cut(spec, "\n    "+name+":\n")
	if !ok {
		t.Fatalf("openapi.yaml has no schema %s", name)
	}
	for line := range strings.Lines(rest) {
		if !strings.HasPrefix(line, "      ") {
			break
		}
		if list, ok := strings.CutPrefix(strings.TrimSpace(line), "enum: ["); ok {
			return splitList(strings.TrimSuffix(list, "]"))
		}
	}
	t.Fatalf("openapi.yaml's %s has no enum", name)
	return nil
}

// openAPIRequestSchema returns the name of the request body schema of the
// POST of a path, "" if there is none.
func openAPIRequestSchema(spec, path string) string {
	_, rest, ok := strings.Cut(spec, "\n  "+path+":\n    post:\n")
	if !ok {
		return ""
	}
	for line := range strings.Lines(rest) {
		if strings.HasPrefix(line, "  /") {
			break
		}
		const ref = `schema: {$ref: "#/components/schemas/`
		if _, after, ok := strings.Cut(line, ref); ok {
			return strings.TrimSuffix(strings.TrimSpace(after), `"}`)
		}
	}
	return ""
}

// openAPIObject returns the top-level properties and the required list of
// an object schema of components/schemas.
func openAPIObject(spec, name string) (props, required []string) {
	_, rest, ok := strings.Cut(spec, "\n    "+name+":\n")
	if !ok {
		return nil, nil
	}
	inProps := false
	for line := range strings.Lines(rest) {
		if !strings.HasPrefix(line, "      ") {
			break
		}
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "      required: ["):
			required = splitList(strings.TrimSuffix(strings.TrimPrefix(trimmed, "required: ["), "]"))
		case strings.HasPrefix(line, "      properties:"):
			inProps = true
		case inProps && strings.HasPrefix(line, "        ") && !strings.HasPrefix(line, "         "):
			key, _, _ := strings.Cut(trimmed, ":")
			props = append(props, key)
		case !strings.HasPrefix(line, "        "):
			inProps = false
		}
	}
	return props, required
}

func splitList(s string) []string {
	var items []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			items = append(items, item)
		}
	}
	return items
}

// TestDecideEveryKind records one command of every money kind into a fund
// of every fund kind, and checks Decide against the table: the kinds the
// table allows are recorded with the effect EffectOf gives, the others
// refused with not_allowed_for_fund_kind and the table's words.
func TestDecideEveryKind(t *testing.T) {
	now := mustTime(t, "2024-06-30T03:00:00Z")
	for _, fk := range FundKinds {
		for _, spec := range MoneyKinds() {
			t.Run(fmt.Sprintf("%s/%s", fk, spec.Type), func(t *testing.T) {
				f, cmd := fundReadyFor(t, fk, &spec, now)
				pending, err := Decide(f, cmd, now)
				if !spec.AllowedIn(fk) {
					var e *Error
					want := fmt.Sprintf("a %s fund does not %s", fk, spec.Refusal)
					if !asError(err, &e) || e.Code != CodeNotAllowedForFundKind || e.Message != want {
						t.Fatalf("Decide(%s in a %s fund) = %v, want %s %q", spec.Command(), fk, err, CodeNotAllowedForFundKind, want)
					}
					return
				}
				if err != nil || len(pending) != 1 {
					t.Fatalf("Decide(%s in a %s fund) = %v, %v", spec.Command(), fk, pending, err)
				}
				if got := pending[0].Data.EventType(); got != spec.Type {
					t.Errorf("Decide(%s) decided a %s, want %s", spec.Command(), got, spec.Type)
				}
			})
		}
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func asError(err error, target **Error) bool { return errors.As(err, target) }

// fundReadyFor returns a fund of kind fk that holds what a command of the
// kind needs (money to pay out, a loan to repay, a transaction to
// reverse), and the command, of the table's sample values.
func fundReadyFor(t *testing.T, fk FundKind, spec *KindSpec, now time.Time) (*Fund, MoneyCommand) {
	t.Helper()
	fund, donation, loan := NewID(), NewID(), NewID()
	f := NewFund(fund)
	stream := FundStream(fund)
	record := func(rev uint64, id uuid.UUID, on string, d EventData) {
		f.Evolve(Event{Stream: stream, Revision: rev, Type: d.EventType(), Data: d,
			Meta: Metadata{EventID: id, OccurredOn: MustDate(on), RecordedAt: now, PayloadHash: "h"}})
	}
	record(0, fund, "2024-01-01", &FundOpened{FundID: fund, UnitID: "u", Name: "Quỹ", Kind: fk, OpenedOn: MustDate("2024-01-01")})
	record(1, donation, "2024-01-02", &DonationReceived{TransactionID: donation, FundID: fund, Amount: MustVND("1000000"),
		Donor: Donor{Kind: DonorMember}})
	other := NewID()
	record(2, other, "2024-01-02", &DonationReceived{TransactionID: other, FundID: fund, Amount: MustVND("1000000"),
		Donor: Donor{Kind: DonorMember}})
	record(3, loan, "2024-01-03", &LoanDisbursed{LoanID: loan, FundID: fund, BeneficiaryID: "LS-1", Amount: MustVND("1000")})

	members := map[string]any{}
	for _, f := range spec.Fields {
		if f.Body != Absent || f.Path {
			setPath(members, f.Name, sampleValue(f.Rule))
		}
	}
	members["fund_id"] = fund.String()
	for _, id := range []string{"transaction_id", "loan_id"} {
		if _, ok := members[id]; ok {
			members[id] = NewID().String()
		}
	}
	if spec.Loan == LoanRepays {
		members["loan_id"] = loan.String()
	}
	if _, ok := members["reverses"]; ok {
		members["reverses"] = donation.String()
	}
	members["occurred_on"] = "2024-06-01"
	if _, ok := members["due_on"]; ok {
		members["due_on"] = "2025-06-01"
	}
	b, err := json.Marshal(members)
	if err != nil {
		t.Fatal(err)
	}
	ptr := reflect.New(reflect.TypeOf(spec.command))
	if err := json.Unmarshal(b, ptr.Interface()); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return f, ptr.Elem().Interface().(MoneyCommand)
}
