package domain

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// AccessStream holds every token issue and revocation, in the event log like
// everything else, so every store backend (and every API instance) knows the
// same tokens. It holds hashes only, never a token.
const AccessStream = "access"

// Access event types.
const (
	TypeTokenIssued  EventType = "TokenIssued"
	TypeTokenRevoked EventType = "TokenRevoked"
)

// Role is what a token may do (API.md, "Access").
type Role string

// Roles.
const (
	RoleAdmin    Role = "admin"
	RoleManager  Role = "manager"
	RoleAuditor  Role = "auditor"
	RoleOfficial Role = "official"
)

// Roles lists every role.
var Roles = []Role{RoleAdmin, RoleManager, RoleAuditor, RoleOfficial}

// ParseRole returns the role named s.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	return "", fmt.Errorf("must be one of admin, manager, auditor, official")
}

// TokenIssued: a bearer token was created. UnitID is its scope (the unit and
// its descendants); empty means the whole ledger, which only an admin token
// made by the command line or by an unscoped admin may have. SecretHash is
// the hex SHA-256 of the token; the token itself is never stored.
type TokenIssued struct {
	TokenID    uuid.UUID `json:"token_id"`
	Name       string    `json:"name"`
	Role       Role      `json:"role"`
	UnitID     UnitID    `json:"unit_id,omitempty"`
	SecretHash string    `json:"secret_hash"`
}

// TokenRevoked: a token stopped working.
type TokenRevoked struct {
	TokenID uuid.UUID `json:"token_id"`
}

// EventType implementations.
func (TokenIssued) EventType() EventType  { return TypeTokenIssued }
func (TokenRevoked) EventType() EventType { return TypeTokenRevoked }

// Token format: "wl_" + the token id's 32 hex digits + "_" + 43 base64url
// characters of 256 random bits. The id prefix lets the server find the one
// stored hash to compare in constant time; the random part is the secret.
const (
	tokenPrefix      = "wl_"
	tokenSecretBytes = 32
	tokenLen         = len(tokenPrefix) + 32 + 1 + 43
)

// ErrTokenSyntax is returned for a string that cannot be a token.
var ErrTokenSyntax = errors.New("not a welfare-ledger token")

// newTokenSecret makes a token for id from the system's random source.
func newTokenSecret(id uuid.UUID) (string, error) {
	var secret [tokenSecretBytes]byte
	if _, err := rand.Read(secret[:]); err != nil {
		return "", fmt.Errorf("read random bytes: %w", err)
	}
	return tokenPrefix + hex.EncodeToString(id[:]) + "_" + base64.RawURLEncoding.EncodeToString(secret[:]), nil
}

// HashToken returns the hex SHA-256 of a token, the form that is stored.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// TokenID returns the id embedded in a token, without checking its secret.
// Errors: ErrTokenSyntax.
func TokenID(token string) (uuid.UUID, error) {
	if len(token) != tokenLen || !strings.HasPrefix(token, tokenPrefix) || token[len(tokenPrefix)+32] != '_' {
		return uuid.Nil, ErrTokenSyntax
	}
	var id uuid.UUID
	if _, err := hex.Decode(id[:], []byte(token[len(tokenPrefix):len(tokenPrefix)+32])); err != nil {
		return uuid.Nil, ErrTokenSyntax
	}
	return id, nil
}

// TokenMatches reports whether token hashes to storedHash, comparing in
// constant time so that the answer's timing reveals nothing of the hash.
func TokenMatches(token, storedHash string) bool {
	got := HashToken(token)
	return subtle.ConstantTimeCompare([]byte(got), []byte(storedHash)) == 1
}

// TokenActor is the actor recorded in the metadata of events a token
// writes: its id, a space, and its name.
func TokenActor(id uuid.UUID, name string) string { return id.String() + " " + name }

// IssueToken creates a token. An empty UnitID scopes it to the whole ledger
// and is allowed for admin tokens only.
type IssueToken struct {
	TokenID uuid.UUID `json:"token_id"`
	Name    string    `json:"name"`
	Role    Role      `json:"role"`
	UnitID  UnitID    `json:"unit_id,omitempty"`
}

func (IssueToken) commandName() string { return "IssueToken" }

// Validate checks the command's fields on their own.
func (c IssueToken) Validate(v *Validation) {
	checkID(v, "token_id", c.TokenID)
	checkText(v, "name", c.Name, MaxNameLen, true)
	if _, err := ParseRole(string(c.Role)); err != nil {
		v.Add("role", err)
	}
	if c.UnitID == "" {
		if c.Role != RoleAdmin {
			v.Addf("unit_id", "is required for a token of role %s", c.Role)
		}
	} else if _, err := ParseUnitID(string(c.UnitID)); err != nil {
		v.Add("unit_id", err)
	}
}

// IssuedToken is the outcome of IssueToken: the only time the token itself
// exists outside its holder's hands.
type IssuedToken struct {
	Token      string
	Issued     TokenIssued
	RecordedAt time.Time
	Position   Position
}

// Access is the state of the access stream: every token and whether it was
// revoked.
type Access struct {
	Revision ExpectedRevision // ExpectNoStream before the first event
	LastHash string
	Tokens   map[uuid.UUID]*TokenState
}

// TokenState is one token as the access stream knows it.
type TokenState struct {
	TokenIssued
	IssuedAt time.Time
	Revoked  bool
}

func newAccess() *Access {
	return &Access{Revision: ExpectNoStream, LastHash: GenesisHash, Tokens: map[uuid.UUID]*TokenState{}}
}

// evolve applies one access event.
func (a *Access) evolve(e Event) {
	a.Revision = ExpectedRevision(e.Revision)
	a.LastHash = e.Meta.Hash
	switch d := e.Data.(type) {
	case *TokenIssued:
		a.Tokens[d.TokenID] = &TokenState{TokenIssued: *d, IssuedAt: e.Meta.RecordedAt}
	case *TokenRevoked:
		if t, ok := a.Tokens[d.TokenID]; ok {
			t.Revoked = true
		}
	}
}

// loadAccess reads and verifies the whole access stream. It holds a few
// events per person who ever had a token, so reading it for each token
// command costs nothing worth a cache.
func (l *Ledger) loadAccess(ctx context.Context) (*Access, error) {
	a := newAccess()
	if err := l.foldStream(ctx, AccessStream, 0, GenesisHash, a.evolve); err != nil {
		return nil, fmt.Errorf("load access: %w", err)
	}
	return a, nil
}

// HasTokens reports whether any token was ever issued: the first start on an
// empty ledger makes the admin token.
//
// Errors: store errors.
func (l *Ledger) HasTokens(ctx context.Context) (bool, error) {
	evs, err := l.store.ReadStream(ctx, AccessStream, 0, 1)
	if err != nil {
		return false, fmt.Errorf("read %s: %w", AccessStream, err)
	}
	return len(evs) > 0, nil
}

// Tokens returns every token the access stream knows, read from the store.
//
// Errors: store errors, ErrHashMismatch.
func (l *Ledger) Tokens(ctx context.Context) (*Access, error) { return l.loadAccess(ctx) }

// IssueToken makes a token and records its hash. The token is in the result
// and nowhere else.
//
// Errors: validation_failed, not_found (unit), idempotency_conflict (the
// token id is taken), concurrent_modification, or a store error.
func (l *Ledger) IssueToken(ctx context.Context, c IssueToken, actor string) (IssuedToken, error) {
	var v Validation
	c.Validate(&v)
	if err := v.Err(); err != nil {
		return IssuedToken{}, err
	}
	if c.UnitID != "" {
		ok, err := l.UnitExists(ctx, c.UnitID)
		if err != nil {
			return IssuedToken{}, err
		}
		if !ok {
			return IssuedToken{}, Errf(CodeNotFound, "unit %q not found", c.UnitID)
		}
	}
	token, err := newTokenSecret(c.TokenID)
	if err != nil {
		return IssuedToken{}, fmt.Errorf("issue token: %w", err)
	}
	data := &TokenIssued{TokenID: c.TokenID, Name: c.Name, Role: c.Role, UnitID: c.UnitID, SecretHash: HashToken(token)}
	var out IssuedToken
	err = l.appendAccess(ctx, func(a *Access) (EventData, error) {
		if _, taken := a.Tokens[c.TokenID]; taken {
			return nil, Errf(CodeIdempotencyConflict, "token id %s is already used", c.TokenID)
		}
		return data, nil
	}, PayloadHash(c), actor, func(pos Position, at time.Time) {
		out = IssuedToken{Token: token, Issued: *data, RecordedAt: at, Position: pos}
	})
	return out, err
}

// RevokeToken stops a token from working. Revoking a revoked token records
// nothing and is not an error; the result's Position is 0 then.
//
// Errors: not_found, concurrent_modification, or a store error.
func (l *Ledger) RevokeToken(ctx context.Context, id uuid.UUID, actor string) (Position, error) {
	var pos Position
	err := l.appendAccess(ctx, func(a *Access) (EventData, error) {
		t, ok := a.Tokens[id]
		if !ok {
			return nil, Errf(CodeNotFound, "token %s not found", id)
		}
		if t.Revoked {
			return nil, nil
		}
		return &TokenRevoked{TokenID: id}, nil
	}, PayloadHash(revokeToken{TokenID: id}), actor, func(p Position, _ time.Time) { pos = p })
	return pos, err
}

// revokeToken is the canonical form of a revocation, for its payload hash.
type revokeToken struct {
	TokenID uuid.UUID `json:"token_id"`
}

func (revokeToken) commandName() string { return "RevokeToken" }

// appendAccess decides an access command against the stream as it is and
// appends with its revision; again when another writer got there first.
// decide returning nil data records nothing.
func (l *Ledger) appendAccess(ctx context.Context, decide func(*Access) (EventData, error),
	payloadHash, actor string, done func(Position, time.Time)) error {
	for attempt := 0; attempt < maxDecideAttempts; attempt++ {
		a, err := l.loadAccess(ctx)
		if err != nil {
			return err
		}
		data, err := decide(a)
		if err != nil {
			return err
		}
		if data == nil {
			done(0, time.Time{})
			return nil
		}
		now := l.now()
		meta := Metadata{EventID: NewID(), OccurredOn: DateOf(now), RecordedAt: now.UTC(), Actor: actor, PayloadHash: payloadHash}
		ne, _, err := Seal(a.LastHash, data, meta)
		if err != nil {
			return err
		}
		res, err := l.store.Append(ctx, AccessStream, a.Revision, []NewEvent{ne})
		if errors.Is(err, ErrWrongExpectedVersion) {
			continue
		}
		if err != nil {
			return fmt.Errorf("append to %s: %w", AccessStream, err)
		}
		done(res.LastPosition, meta.RecordedAt)
		return nil
	}
	return Errf(CodeConcurrentModification, "the tokens are being changed by other writers; try again")
}

// Sorted returns the tokens in the order they were issued.
func (a *Access) Sorted() []*TokenState {
	out := make([]*TokenState, 0, len(a.Tokens))
	for _, t := range a.Tokens {
		out = append(out, t)
	}
	slices.SortFunc(out, func(x, y *TokenState) int {
		if c := x.IssuedAt.Compare(y.IssuedAt); c != 0 {
			return c
		}
		return strings.Compare(x.TokenID.String(), y.TokenID.String())
	})
	return out
}
