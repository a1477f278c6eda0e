package api

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// parseObject checks a request body and returns the members of its object.
// The body must be valid UTF-8 holding exactly one JSON object (RFC 8259,
// the grammar encoding/json accepts), surrounded by nothing but whitespace,
// nested at most maxJSONDepth deep, and without a key repeated in any of
// its objects: encoding/json alone would silently keep the last of
// duplicate keys, and a payload that means two things must not reach a
// ledger. Keys are compared as decoded ("a\u0062" repeats "ab"). A
// \u escape of half a surrogate pair without its other half is refused
// too (see unicodeEscape).
//
// It is one pass over the body that checks and splits at once; every
// member's value is the exact bytes of the body (json.RawMessage), for the
// form's getters to decode. A write's every byte goes through here, so it
// allocates only the map and the keys that carry escapes.
//
// Errors: invalid_json, saying what is wrong and where.
func parseObject(body []byte) (map[string]json.RawMessage, error) {
	if !utf8.Valid(body) {
		return nil, apiErr(codeInvalidJSON, "the body is not valid UTF-8")
	}
	s := &jsonScanner{b: body}
	s.space()
	if s.i == len(s.b) {
		return nil, apiErr(codeInvalidJSON, "the body is empty; it must be a JSON object")
	}
	if s.b[s.i] != '{' {
		return nil, apiErr(codeInvalidJSON, "the body must be a JSON object")
	}
	members := map[string]json.RawMessage{}
	if err := s.object("", 1, members); err != nil {
		return nil, err
	}
	s.space()
	if s.i != len(s.b) {
		return nil, apiErr(codeInvalidJSON, "the body has data after its JSON object")
	}
	return members, nil
}

// jsonScanner walks a body; i is the offset of the next byte to read.
type jsonScanner struct {
	b []byte
	i int
}

// syntax is the answer to a body that is not JSON, naming the offset.
func (s *jsonScanner) syntax(what string) error {
	if s.i >= len(s.b) {
		return apiErr(codeInvalidJSON, "the body is not valid JSON: it ends before %s", what)
	}
	return apiErr(codeInvalidJSON, "the body is not valid JSON: %s expected at offset %d, found %q", what, s.i, s.b[s.i])
}

// space skips JSON whitespace.
func (s *jsonScanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// value reads one value of a container at depth (the top object is at
// depth 1; each object or array adds one). path names it for messages.
func (s *jsonScanner) value(path string, depth int) error {
	if s.i >= len(s.b) {
		return s.syntax("a value")
	}
	switch c := s.b[s.i]; {
	case c == '{':
		return s.object(path+".", depth+1, nil)
	case c == '[':
		return s.array(path, depth+1)
	case c == '"':
		_, _, err := s.str()
		return err
	case c == '-' || ('0' <= c && c <= '9'):
		return s.number()
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	}
	return s.syntax("a value")
}

// object reads an object at depth, refusing repeated keys; members, when
// not nil, receives its members (the top object's).
func (s *jsonScanner) object(path string, depth int, members map[string]json.RawMessage) error {
	if empty, err := s.open('}', depth); empty || err != nil {
		return err
	}
	// Requests have a handful of keys per object: a slice beats a map.
	var keys []string
	for {
		s.space()
		if s.i >= len(s.b) || s.b[s.i] != '"' {
			return s.syntax("a key")
		}
		key, err := s.key()
		if err != nil {
			return err
		}
		for _, k := range keys {
			if k == key {
				return apiErr(codeInvalidJSON, "the body has the key %q twice", clip(path+key))
			}
		}
		keys = append(keys, key)
		s.space()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return s.syntax("':'")
		}
		s.i++
		s.space()
		start := s.i
		if err := s.value(path+key, depth); err != nil {
			return err
		}
		if members != nil {
			members[key] = s.b[start:s.i:s.i]
		}
		if done, err := s.next('}'); done || err != nil {
			return err
		}
	}
}

// array reads an array at depth.
func (s *jsonScanner) array(path string, depth int) error {
	if empty, err := s.open(']', depth); empty || err != nil {
		return err
	}
	for n := 0; ; n++ {
		s.space()
		if err := s.value(fmt.Sprintf("%s[%d]", path, n), depth); err != nil {
			return err
		}
		if done, err := s.next(']'); done || err != nil {
			return err
		}
	}
}

// open reads the opening byte of an object or array at depth, refusing
// one nested too deep, and reports whether closing follows at once.
func (s *jsonScanner) open(closing byte, depth int) (empty bool, err error) {
	if depth > maxJSONDepth {
		return false, apiErr(codeInvalidJSON, "the body nests deeper than %d levels", maxJSONDepth)
	}
	s.i++ // '{' or '['
	s.space()
	if s.i < len(s.b) && s.b[s.i] == closing {
		s.i++
		return true, nil
	}
	return false, nil
}

// next reads what follows a member or an element: ',' (another comes) or
// the container's closing byte (done).
func (s *jsonScanner) next(closing byte) (done bool, err error) {
	s.space()
	if s.i < len(s.b) {
		switch s.b[s.i] {
		case ',':
			s.i++
			return false, nil
		case closing:
			s.i++
			return true, nil
		}
	}
	return false, s.syntax("',' or '" + string(closing) + "'")
}

// key reads an object's key and returns it decoded. Only a key with an
// escape is decoded by encoding/json (after this scan has checked it, lone
// surrogates refused), so that a key means exactly what encoding/json will
// make of it.
func (s *jsonScanner) key() (string, error) {
	raw, escaped, err := s.str()
	if err != nil {
		return "", err
	}
	if !escaped {
		return string(raw[1 : len(raw)-1]), nil
	}
	var out string
	if err := json.Unmarshal(raw, &out); err != nil {
		return "", apiErr(codeInvalidJSON, "the body is not valid JSON: %v", err)
	}
	return out, nil
}

// str checks a string and returns it as it stands in the body, quotes
// included, and whether it holds an escape. A value is only checked here:
// the form's getters decode the values they read.
func (s *jsonScanner) str() (raw []byte, escaped bool, err error) {
	start := s.i
	s.i++ // '"'
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return s.b[start:s.i], escaped, nil
		case c < 0x20:
			return nil, false, s.syntax("a character (control characters must be escaped)")
		case c == '\\':
			escaped = true
			s.i++
			if s.i >= len(s.b) {
				return nil, false, s.syntax("an escape")
			}
			switch s.b[s.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i++
			case 'u':
				if err := s.unicodeEscape(); err != nil {
					return nil, false, err
				}
			default:
				return nil, false, s.syntax("an escape")
			}
		default:
			s.i++
		}
	}
	return nil, false, s.syntax(`'"'`)
}

// Surrogate code units (RFC 8259 section 7): a character beyond U+FFFF is
// escaped as a high surrogate followed at once by a low one.
const (
	highSurrogateFirst, highSurrogateLast = 0xd800, 0xdbff
	lowSurrogateFirst, lowSurrogateLast   = 0xdc00, 0xdfff
)

// unicodeEscape reads the \uXXXX escape whose 'u' is at s.i, and the low
// half that must follow a high surrogate. A surrogate without its other
// half is no character at all (RFC 8259 section 8.2): encoding/json would
// turn it into U+FFFD, so that "a\ud800b" and "a\udbffb" would be stored
// as the same text and a retry of the one would replay the other. It is
// refused instead.
func (s *jsonScanner) unicodeEscape() error {
	start := s.i - 1 // the backslash
	v, err := s.hex4()
	if err != nil {
		return err
	}
	switch {
	case lowSurrogateFirst <= v && v <= lowSurrogateLast:
		return s.loneSurrogate(start)
	case v < highSurrogateFirst || v > highSurrogateLast:
		return nil
	}
	if s.i+1 >= len(s.b) || s.b[s.i] != '\\' || s.b[s.i+1] != 'u' {
		return s.loneSurrogate(start)
	}
	s.i++ // the backslash; hex4 reads the 'u'
	low, err := s.hex4()
	if err != nil {
		return err
	}
	if low < lowSurrogateFirst || low > lowSurrogateLast {
		return s.loneSurrogate(start)
	}
	return nil
}

// hex4 reads the four hexadecimal digits after "\u" and returns their value.
func (s *jsonScanner) hex4() (rune, error) {
	s.i++ // 'u'
	var v rune
	for range 4 {
		if s.i >= len(s.b) || !isHex(s.b[s.i]) {
			return 0, s.syntax("a hexadecimal digit")
		}
		v = v<<4 | rune(hexValue(s.b[s.i]))
		s.i++
	}
	return v, nil
}

// loneSurrogate is the answer to half a surrogate pair at offset at.
func (s *jsonScanner) loneSurrogate(at int) error {
	return apiErr(codeInvalidJSON, "the body is not valid JSON text: the escape %s at offset %d is half of a surrogate pair without its other half, which is no character", s.b[at:at+6], at)
}

func hexValue(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

func isHex(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func (s *jsonScanner) number() error {
	if s.b[s.i] == '-' {
		s.i++
	}
	if s.i >= len(s.b) {
		return s.syntax("a digit")
	}
	switch c := s.b[s.i]; {
	case c == '0':
		s.i++
	case '1' <= c && c <= '9':
		s.digits()
	default:
		return s.syntax("a digit")
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if !s.digits() {
			return s.syntax("a digit")
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if !s.digits() {
			return s.syntax("a digit")
		}
	}
	return nil
}

// digits skips [0-9]* and reports whether there was one.
func (s *jsonScanner) digits() bool {
	start := s.i
	for s.i < len(s.b) && '0' <= s.b[s.i] && s.b[s.i] <= '9' {
		s.i++
	}
	return s.i > start
}

// literal reads true, false or null.
func (s *jsonScanner) literal(word string) error {
	if len(s.b)-s.i < len(word) || string(s.b[s.i:s.i+len(word)]) != word {
		return s.syntax(word)
	}
	s.i += len(word)
	return nil
}
