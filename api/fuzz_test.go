package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// FuzzCheckJSON: parseObject never panics and agrees with a reference
// built from encoding/json's tokenizer (checkJSONReference): it accepts
// exactly the bodies the reference accepts, and then returns exactly the
// members encoding/json decodes the body into.
func FuzzCheckJSON(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"a":1}`, `{"a":1,"a":2}`, `{"a":{"b":[1,{"c":2,"c":3}]}}`, `[]`, `{"a":1} {}`,
		`{"a":"\u0061","\u0061":1}`, `{"a":1,}`, "{\"a\":\"\xff\"}", ` {"a" : [ ] } `, `{"a":1e400}`,
		`{"a":` + strings.Repeat("[", 20) + strings.Repeat("]", 20) + `}`,
		`{"\ud800":1,"\udbff":2}`, `{"a":"a\ud800b"}`, `{"a":"\udc00"}`, `{"a":"x\ud800"}`, `{"a":"\ud83d\ude00"}`,
		`{"a":"\ud83d\u0041"}`, `{"a":"\ud83d\ud83d\ude00"}`, `{"\ud83d\ude00":"\\ud800"}`, `{"a":-0.5E+3,"b":[true,false,null],"c":"\"\\\/\b\f\n\r\t"}`,
		`{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":-}`, `{"a":tru}`, `{"a":"\x"}`, `{"a":"\u12"}`, "{\"a\":\"\t\"}",
		`{"a" 1}`, `{"a":1 "b":2}`, `{,}`, `{"a":[1,]}`, `{"a":[1 2]}`, "\t{\"a\":1}\r\n", ``, ` `, `"a"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := parseObject(body)
		refErr := checkJSONReference(body)
		if (err == nil) != (refErr == nil) {
			t.Fatalf("parseObject(%q) = %v, the reference says %v", body, err, refErr)
		}
		if err != nil {
			if !isCode(err, codeInvalidJSON) {
				t.Fatalf("parseObject(%q) = %v, want invalid_json", body, err)
			}
			return
		}
		var want map[string]json.RawMessage
		if err := json.Unmarshal(body, &want); err != nil || want == nil {
			t.Fatalf("parseObject accepted %q, which encoding/json does not decode into an object: %v", body, err)
		}
		if len(got) != len(want) {
			t.Fatalf("parseObject(%q) = %d members, encoding/json finds %d", body, len(got), len(want))
		}
		for k, v := range want {
			if g, ok := got[k]; !ok || string(g) != string(v) {
				t.Fatalf("parseObject(%q)[%q] = %q (present %v), encoding/json decodes %q", body, k, g, ok, v)
			}
		}
	})
}

// isCode reports whether err is an API error with code.
func isCode(err error, code domain.Code) bool {
	var e *domain.Error
	return errors.As(err, &e) && e.Code == code
}

// checkJSONReference is the structural check as it was before parseObject:
// a walk over encoding/json's tokens, slow but built on the standard
// library's grammar. It is kept as the fuzz target's oracle.
func checkJSONReference(body []byte) error {
	if !utf8.Valid(body) {
		return errors.New("not UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return errors.New("not an object")
	}
	if err := walkReference(dec, 1, '{'); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("data after the object")
	}
	if loneSurrogateReference(body) {
		return errors.New("a lone surrogate escape")
	}
	return nil
}

// loneSurrogateReference reports whether a body that encoding/json's
// grammar accepts holds a \u escape of a surrogate that is not half of a
// high-then-low pair: encoding/json decodes one to U+FFFD, and the API
// refuses it. It walks the body's strings in one pass, apart from
// parseObject's scanner.
func loneSurrogateReference(body []byte) bool {
	inString, pendingHigh := false, false
	for i := 0; i < len(body); i++ {
		c := body[i]
		if !inString {
			inString = c == '"'
			continue
		}
		if c != '\\' || body[i+1] != 'u' {
			if pendingHigh {
				return true // a high surrogate followed by anything but an escape
			}
			if c == '\\' {
				i++ // the escaped character, '"' and '\\' included
			} else if c == '"' {
				inString = false
			}
			continue
		}
		v, err := strconv.ParseUint(string(body[i+2:i+6]), 16, 16)
		if err != nil {
			panic("the grammar accepted a bad \\u escape") // the walk has checked it
		}
		i += 5
		switch {
		case v >= 0xd800 && v <= 0xdbff:
			if pendingHigh {
				return true
			}
			pendingHigh = true
		case v >= 0xdc00 && v <= 0xdfff:
			if !pendingHigh {
				return true
			}
			pendingHigh = false
		default:
			if pendingHigh {
				return true
			}
		}
	}
	return false
}

// walkReference consumes the members of an object (open '{') or the
// elements of an array, then its closing delimiter.
func walkReference(dec *json.Decoder, depth int, open json.Delim) error {
	if depth > maxJSONDepth {
		return errors.New("too deep")
	}
	seen := map[string]bool{}
	for dec.More() {
		if open == '{' {
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			key, ok := tok.(string)
			if !ok {
				return errors.New("key is not a string")
			}
			if seen[key] {
				return errors.New("duplicate key")
			}
			seen[key] = true
		}
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok {
			if err := walkReference(dec, depth+1, d); err != nil {
				return err
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return err
	}
	return nil
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
		{"two lone surrogates, both U+FFFD", `{"\ud800":1,"\udbff":2}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseObject([]byte(tc.body))
			if (err == nil) != tc.ok {
				t.Errorf("parseObject(%s) = %v, want ok %v", tc.body, err, tc.ok)
			}
		})
	}
}

// TestParseObjectDepth: nesting is refused beyond maxJSONDepth containers,
// counting the body's own object, and accepted at it.
func TestParseObjectDepth(t *testing.T) {
	for _, tc := range []struct {
		name string
		body string
		ok   bool
	}{
		{"arrays to the limit", `{"a":` + strings.Repeat("[", maxJSONDepth-1) + strings.Repeat("]", maxJSONDepth-1) + `}`, true},
		{"arrays beyond it", `{"a":` + strings.Repeat("[", maxJSONDepth) + strings.Repeat("]", maxJSONDepth) + `}`, false},
		{"objects to the limit", strings.Repeat(`{"a":`, maxJSONDepth) + `1` + strings.Repeat(`}`, maxJSONDepth), true},
		{"objects beyond it", strings.Repeat(`{"a":`, maxJSONDepth+1) + `1` + strings.Repeat(`}`, maxJSONDepth+1), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseObject([]byte(tc.body))
			if (err == nil) != tc.ok {
				t.Errorf("parseObject(%s) = %v, want ok %v", tc.body, err, tc.ok)
			}
			if ref := checkJSONReference([]byte(tc.body)); (ref == nil) != tc.ok {
				t.Errorf("checkJSONReference(%s) = %v, want ok %v", tc.body, ref, tc.ok)
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

// BenchmarkParseObject: the one-pass check and split of a donation's body
// against what it replaced, encoding/json's tokenizer walk followed by
// json.Unmarshal into the members, in the same run.
func BenchmarkParseObject(b *testing.B) {
	body := []byte(`{"transaction_id":"0190a0b4-7c3e-7d2f-9b1a-000000000001","amount":"100000000","occurred_on":"2018-03-08","donor":{"kind":"enterprise","name":"Công ty TNHH May Lạng Sơn"},"campaign":"Tháng Công nhân 2018","reference":"PT-2018-0001","note":"Ủng hộ Quỹ Xã hội"}`)
	b.Run("parseObject", func(b *testing.B) {
		for b.Loop() {
			if _, err := parseObject(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("tokens+unmarshal", func(b *testing.B) {
		for b.Loop() {
			if err := checkJSONReference(body); err != nil {
				b.Fatal(err)
			}
			var members map[string]json.RawMessage
			if err := json.Unmarshal(body, &members); err != nil {
				b.Fatal(err)
			}
		}
	})
}
