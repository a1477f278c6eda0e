package api

import (
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/projections"
)

// issuedTokenDTO is the answer of POST /v1/tokens: the only time the token
// itself is shown (API.md, "Access").
type issuedTokenDTO struct {
	TokenID   uuid.UUID       `json:"token_id"`
	Token     string          `json:"token"`
	Role      domain.Role     `json:"role"`
	UnitID    *domain.UnitID  `json:"unit_id"`
	Name      string          `json:"name"`
	CreatedAt time.Time       `json:"created_at"`
	Position  domain.Position `json:"position"`
}

// issueToken: POST /v1/tokens {"role", "unit_id", "name"}. An admin may
// issue tokens inside its own scope; unit_id may be left out for an admin
// token over the whole ledger, which only an unscoped admin may issue.
//
// Unlike the ledger's writes it takes no client id and has no idempotent
// replay: the token is stored only as a hash, so a repeat could not show
// it again. A client that lost the answer revokes the token it cannot see
// (GET /v1/tokens lists it) and asks again.
func (s *Server) issueToken(c echo.Context) error {
	f, err := readObject(c)
	if err != nil {
		return err
	}
	if err := f.allow("role", "unit_id", "name"); err != nil {
		return err
	}
	cmd := domain.IssueToken{
		TokenID: domain.NewID(),
		Role:    domain.Role(f.str("role", true)),
		UnitID:  domain.UnitID(f.str("unit_id", false)),
		Name:    f.str("name", true),
	}
	if err := f.errs.validate(cmd); err != nil {
		return err
	}
	if err := s.mayUse(c, cmd.UnitID); err != nil {
		return err
	}
	res, err := s.ledger.IssueToken(c.Request().Context(), cmd, caller(c).actor())
	if err != nil {
		return err
	}
	if err := s.waitFor(c, res.Position); err != nil {
		return err
	}
	out := issuedTokenDTO{TokenID: res.Issued.TokenID, Token: res.Token, Role: res.Issued.Role,
		Name: res.Issued.Name, CreatedAt: res.RecordedAt, Position: res.Position}
	if res.Issued.UnitID != "" {
		u := res.Issued.UnitID
		out.UnitID = &u
	}
	return created(c, false, out)
}

// tokensScope is the cursor scope of GET /v1/tokens.
const tokensScope = "tokens"

// listTokens: GET /v1/tokens, the tokens of the caller's scope in issue
// order, revoked ones included, never a token or its hash.
func (s *Server) listTokens(c echo.Context) error {
	errs := &fieldErrors{}
	q := newQuery(c, errs, "limit", "cursor")
	limit := q.limit()
	p := caller(c)
	scope := tokensScope + "\x00" + string(p.scope)
	after := int(q.cursor(scope))
	if err := errs.err(); err != nil {
		return err
	}
	all := s.proj.Tokens(func(t projections.Token) bool { return s.visible(p, t.Scope()) })
	items := all[min(after, len(all)):]
	var next *string
	if len(items) > limit {
		items = items[:limit]
		next = nextCursor(scope, uint64(after+limit), true)
	}
	return respondOK(c, newPage(items, next))
}

// revokeToken: DELETE /v1/tokens/{token_id}, 204 once the revocation is
// recorded and applied, so the very next request with that token is
// refused. Revoking a revoked token is a 204 that records nothing.
func (s *Server) revokeToken(c echo.Context) error {
	errs := &fieldErrors{}
	id := pathUUID(c, errs, "token_id")
	newQuery(c, errs)
	if err := errs.err(); err != nil {
		return err
	}
	pos, err := s.ledger.RevokeToken(c.Request().Context(), id, caller(c).actor())
	if err != nil {
		return err
	}
	if pos != 0 {
		if err := s.waitFor(c, pos); err != nil {
			return err
		}
	}
	return c.NoContent(http.StatusNoContent)
}
