package domain

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// goldenStored reads every golden event file as a stored event.
func goldenStored(t testing.TB) []StoredEvent {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "*.v1.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("golden files: %v, %d found", err, len(paths))
	}
	var out []StoredEvent
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var g struct {
			Type     string          `json:"type"`
			Data     json.RawMessage `json:"data"`
			Metadata json.RawMessage `json:"metadata"`
		}
		if err := json.Unmarshal(b, &g); err != nil {
			t.Fatalf("parse %s: %v", p, err)
		}
		out = append(out, StoredEvent{Stream: "fund-x", Type: g.Type, Data: g.Data, Metadata: g.Metadata})
	}
	return out
}

// TestDecodeFastTakesSealOutput: every golden event, as Seal writes it,
// decodes on the fast path (otherwise replay silently falls back to
// encoding/json), to the same event as encoding/json gives.
func TestDecodeFastTakesSealOutput(t *testing.T) {
	for _, se := range goldenStored(t) {
		t.Run(se.Type, func(t *testing.T) {
			if _, ok := decodeFast(se); !ok {
				t.Fatalf("decodeFast(golden %s) ok = false, want true", se.Type)
			}
			checkFastMatchesSlow(t, se)
		})
	}
}

// checkFastMatchesSlow fails when the fast path accepts an event that
// encoding/json refuses or decodes differently.
func checkFastMatchesSlow(t *testing.T, se StoredEvent) {
	t.Helper()
	fast, ok := decodeFast(se)
	if !ok {
		return
	}
	slow, err := decodeSlow(se)
	if err != nil {
		t.Fatalf("decodeFast accepted %q %s / %s, which encoding/json refuses: %v", se.Type, se.Data, se.Metadata, err)
	}
	if !reflect.DeepEqual(fast.Meta, slow.Meta) {
		t.Errorf("decodeFast metadata = %+v, want %+v", fast.Meta, slow.Meta)
	}
	if fast.Meta.RecordedAt.Location() != slow.Meta.RecordedAt.Location() {
		t.Errorf("decodeFast recorded_at zone = %v, want %v", fast.Meta.RecordedAt.Location(), slow.Meta.RecordedAt.Location())
	}
	if reflect.TypeOf(fast.Data) != reflect.TypeOf(slow.Data) {
		t.Fatalf("decodeFast payload = %T, want %T", fast.Data, slow.Data)
	}
	// VND compares by value, not representation: compare the re-encoded
	// payloads, whose fields are all strings, ids, dates and amounts.
	fb, err1 := json.Marshal(fast.Data)
	sb, err2 := json.Marshal(slow.Data)
	if err1 != nil || err2 != nil || !bytes.Equal(fb, sb) {
		t.Errorf("decodeFast payload = %s (%v), want %s (%v)", fb, err1, sb, err2)
	}
	if fast.Type != slow.Type || fast.Stream != slow.Stream || fast.Position != slow.Position || fast.Revision != slow.Revision {
		t.Errorf("decodeFast event = %s %s@%d pos %d, want %s %s@%d pos %d", fast.Type, fast.Stream, fast.Revision, fast.Position,
			slow.Type, slow.Stream, slow.Revision, slow.Position)
	}
}

// fastPathEdits are variations of golden events at the edges of what the
// fast path understands; each must either fall back or decode exactly as
// encoding/json does.
var fastPathEdits = []struct{ old, new string }{
	{`{"`, `{ "`},
	{`"amount":"`, `"Amount":"`},
	{`"amount":"`, `"amount":"0`},
	{`"amount":"`, `"amount":"-`},
	{`"fund_id":`, `"fund_id":null,"fund_id":`},
	{`"fund_id":`, `"extra":1,"fund_id":`},
	{`"fund_id":"`, `"fund_id":"{`},
	{`"note":"`, `"note":"\u00e9\n\"`},
	{`"note":"`, "\"note\":\"\xff"},
	{`"note":"`, "\"note\":\"\x01"},
	{`"kind":"`, `"kind":"x`},
	{`"kind":"`, `"kind":"\u0073`},
	{`"shelter":"`, `"shelter":"\u0072`},
	{`"donor":{`, `"donor":{"kind":"member",`},
	{`"donor":{`, `"donor":null,"x":{`},
	{`"due_on":"`, `"due_on":null,"x":"`},
	{`"schema":1`, `"schema":01`},
	{`"schema":1`, `"schema":1.0`},
	{`"schema":1`, `"schema":10000`},
	{`"occurred_on":"`, `"occurred_on":null,"x":"`},
	{`"recorded_at":"2024-07-01T03:04:05.123456789Z"`, `"recorded_at":"2024-07-01T03:04:05Z"`},
	{`"recorded_at":"2024-07-01T03:04:05.123456789Z"`, `"recorded_at":"2024-07-01T03:04:05.1Z"`},
	{`"recorded_at":"2024-07-01T03:04:05.123456789Z"`, `"recorded_at":"2024-07-01T03:04:05.Z"`},
	{`"recorded_at":"2024-07-01T03:04:05.123456789Z"`, `"recorded_at":"2024-07-01T03:04:05,5Z"`},
	{`"recorded_at":"2024-07-01T03:04:05.123456789Z"`, `"recorded_at":"2024-02-30T03:04:05Z"`},
	{`"recorded_at":"2024-07-01T03:04:05.123456789Z"`, `"recorded_at":"2024-02-29T23:59:59Z"`},
	{`"recorded_at":"2024-07-01T03:04:05.123456789Z"`, `"recorded_at":"2023-02-29T23:59:59Z"`},
	{`"recorded_at":"2024-07-01T03:04:05.123456789Z"`, `"recorded_at":"2024-07-01T24:00:00Z"`},
	{`"recorded_at":"2024-07-01T03:04:05.123456789Z"`, `"recorded_at":"2024-07-01T03:04:60Z"`},
	{`"recorded_at":"2024-07-01T03:04:05.123456789Z"`, `"recorded_at":"2024-07-01T03:04:05.1234567891Z"`},
	{`"recorded_at":"2024-07-01T03:04:05.123456789Z"`, `"recorded_at":"2024-07-01T10:04:05+07:00"`},
	{`"recorded_at":"2024-07-01T03:04:05.123456789Z"`, `"recorded_at":"0000-01-01T00:00:00Z"`},
	{`"event_id":"0190a0b5-11aa-7bcd-8ef0-0123456789ab"`, `"event_id":"00000000-0000-0000-0000-000000000000"`},
	{`"event_id":"0190a0b5-11aa-7bcd-8ef0-0123456789ab"`, `"event_id":"0190A0B5-11AA-7BCD-8EF0-0123456789AB"`},
	{`"campaign":`, `"amount":"1","campaign":`},
	{`"campaign":`, `"donor":{"name":"x"},"campaign":`},
	{`"donor":{`, `"donor":{"name":"a","name":"b",`},
	{`"}`, `"} `},
	{`"}`, `"}}`},
}

// TestDecodeFastEdges runs fastPathEdits on every golden event.
func TestDecodeFastEdges(t *testing.T) {
	for _, se := range goldenStored(t) {
		for _, e := range fastPathEdits {
			for _, part := range []string{"data", "metadata"} {
				edited := se
				if part == "data" {
					edited.Data = []byte(strings.Replace(string(se.Data), e.old, e.new, 1))
				} else {
					edited.Metadata = []byte(strings.Replace(string(se.Metadata), e.old, e.new, 1))
				}
				t.Run(se.Type+"/"+part+"/"+e.new, func(t *testing.T) { checkFastMatchesSlow(t, edited) })
			}
		}
	}
}

// FuzzDecodeFastMatchesSlow: on any input, the fast path either declines
// or agrees with encoding/json.
func FuzzDecodeFastMatchesSlow(f *testing.F) {
	for _, se := range goldenStored(f) {
		f.Add(se.Type, []byte(se.Data), []byte(se.Metadata))
		for _, e := range fastPathEdits[:8] {
			f.Add(se.Type, []byte(strings.Replace(string(se.Data), e.old, e.new, 1)), []byte(se.Metadata))
		}
	}
	f.Fuzz(func(t *testing.T, typ string, data, meta []byte) {
		checkFastMatchesSlow(t, StoredEvent{Stream: "fund-x", Type: typ, Data: data, Metadata: meta})
	})
}

// TestPrintableASCII checks the eight-at-a-time test against a byte loop
// for every byte value at every position of a word and its tail.
func TestPrintableASCII(t *testing.T) {
	for n := 1; n <= 17; n++ {
		for pos := 0; pos < n; pos++ {
			for c := 0; c < 256; c++ {
				s := bytes.Repeat([]byte("a"), n)
				s[pos] = byte(c)
				want := c >= 0x20 && c < 0x80
				if got := printableASCII(s); got != want {
					t.Fatalf("printableASCII(%q) = %v, want %v", s, got, want)
				}
			}
		}
	}
}

// TestSealedPrevHashTakesSealOutput: every golden event's link is read on
// VerifyHash's fast path, to the value encoding/json gives.
func TestSealedPrevHashTakesSealOutput(t *testing.T) {
	for _, se := range goldenStored(t) {
		noHash, _, ok := splitStoredMeta(se.Metadata)
		if !ok {
			t.Fatalf("golden %s: metadata does not end with a hash", se.Type)
		}
		got, ok := sealedPrevHash(noHash)
		var m metaWire
		if err := json.Unmarshal(noHash, &m); err != nil || !ok || got != m.PrevHash {
			t.Errorf("sealedPrevHash(golden %s) = %q, %v; want %q (encoding/json: %v)", se.Type, got, ok, m.PrevHash, err)
		}
	}
}

// FuzzSealedPrevHashMatchesSlow: wherever the fast path reads a prev_hash
// from metadata that encoding/json decodes, it reads the same one.
func FuzzSealedPrevHashMatchesSlow(f *testing.F) {
	for _, se := range goldenStored(f) {
		noHash, _, _ := splitStoredMeta(se.Metadata)
		f.Add(noHash)
		f.Add(bytes.Replace(noHash, []byte(`,"prev_hash"`), []byte(`,"prev_hash":"`+strings.Repeat("a", 64)+`","prev_hash"`), 1))
		f.Add(bytes.Replace(noHash, []byte(`"actor":"`), []byte(`"actor":"\",\"prev_hash\":\"`), 1))
	}
	f.Fuzz(func(t *testing.T, noHash []byte) {
		got, ok := sealedPrevHash(noHash)
		var m metaWire
		if !ok || json.Unmarshal(noHash, &m) != nil {
			return
		}
		if got != m.PrevHash {
			t.Fatalf("sealedPrevHash(%s) = %q, encoding/json reads %q", noHash, got, m.PrevHash)
		}
	})
}
