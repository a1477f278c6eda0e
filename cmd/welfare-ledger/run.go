package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
)

const usage = `welfare-ledger: an event-sourced ledger for trade-union welfare funds.

Usage:
  welfare-ledger serve [--addr 127.0.0.1:8080] [--data ./data] [--store URI] [--tls-cert F --tls-key F]
  welfare-ledger token issue [--data DIR] [--store URI] --role ROLE [--unit UNIT] --name NAME
  welfare-ledger token list [--data DIR] [--store URI]
  welfare-ledger token revoke [--data DIR] [--store URI] TOKEN_ID
  welfare-ledger verify [--data DIR] [--store URI]
  welfare-ledger export [--data DIR] [--store URI] [-o FILE]
  welfare-ledger import [--data DIR] [--store URI] FILE
  welfare-ledger replay [--data DIR] [--store URI] [--as-of YYYY-MM-DD] [--unit UNIT] [--json]
  welfare-ledger bench [--url http://127.0.0.1:8080] [--clients 64] [--duration 30s]

Commands:
  serve   run the HTTP API on the embedded store (<data>/ledger.db) or on
          KurrentDB (--store esdb://…, env WL_STORE); the first start on an
          empty ledger creates the admin token, prints it once and writes it
          to <data>/admin.token
  token   issue, list and revoke bearer tokens on the store directly
  verify  recompute every hash chain and rebuild every projection from the
          log, as GET /v1/audit/verify does; exits non-zero on a mismatch
  export  write the whole log as JSON Lines, each line as GET /v1/events
          lists the event
  import  load an exported log into a new ledger, checking every line and
          hash chain; all or nothing (on KurrentDB: checked whole before
          the first write, resumable when stopped half-way)
  replay  rebuild the projections from the log and print the funds' figures
  bench   load a server over HTTP (or one started in-process) and verify its figures

Run 'welfare-ledger COMMAND --help' for a command's flags.
`

// errUsage marks a command line that could not be understood; run has
// already printed what was wrong.
var errUsage = errors.New("invalid command line")

// run is the whole program, with its environment passed in so that tests can
// drive it: args without the program name, getenv for configuration,
// stdout and stderr for output. It returns when the command is done or ctx
// is cancelled (SIGINT, SIGTERM).
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], getenv, stdout, stderr)
	case "token":
		return tokenCommand(ctx, args[1:], getenv, stdout, stderr)
	case "bench":
		return bench(ctx, args[1:], getenv, stdout, stderr)
	case "verify":
		return verifyCommand(ctx, args[1:], getenv, stdout, stderr)
	case "export":
		return exportCommand(ctx, args[1:], getenv, stdout, stderr)
	case "import":
		return importCommand(ctx, args[1:], getenv, stdout, stderr)
	case "replay":
		return replayCommand(ctx, args[1:], getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprintf(stderr, "unknown command %q\n\n%s", args[0], usage)
		return errUsage
	}
}

// envDefault returns the environment variable's value, or def when unset.
func envDefault(getenv func(string) string, name, def string) string {
	if v := getenv(name); v != "" {
		return v
	}
	return def
}

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}
