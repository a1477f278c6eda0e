package api

import (
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// principal is who is calling: the token that authenticated the request.
type principal struct {
	tokenID uuid.UUID
	name    string
	role    domain.Role
	scope   domain.UnitID // "" is the whole ledger
}

// actor is what the metadata of the events this caller records names.
func (p *principal) actor() string { return domain.TokenActor(p.tokenID, p.name) }

const principalKey = "principal"

// caller returns the request's principal. Only routes the authentication
// middleware let through have one; the others are public and never ask.
func caller(c echo.Context) *principal {
	p, _ := c.Get(principalKey).(*principal)
	return p
}

// maxAuthorizationLen bounds the Authorization header we look at: a token is
// 82 characters.
const maxAuthorizationLen = 256

// publicPath reports whether a request needs no token (API.md, "Access"):
// the service endpoints, which reveal no ledger data, and the contract.
func publicPath(path string) bool {
	return !strings.HasPrefix(path, "/v1/") || path == "/v1/openapi.yaml"
}

// authenticate finds the token of every /v1 request but the OpenAPI
// document and refuses the request without one that is known and not
// revoked. It compares the token's hash with the stored hash in constant
// time, and says the same thing for every kind of failure, so an answer
// reveals nothing about which tokens exist.
//
// Revocations reach this check through the projections: DELETE
// /v1/tokens/{id} answers only once they have applied it, so the next
// request is refused.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if publicPath(c.Request().URL.Path) {
			return next(c)
		}
		// Two Authorization headers are ambiguous (which one did the
		// client mean?): refused, never resolved by picking one.
		values := c.Request().Header.Values(echo.HeaderAuthorization)
		if len(values) > 1 {
			return unauthorized("send exactly one Authorization header")
		}
		token, ok := bearerToken(c.Request().Header.Get(echo.HeaderAuthorization))
		if !ok {
			return unauthorized("send Authorization: Bearer <token>")
		}
		id, err := domain.TokenID(token)
		if err != nil {
			return unauthorized("the token is unknown or revoked")
		}
		t, hash, found := s.proj.Token(id)
		// Hash and compare even for an unknown id, so that the time taken
		// does not tell an unknown id from a wrong secret.
		if !found {
			hash = strings.Repeat("0", 64)
		}
		if !domain.TokenMatches(token, hash) || !found || t.Revoked {
			return unauthorized("the token is unknown or revoked")
		}
		c.Set(principalKey, &principal{tokenID: t.TokenID, name: t.Name, role: t.Role, scope: t.Scope()})
		return next(c)
	}
}

// bearerToken extracts the token of an "Authorization: Bearer <token>"
// header (the scheme is case-insensitive, RFC 9110 §11.1).
func bearerToken(h string) (string, bool) {
	if len(h) > maxAuthorizationLen {
		return "", false
	}
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

func unauthorized(detail string) error {
	return &headerError{err: apiErr(codeUnauthorized, "%s", detail), header: http.Header{
		echo.HeaderWWWAuthenticate: {`Bearer realm="welfare-ledger"`},
	}}
}
