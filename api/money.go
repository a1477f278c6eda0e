package api

import (
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// txDTO is the answer to a money write (API.md, "Money events"). It is
// built from what the ledger remembers of the transaction, so a replay, even
// after a restart, answers exactly what the first write answered.
type txDTO struct {
	TransactionID uuid.UUID        `json:"transaction_id"`
	FundID        uuid.UUID        `json:"fund_id"`
	Type          domain.EventType `json:"type"`
	Amount        domain.VND       `json:"amount"`
	OccurredOn    domain.Date      `json:"occurred_on"`
	RecordedAt    string           `json:"recorded_at"`
	Position      domain.Position  `json:"position"`
	// BalanceAfter is the fund's balance, over all business dates, right
	// after the transaction was recorded.
	BalanceAfter domain.VND `json:"balance_after"`
	// LoanID is the loan a loan, a repayment or a reversal of either
	// concerns.
	LoanID *uuid.UUID `json:"loan_id,omitempty"`
	// Reverses is set on reversals.
	Reverses *uuid.UUID `json:"reverses,omitempty"`
}

func newTxDTO(r domain.TxResult) txDTO {
	t := r.Tx
	d := txDTO{
		TransactionID: t.ID,
		FundID:        r.FundID,
		Type:          t.Type,
		Amount:        t.Amount,
		OccurredOn:    t.OccurredOn,
		RecordedAt:    t.RecordedAt.UTC().Format(time.RFC3339Nano),
		Position:      t.Position,
		BalanceAfter:  t.BalanceAfter,
	}
	if t.LoanID != uuid.Nil {
		id := t.LoanID
		d.LoanID = &id
	}
	if t.Reverses != uuid.Nil {
		id := t.Reverses
		d.Reverses = &id
	}
	return d
}

// moneyRoutes returns the route of every money write: POST on the table
// of money kinds' route, for writers on the fund the path names, each
// answered by recordMoney.
func moneyRoutes() []route {
	var rs []route
	for _, spec := range domain.MoneyKinds() {
		kind := spec.Kind
		h := func(s *Server, c echo.Context) error { return s.recordMoney(c, kind) }
		rs = append(rs, route{"POST", echoPath(spec.Route), h, writers, fundResource})
	}
	return rs
}

// bodyMembers are, by kind, the members a money write's body may hold:
// the table's body fields.
var bodyMembers = func() (m [domain.NumMoneyKinds][]string) {
	for _, spec := range domain.MoneyKinds() {
		m[spec.Kind] = spec.BodyFields()
	}
	return m
}()

// nestedMembers are, by kind and object, the members a body's object may
// hold.
var nestedMembers = func() (m [domain.NumMoneyKinds]map[string][]string) {
	for _, spec := range domain.MoneyKinds() {
		for _, name := range spec.BodyFields() {
			if members := spec.NestedBodyFields(name); members != nil {
				if m[spec.Kind] == nil {
					m[spec.Kind] = map[string][]string{}
				}
				m[spec.Kind][name] = members
			}
		}
	}
	return m
}()

// recordMoney answers a money write of a kind (API.md, "Money events"):
// it reads the path's fields, then the body's members in the table of
// money kinds' order, each by its rule, into the kind's command, and
// records it. Every bad field is reported at once; a member the table
// does not list, in the body or in one of its objects, is invalid_json.
func (s *Server) recordMoney(c echo.Context, kind domain.MoneyKind) error {
	spec := kind.Spec()
	f, err := readObject(c)
	if err != nil {
		return err
	}
	if err := f.allow(bodyMembers[kind]...); err != nil {
		return err
	}
	var v domain.Values
	for _, field := range spec.Fields {
		if field.Path {
			v.SetID(field.Name, pathUUID(c, f.errs, field.Name))
		}
	}
	// The body's object being read, read at its first member (a row
	// lists an object's members together).
	var object string
	var objectForm *form
	for _, field := range spec.Fields {
		if field.Body == domain.Absent {
			continue
		}
		in, member := f, field.Name
		if name, m, nested := strings.Cut(field.Name, "."); nested {
			if name != object {
				object, objectForm = name, f.object(name, objectRequired(spec, name))
				if objectForm != nil {
					if err := objectForm.allow(nestedMembers[kind][name]...); err != nil {
						return err
					}
				}
			}
			if objectForm == nil {
				continue
			}
			in, member = objectForm, m
		}
		readField(in, member, field, &v)
	}
	return s.record(c, f.errs, spec.CommandFrom(v))
}

// objectRequired reports whether a body's object is required: it is when
// one of its members is.
func objectRequired(spec *domain.KindSpec, object string) bool {
	for _, f := range spec.Fields {
		if f.Body == domain.Required && strings.HasPrefix(f.Name, object+".") {
			return true
		}
	}
	return false
}

// readField reads one member of a body by its field's rule into v (under
// the field's full name).
func readField(in *form, member string, field domain.Field, v *domain.Values) {
	required := field.Body == domain.Required
	switch field.Rule {
	case domain.RuleID:
		// A left-out optional id is made here (API.md, "IDs").
		v.SetID(field.Name, in.id(member, required))
	case domain.RuleAmount:
		v.SetAmount(field.Name, in.amount(member))
	case domain.RuleDate:
		v.SetDate(field.Name, in.date(member))
	default:
		v.SetText(field.Name, in.str(member, required))
	}
}

// record validates cmd (adding its findings to the transport's), records
// it, waits until the projections have it and answers 201, or 200 with
// Idempotent-Replay for a repeat.
func (s *Server) record(c echo.Context, errs *fieldErrors, cmd domain.MoneyCommand) error {
	s.notFuture(errs, "occurred_on", cmd.Occurred())
	if err := errs.validate(cmd); err != nil {
		return err
	}
	res, err := s.ledger.Record(c.Request().Context(), cmd, caller(c).actor())
	if err != nil {
		return err
	}
	if err := s.waitFor(c, res.Tx.Position); err != nil {
		return err
	}
	return created(c, res.Replay, newTxDTO(res))
}
