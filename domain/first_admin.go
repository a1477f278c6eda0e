package domain

import (
	"context"
	"fmt"
	"time"
)

// IssueFirstAdmin makes the first admin token of a ledger whose access
// stream is empty, and records nothing (issued false) if any token was ever
// issued. The condition is decided against the stream it appends to, with
// its revision: when several API instances start at once on one empty
// ledger (one KurrentDB behind them), exactly one of them makes the token,
// and the others, refused by the expected revision, decide again, see it
// and make none.
//
// Errors: concurrent_modification, or a store error.
func (l *Ledger) IssueFirstAdmin(ctx context.Context, name, actor string) (IssuedToken, bool, error) {
	c := IssueToken{TokenID: NewID(), Name: name, Role: RoleAdmin}
	var v Validation
	c.Validate(&v)
	if err := v.Err(); err != nil {
		return IssuedToken{}, false, err
	}
	token, err := newTokenSecret(c.TokenID)
	if err != nil {
		return IssuedToken{}, false, fmt.Errorf("issue the first admin token: %w", err)
	}
	data := &TokenIssued{TokenID: c.TokenID, Name: c.Name, Role: c.Role, SecretHash: HashToken(token)}
	var out IssuedToken
	issued := false
	err = l.appendAccess(ctx, func(a *Access) (EventData, error) {
		if a.Revision != ExpectNoStream {
			return nil, nil // a token was issued: not the first start
		}
		return data, nil
	}, PayloadHash(c), actor, func(pos Position, at time.Time) {
		if pos != 0 {
			out, issued = IssuedToken{Token: token, Issued: *data, RecordedAt: at, Position: pos}, true
		}
	})
	return out, issued, err
}
