package projections

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// updateCkpt rewrites the committed history and its checkpoint. Only run
// it on purpose: the checkpoint in testdata stands for the files written
// by the binaries already deployed, and regenerating it with today's code
// would test nothing about them.
var updateCkpt = flag.Bool("update-ckpt", false, "rewrite projections/testdata/ckpt-v*.{jsonl,ckpt} from a fresh random history")

// Files of the committed checkpoint: a history and the checkpoint that
// the code of its format version wrote after applying all of it.
const (
	// compatVersion is the format version of the committed checkpoint.
	compatVersion = 5
	compatSeed    = 5
	compatSteps   = 400
)

func compatPaths() (history, ckpt string) {
	base := filepath.Join("testdata", fmt.Sprintf("ckpt-v%d", compatVersion))
	return base + ".history.jsonl", base + ".ckpt"
}

// storedLine is one event of the committed history: data and metadata as
// strings, so that they come back byte for byte (the hash chain covers
// them).
type storedLine struct {
	Position uint64    `json:"position"`
	Stream   string    `json:"stream"`
	Revision uint64    `json:"revision"`
	ID       uuid.UUID `json:"id"`
	Type     string    `json:"type"`
	Data     string    `json:"data"`
	Metadata string    `json:"metadata"`
}

// writeCompatFiles writes a random history (ckptHistory with a fixed
// seed) and the checkpoint of its projections: run with -update-ckpt.
func writeCompatFiles(t *testing.T) {
	if ckptVersion != compatVersion {
		// The committed file stands for format compatVersion: a new
		// format gets files of its own (and a new compatVersion), the
		// old ones stay to test that they are refused.
		t.Fatalf("-update-ckpt writes format %d, but the committed files are of format %d", ckptVersion, compatVersion)
	}
	h := newCkptHistory(t, compatSeed, compatSteps)
	historyPath, ckptPath := compatPaths()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, se := range h.events {
		if err := enc.Encode(storedLine{Position: uint64(se.Position), Stream: se.Stream, Revision: se.Revision,
			ID: se.ID, Type: se.Type, Data: string(se.Data), Metadata: string(se.Metadata)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll("testdata", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(historyPath, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var ckpt bytes.Buffer
	if _, err := h.proj.WriteCheckpoint(&ckpt); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ckptPath, ckpt.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// readCompatHistory reads the committed history back as a ckptHistory:
// its events and every id a query can be asked about.
func readCompatHistory(t *testing.T) *ckptHistory {
	t.Helper()
	historyPath, _ := compatPaths()
	f, err := os.Open(historyPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := &ckptHistory{fakeLog: &fakeLog{t: t}}
	benefs := map[domain.BeneficiaryID]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line storedLine
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("%s: %v", historyPath, err)
		}
		se := domain.StoredEvent{Position: domain.Position(line.Position), Stream: line.Stream, Revision: line.Revision,
			ID: line.ID, Type: line.Type, Data: []byte(line.Data), Metadata: []byte(line.Metadata)}
		h.events = append(h.events, se)
		e, err := domain.Decode(se)
		if err != nil {
			t.Fatalf("%s at %d: %v", historyPath, line.Position, err)
		}
		var benef domain.BeneficiaryID
		switch d := e.Data.(type) {
		case *domain.UnitRegistered:
			h.unitIDs = append(h.unitIDs, d.UnitID)
		case *domain.FundOpened:
			h.fundIDs = append(h.fundIDs, d.FundID)
		case *domain.TokenIssued:
			h.tokenIDs = append(h.tokenIDs, d.TokenID)
		case *domain.LoanDisbursed:
			h.loans = append(h.loans, [2]uuid.UUID{d.FundID, d.LoanID})
			benef = d.BeneficiaryID
		case *domain.ShelterGrantPaid:
			benef = d.BeneficiaryID
		case *domain.AssistanceGranted:
			benef = d.BeneficiaryID
		}
		if benef != "" && !benefs[benef] {
			benefs[benef] = true
			h.benefs = append(h.benefs, benef)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(h.events) == 0 || len(h.fundIDs) == 0 || len(h.benefs) == 0 || len(h.loans) == 0 {
		t.Fatalf("%s: %d events, %d funds, %d beneficiaries, %d loans; want some of each",
			historyPath, len(h.events), len(h.fundIDs), len(h.benefs), len(h.loans))
	}
	return h
}

// TestCheckpointOfAnEarlierRelease loads the committed checkpoint, written
// by the code of format compatVersion, against the committed history it
// was taken from, in a real store: a start either loads it to the figures
// of a replay from zero or, when this program reads another format,
// refuses it with a log line and replays the log to the same figures.
// Never different figures.
func TestCheckpointOfAnEarlierRelease(t *testing.T) {
	if *updateCkpt {
		writeCompatFiles(t)
	}
	h := readCompatHistory(t)
	st := logStore(t, "ledger.db")
	appendEvents(t, st, h.events)
	full := caughtUp(t, st, New())
	last := h.events[len(h.events)-1].Position

	_, ckptPath := compatPaths()
	var logs bytes.Buffer
	p, err := Load(context.Background(), st, ckptPath, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatalf("Load(%s): %v", ckptPath, err)
	}
	wantPos, wantLog := last, fmt.Sprintf("loaded checkpoint at position %d", last)
	if ckptVersion != compatVersion {
		wantPos, wantLog = 0, fmt.Sprintf("format version %d, this program reads %d", compatVersion, ckptVersion)
	}
	if p.Position() != wantPos || !strings.Contains(logs.String(), wantLog) {
		t.Fatalf("Load = position %d, log %q; want position %d and %q", p.Position(), logs.String(), wantPos, wantLog)
	}
	q := caughtUp(t, st, p)
	sameAnswers(t, "committed checkpoint, loaded and caught up", h, q, full)
	if r, err := Verify(context.Background(), st, q, nil); err != nil || !r.OK {
		t.Errorf("Verify(committed checkpoint, loaded) = %v, %+v; want ok", err, r.Mismatches)
	}

	// While the format is the committed file's, this program writes it
	// byte for byte from the same history: every code, every order.
	if ckptVersion == compatVersion {
		want, err := os.ReadFile(ckptPath)
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if _, err := full.WriteCheckpoint(&got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want) {
			i := 0
			for i < min(got.Len(), len(want)) && got.Bytes()[i] == want[i] {
				i++
			}
			t.Errorf("WriteCheckpoint of the committed history: %d bytes, first difference at byte %d; want the %d bytes of %s (format %d)",
				got.Len(), i, len(want), ckptPath, compatVersion)
		}
	}
}
