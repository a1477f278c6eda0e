package web

import (
	"fmt"
	"net/http"
)

// pageError is a request a page cannot answer: the status and the
// catalogue's message, with its arguments.
type pageError struct {
	status int
	key    string
	args   []any
}

// errorView is what the error page shows.
type errorView struct {
	frame
	Status  int
	Heading string
	Message string
}

// fail writes the error page for e in l, with e's status. It shows none
// of the figures of what was asked for.
func (p *Pages) fail(w http.ResponseWriter, r *http.Request, l Lang, e pageError) {
	heading, ok := catalogue[fmt.Sprintf("error.%d", e.status)]
	if !ok {
		heading = catalogue["error"]
	}
	v := errorView{
		frame:   p.frame(r, l, "error", nil),
		Status:  e.status,
		Heading: heading.in(l),
		Message: mustMessage(l, e.key, e.args...),
	}
	v.Title = v.Heading
	p.render(w, r, e.status, "error", v)
}

// mustMessage is message for keys the code itself names: a missing one is
// a bug that TestCatalogueKeysInCode finds.
func mustMessage(l Lang, key string, args ...any) string {
	m, err := message(l, key, args...)
	if err != nil {
		panic(err)
	}
	return m
}
