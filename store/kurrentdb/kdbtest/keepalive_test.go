package kdbtest

import (
	"errors"
	"net"
	"net/url"
	"os"
	"testing"
	"time"

	"golang.org/x/net/http2"
)

// TestKeepalivePingsTolerated: the client's keepalive pings, with no call
// in flight, never make the server cut the connection (gRPC-Go's default
// policy would, with GOAWAY "too_many_pings", after the third). The pings
// here come faster than the client's 10 s so that the test is quick.
func TestKeepalivePingsTolerated(t *testing.T) {
	s := startServer(t, Options{})
	u, err := url.Parse(s.URI())
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(http2.ClientPreface)); err != nil {
		t.Fatal(err)
	}
	framer := http2.NewFramer(conn, conn)
	if err := framer.WriteSettings(); err != nil {
		t.Fatal(err)
	}
	const pings = 5
	for i := range pings {
		time.Sleep(2 * minClientPingInterval)
		if err := framer.WritePing(false, [8]byte{byte(i)}); err != nil {
			t.Fatalf("ping %d: %v", i, err)
		}
		waitForPingAck(t, conn, framer, byte(i))
	}
	// No GOAWAY after the last ping either.
	conn.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	for {
		frame, err := framer.ReadFrame()
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return
		}
		if err != nil {
			t.Fatalf("connection after %d pings: %v", pings, err)
		}
		if goAway, ok := frame.(*http2.GoAwayFrame); ok {
			t.Fatalf("GOAWAY %v %q after %d pings", goAway.ErrCode, goAway.DebugData(), pings)
		}
	}
}

// waitForPingAck reads frames until the server acknowledges ping id,
// answering its settings; a GOAWAY fails the test.
func waitForPingAck(t *testing.T, conn net.Conn, framer *http2.Framer, id byte) {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(callTimeout))
	for {
		frame, err := framer.ReadFrame()
		if err != nil {
			t.Fatalf("waiting for the ack of ping %d: %v", id, err)
		}
		switch f := frame.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				if err := framer.WriteSettingsAck(); err != nil {
					t.Fatal(err)
				}
			}
		case *http2.PingFrame:
			if f.IsAck() && f.Data[0] == id {
				return
			}
		case *http2.GoAwayFrame:
			t.Fatalf("GOAWAY %v %q at ping %d", f.ErrCode, f.DebugData(), id)
		}
	}
}
