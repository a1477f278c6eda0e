package domain

import (
	"testing"
	"time"

	"github.com/google/uuid"
)

// goldenCommands is one command of every type, with every optional field
// set and text that needs escaping (HTML characters, Vietnamese), and one
// with the optional fields left out: the money kinds' from their rows of
// goldenKinds (kinds_golden_test.go), the others here.
func goldenCommands(t *testing.T) map[string]Command {
	t.Helper()
	id := func(s string) uuid.UUID { return uuid.MustParse(s) }
	fund := id("0190a0b4-7c3e-7d2f-9b1a-2f4e5d6c7b8a")
	tx := id("0190a0b4-7c3e-7d2f-9b1a-000000000001")
	date := func(y int, m time.Month, d int) Date {
		v, err := NewDate(y, m, d)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	day := date(2018, 3, 8)
	commands := map[string]Command{
		"RegisterUnit":      RegisterUnit{UnitID: "lang-son", Name: "Liên đoàn Lao động tỉnh Lạng Sơn", ParentID: "vgcl"},
		"RegisterUnit/root": RegisterUnit{UnitID: "vgcl", Name: "Tổng Liên đoàn <&> \"VN\""},
		"OpenFund":          OpenFund{FundID: fund, UnitID: "lang-son", Name: "Quỹ Xã hội", Kind: FundSocial, OpenedOn: day},
		"OpenFund/today":    OpenFund{FundID: fund, UnitID: "lang-son", Name: "Quỹ Xã hội", Kind: FundSocial},
		"IssueToken":        IssueToken{TokenID: tx, Name: "Kế toán", Role: RoleManager, UnitID: "lang-son"},
		"IssueToken/whole":  IssueToken{TokenID: tx, Name: "first admin", Role: RoleAdmin},
		"RevokeToken":       revokeToken{TokenID: tx},
		"ClosePeriod":       ClosePeriod{UnitID: "lang-son", Year: 2023, DecisionNo: "45/QĐ-LĐLĐ", Note: "quyết toán <&> \"duyệt\""},
		"ClosePeriod/bare":  ClosePeriod{UnitID: "lang-son", Year: 2023},
		"ReopenPeriod":      ReopenPeriod{UnitID: "lang-son", Year: 2023, Reason: "sót chứng từ", DecisionNo: "51/QĐ-LĐLĐ"},
	}
	for _, g := range goldenKinds {
		for _, c := range g.commands {
			commands[c.name] = c.command
		}
	}
	return commands
}

func TestPayloadHashGolden(t *testing.T) {
	want := map[string]string{
		"IssueToken":        "72cfcd2be87c2cd765eaf5925c7c6880a418343a79ea7e7c0ffda6de20ed17c0",
		"IssueToken/whole":  "f5eeae5a81aca3ab388dfedbafbbbbf5690fe2873ab94811d4469fb02815da4b",
		"OpenFund":          "5d6d81ad1db14c11ea7289e6da3a61891111f0a8e3b244d80fe89487abd7e100",
		"OpenFund/today":    "808aabd5e863f3c1d08af3dac7fea6aea28c337c1085846c69681e30199183d9",
		"RegisterUnit":      "0021378ba5a3144d5bb3a1dc36ef27582f84a3bd49d0ac47109d048b22400453",
		"RegisterUnit/root": "73e057bcb1d8e048d83f57dc549dd8cca6820dd8253410548a46b7ee99d35e05",
		"RevokeToken":       "c5132527c3301c5c717f8020e1dec8c55c649bfe98691a2d973e0bcd8a3f84aa",
		"ClosePeriod":       "0c11d88acdad655dac7d8f7497482018043c57706caf141090e887bf5423df1f",
		"ClosePeriod/bare":  "982b6f17ba512c92a6e9428923e304bd357f69c28be280ba65f443b4f01dcacd",
		"ReopenPeriod":      "2281905c7cae7ae807df6e147465dad8bba8dcefcb469f77992c1061e3064522",
	}
	for _, g := range goldenKinds {
		for _, c := range g.commands {
			want[c.name] = c.hash
		}
	}
	for name, c := range goldenCommands(t) {
		got := PayloadHash(c)
		w, ok := want[name]
		if !ok {
			t.Errorf("%q has no golden hash; it hashes to %s", name, got)
			continue
		}
		if got != w {
			t.Errorf("PayloadHash(%s) = %s, want %s", name, got, w)
		}
	}
}
