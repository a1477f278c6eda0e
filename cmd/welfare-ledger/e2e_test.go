package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binary builds the welfare-ledger binary once per test run.
var binary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "welfare-ledger-bin")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "welfare-ledger")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// server is a running welfare-ledger serve process.
type server struct {
	t     *testing.T
	cmd   *exec.Cmd
	base  string
	logs  *bytes.Buffer
	token string // the admin token the first start wrote to admin.token
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func startServer(t *testing.T, dataDir, addr string, flags ...string) *server {
	t.Helper()
	bin, err := binary()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, base: "http://" + addr, logs: &bytes.Buffer{}}
	s.cmd = exec.Command(bin, append([]string{"serve", "--addr", addr, "--data", dataDir}, flags...)...)
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			s.cmd.Process.Kill()
			s.cmd.Wait()
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(s.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				tok, err := os.ReadFile(filepath.Join(dataDir, adminTokenFile))
				if err != nil {
					t.Fatalf("read the admin token: %v", err)
				}
				s.token = strings.TrimSpace(string(tok))
				return s
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("server not ready within 30 s; logs:\n%s", s.logs)
	return nil
}

func (s *server) kill() {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		s.t.Fatal(err)
	}
	s.cmd.Wait()
}

func (s *server) do(method, path string, body any) (int, map[string]any, http.Header) {
	s.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			s.t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.base+path, r)
	if err != nil {
		s.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	out, err := readAnswer(resp)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp.StatusCode, out, resp.Header
}

// readAnswer reads and closes a response's body and decodes it when it is
// JSON (numbers as json.Number, so that amounts stay exact).
func readAnswer(resp *http.Response) (map[string]any, error) {
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(raw) > 0 && strings.Contains(resp.Header.Get("Content-Type"), "json") {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&out); err != nil {
			return nil, fmt.Errorf("decode %q: %w", raw, err)
		}
	}
	return out, nil
}

func (s *server) must(status int, method, path string, body any) map[string]any {
	s.t.Helper()
	got, out, _ := s.do(method, path, body)
	if got != status {
		s.t.Fatalf("%s %s = %d %v, want %d", method, path, got, out, status)
	}
	return out
}

// parallel runs n jobs on 8 workers and fails on the first error.
func parallel(t *testing.T, n int, job func(i int) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	next := make(chan int)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := job(i); err != nil {
					errs <- err
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func (s *server) post(path string, body any) error {
	b, _ := json.Marshal(body)
	req, err := http.NewRequest(http.MethodPost, s.base+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+s.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		raw, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("POST %s = %d %s", path, resp.StatusCode, raw)
	}
	return nil
}

// TestEndToEnd records the published Lạng Sơn figures through HTTP against
// the real binary, kills it with SIGKILL, restarts it and reads the same
// figures back: once on the embedded store, once on KurrentDB (the test
// server, started in this process; the binary gets its URI).
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Run("embedded", func(t *testing.T) { endToEnd(t) })
	t.Run("kurrentdb", func(t *testing.T) { endToEnd(t, "--store", startKurrentDB(t).URI()) })
}

func endToEnd(t *testing.T, storeFlags ...string) {
	dataDir := t.TempDir()
	addr := freeAddr(t)
	// A bulk import of years of vouchers: no per-token rate limit.
	flags := append([]string{"--rate-limit", "0"}, storeFlags...)
	s := startServer(t, dataDir, addr, flags...)

	s.must(201, "POST", "/v1/units", map[string]any{"unit_id": "vgcl", "name": "Tổng Liên đoàn Lao động Việt Nam"})
	s.must(201, "POST", "/v1/units", map[string]any{"unit_id": "lang-son", "name": "Liên đoàn Lao động tỉnh Lạng Sơn", "parent_id": "vgcl"})
	const fundID = "0190a0b4-7c3e-7d2f-9b1a-2f4e5d6c7b8a"
	s.must(201, "POST", "/v1/funds", map[string]any{"fund_id": fundID, "unit_id": "lang-son", "name": "Quỹ Xã hội", "kind": "social", "opened_on": "2018-01-01"})

	// 912 donations in 2018: 911 × 5,000,000 + 845,000,000 = 5,400,000,000.
	parallel(t, 912, func(i int) error {
		amount := "5000000"
		if i == 911 {
			amount = "845000000"
		}
		return s.post("/v1/funds/"+fundID+"/donations", map[string]any{
			"amount": amount, "occurred_on": fmt.Sprintf("2018-%02d-%02d", 1+i%12, 1+i%28),
			"donor": map[string]any{"kind": "enterprise", "name": fmt.Sprintf("Doanh nghiệp %d", i)},
		})
	})
	// 120 new-build and 36 repair shelter grants, 4,012,000,000 in all:
	// 119 × 28,000,000 + 32,000,000 + 36 × 18,000,000.
	parallel(t, 156, func(i int) error {
		kind, amount := "new_build", "28000000"
		switch {
		case i == 119:
			amount = "32000000"
		case i >= 120:
			kind, amount = "repair", "18000000"
		}
		return s.post("/v1/funds/"+fundID+"/shelter-grants", map[string]any{
			"beneficiary_id": fmt.Sprintf("LS-%04d", i), "amount": amount, "shelter": kind,
			"occurred_on": fmt.Sprintf("%d-%02d-15", 2019+i%5, 1+i%12),
		})
	})
	// 273 assistance grants for serious illness, 361,000,000 in all:
	// 272 × 1,300,000 + 7,400,000, to members other than the shelter ones.
	parallel(t, 273, func(i int) error {
		amount := "1300000"
		if i == 272 {
			amount = "7400000"
		}
		return s.post("/v1/funds/"+fundID+"/assistance-grants", map[string]any{
			"beneficiary_id": fmt.Sprintf("LS-%04d", 156+i), "amount": amount, "category": "serious_illness",
			"occurred_on": fmt.Sprintf("%d-%02d-20", 2019+i%5, 1+i%12),
		})
	})
	// One idempotent retry with a client id, to check after the restart.
	txID := "0190a0b4-7c3e-7d2f-9b1a-000000000001"
	retry := map[string]any{"transaction_id": txID, "amount": "1", "occurred_on": "2024-01-02", "donor": map[string]any{"kind": "anonymous"}}
	first := s.must(201, "POST", "/v1/funds/"+fundID+"/donations", retry)

	check := func(s *server) {
		t.Helper()
		want := map[string]string{
			"balance": "1027000000", "totals.donations": "5400000000", "totals.shelter_grants": "4012000000",
			"totals.assistance_grants": "361000000", "totals.loans_disbursed": "0", "totals.repayments": "0",
			"counts.donations": "912", "counts.shelter_grants.new_build": "120", "counts.shelter_grants.repair": "36",
			"counts.assistance_grants": "273", "beneficiaries.persons": "429", "beneficiaries.times": "429",
		}
		fund := s.must(200, "GET", "/v1/funds/"+fundID+"?as_of=2023-12-31", nil)
		unit := s.must(200, "GET", "/v1/units/lang-son/summary?from=2018-01-01&to=2023-12-31", nil)
		root := s.must(200, "GET", "/v1/units/vgcl/summary?from=2018-01-01&to=2023-12-31", nil)
		unitWant := map[string]string{"closing_balance": want["balance"], "opening_balance": "0"}
		for k, v := range want {
			if k != "balance" {
				unitWant[k] = v
			}
		}
		for name, got := range map[string]map[string]any{"fund": fund, "lang-son": unit, "vgcl": root} {
			w := want
			if name != "fund" {
				w = unitWant
			}
			for path, v := range w {
				if g := lookup(got, path); g != v {
					t.Errorf("%s %s = %q, want %q", name, path, g, v)
				}
			}
		}
		// The donation of 2024 is after the period but in today's balance.
		now := s.must(200, "GET", "/v1/funds/"+fundID, nil)
		if g := lookup(now, "balance"); g != "1027000001" {
			t.Errorf("balance today = %q, want 1027000001", g)
		}
	}
	check(s)

	s.kill()
	s2 := startServer(t, dataDir, addr, flags...)
	check(s2)
	status, again, hdr := s2.do("POST", "/v1/funds/"+fundID+"/donations", retry)
	if status != 200 || hdr.Get("Idempotent-Replay") != "true" {
		t.Fatalf("replay after restart = %d (Idempotent-Replay %q), want 200 true", status, hdr.Get("Idempotent-Replay"))
	}
	if lookup(again, "position") != lookup(first, "position") || lookup(again, "recorded_at") != lookup(first, "recorded_at") {
		t.Fatalf("replay after restart = %v, want the original %v", again, first)
	}
}

// lookup returns the value at a dotted path of a decoded JSON object, as text.
func lookup(m map[string]any, path string) string {
	var cur any = m
	for _, part := range strings.Split(path, ".") {
		obj, ok := cur.(map[string]any)
		if !ok {
			return "<missing>"
		}
		cur, ok = obj[part]
		if !ok {
			return "<missing " + path + ">"
		}
	}
	return fmt.Sprint(cur)
}
