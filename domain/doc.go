// Package domain is the heart of Welfare Ledger: money (VND), business dates,
// ids, the event catalogue and its codec with the per-stream hash chain, the
// fund and unit rules as pure Decide/Evolve functions, the domain errors with
// their stable codes, the EventStore port, and the Ledger service that
// decides commands and appends their events with an expected revision.
//
// It imports no package of this project: projections, api and the stores
// depend on it, never the other way round.
package domain
