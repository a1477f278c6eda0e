package projections

import (
	"time"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// Token is a bearer token as GET /v1/tokens shows it: never the token, never
// its hash. UnitID is null for a token scoped to the whole ledger.
type Token struct {
	TokenID   uuid.UUID      `json:"token_id"`
	Role      domain.Role    `json:"role"`
	UnitID    *domain.UnitID `json:"unit_id"`
	Name      string         `json:"name"`
	CreatedAt time.Time      `json:"created_at"`
	Revoked   bool           `json:"revoked"`
	RevokedAt *time.Time     `json:"revoked_at,omitempty"`
}

// Scope returns the unit the token is scoped to, or "" for the whole ledger.
func (t Token) Scope() domain.UnitID {
	if t.UnitID == nil {
		return ""
	}
	return *t.UnitID
}

type tokenNode struct {
	view Token
	hash string
}

func (p *Projections) applyAccess(e *domain.Event) {
	switch d := e.Data.(type) {
	case *domain.TokenIssued:
		n := &tokenNode{view: Token{TokenID: d.TokenID, Role: d.Role, Name: d.Name, CreatedAt: e.Meta.RecordedAt}, hash: d.SecretHash}
		if d.UnitID != "" {
			u := d.UnitID
			n.view.UnitID = &u
		}
		p.tokens[d.TokenID] = n
		p.tokenOrder = append(p.tokenOrder, n)
	case *domain.TokenRevoked:
		if n, ok := p.tokens[d.TokenID]; ok && !n.view.Revoked {
			at := e.Meta.RecordedAt
			n.view.Revoked, n.view.RevokedAt = true, &at
		}
	}
}

// Token returns a token and its stored hash, for authentication.
func (p *Projections) Token(id uuid.UUID) (t Token, hash string, ok bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	n, ok := p.tokens[id]
	if !ok {
		return Token{}, "", false
	}
	return n.view, n.hash, true
}

// Tokens returns the tokens for which keep is true, in issue order.
func (p *Projections) Tokens(keep func(Token) bool) []Token {
	p.mu.RLock()
	defer p.mu.RUnlock()
	out := []Token{}
	for _, n := range p.tokenOrder {
		if keep(n.view) {
			out = append(out, n.view)
		}
	}
	return out
}

// FundUnit returns the unit a fund belongs to, for access checks.
func (p *Projections) FundUnit(id uuid.UUID) (domain.UnitID, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	f, ok := p.funds[id]
	if !ok {
		return "", false
	}
	return f.info.UnitID, true
}

// encodeToken writes a token to a checkpoint (see readToken).
func encodeToken(e *enc, n *tokenNode) {
	t := n.view
	e.id(t.TokenID)
	e.str(string(t.Role))
	e.bool1(t.UnitID != nil)
	if t.UnitID != nil {
		e.str(string(*t.UnitID))
	}
	e.str(t.Name)
	encodeTime(e, t.CreatedAt)
	e.bool1(t.Revoked)
	e.bool1(t.RevokedAt != nil)
	if t.RevokedAt != nil {
		encodeTime(e, *t.RevokedAt)
	}
	e.str(n.hash)
}

// readToken reads a token that encodeToken wrote; d's error says why it
// could not.
func (p *Projections) readToken(d *dec) {
	n := &tokenNode{}
	n.view.TokenID = d.id()
	n.view.Role = domain.Role(d.str())
	if d.bool1() {
		u := domain.UnitID(d.str())
		n.view.UnitID = &u
	}
	n.view.Name = d.str()
	n.view.CreatedAt = decodeTime(d)
	n.view.Revoked = d.bool1()
	if d.bool1() {
		at := decodeTime(d)
		n.view.RevokedAt = &at
	}
	n.hash = d.str()
	p.tokens[n.view.TokenID] = n
	p.tokenOrder = append(p.tokenOrder, n)
}
