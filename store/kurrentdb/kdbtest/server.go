package kdbtest

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/serverfeatures"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/keepalive"
)

// minClientPingInterval is the shortest interval between the client's
// keepalive pings the server tolerates. Client v4.2.0 pings every 10 s
// (KeepAliveInterval), even without a call in flight, and KurrentDB
// (Kestrel) accepts that; gRPC-Go's default policy (at most one ping per
// 5 minutes, none without a call) would answer with GOAWAY
// "too_many_pings" after about 30 s and cut every connection, so that
// long tests would see drops no real node causes.
const minClientPingInterval = 10 * time.Millisecond

// maxMessageSize matches the client's receive limit (17 MiB), so that an
// event KurrentDB would accept (its largest log record is 16 MiB) passes.
const maxMessageSize = 17 * 1024 * 1024

// Options configures a Server.
//
// Positions are never contiguous: each event's commit (= prepare) position
// is the byte offset of its record in a simulated transaction file, so the
// step from one event to the next is the size of the first (a fixed
// overhead plus its stream name, twice its type, its data and metadata).
// No code may compute position ± 1; see doc.go.
type Options struct {
	// SystemEvents interleaves $-prefixed system events in $all: three at
	// start (as a fresh node writes $settings and its users) and one
	// ($statsCollected) after every client append, so that a ledger event
	// never directly follows another ledger event of a different append.
	SystemEvents bool
	// Username and Password, when set, make every call need these basic
	// credentials. The server then speaks TLS (a certificate made at Start)
	// because client v4.2.0 sends credentials only over TLS, as KurrentDB
	// checks them only in secure mode; URI names the CA file.
	Username, Password string
}

// Server is a KurrentDB stand-in on 127.0.0.1 speaking the gRPC protocol
// of EventStore-Client-Go v4.2.0. It is safe for concurrent use.
type Server struct {
	opts    Options
	log     *eventLog
	port    int
	tls     *tls.Config // nil without credentials
	tempDir string      // holds ca.pem when tls is set

	mu       sync.Mutex
	grpc     *grpc.Server      // nil while stopped
	listener *trackingListener // nil while stopped
	closed   bool
	subs     map[*subscription]struct{}
	faults   []FailMode

	// dropAfter counts down the events subscriptions may still send
	// before DropSubscriptionAfter's drop; 0 when disarmed.
	dropAfter atomic.Int64
}

// Start listens on 127.0.0.1 on a free port and serves until Close. It
// fails when only one of Username and Password is set, when the TLS
// certificate cannot be made or written, or when it cannot listen.
func Start(opts Options) (*Server, error) {
	if (opts.Username == "") != (opts.Password == "") {
		return nil, errors.New("kdbtest: set both Username and Password, or neither")
	}
	s := &Server{
		opts: opts,
		log:  newEventLog(func() int64 { return time.Now().UnixNano() / 100 }),
		subs: make(map[*subscription]struct{}),
	}
	if opts.Username != "" {
		dir, err := os.MkdirTemp("", "kdbtest-")
		if err != nil {
			return nil, fmt.Errorf("kdbtest: certificate directory: %w", err)
		}
		s.tempDir = dir
		cfg, err := selfSignedTLS(filepath.Join(dir, caFileName))
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("kdbtest: certificate: %w", err)
		}
		s.tls = cfg
	}
	if opts.SystemEvents {
		s.writeStartupSystemEvents()
	}
	if err := s.listen("127.0.0.1:0"); err != nil {
		if s.tempDir != "" {
			os.RemoveAll(s.tempDir)
		}
		return nil, err
	}
	return s, nil
}

// listen binds address and serves on it. s.mu must not be held.
func (s *Server) listen(address string) error {
	raw, err := net.Listen("tcp", address)
	if err != nil {
		return fmt.Errorf("kdbtest: listen on %s: %w", address, err)
	}
	listener := newTrackingListener(raw)
	serverOpts := []grpc.ServerOption{
		grpc.MaxRecvMsgSize(maxMessageSize),
		grpc.MaxSendMsgSize(maxMessageSize),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{
			MinTime:             minClientPingInterval,
			PermitWithoutStream: true,
		}),
		grpc.ChainUnaryInterceptor(s.authUnary),
		grpc.ChainStreamInterceptor(s.authStream),
	}
	if s.tls != nil {
		serverOpts = append(serverOpts, grpc.Creds(credentials.NewTLS(s.tls)))
	}
	server := grpc.NewServer(serverOpts...)
	streams.RegisterStreamsServer(server, &streamsService{server: s})
	serverfeatures.RegisterServerFeaturesServer(server, featuresService{})

	s.mu.Lock()
	s.grpc = server
	s.listener = listener
	s.port = raw.Addr().(*net.TCPAddr).Port
	s.mu.Unlock()
	go server.Serve(listener) //nolint:errcheck // Serve returns when Stop closes the listener.
	return nil
}

// URI is the connection string of the server for esdb.ParseConnectionString:
// "esdb://127.0.0.1:PORT?tls=false", or, with credentials,
// "esdb://USER:PASS@127.0.0.1:PORT?tls=true&tlsCAFile=…".
func (s *Server) URI() string {
	return s.URIWith(s.opts.Username, s.opts.Password)
}

// URIWith is URI with other credentials (none when username is empty), for
// tests of wrong or missing credentials.
func (s *Server) URIWith(username, password string) string {
	s.mu.Lock()
	port := s.port
	s.mu.Unlock()
	u := url.URL{Scheme: "esdb", Host: fmt.Sprintf("127.0.0.1:%d", port)}
	if username != "" {
		u.User = url.UserPassword(username, password)
	}
	query := url.Values{}
	if s.tls == nil {
		query.Set("tls", "false")
	} else {
		query.Set("tls", "true")
		query.Set("tlsCAFile", filepath.Join(s.tempDir, caFileName))
	}
	u.RawQuery = query.Encode()
	return u.String()
}

// Close stops the server for good and removes its temporary files.
func (s *Server) Close() {
	s.Stop()
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	if s.tempDir != "" {
		os.RemoveAll(s.tempDir)
	}
}

// Stop makes the server unreachable, as a crashed or partitioned node is:
// the listener closes and every connection is cut, so in-flight calls and
// subscriptions fail with Unavailable on the client. The data stays;
// Restart serves it again on the same port.
func (s *Server) Stop() {
	s.mu.Lock()
	server, listener := s.grpc, s.listener
	s.grpc, s.listener = nil, nil
	s.mu.Unlock()
	if server == nil {
		return
	}
	// Cut the connections first: GracefulStop would let calls finish, and
	// a crashed node does not.
	listener.Close()
	listener.dropAll()
	server.Stop()
}

// Restart listens again on the port the server had, with the same data.
// It fails if the server is running or closed, or if the port was taken
// meanwhile.
func (s *Server) Restart() error {
	s.mu.Lock()
	running, closed, port := s.grpc != nil, s.closed, s.port
	s.mu.Unlock()
	switch {
	case closed:
		return errors.New("kdbtest: restart of a closed server")
	case running:
		return errors.New("kdbtest: restart of a running server")
	}
	return s.listen(fmt.Sprintf("127.0.0.1:%d", port))
}

// DropConnections cuts every open connection now, as a network failure
// does: in-flight calls fail with Unavailable and subscriptions drop. The
// server keeps listening, so clients reconnect.
func (s *Server) DropConnections() {
	s.mu.Lock()
	listener := s.listener
	s.mu.Unlock()
	if listener != nil {
		listener.dropAll()
	}
}

// trackingListener remembers the connections it accepts so that they can be
// cut at will.
type trackingListener struct {
	net.Listener
	mu    sync.Mutex
	conns map[string]net.Conn // by remote address
}

func newTrackingListener(l net.Listener) *trackingListener {
	return &trackingListener{Listener: l, conns: make(map[string]net.Conn)}
}

func (l *trackingListener) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.conns[conn.RemoteAddr().String()] = conn
	l.mu.Unlock()
	return &trackedConn{Conn: conn, listener: l}, nil
}

// drop cuts the connection from remote, if open.
func (l *trackingListener) drop(remote string) {
	l.mu.Lock()
	conn := l.conns[remote]
	delete(l.conns, remote)
	l.mu.Unlock()
	if conn != nil {
		conn.Close()
	}
}

// dropAll cuts every open connection.
func (l *trackingListener) dropAll() {
	l.mu.Lock()
	conns := l.conns
	l.conns = make(map[string]net.Conn)
	l.mu.Unlock()
	for _, conn := range conns {
		conn.Close()
	}
}

// trackedConn forgets itself when closed.
type trackedConn struct {
	net.Conn
	listener *trackingListener
	once     sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		remote := c.Conn.RemoteAddr().String()
		c.listener.mu.Lock()
		if c.listener.conns[remote] == c.Conn {
			delete(c.listener.conns, remote)
		}
		c.listener.mu.Unlock()
	})
	return c.Conn.Close()
}
