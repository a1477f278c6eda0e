package kurrentdb

import (
	"strings"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// ledgerStreamPrefixes are the streams of the ledger in $all: units
// (domain.UnitStream), funds (domain.FundStream) and the access log
// (domain.AccessStream) and the closed fiscal periods
// (domain.PeriodStream). ReadAll and Subscribe deliver only these: $all
// also carries the server's own $-prefixed streams and this adapter's
// event-id claims, which are not the ledger's events. A test checks the
// list against the domain's stream names, so that a new kind of stream
// cannot be silently left out.
var ledgerStreamPrefixes = []string{"unit-", "fund-", domain.AccessStream, domain.PeriodStream}

// isLedgerStream reports whether stream is one of the ledger's.
func isLedgerStream(stream string) bool {
	for _, p := range ledgerStreamPrefixes {
		if strings.HasPrefix(stream, p) {
			return true
		}
	}
	return false
}
