package vex

import (
	"fmt"
	"testing"
	"time"
)

func TestLookupOpenVEXFixtures(t *testing.T) {
	var all []Statement
	for _, f := range []string{"statuses.openvex.json", "override.openvex.json", "legacy.openvex.json"} {
		st, err := DecodeOpenVEX(readTestdata(t, f), f)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, st...)
	}
	ix := NewIndex(all)
	for _, tc := range []struct {
		name string
		s    Subject
		want Status // "" = no statement
		src  string
	}{
		{"purl without version matches any version",
			Subject{VulnIDs: []string{"CVE-2022-40897"}, PURL: "pkg:pypi/setuptools@65.0.0"}, Affected, "statuses.openvex.json"},
		{"purl without version, pypi normalisation",
			Subject{VulnIDs: []string{"CVE-2022-40897"}, PURL: "pkg:pypi/SetupTools@1.0"}, Affected, ""},
		{"versioned statement purl needs that version",
			Subject{VulnIDs: []string{"CVE-2023-2650"}, PURL: "pkg:generic/openssl@3.0.9"}, "", ""},
		{"legacy subcomponent",
			Subject{VulnIDs: []string{"CVE-2023-2650"}, PURL: "pkg:generic/openssl@3.0.8"}, NotAffected, "legacy.openvex.json"},
		{"product with subcomponents does not match the product itself",
			Subject{VulnIDs: []string{"CVE-2023-2650"}, PURL: "pkg:generic/example-medical/ventilator-fw@3.0.2"}, "", ""},
		{"product without subcomponents",
			Subject{VulnIDs: []string{"CVE-2023-0464"}, PURL: "pkg:generic/example-medical/ventilator-fw@3.0.2"}, Affected, ""},
		{"subcomponent via GHSA alias",
			Subject{VulnIDs: []string{"ghsa-qppj-fm5r-hxr3"}, PURL: "pkg:golang/golang.org/x/net@v0.10.0"}, NotAffected, ""},
		{"subject has GHSA and CVE, statement names CVE",
			Subject{VulnIDs: []string{"GHSA-4374-p667-p6c8", "CVE-2023-44487"}, PURL: "pkg:golang/golang.org/x/net@v0.10.0"}, NotAffected, ""},
		{"other vulnerability",
			Subject{VulnIDs: []string{"CVE-2023-44488"}, PURL: "pkg:golang/golang.org/x/net@v0.10.0"}, "", ""},
		{"Go module path case kept: exact case matches",
			Subject{VulnIDs: []string{"CVE-2020-8911"}, PURL: "pkg:golang/github.com/BurntSushi/toml@v1.3.2"}, NotAffected, ""},
		{"Go module path case kept: lower case is another module",
			Subject{VulnIDs: []string{"CVE-2020-8911"}, PURL: "pkg:golang/github.com/burntsushi/toml@v1.3.2"}, "", ""},
		{"qualifier present and equal",
			Subject{VulnIDs: []string{"CVE-2024-6387"}, PURL: "pkg:deb/debian/openssh-server@1:9.2p1-2+deb12u2?distro=debian-12&arch=arm64"}, UnderInvestigation, ""},
		{"qualifier different",
			Subject{VulnIDs: []string{"CVE-2024-6387"}, PURL: "pkg:deb/debian/openssh-server@1:9.2p1-2+deb12u2?arch=amd64"}, "", ""},
		{"qualifier missing in subject",
			Subject{VulnIDs: []string{"CVE-2024-6387"}, PURL: "pkg:deb/debian/openssh-server@1:9.2p1-2+deb12u2"}, "", ""},
		{"CPE ignoring case",
			Subject{VulnIDs: []string{"CVE-2024-3094"}, CPE: "CPE:2.3:H:Example-Medical:Gateway:2.1:*:*:*:*:*:*:*"}, Fixed, ""},
		{"OpenVEX @id as product id",
			Subject{VulnIDs: []string{"CVE-2024-3094"}, ProductIDs: []string{"CSAFPID-1", "https://vex.example-medical.test/products/gateway"}}, Fixed, ""},
		{"latest timestamp wins although listed first",
			Subject{VulnIDs: []string{"CVE-2023-4863"}, PURL: "pkg:generic/example-medical/bedside-monitor@7.1"}, NotAffected, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := ix.Lookup(tc.s)
			if ok != (tc.want != "") || got.Status != tc.want {
				t.Fatalf("got %q %v, want %q", got.Status, ok, tc.want)
			}
			if tc.src != "" && got.Source != tc.src {
				t.Errorf("source %q, want %q", got.Source, tc.src)
			}
		})
	}
}

func TestLookupTimestampsAndOrder(t *testing.T) {
	p := []Product{{PURL: "pkg:npm/lodash"}}
	t1, t2 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)
	stmts := []Statement{
		{Vulnerability: "CVE-2021-23337", Products: p, Status: Affected, Timestamp: t2, Action: "a"},
		{Vulnerability: "CVE-2021-23337", Products: p, Status: NotAffected, Timestamp: t1, Justification: ComponentNotPresent},
		{Vulnerability: "CVE-2021-23337", Products: p, Status: Fixed, Timestamp: t2.In(time.FixedZone("CET", 3600))},
		{Vulnerability: "GHSA-35jh-r3h4-6jhm", Aliases: []string{"CVE-2021-23337"}, Products: []Product{{PURL: "pkg:npm/lodash@4.17.20"}}, Status: UnderInvestigation},
	}
	ix := NewIndex(stmts)
	// statements 0 and 2 are the same instant: the later one in input order wins.
	if got, _ := ix.Lookup(Subject{VulnIDs: []string{"CVE-2021-23337"}, PURL: "pkg:npm/lodash@4.17.21"}); got.Status != Fixed {
		t.Errorf("tie: got %q", got.Status)
	}
	// Only the undated statement names the GHSA id.
	if got, _ := ix.Lookup(Subject{VulnIDs: []string{"GHSA-35JH-R3H4-6JHM"}, PURL: "pkg:npm/lodash@4.17.20"}); got.Status != UnderInvestigation {
		t.Errorf("GHSA only: got %q", got.Status)
	}
	// With both ids every statement matches; the undated one is the oldest.
	if got, ok := ix.Lookup(Subject{VulnIDs: []string{"GHSA-35jh-r3h4-6jhm", "CVE-2021-23337"}, PURL: "pkg:npm/lodash@4.17.20"}); !ok || got.Status != Fixed {
		t.Errorf("both ids: got %q %v", got.Status, ok)
	}
	ix = NewIndex(stmts[3:])
	if got, ok := ix.Lookup(Subject{VulnIDs: []string{"CVE-2021-23337"}, PURL: "pkg:npm/lodash@4.17.20"}); !ok || got.Status != UnderInvestigation {
		t.Errorf("lookup by alias: %q %v", got.Status, ok)
	}
	var nilIx *Index
	if _, ok := nilIx.Lookup(Subject{}); ok {
		t.Error("nil index")
	}
}

func TestLookupOtherIdentifiers(t *testing.T) {
	stmts := []Statement{
		{Vulnerability: "CVE-2024-1000", Status: NotAffected, Format: "csaf", Products: []Product{{ProductID: "CSAFPID-0001"}}},
		{Vulnerability: "CVE-2024-1001", Status: Fixed, Products: []Product{{BOMRef: "fw-main"}}},
		{Vulnerability: "CVE-2024-1002", Status: Fixed, Products: []Product{{PURL: "not a purl"}}},
		{Vulnerability: "CVE-2024-1003", Status: Fixed, Products: []Product{{PURL: "pkg:maven/org.example/lib#sub/dir"}}},
	}
	ix := NewIndex(stmts)
	for _, tc := range []struct {
		s    Subject
		want bool
	}{
		{Subject{VulnIDs: []string{"CVE-2024-1000"}, ProductIDs: []string{"CSAFPID-0001"}}, true},
		{Subject{VulnIDs: []string{"CVE-2024-1000"}, ProductIDs: []string{"csafpid-0001"}}, false},
		{Subject{VulnIDs: []string{"CVE-2024-1001"}, BOMRef: "fw-main"}, true},
		{Subject{VulnIDs: []string{"CVE-2024-1001"}, BOMRef: "FW-MAIN"}, false},
		{Subject{VulnIDs: []string{"CVE-2024-1002"}, PURL: "not a purl"}, true},
		{Subject{VulnIDs: []string{"CVE-2024-1002"}, PURL: "pkg:npm/not"}, false},
		{Subject{VulnIDs: []string{"CVE-2024-1003"}, PURL: "pkg:maven/org.example/lib@1.0#sub/dir"}, true},
		{Subject{VulnIDs: []string{"CVE-2024-1003"}, PURL: "pkg:maven/org.example/lib@1.0#other"}, false},
		{Subject{VulnIDs: []string{"CVE-2024-1003"}, PURL: "pkg:maven/org.example/LIB@1.0#sub/dir"}, false},
	} {
		if _, ok := ix.Lookup(tc.s); ok != tc.want {
			t.Errorf("%+v: got %v, want %v", tc.s, ok, tc.want)
		}
	}
}

// BenchmarkLookup looks up in an index of 10,000 statements: 2,000
// vulnerabilities with 5 statements each on different packages.
func BenchmarkLookup(b *testing.B) {
	stmts := make([]Statement, 0, 10000)
	for i := range 10000 {
		stmts = append(stmts, Statement{
			Vulnerability: fmt.Sprintf("CVE-2024-%05d", i/5),
			Aliases:       []string{fmt.Sprintf("GHSA-%04d-aaaa-bbbb", i/5)},
			Products:      []Product{{PURL: fmt.Sprintf("pkg:golang/github.com/Example/mod%d", i%5)}},
			Status:        NotAffected,
			Justification: VulnerableCodeNotPresent,
			Timestamp:     time.Unix(int64(i), 0),
		})
	}
	ix := NewIndex(stmts)
	subjects := make([]Subject, 1000)
	for i := range subjects {
		subjects[i] = Subject{
			VulnIDs: []string{fmt.Sprintf("GHSA-%04d-aaaa-bbbb", i*2), fmt.Sprintf("cve-2024-%05d", i*2)},
			PURL:    fmt.Sprintf("pkg:golang/github.com/Example/mod%d@v1.2.%d", i%5, i),
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	hits := 0
	for i := 0; b.Loop(); i++ {
		if _, ok := ix.Lookup(subjects[i%len(subjects)]); ok {
			hits++
		}
	}
	if hits == 0 {
		b.Fatal("no hits")
	}
}

func BenchmarkNewIndex(b *testing.B) {
	stmts := make([]Statement, 10000)
	for i := range stmts {
		stmts[i] = Statement{Vulnerability: fmt.Sprintf("CVE-2024-%05d", i/5), Status: Fixed,
			Products: []Product{{PURL: fmt.Sprintf("pkg:npm/pkg%d@1.0.%d", i%5, i)}}}
	}
	b.ReportAllocs()
	for b.Loop() {
		NewIndex(stmts)
	}
}
