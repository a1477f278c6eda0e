package domain

import "github.com/google/uuid"

// Values are the fields of a money write as a transport read them from
// the request, by the table of money kinds' names ("donor.kind" for a
// member of an object): the API reads a request's path and body field by
// field, in the table's order and each by its rule, into Values, and the
// kind's command is built from them (KindSpec.CommandFrom). A field the
// request left out reads as its zero value.
type Values struct {
	fields [maxValues]value
	n      int
}

type value struct {
	name   string
	id     uuid.UUID
	amount VND
	date   Date
	text   string
}

// maxValues bounds the fields of one request: more than any row of the
// table has (TestMoneyKindsConsistent checks).
const maxValues = 16

// SetID sets an id field.
func (v *Values) SetID(name string, id uuid.UUID) { v.set(value{name: name, id: id}) }

// SetAmount sets an amount field.
func (v *Values) SetAmount(name string, a VND) { v.set(value{name: name, amount: a}) }

// SetDate sets a date field.
func (v *Values) SetDate(name string, d Date) { v.set(value{name: name, date: d}) }

// SetText sets a text field (free text, an enum, a beneficiary id).
func (v *Values) SetText(name, s string) { v.set(value{name: name, text: s}) }

// set sets a field; beyond maxValues it panics: the table's rows, which
// the API reads requests by, are shorter.
func (v *Values) set(x value) {
	for i := range v.fields[:v.n] {
		if v.fields[i].name == x.name {
			v.fields[i] = x
			return
		}
	}
	v.fields[v.n] = x
	v.n++
}

func (v *Values) get(name string) value {
	for i := range v.fields[:v.n] {
		if v.fields[i].name == name {
			return v.fields[i]
		}
	}
	return value{}
}

func (v *Values) id(name string) uuid.UUID { return v.get(name).id }
func (v *Values) amount(name string) VND   { return v.get(name).amount }
func (v *Values) date(name string) Date    { return v.get(name).date }
func (v *Values) text(name string) string  { return v.get(name).text }

// CommandFrom returns the kind's command with the fields of v; nil for
// KindNone.
//
// Values go by value, here and to fromValues: a pointer handed on
// through the command's interface would move every request's values to
// the heap.
func (s *KindSpec) CommandFrom(v Values) MoneyCommand {
	if s.command == nil {
		return nil
	}
	return s.command.fromValues(v)
}
