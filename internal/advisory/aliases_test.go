package advisory

import (
	"context"
	"os"
	"reflect"
	"testing"
)

func TestNormalizeID(t *testing.T) {
	cases := map[string]string{
		" cve-2021-44228\n":    "CVE-2021-44228",
		"CVE-2021-44228":       "CVE-2021-44228",
		"ghsa-JFH8-C2JP-5V3Q":  "GHSA-jfh8-c2jp-5v3q",
		"GHSA-jfh8-c2jp-5v3q":  "GHSA-jfh8-c2jp-5v3q",
		"go-2022-0001":         "GO-2022-0001",
		"pysec-2021-19":        "PYSEC-2021-19",
		"icsma-17-009-01a":     "ICSMA-17-009-01A",
		"icsa-24-004-01":       "ICSA-24-004-01",
		"RHSA-2024:1234":       "RHSA-2024:1234",
		"msrc-CVE-2017-0143":   "msrc-CVE-2017-0143",
		"DSA-5678-1":           "DSA-5678-1",
		"cve-":                 "cve-",
		"":                     "",
		"  ":                   "",
		"BIT-openssl-2024-001": "BIT-openssl-2024-001",
	}
	for in, want := range cases {
		if got := NormalizeID(in); got != want {
			t.Errorf("NormalizeID(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAliasesTransitive(t *testing.T) {
	a := NewAliases()
	a.Add("GO-2022-0001", "cve-2021-0002")
	a.Add("ghsa-AAAA-bbbb-cccc", "CVE-2021-0002")
	a.Add("PYSEC-2022-5", "GHSA-aaaa-bbbb-cccc", "CVE-2021-10000")
	a.Add("ICSMA-17-009-01", "CVE-2017-0001")
	a.Add("", "   ")
	want := []string{"CVE-2021-0002", "CVE-2021-10000", "GHSA-aaaa-bbbb-cccc", "GO-2022-0001", "PYSEC-2022-5"}
	for _, id := range want {
		if got := a.Group(id); !reflect.DeepEqual(got, want) {
			t.Errorf("Group(%s) = %v", id, got)
		}
	}
	if got := a.Group("go-2022-0001"); !reflect.DeepEqual(got, want) {
		t.Errorf("Group normalises its argument: %v", got)
	}
	if got := a.CVEs("pysec-2022-5"); !reflect.DeepEqual(got, []string{"CVE-2021-0002", "CVE-2021-10000"}) {
		t.Errorf("CVEs = %v", got)
	}
	if got := a.Group("ICSMA-17-009-01"); !reflect.DeepEqual(got, []string{"CVE-2017-0001", "ICSMA-17-009-01"}) {
		t.Errorf("separate group: %v", got)
	}
	if got := a.Group("CVE-1999-0001"); !reflect.DeepEqual(got, []string{"CVE-1999-0001"}) {
		t.Errorf("unknown id: %v", got)
	}
	if a.Group("") != nil || a.CVEs("GHSA-zzzz-zzzz-zzzz") != nil {
		t.Error("empty and CVE-less groups")
	}
}

func TestAliasesFromOSVGo(t *testing.T) {
	dir, _ := sharedFS(t, "osv/go")
	set, err := ReadOSV(context.Background(), os.DirFS(dir), ".")
	if err != nil {
		t.Fatal(err)
	}
	a := NewAliases()
	for _, r := range set.Records {
		a.Add(append([]string{r.ID}, r.Aliases...)...)
	}
	if got := a.Group("GO-2024-3228"); !reflect.DeepEqual(got, []string{"GHSA-wcx9-ccpj-hx3c", "GO-2024-3228"}) {
		t.Errorf("GO-2024-3228: %v", got)
	}
	// Records in the Go database carry their CVE and GHSA ids; a CVE
	// finds its GO id back.
	withCVE := 0
	for _, r := range set.Records {
		cves := a.CVEs(r.ID)
		for _, al := range r.Aliases {
			if len(al) > 4 && al[:4] == "CVE-" {
				withCVE++
				found := false
				for _, g := range a.Group(al) {
					found = found || g == r.ID
				}
				if !found || len(cves) == 0 {
					t.Fatalf("%s: %s does not lead back (group %v)", r.ID, al, a.Group(al))
				}
				break
			}
		}
	}
	if withCVE != 1515 {
		t.Errorf("%d Go records have a CVE alias, want 1515", withCVE)
	}
}
