package benchlog

import (
	"context"
	"strings"
	"sync"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// Append appends log to st as a live ledger would have written it: units
// first (funds name them), then every other stream concurrently in appends
// of the largest size, so that the streams interleave in the global log.
// Each stream's events must continue what st already holds of it.
func Append(ctx context.Context, st domain.EventStore, log []domain.StoredEvent) error {
	var order []string
	streams := map[string][]domain.StoredEvent{}
	for _, se := range log {
		if _, ok := streams[se.Stream]; !ok {
			order = append(order, se.Stream)
		}
		streams[se.Stream] = append(streams[se.Stream], se)
	}
	appendStream := func(stream string) error {
		evs := streams[stream]
		for len(evs) > 0 {
			k := min(len(evs), domain.MaxEventsPerAppend)
			batch := make([]domain.NewEvent, k)
			for i, se := range evs[:k] {
				batch[i] = domain.NewEvent{ID: se.ID, Type: se.Type, Data: se.Data, Metadata: se.Metadata}
			}
			expected := domain.ExpectNoStream
			if evs[0].Revision > 0 {
				expected = domain.ExpectRevision(evs[0].Revision - 1)
			}
			if _, err := st.Append(ctx, stream, expected, batch); err != nil {
				return err
			}
			evs = evs[k:]
		}
		return nil
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(order))
	for _, stream := range order {
		if strings.HasPrefix(stream, "unit-") {
			if err := appendStream(stream); err != nil {
				return err
			}
			continue
		}
		wg.Go(func() { errs <- appendStream(stream) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
