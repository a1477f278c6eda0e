package main

import (
	"os"
	"testing"
)

// TestEndToEndLive runs the end-to-end test against the KurrentDB server
// KURRENTDB_URL names, through the real binary. The test writes fixed unit
// names and a fixed fund id, and its first start makes the admin token, so
// it needs a server without a ledger (a fresh node): on one that holds
// ledger events it skips, saying so.
func TestEndToEndLive(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	uri := os.Getenv("KURRENTDB_URL")
	if uri == "" {
		t.Skip("KURRENTDB_URL is not set: no live KurrentDB server to run the end-to-end test against (TestEndToEnd runs it against the test server)")
	}
	if n := ledgerEventCount(t, uri); n != 0 {
		t.Skipf("the server at KURRENTDB_URL holds %d ledger events: the end-to-end test needs one without a ledger (a fresh node)", n)
	}
	endToEnd(t, "--store", uri)
}
