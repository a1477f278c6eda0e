package main

import (
	"net/http"
	"strings"
	"testing"
)

// serve reads request heads large enough for the API to refuse a long
// target or large header fields in problem+json (api.ServerMaxHeaderBytes):
// with net/http's own limit they would get its plain-text 431.
func TestServeRefusesOversizedHeadsInProblemJSON(t *testing.T) {
	base, token, stop := serveLogged(t, t.TempDir(), &syncBuffer{})
	defer stop()
	for _, tc := range []struct {
		name   string
		path   string
		header string
		status int
	}{
		{"100 KB path", "/v1/units/" + strings.Repeat("a", 100_000), "", http.StatusRequestURITooLong},
		{"100 KB header", "/v1/units", strings.Repeat("p", 100_000), http.StatusRequestHeaderFieldsTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, base+tc.path, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			if tc.header != "" {
				req.Header.Set("X-Pad", tc.header)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("GET %.40s…: %v", tc.path, err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status || resp.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("GET %.40s… = %d %s, want %d application/problem+json", tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), tc.status)
			}
		})
	}
}
