package kurrentdb

import (
	"testing"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// TestLedgerStreams: every kind of stream the domain writes is delivered by
// ReadAll and Subscribe, and the claims and the server's own streams are
// not.
func TestLedgerStreams(t *testing.T) {
	for _, c := range []struct {
		stream string
		want   bool
	}{
		{domain.UnitStream("lang-son"), true},
		{domain.FundStream(uuid.New()), true},
		{domain.AccessStream, true},
		{domain.PeriodStream, true},
		{claimStreamPrefix + uuid.NewString(), false},
		{"$settings", false},
		{"$stats-127.0.0.1:2113", false},
		{"$$fund-x", false},
	} {
		if got := isLedgerStream(c.stream); got != c.want {
			t.Errorf("isLedgerStream(%q) = %v, want %v", c.stream, got, c.want)
		}
	}
}

// TestClientScheme: the schemes --store accepts, and the ones it does not.
func TestClientScheme(t *testing.T) {
	for _, c := range []struct {
		uri, want string
		ok        bool
	}{
		{"esdb://localhost:2113?tls=false", "esdb://localhost:2113?tls=false", true},
		{"kurrentdb://admin:changeit@node1:2113", "esdb://admin:changeit@node1:2113", true},
		{"KurrentDB+discover://a:2113,b:2113", "esdb+discover://a:2113,b:2113", true},
		{"esdb+discover://cluster.example:2113", "esdb+discover://cluster.example:2113", true},
		{"embedded", "", false},
		{"http://localhost:2113", "", false},
		{"postgres://db/ledger", "", false},
		{"", "", false},
	} {
		got, ok := clientScheme(c.uri)
		if got != c.want || ok != c.ok {
			t.Errorf("clientScheme(%q) = %q, %v; want %q, %v", c.uri, got, ok, c.want, c.ok)
		}
	}
}

// TestRedact: a password never reaches a log line or an error message.
func TestRedact(t *testing.T) {
	for _, c := range []struct{ uri, want string }{
		{"esdb://admin:s3cret@host:2113?tls=true", "esdb://admin:***@host:2113?tls=true"},
		{"esdb://host:2113?tls=false", "esdb://host:2113?tls=false"},
		{"kurrentdb://ops:p@ss@a:1,b:2", "kurrentdb://ops:***@a:1,b:2"},
	} {
		if got := Redact(c.uri); got != c.want {
			t.Errorf("Redact(%q) = %q, want %q", c.uri, got, c.want)
		}
	}
}
