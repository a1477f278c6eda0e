package projections

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// TestCheckpointCodesArePinned holds every code a checkpoint writes to
// the number it has in format 7 (codes.go; the same as in format 5, which
// format 6 extends with the closed fiscal periods and format 7 with the
// pending closings and void events, all written without codes — a void
// event's type is written as its name): a reordered or renumbered code fails here, before it silently
// changes the meaning of the checkpoints already on disk. Change a number
// only with a new format version, and then change it here too.
func TestCheckpointCodesArePinned(t *testing.T) {
	if ckptVersion != 7 {
		t.Fatalf("ckptVersion = %d: pin the codes of the new format here (and keep format 7's in git history)", ckptVersion)
	}
	type pinned struct {
		name string
		got  uint8
		want uint8
	}
	cases := []pinned{
		// The money types' codes are the table's, held to the golden
		// file by TestMoneyTypeCodesArePinned; these are the names the
		// projections' own code gives them.
		{"txType DonationReceived", uint8(typDonation), 0},
		{"txType ShelterGrantPaid", uint8(typShelter), 1},
		{"txType AssistanceGranted", uint8(typAssistance), 2},
		{"txType LoanDisbursed", uint8(typLoan), 3},
		{"txType LoanRepaid", uint8(typRepayment), 4},
		{"txType TransactionReversed", uint8(typReversal), 5},
		{"countKind donation", uint8(kDonation), 0},
		{"countKind shelter new_build", uint8(kShelterNew), 1},
		{"countKind shelter repair", uint8(kShelterRepair), 2},
		{"countKind assistance", uint8(kAssistance), 3},
		{"countKind loan", uint8(kLoan), 4},
		{"countKind repayment", uint8(kRepayment), 5},
		{"numKinds", numKinds, 6},
		{"amountCat donations", uint8(aDonations), 0},
		{"amountCat shelter", uint8(aShelter), 1},
		{"amountCat assistance", uint8(aAssistance), 2},
		{"amountCat loans", uint8(aLoans), 3},
		{"amountCat repayments", uint8(aRepayments), 4},
		{"numCats", numCats, 5},
		{"flag loan is id", flagLoanIsID, 1},
		{"flag donor", flagDonor, 2},
		{"flag big amount", flagBigAmount, 4},
		{"flag recorded in text", flagRecordedInText, 8},
		{"text donor name", uint8(tDonorName), 1},
		{"text donor kind", uint8(tDonorKind), 2},
		{"text shelter", uint8(tShelter), 3},
		{"text category", uint8(tCategory), 4},
		{"text campaign", uint8(tCampaign), 5},
		{"text reference", uint8(tReference), 6},
		{"text decision no", uint8(tDecisionNo), 7},
		{"text project", uint8(tProject), 8},
		{"text reason", uint8(tReason), 9},
		{"text note", uint8(tNote), 10},
		{"text loan id", uint8(tLoanID), 11},
		{"text amount", uint8(tAmount), 12},
		{"text recorded", uint8(tRecorded), 13},
	}
	// The names behind the codes: an event type, a donor kind, a shelter
	// kind or a category given another code changes what every stored
	// code means just as much.
	names := []struct {
		name string
		got  []string
		want []string
	}{
		{"moneyTypes", strs(moneyTypes[:typReversal+1]), []string{"DonationReceived", "ShelterGrantPaid", "AssistanceGranted", "LoanDisbursed", "LoanRepaid", "TransactionReversed"}},
		{"donorKindCodes", strs(donorKindCodes), []string{"", "member", "enterprise", "organization", "individual", "anonymous"}},
		{"shelterKindCodes", strs(shelterKindCodes), []string{"", "new_build", "repair"}},
		{"categoryCodes", strs(categoryCodes), []string{"", "serious_illness", "accident", "death", "disaster", "tet_gift", "scholarship", "hardship", "other"}},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("code of %s = %d, want %d (pinned by checkpoint format 5)", c.name, c.got, c.want)
		}
	}
	for _, n := range names {
		if fmt.Sprint(n.got) != fmt.Sprint(n.want) {
			t.Errorf("%s = %q, want %q (pinned by checkpoint format 5)", n.name, n.got, n.want)
		}
	}
}

// TestEnumCodesCoverTheDomain fails when the domain gains a donor kind,
// shelter kind or category that has no code: it would still be stored
// (in the text), but the table should say which number it takes, once.
func TestEnumCodesCoverTheDomain(t *testing.T) {
	check := func(what string, values []string, code func(string) uint8) {
		t.Helper()
		seen := map[uint8]string{}
		for _, v := range values {
			c := code(v)
			if c == 0 {
				t.Errorf("%s %q has no code in codes.go", what, v)
				continue
			}
			if other, dup := seen[c]; dup {
				t.Errorf("%s %q and %q share the code %d", what, v, other, c)
			}
			seen[c] = v
		}
	}
	check("donor kind", strs(domain.DonorKinds), func(s string) uint8 { return donorKindCodes.code(domain.DonorKind(s)) })
	check("shelter kind", strs(domain.ShelterKinds), func(s string) uint8 { return shelterKindCodes.code(domain.ShelterKind(s)) })
	check("category", strs(domain.AssistanceCategories), func(s string) uint8 { return categoryCodes.code(domain.AssistanceCategory(s)) })
}

// TestEnumLimitsFromTheTable holds the largest enum code of each type,
// which the table's closed-list fields now give, to the values each type
// had when they were written out per type: a checkpoint's transaction
// with a larger one is refused as corrupt.
func TestEnumLimitsFromTheTable(t *testing.T) {
	want := map[txType]int{typDonation: len(donorKindCodes) - 1, typShelter: len(shelterKindCodes) - 1,
		typAssistance: len(categoryCodes) - 1, typLoan: 0, typRepayment: 0, typReversal: 0}
	for typ, limit := range want {
		if got := enumLimit(typ); int(got) != limit {
			t.Errorf("enumLimit(%s) = %d, want %d", moneyTypes[typ], got, limit)
		}
	}
	if got := enumLimit(txType(len(moneyTypes))); got != 0 {
		t.Errorf("enumLimit of a code no type has = %d, want 0", got)
	}
}

func strs[S ~string](xs []S) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

// TestCheckpointRefusesUnknownCodes writes checkpoints whose transactions
// carry a code no table has (as a writer with another table would) and
// checks that the reader refuses them as corrupt rather than serving a
// transaction whose type, kind or enum means nothing.
func TestCheckpointRefusesUnknownCodes(t *testing.T) {
	h := newCkptHistory(t, 21, 120)
	cases := []struct {
		name string
		edit func(*txNode) bool // reports whether it applies to the transaction
	}{
		{"type", func(n *txNode) bool { n.typ = txType(len(moneyTypes)); return true }},
		{"kind", func(n *txNode) bool { n.kind = numKinds; return true }},
		{"donor kind", func(n *txNode) bool {
			if n.typ != typDonation {
				return false
			}
			n.enum = uint8(len(donorKindCodes))
			return true
		}},
		{"enum of a loan", func(n *txNode) bool {
			if n.typ != typLoan {
				return false
			}
			n.enum = 1
			return true
		}},
		{"flag", func(n *txNode) bool { n.flags |= 0x80; return true }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := h.replay(len(h.events))
			var edited *txNode
			for _, f := range p.fundOrder {
				for _, n := range f.txs {
					if edited == nil && c.edit(n) {
						edited = n
					}
				}
			}
			if edited == nil {
				t.Fatal("no transaction to edit in the history")
			}
			var buf bytes.Buffer
			if _, err := p.WriteCheckpoint(&buf); err != nil {
				t.Fatal(err)
			}
			if _, err := ReadCheckpoint(&buf); !errors.Is(err, ErrCheckpointCorrupt) {
				t.Fatalf("ReadCheckpoint with an unknown %s code = %v, want %v", c.name, err, ErrCheckpointCorrupt)
			}
		})
	}
}

// updateCodes appends the codes of money types new to the table to
// testdata/money_type_codes.golden; it never changes a line already there.
var updateCodes = flag.Bool("update-codes", false, "append new money types' codes to projections/testdata/money_type_codes.golden")

const moneyTypeCodesGolden = "money_type_codes.golden"

// TestMoneyTypeCodesArePinned holds the money types' codes, which every
// checkpoint writes as its transactions' types and which the domain's
// table of money kinds gives (KindSpec.Code), to the golden file: a
// line per code, "<code> <type>". A code given to another type, a type
// given another code, or a type gone from the table fails, with or
// without -update-codes: that would change what the checkpoints already
// on disk mean. A type new to the table fails until
// `go test ./projections -run TestMoneyTypeCodesArePinned -update-codes`
// appends its line, to be reviewed with the rest of the new type.
func TestMoneyTypeCodesArePinned(t *testing.T) {
	path := filepath.Join("testdata", moneyTypeCodesGolden)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pinned := map[uint8]domain.EventType{}
	var lines []string
	for line := range strings.Lines(string(b)) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			lines = append(lines, line)
			continue
		}
		code, name, ok := strings.Cut(line, " ")
		n, err := strconv.ParseUint(code, 10, 8)
		if !ok || err != nil {
			t.Fatalf("%s: line %q is not \"<code> <type>\"", path, line)
		}
		if _, dup := pinned[uint8(n)]; dup {
			t.Fatalf("%s pins code %d twice", path, n)
		}
		pinned[uint8(n)] = domain.EventType(name)
		lines = append(lines, line)
	}
	table := map[domain.EventType]uint8{}
	for _, spec := range domain.MoneyKinds() {
		table[spec.Type] = spec.Code
		if got := moneyTypes[txTypes[spec.Kind]]; got != spec.Type {
			t.Errorf("moneyTypes[txTypes[%s]] = %q", spec.Type, got)
		}
	}
	for code, name := range pinned {
		got, ok := table[name]
		switch {
		case !ok:
			t.Errorf("%s (code %d) is no longer in the table of money kinds: checkpoints hold it", name, code)
		case got != code:
			t.Errorf("%s has code %d in the table, %d in %s: a checkpoint's type %d would change meaning", name, got, code, path, code)
		}
	}
	for i, name := range moneyTypes {
		if name == "" {
			t.Errorf("no money type has code %d: the table's codes leave a gap", i)
		}
	}
	var added []string
	for _, spec := range domain.MoneyKinds() {
		// A code pinned to another type is reported above.
		if _, ok := pinned[spec.Code]; !ok {
			added = append(added, fmt.Sprintf("%d %s", spec.Code, spec.Type))
		}
	}
	if len(added) == 0 || t.Failed() {
		return
	}
	if !*updateCodes {
		t.Fatalf("%s does not pin %v: run go test ./projections -run TestMoneyTypeCodesArePinned -update-codes and review the diff", path, added)
	}
	lines = append(lines, added...)
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}
