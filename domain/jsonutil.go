package domain

import (
	"encoding/json"
	"errors"
)

var errNotJSONString = errors.New("not a JSON string")

// jsonUnmarshalString decodes a JSON string literal.
func jsonUnmarshalString(b []byte, s *string) error {
	if len(b) < 2 || b[0] != '"' {
		return errNotJSONString
	}
	return json.Unmarshal(b, s)
}
