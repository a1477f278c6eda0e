package web

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestCatalogueComplete fails on an entry missing in one language, and on
// an English entry left in Vietnamese (or the reverse) by copy and paste.
func TestCatalogueComplete(t *testing.T) {
	if len(catalogue) < 50 {
		t.Fatalf("the catalogue has %d entries; the pages use more", len(catalogue))
	}
	for key, txt := range catalogue {
		for _, l := range langs {
			if strings.TrimSpace(txt.in(l)) == "" {
				t.Errorf("catalogue[%q] has no %s text", key, l)
			}
		}
		if txt.vi == txt.en && key != "lang.switch" {
			t.Errorf("catalogue[%q] is the same in both languages: %q", key, txt.vi)
		}
		if strings.Count(txt.vi, "%") != strings.Count(txt.en, "%") {
			t.Errorf("catalogue[%q]: the languages take different arguments: %q, %q", key, txt.vi, txt.en)
		}
	}
}

// TestCatalogueKeysInCode: every key the templates and the Go code name
// is in the catalogue (a missing one would fail a page at run time), and
// every entry is used.
func TestCatalogueKeysInCode(t *testing.T) {
	used := map[string]bool{}
	templateKey := regexp.MustCompile(`\.T "([a-z0-9._]+)"`)
	err := fs.WalkDir(templateFiles, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templateFiles, path)
		for _, m := range templateKey.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	goKey := regexp.MustCompile(`"((?:err|error|login|period|home|unit|fund|chart|statement)\.[a-z0-9._]+)"`)
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range goKey.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = true
		}
	}
	for key := range used {
		if _, ok := catalogue[key]; !ok {
			t.Errorf("key %q is used but not in the catalogue", key)
		}
	}
	// Keys built at run time: kinds, roles, error headings, breakdown lines.
	dynamic := regexp.MustCompile(`^(kind|role|type|error|bd)(\.|$)`)
	for key := range catalogue {
		if !used[key] && !dynamic.MatchString(key) {
			t.Errorf("catalogue entry %q is used nowhere", key)
		}
	}
}

func TestParseLang(t *testing.T) {
	for _, c := range []struct {
		in    string
		given bool
		want  Lang
		ok    bool
	}{
		{"", false, Vietnamese, true},
		{"vi", true, Vietnamese, true},
		{"en", true, English, true},
		{"", true, Vietnamese, false},
		{"EN", true, Vietnamese, false},
		{"fr", true, Vietnamese, false},
	} {
		got, ok := parseLang(c.in, c.given)
		if got != c.want || ok != c.ok {
			t.Errorf("parseLang(%q, %v) = %q, %v, want %q, %v", c.in, c.given, got, ok, c.want, c.ok)
		}
	}
}
