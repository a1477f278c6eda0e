package domain

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Code is the stable, machine-readable code of a domain error. Codes are part
// of the public API (see API.md): never rename one.
type Code string

// The codes the domain produces. The api package maps each to an HTTP status
// in one table.
const (
	CodeValidation             Code = "validation_failed"
	CodeNotFound               Code = "not_found"
	CodeAlreadyExists          Code = "already_exists"
	CodeInsufficientFunds      Code = "insufficient_funds"
	CodeExceedsOutstanding     Code = "exceeds_outstanding"
	CodeNotAllowedForFundKind  Code = "not_allowed_for_fund_kind"
	CodeAlreadyReversed        Code = "already_reversed"
	CodeNotReversible          Code = "not_reversible"
	CodeLoanHasRepayments      Code = "loan_has_repayments"
	CodePeriodClosed           Code = "period_closed"
	CodeIdempotencyConflict    Code = "idempotency_conflict"
	CodeConcurrentModification Code = "concurrent_modification"
	// CodeChainBroken: the fund's stored hash chain does not verify (an
	// edit outside the ledger); nothing is written to it until an operator
	// restores it. Not retryable.
	CodeChainBroken Code = "chain_broken"
)

// FieldError names one bad field of a request and says what is wrong with it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is a refusal by the domain: a stable Code, a message a fund manager
// can act on, and for validation failures every bad field.
type Error struct {
	Code    Code
	Message string
	Fields  []FieldError
	// cause, when set, is the error the refusal was found from (a broken
	// hash chain's location), for errors.Is and errors.As.
	cause error
}

// Unwrap returns the error the refusal was found from, if any.
func (e *Error) Unwrap() error { return e.cause }

// Error implements error.
func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return string(e.Code) + ": " + e.Message
	}
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + " " + f.Message
	}
	return string(e.Code) + ": " + e.Message + " (" + strings.Join(parts, "; ") + ")"
}

// Is makes errors.Is(err, &Error{Code: c}) match any domain error with code c.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && t.Message == "" && len(t.Fields) == 0
}

// Errf returns a domain error with code c and a formatted message.
func Errf(c Code, format string, args ...any) *Error {
	return &Error{Code: c, Message: fmt.Sprintf(format, args...)}
}

// CodeOf returns the code of a domain error in err's chain, or "".
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// Validation collects field errors and turns them into one validation_failed
// error, so that a client learns every bad field at once.
type Validation struct {
	fields []FieldError
	// stored: the fields are those of an event already in the log, not of
	// a request. A rule that refuses what the ledger once accepted (a
	// policy added later, such as no citizen id numbers as beneficiary
	// ids) applies to requests only: an event recorded before it stays a
	// valid event, or a ledger could no longer start.
	stored bool
}

// Add records that field is wrong because of err (nil errors are ignored).
func (v *Validation) Add(field string, err error) {
	if err != nil {
		v.fields = append(v.fields, FieldError{Field: field, Message: err.Error()})
	}
}

// Addf records that field is wrong, with a formatted message.
func (v *Validation) Addf(field, format string, args ...any) {
	v.fields = append(v.fields, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err returns the collected failures as a validation_failed *Error, or nil.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	names := make([]string, 0, len(v.fields))
	for _, f := range v.fields {
		if !slices.Contains(names, f.Field) {
			names = append(names, f.Field)
		}
	}
	return &Error{Code: CodeValidation, Message: "the request has invalid fields: " + strings.Join(names, ", "), Fields: v.fields}
}

// Fields returns the collected failures.
func (v *Validation) Fields() []FieldError { return v.fields }
