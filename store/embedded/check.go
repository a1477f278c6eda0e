package embedded

import (
	"context"
	"fmt"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// maxStorageProblems bounds the problems CheckStorage lists: a badly
// damaged file reports one per damaged page, and the first ones say
// enough.
const maxStorageProblems = 100

// CheckStorage checks the ledger file itself with SQLite's PRAGMA
// quick_check: every page of every table and index b-tree is well formed,
// no page is used twice or lost, records are well formed (what
// integrity_check does, but for the comparison of every index with its
// table, which costs a sort of each index). It returns the problems
// found, at most maxStorageProblems, or none for a sound file. Damage
// there is not in the events a verification reads by position (an index
// page, a free-list page) but breaks the writes and the lookups that use
// it, so an auditor hears of it before a write fails. It reads the whole
// file, on a read connection: writes go on meanwhile.
//
// Errors: domain.ErrStoreClosed, ctx errors, and SQLite's errors other
// than the damage it reports (a file too damaged to check at all is an
// error, SQLITE_CORRUPT).
func (s *Store) CheckStorage(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.isClosing() {
		return nil, fmt.Errorf("check storage: %w", domain.ErrStoreClosed)
	}
	// PRAGMA takes no bound parameters; the limit is our own constant.
	rows, err := s.readDB.QueryContext(ctx, fmt.Sprintf("PRAGMA quick_check(%d)", maxStorageProblems))
	if err != nil {
		return nil, fmt.Errorf("check storage: %w", s.readError(err))
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return nil, fmt.Errorf("check storage: %w", err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("check storage: %w", s.readError(err))
	}
	return problems, nil
}
