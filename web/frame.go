package web

import (
	"net/http"
	"net/url"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// frame is what the layout of every page needs: the language, the title,
// the address of the same page in the other language, and who is signed
// in (nil on the sign-in form and on errors before signing in).
type frame struct {
	Lang    Lang
	Title   string
	Other   string // the same page in the other language
	Session *sessionView
	// Problem is a message shown above a form (a wrong token).
	Problem string
	// Synthetic shows the synthetic-data notice (Config.Synthetic).
	Synthetic bool
}

// sessionView is the signed-in token as the header shows it.
type sessionView struct {
	Role  domain.Role
	Scope domain.UnitID
}

// frame returns the frame of a page titled by the catalogue's key.
func (p *Pages) frame(r *http.Request, l Lang, titleKey string, s *session) frame {
	f := frame{Lang: l, Title: mustMessage(l, titleKey), Other: otherLang(r, l), Synthetic: p.synthetic}
	if s != nil {
		f.Session = &sessionView{Role: s.role, Scope: s.scope}
	}
	return f
}

// T returns the catalogue's entry key in the page's language, with args
// formatted into it; an unknown key fails the page's rendering.
func (f frame) T(key string, args ...any) (string, error) {
	return message(f.Lang, key, args...)
}

// Link returns path in the page's language.
func (f frame) Link(path string) string { return withLang(path, f.Lang) }

// Other language: the same path and query with lang switched.
func otherLang(r *http.Request, l Lang) string {
	q := r.URL.Query()
	if l == Vietnamese {
		q.Set("lang", string(English))
	} else {
		q.Del("lang")
	}
	u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
	if r.Method != http.MethodGet {
		u = url.URL{Path: "/login", RawQuery: q.Encode()}
	}
	return u.String()
}
