// Package projections folds the global event log into the read models the
// API serves: units and their hierarchy, fund summaries at any business date,
// unit roll-ups over a subtree and a period, loans, transactions with their
// reversals, and beneficiaries.
//
// Everything lives in memory and is fed in log order (Apply), by Run, which
// catches up from the store and then follows its subscription. Because the
// log is the truth, the projections can always be thrown away and rebuilt;
// a rebuild gives exactly the live state. Verify checks that it does, while
// the live projections serve: it rebuilds a scratch copy from the log up to
// their position, checking every stream's hash chain and every event's
// rules on the way (and the store's own storage, where it can check it),
// and reports every figure in which the two differ, and a log that no
// longer holds the history they were built from (history.go).
//
// Answers for a past business date never replay the log: every fund and
// unit keeps date-indexed running sums for balances, totals, counts and
// distinct beneficiaries, found through a table of months
// (domain.DateIndex), so an as_of answer is a lookup; distinct persons over
// any period come from each person index's period index (see personIndex).
//
// The files follow the indexes, not the phases: each index keeps its live
// apply and its bulk rebuild (what a checkpoint load derives instead of
// reading) side by side — units.go, funds.go, money.go (transactions,
// loans, reversal links), sums.go, persons.go, beneficiaries.go,
// txindex.go (by id), knownindex.go (known_at), access.go (tokens) — and
// TestRebuildEqualsApply holds the two equal, index by index. The closed
// fiscal years are periods.go, their checkpoint part
// periods_checkpoint.go (read back as written; the property test and
// TestPeriodsSurviveCheckpoint hold the round trip). The void rule
// (domain.Periods.VoidAt: what lands after a close of its year began
// counts nowhere) is periods_void.go, with its checkpoint part and the
// void events verify reports (verify_void.go). The
// checkpoint's framing is checkpoint.go and checkpoint_format.go; every
// code it writes has its pinned number in codes.go.
package projections
