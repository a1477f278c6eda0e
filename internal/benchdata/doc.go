// Package benchdata generates realistic ledger histories for benchmarks: a
// union hierarchy (the confederation, provinces, districts, grassroots
// unions), hundreds of funds of every kind, and years of donations, grants,
// loans, repayments and reversals to members drawn from a large pool.
//
// Every event goes through the real write path's encoding (domain.Seal with
// each stream's hash chain, metadata with the command's payload hash) and is
// appended to a store with expected revisions. The generator models each
// fund's balance and loans and only emits events the domain's rules accept,
// so the history never overdraws a fund, over-repays a loan or reverses a
// transaction twice.
//
// Histories are large (10 M events is a few GiB) and are never committed:
// Ensure builds one on demand at a path and reuses it on later runs.
package benchdata
