package advisory

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
)

const kevPath = "../../../shared/data/kev/known_exploited_vulnerabilities.json"

func TestReadKEVRealCatalog(t *testing.T) {
	b, err := os.ReadFile(kevPath)
	if err != nil {
		t.Skipf("real KEV catalog not available (%v)", err)
	}
	cat, err := ReadKEV(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if cat.CatalogVersion != "2025.08.25" || len(cat.Entries) != 1404 {
		t.Fatalf("catalog %s with %d entries", cat.CatalogVersion, len(cat.Entries))
	}
	byID := map[string]KEVEntry{}
	ransom := 0
	for _, e := range cat.Entries {
		byID[e.CVE] = e
		if e.KnownRansomware {
			ransom++
		}
	}
	// EternalBlue, which hit hospitals in WannaCry and appears in the ICSMA advisories.
	eb, ok := byID["CVE-2017-0144"]
	if !ok || eb.VendorProject != "Microsoft" || !eb.KnownRansomware || eb.DueDate.Before(eb.DateAdded) {
		t.Fatalf("CVE-2017-0144: %+v", eb)
	}
	if ransom == 0 || ransom == len(cat.Entries) {
		t.Errorf("ransomware flag not read: %d of %d", ransom, len(cat.Entries))
	}
	if got := byID["CVE-2025-48384"].DateAdded; !got.Equal(time.Date(2025, 8, 25, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("dateAdded = %v", got)
	}
}

func TestReadKEVRejects(t *testing.T) {
	entry := func(id, added, due, ransom string) string {
		return `{"cveID":"` + id + `","vendorProject":"V","product":"P","vulnerabilityName":"N","dateAdded":"` + added +
			`","shortDescription":"","requiredAction":"","dueDate":"` + due + `","knownRansomwareCampaignUse":"` + ransom + `","notes":"","cwes":[]}`
	}
	doc := func(count string, entries ...string) string {
		return `{"title":"t","catalogVersion":"1","dateReleased":"2025-08-25T17:04:19.9796Z","count":` + count +
			`,"vulnerabilities":[` + strings.Join(entries, ",") + `]}`
	}
	good := entry("CVE-2024-1234", "2024-01-02", "2024-01-23", "Known")
	if cat, err := ReadKEV(strings.NewReader(doc("1", good))); err != nil || !cat.Entries[0].KnownRansomware {
		t.Fatalf("valid catalog: %v %+v", err, cat)
	}
	for name, tc := range map[string]struct{ in, want string }{
		"not json":       {`{"vulnerabilities":[`, "line 1"},
		"not a catalog":  {`{"bomFormat":"CycloneDX"}`, "not a KEV catalog"},
		"bad cve":        {doc("1", entry("CVE-24-1", "2024-01-02", "2024-01-23", "Known")), "vulnerabilities[0].cveID"},
		"bad date":       {doc("1", entry("CVE-2024-1234", "02/01/2024", "2024-01-23", "Known")), "vulnerabilities[0].dateAdded"},
		"bad due":        {doc("1", entry("CVE-2024-1234", "2024-01-02", "soon", "Known")), "vulnerabilities[0].dueDate"},
		"bad ransomware": {doc("1", entry("CVE-2024-1234", "2024-01-02", "2024-01-23", "Maybe")), "knownRansomwareCampaignUse"},
		"duplicate":      {doc("2", good, good), "listed twice"},
		"truncated":      {doc("3", good), "count says 3"},
		"wrong type":     {`{"count":"x","vulnerabilities":[]}`, "wrong type"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ReadKEV(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want an error containing %q, got %v", tc.want, err)
			}
		})
	}
}

func FuzzReadKEV(f *testing.F) {
	if b, err := os.ReadFile(kevPath); err == nil && len(b) > 4000 {
		f.Add(append(append([]byte{}, b[:4000]...), []byte("}]}")...))
	}
	f.Add([]byte(`{"count":1,"vulnerabilities":[{"cveID":"CVE-2024-1234","dateAdded":"2024-01-02","dueDate":"2024-01-23"}]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		cat, err := ReadKEV(bytes.NewReader(b))
		if err == nil {
			for _, e := range cat.Entries {
				if !cveRE.MatchString(e.CVE) {
					t.Fatalf("accepted CVE id %q", e.CVE)
				}
			}
		}
	})
}
