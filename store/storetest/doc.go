// Package storetest is the contract every domain.EventStore backend passes.
//
// A backend's own test calls Run with a function that opens a fresh, empty
// store:
//
//	func TestContract(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) domain.EventStore {
//			s, err := embedded.Open(filepath.Join(t.TempDir(), "ledger.db"))
//			if err != nil {
//				t.Fatalf("Open: %v", err)
//			}
//			return s
//		})
//	}
//
// The suite is the executable form of the port's documentation in
// domain/store.go: optimistic concurrency, atomic multi-event appends, global
// uniqueness of event ids, one global order, gap-free subscriptions, the
// named limits and the behaviour after Close. Each sub-test opens its own
// store, so the sub-tests are independent and may be run alone with -run.
//
// A backend under construction may declare capabilities it lacks yet
// (Run's last arguments, e.g. storetest.ChainLinkOnAppend): the clauses
// that test them are skipped by that name, visibly, and the rest runs.
// Every backend the service ships declares none.
//
// Event data and metadata in the suite are always JSON objects, because the
// port says so and the embedded store keeps them as JSON text.
package storetest
