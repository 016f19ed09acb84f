package scan

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/vigil-oss/vigil/internal/sbom"
)

const matchDir = "../../../shared/data/match"

func needData(t testing.TB, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("shared test data not present (%v); the repository expects ../shared beside it", err)
		}
	}
}

func schemas(t testing.TB) *sbom.Schemas {
	t.Helper()
	dir := "../../../shared/data/sbom/schema"
	needData(t, dir)
	s, err := sbom.LoadSchemas(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// expectedPairs reads expected-go-1x.tsv: the (purl, advisory id) pairs
// osv-scanner and grype both report.
func expectedPairs(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(matchDir, "expected-go-1x.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) != 3 {
			t.Fatalf("bad expected line %q", sc.Text())
		}
		out[cols[0]+" "+cols[1]] = cols[2]
	}
	return out
}

// TestScanMatchesGroundTruth scans the same 1,530 Go components in each of
// the three SBOM formats against the vulndb zip and must report exactly
// the findings two independent scanners agree on.
func TestScanMatchesGroundTruth(t *testing.T) {
	zipPath := filepath.Join(matchDir, "vulndb-go-a752ea54.zip")
	needData(t, zipPath)
	want := expectedPairs(t)
	if len(want) != 1865 {
		t.Fatalf("expected file has %d pairs, want 1865", len(want))
	}
	sch := schemas(t)
	for _, name := range []string{"go-1x.cdx.json", "go-1x.cdx.xml", "go-1x.spdx.json"} {
		t.Run(name, func(t *testing.T) {
			src := filepath.Join(matchDir, name)
			rep, err := Run(context.Background(), Options{SBOMs: []string{src}, Advisories: []string{zipPath}, Schemas: sch})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for _, f := range rep.Findings {
				if f.Source != src {
					t.Fatalf("finding source %q, want %q", f.Source, src)
				}
				if f.Suppressed {
					t.Errorf("finding %s %s suppressed without VEX", f.PURL, f.AdvisoryID)
				}
				key := f.PURL + " " + f.AdvisoryID
				if got[key] {
					t.Errorf("duplicate finding %s", key)
				}
				got[key] = true
				if fixed, ok := want[key]; ok && fixed != "" && !slices.Contains(f.FixedVersions, fixed) {
					t.Errorf("%s: fixed versions %v lack %s", key, f.FixedVersions, fixed)
				}
				if len(f.Evidence) == 0 || f.Evidence[0].Rule != "purl" || f.Evidence[0].Document != f.AdvisoryID {
					t.Errorf("%s: evidence %+v", key, f.Evidence)
				}
			}
			var missing, extra []string
			for k := range want {
				if !got[k] {
					missing = append(missing, k)
				}
			}
			for k := range got {
				if _, ok := want[k]; !ok {
					extra = append(extra, k)
				}
			}
			sort.Strings(missing)
			sort.Strings(extra)
			if len(missing) > 0 || len(extra) > 0 {
				t.Errorf("%d findings, want %d; %d missing (first: %.10q), %d extra (first: %.10q)",
					len(got), len(want), len(missing), missing, len(extra), extra)
			}
		})
	}
}

// TestScanKeepsFindingsPerFile scans one SBOM as three device files in one
// run: each file gets its own complete set of findings.
func TestScanKeepsFindingsPerFile(t *testing.T) {
	zipPath := filepath.Join(matchDir, "vulndb-go-a752ea54.zip")
	needData(t, zipPath)
	data, err := os.ReadFile(filepath.Join(matchDir, "go-1x.cdx.json"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var files []string
	for _, n := range []string{"pump.json", "monitor.json", "scanner.json"} {
		p := filepath.Join(dir, n)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	rep, err := Run(context.Background(), Options{SBOMs: files, Advisories: []string{zipPath}})
	if err != nil {
		t.Fatal(err)
	}
	per := map[string]int{}
	for _, f := range rep.Findings {
		per[f.Source]++
	}
	for _, p := range files {
		if per[p] != 1865 {
			t.Errorf("%s: %d findings, want 1865", p, per[p])
		}
	}
	if len(rep.Findings) != 3*1865 {
		t.Errorf("%d findings in all, want %d", len(rep.Findings), 3*1865)
	}
	// The same bytes are decoded once and the document shared; other
	// bytes get their own.
	other := filepath.Join(dir, "other.json")
	if err := os.WriteFile(other, append(data, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err = Run(context.Background(), Options{SBOMs: append(files, other), Advisories: []string{zipPath}})
	if err != nil {
		t.Fatal(err)
	}
	in := rep.Inputs
	if in[0].Doc != in[1].Doc || in[1].Doc != in[2].Doc || in[3].Doc == in[0].Doc || len(rep.Findings) != 4*1865 {
		t.Errorf("documents shared %v %v, separate %v; %d findings", in[0].Doc == in[1].Doc, in[1].Doc == in[2].Doc,
			in[3].Doc != in[0].Doc, len(rep.Findings))
	}
}
