package embedded

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// ErrSchemaTooNew: the file was written by a newer version of the program,
// whose schema this version does not know; opening it could misread or
// damage it.
var ErrSchemaTooNew = errors.New("ledger file schema is newer than this program")

// ErrNotLedger: the file is an SQLite database of some other application.
var ErrNotLedger = errors.New("not a welfare ledger database")

// applicationID marks a ledger file in the SQLite header (PRAGMA
// application_id), so that tools such as file(1) and Open can tell it from
// other SQLite databases. The bytes spell "WLED".
const applicationID = 0x574C4544

// migrations[v] takes the schema from version v to v+1. The schema version is
// PRAGMA user_version; a new version only ever adds a migration at the end,
// because files in the field may be at any earlier version.
var migrations = []func(ctx context.Context, conn *sql.Conn) error{
	migrateV1,
}

// schemaVersion is the version this program writes and understands.
var schemaVersion = len(migrations)

// migrateV1 creates the events table. position is the rowid: SQLite hands
// out max(rowid)+1, and as rows are never deleted positions only grow. The
// event id is the canonical lowercase UUID text so that auditors can search
// for the id printed on a receipt.
func migrateV1(ctx context.Context, conn *sql.Conn) error {
	for _, stmt := range []string{
		`CREATE TABLE events (
			position INTEGER PRIMARY KEY,
			stream   TEXT NOT NULL,
			revision INTEGER NOT NULL,
			event_id TEXT NOT NULL,
			type     TEXT NOT NULL,
			data     TEXT NOT NULL,
			metadata TEXT NOT NULL
		)`,
		`CREATE UNIQUE INDEX events_stream_revision ON events (stream, revision)`,
		`CREATE UNIQUE INDEX events_event_id ON events (event_id)`,
		fmt.Sprintf(`PRAGMA application_id = %d`, applicationID),
	} {
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("schema v1: %w", err)
		}
	}
	return nil
}

// migrate brings the file's schema to schemaVersion in one transaction, so a
// crash mid-migration leaves the file at its old version.
func migrate(ctx context.Context, conn *sql.Conn) (err error) {
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer func() {
		if err != nil {
			// The ROLLBACK error is secondary: the migration error says why.
			_, _ = conn.ExecContext(ctx, "ROLLBACK")
		}
	}()

	var version int
	if err := conn.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("migrate: read schema version: %w", err)
	}
	if version > schemaVersion {
		return fmt.Errorf("schema version %d, this program knows up to %d: upgrade the program: %w",
			version, schemaVersion, ErrSchemaTooNew)
	}
	if version < 0 {
		return fmt.Errorf("schema version %d: %w", version, ErrNotLedger)
	}
	if err := checkOwner(ctx, conn, version); err != nil {
		return err
	}
	for v := version; v < schemaVersion; v++ {
		if err := migrations[v](ctx, conn); err != nil {
			return fmt.Errorf("migrate from schema version %d: %w", v, err)
		}
	}
	if version != schemaVersion {
		// PRAGMA takes no bound parameters; schemaVersion is our own integer.
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", schemaVersion)); err != nil {
			return fmt.Errorf("migrate: set schema version: %w", err)
		}
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("migrate: commit: %w", err)
	}
	return nil
}

// checkOwner refuses a database that belongs to another application: a new
// file (version 0) must be empty, and a migrated one must carry our
// application id.
func checkOwner(ctx context.Context, conn *sql.Conn, version int) error {
	if version == 0 {
		var objects int
		if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&objects); err != nil {
			return fmt.Errorf("migrate: inspect schema: %w", err)
		}
		if objects != 0 {
			return fmt.Errorf("schema version 0 but %d tables or indexes already exist: %w", objects, ErrNotLedger)
		}
		return nil
	}
	var id int64
	if err := conn.QueryRowContext(ctx, "PRAGMA application_id").Scan(&id); err != nil {
		return fmt.Errorf("migrate: read application id: %w", err)
	}
	if id != applicationID {
		return fmt.Errorf("application id %#x, want %#x: %w", id, applicationID, ErrNotLedger)
	}
	return nil
}
