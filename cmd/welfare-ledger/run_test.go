package main

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRunCommandLine(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr error
		wantOut string // in stdout or stderr
	}{
		{"no command", nil, errUsage, "Usage:"},
		{"unknown command", []string{"frobnicate"}, errUsage, `unknown command "frobnicate"`},
		{"help", []string{"help"}, nil, "serve"},
		{"serve unknown flag", []string{"serve", "--nope"}, errUsage, "flag provided but not defined"},
		{"serve extra argument", []string{"serve", "extra"}, errUsage, "unexpected arguments"},
		{"serve bad log format", []string{"serve", "--log-format", "xml"}, errUsage, "text or json"},
		{"verify extra argument", []string{"verify", "extra"}, errUsage, "unexpected arguments"},
		{"verify without a ledger", []string{"verify", "--data", "/nonexistent/welfare"}, fs.ErrNotExist, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(context.Background(), tc.args, func(string) string { return "" }, &out, &out)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("run(%q) = %v, want %v", tc.args, err, tc.wantErr)
			}
			if !strings.Contains(out.String(), tc.wantOut) {
				t.Fatalf("run(%q) printed %q, want it to contain %q", tc.args, out.String(), tc.wantOut)
			}
		})
	}
}

// TestServeFromEnvironmentAndShutdown starts serve in-process, configured
// only through WL_ADDR and WL_DATA, and checks that cancelling its context
// (what SIGINT/SIGTERM do) stops it cleanly with the database in place.
func TestServeFromEnvironmentAndShutdown(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	addr := freeAddr(t)
	env := map[string]string{"WL_ADDR": addr, "WL_DATA": dir}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var logs bytes.Buffer
	go func() { done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, &logs, &logs) }()

	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not come up on %s", addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve after cancel = %v, want nil", err)
		}
	case <-time.After(40 * time.Second):
		t.Fatal("serve did not stop after its context was cancelled")
	}
	if _, err := os.Stat(filepath.Join(dir, "ledger.db")); err != nil {
		t.Fatalf("ledger.db not created in WL_DATA: %v", err)
	}
}
