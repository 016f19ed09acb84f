package vex

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestDecodeOpenVEXStatuses(t *testing.T) {
	st, err := DecodeOpenVEX(readTestdata(t, "statuses.openvex.json"), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(st) != 5 {
		t.Fatalf("got %d statements, want 5", len(st))
	}
	wantStatus := []Status{NotAffected, Affected, Fixed, UnderInvestigation, NotAffected}
	for i, s := range st {
		if s.Status != wantStatus[i] {
			t.Errorf("statement %d: status %q, want %q", i, s.Status, wantStatus[i])
		}
		if s.Format != "openvex" || s.Source != "https://vex.example-medical.test/pump/2024-0007" {
			t.Errorf("statement %d: format %q source %q", i, s.Format, s.Source)
		}
	}
	docTime := mustTime("2024-05-02T09:00:00Z")
	s0 := st[0]
	if s0.Vulnerability != "CVE-2023-44487" || strings.Join(s0.Aliases, ",") != "GHSA-qppj-fm5r-hxr3,GO-2023-2102" {
		t.Errorf("statement 0: vulnerability %q aliases %q", s0.Vulnerability, s0.Aliases)
	}
	if s0.Justification != VulnerableCodeNotInExecutePath || !strings.Contains(s0.Impact, "HTTP/2") {
		t.Errorf("statement 0: justification %q impact %q", s0.Justification, s0.Impact)
	}
	if !s0.Timestamp.Equal(docTime) {
		t.Errorf("statement 0 inherits the document time: got %v", s0.Timestamp)
	}
	if len(s0.Products) != 1 || s0.Products[0].PURL != "pkg:generic/example-medical/infusion-pump-firmware@4.2.0" ||
		len(s0.Products[0].Subcomponents) != 1 || s0.Products[0].Subcomponents[0].PURL != "pkg:golang/golang.org/x/net@v0.10.0" {
		t.Errorf("statement 0 products: %+v", s0.Products)
	}
	if st[1].Action != "Update the service laptop tooling to setuptools 65.5.1 or later." || st[1].Products[0].PURL != "pkg:pypi/setuptools" {
		t.Errorf("statement 1: %+v", st[1])
	}
	p2 := st[2].Products[0]
	if p2.ProductID != "https://vex.example-medical.test/products/gateway" || p2.CPE != "cpe:2.3:h:example-medical:gateway:2.1:*:*:*:*:*:*:*" {
		t.Errorf("statement 2 product: %+v", p2)
	}
	if !st[2].Timestamp.Equal(mustTime("2024-04-01T12:00:00Z")) {
		t.Errorf("statement 2 keeps its own timestamp: got %v", st[2].Timestamp)
	}
	if !strings.HasPrefix(st[3].Impact, "The maker is checking") {
		t.Errorf("statement 3: status_notes not kept as impact: %q", st[3].Impact)
	}
	if st[4].Justification != ComponentNotPresent || st[4].Products[0].PURL != "pkg:golang/github.com/BurntSushi/toml" {
		t.Errorf("statement 4: %+v", st[4])
	}

	// A caller-given source wins over @id.
	st, err = DecodeOpenVEX(readTestdata(t, "statuses.openvex.json"), "uploads/pump.json")
	if err != nil || st[0].Source != "uploads/pump.json" {
		t.Errorf("source: %v %q", err, st[0].Source)
	}
}

func TestDecodeOpenVEXLegacy(t *testing.T) {
	st, err := DecodeOpenVEX(readTestdata(t, "legacy.openvex.json"), "legacy.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(st) != 2 {
		t.Fatalf("got %d statements, want 2", len(st))
	}
	if st[0].Vulnerability != "CVE-2023-2650" || st[0].Status != NotAffected ||
		st[0].Justification != VulnerableCodeCannotBeControlledByAdversary {
		t.Errorf("statement 0: %+v", st[0])
	}
	if len(st[0].Products) != 2 || st[0].Products[1].PURL != "pkg:generic/example-medical/ventilator-fw@3.0.3" {
		t.Fatalf("statement 0 products: %+v", st[0].Products)
	}
	for _, p := range st[0].Products {
		if len(p.Subcomponents) != 1 || p.Subcomponents[0].PURL != "pkg:generic/openssl@3.0.8" {
			t.Errorf("product %s subcomponents: %+v", p.PURL, p.Subcomponents)
		}
	}
	if !st[0].Timestamp.Equal(mustTime("2023-06-01T00:00:00Z")) || !st[1].Timestamp.Equal(mustTime("2023-07-01T00:00:00Z")) {
		t.Errorf("timestamps: %v %v", st[0].Timestamp, st[1].Timestamp)
	}
	if st[1].Status != Affected || st[1].Action != "Install ventilator firmware 3.0.4." {
		t.Errorf("statement 1: %+v", st[1])
	}
}

func TestDecodeOpenVEXMissingJustification(t *testing.T) {
	_, err := DecodeOpenVEX(readTestdata(t, "missing-justification.openvex.json"), "monitor.json")
	var ve *Error
	if !errors.As(err, &ve) {
		t.Fatalf("got %v, want *Error", err)
	}
	if ve.Path != "statements[1].justification" || ve.Source != "monitor.json" {
		t.Errorf("path %q source %q", ve.Path, ve.Source)
	}
	if !strings.Contains(err.Error(), "either justification or impact statement must be defined") {
		t.Errorf("message: %v", err)
	}
}

func TestDecodeOpenVEXErrors(t *testing.T) {
	const ctx = `"@context":"https://openvex.dev/ns/v0.2.0"`
	prod := `"products":[{"@id":"pkg:npm/left-pad@1.0.0"}]`
	tests := []struct {
		name, doc, path, reason string
	}{
		{"not json", `{"statements":`, "", "not an OpenVEX JSON document"},
		{"no context", `{"statements":[]}`, "@context", "missing or not a string"},
		{"other context", `{"@context":"https://cyclonedx.org"}`, "@context", "is not an OpenVEX context"},
		{"future version", `{"@context":"https://openvex.dev/ns/v9.0.0"}`, "@context", `"v9.0.0" is not supported`},
		{"bad doc time", `{` + ctx + `,"timestamp":"yesterday"}`, "timestamp", "not an RFC 3339 time"},
		{"bad status", `{` + ctx + `,"statements":[{"vulnerability":{"name":"CVE-1"},` + prod + `,"status":"unknown"}]}`,
			"statements[0].status", `"unknown" is not an OpenVEX status`},
		{"affected without action", `{` + ctx + `,"statements":[{"vulnerability":{"name":"CVE-1"},` + prod + `,"status":"affected"}]}`,
			"statements[0].action_statement", "action statement must be set"},
		{"justification on fixed", `{` + ctx + `,"statements":[{"vulnerability":{"name":"CVE-1"},` + prod + `,"status":"fixed","justification":"component_not_present"}]}`,
			"statements[0].justification", "justification should not be set"},
		{"bad justification", `{` + ctx + `,"statements":[{"vulnerability":{"name":"CVE-1"},` + prod + `,"status":"not_affected","justification":"trust_me"}]}`,
			"statements[0].justification", "invalid justification value"},
		{"no vulnerability", `{` + ctx + `,"statements":[{` + prod + `,"status":"fixed"}]}`,
			"statements[0].vulnerability.name", "missing"},
		{"no products", `{` + ctx + `,"statements":[{"vulnerability":{"name":"CVE-1"},"status":"fixed"}]}`,
			"statements[0].products", "no products given"},
		{"hash-only product", `{` + ctx + `,"statements":[{"vulnerability":{"name":"CVE-1"},"products":[{"hashes":{"sha-256":"ab"}}],"status":"fixed"}]}`,
			"statements[0].products[0]", "hashes alone are not matched"},
		{"anonymous subcomponent", `{` + ctx + `,"statements":[{"vulnerability":{"name":"CVE-1"},"products":[{"@id":"x","subcomponents":[{}]}],"status":"fixed"}]}`,
			"statements[0].products[0].subcomponents[0]", "no @id, purl or CPE"},
		{"wrong type second statement", `{` + ctx + `,"statements":[{"vulnerability":{"name":"CVE-1"},` + prod + `,"status":"fixed"},{"vulnerability":{"name":"CVE-2"},"products":"x","status":"fixed"}]}`,
			"statements[1]", "JSON string where"},
		{"bad statement time", `{` + ctx + `,"statements":[{"vulnerability":{"name":"CVE-1"},` + prod + `,"status":"fixed","timestamp":"soon"}]}`,
			"statements[0]", "parsing time"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeOpenVEX([]byte(tc.doc), "doc.json")
			var ve *Error
			if !errors.As(err, &ve) {
				t.Fatalf("got %v, want *Error", err)
			}
			if ve.Path != tc.path || !strings.Contains(ve.Reason, tc.reason) {
				t.Errorf("got path %q reason %q, want path %q reason containing %q", ve.Path, ve.Reason, tc.path, tc.reason)
			}
		})
	}
}

func TestDecodeOpenVEXLimits(t *testing.T) {
	big := make([]byte, MaxDocumentSize+1)
	if _, err := DecodeOpenVEX(big, "big.json"); err == nil || !strings.Contains(err.Error(), "more than the") {
		t.Errorf("oversized document: %v", err)
	}
	st, err := DecodeOpenVEX([]byte(`{"@context":"https://openvex.dev/ns/v0.2.0","statements":[]}`), "")
	if err != nil || len(st) != 0 {
		t.Errorf("empty document: %v %d", err, len(st))
	}
}

// BenchmarkDecodeOpenVEX decodes the largest OpenVEX fixture (there are no
// OpenVEX files in the shared data).
func BenchmarkDecodeOpenVEX(b *testing.B) {
	data := readTestdata(b, "statuses.openvex.json")
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if st, err := DecodeOpenVEX(data, ""); err != nil || len(st) != 5 {
			b.Fatal(err, len(st))
		}
	}
}
