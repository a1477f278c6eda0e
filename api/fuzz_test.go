package api

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzCheckJSON: the structural check never panics, and whatever it accepts
// is valid JSON that decodes into an object's members.
func FuzzCheckJSON(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"a":1}`, `{"a":1,"a":2}`, `{"a":{"b":[1,{"c":2,"c":3}]}}`, `[]`, `{"a":1} {}`,
		`{"a":"\u0061","\u0061":1}`, `{"a":1,}`, "{\"a\":\"\xff\"}", ` {"a" : [ ] } `, `{"a":1e400}`,
		`{"a":` + strings.Repeat("[", 20) + strings.Repeat("]", 20) + `}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if err := checkJSON(body); err != nil {
			return
		}
		if !json.Valid(body) {
			t.Fatalf("checkJSON accepted invalid JSON %q", body)
		}
		var members map[string]json.RawMessage
		if err := json.Unmarshal(body, &members); err != nil || members == nil {
			t.Fatalf("checkJSON accepted %q, which is not an object: %v", body, err)
		}
	})
}

func TestCheckJSONDuplicates(t *testing.T) {
	tests := []struct {
		name, body string
		ok         bool
	}{
		{"flat", `{"a":1,"b":2}`, true},
		{"same key in sibling objects", `{"a":{"k":1},"b":{"k":2}}`, true},
		{"same key at two depths", `{"k":{"k":1}}`, true},
		{"duplicate", `{"a":1,"a":1}`, false},
		{"duplicate in an array's object", `{"a":[{"k":1,"k":2}]}`, false},
		{"duplicate after an escape", `{"ab":1,"a\u0062":2}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := checkJSON([]byte(tc.body))
			if (err == nil) != tc.ok {
				t.Errorf("checkJSON(%s) = %v, want ok %v", tc.body, err, tc.ok)
			}
		})
	}
}

// FuzzCursor: a cursor decodes to its key in its own scope only, and no
// string makes the decoder panic.
func FuzzCursor(f *testing.F) {
	f.Add(uint64(0), "units", "AQA")
	f.Add(uint64(1<<63), "events", "////")
	f.Add(uint64(12345), "funds\x00lang-son\x00", "AQKqqqqqqqqqqg")
	f.Fuzz(func(t *testing.T, key uint64, scope, junk string) {
		c := encodeCursor(scope, key)
		if len(c) > maxCursorLength {
			t.Fatalf("encodeCursor(%q, %d) = %q, longer than %d", scope, key, c, maxCursorLength)
		}
		got, err := decodeCursor(scope, c)
		if err != nil || got != key {
			t.Fatalf("decodeCursor(encodeCursor(%q, %d)) = %d, %v", scope, key, got, err)
		}
		if _, err := decodeCursor(scope+"x", c); err == nil {
			t.Fatalf("cursor of scope %q accepted in scope %q", scope, scope+"x")
		}
		if junk != c {
			if k, err := decodeCursor(scope, junk); err == nil && encodeCursor(scope, k) != junk {
				t.Fatalf("decodeCursor(%q) accepted a non-canonical cursor as %d", junk, k)
			}
		}
	})
}
