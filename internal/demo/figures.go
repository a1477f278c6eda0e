package demo

// The figures the demo reproduces, as two provincial labour confederations
// published them (the province's own funds; a roll-up of the province with
// its districts adds theirs). "Over X" and "nearly X" are read as the
// intervals the issue that asked for the demo gives; the demo's exact
// values sit inside them, and the test of the demo checks both.

// LangSon: Lạng Sơn, 2018-01-01 to 2023-12-31.
var LangSon = struct {
	// SocialDonations: the Social Fund received donations of over 5.4
	// billion đồng (5.4–5.5 bn).
	SocialDonations int64
	// ShelterNew and ShelterRepair: 156 members (người) supported with a
	// Trade Union Shelter, new build or repair (no member gets both);
	// ShelterAmount over 4 billion (4.0–4.1 bn), ShelterNewAmount of it for
	// new builds.
	ShelterNew, ShelterRepair       int
	ShelterNewAmount, ShelterAmount int64
	// Illness: 273 members with serious illness, 361 million
	// (361,000,000 ≤ x < 362,000,000).
	Illness       int
	IllnessAmount int64
	// Covid: over 1,600 workers affected by COVID-19 (hardship grants;
	// 1,600–1,700 persons), over 1.6 billion (1.6–1.7 bn).
	Covid       int
	CovidAmount int64
}{
	SocialDonations: 5_450_000_000,
	ShelterNew:      120, ShelterRepair: 36,
	ShelterNewAmount: 3_360_000_000, ShelterAmount: 4_050_000_000,
	Illness: 273, IllnessAmount: 361_500_000,
	Covid: 1650, CovidAmount: 1_650_000_000,
}

// BacLieu: Bạc Liêu, 2024, and Tết 2025.
var BacLieu = struct {
	// ShelterNew and ShelterRepair: 22 new shelters and 3 repairs, nearly
	// 1.2 billion (1.14–1.2 bn).
	ShelterNew, ShelterRepair       int
	ShelterNewAmount, ShelterAmount int64
	// Illness: 17 members with serious illness, 70 million (70–71 m).
	Illness       int
	IllnessAmount int64
	// Loans: the Capital Support Fund, over 1,280 loans (lượt;
	// 1,281–1,300) for over 11.9 billion (11.9–12.0 bn).
	Loans       int
	LoansAmount int64
	// TetGifts: Tết 2025 (tet_gift grants dated 2025-01-01 to
	// 2025-01-28), over 3,600 gifts (3,601–3,700), over 2 billion (2–3 bn).
	TetGifts  int
	TetAmount int64
}{
	ShelterNew: 22, ShelterRepair: 3,
	ShelterNewAmount: 1_100_000_000, ShelterAmount: 1_160_000_000,
	Illness: 17, IllnessAmount: 70_500_000,
	Loans: 1290, LoansAmount: 11_950_000_000,
	TetGifts: 3650, TetAmount: 2_200_000_000,
}
