package api

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/xuri/excelize/v2"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/projections"
)

// statementLines is the size of the benchmark's statement: issue 14 asks
// for a 1,000,000-line statement in < 10 s and < 100 MB of heap growth.
var statementLines = 1_000_000

// fundWithLines returns projections holding one social fund with n money
// events (donations and assistance grants, in date order over 3 years,
// with donor names, references and notes like real vouchers).
func fundWithLines(b testing.TB, n int) (*projections.Projections, uuid.UUID) {
	b.Helper()
	p := projections.New()
	fund := domain.NewID()
	pos := domain.Position(0)
	at := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	apply := func(stream string, occurred domain.Date, id uuid.UUID, typ domain.EventType, data domain.EventData) {
		pos++
		at = at.Add(time.Second)
		e := domain.Event{Position: pos, Stream: stream, Type: typ, Data: data,
			Meta: domain.Metadata{EventID: id, Schema: 1, OccurredOn: occurred, RecordedAt: at, Actor: "bench"}}
		if err := p.Apply(e); err != nil {
			b.Fatal(err)
		}
	}
	opened := domain.MustDate("2021-01-01")
	apply(domain.UnitStream("u"), opened, domain.NewID(), domain.TypeUnitRegistered, &domain.UnitRegistered{UnitID: "u", Name: "Công đoàn"})
	apply(domain.FundStream(fund), opened, fund, domain.TypeFundOpened, &domain.FundOpened{FundID: fund, UnitID: "u", Name: "Quỹ Xã hội", Kind: domain.FundSocial, OpenedOn: opened})
	for i := range n {
		day := domain.MustDate(fmt.Sprintf("%d-%02d-%02d", 2021+i*3/n, 1+i*36/n%12, 1+i%28))
		id := domain.NewID()
		if i%3 == 2 {
			apply(domain.FundStream(fund), day, id, domain.TypeAssistanceGranted, &domain.AssistanceGranted{TransactionID: id, FundID: fund,
				BeneficiaryID: domain.BeneficiaryID(fmt.Sprintf("LS-%05d", i%20000)), Amount: domain.MustVND("500000"), Category: "serious_illness", Note: "ốm đau"})
			continue
		}
		apply(domain.FundStream(fund), day, id, domain.TypeDonationReceived, &domain.DonationReceived{TransactionID: id, FundID: fund,
			Amount: domain.MustVND("1000000"), Donor: domain.Donor{Name: "Công ty TNHH May Lạng Sơn", Kind: domain.DonorEnterprise}, Reference: fmt.Sprintf("PT-%d", i)})
	}
	return p, fund
}

// BenchmarkStatement writes a 1,000,000-line statement of one fund
// (WL_STATEMENT_LINES for another size) in each format to a discarding
// writer, and reports lines/s, seconds per statement and the heap's peak
// growth while writing (HeapAlloc sampled every 20 ms): garbage included,
// so it also measures how much the collector's pacing lets pile up beside
// the projections' own live heap (hundreds of MB here). The target (issue
// 14): < 10 s and < 100 MB.
//
// With WL_STATEMENT_HELD=1 it reports MB-held instead: every 8 MiB the
// writer is sent, the writing stops there while two collections run, and
// the heap in use then, against the heap before, is what the writing
// holds — whatever the machine's load, which on a shared machine makes a
// collection beside a running writer count seconds of its garbage as
// live. The time is then not the figure to read. (An XLSX is measured
// while it is zipped to the client, after its rows went to excelize's
// temporary file.) Figures: docs/performance.md.
func BenchmarkStatement(b *testing.B) {
	p, fund := fundWithLines(b, statementLines)
	held := os.Getenv("WL_STATEMENT_HELD") == "1"
	for _, format := range []struct {
		name  string
		write func(http.ResponseWriter, *projections.Statement, bool) error
	}{
		{"json", writeStatementJSON},
		{"csv", writeStatementCSV},
		{"xlsx", writeStatementXLSX},
	} {
		b.Run(format.name, func(b *testing.B) {
			for b.Loop() {
				runtime.GC()
				var before, m runtime.MemStats
				runtime.ReadMemStats(&before)
				peak := before.HeapAlloc
				w := discard{h: http.Header{}}
				done := make(chan struct{})
				sampled := make(chan struct{})
				if held {
					close(sampled)
					w.every = heldEvery
					w.sample = func() {
						runtime.GC()
						runtime.GC()
						runtime.ReadMemStats(&m)
						peak = max(peak, m.HeapAlloc)
					}
				} else {
					go func() {
						defer close(sampled)
						for {
							select {
							case <-done:
								return
							case <-time.After(20 * time.Millisecond):
							}
							runtime.ReadMemStats(&m)
							peak = max(peak, m.HeapAlloc)
						}
					}()
				}
				start := time.Now()
				st, ok := p.Statement(fund, 0, 0)
				if !ok || st.Len() != statementLines {
					b.Fatalf("statement of %d lines, want %d", st.Len(), statementLines)
				}
				if err := format.write(&w, st, false); err != nil {
					b.Fatal(err)
				}
				elapsed := time.Since(start)
				close(done)
				<-sampled
				b.ReportMetric(float64(statementLines)/elapsed.Seconds(), "lines/s")
				b.ReportMetric(elapsed.Seconds(), "s/statement")
				growth := float64(peak-before.HeapAlloc) / (1 << 20)
				if held {
					b.ReportMetric(growth, "MB-held")
				} else {
					b.ReportMetric(growth, "MB-heap-growth")
				}
			}
		})
	}
}

// heldEvery is how many bytes written apart BenchmarkStatement measures
// the heap held, with WL_STATEMENT_HELD=1.
const heldEvery = 8 << 20

// TestStatementXLSXStreams checks that the XLSX form reaches the client
// as it is zipped, in pieces, rather than zipped whole into memory and
// sent in one write (what made a 1,000,000-line workbook hold 274 MB),
// and that what arrives is the whole workbook.
func TestStatementXLSXStreams(t *testing.T) {
	const lines = 20_000
	p, fund := fundWithLines(t, lines)
	st, _ := p.Statement(fund, 0, 0)
	w := &writeSizes{h: http.Header{}}
	if err := writeStatementXLSX(w, st, false); err != nil {
		t.Fatal(err)
	}
	if w.total < 1<<20 || w.largest > 64<<10 {
		t.Errorf("%d bytes written, the largest write %d bytes; want over 1 MiB in writes of at most 64 KiB", w.total, w.largest)
	}
	f, err := excelize.OpenReader(bytes.NewReader(w.body.Bytes()))
	if err != nil {
		t.Fatalf("the streamed workbook does not open: %v", err)
	}
	defer f.Close()
	rows, err := f.Rows("Sổ quỹ")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	var last []string
	for rows.Next() {
		n++
		if last, err = rows.Columns(); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := n, lines+statementExtraRows; got != want {
		t.Errorf("rows = %d, want %d", got, want)
	}
	if got, want := last[3], closingRow; got != want {
		t.Errorf("last row's description = %q, want %q", got, want)
	}
}

// writeSizes is a ResponseWriter that keeps the body and the sizes of the
// writes that made it.
type writeSizes struct {
	h              http.Header
	body           bytes.Buffer
	total, largest int
}

func (w *writeSizes) Header() http.Header { return w.h }
func (w *writeSizes) WriteHeader(int)     {}
func (w *writeSizes) Write(p []byte) (int, error) {
	w.total += len(p)
	w.largest = max(w.largest, len(p))
	return w.body.Write(p)
}

// discard is a ResponseWriter that keeps nothing; with sample set, it
// calls it every time another every bytes have been written.
type discard struct {
	h       http.Header
	every   int
	written int
	sample  func()
}

func (d *discard) Header() http.Header { return d.h }
func (d *discard) WriteHeader(int)     {}
func (d *discard) Write(p []byte) (int, error) {
	if d.sample != nil && (d.written+len(p))/d.every > d.written/d.every {
		d.sample()
	}
	d.written += len(p)
	return len(p), nil
}

func init() {
	if n := os.Getenv("WL_STATEMENT_LINES"); n != "" {
		if v, err := strconv.Atoi(n); err == nil && v > 0 {
			statementLines = v
		}
	}
}
