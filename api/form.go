package api

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// form reads the members of one JSON object of a request. Each getter
// reports a missing required member or a member of the wrong JSON type to
// the shared fieldErrors and returns the zero value, so that a handler reads
// every field and the client learns every bad one at once.
type form struct {
	members map[string]json.RawMessage
	prefix  string // "" for the body, "donor." for a nested object
	errs    *fieldErrors
}

// fieldErrors collects field errors, at most one per field: the first
// finding about a field (usually the transport's, e.g. "must be a string")
// is the most precise, and a second one about the same field would only
// repeat it in other words.
type fieldErrors struct {
	list []domain.FieldError
}

// add records msg for field unless the field, or the object that holds it,
// already has an error: once "donor" is missing, "donor.kind is required"
// says nothing new.
func (fe *fieldErrors) add(field, msg string) {
	for f := field; ; {
		if fe.has(f) {
			return
		}
		i := strings.LastIndexByte(f, '.')
		if i < 0 {
			break
		}
		f = f[:i]
	}
	fe.list = append(fe.list, domain.FieldError{Field: field, Message: msg})
}

// addErr records err for field; a nil err records nothing.
func (fe *fieldErrors) addErr(field string, err error) {
	if err != nil {
		fe.add(field, err.Error())
	}
}

func (fe *fieldErrors) has(field string) bool {
	return slices.ContainsFunc(fe.list, func(f domain.FieldError) bool { return f.Field == field })
}

// merge adds the findings of a domain command's Validate.
func (fe *fieldErrors) merge(v *domain.Validation) {
	for _, f := range v.Fields() {
		fe.add(f.Field, f.Message)
	}
}

// err returns the collected errors as one validation_failed error, or nil.
func (fe *fieldErrors) err() error {
	if len(fe.list) == 0 {
		return nil
	}
	names := make([]string, len(fe.list))
	for i, f := range fe.list {
		names[i] = f.Field
	}
	return &domain.Error{Code: domain.CodeValidation,
		Message: "the request has invalid fields: " + strings.Join(names, ", ") + "; see errors",
		Fields:  fe.list}
}

// validator is implemented by every domain command.
type validator interface {
	Validate(v *domain.Validation)
}

// validate runs a command's own checks and merges them into fe, then
// returns every error found so far.
func (fe *fieldErrors) validate(c validator) error {
	var v domain.Validation
	c.Validate(&v)
	fe.merge(&v)
	return fe.err()
}

// Messages of the transport's own field checks.
const (
	msgRequired = "is required"
	msgString   = "must be a string"
	msgObject   = "must be a JSON object"
)

// allow refuses members other than names: an unknown member is a client
// bug (a misspelt optional field would otherwise be dropped silently).
// Of several unknown members it names the first in byte order, so that
// the same body always gets the same answer.
func (f *form) allow(names ...string) error {
	unknown, found := "", false
	for k := range f.members {
		if !slices.Contains(names, k) && (!found || k < unknown) {
			unknown, found = k, true
		}
	}
	if found {
		return errUnknownField(f.prefix + unknown)
	}
	return nil
}

// raw returns a member, treating JSON null as absent.
func (f *form) raw(name string) (json.RawMessage, bool) {
	r, ok := f.members[name]
	if !ok || bytes.Equal(bytes.TrimSpace(r), []byte("null")) {
		return nil, false
	}
	return r, true
}

// str reads a string member.
func (f *form) str(name string, required bool) string {
	r, ok := f.raw(name)
	if !ok {
		if required {
			f.errs.add(f.prefix+name, msgRequired)
		}
		return ""
	}
	var s string
	if r[0] != '"' || json.Unmarshal(r, &s) != nil {
		f.errs.add(f.prefix+name, msgString)
		return ""
	}
	return s
}

// amount reads a required amount: a JSON string or integer (API.md,
// "Money"); the domain parser names what is wrong with it.
func (f *form) amount(name string) domain.VND {
	r, ok := f.raw(name)
	if !ok {
		f.errs.add(f.prefix+name, msgRequired)
		return domain.VND{}
	}
	v, err := domain.ParseAmountJSON(r)
	if err != nil {
		f.errs.add(f.prefix+name, err.Error())
		return domain.VND{}
	}
	return v
}

// date reads an optional YYYY-MM-DD member; absent is the zero Date.
func (f *form) date(name string) domain.Date {
	r, ok := f.raw(name)
	if !ok {
		return 0
	}
	var s string
	if r[0] != '"' || json.Unmarshal(r, &s) != nil {
		f.errs.add(f.prefix+name, domain.ErrDateSyntax.Error())
		return 0
	}
	d, err := domain.ParseDate(s)
	if err != nil {
		f.errs.add(f.prefix+name, err.Error())
		return 0
	}
	return d
}

// id reads a UUID member. An absent optional id is a fresh UUIDv7: the
// server names what the client did not (API.md, "IDs"), which also means
// the write cannot be retried idempotently.
func (f *form) id(name string, required bool) uuid.UUID {
	r, ok := f.raw(name)
	if !ok {
		if required {
			f.errs.add(f.prefix+name, msgRequired)
			return uuid.Nil
		}
		return domain.NewID()
	}
	var s string
	if r[0] != '"' || json.Unmarshal(r, &s) != nil {
		f.errs.add(f.prefix+name, domain.ErrUUIDSyntax.Error())
		return uuid.Nil
	}
	u, err := domain.ParseUUID(s)
	if err != nil {
		f.errs.add(f.prefix+name, err.Error())
		return uuid.Nil
	}
	return u
}

// object reads a nested object member; it returns nil (and reports the
// field) when the member is absent or not an object.
func (f *form) object(name string, required bool) *form {
	r, ok := f.raw(name)
	if !ok {
		if required {
			f.errs.add(f.prefix+name, msgRequired)
		}
		return nil
	}
	var members map[string]json.RawMessage
	if r[0] != '{' || json.Unmarshal(r, &members) != nil {
		f.errs.add(f.prefix+name, msgObject)
		return nil
	}
	return &form{members: members, prefix: f.prefix + name + ".", errs: f.errs}
}
