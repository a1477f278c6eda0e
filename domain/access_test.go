package domain_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

func TestIssueTokenRecordsOnlyTheHash(t *testing.T) {
	env := newLedgerEnv(t, domain.FundSocial)
	ctx := context.Background()
	id := domain.NewID()
	got, err := env.l.IssueToken(ctx, domain.IssueToken{TokenID: id, Name: "Kế toán Cao Lộc", Role: domain.RoleManager, UnitID: "lang-son"}, testActor)
	if err != nil {
		t.Fatalf("IssueToken: %v", err)
	}
	tokID, err := domain.TokenID(got.Token)
	if err != nil || tokID != id {
		t.Fatalf("TokenID(%q) = %v, %v; want %v", got.Token, tokID, err, id)
	}
	if !domain.TokenMatches(got.Token, got.Issued.SecretHash) {
		t.Errorf("TokenMatches(token, its own hash) = false")
	}
	// The random part carries 256 bits; two tokens never share it.
	other, err := env.l.IssueToken(ctx, domain.IssueToken{TokenID: domain.NewID(), Name: "x", Role: domain.RoleAdmin}, testActor)
	if err != nil {
		t.Fatalf("IssueToken: %v", err)
	}
	if other.Token[36:] == got.Token[36:] {
		t.Errorf("two tokens share their secret part")
	}
	evs, err := env.store.ReadStream(ctx, domain.AccessStream, 0, 10)
	if err != nil || len(evs) != 2 {
		t.Fatalf("ReadStream(access) = %d events, %v; want 2", len(evs), err)
	}
	for _, se := range evs {
		if strings.Contains(string(se.Data), got.Token[36:]) || strings.Contains(string(se.Data), other.Token[36:]) {
			t.Errorf("access event %s stores the secret: %s", se.Type, se.Data)
		}
	}
	e, err := domain.Decode(evs[0])
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if e.Meta.Actor != testActor {
		t.Errorf("actor = %q, want %q", e.Meta.Actor, testActor)
	}
	if _, err := domain.VerifyHash(domain.GenesisHash, evs[0]); err != nil {
		t.Errorf("VerifyHash: %v", err)
	}
}

func TestIssueTokenRefusals(t *testing.T) {
	env := newLedgerEnv(t, domain.FundSocial)
	ctx := context.Background()
	taken := domain.NewID()
	if _, err := env.l.IssueToken(ctx, domain.IssueToken{TokenID: taken, Name: "a", Role: domain.RoleAuditor, UnitID: "lang-son"}, testActor); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		cmd   domain.IssueToken
		code  domain.Code
		field string
	}{
		{"unknown role", domain.IssueToken{TokenID: domain.NewID(), Name: "a", Role: "root", UnitID: "lang-son"}, domain.CodeValidation, "role"},
		{"manager without unit", domain.IssueToken{TokenID: domain.NewID(), Name: "a", Role: domain.RoleManager}, domain.CodeValidation, "unit_id"},
		{"official without unit", domain.IssueToken{TokenID: domain.NewID(), Name: "a", Role: domain.RoleOfficial}, domain.CodeValidation, "unit_id"},
		{"bad unit id", domain.IssueToken{TokenID: domain.NewID(), Name: "a", Role: domain.RoleManager, UnitID: "Lang Son"}, domain.CodeValidation, "unit_id"},
		{"no name", domain.IssueToken{TokenID: domain.NewID(), Role: domain.RoleManager, UnitID: "lang-son"}, domain.CodeValidation, "name"},
		{"nil id", domain.IssueToken{Name: "a", Role: domain.RoleManager, UnitID: "lang-son"}, domain.CodeValidation, "token_id"},
		{"unknown unit", domain.IssueToken{TokenID: domain.NewID(), Name: "a", Role: domain.RoleManager, UnitID: "ha-giang"}, domain.CodeNotFound, ""},
		{"id taken", domain.IssueToken{TokenID: taken, Name: "a", Role: domain.RoleManager, UnitID: "lang-son"}, domain.CodeIdempotencyConflict, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := env.count()
			_, err := env.l.IssueToken(ctx, tc.cmd, testActor)
			if got := domain.CodeOf(err); got != tc.code {
				t.Fatalf("IssueToken(%+v) = %v, want code %s", tc.cmd, err, tc.code)
			}
			if tc.field != "" && !hasField(err, tc.field) {
				t.Errorf("IssueToken(%+v) = %v, want field %s named", tc.cmd, err, tc.field)
			}
			if after := env.count(); after != before {
				t.Errorf("a refused IssueToken recorded %d events", after-before)
			}
		})
	}
}

func hasField(err error, field string) bool {
	var de *domain.Error
	if !errors.As(err, &de) {
		return false
	}
	for _, f := range de.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

func TestRevokeToken(t *testing.T) {
	env := newLedgerEnv(t, domain.FundSocial)
	ctx := context.Background()
	tok, err := env.l.IssueToken(ctx, domain.IssueToken{TokenID: domain.NewID(), Name: "a", Role: domain.RoleOfficial, UnitID: "lang-son"}, testActor)
	if err != nil {
		t.Fatal(err)
	}
	pos, err := env.l.RevokeToken(ctx, tok.Issued.TokenID, testActor)
	if err != nil || pos == 0 {
		t.Fatalf("RevokeToken = %d, %v; want a position", pos, err)
	}
	// A second revocation records nothing.
	before := env.count()
	pos, err = env.l.RevokeToken(ctx, tok.Issued.TokenID, testActor)
	if err != nil || pos != 0 || env.count() != before {
		t.Errorf("RevokeToken again = %d, %v, %d new events; want 0, nil, 0", pos, err, env.count()-before)
	}
	if _, err := env.l.RevokeToken(ctx, uuid.New(), testActor); domain.CodeOf(err) != domain.CodeNotFound {
		t.Errorf("RevokeToken(unknown) = %v, want not_found", err)
	}
	a, err := env.l.Tokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st := a.Tokens[tok.Issued.TokenID]; st == nil || !st.Revoked {
		t.Errorf("Tokens()[%s] = %+v, want revoked", tok.Issued.TokenID, st)
	}
}

// Concurrent issuers on one store all succeed, each at its own revision of
// the access stream.
func TestIssueTokenConcurrently(t *testing.T) {
	store := openStore(t, filepath.Join(t.TempDir(), "ledger.db"))
	l := domain.NewLedger(store, clockAt(ledgerNow))
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := l.IssueToken(context.Background(), domain.IssueToken{TokenID: domain.NewID(), Name: "a", Role: domain.RoleAdmin}, testActor)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil && domain.CodeOf(err) != domain.CodeConcurrentModification {
			t.Errorf("IssueToken: %v", err)
		}
	}
	a, err := l.Tokens(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Tokens) == 0 || int(a.Revision)+1 != len(a.Tokens) {
		t.Errorf("access stream: %d tokens at revision %d", len(a.Tokens), a.Revision)
	}
}

func TestTokenIDSyntax(t *testing.T) {
	id := uuid.MustParse("0190a0b6-0000-7000-8000-00000000000a")
	good := "wl_0190a0b600007000800000000000000a_" + strings.Repeat("A", 43)
	if got, err := domain.TokenID(good); err != nil || got != id {
		t.Fatalf("TokenID(%q) = %v, %v", good, got, err)
	}
	for _, bad := range []string{
		"", "wl_", good[:len(good)-1], good + "A", "xx" + good[2:],
		"wl_0190a0b6000070008000000000000zza_" + strings.Repeat("A", 43),
		"wl_0190a0b6000070008000000000000000a" + strings.Repeat("A", 44),
	} {
		if _, err := domain.TokenID(bad); !errors.Is(err, domain.ErrTokenSyntax) {
			t.Errorf("TokenID(%q) = %v, want ErrTokenSyntax", bad, err)
		}
	}
	if domain.TokenMatches(good, domain.HashToken(good+"x")) {
		t.Errorf("TokenMatches accepted another token's hash")
	}
}

// count returns how many events the whole log holds.
func (env *ledgerEnv) count() int {
	env.t.Helper()
	evs, err := env.store.ReadAll(context.Background(), 0, domain.MaxReadBatch)
	if err != nil {
		env.t.Fatalf("ReadAll: %v", err)
	}
	return len(evs)
}
