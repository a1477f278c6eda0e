package web

// MaxStatementLines lets the tests lower the statement page's bound.
var MaxStatementLines = &maxStatementLines
