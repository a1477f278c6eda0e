package domain

import (
	"github.com/google/uuid"
)

// The golden values of the money kinds, one row per kind: the pinned
// payload hash of requests of the kind (TestPayloadHashGolden) and the
// payload of its golden file, testdata/<Type>.v1.json (TestGoldenEvents
// in codec_test.go writes it with -update and then holds Seal and Decode
// to it byte for byte). A new kind adds its row here;
// TestMoneyKindsConsistent fails while a kind of the table has none.
//
// A hash or a golden file of a released kind never changes: each was
// computed by the code that wrote the logs already on disk.

// goldenKind is the golden values of one money kind.
type goldenKind struct {
	kind MoneyKind
	// commands are requests of the kind: the first with every optional
	// field set and text that needs escaping (HTML characters,
	// Vietnamese), any other under "<Command>/<variant>".
	commands []goldenCommand
	// event is the payload of the golden file, sealed with eventID,
	// occurredOn and payloadHash as its metadata.
	event       MoneyEvent
	eventID     uuid.UUID
	occurredOn  string
	payloadHash string
}

// goldenCommand is a request and the pinned hash of its canonical form.
type goldenCommand struct {
	name    string
	command MoneyCommand
	hash    string
}

// The ids of the golden commands and of the golden events: the commands'
// were the canonical tests', the events' the codec tests', before the two
// tables became this one.
var (
	goldenCmdFund = uuid.MustParse("0190a0b4-7c3e-7d2f-9b1a-2f4e5d6c7b8a")
	goldenCmdTx   = uuid.MustParse("0190a0b4-7c3e-7d2f-9b1a-000000000001")
	goldenCmdLoan = uuid.MustParse("0190a0b4-7c3e-7d2f-9b1a-000000000002")
	goldenCmdDay  = MustDate("2018-03-08")

	goldenEventFund     = uuid.MustParse("0190a0b4-7c3e-7d2f-9b1a-2f4e5d6c7b8a")
	goldenEventTx       = uuid.MustParse("0190a0b5-11aa-7bcd-8ef0-0123456789ab")
	goldenEventLoan     = uuid.MustParse("0190a0b5-22bb-7cde-9f01-123456789abc")
	goldenEventReversal = uuid.MustParse("0190a0b5-33cc-7def-a012-23456789abcd")
)

var goldenKinds = []goldenKind{
	{
		kind: KindDonation,
		commands: []goldenCommand{
			{"RecordDonation", RecordDonation{TransactionID: goldenCmdTx, FundID: goldenCmdFund, Amount: MustVND("100000000"), OccurredOn: goldenCmdDay,
				Donor: Donor{Name: "Công ty TNHH May <Lạng Sơn> & Co", Kind: DonorEnterprise}, Campaign: "Tết 2019", Reference: "PT-01", Note: "ghi chú"},
				"e7b62699664fd30f91535994b3a4084e265651bf0d6b16e77d8661327e213a11"},
			{"RecordDonation/bare", RecordDonation{TransactionID: goldenCmdTx, FundID: goldenCmdFund, Amount: MustVND("1"), Donor: Donor{Kind: DonorAnonymous}},
				"bec6621ebf1f37fec56ff49d49fca77b8f4fc9c3ee163d4a113ed305f347dd71"},
		},
		event: &DonationReceived{TransactionID: goldenEventTx, FundID: goldenEventFund, Amount: MustVND("1200000000"),
			Donor:    Donor{Name: "Công ty TNHH May Việt Tiến", Kind: DonorEnterprise},
			Campaign: "Tết Sum vầy 2024", Reference: "UNC-2024/0001",
			Note: "Ủng hộ <Mái ấm> & \"Tết\" — 100%"},
		eventID: goldenEventTx, occurredOn: "2024-01-15", payloadHash: "3333333333333333333333333333333333333333333333333333333333333333",
	},
	{
		kind: KindShelterGrant,
		commands: []goldenCommand{
			{"PayShelterGrant", PayShelterGrant{TransactionID: goldenCmdTx, FundID: goldenCmdFund, BeneficiaryID: "LS-0001", Amount: MustVND("60000000"),
				Shelter: ShelterNewBuild, OccurredOn: goldenCmdDay, DecisionNo: "12/QĐ-LĐLĐ", Note: "xây mới"},
				"4c67b184f376309279c55b03bc4baa9aeb4fc90d6aca0fcb2c29901462f1abdd"},
		},
		event: &ShelterGrantPaid{TransactionID: goldenEventTx, FundID: goldenEventFund, BeneficiaryID: "LS-00123",
			Amount: MustVND("50000000"), Shelter: ShelterNewBuild, DecisionNo: "QĐ 12/QĐ-LĐLĐ",
			Note: "Xây mới nhà cho đoàn viên"},
		eventID: goldenEventTx, occurredOn: "2024-03-08", payloadHash: "4444444444444444444444444444444444444444444444444444444444444444",
	},
	{
		kind: KindAssistanceGrant,
		commands: []goldenCommand{
			{"GrantAssistance", GrantAssistance{TransactionID: goldenCmdTx, FundID: goldenCmdFund, BeneficiaryID: "LS-0002", Amount: MustVND("2000000"),
				Category: "serious_illness", OccurredOn: goldenCmdDay, Note: "ốm đau"},
				"4c458f68ba3f1de2402c1f30c4748707b799392303f4e4cf97964f26eb22b94c"},
		},
		event: &AssistanceGranted{TransactionID: goldenEventTx, FundID: goldenEventFund, BeneficiaryID: "LS-00456",
			Amount: MustVND("2000000"), Category: AssistSeriousIllness, Note: "Ốm đau dài ngày"},
		eventID: goldenEventTx, occurredOn: "2024-04-02", payloadHash: "5555555555555555555555555555555555555555555555555555555555555555",
	},
	{
		kind: KindLoan,
		commands: []goldenCommand{
			{"DisburseLoan", DisburseLoan{LoanID: goldenCmdLoan, FundID: goldenCmdFund, BeneficiaryID: "LS-0003", Amount: MustVND("50000000"),
				OccurredOn: goldenCmdDay, DueOn: MustDate("2020-03-08"), Project: "DA-07", Note: "chăn nuôi"},
				"e92a6a4843826d2e9c1f57b86750728a54cfba05b0049287d82d628b85d42453"},
		},
		event: &LoanDisbursed{LoanID: goldenEventLoan, FundID: goldenEventFund, BeneficiaryID: "LS-00789",
			Amount: MustVND("1000000000000000"), DueOn: MustDate("2026-06-30"),
			Project: "Nuôi gà thả vườn", Note: "Vay vốn phát triển kinh tế"},
		eventID: goldenEventLoan, occurredOn: "2024-06-30", payloadHash: "6666666666666666666666666666666666666666666666666666666666666666",
	},
	{
		kind: KindRepayment,
		commands: []goldenCommand{
			{"RepayLoan", RepayLoan{TransactionID: goldenCmdTx, FundID: goldenCmdFund, LoanID: goldenCmdLoan, Amount: MustVND("5000000"),
				OccurredOn: goldenCmdDay, Note: "kỳ 1"},
				"be0d964bd1242c51baefcc5a4f42e82d65d548d769e72abff642a48ef9bff811"},
		},
		event: &LoanRepaid{TransactionID: goldenEventTx, FundID: goldenEventFund, LoanID: goldenEventLoan,
			BeneficiaryID: "LS-00789", Amount: MustVND("15000000"), Note: "Trả kỳ 1"},
		eventID: goldenEventTx, occurredOn: "2024-07-01", payloadHash: "7777777777777777777777777777777777777777777777777777777777777777",
	},
	{
		kind: KindReversal,
		commands: []goldenCommand{
			{"ReverseTransaction", ReverseTransaction{TransactionID: goldenCmdTx, FundID: goldenCmdFund, Reverses: goldenCmdLoan,
				Reason: "nhập nhầm", OccurredOn: goldenCmdDay},
				"89d99ef4e106436a8bea63e5c02ee582e2c09f588ad72111b080f8b7121a093a"},
		},
		event: &TransactionReversed{TransactionID: goldenEventReversal, FundID: goldenEventFund, Reverses: goldenEventLoan,
			Reason: "Ghi nhầm quỹ", OriginalType: TypeLoanDisbursed, Amount: MustVND("1000000000000000"),
			OriginalOccurredOn: MustDate("2024-06-30"), BeneficiaryID: "LS-00789", LoanID: goldenEventLoan},
		eventID: goldenEventReversal, occurredOn: "2024-07-01", payloadHash: "8888888888888888888888888888888888888888888888888888888888888888",
	},
}

// GoldenMoneyEvent is a money kind's golden event, for the codec's tests
// of package domain_test: its payload and its metadata's id, business
// date and payload hash.
type GoldenMoneyEvent struct {
	Data        EventData
	EventID     uuid.UUID
	OccurredOn  string
	PayloadHash string
}

// GoldenMoneyEvents returns the golden event of every row of goldenKinds.
func GoldenMoneyEvents() []GoldenMoneyEvent {
	events := make([]GoldenMoneyEvent, len(goldenKinds))
	for i, g := range goldenKinds {
		events[i] = GoldenMoneyEvent{Data: g.event, EventID: g.eventID, OccurredOn: g.occurredOn, PayloadHash: g.payloadHash}
	}
	return events
}
