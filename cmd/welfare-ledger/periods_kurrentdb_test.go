package main

import (
	"testing"
	"time"

	"github.com/google/uuid"
)

// TestTwoInstancesClosedPeriod: on one KurrentDB, a year closed through
// one instance is refused at once by that instance, by the other within
// the bound docs/api.md states (about a second, as it reads the period
// stream again), and both list the closure with its seal.
func TestTwoInstancesClosedPeriod(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two servers")
	}
	srv := startKurrentDB(t)
	a := serveOn(t, srv.URI())
	b := serveOn(t, srv.URI())
	b.token = a.token // one ledger: one admin

	a.must(201, "POST", "/v1/units", map[string]any{"unit_id": "lang-son", "name": "LĐLĐ tỉnh Lạng Sơn"})
	fund := uuid.Must(uuid.NewV7()).String()
	a.must(201, "POST", "/v1/funds", map[string]any{"fund_id": fund, "unit_id": "lang-son", "name": "Quỹ Xã hội", "kind": "social", "opened_on": "2022-01-01"})
	donation := func(on string) map[string]any {
		return map[string]any{"amount": "1000000", "occurred_on": on, "donor": map[string]any{"kind": "enterprise", "name": "Công ty A"}}
	}
	// b writes first, so that its copy of the period stream is loaded
	// (empty) before the close.
	eventually(t, 5*time.Second, func() string {
		if c, out, _ := b.call("POST", "/v1/funds/"+fund+"/donations", "", donation("2023-03-03")); c != 201 {
			return "donation through the second instance: " + lookup(out, "code")
		}
		return ""
	})

	closed := a.must(201, "POST", "/v1/units/lang-son/periods", map[string]any{"year": 2023})
	if len(lookup(closed, "seal")) != 64 || lookup(closed, "position") == "" {
		t.Fatalf("close = %v, want a seal and a position", closed)
	}
	if c, out, _ := a.call("POST", "/v1/funds/"+fund+"/donations", "", donation("2023-04-04")); c != 409 || lookup(out, "code") != "period_closed" {
		t.Fatalf("donation dated in the closed year through the closing instance = %d %v, want 409 period_closed", c, out)
	}
	eventually(t, 3*time.Second, func() string {
		c, out, _ := b.call("POST", "/v1/funds/"+fund+"/donations", "", donation("2023-04-05"))
		if c != 409 || lookup(out, "code") != "period_closed" {
			return "donation dated in the closed year through the other instance: " + lookup(out, "code")
		}
		return ""
	})
	for _, in := range []*instance{a, b} {
		eventually(t, 5*time.Second, func() string {
			_, out, _ := in.call("GET", "/v1/units/lang-son/periods", "", nil)
			items, _ := out["items"].([]any)
			if len(items) != 1 {
				return in.base + ": periods " + lookup(out, "items") + ", want the closure"
			}
			item, _ := items[0].(map[string]any)
			if lookup(item, "seal") != lookup(closed, "seal") || lookup(item, "closed_by") != "lang-son" {
				return in.base + ": periods " + lookup(out, "items") + ", want the closure"
			}
			return ""
		})
	}
}
