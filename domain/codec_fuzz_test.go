package domain_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// fuzzPayload builds a payload of one of the eight event types from fuzzed
// parts, each forced into the shape the ledger itself would record: ids
// that parse, whole positive amounts, real dates, enum values of their
// lists. Text is taken as it comes, as long as it is UTF-8 (JSON cannot
// carry anything else; the codec is not where text rules live).
func fuzzPayload(kind uint8, id uuid.UUID, text, code string, amount uint64, date domain.Date) domain.EventData {
	unit, err := domain.ParseUnitID(code)
	if err != nil {
		unit = "vgcl"
	}
	ben, err := domain.ParseBeneficiaryID(code)
	if err != nil {
		ben = "M001"
	}
	// Amounts reach beyond int64: sums are exact, and a payload holds
	// whatever the decimal type holds.
	v := domain.VNDFromInt64(int64(amount>>1) + 1)
	if amount&1 == 1 {
		v = v.Add(v).Add(domain.MustVND("9223372036854775807"))
	}
	other := uuid.NewSHA1(id, []byte(text))
	pick := func(n int) int { return int(amount % uint64(n)) }
	switch kind % 8 {
	case 0:
		u := &domain.UnitRegistered{UnitID: unit, Name: text}
		if amount%3 == 0 {
			u.ParentID = "root"
		}
		return u
	case 1:
		return &domain.FundOpened{FundID: id, UnitID: unit, Name: text, Kind: domain.FundKinds[pick(len(domain.FundKinds))], OpenedOn: date}
	case 2:
		return &domain.DonationReceived{TransactionID: id, FundID: other, Amount: v,
			Donor:    domain.Donor{Name: text, Kind: domain.DonorKinds[pick(len(domain.DonorKinds))]},
			Campaign: code, Reference: text, Note: text}
	case 3:
		return &domain.ShelterGrantPaid{TransactionID: id, FundID: other, BeneficiaryID: ben, Amount: v,
			Shelter: domain.ShelterKinds[pick(len(domain.ShelterKinds))], DecisionNo: code, Note: text}
	case 4:
		return &domain.AssistanceGranted{TransactionID: id, FundID: other, BeneficiaryID: ben, Amount: v,
			Category: domain.AssistanceCategories[pick(len(domain.AssistanceCategories))], Note: text}
	case 5:
		return &domain.LoanDisbursed{LoanID: id, FundID: other, BeneficiaryID: ben, Amount: v, DueOn: date, Project: code, Note: text}
	case 6:
		return &domain.LoanRepaid{TransactionID: id, FundID: other, LoanID: uuid.NewSHA1(other, nil), BeneficiaryID: ben, Amount: v, Note: text}
	default:
		r := &domain.TransactionReversed{TransactionID: id, FundID: other, Reverses: uuid.NewSHA1(other, []byte("r")),
			Reason: text, OriginalType: domain.TypeAssistanceGranted, Amount: v, OriginalOccurredOn: date, BeneficiaryID: ben}
		if amount%2 == 0 {
			r.OriginalType, r.BeneficiaryID, r.LoanID = domain.TypeLoanDisbursed, ben, uuid.NewSHA1(other, []byte("l"))
		}
		return r
	}
}

// FuzzSealRoundTrip: whatever valid payload and metadata the ledger seals,
// Decode gives back the same payload and metadata, sealing the decoded event
// again gives the same bytes, VerifyHash accepts it, and changing any one
// byte of the stored data or metadata breaks the chain.
func FuzzSealRoundTrip(f *testing.F) {
	f.Add(uint8(2), uint64(1), uint64(2), "Công ty TNHH Sông Hồng", "lang-son", uint64(1_250_000), uint32(20240630), int64(1719716400), "system", uint32(0))
	f.Add(uint8(7), uint64(0), uint64(0), "nhập sai \"số\" \\ tiền", "M-001.a_b", uint64(7), uint32(19000101), int64(0), "tok 1 An", uint32(99))
	f.Add(uint8(0), uint64(1<<63), uint64(42), "", "", uint64(0), uint32(99991231), int64(253402300799), "", uint32(7))
	f.Add(uint8(5), uint64(3), uint64(4), "<script>&\u2028</script>", "QĐ 12/2024", ^uint64(0), uint32(20240229), int64(-1), "\x00", uint32(1<<31))
	f.Fuzz(func(t *testing.T, kind uint8, hi, lo uint64, text, code string, amount uint64, day uint32, recorded int64, actor string, flip uint32) {
		if !utf8.ValidString(text) || !utf8.ValidString(code) || !utf8.ValidString(actor) {
			return
		}
		var id uuid.UUID
		binary.BigEndian.PutUint64(id[:8], hi)
		binary.BigEndian.PutUint64(id[8:], lo|1) // never the nil UUID
		date, err := domain.NewDate(int(day/10000), time.Month(day/100%100), int(day%100))
		if err != nil {
			date = domain.MustDate("2024-06-30")
		}
		// recorded_at is any instant of years 1970–9999, to the nanosecond.
		const maxSec = 253402300799
		sec := recorded % maxSec
		if sec < 0 {
			sec = -sec
		}
		data := fuzzPayload(kind, id, text, code, amount, date)
		sum := sha256.Sum256([]byte(code))
		prev := hex.EncodeToString(sum[:])
		if kind&0x80 != 0 {
			prev = domain.GenesisHash
		}
		meta := domain.Metadata{EventID: id, OccurredOn: date, RecordedAt: time.Unix(sec, int64(amount%1e9)).UTC(),
			Actor: actor, PayloadHash: hex.EncodeToString(sum[:16])}

		ne, sealed, err := domain.Seal(prev, data, meta)
		if err != nil {
			t.Fatalf("Seal(%T) = %v", data, err)
		}
		se := domain.StoredEvent{Position: 9, Stream: "fund-x", Revision: 3, ID: ne.ID, Type: ne.Type, Data: ne.Data, Metadata: ne.Metadata}
		if h, err := domain.VerifyHash(prev, se); err != nil || h != sealed.Hash {
			t.Fatalf("VerifyHash(Seal(%s)) = %s, %v; want %s", ne.Data, h, err, sealed.Hash)
		}
		ev, err := domain.DecodeUnchecked(se)
		if err != nil {
			t.Fatalf("Decode(Seal(%s)) = %v", ne.Data, err)
		}
		got, _ := json.Marshal(ev.Data)
		want, _ := json.Marshal(data)
		if ev.Type != data.EventType() || !bytes.Equal(got, want) {
			t.Fatalf("Decode(Seal(%s)) = %s %s, want %s %s", ne.Data, ev.Type, got, data.EventType(), want)
		}
		m := ev.Meta
		if m.EventID != id || m.Schema != domain.CurrentSchema || m.OccurredOn != date || !m.RecordedAt.Equal(meta.RecordedAt) ||
			m.Actor != actor || m.PayloadHash != meta.PayloadHash || m.PrevHash != prev || m.Hash != sealed.Hash {
			t.Fatalf("Decode(Seal()).Meta = %+v, want %+v", m, sealed)
		}
		again, _, err := domain.Seal(prev, ev.Data, ev.Meta)
		if err != nil || !bytes.Equal(again.Data, ne.Data) || !bytes.Equal(again.Metadata, ne.Metadata) {
			t.Fatalf("Seal(Decode(Seal())) = %s %s, %v; want the first seal's bytes %s %s", again.Data, again.Metadata, err, ne.Data, ne.Metadata)
		}

		// One changed byte anywhere in the stored event breaks the chain.
		stored := append(append([]byte{}, ne.Data...), ne.Metadata...)
		i := int(flip % uint32(len(stored)))
		stored[i] ^= byte(flip>>8) | 1
		tampered := se
		tampered.Data, tampered.Metadata = stored[:len(ne.Data)], stored[len(ne.Data):]
		if _, err := domain.VerifyHash(prev, tampered); !errors.Is(err, domain.ErrHashMismatch) {
			t.Fatalf("VerifyHash accepted %s %s, a byte changed at %d of %s %s (err %v)",
				tampered.Data, tampered.Metadata, i, ne.Data, ne.Metadata, err)
		}
	})
}
