package kdbtest

import (
	"strings"
	"testing"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
)

func TestCredentials(t *testing.T) {
	s := startServer(t, Options{Username: "admin", Password: "changeit"})
	if uri := s.URI(); !strings.Contains(uri, "tls=true") || !strings.Contains(uri, "admin:changeit@") {
		t.Fatalf("URI() = %q, want TLS and the credentials", uri)
	}
	tests := []struct {
		name     string
		uri      string
		wantCode esdb.ErrorCode // -1: success
	}{
		{"right credentials", s.URI(), -1},
		{"wrong password", s.URIWith("admin", "wrong"), esdb.ErrorCodeUnauthenticated},
		{"unknown user", s.URIWith("mallory", "changeit"), esdb.ErrorCodeUnauthenticated},
		{"no credentials", s.URIWith("", ""), esdb.ErrorCodeAccessDenied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := newClient(t, tt.uri)
			_, err := client.AppendToStream(ctxFor(t), "fund-"+strings.ReplaceAll(tt.name, " ", "-"),
				esdb.AppendToStreamOptions{ExpectedRevision: esdb.NoStream{}}, events(1, "DonationReceived")...)
			if errorCode(err) != tt.wantCode {
				t.Fatalf("append: %v (code %d), want code %d", err, errorCode(err), tt.wantCode)
			}
			read, err := client.ReadAll(ctxFor(t), esdb.ReadAllOptions{From: esdb.Start{}}, 10)
			if err == nil {
				_, err = read.Recv()
				read.Close()
				if tt.wantCode == -1 && err != nil {
					t.Fatalf("read: %v", err)
				}
			}
			if tt.wantCode != -1 && err == nil {
				t.Errorf("read succeeded, want code %d", tt.wantCode)
			}
		})
	}
}

func TestStartRefusesHalfCredentials(t *testing.T) {
	for _, opts := range []Options{{Username: "admin"}, {Password: "changeit"}} {
		if s, err := Start(opts); err == nil {
			s.Close()
			t.Errorf("Start(%+v) succeeded, want an error", opts)
		}
	}
}
