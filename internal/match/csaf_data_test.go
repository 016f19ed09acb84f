package match

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/vigil-oss/vigil/internal/advisory"
	"github.com/vigil-oss/vigil/internal/csaf"
	"github.com/vigil-oss/vigil/internal/versions"
)

const shared = "../../../shared/data"

func needData(t testing.TB, p string) {
	t.Helper()
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared test data not present (%v); the repository expects ../shared beside it", err)
	}
}

func loadICSMA(t testing.TB) []CSAFSource {
	t.Helper()
	dir := filepath.Join(shared, "csaf/cisa-icsma")
	needData(t, dir)
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var out []CSAFSource
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		doc, _, err := csaf.Decode(b)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		out = append(out, CSAFSource{Path: n, Doc: doc})
	}
	if len(out) != 108 {
		t.Fatalf("%d ICSMA advisories, want 108", len(out))
	}
	return out
}

// probe is a device built from one CSAF product: the maker, the model and
// a version the product's versions say something definite about.
type probe struct {
	doc     *csaf.Document
	product csaf.Product
	version string
	inRange bool // version lies in the product's range
}

// probes derives devices from each product with a named version or a
// bounded range: a named version itself; for "<= V" V (inside); for "< V"
// V (outside, the first version past the range).
func probes(doc *csaf.Document) []probe {
	var out []probe
	for _, p := range doc.Products() {
		if p.Relationship != nil || p.Vendor == "" || p.ProductName == "" {
			continue
		}
		text := p.VersionRange
		if text == "" {
			text = p.Version
		}
		r, err := csaf.ParseVersionRange(text)
		if err != nil || r.All || r.Vers != nil {
			continue
		}
		for _, c := range r.Constraints {
			switch c.Op {
			case versions.OpEQ, versions.OpLE:
				out = append(out, probe{doc, p, c.Version, true})
			case versions.OpLT:
				if len(r.Constraints) == 1 {
					out = append(out, probe{doc, p, c.Version, false})
				}
			}
		}
	}
	return out
}

// TestICSMAInventory builds an inventory from the product trees of all 108
// CISA medical advisories and checks that each device gets a finding for
// every vulnerability whose known_affected products include its version,
// and none where the advisory lists that version as fixed.
func TestICSMAInventory(t *testing.T) {
	srcs := loadICSMA(t)
	m := New(Sources{CSAF: srcs})
	var affectedChecks, fixedChecks, outsideChecks int
	var failures []string
	for _, s := range srcs {
		for _, pr := range probes(s.Doc) {
			c := Component{Source: "inventory", Ref: pr.product.ID, Supplier: pr.product.Vendor, Name: pr.product.ProductName, Version: pr.version}
			got := map[string]bool{}
			for _, f := range m.Match([]Component{c}) {
				got[f.AdvisoryID] = true
				for _, a := range f.Aliases {
					got[a] = true
				}
			}
			for _, v := range s.Doc.Vulnerabilities {
				if v.CVE == "" {
					continue
				}
				st := v.ProductStatus
				switch {
				case slices.Contains(st.KnownAffected, pr.product.ID) && pr.inRange:
					affectedChecks++
					if !got[v.CVE] {
						failures = append(failures, s.Doc.Tracking.ID+": "+pr.product.Vendor+" "+pr.product.ProductName+" "+pr.version+" lacks "+v.CVE)
					}
				case slices.Contains(st.Fixed, pr.product.ID) && pr.inRange && !affectedElsewhere(s.Doc, v, pr):
					fixedChecks++
					if got[v.CVE] {
						failures = append(failures, s.Doc.Tracking.ID+": fixed "+pr.product.ProductName+" "+pr.version+" has "+v.CVE)
					}
				case slices.Contains(st.KnownAffected, pr.product.ID) && !pr.inRange && !affectedElsewhere(s.Doc, v, pr):
					outsideChecks++
					if got[v.CVE] {
						failures = append(failures, s.Doc.Tracking.ID+": "+pr.product.ProductName+" "+pr.version+" (outside "+pr.product.VersionRange+") has "+v.CVE)
					}
				}
			}
		}
	}
	sort.Strings(failures)
	t.Logf("checked %d affected, %d fixed, %d just-outside-range (device, CVE) pairs", affectedChecks, fixedChecks, outsideChecks)
	// The ICSMA advisories list no fixed products (they say "update to" in
	// remediations); TestCSAFFixedVersions covers the fixed bucket.
	if affectedChecks < 400 || outsideChecks < 50 {
		t.Errorf("too few checks: %d affected, %d fixed, %d outside", affectedChecks, fixedChecks, outsideChecks)
	}
	if len(failures) > 0 {
		t.Errorf("%d failures:\n%s", len(failures), strings.Join(failures[:min(len(failures), 40)], "\n"))
	}
}

// affectedElsewhere reports whether another known_affected product of the
// same name in the advisory covers the probe's version too (advisories
// sometimes list overlapping products), which makes a finding correct.
func affectedElsewhere(doc *csaf.Document, v csaf.Vulnerability, pr probe) bool {
	for _, p := range doc.Products() {
		if p.ID == pr.product.ID || normName(p.ProductName) != normName(pr.product.ProductName) || !slices.Contains(v.ProductStatus.KnownAffected, p.ID) {
			continue
		}
		text := p.VersionRange
		if text == "" {
			text = p.Version
		}
		r, err := csaf.ParseVersionRange(text)
		if err != nil {
			return true
		}
		if in, err := r.Contains(pr.version, versions.Firmware); err != nil || in {
			return true
		}
	}
	return false
}

// TestVendorSpelledTwoWays: ICSMA-18-058-02 names the maker "Phillips"; a
// hospital's inventory says Philips. The finding carries a note that the
// spelling was taken as a variant, and KEV enrichment comes through the
// CVE.
func TestVendorSpelledTwoWays(t *testing.T) {
	srcs := loadICSMA(t)
	kevPath := filepath.Join(shared, "kev/known_exploited_vulnerabilities.json")
	needData(t, kevPath)
	f, err := os.Open(kevPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	kev, err := advisory.ReadKEV(f)
	if err != nil {
		t.Fatal(err)
	}
	epss, err := advisory.ReadEPSS(strings.NewReader("cve,epss,percentile\nCVE-2017-0143,0.94,0.999\n"))
	if err != nil {
		t.Fatal(err)
	}
	m := New(Sources{CSAF: srcs, KEV: kev, EPSS: epss})
	fs := m.Match([]Component{{Source: "inv", Ref: "d1", Supplier: "Philips Healthcare", Name: "IntelliSpace Portal 8.0.x", Version: "8.0.2"}})
	var eb *Finding
	for i := range fs {
		if fs[i].AdvisoryID == "CVE-2017-0143" {
			eb = &fs[i]
		}
	}
	if eb == nil {
		t.Fatalf("no CVE-2017-0143 finding among %d", len(fs))
	}
	if len(fs) != 35 {
		t.Errorf("%d findings, want the advisory's 35 vulnerabilities", len(fs))
	}
	if eb.KEV == nil || eb.KEV.CVE != "CVE-2017-0143" || eb.KEV.DateAdded.IsZero() {
		t.Errorf("KEV enrichment missing: %+v", eb.KEV)
	}
	if eb.EPSS == nil || eb.EPSS.Probability != 0.94 {
		t.Errorf("EPSS enrichment missing: %+v", eb.EPSS)
	}
	ev := eb.Evidence[0]
	if ev.Rule != RuleCSAFName || !strings.Contains(ev.Note, "Phillips") || !strings.HasPrefix(ev.Document, "ICSMA-18-058-02") {
		t.Errorf("evidence %+v", ev)
	}
	// A different maker with the same product name gets nothing.
	if fs := m.Match([]Component{{Source: "inv", Ref: "d2", Supplier: "Siemens", Name: "IntelliSpace Portal 8.0.x", Version: "8.0.2"}}); len(fs) != 0 {
		t.Errorf("another maker matched: %d findings", len(fs))
	}
}

func loadCSAF(t *testing.T, rel string) CSAFSource {
	t.Helper()
	p := filepath.Join(shared, rel)
	needData(t, p)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	doc, _, err := csaf.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	return CSAFSource{Path: p, Doc: doc}
}

// TestCSAFFixedVersions: a version an advisory lists as fixed gets no
// finding, the affected ones do, by name (CISA's AdminerEvo advisory) and by
// the CPE helper (BSI's converter advisory, CPE 2.2 URI form).
func TestCSAFFixedVersions(t *testing.T) {
	m := New(Sources{CSAF: []CSAFSource{loadCSAF(t, "csaf/cisa-icsa/va-24-201-01.json"), loadCSAF(t, "csaf/oasis-examples/csaf/bsi-2022-0001.json")}})
	evo := func(v string) map[string]*Finding {
		return ids(m.Match([]Component{{Source: "inv", Ref: "evo", Supplier: "AdminerEvo", Name: "AdminerEvo", Version: v}}))
	}
	for _, tc := range []struct {
		version string
		want    []string
	}{
		{"4.8.2", []string{"CVE-2023-45195", "CVE-2023-45196", "CVE-2023-45197"}},
		{"4.8.3", []string{"CVE-2023-45195", "CVE-2023-45196"}}, // 45197 fixed in 4.8.3
		{"4.8.4", nil}, // fixed, and not listed for 45197
	} {
		got := evo(tc.version)
		if len(got) != len(tc.want) {
			t.Errorf("AdminerEvo %s: %d findings, want %v", tc.version, len(got), tc.want)
		}
		for _, id := range tc.want {
			f := got[id]
			if f == nil {
				t.Errorf("AdminerEvo %s: no %s", tc.version, id)
				continue
			}
			if id == "CVE-2023-45195" && !slices.Contains(f.FixedVersions, "4.8.4") {
				t.Errorf("AdminerEvo %s %s: fixed versions %v, want 4.8.4", tc.version, id, f.FixedVersions)
			}
		}
	}
	conv := func(v string) map[string]*Finding {
		return ids(m.Match([]Component{{Source: "sbom", Ref: "c", Name: "cvrf-csaf-converter", Version: v,
			CPEs: []string{"cpe:2.3:a:csaf-tools:cvrf-csaf-converter:" + v + ":*:*:*:*:*:*:*"}}}))
	}
	f := conv("1.0.0-rc1")["CVE-2022-27193"]
	if f == nil || f.Evidence[0].Rule != RuleCSAFHelper {
		t.Fatalf("rc1: %+v", f)
	}
	if _, ok := conv("1.0.0-rc2")["CVE-2022-27193"]; ok {
		t.Error("rc2, the fixed version, has a finding")
	}
}
