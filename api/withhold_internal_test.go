package api

import "testing"

func TestWithhold(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"a":1,"beneficiary_id":"M1","b":"x"}`, `{"a":1,"b":"x"}`},
		{`{"beneficiary_id":"M1"}`, `{}`},
		{`{"items":[{"beneficiary_id":"M1","amount":"5"},{"amount":"6","beneficiary_id":null}],"next_cursor":null}`,
			`{"items":[{"amount":"5"},{"amount":"6"}],"next_cursor":null}`},
		{`{"nested":{"beneficiary_id":{"deep":[1,2]},"keep":true}}`, `{"nested":{"keep":true}}`},
		// Strings keep their content, escapes and all, and HTML is not escaped.
		{`{"note":"a \"q\" <b> & \u0001 đồng","n":12345678901234567890}`, `{"note":"a \"q\" <b> & \u0001 đồng","n":12345678901234567890}`},
		{`[]`, `[]`},
		{`{"x":"beneficiary_id"}`, `{"x":"beneficiary_id"}`},
	}
	for _, tc := range tests {
		got, err := withhold([]byte(tc.in), "beneficiary_id")
		if err != nil {
			t.Errorf("withhold(%s) = %v", tc.in, err)
			continue
		}
		if string(got) != tc.want+"\n" {
			t.Errorf("withhold(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
	for _, bad := range []string{`{"a":`, `{} {}`, ``} {
		if _, err := withhold([]byte(bad), "beneficiary_id"); err == nil {
			t.Errorf("withhold(%q) = nil error, want one", bad)
		}
	}
}
