package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// adminTokenFile is where the first start leaves the admin token, readable
// by the service's user only.
const adminTokenFile = "admin.token"

// bootstrapAdmin makes the first admin token of a ledger that has none: it
// is printed once to stdout and written to <data>/admin.token (mode 0600).
// A ledger with any token, even revoked ones, gets nothing: the token is
// never printed again, and revoking every admin does not reopen the door.
//
// The token is recorded before the file is written, so a crash in between
// leaves a ledger whose admin token nobody has; `welfare-ledger token issue
// --role admin` on the file makes another.
func bootstrapAdmin(ctx context.Context, l *domain.Ledger, dataDir string, stdout io.Writer) error {
	// Decided against the access stream's revision, so that of several
	// instances starting at once on one empty store only one makes it.
	res, issued, err := l.IssueFirstAdmin(ctx, "first admin", domain.SystemActor)
	if err != nil {
		return fmt.Errorf("create the admin token: %w", err)
	}
	if !issued {
		return nil
	}
	path := filepath.Join(dataDir, adminTokenFile)
	if err := writeSecretFile(path, res.Token+"\n"); err != nil {
		return fmt.Errorf("write the admin token: %w", err)
	}
	fmt.Fprintf(stdout, "Created the first admin token (shown this once; also in %s, readable only by you):\n\n    %s\n\n", path, res.Token)
	return nil
}

// writeSecretFile writes content to path with mode 0600, whatever the umask
// or an older file's mode, and syncs it to disk.
func writeSecretFile(path, content string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := io.WriteString(f, content); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

const tokenUsage = `Usage:
  welfare-ledger token issue [--data DIR | --store URI] --role admin|manager|auditor|official [--unit UNIT] --name NAME
  welfare-ledger token list [--data DIR | --store URI]
  welfare-ledger token revoke [--data DIR | --store URI] TOKEN_ID

Works on the store directly: <DIR>/ledger.db, or the KurrentDB of --store
(env WL_STORE); a running server sees the change within 0.2 s (on
KurrentDB, once its subscription delivers it). issue prints the token on
stdout: it is shown this once.
`

// tokenCommand is `welfare-ledger token`.
func tokenCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, tokenUsage)
		return errUsage
	}
	fs := newFlagSet("token "+args[0], stderr)
	dataDir := fs.String("data", envDefault(getenv, "WL_DATA", "./data"), "data directory holding ledger.db (env WL_DATA)")
	storeURI := fs.String("store", envDefault(getenv, "WL_STORE", embeddedStore), storeFlagUsage)
	var role, unit, name *string
	if args[0] == "issue" {
		role = fs.String("role", "", "admin, manager, auditor or official")
		unit = fs.String("unit", "", "the unit the token is scoped to (with its descendants); empty: the whole ledger, admin only")
		name = fs.String("name", "", "who holds the token, e.g. \"Kế toán LĐLĐ Cao Lộc\"")
	}
	switch args[0] {
	case "issue", "list", "revoke":
	case "help", "-h", "--help":
		fmt.Fprint(stdout, tokenUsage)
		return nil
	default:
		fmt.Fprintf(stderr, "unknown token command %q\n\n%s", args[0], tokenUsage)
		return errUsage
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	wantArgs := 0
	if args[0] == "revoke" {
		wantArgs = 1
	}
	if fs.NArg() != wantArgs {
		fmt.Fprintf(stderr, "token %s: want %d argument(s), got %q\n\n%s", args[0], wantArgs, fs.Args(), tokenUsage)
		return errUsage
	}

	store, err := openLedgerStore(ctx, *storeURI, *dataDir, storeOptions{mustExist: true})
	if err != nil {
		return err
	}
	defer store.Close()
	l := domain.NewLedger(store, time.Now)

	switch args[0] {
	case "issue":
		res, err := l.IssueToken(ctx, domain.IssueToken{TokenID: domain.NewID(), Name: *name,
			Role: domain.Role(*role), UnitID: domain.UnitID(*unit)}, domain.SystemActor)
		if err != nil {
			return fmt.Errorf("issue token: %w", err)
		}
		fmt.Fprintf(stderr, "Issued %s token %s (%q, scope %s); it is shown this once:\n", res.Issued.Role, res.Issued.TokenID, res.Issued.Name, scopeName(res.Issued.UnitID))
		fmt.Fprintln(stdout, res.Token)
	case "list":
		a, err := l.Tokens(ctx)
		if err != nil {
			return fmt.Errorf("list tokens: %w", err)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "TOKEN_ID\tROLE\tSCOPE\tNAME\tCREATED_AT\tSTATUS")
		for _, t := range a.Sorted() {
			status := "active"
			if t.Revoked {
				status = "revoked"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.TokenID, t.Role, scopeName(t.UnitID), t.Name, t.IssuedAt.UTC().Format(time.RFC3339), status)
		}
		return tw.Flush()
	case "revoke":
		id, err := domain.ParseUUID(fs.Arg(0))
		if err != nil {
			fmt.Fprintf(stderr, "token revoke: %q is not a token id (a UUID; see token list)\n", fs.Arg(0))
			return errUsage
		}
		pos, err := l.RevokeToken(ctx, id, domain.SystemActor)
		if err != nil {
			return fmt.Errorf("revoke token: %w", err)
		}
		if pos == 0 {
			fmt.Fprintf(stderr, "Token %s was already revoked.\n", id)
		} else {
			fmt.Fprintf(stderr, "Revoked token %s.\n", id)
		}
	}
	return nil
}

func scopeName(u domain.UnitID) string {
	if u == "" {
		return "(whole ledger)"
	}
	return string(u)
}
