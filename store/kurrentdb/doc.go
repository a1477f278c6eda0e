// Package kurrentdb is the event store of Welfare Ledger on KurrentDB
// (formerly EventStoreDB): a replicated log for unions that outgrow one
// machine, run as one node or as a three-node cluster, with several API
// instances on it. It is the only package of the program that imports the
// client library, github.com/EventStore/EventStore-Client-Go/v4 at v4.2.0
// (pinned: the module proxy serves only explicit versions, and the renamed
// kurrent-io client must never be linked beside it — both register the same
// protobuf names and the program panics at start). Its test server,
// package kdbtest, speaks the same gRPC protocol and is never linked into
// the program.
//
// It implements domain.EventStore and passes the whole store/storetest
// contract, against the test server in every run and against a live
// server when KURRENTDB_URL names one.
//
// # Streams and appends
//
// The ledger's streams map one to one (unit-…, fund-…, access). Every
// append carries an exact expected revision — NoStream for a new stream,
// Revision(n) otherwise, never Any or StreamExists, whose deduplication is
// only a best-effort cache on the server — and the ledger's own event ids:
// a money event's id is its transaction id, a fund opening's its fund id.
// KurrentDB's idempotency rule makes a retried append (same revision, same
// ids) a no-op that answers success; because another instance may have
// written different events under those ids first, Append reads the
// revisions back and accepts them only if they hold byte for byte what it
// sent, and answers ErrWrongExpectedVersion otherwise: the ledger decides
// again and answers 200 (a replay) or 409 (idempotency_conflict), never 201
// twice.
//
// Before it is claimed, an append's first event is checked against the
// stream's stored tail (domain.CheckAppendLink, the hash chain); the exact
// expected revision makes the check hold for the write, since KurrentDB
// never changes a written event.
//
// KurrentDB does not refuse an event id already used in another stream,
// which the port requires (ErrDuplicateEventID: one transaction id in two
// funds). The adapter keeps a claim per event id in the store itself, in
// streams outside the ledger's prefixes; claims.go describes the protocol
// and the one case it does not close.
//
// # Positions
//
// domain.Position is the $all commit position. Every event of an append is
// its own self-committing record, so commit = prepare for each event and
// the events of one append have distinct, increasing positions, with gaps
// (position.go). No code may compute position ± 1. ReadAll and Subscribe
// read $all from (p, p) and skip what is not after p; they deliver only the
// ledger's streams, skipping the server's $-prefixed system events and the
// claims.
//
// # Failures
//
// Every call has a deadline (Options.CallTimeout). A node that does not
// answer, a dropped connection, a follower that is not the leader: all
// become domain.ErrStoreUnavailable, which the API answers 503
// store_unavailable with Retry-After; a retry with the same ids is safe
// (the append is written once, or found already written). Refused
// credentials are ErrUnauthenticated; Open checks the server at start, so
// a wrong address, scheme or password stops the program with a clear
// message. The client library closes itself for good when a node stays
// unreachable through its discovery attempts; the adapter then makes a new
// client, so writes resume when the node is back, without a restart.
// Subscriptions end with ErrSubscriptionDropped when the server or the
// connection drops them — routine on KurrentDB — and the projections'
// runner subscribes again from the last position it applied.
package kurrentdb
