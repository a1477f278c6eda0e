package api

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// TestScanEventLineReadsAsEncodingJSON: the hand scanner takes a plain
// exported line and reads every member as encoding/json does; a line
// with an escaped text it leaves to encoding/json; and ParseEventLine
// answers for any of them what encoding/json's reading answers.
func TestScanEventLineReadsAsEncodingJSON(t *testing.T) {
	at := time.Date(2024, 6, 30, 3, 0, 0, 123456789, time.UTC)
	plain := []domain.StoredEvent{
		sealedEvent(t, "fund-x", "admin@lang-son", domain.GenesisHash, "Công ty TNHH May Lạng Sơn", at, nil),
		sealedEvent(t, "fund-x", "a", domain.GenesisHash, "", at, []byte(`{"a":{"b":[1,{"c":"}]{["}],"d":"\"}"}}`)),
	}
	for i, se := range plain {
		line, err := AppendEventLine(nil, se)
		if err != nil {
			t.Fatal(err)
		}
		line = bytes.TrimSuffix(line, []byte("\n"))
		got, ok := scanEventLine(line)
		if !ok {
			t.Fatalf("event %d: scanEventLine(%s) did not take it", i, line)
		}
		var want eventDTO
		if err := json.Unmarshal(line, &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("event %d:\n got %+v\nwant %+v", i, got, want)
		}
	}
	escaped, err := AppendEventLine(nil, sealedEvent(t, "fund-x", "a\tb", domain.GenesisHash, "", at, nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := scanEventLine(bytes.TrimSuffix(escaped, []byte("\n"))); ok {
		t.Errorf("scanEventLine took %s, an actor with an escape", escaped)
	}
}

// FuzzParseEventLine holds ParseEventLine, hand scanner and all, to
// reading the line with encoding/json alone: the same event or the same
// error for any line, an exported line altered anywhere included.
func FuzzParseEventLine(f *testing.F) {
	at := time.Date(2024, 6, 30, 3, 0, 0, 0, time.UTC)
	for _, text := range append([]string{"Quỹ Xã hội"}, hostileTexts...) {
		line, err := AppendEventLine(nil, sealedEvent(f, "fund-x", text, domain.GenesisHash, text, at, nil))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(line)
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		got, gotErr := ParseEventLine(line)
		want, _, wantErr := parseEventLineJSON(bytes.TrimSuffix(line, []byte("\n")))
		if (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
			t.Fatalf("ParseEventLine error %v, encoding/json's %v", gotErr, wantErr)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("ParseEventLine:\n got %+v\nwant %+v", got, want)
		}
	})
}
