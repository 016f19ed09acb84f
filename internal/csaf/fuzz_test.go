package csaf

import (
	"os"
	"testing"

	"github.com/vigil-oss/vigil/internal/versions"
)

func seedDocs(f *testing.F) {
	b, err := os.ReadFile("testdata/installed_on.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`{"document":{"category":"csaf_base","tracking":{"revision_history":[{"number":"1.0.0-rc1"},{"number":"2"}]}},"product_tree":{"relationships":[{"product_reference":"a","relates_to_product_reference":"b","full_product_name":{"product_id":"a"}}]}}`))
	f.Add([]byte(`{"vulnerabilities":[{"scores":[{"products":["x"],"cvss_v2":{"version":"2.0","vectorString":"AV:N/AC:L/Au:N/C:C/I:C/A:C/E:POC","baseScore":10}}]}]}`))
	f.Add([]byte(`{"document":{"lang":"x-klingon"},"product_tree":{"branches":[{"branches":[{"product":{"product_id":"p"}}]}]}}`))
	f.Add([]byte(`[]`))
}

func FuzzDecode(f *testing.F) {
	seedDocs(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		d, _, err := Decode(b)
		if err != nil {
			return
		}
		for _, p := range d.Products() {
			if p.VersionRange != "" {
				_, _ = ParseVersionRange(p.VersionRange)
			}
		}
		_ = CheckMandatory(d)
	})
}

func FuzzValidate(f *testing.F) {
	seedDocs(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		d, probs, err := Validate(b)
		if err == nil && d == nil {
			t.Fatal("no document and no error")
		}
		for _, p := range probs {
			if p.Test == "" {
				t.Fatalf("problem without a test id: %v", p)
			}
		}
	})
}

func FuzzParseVersionRange(f *testing.F) {
	for _, s := range []string{"<= 2.3.0", ">= 1.0 | <= 2.0", "3.2.x", "all versions prior to 2.1", "1.0 - 1.4",
		"vers:generic/>=1.0|<2.0", "BT03 | BT04", "<  july 1 2017", "2.1 and prior", "<= 11.x", "* (eol)"} {
		f.Add(s, "2.1")
	}
	f.Fuzz(func(t *testing.T, s, v string) {
		r, err := ParseVersionRange(s)
		if err != nil {
			return
		}
		if r.Text != s {
			t.Fatalf("Text %q, want %q", r.Text, s)
		}
		if !r.All && r.Vers == nil && len(r.Constraints) == 0 && len(r.Versions) == 0 {
			t.Fatalf("%q parsed to an empty range", s)
		}
		_, _ = r.Contains(v, versions.Firmware)
		_, _ = r.Contains(v, versions.Semver)
	})
}
