package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
)

// A cursor is opaque to clients (API.md, "Lists"): base64url of a version
// byte, the list's internal key (an index or a log position) as a uvarint,
// and a check of 8 bytes binding the key to the list it came from.
//
// The check is a SHA-256 over the key and the list's scope (the route and
// its filters), not a secret MAC: a cursor grants nothing a client could not
// read anyway, so the point is to catch a cursor that was edited, truncated
// or carried over to another list or other filters, and to answer that with
// 422 instead of a silently wrong page. Being keyless, cursors stay valid
// across restarts and across instances.
const (
	cursorVersion   = 1
	cursorCheckLen  = 8
	maxCursorLength = 64 // characters; a real cursor has at most 26
)

var errCursor = errors.New("is not a cursor this list handed out; start again without it")

var cursorEncoding = base64.RawURLEncoding

func encodeCursor(scope string, key uint64) string {
	b := make([]byte, 0, 1+binary.MaxVarintLen64+cursorCheckLen)
	b = append(b, cursorVersion)
	b = binary.AppendUvarint(b, key)
	b = append(b, cursorCheck(scope, b[1:])...)
	return cursorEncoding.EncodeToString(b)
}

func decodeCursor(scope, s string) (uint64, error) {
	if len(s) == 0 || len(s) > maxCursorLength {
		return 0, errCursor
	}
	b, err := cursorEncoding.DecodeString(s)
	if err != nil || len(b) < 2+cursorCheckLen || b[0] != cursorVersion {
		return 0, errCursor
	}
	keyBytes, check := b[1:len(b)-cursorCheckLen], b[len(b)-cursorCheckLen:]
	key, n := binary.Uvarint(keyBytes)
	if n != len(keyBytes) || !bytes.Equal(check, cursorCheck(scope, keyBytes)) {
		return 0, errCursor
	}
	// One spelling per cursor: base64 with stray bits or an overlong
	// varint would otherwise pass as another string for the same key.
	if encodeCursor(scope, key) != s {
		return 0, errCursor
	}
	return key, nil
}

func cursorCheck(scope string, key []byte) []byte {
	h := sha256.New()
	h.Write([]byte("welfare-ledger cursor v1\n"))
	h.Write([]byte(scope))
	h.Write([]byte{'\n'})
	h.Write(key)
	return h.Sum(nil)[:cursorCheckLen]
}
