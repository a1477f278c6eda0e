package api

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// Every code of the problems table is in the OpenAPI document's ErrorCode
// enum, and nothing else is: a client generated from the contract knows
// every code the service answers.
func TestProblemCodesAreDocumented(t *testing.T) {
	doc := string(openAPIDoc)
	start := strings.Index(doc, "\n    ErrorCode:\n")
	if start < 0 {
		t.Fatal("openapi.yaml has no ErrorCode schema")
	}
	end := strings.Index(doc[start+1:], "\n    Status:")
	if end < 0 {
		t.Fatal("openapi.yaml: ErrorCode is not followed by Status")
	}
	var documented []string
	for _, m := range regexp.MustCompile(`\n        - ([a-z_]+)`).FindAllStringSubmatch(doc[start:start+1+end], -1) {
		documented = append(documented, m[1])
	}
	if len(documented) < len(problems)/2 {
		t.Fatalf("read %d codes from ErrorCode (%v): the document's shape changed", len(documented), documented)
	}
	for code := range problems {
		if !slices.Contains(documented, string(code)) {
			t.Errorf("code %s is in the problems table, not in openapi.yaml's ErrorCode enum", code)
		}
	}
	for _, code := range documented {
		if _, ok := problems[domain.Code(code)]; !ok {
			t.Errorf("openapi.yaml's ErrorCode enum lists %s, which the problems table lacks", code)
		}
	}
}
