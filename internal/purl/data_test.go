package purl

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// matchDir holds real SBOMs of 1,530 Go modules, outside the repository.
const matchDir = "../../../shared/data/match/"

// sharedPurls returns the purls of the match data set (from the TSV and the
// CycloneDX JSON, with the component name alongside where known), skipping
// the test when the files are absent.
func sharedPurls(t testing.TB) (purls []string, names map[string]string) {
	t.Helper()
	names = map[string]string{}
	tsv, err := os.Open(matchDir + "expected-go-1x.tsv")
	if os.IsNotExist(err) {
		t.Skipf("no shared match data (%v)", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer tsv.Close()
	sc := bufio.NewScanner(tsv)
	for first := true; sc.Scan(); first = false {
		col, _, _ := strings.Cut(sc.Text(), "\t")
		if first || col == "" {
			continue // header
		}
		purls = append(purls, col)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}

	raw, err := os.ReadFile(matchDir + "go-1x.cdx.json")
	if os.IsNotExist(err) {
		t.Skipf("no shared match data (%v)", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	var bom struct {
		Components []struct {
			Name string `json:"name"`
			Purl string `json:"purl"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &bom); err != nil {
		t.Fatal(err)
	}
	for _, c := range bom.Components {
		if c.Purl != "" {
			purls = append(purls, c.Purl)
			names[c.Purl] = c.Name
		}
	}
	return purls, names
}

func TestSharedGoPurls(t *testing.T) {
	purls, names := sharedPurls(t)
	if len(purls) < 1530 {
		t.Fatalf("read only %d purls", len(purls))
	}
	mixed := 0
	for _, s := range purls {
		p, err := Parse(s)
		if err != nil {
			t.Errorf("Parse(%q): %v", s, err)
			continue
		}
		// Canonical form differs from these inputs at most in writing a
		// literal '+' as %2B.
		if got, want := p.String(), strings.ReplaceAll(s, "+", "%2B"); got != want {
			t.Errorf("String(Parse(%q)) = %q", s, got)
		}
		if again, err := Parse(p.String()); err != nil || again.String() != p.String() {
			t.Errorf("round trip of %q: %v, %v", s, again, err)
		}
		// The module path is exactly what the input wrote, case included.
		path, _, _ := strings.Cut(strings.TrimPrefix(s, "pkg:golang/"), "@")
		if got := p.GoModulePath(); got != path {
			t.Errorf("GoModulePath(%q) = %q, want %q", s, got, path)
		}
		if n, ok := names[s]; ok && p.GoModulePath() != n {
			t.Errorf("GoModulePath(%q) = %q, component name %q", s, p.GoModulePath(), n)
		}
		if p.Ecosystem() != "Go" || p.OSVName() != path {
			t.Errorf("%q: OSV %q/%q", s, p.Ecosystem(), p.OSVName())
		}
		if path != strings.ToLower(path) {
			mixed++
		}
	}
	// The data set has mixed-case modules (BurntSushi, Azure…); if it ever
	// stops having them this test no longer guards the case rule.
	if mixed == 0 {
		t.Errorf("no mixed-case module paths in the data")
	}
	t.Logf("%d purls, %d with mixed-case module paths", len(purls), mixed)
}
