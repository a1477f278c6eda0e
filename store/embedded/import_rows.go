package embedded

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// importRows is the number of events an import inserts with one
// statement. One statement a row spent a fifth of an import's inserting
// in database/sql and the driver (binding, stepping and resetting it a
// million times); 64 rows bind 448 values, far below SQLite's limit of
// 32,766.
const importRows = 64

// importColumns are the columns an import fills, in the order it binds
// them.
const importColumns = "position, stream, revision, event_id, type, data, metadata"

// importRow is an event checked for import, with its id as text.
type importRow struct {
	se domain.StoredEvent
	id string
}

// importInserts are an import's prepared statements: one for importRows
// events, one for a single event (the last events, and finding the one
// a refused statement held).
type importInserts struct {
	many, one *sql.Stmt
	args      []any
}

func prepareImportInserts(ctx context.Context, conn *sql.Conn) (*importInserts, error) {
	const row = "(?, ?, ?, ?, ?, ?, ?)"
	insert := "INSERT INTO events (" + importColumns + ") VALUES "
	one, err := conn.PrepareContext(ctx, insert+row)
	if err != nil {
		return nil, fmt.Errorf("prepare insert: %w", err)
	}
	many, err := conn.PrepareContext(ctx, insert+strings.Repeat(row+", ", importRows-1)+row)
	if err != nil {
		one.Close()
		return nil, fmt.Errorf("prepare insert: %w", err)
	}
	return &importInserts{many: many, one: one, args: make([]any, 0, 7*importRows)}, nil
}

func (ins *importInserts) close() {
	ins.many.Close()
	ins.one.Close()
}

// insert inserts rows, the events after the first done of the import: with
// one statement when they are importRows, else one by one. A statement
// refused by a constraint (a unique index) changes nothing and leaves the
// transaction open (SQLite undoes the statement's own rows only), so a
// refused batch is inserted again event by event to name the event
// refused and why.
func (ins *importInserts) insert(ctx context.Context, conn *sql.Conn, rows []importRow, done int) error {
	if len(rows) == importRows {
		ins.args = ins.args[:0]
		for _, r := range rows {
			ins.args = appendImportArgs(ins.args, r)
		}
		_, err := ins.many.ExecContext(ctx, ins.args...)
		if err == nil {
			return nil
		}
		if !isConstraint(err) {
			// After another error (I/O, a full disk) SQLite may have
			// rolled the whole transaction back: an insert now would be a
			// transaction of its own.
			return fmt.Errorf("insert the events at positions %d to %d: %w", rows[0].se.Position, rows[len(rows)-1].se.Position, err)
		}
	}
	for i, r := range rows {
		if _, err := ins.one.ExecContext(ctx, appendImportArgs(ins.args[:0], r)...); err != nil {
			return &ImportEventError{Event: done + i + 1, Err: explainImportError(ctx, conn, r.se, r.id, err)}
		}
	}
	return nil
}

// appendImportArgs appends the values of r's columns, as importColumns
// lists them.
func appendImportArgs(args []any, r importRow) []any {
	return append(args, int64(r.se.Position), r.se.Stream, int64(r.se.Revision), r.id, r.se.Type, string(r.se.Data), string(r.se.Metadata))
}
