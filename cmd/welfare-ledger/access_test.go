package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io/fs"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine to write while
// the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// serveReadyWait bounds a start in the tests: a demo's load included, on a
// loaded machine.
const serveReadyWait = 2 * time.Minute

// serveInProcess runs `serve` on dir until the returned stop is called, and
// returns what it printed on stdout.
func serveInProcess(t *testing.T, dir string, client *http.Client, scheme string, extra ...string) (base string, stdout *syncBuffer, stop func()) {
	t.Helper()
	return serveWithLogs(t, dir, client, scheme, &syncBuffer{}, extra...)
}

// serveWithLogs is serveInProcess with the server's log going to logs.
func serveWithLogs(t *testing.T, dir string, client *http.Client, scheme string, logs *syncBuffer, extra ...string) (base string, stdout *syncBuffer, stop func()) {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	stdout = &syncBuffer{}
	done := make(chan error, 1)
	args := append([]string{"serve", "--addr", addr, "--data", dir}, extra...)
	go func() { done <- run(ctx, args, func(string) string { return "" }, stdout, logs) }()
	base = scheme + "://" + addr
	deadline := time.Now().Add(serveReadyWait)
	for {
		resp, err := client.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve not ready on %s; logs:\n%s", base, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return base, stdout, func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve = %v", err)
		}
	}
}

var tokenPattern = regexp.MustCompile(`wl_[0-9a-f]{32}_[A-Za-z0-9_-]{43}`)

func get(t *testing.T, client *http.Client, url, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// The first start on an empty data directory makes the admin token, prints
// it once and leaves it in admin.token (0600); the next start prints nothing.
func TestAdminTokenBootstrap(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	base, out, stop := serveInProcess(t, dir, http.DefaultClient, "http")
	printed := tokenPattern.FindAllString(out.String(), -1)
	if len(printed) != 1 {
		t.Fatalf("first start printed %d tokens, want 1:\n%s", len(printed), out.String())
	}
	path := filepath.Join(dir, adminTokenFile)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("%s mode = %o, want 600", path, mode)
	}
	file, _ := os.ReadFile(path)
	if strings.TrimSpace(string(file)) != printed[0] {
		t.Errorf("admin.token = %q, want the printed token", file)
	}
	if got := get(t, http.DefaultClient, base+"/v1/tokens", printed[0]); got != http.StatusOK {
		t.Errorf("GET /v1/tokens with the admin token = %d, want 200", got)
	}
	if got := get(t, http.DefaultClient, base+"/v1/tokens", ""); got != http.StatusUnauthorized {
		t.Errorf("GET /v1/tokens without a token = %d, want 401", got)
	}
	stop()

	base, out, stop = serveInProcess(t, dir, http.DefaultClient, "http")
	defer stop()
	if tokenPattern.MatchString(out.String()) {
		t.Errorf("second start printed a token again:\n%s", out.String())
	}
	if got := get(t, http.DefaultClient, base+"/v1/units", printed[0]); got != http.StatusOK {
		t.Errorf("the first admin token after a restart: GET /v1/units = %d, want 200", got)
	}
}

// A start that fails creates no token: with the port taken (or a bad TLS
// certificate), the first start on an empty directory prints no token and
// writes no admin.token, and the ledger holds no token, so that the first
// start that serves is the one that makes, prints and writes it.
func TestFailedStartCreatesNoToken(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	badCert := filepath.Join(t.TempDir(), "bad.pem")
	if err := os.WriteFile(badCert, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		extra []string
	}{
		{"port taken", []string{"--addr", taken.Addr().String()}},
		{"bad certificate", []string{"--addr", "127.0.0.1:0", "--tls-cert", badCert, "--tls-key", badCert}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			var stdout, stderr syncBuffer
			args := append([]string{"serve", "--data", dir}, tc.extra...)
			if err := run(context.Background(), args, func(string) string { return "" }, &stdout, &stderr); err == nil {
				t.Fatalf("serve %v = nil, want an error", args)
			}
			if tokenPattern.MatchString(stdout.String()) {
				t.Errorf("a failed start printed a token:\n%s", stdout.String())
			}
			if _, err := os.Stat(filepath.Join(dir, adminTokenFile)); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("a failed start left %s (stat: %v)", adminTokenFile, err)
			}
			base, out, stop := serveInProcess(t, dir, http.DefaultClient, "http")
			defer stop()
			printed := tokenPattern.FindAllString(out.String(), -1)
			if len(printed) != 1 {
				t.Fatalf("the first start that serves printed %d tokens, want 1:\n%s", len(printed), out.String())
			}
			if got := get(t, http.DefaultClient, base+"/v1/tokens", printed[0]); got != http.StatusOK {
				t.Errorf("GET /v1/tokens with the printed token = %d, want 200", got)
			}
		})
	}
}

// token issue / list / revoke on the file, while the server runs: it sees
// the new token and the revocation without a restart.
func TestTokenCommands(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	base, out, stop := serveInProcess(t, dir, http.DefaultClient, "http")
	defer stop()
	admin := tokenPattern.FindString(out.String())
	if code := postJSON(t, base+"/v1/units", admin, `{"unit_id":"lang-son","name":"LĐLĐ Lạng Sơn"}`); code != http.StatusCreated {
		t.Fatalf("POST /v1/units = %d", code)
	}
	cli := func(args ...string) (string, string, error) {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), append([]string{"token"}, args...), func(string) string { return "" }, &stdout, &stderr)
		return stdout.String(), stderr.String(), err
	}

	stdout, stderr, err := cli("issue", "--data", dir, "--role", "manager", "--unit", "lang-son", "--name", "Kế toán Lạng Sơn")
	if err != nil {
		t.Fatalf("token issue = %v; %s", err, stderr)
	}
	manager := strings.TrimSpace(stdout)
	if !tokenPattern.MatchString(manager) || manager != tokenPattern.FindString(manager) {
		t.Fatalf("token issue printed %q on stdout, want only the token", stdout)
	}
	waitStatus(t, base+"/v1/units/lang-son", manager, http.StatusOK)

	stdout, _, err = cli("list", "--data", dir)
	if err != nil || !strings.Contains(stdout, "Kế toán Lạng Sơn") || !strings.Contains(stdout, "manager") ||
		!strings.Contains(stdout, "first admin") || tokenPattern.MatchString(stdout) {
		t.Fatalf("token list = %v\n%s", err, stdout)
	}
	id := strings.Fields(strings.Split(stdout, "\n")[2])[0]
	if _, stderr, err := cli("revoke", "--data", dir, id); err != nil {
		t.Fatalf("token revoke %s = %v; %s", id, err, stderr)
	}
	waitStatus(t, base+"/v1/units/lang-son", manager, http.StatusUnauthorized)
	stdout, _, _ = cli("list", "--data", dir)
	if !strings.Contains(stdout, "revoked") {
		t.Errorf("token list after revoke:\n%s", stdout)
	}

	for _, bad := range [][]string{
		{"issue", "--data", dir, "--role", "boss", "--unit", "lang-son", "--name", "x"},
		{"issue", "--data", dir, "--role", "manager", "--name", "x"},
		{"issue", "--data", dir, "--role", "manager", "--unit", "nowhere", "--name", "x"},
		{"issue", "--data", filepath.Join(dir, "typo"), "--role", "admin", "--name", "x"},
		{"revoke", "--data", dir, "not-a-uuid"},
		{"revoke", "--data", dir},
		{"frobnicate"},
	} {
		if _, _, err := cli(bad...); err == nil {
			t.Errorf("token %q = nil error, want a refusal", bad)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "typo")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("token issue on a mistyped directory created it")
	}
}

func postJSON(t *testing.T, url, token, body string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// waitStatus polls until url answers want: changes made by another process
// reach the server within its 0.2 s poll.
func waitStatus(t *testing.T, url, token string, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := get(t, http.DefaultClient, url, token)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s = %d, want %d within 5 s", url, got, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// serve --tls-cert/--tls-key serves HTTPS, and only HTTPS.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	certPEM, keyPEM := selfSigned(t)
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, certPEM, 0o600)
	os.WriteFile(keyFile, keyPEM, 0o600)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}

	base, out, stop := serveInProcess(t, filepath.Join(dir, "data"), client, "https", "--tls-cert", certFile, "--tls-key", keyFile)
	defer stop()
	admin := tokenPattern.FindString(out.String())
	if got := get(t, client, base+"/v1/units", admin); got != http.StatusOK {
		t.Errorf("GET over HTTPS = %d, want 200", got)
	}
	plain := "http" + strings.TrimPrefix(base, "https")
	if resp, err := http.Get(plain + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Errorf("plain HTTP answered 200 on the TLS port")
		}
	}

	var stderr bytes.Buffer
	for _, args := range [][]string{
		{"serve", "--tls-cert", certFile},
		{"serve", "--tls-key", keyFile},
	} {
		if err := run(context.Background(), args, func(string) string { return "" }, &stderr, &stderr); !errors.Is(err, errUsage) {
			t.Errorf("run(%q) = %v, want errUsage", args, err)
		}
	}
	bad := []string{"serve", "--addr", freeAddr(t), "--data", filepath.Join(dir, "d2"), "--tls-cert", keyFile, "--tls-key", keyFile}
	if err := run(context.Background(), bad, func(string) string { return "" }, &stderr, &stderr); err == nil || errors.Is(err, errUsage) {
		t.Errorf("serve with a key as certificate = %v, want a load error", err)
	}
}

func selfSigned(t *testing.T) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "welfare-ledger test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
}
