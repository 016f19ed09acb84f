package csaf

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

func decodeData(t testing.TB, rel string) *Document {
	t.Helper()
	d, warns, err := Decode(readData(t, rel))
	if err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	if len(warns) > 0 {
		t.Fatalf("%s: warnings %v", rel, warns)
	}
	return d
}

func cves(d *Document) []string {
	var out []string
	for _, v := range d.Vulnerabilities {
		out = append(out, v.CVE)
	}
	return out
}

func TestICSMAFacts(t *testing.T) {
	// Philips spelt "Phillips" by CISA in this advisory: kept as written.
	d := decodeData(t, "cisa-icsma/icsma-18-025-01.json")
	if d.Tracking.ID != "ICSMA-18-025-01" || !reflect.DeepEqual(cves(d), []string{"CVE-2018-5438"}) {
		t.Errorf("id %s, CVEs %v", d.Tracking.ID, cves(d))
	}
	ps := d.Products()
	want := Product{ID: "CSAFPID-0001", Name: ps[0].Name, Vendor: "Phillips", ProductName: "IntelliSpace Cardiovascular", VersionRange: "<= 2.3.0", Helper: ps[0].Helper}
	if len(ps) != 1 || !reflect.DeepEqual(ps[0], want) {
		t.Errorf("products %+v", ps)
	}
	r, err := ParseVersionRange(ps[0].VersionRange)
	if err != nil || len(r.Constraints) != 1 || r.Constraints[0].Version != "2.3.0" {
		t.Errorf("range %+v, %v", r, err)
	}

	d = decodeData(t, "cisa-icsma/icsma-17-229-01.json")
	ps = d.Products()
	if len(ps) != 1 || ps[0].Vendor != "Philips" || ps[0].ProductName != "DoseWise Portal" || ps[0].Version != "1.1.7.333 | 2.1.1.3069" {
		t.Errorf("products %+v", ps)
	}
	if got := cves(d); !reflect.DeepEqual(got, []string{"CVE-2017-9656", "CVE-2017-9654"}) {
		t.Errorf("CVEs %v", got)
	}

	d = decodeData(t, "cisa-icsma/icsma-18-058-02.json")
	if d.Tracking.ID != "ICSMA-18-058-02" || len(d.Vulnerabilities) != 35 || len(d.Products()) != 2 || d.Products()[0].Vendor != "Phillips" {
		t.Errorf("id %s, %d vulnerabilities, products %+v", d.Tracking.ID, len(d.Vulnerabilities), d.Products())
	}
	if !slices.Contains(cves(d), "CVE-2017-0144") {
		t.Errorf("CVE-2017-0144 (EternalBlue) missing: %v", cves(d))
	}
	if len(d.Acknowledgments) == 0 {
		t.Error("document acknowledgments dropped")
	}
}

func TestRelationshipProduct(t *testing.T) {
	d := decodeData(t, "cisa-icsa/va-24-201-01.json")
	if d.Tracking.ID != "VA-24-201-01" || len(d.Vulnerabilities) != 3 {
		t.Fatalf("id %s, %d vulnerabilities", d.Tracking.ID, len(d.Vulnerabilities))
	}
	ps := d.Products()
	if len(ps) != 8 {
		t.Fatalf("%d products, want 8 (7 branch, 1 relationship)", len(ps))
	}
	first := ps[0]
	if first.ID != "CSAFPID-0006" || first.Vendor != "Adminer" || first.ProductName != "Adminer" || first.VersionRange != "all versions" {
		t.Errorf("first product %+v", first)
	}
	last := ps[7]
	if last.ID != "CSAFPID-0005" || last.Name != "Adminer contained in AdminerEvo" || last.Relationship == nil ||
		last.Relationship.Category != "external_component_of" || last.Relationship.ProductReference != "CSAFPID-0013" ||
		last.Relationship.RelatesToProductReference != "CSAFPID-0004" || last.Vendor != "" {
		t.Errorf("relationship product %+v", last)
	}
}

// TestInstalledOnAndGroups checks a hand-written document: firmware
// installed on a device, a product group and branch categories.
func TestInstalledOnAndGroups(t *testing.T) {
	d, warns, err := Decode(readFile(t, "testdata/installed_on.json"))
	if err != nil || len(warns) != 0 {
		t.Fatalf("Decode: %v %v", warns, err)
	}
	ps := d.Products()
	var ids []string
	for _, p := range ps {
		ids = append(ids, p.ID)
	}
	if !reflect.DeepEqual(ids, []string{"FW-1", "PUMP-1", "PUMP-1-FW-1"}) {
		t.Fatalf("ids %v", ids)
	}
	if p := ps[0]; p.Vendor != "Example Medical" || p.Family != "Infusion" || p.ProductName != "Pump firmware" || p.Version != "R2.1.5 build 7" || p.Architecture != "arm" {
		t.Errorf("firmware %+v", p)
	}
	if p := ps[1]; p.Helper == nil || !reflect.DeepEqual(p.Helper.ModelNumbers, []string{"P-100"}) || len(p.Helper.Hashes) != 1 || p.Helper.Hashes[0].FileHashes[0].Algorithm != "sha256" {
		t.Errorf("device helper %+v", p.Helper)
	}
	if p := ps[2]; p.Relationship == nil || p.Relationship.Category != "installed_on" || p.Relationship.ProductReference != "FW-1" || p.Relationship.RelatesToProductReference != "PUMP-1" {
		t.Errorf("relationship %+v", p)
	}
	if got := d.Expand([]string{"PUMP-1-FW-1"}, []string{"G-ALL", "G-NONE"}); !reflect.DeepEqual(got, []string{"PUMP-1-FW-1", "FW-1", "PUMP-1"}) {
		t.Errorf("Expand = %v", got)
	}
	_, probs, err := Validate(readFile(t, "testdata/installed_on.json"))
	if err != nil || len(probs) != 0 {
		t.Errorf("Validate: %v %v", probs, err)
	}
}

func TestDecodeWarningsAndErrors(t *testing.T) {
	b := readFile(t, "testdata/installed_on.json")
	s := strings.Replace(string(b), `"title": "Pump firmware`, `"x_extra": 1, "title": "Pump firmware`, 1)
	s = strings.Replace(s, `"cve": "CVE-2099-0001"`, `"cve": "CVE-2099-0001", "x_note": {"a": 1}`, 1)
	_, warns, err := Decode([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(warns, []string{"/document/x_extra: unknown field", "/vulnerabilities/0/x_note: unknown field"}) {
		t.Errorf("warnings %q", warns)
	}
	_, probs, err := Validate([]byte(s))
	if err != nil || len(probs) == 0 || probs[0].Test != "schema" {
		t.Errorf("Validate of unknown fields: %v %v", probs, err)
	}

	bad := strings.Replace(string(b), `"product_ids": ["FW-1"]`, `"product_ids": "FW-1"`, 1)
	bad = strings.Replace(bad, `"baseScore": 9.8`, `"baseScore": "9.8"`, 1)
	bad = strings.Replace(bad, `"2024-05-01T00:00:00Z"`, `"yesterday"`, 1)
	_, _, err = Decode([]byte(bad))
	for _, want := range []string{
		"/document/tracking/current_release_date: date-time \"yesterday\" is not RFC 3339",
		"/vulnerabilities/0/flags/0/product_ids: want an array, got a string",
		"/vulnerabilities/0/scores/0/cvss_v3/baseScore: want a number, got a string",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}

	for _, in := range []string{``, `[]`, `{"a":1} {}`, strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1)} {
		if _, _, err := Decode([]byte(in)); err == nil {
			t.Errorf("Decode(%.20q): want an error", in)
		}
		if _, _, err := Validate([]byte(in)); err == nil {
			t.Errorf("Validate(%.20q): want an error", in)
		}
	}
	if _, _, err := Decode(make([]byte, MaxDocumentBytes+1)); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("oversized: %v", err)
	}
}

func TestProblemString(t *testing.T) {
	p := Problem{Test: "6.1.1", Path: "/vulnerabilities/0/product_status/fixed/1", Message: `product id "X" is not defined`}
	if got := p.String(); got != `6.1.1 /vulnerabilities/0/product_status/fixed/1: product id "X" is not defined` {
		t.Errorf("String() = %q", got)
	}
}

// TestCheckMandatoryPaths pins the paths and messages of a few problems on
// a hand-broken document.
func TestCheckMandatoryPaths(t *testing.T) {
	d, _, err := Decode(readFile(t, "testdata/installed_on.json"))
	if err != nil {
		t.Fatal(err)
	}
	d.Vulnerabilities[0].ProductStatus.Fixed = []string{"PUMP-1-FW-1", "NOPE"}
	d.ProductTree.Relationships[0].ProductReference = "PUMP-1-FW-1"
	got := CheckMandatory(d)
	var s []string
	for _, p := range got {
		s = append(s, p.String())
	}
	want := []string{
		`6.1.1 /vulnerabilities/0/product_status/fixed/1: product id "NOPE" is not defined`,
		`6.1.3 /product_tree/relationships/0/full_product_name/product_id: product id "PUMP-1-FW-1" is defined by a relationship that references itself`,
		`6.1.6 /vulnerabilities/0/product_status/known_affected/0: product "PUMP-1-FW-1" is both fixed and affected`,
	}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(s, "\n"), strings.Join(want, "\n"))
	}
}

// TestCheckMandatoryBuiltInGo runs the CVSS tests on a score built in Go,
// without the raw properties a decoded document has.
func TestCheckMandatoryBuiltInGo(t *testing.T) {
	d := &Document{
		Category:    "csaf_base",
		Tracking:    Tracking{Version: "1", Status: "final", RevisionHistory: []Revision{{Number: "1"}}},
		ProductTree: ProductTree{FullProductNames: []FullProductName{{Name: "A", ProductID: "A"}}},
		Vulnerabilities: []Vulnerability{{Scores: []Score{
			{Products: []string{"A"}, CVSSv3: &CVSS{Version: "3.1", VectorString: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", BaseScore: 9.8, BaseSeverity: "CRITICAL"}},
			{Products: []string{"A"}, CVSSv2: &CVSS{Version: "2.0", VectorString: "AV:N/AC:L/Au:N/C:C/I:C/A:C", BaseScore: 6.5}},
		}}},
	}
	got := CheckMandatory(d)
	if len(got) != 1 || got[0].String() != "6.1.9 /vulnerabilities/0/scores/1/cvss_v2/baseScore: baseScore is 6.5 but the vector gives 10.0" {
		t.Errorf("got %v", got)
	}
}
