package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// sessionCookie carries the token that signed a browser in. It
// authenticates the pages only: the API reads nothing but the
// Authorization header, so a page visited by a signed-in browser cannot
// be turned into a request that records money.
const sessionCookie = "wl_session"

// maxLoginBody bounds the sign-in form: one token of 82 characters and a
// language; anything near this bound is not a sign-in.
const maxLoginBody = 4 << 10

// maxTokenLen bounds the token read from a cookie or the form, as the
// API bounds its Authorization header.
const maxTokenLen = 256

// session is who a signed-in browser is: the role and scope of its token.
type session struct {
	role  domain.Role
	scope domain.UnitID // "" is the whole ledger
}

// sessionOf returns the session of r's cookie, if it carries a token that
// is known and not revoked (checked on every request, so a revocation ends
// the session at once).
func (p *Pages) sessionOf(r *http.Request) (session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return session{}, false
	}
	return p.check(c.Value)
}

// check verifies a token as the API does: its id names a stored hash, the
// hash matches in constant time, the token is not revoked. It hashes even
// for an unknown id, so the time taken tells nothing about which ids exist.
func (p *Pages) check(token string) (session, bool) {
	if token == "" || len(token) > maxTokenLen {
		return session{}, false
	}
	id, err := domain.TokenID(token)
	if err != nil {
		return session{}, false
	}
	t, hash, found := p.proj.Token(id)
	if !found {
		hash = strings.Repeat("0", 64)
	}
	if !domain.TokenMatches(token, hash) || !found || t.Revoked {
		return session{}, false
	}
	return session{role: t.Role, scope: t.Scope()}, true
}

// loginForm: GET /login, the sign-in form.
func (p *Pages) loginForm(w http.ResponseWriter, r *http.Request) {
	q, perr := readQuery(r, "lang")
	if perr != nil {
		p.fail(w, r, q.lang, *perr)
		return
	}
	p.render(w, r, http.StatusOK, "login", p.frame(r, q.lang, "login.title", nil))
}

// login: POST /login with the form field token. A good token gets the
// session cookie and a 303 to the dashboard; a bad one the form again with
// 401 and no cookie.
func (p *Pages) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxLoginBody)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		status := http.StatusBadRequest
		if errors.As(err, &tooBig) {
			status = http.StatusRequestEntityTooLarge
		}
		p.fail(w, r, langOf(r), pageError{status: status, key: "err.form"})
		return
	}
	l, ok := parseLang(r.PostForm.Get("lang"), r.PostForm.Has("lang"))
	if !ok {
		p.fail(w, r, Vietnamese, pageError{status: http.StatusBadRequest, key: "err.lang", args: []any{r.PostForm.Get("lang")}})
		return
	}
	token := strings.TrimSpace(r.PostForm.Get("token"))
	if _, ok := p.check(token); !ok {
		f := p.frame(r, l, "login.title", nil)
		f.Problem = mustMessage(l, "err.token")
		p.render(w, r, http.StatusUnauthorized, "login", f)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: token, Path: "/",
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
	})
	http.Redirect(w, r, withLang("/", l), http.StatusSeeOther)
}

// logout: POST /logout clears the cookie and goes back to the form.
func (p *Pages) logout(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
	})
	http.Redirect(w, r, withLang("/login", langOf(r)), http.StatusSeeOther)
}

// signedIn returns the request's session, or sends the browser to the
// sign-in form and returns false.
func (p *Pages) signedIn(w http.ResponseWriter, r *http.Request, l Lang) (session, bool) {
	s, ok := p.sessionOf(r)
	if !ok {
		http.Redirect(w, r, withLang("/login", l), http.StatusSeeOther)
	}
	return s, ok
}

// withLang adds lang to a page's path when it is not the default.
func withLang(path string, l Lang) string {
	if l == Vietnamese {
		return path
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + "lang=" + string(l)
}
