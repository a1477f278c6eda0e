package demo_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/welfare-ledger/welfare-ledger/api"
	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/internal/demo"
	"github.com/welfare-ledger/welfare-ledger/projections"
	"github.com/welfare-ledger/welfare-ledger/store/embedded"
)

// demoServer loads the demo into a fresh ledger file and serves it over
// real HTTP, as `serve --demo` does.
type demoServer struct {
	t      *testing.T
	base   string
	tokens demo.Tokens
}

func startDemo(t *testing.T) *demoServer {
	t.Helper()
	st, err := embedded.Open(filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	start := time.Now()
	tokens, err := demo.Load(context.Background(), st, time.Now())
	if err != nil {
		t.Fatalf("demo.Load() = %v", err)
	}
	t.Logf("demo loaded: %d events in %v", st.Head(), time.Since(start).Round(time.Millisecond))
	proj := projections.New()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	log := slog.New(slog.DiscardHandler)
	go projections.Run(ctx, st, proj, log)
	srv := api.New(api.Config{Ledger: domain.NewLedger(st, time.Now), Projections: proj, Store: st, Logger: log,
		RateLimit: &api.RateLimit{}})
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	for !proj.Ready() {
		time.Sleep(5 * time.Millisecond)
	}
	return &demoServer{t: t, base: hs.URL, tokens: tokens}
}

func (s *demoServer) get(token, path string, v any) int {
	s.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode == http.StatusOK && v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			s.t.Fatalf("GET %s: %v in %s", path, err, body)
		}
	}
	return res.StatusCode
}

type fundInfo struct {
	FundID string `json:"fund_id"`
	UnitID string `json:"unit_id"`
	Kind   string `json:"kind"`
}

// fund finds the fund of kind that unit itself holds.
func (s *demoServer) fund(unit, kind string) string {
	s.t.Helper()
	var page struct {
		Items []fundInfo `json:"items"`
	}
	s.get(s.tokens.Auditor, "/v1/funds?limit=1000&unit_id="+unit+"&kind="+kind, &page)
	for _, f := range page.Items {
		if f.UnitID == unit {
			return f.FundID
		}
	}
	s.t.Fatalf("no %s fund of %s", kind, unit)
	return ""
}

type txJSON struct {
	TransactionID string  `json:"transaction_id"`
	Type          string  `json:"type"`
	Amount        string  `json:"amount"`
	OccurredOn    string  `json:"occurred_on"`
	BeneficiaryID string  `json:"beneficiary_id"`
	Category      string  `json:"category"`
	Shelter       string  `json:"shelter"`
	ReversedBy    *string `json:"reversed_by"`
}

// line is one figure of a published report: times (lượt), distinct
// persons (người) and the amount.
type line struct {
	times, persons int
	amount         *big.Int
}

// figure recomputes, from the fund's transactions as GET
// /v1/funds/{id}/transactions lists them, the line of one kind of payment
// over [from, to] exactly as API.md defines the figures: the transactions
// dated in the period and not reversed on or before to.
func (s *demoServer) figure(fund, from, to string, match func(txJSON) bool) line {
	s.t.Helper()
	var all []txJSON
	for cursor := ""; ; {
		var page struct {
			Items      []txJSON `json:"items"`
			NextCursor *string  `json:"next_cursor"`
		}
		s.get(s.tokens.Auditor, "/v1/funds/"+fund+"/transactions?limit=1000&cursor="+url.QueryEscape(cursor), &page)
		all = append(all, page.Items...)
		if page.NextCursor == nil {
			break
		}
		cursor = *page.NextCursor
	}
	reversedOn := map[string]string{}
	for _, tx := range all {
		if tx.Type == "TransactionReversed" {
			reversedOn[tx.TransactionID] = tx.OccurredOn
		}
	}
	l := line{amount: new(big.Int)}
	persons := map[string]bool{}
	for _, tx := range all {
		if tx.OccurredOn < from || tx.OccurredOn > to || !match(tx) {
			continue
		}
		if tx.ReversedBy != nil && reversedOn[*tx.ReversedBy] <= to {
			continue
		}
		a, _ := new(big.Int).SetString(tx.Amount, 10)
		l.amount.Add(l.amount, a)
		l.times++
		persons[tx.BeneficiaryID] = true
	}
	l.persons = len(persons)
	return l
}

func category(c string) func(txJSON) bool {
	return func(tx txJSON) bool { return tx.Type == "AssistanceGranted" && tx.Category == c }
}

func shelter(kind string) func(txJSON) bool {
	return func(tx txJSON) bool { return tx.Type == "ShelterGrantPaid" && (kind == "" || tx.Shelter == kind) }
}

func within(t *testing.T, what string, got *big.Int, lo, hi int64) {
	t.Helper()
	if got.Cmp(big.NewInt(lo)) < 0 || got.Cmp(big.NewInt(hi)) >= 0 {
		t.Errorf("%s = %s đồng, want in [%d, %d)", what, got, lo, hi)
	}
}

func count(t *testing.T, what string, got, lo, hi int) {
	t.Helper()
	if got < lo || got > hi {
		t.Errorf("%s = %d, want %d to %d", what, got, lo, hi)
	}
}

// TestDemoReproducesThePublishedFigures loads the demo and checks every
// published figure of the two provinces through the API, as an auditor
// would recompute it, against the intervals "over X" and "nearly X" stand
// for; and that every unit says it is synthetic.
func TestDemoReproducesThePublishedFigures(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the whole demo")
	}
	s := startDemo(t)
	const bn, m = 1_000_000_000, 1_000_000

	t.Run("Lạng Sơn 2018–2023", func(t *testing.T) {
		social, shelterFund := s.fund("lang-son", "social"), s.fund("lang-son", "shelter")
		var sum struct {
			Funds []struct {
				FundID string `json:"fund_id"`
				Totals struct {
					Donations string `json:"donations"`
				} `json:"totals"`
			} `json:"funds"`
		}
		s.get(s.tokens.Official, "/v1/units/lang-son/summary?from=2018-01-01&to=2023-12-31", &sum)
		found := false
		for _, f := range sum.Funds {
			if f.FundID == social {
				found = true
				d, _ := new(big.Int).SetString(f.Totals.Donations, 10)
				within(t, "Social Fund donations", d, 5_400*m, 5_500*m)
			}
		}
		if !found {
			t.Errorf("the province's roll-up has no line of its Social Fund")
		}
		newBuild := s.figure(shelterFund, "2018-01-01", "2023-12-31", shelter("new_build"))
		repair := s.figure(shelterFund, "2018-01-01", "2023-12-31", shelter("repair"))
		both := s.figure(shelterFund, "2018-01-01", "2023-12-31", shelter(""))
		count(t, "shelter persons", both.persons, 156, 156)
		if newBuild.persons+repair.persons != 156 {
			t.Errorf("shelter persons: new build %d + repair %d, want 156 (no member gets both)", newBuild.persons, repair.persons)
		}
		within(t, "shelter amount", both.amount, 4*bn, 4_100*m)
		illness := s.figure(social, "2018-01-01", "2023-12-31", category("serious_illness"))
		count(t, "serious illness persons", illness.persons, 273, 273)
		within(t, "serious illness amount", illness.amount, 361*m, 362*m)
		covid := s.figure(social, "2018-01-01", "2023-12-31", category("hardship"))
		count(t, "COVID-19 hardship persons", covid.persons, 1600, 1700)
		within(t, "COVID-19 hardship amount", covid.amount, 1_600*m, 1_700*m)
	})

	t.Run("Bạc Liêu 2024 and Tết 2025", func(t *testing.T) {
		social, capital := s.fund("bac-lieu", "social"), s.fund("bac-lieu", "capital_support")
		newBuild := s.figure(social, "2024-01-01", "2024-12-31", shelter("new_build"))
		repair := s.figure(social, "2024-01-01", "2024-12-31", shelter("repair"))
		count(t, "new shelters", newBuild.times, 22, 22)
		count(t, "shelter repairs", repair.times, 3, 3)
		within(t, "shelter amount", new(big.Int).Add(newBuild.amount, repair.amount), 1_140*m, 1_200*m)
		illness := s.figure(social, "2024-01-01", "2024-12-31", category("serious_illness"))
		count(t, "serious illness persons", illness.persons, 17, 17)
		within(t, "serious illness amount", illness.amount, 70*m, 71*m)
		tet := s.figure(social, "2025-01-01", "2025-01-28", category("tet_gift"))
		count(t, "Tết gifts", tet.times, 3601, 3700)
		within(t, "Tết gifts amount", tet.amount, 2*bn, 3*bn)

		var f struct {
			Funds []struct {
				FundID string `json:"fund_id"`
				Totals struct {
					LoansDisbursed string `json:"loans_disbursed"`
				} `json:"totals"`
				Counts struct {
					Loans int `json:"loans"`
				} `json:"counts"`
			} `json:"funds"`
		}
		s.get(s.tokens.Official, "/v1/units/bac-lieu/summary?from=2024-01-01&to=2024-12-31", &f)
		for _, l := range f.Funds {
			if l.FundID == capital {
				count(t, "loans (lượt)", l.Counts.Loans, 1281, 1300)
				amt, _ := new(big.Int).SetString(l.Totals.LoansDisbursed, 10)
				within(t, "loans amount", amt, 11_900*m, 12*bn)
			}
		}
	})

	t.Run("through the breakdown", func(t *testing.T) { checkPublishedBreakdown(t, s) })

	t.Run("every unit is marked synthetic", func(t *testing.T) {
		var units struct {
			Items []struct {
				UnitID string `json:"unit_id"`
				Name   string `json:"name"`
			} `json:"items"`
		}
		s.get(s.tokens.Official, "/v1/units?limit=1000", &units)
		if len(units.Items) < 1+1+14+4+1+7 {
			t.Errorf("%d units, want the confederation, 2 provinces, 21 districts and sectors, grassroots unions", len(units.Items))
		}
		for _, u := range units.Items {
			if !strings.Contains(u.Name, demo.Marker) {
				t.Errorf("unit %s is named %q, without %q", u.UnitID, u.Name, demo.Marker)
			}
		}
	})

	t.Run("one token per role", func(t *testing.T) {
		for _, tc := range []struct {
			role, token, path string
			want              int
		}{
			{"admin", s.tokens.Admin, "/v1/tokens", http.StatusOK},
			{"manager", s.tokens.Manager, "/v1/units/" + string(s.tokens.ManagerUnit) + "/summary", http.StatusOK},
			{"manager outside its district", s.tokens.Manager, "/v1/units/bac-lieu/summary", http.StatusForbidden},
			{"auditor", s.tokens.Auditor, "/v1/events?limit=1", http.StatusOK},
			{"official", s.tokens.Official, "/v1/units/vgcl/summary", http.StatusOK},
			{"official and beneficiaries", s.tokens.Official, "/v1/beneficiaries/LS-00001", http.StatusForbidden},
		} {
			if got := s.get(tc.token, tc.path, nil); got != tc.want {
				t.Errorf("%s: GET %s = %d, want %d", tc.role, tc.path, got, tc.want)
			}
		}
	})
}
