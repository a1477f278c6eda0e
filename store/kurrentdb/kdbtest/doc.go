// Package kdbtest is a KurrentDB (formerly EventStoreDB) stand-in for tests:
// an in-memory gRPC server on 127.0.0.1 that speaks the protocol of
// github.com/EventStore/EventStore-Client-Go/v4 v4.2.0, built on that
// module's own generated stubs (protos/streams, protos/shared,
// protos/serverfeatures). No KurrentDB server can run on the machines the
// ledger is built on, so the adapter in store/kurrentdb is tested against
// this package and, whenever KURRENTDB_URL is set, against a real node.
// Only tests import it; it never enters the shipped binary.
//
// A test starts one server per test (it costs a port and a few
// goroutines) and connects the real client to it:
//
//	srv, err := kdbtest.Start(kdbtest.Options{SystemEvents: true})
//	if err != nil {
//		t.Fatal(err)
//	}
//	t.Cleanup(srv.Close)
//	conf, err := esdb.ParseConnectionString(srv.URI())
//
// Its rules were read from the server's source (kurrent-io/KurrentDB,
// src/KurrentDB.Core: Services/Transport/Grpc/Streams.Append.cs and
// Streams.Read.cs, Services/Storage/ReaderIndex/IndexWriter.cs CheckCommit
// and AllReader.cs, Services/Storage/StorageWriterService.cs,
// Services/Transport/Enumerators/*Subscription*.cs, RpcExceptions.cs,
// Services/Transport/Http/AuthenticationMiddleware.cs), not guessed.
//
// # Appends (Streams.Append)
//
// Every append is one atomic, contiguous transaction. The expected revision
// is checked as IndexWriter.CheckCommit does:
//
//   - NoStream: success if the stream has no events. If it has, the
//     append's ids are compared with the events from revision 0 on, as for
//     an exact revision (below).
//   - An exact revision n: success if the stream's last revision is n. If
//     the stream is already past n, the ids of the append are compared with
//     the events at revisions n+1, n+2, …: all equal is a success with
//     nothing written, answering the revision and position of the last of
//     those events (an idempotent retry); a first mismatch, a later one
//     ("corrupted idempotency") or an append longer than what follows n is
//     a wrong expected version. If the stream is behind n: wrong expected
//     version.
//   - Any, StreamExists: StreamExists on a stream without events is a wrong
//     expected version. Otherwise the ids are looked up among the events
//     already written to this stream: none found is a plain write; all
//     found is an idempotent success; the first found and a later one not
//     is a wrong expected version. (KurrentDB looks in a bounded cache of
//     recent ids, so its Any/StreamExists deduplication is best effort;
//     here it remembers every id. The ledger never uses these two.)
//
// A wrong expected version is a normal answer (AppendResp.wrong_expected_version
// with the expectation and the stream's current revision or current_no_stream,
// plus the deprecated *_20_6_0 fields), not a gRPC error; the client turns it
// into esdb.ErrorCodeWrongExpectedVersion. An event id already used in
// another stream is not refused: KurrentDB checks ids per stream only.
// An event without the "type" or "content-type" metadata is refused with
// InvalidArgument and exception "missing-required-metadata-property"; one
// larger than 16 MiB (data + metadata + 2 × type length) with
// "maximum-append-event-size-exceeded". An append of zero events whose
// expectation holds succeeds with no position (an approximation).
//
// # Positions
//
// A position is a byte offset in a simulated transaction file. The log
// opens with a 137-byte record that is not an event (KurrentDB's epoch
// record), so no event is at position 0. Each event is a self-committed
// prepare record: its commit position equals its prepare position equals
// its own offset, and the next event starts size bytes later, where size is
// 95 + len(stream) + 2·len(type) + len(data) + len(metadata). So positions
// grow strictly but never by a constant step; position+1 is inside a record.
// The events of one multi-event append have distinct, increasing positions
// (each its own offset), and the append's answer carries the position of
// its LAST event as both commit and prepare position (KurrentDB answers the
// log position of the transaction's last prepare). Stream reads carry the
// same positions as $all reads.
//
// # Reads (Streams.Read, count option)
//
// A stream read of a stream without events answers stream_not_found (the
// client's ReadStream.Recv gives esdb.ErrorCodeResourceNotFound); otherwise
// the events from the start revision in the read's direction, the start
// included, at most count, none past either end (Start is revision 0, so
// backwards from Start is event 0 alone; forwards from End, which a real
// node fails, is empty here). A $all read forwards from
// a position includes the event at that position; backwards from a
// position starts with the event before it; from an offset that is not the
// start of a record it fails with InvalidArgument "Trying to read from an
// invalid position." (KurrentDB's InvalidPosition); a position at or past
// the end of the log is accepted (nothing forwards). Every event carries the
// system metadata "type", "content-type" (application/json or
// application/octet-stream, from the append's content type) and "created"
// (.NET ticks since the Unix epoch, which the client parses with
// log.Fatalf on failure). The first/last stream position messages that
// newer clients ask for with control_option are never sent: client v4.2.0
// panics on them.
//
// # Subscriptions (Streams.Read, subscription option)
//
// The first message is the confirmation. The start is exclusive: from a
// position (or revision) the subscription sends only later events; from End
// (the client's default) only events written after the subscription
// started; from Start everything. Then every event in log order, then once
// a caught-up message, then live events as they are written — one cursor
// over the log, so events written while catching up arrive without gap or
// repeat. A subscription to a stream that does not exist waits for it.
// $all subscriptions may filter on the stream name or the event type, by
// prefixes or by a regular expression (Go's RE2 syntax, not .NET's); a
// filtered one also sends a checkpoint (commit = prepare = the position of
// the last event considered, matching or not) every checkpoint-interval-
// multiplier × search-window considered events, and one just before its
// caught-up message (none when it starts from End); resuming from a
// checkpoint's position, exclusive, loses nothing. A start position past
// the end of the log is accepted and skips every event up to it. $all
// carries system events ($-prefixed streams and types): with
// Options.SystemEvents three at start and one after every append; any time
// with AppendSystemEvent.
//
// # Errors and faults
//
// Credentials (Options.Username/Password) make the server speak TLS with a
// certificate made at Start (client v4.2.0 sends credentials only over TLS,
// and KurrentDB in insecure mode has no authentication). As KurrentDB's
// AuthenticationMiddleware: wrong credentials fail the call with
// Unauthenticated "Unauthenticated" and no exception trailer
// (esdb.ErrorCodeUnauthenticated); no credentials is an anonymous user,
// which may ask for the server features but is refused stream access with
// PermissionDenied "Access Denied" and exception "access-denied"
// (esdb.ErrorCodeAccessDenied). The client sends no credentials with its
// server-features call, so connecting succeeds with wrong credentials and
// the first read or append fails. A refused append is read to its end
// before the answer (see authStream for the race a real node has there).
//
// Stop, Restart, DropConnections, DropSubscriptions, DropSubscriptionAfter
// and FailAppends inject the failures a distributed store has: a node that
// goes away and comes back with its data, a cut network, a subscription
// dropped (at once, or after exactly n more events), an append whose
// connection drops before or after the write, and one that never gets an
// answer (FailHang). Nothing else drops a connection: the client's
// keepalive pings (every 10 s, also when idle) are accepted, as KurrentDB
// accepts them.
//
// # What it does not reproduce
//
// No persistence (data lives in memory until Close; Stop/Restart keep it),
// no ACLs or users beyond one basic-auth pair, no stream metadata semantics
// ($$-streams are ordinary streams: no $maxCount, $tb, $acl), no deletes or
// tombstones (Delete and Tombstone answer Unimplemented), no BatchAppend,
// no persistent subscriptions, projections, gossip, cluster or leader
// election (never a not-leader answer), no link resolution (resolve_links
// is ignored), no server-side timeouts, no fell-behind messages, no
// long-poll; the size limit of a whole append (256 MiB) is not enforced,
// and gRPC's own limit of 17 MiB per message applies instead.
//
// # Client behaviour worth knowing (v4.2.0, read from its source)
//
// A single-node URI (esdb://host:port) does no gossip: the client connects
// and asks ServerFeatures.GetSupportedMethods. After an Unavailable error
// the client rediscovers on its next call; if the server cannot be reached
// for MaxDiscoverAttempts (default 10) × DiscoveryInterval (default 100 ms)
// the client closes itself for good (esdb.ErrorCodeConnectionClosed on
// every later call), so an adapter must make a new client then. With
// tls=false the client sends no credentials at all, whatever the URI says.
// Its ReadStream.Recv panics on any read message other than an event or
// stream_not_found.
package kdbtest
