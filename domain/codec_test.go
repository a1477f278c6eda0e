package domain_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// update rewrites the golden files from Seal. Golden files of a released
// (type, schema) must never change: only run this when adding a new one, and
// review the diff.
var update = flag.Bool("update", false, "rewrite domain/testdata/*.v1.json from Seal")

var (
	goldenFund        = uuid.MustParse("0190a0b4-7c3e-7d2f-9b1a-2f4e5d6c7b8a")
	goldenTx          = uuid.MustParse("0190a0b5-11aa-7bcd-8ef0-0123456789ab")
	goldenUnitEvent   = uuid.MustParse("0190a0b3-0000-7000-b000-000000000001")
	goldenToken       = uuid.MustParse("0190a0b6-0000-7000-8000-00000000000a")
	goldenTokenEvent  = uuid.MustParse("0190a0b6-0000-7000-8000-00000000000b")
	goldenRevokeEvent = uuid.MustParse("0190a0b6-0000-7000-8000-00000000000c")
	goldenPeriodEvent = uuid.MustParse("0190a0b7-0000-7000-8000-00000000000d")
	// goldenClosingEvent is the PeriodClosing golden event's id.
	goldenClosingEvent = uuid.MustParse("0190a0b7-0000-7000-8000-000000000010")
	goldenReopenEvent  = uuid.MustParse("0190a0b7-0000-7000-8000-00000000000e")
	goldenRecordedAt   = time.Date(2024, 7, 1, 3, 4, 5, 123456789, time.UTC)
	// goldenPrev is the prev_hash of the money events' golden files: they are
	// links in the middle of a fund's stream.
	goldenPrev = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
)

const goldenActor = `tok_01J2ZK (Nguyễn Thị Hoà, kế toán "LĐLĐ" <Lạng Sơn> & co)`

// goldenCase is one (type, schema) of the catalogue with a full payload.
type goldenCase struct {
	stream string
	prev   string
	data   domain.EventData
	meta   domain.Metadata
}

func goldenMeta(id uuid.UUID, on string, payloadHash string) domain.Metadata {
	return domain.Metadata{
		EventID:     id,
		OccurredOn:  domain.MustDate(on),
		RecordedAt:  goldenRecordedAt,
		Actor:       goldenActor,
		PayloadHash: payloadHash,
	}
}

// goldenCases returns the golden case of every type: the money kinds'
// from their rows of the golden table (domain's kinds_golden_test.go), the
// others here.
func goldenCases() []goldenCase {
	fund := domain.FundStream(goldenFund)
	cases := []goldenCase{
		{
			stream: domain.UnitStream("lang-son"), prev: domain.GenesisHash,
			data: &domain.UnitRegistered{UnitID: "lang-son", Name: "Liên đoàn Lao động tỉnh Lạng Sơn", ParentID: "vgcl"},
			meta: goldenMeta(goldenUnitEvent, "2024-07-01", "1111111111111111111111111111111111111111111111111111111111111111"),
		},
		{
			stream: fund, prev: domain.GenesisHash,
			data: &domain.FundOpened{FundID: goldenFund, UnitID: "lang-son", Name: "Quỹ Xã hội LĐLĐ Lạng Sơn",
				Kind: domain.FundSocial, OpenedOn: domain.MustDate("2020-01-01")},
			meta: goldenMeta(goldenFund, "2020-01-01", "2222222222222222222222222222222222222222222222222222222222222222"),
		},
		{
			stream: domain.AccessStream, prev: domain.GenesisHash,
			data: &domain.TokenIssued{TokenID: goldenToken, Name: "Kế toán LĐLĐ Lạng Sơn", Role: domain.RoleManager, UnitID: "lang-son",
				SecretHash: "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"},
			meta: goldenMeta(goldenTokenEvent, "2024-07-01", "9999999999999999999999999999999999999999999999999999999999999999"),
		},
		{
			stream: domain.AccessStream, prev: goldenPrev,
			data: &domain.TokenRevoked{TokenID: goldenToken},
			meta: goldenMeta(goldenRevokeEvent, "2024-07-01", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
		},
		{
			stream: domain.PeriodStream, prev: domain.GenesisHash,
			data: &domain.PeriodClosing{UnitID: "lang-son", Year: 2023,
				DecisionNo: "QĐ 45/QĐ-LĐLĐ", Note: "Quyết toán năm 2023 đã được duyệt <UBKT> & \"Tỉnh\""},
			meta: goldenMeta(goldenClosingEvent, "2024-07-01", "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"),
		},
		{
			stream: domain.PeriodStream, prev: domain.GenesisHash,
			data: &domain.PeriodClosed{UnitID: "lang-son", Year: 2023,
				Seal:       "3f1c5b8e2a7d4c6f9b0e1a2d3c4b5a6f7e8d9c0b1a2f3e4d5c6b7a8f9e0d1c2b",
				DecisionNo: "QĐ 45/QĐ-LĐLĐ", Note: "Quyết toán năm 2023 đã được duyệt <UBKT> & \"Tỉnh\""},
			meta: goldenMeta(goldenPeriodEvent, "2024-07-01", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"),
		},
		{
			stream: domain.PeriodStream, prev: goldenPrev,
			data: &domain.PeriodReopened{UnitID: "lang-son", Year: 2023,
				Reason: "Bổ sung chứng từ chi trợ cấp tháng 12 bị sót", DecisionNo: "QĐ 51/QĐ-LĐLĐ"},
			meta: goldenMeta(goldenReopenEvent, "2024-07-01", "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"),
		},
	}
	for _, g := range domain.GoldenMoneyEvents() {
		cases = append(cases, goldenCase{stream: fund, prev: goldenPrev, data: g.Data,
			meta: goldenMeta(g.EventID, g.OccurredOn, g.PayloadHash)})
	}
	return cases
}

func goldenPath(t domain.EventType) string {
	return filepath.Join("testdata", string(t)+".v1.json")
}

// goldenFile is the on-disk form of a stored event. Data and Metadata are
// kept byte for byte: the hash chain covers those exact bytes.
type goldenFile struct {
	Type     string          `json:"type"`
	Data     json.RawMessage `json:"data"`
	Metadata json.RawMessage `json:"metadata"`
}

func writeGolden(t *testing.T, path string, ne domain.NewEvent) {
	t.Helper()
	typ, _ := json.Marshal(ne.Type)
	var b bytes.Buffer
	fmt.Fprintf(&b, "{\n  \"type\": %s,\n  \"data\": %s,\n  \"metadata\": %s\n}\n", typ, ne.Data, ne.Metadata)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatalf("write %s: %v", path, err)
	}
}

func readGolden(t testing.TB, path string) goldenFile {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v (run go test ./domain -run TestGoldenEvents -update to create it)", path, err)
	}
	var g goldenFile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&g); err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	return g
}

func TestGoldenEvents(t *testing.T) {
	seen := map[domain.EventType]bool{}
	for _, gc := range goldenCases() {
		typ := gc.data.EventType()
		seen[typ] = true
		t.Run(string(typ), func(t *testing.T) {
			path := goldenPath(typ)
			if *update {
				ne, _, err := domain.Seal(gc.prev, gc.data, gc.meta)
				if err != nil {
					t.Fatalf("Seal: %v", err)
				}
				writeGolden(t, path, ne)
			}
			g := readGolden(t, path)
			if g.Type != string(typ) {
				t.Fatalf("%s: type = %q, want %q", path, g.Type, typ)
			}
			checkAmountsAreStrings(t, g.Data)

			se := domain.StoredEvent{Position: 42, Stream: gc.stream, Revision: 7, ID: gc.meta.EventID,
				Type: g.Type, Data: g.Data, Metadata: g.Metadata}
			hash, err := domain.VerifyHash(gc.prev, se)
			if err != nil {
				t.Fatalf("VerifyHash(%s) = %v, want nil", path, err)
			}

			ev, err := domain.Decode(se)
			if err != nil {
				t.Fatalf("Decode(%s) = %v, want nil", path, err)
			}
			if ev.Type != typ || ev.Position != 42 || ev.Stream != gc.stream || ev.Revision != 7 {
				t.Errorf("Decode: type, position, stream, revision = %s, %d, %s, %d; want %s, 42, %s, 7",
					ev.Type, ev.Position, ev.Stream, ev.Revision, typ, gc.stream)
			}
			want := gc.meta
			want.Schema, want.PrevHash, want.Hash = 1, gc.prev, hash
			checkMeta(t, ev.Meta, want)
			if diff := payloadDiff(ev.Data, gc.data); diff != "" {
				t.Errorf("Decode(%s).Data differs from the payload it was sealed from:\n%s", path, diff)
			}
			if !bytes.Equal(ev.RawData, g.Data) || !bytes.Equal(ev.RawMetadata, g.Metadata) {
				t.Errorf("Decode: RawData/RawMetadata are not the stored bytes")
			}

			// Re-sealing what was decoded gives the stored bytes back.
			ne, meta, err := domain.Seal(ev.Meta.PrevHash, ev.Data, ev.Meta)
			if err != nil {
				t.Fatalf("Seal(decoded): %v", err)
			}
			if !bytes.Equal(ne.Data, g.Data) {
				t.Errorf("Seal(decoded).Data =\n%s\nwant\n%s", ne.Data, g.Data)
			}
			if !bytes.Equal(ne.Metadata, g.Metadata) {
				t.Errorf("Seal(decoded).Metadata =\n%s\nwant\n%s", ne.Metadata, g.Metadata)
			}
			if ne.Type != string(typ) || ne.ID != gc.meta.EventID || meta.Hash != hash {
				t.Errorf("Seal(decoded) = type %s, id %s, hash %s; want %s, %s, %s", ne.Type, ne.ID, meta.Hash, typ, gc.meta.EventID, hash)
			}

			// Sealing the original payload still writes exactly the golden
			// bytes: the stored format of a released schema never changes.
			ne, _, err = domain.Seal(gc.prev, gc.data, gc.meta)
			if err != nil {
				t.Fatalf("Seal: %v", err)
			}
			if !bytes.Equal(ne.Data, g.Data) || !bytes.Equal(ne.Metadata, g.Metadata) {
				t.Errorf("Seal(%s) now writes\n%s\n%s\nbut %s holds\n%s\n%s\n(the stored form of schema 1 must not change)",
					typ, ne.Data, ne.Metadata, path, g.Data, g.Metadata)
			}
		})
	}
	types := []domain.EventType{domain.TypeUnitRegistered, domain.TypeFundOpened}
	for _, k := range domain.MoneyKinds() {
		types = append(types, k.Type)
	}
	for _, typ := range types {
		if !seen[typ] {
			t.Errorf("no golden case for %s", typ)
		}
	}
}

// checkAmountsAreStrings fails if any "amount" in the payload is not a JSON
// string: money is never a JSON number in the log.
func checkAmountsAreStrings(t *testing.T, data []byte) {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("data is not a JSON object: %v", err)
	}
	if a, ok := m["amount"]; ok {
		if _, isString := a.(string); !isString {
			t.Errorf("data amount = %v (%T), want a JSON string", a, a)
		}
	}
}

func checkMeta(t *testing.T, got, want domain.Metadata) {
	t.Helper()
	if got.EventID != want.EventID {
		t.Errorf("Meta.EventID = %s, want %s", got.EventID, want.EventID)
	}
	if got.Schema != want.Schema {
		t.Errorf("Meta.Schema = %d, want %d", got.Schema, want.Schema)
	}
	if got.OccurredOn != want.OccurredOn {
		t.Errorf("Meta.OccurredOn = %s, want %s", got.OccurredOn, want.OccurredOn)
	}
	if !got.RecordedAt.Equal(want.RecordedAt) {
		t.Errorf("Meta.RecordedAt = %s, want %s", got.RecordedAt, want.RecordedAt)
	}
	if got.Actor != want.Actor {
		t.Errorf("Meta.Actor = %q, want %q", got.Actor, want.Actor)
	}
	if got.PayloadHash != want.PayloadHash {
		t.Errorf("Meta.PayloadHash = %s, want %s", got.PayloadHash, want.PayloadHash)
	}
	if got.PrevHash != want.PrevHash {
		t.Errorf("Meta.PrevHash = %s, want %s", got.PrevHash, want.PrevHash)
	}
	if got.Hash != want.Hash {
		t.Errorf("Meta.Hash = %s, want %s", got.Hash, want.Hash)
	}
}

// payloadDiff compares two payloads ("" when equal) by their canonical JSON,
// which covers every field, including any added later, and compares amounts
// by value.
func payloadDiff(got, want domain.EventData) string {
	if reflect.TypeOf(got) != reflect.TypeOf(want) {
		return fmt.Sprintf("type %T, want %T", got, want)
	}
	g, err1 := json.Marshal(got)
	w, err2 := json.Marshal(want)
	if err1 != nil || err2 != nil {
		return fmt.Sprintf("marshal: %v, %v", err1, err2)
	}
	if !bytes.Equal(g, w) {
		return fmt.Sprintf("payload = %s, want %s", g, w)
	}
	return ""
}

// sealChain seals payloads as consecutive events of one stream.
func sealChain(t *testing.T, stream string, datas []domain.EventData) []domain.StoredEvent {
	t.Helper()
	prev := domain.GenesisHash
	var out []domain.StoredEvent
	for i, d := range datas {
		meta := domain.Metadata{EventID: ownID(d), OccurredOn: domain.MustDate("2024-01-10"),
			RecordedAt: goldenRecordedAt.Add(time.Duration(i) * time.Second), Actor: "tester", PayloadHash: fmt.Sprintf("%064x", i)}
		ne, m, err := domain.Seal(prev, d, meta)
		if err != nil {
			t.Fatalf("Seal(%T): %v", d, err)
		}
		prev = m.Hash
		out = append(out, domain.StoredEvent{Position: domain.Position(100 + i), Stream: stream, Revision: uint64(i),
			ID: ne.ID, Type: ne.Type, Data: ne.Data, Metadata: ne.Metadata})
	}
	return out
}

// ownID returns the id the ledger gives the event of a payload: its
// fund's, transaction's or loan's id, or a new one.
func ownID(d domain.EventData) uuid.UUID {
	switch d := d.(type) {
	case *domain.FundOpened:
		return d.FundID
	}
	if m, ok := domain.MoneyOf(d); ok {
		return m.TransactionID
	}
	return domain.NewID()
}

// verifyChain checks a whole stream from its genesis.
func verifyChain(events []domain.StoredEvent) error {
	prev := domain.GenesisHash
	for _, se := range events {
		h, err := domain.VerifyHash(prev, se)
		if err != nil {
			return err
		}
		prev = h
	}
	return nil
}

func fiveEventChain(t *testing.T) []domain.StoredEvent {
	t.Helper()
	fund := domain.NewID()
	tx := domain.NewID()
	return sealChain(t, domain.FundStream(fund), []domain.EventData{
		&domain.FundOpened{FundID: fund, UnitID: "lang-son", Name: "Quỹ Xã hội", Kind: domain.FundSocial, OpenedOn: domain.MustDate("2024-01-01")},
		&domain.DonationReceived{TransactionID: tx, FundID: fund, Amount: domain.MustVND("1000000"), Donor: domain.Donor{Kind: domain.DonorMember}},
		&domain.ShelterGrantPaid{TransactionID: domain.NewID(), FundID: fund, BeneficiaryID: "LS-1", Amount: domain.MustVND("400000"), Shelter: domain.ShelterRepair},
		&domain.AssistanceGranted{TransactionID: domain.NewID(), FundID: fund, BeneficiaryID: "LS-2", Amount: domain.MustVND("100000"), Category: domain.AssistTetGift},
		&domain.TransactionReversed{TransactionID: domain.NewID(), FundID: fund, Reverses: tx, Reason: "nhầm", OriginalType: domain.TypeDonationReceived,
			Amount: domain.MustVND("1000000"), OriginalOccurredOn: domain.MustDate("2024-01-10")},
	})
}

func cloneChain(events []domain.StoredEvent) []domain.StoredEvent {
	out := make([]domain.StoredEvent, len(events))
	for i, se := range events {
		se.Data = bytes.Clone(se.Data)
		se.Metadata = bytes.Clone(se.Metadata)
		out[i] = se
	}
	return out
}

func TestHashChainVerifies(t *testing.T) {
	chain := fiveEventChain(t)
	if err := verifyChain(chain); err != nil {
		t.Fatalf("verify an untouched chain of 5 = %v, want nil", err)
	}
	// Every link names the previous hash, and the first names genesis.
	prev := domain.GenesisHash
	for i, se := range chain {
		ev, err := domain.Decode(se)
		if err != nil {
			t.Fatalf("Decode(#%d): %v", i, err)
		}
		if ev.Meta.PrevHash != prev {
			t.Errorf("#%d prev_hash = %s, want %s", i, ev.Meta.PrevHash, prev)
		}
		h, _ := domain.VerifyHash(prev, se)
		if ev.Meta.Hash != h || len(h) != 64 {
			t.Errorf("#%d hash = %s, VerifyHash = %s; want equal 64 hex digits", i, ev.Meta.Hash, h)
		}
		prev = h
	}
}

func TestHashChainDetectsTampering(t *testing.T) {
	chain := fiveEventChain(t)
	broken := func(t *testing.T, what string, events []domain.StoredEvent) {
		t.Helper()
		if err := verifyChain(events); !errors.Is(err, domain.ErrHashMismatch) {
			t.Errorf("verify after %s = %v, want ErrHashMismatch", what, err)
		}
	}

	t.Run("any byte of data", func(t *testing.T) {
		for i := range chain {
			for j := range chain[i].Data {
				c := cloneChain(chain)
				c[i].Data[j] ^= 0x01
				broken(t, fmt.Sprintf("flipping data byte %d of event %d", j, i), c)
			}
		}
	})
	t.Run("any byte of metadata", func(t *testing.T) {
		for i := range chain {
			for j := range chain[i].Metadata {
				c := cloneChain(chain)
				c[i].Metadata[j] ^= 0x01
				broken(t, fmt.Sprintf("flipping metadata byte %d of event %d", j, i), c)
			}
		}
	})
	t.Run("re-encoded data with the same meaning", func(t *testing.T) {
		c := cloneChain(chain)
		c[1].Data = bytes.Replace(c[1].Data, []byte(`{`), []byte(`{ `), 1)
		broken(t, "adding a space to data", c)
		c = cloneChain(chain)
		c[1].Metadata = bytes.Replace(c[1].Metadata, []byte(`,`), []byte(`, `), 1)
		broken(t, "adding a space to metadata", c)
	})
	t.Run("amount changed", func(t *testing.T) {
		c := cloneChain(chain)
		c[1].Data = bytes.Replace(c[1].Data, []byte(`"1000000"`), []byte(`"9000000"`), 1)
		broken(t, "changing the donation amount", c)
	})
	t.Run("type", func(t *testing.T) {
		for i := range chain {
			for _, typ := range []string{"DonationReceived", "LoanRepaid", "donationreceived", ""} {
				if typ == chain[i].Type {
					continue
				}
				c := cloneChain(chain)
				c[i].Type = typ
				broken(t, fmt.Sprintf("changing the type of event %d to %q", i, typ), c)
			}
		}
	})
	t.Run("swapped events", func(t *testing.T) {
		for i := 0; i+1 < len(chain); i++ {
			c := cloneChain(chain)
			c[i], c[i+1] = c[i+1], c[i]
			broken(t, fmt.Sprintf("swapping events %d and %d", i, i+1), c)
		}
	})
	t.Run("removed event", func(t *testing.T) {
		for i := 0; i+1 < len(chain); i++ {
			c := cloneChain(chain)
			c = append(c[:i], c[i+1:]...)
			broken(t, fmt.Sprintf("removing event %d", i), c)
		}
	})
	t.Run("duplicated event", func(t *testing.T) {
		c := cloneChain(chain)
		c = append(c[:3], append([]domain.StoredEvent{c[2]}, c[3:]...)...)
		broken(t, "inserting a copy of event 2", c)
	})
	t.Run("event of another stream spliced in", func(t *testing.T) {
		other := fiveEventChain(t)
		c := cloneChain(chain)
		c[2] = other[2]
		broken(t, "replacing event 2 by the same-position event of another stream", c)
	})
	t.Run("hash field damaged", func(t *testing.T) {
		se := chain[0]
		for name, meta := range map[string]string{
			"no hash":        `{"event_id":"x"}`,
			"empty":          ``,
			"empty object":   `{}`,
			"short hash":     strings.Replace(string(se.Metadata), `"hash":"`, `"hash":"0`, 1)[:len(se.Metadata)],
			"upper-case hex": string(se.Metadata[:len(se.Metadata)-66]) + strings.ToUpper(string(se.Metadata[len(se.Metadata)-66:])),
		} {
			c := cloneChain(chain)
			c[0].Metadata = []byte(meta)
			broken(t, name, c)
		}
	})
	t.Run("wrong previous hash", func(t *testing.T) {
		if _, err := domain.VerifyHash(domain.GenesisHash, chain[1]); !errors.Is(err, domain.ErrHashMismatch) {
			t.Errorf("VerifyHash(genesis, second event) = %v, want ErrHashMismatch", err)
		}
		if _, err := domain.VerifyHash(strings.Repeat("f", 64), chain[0]); !errors.Is(err, domain.ErrHashMismatch) {
			t.Errorf("VerifyHash(ffff…, first event) = %v, want ErrHashMismatch", err)
		}
	})
}

func TestDecodeErrors(t *testing.T) {
	g := readGolden(t, goldenPath(domain.TypeDonationReceived))
	base := domain.StoredEvent{Stream: domain.FundStream(goldenFund), ID: goldenTx, Type: g.Type, Data: g.Data, Metadata: g.Metadata}
	if _, err := domain.Decode(base); err != nil {
		t.Fatalf("Decode(golden donation) = %v, want nil", err)
	}
	meta := func(old, new string) []byte {
		t.Helper()
		if !bytes.Contains(g.Metadata, []byte(old)) {
			t.Fatalf("golden metadata has no %s", old)
		}
		return bytes.Replace(g.Metadata, []byte(old), []byte(new), 1)
	}
	data := func(old, new string) []byte {
		t.Helper()
		if !bytes.Contains(g.Data, []byte(old)) {
			t.Fatalf("golden data has no %s", old)
		}
		return bytes.Replace(g.Data, []byte(old), []byte(new), 1)
	}
	tests := []struct {
		name        string
		typ         string
		data, meta  []byte
		wantUnknown bool // errors.Is(err, ErrUnknownEventType)
	}{
		{name: "unknown type", typ: "DonationRefunded", wantUnknown: true},
		{name: "empty type", typ: "", wantUnknown: true},
		{name: "type in another case", typ: "donationreceived", wantUnknown: true},
		{name: "schema 2", meta: meta(`"schema":1`, `"schema":2`), wantUnknown: true},
		{name: "schema 0", meta: meta(`"schema":1`, `"schema":0`), wantUnknown: true},
		{name: "schema missing", meta: meta(`"schema":1,`, ``), wantUnknown: true},
		{name: "metadata not JSON", meta: []byte(`not json`)},
		{name: "metadata empty", meta: []byte{}},
		{name: "metadata array", meta: []byte(`[]`)},
		{name: "bad event_id", meta: meta(`"event_id":"`, `"event_id":"x`)},
		{name: "nil event_id", meta: meta(`"event_id":"0190a0b5-11aa-7bcd-8ef0-0123456789ab"`, `"event_id":"00000000-0000-0000-0000-000000000000"`)},
		{name: "bad recorded_at", meta: meta(`"recorded_at":"2024-07-01T03:04:05.123456789Z"`, `"recorded_at":"yesterday"`)},
		{name: "bad occurred_on", meta: meta(`"occurred_on":"2024-01-15"`, `"occurred_on":"2024-02-30"`)},
		{name: "schema as string", meta: meta(`"schema":1`, `"schema":"1"`)},
		{name: "data not JSON", data: []byte(`{"amount":`)},
		{name: "data array", data: []byte(`[]`)},
		{name: "amount as a number", data: data(`"amount":"1200000000"`, `"amount":1200000000`)},
		{name: "amount not canonical", data: data(`"amount":"1200000000"`, `"amount":"01200000000"`)},
		{name: "amount with fraction", data: data(`"amount":"1200000000"`, `"amount":"1200000000.0"`)},
		{name: "bad fund_id", data: data(`"fund_id":"`, `"fund_id":"z`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			se := base
			if tt.typ != "" || tt.wantUnknown && tt.meta == nil {
				se.Type = tt.typ
			}
			if tt.data != nil {
				se.Data = tt.data
			}
			if tt.meta != nil {
				se.Metadata = tt.meta
			}
			ev, err := domain.Decode(se)
			if err == nil {
				t.Fatalf("Decode = %+v, want an error", ev.Data)
			}
			if got := errors.Is(err, domain.ErrUnknownEventType); got != tt.wantUnknown {
				t.Errorf("Decode error = %v; errors.Is(ErrUnknownEventType) = %v, want %v", err, got, tt.wantUnknown)
			}
		})
	}
}

// TestDecodeToleratesNewFields: a reader ignores fields added later to a
// schema (tolerant reader), so adding an optional field needs no new schema.
func TestDecodeToleratesNewFields(t *testing.T) {
	g := readGolden(t, goldenPath(domain.TypeShelterGrantPaid))
	data := append([]byte(`{"added_in_a_later_release":{"x":[1,2]},`), g.Data[1:]...)
	ev, err := domain.Decode(domain.StoredEvent{Stream: domain.FundStream(goldenFund), ID: goldenTx, Type: g.Type, Data: data, Metadata: g.Metadata})
	if err != nil {
		t.Fatalf("Decode(data with an unknown field) = %v, want nil", err)
	}
	sg, ok := ev.Data.(*domain.ShelterGrantPaid)
	if !ok || sg.Amount.String() != "50000000" || sg.Shelter != domain.ShelterNewBuild {
		t.Errorf("Decode = %#v, want the golden shelter grant", ev.Data)
	}
}

func TestSealSetsSchemaAndLinks(t *testing.T) {
	d := &domain.DonationReceived{TransactionID: goldenTx, FundID: goldenFund, Amount: domain.MustVND("5"), Donor: domain.Donor{Kind: domain.DonorAnonymous}}
	meta := goldenMeta(goldenTx, "2024-01-01", "ab")
	meta.Schema, meta.PrevHash, meta.Hash = 99, "bogus", "bogus"
	// A recorded_at in another zone is stored in UTC.
	meta.RecordedAt = goldenRecordedAt.In(time.FixedZone("ICT", 7*3600))
	ne, m, err := domain.Seal(goldenPrev, d, meta)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	if m.Schema != domain.CurrentSchema || m.PrevHash != goldenPrev || len(m.Hash) != 64 {
		t.Errorf("Seal meta = schema %d, prev %s, hash %q; want %d, %s, 64 hex digits", m.Schema, m.PrevHash, m.Hash, domain.CurrentSchema, goldenPrev)
	}
	if !bytes.Contains(ne.Metadata, []byte(`"recorded_at":"2024-07-01T03:04:05.123456789Z"`)) {
		t.Errorf("Seal metadata = %s, want recorded_at in UTC", ne.Metadata)
	}
	if !bytes.HasSuffix(ne.Metadata, []byte(`,"hash":"`+m.Hash+`"}`)) {
		t.Errorf("Seal metadata = %s, want it to end with the hash %s", ne.Metadata, m.Hash)
	}
	if h, err := domain.VerifyHash(goldenPrev, domain.StoredEvent{Type: ne.Type, Data: ne.Data, Metadata: ne.Metadata}); err != nil || h != m.Hash {
		t.Errorf("VerifyHash(Seal(…)) = %s, %v; want %s, nil", h, err, m.Hash)
	}
	if ne.ID != goldenTx || ne.Type != "DonationReceived" {
		t.Errorf("Seal NewEvent id, type = %s, %s; want %s, DonationReceived", ne.ID, ne.Type, goldenTx)
	}
}

func FuzzDecode(f *testing.F) {
	for _, gc := range goldenCases() {
		b, err := os.ReadFile(goldenPath(gc.data.EventType()))
		if err != nil {
			continue
		}
		var g goldenFile
		if json.Unmarshal(b, &g) == nil {
			f.Add(g.Type, []byte(g.Data), []byte(g.Metadata))
		}
	}
	f.Add("DonationReceived", []byte(`{}`), []byte(`{}`))
	f.Add("", []byte(``), []byte(``))
	f.Fuzz(func(t *testing.T, typ string, data, meta []byte) {
		se := domain.StoredEvent{Stream: "fund-x", Type: typ, Data: data, Metadata: meta}
		ev, err := domain.DecodeUnchecked(se)
		_, verr := domain.VerifyHash(domain.GenesisHash, se)
		if verr != nil && !errors.Is(verr, domain.ErrHashMismatch) {
			t.Fatalf("VerifyHash error = %v, not ErrHashMismatch", verr)
		}
		if err != nil {
			if _, cerr := domain.Decode(se); cerr == nil {
				t.Fatalf("Decode accepted what DecodeUnchecked refuses: %v", err)
			}
			return
		}
		// With the rules: refused as invalid, or the same event.
		se.ID = ev.Meta.EventID
		if checked, err := domain.Decode(se); err != nil && !errors.Is(err, domain.ErrInvalidEvent) {
			t.Fatalf("Decode = %v after DecodeUnchecked decoded it", err)
		} else if err == nil && (checked.Type != ev.Type || checked.Meta != ev.Meta) {
			t.Fatalf("Decode = %+v, DecodeUnchecked %+v", checked.Meta, ev.Meta)
		}
		if ev.Type != domain.EventType(typ) || ev.Data == nil || ev.Data.EventType() != ev.Type {
			t.Fatalf("Decode(type %q) = type %s, data %T", typ, ev.Type, ev.Data)
		}
		if ev.Meta.Schema != domain.CurrentSchema {
			t.Fatalf("Decode accepted schema %d", ev.Meta.Schema)
		}
		if ev.Meta.EventID == uuid.Nil {
			t.Fatalf("Decode accepted the nil event id")
		}
		_ = domain.EffectOf(ev.Data)
	})
}
