package domain_test

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// NextHead is API.md's formula, h_i = hex(sha256(h_{i-1} "\n" hash_i)),
// recomputed here from the text of the formula.
func TestNextHead(t *testing.T) {
	hashes := []string{strings.Repeat("ab", 32), strings.Repeat("01", 32), strings.Repeat("f0", 32)}
	h := domain.GenesisHead
	want := strings.Repeat("0", 64)
	if h != want {
		t.Fatalf("GenesisHead = %s, want 64 zeros", h)
	}
	for _, x := range hashes {
		sum := sha256.Sum256([]byte(want + "\n" + x))
		want = hex.EncodeToString(sum[:])
		h = domain.NextHead(h, x)
		if h != want {
			t.Fatalf("NextHead(…, %s) = %s, want %s", x, h, want)
		}
	}
}

func TestStoredHash(t *testing.T) {
	hash := strings.Repeat("9c", 32)
	for _, tc := range []struct {
		meta string
		want string
		ok   bool
	}{
		{`{"event_id":"x","prev_hash":"` + strings.Repeat("0", 64) + `","hash":"` + hash + `"}`, hash, true},
		{`{"event_id":"x"}`, "", false},
		{`{"hash":"short"}`, "", false},
	} {
		got, ok := domain.StoredHash([]byte(tc.meta))
		if got != tc.want || ok != tc.ok {
			t.Errorf("StoredHash(%s) = %q, %v; want %q, %v", tc.meta, got, ok, tc.want, tc.ok)
		}
	}
}
