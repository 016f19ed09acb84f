package sbom

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestSniff(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Format
		err  string
	}{
		{"cyclonedx json with BOM and whitespace", "\xEF\xBB\xBF \n\t{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\"}", CycloneDXJSON, ""},
		{"cyclonedx json key after large value", `{"metadata":{"a":[1,2,{"b":"}"}]},"bomFormat":"CycloneDX"}`, CycloneDXJSON, ""},
		{"spdx json", `{"SPDXID":"SPDXRef-DOCUMENT","spdxVersion":"SPDX-2.3"}`, SPDXJSON, ""},
		{"spdx 3", `{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld","@graph":[]}`, "", "SPDX 3 is detected but not supported"},
		{"json neither", `{"foo":1}`, "", "neither CycloneDX"},
		{"cyclonedx without bomFormat", `{"specVersion":"1.5","components":[]}`, "", "bomFormat"},
		{"tag-value", "SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\n", SPDXTagValue, ""},
		{"tag-value after comment", "# generated\n\nSPDXVersion: SPDX-2.2\n", SPDXTagValue, ""},
		{"cyclonedx xml", `<?xml version="1.0"?><!-- c --><bom xmlns="http://cyclonedx.org/schema/bom/1.4" version="1"/>`, CycloneDXXML, ""},
		{"cyclonedx xml prefixed", `<cdx:bom xmlns:cdx="http://cyclonedx.org/schema/bom/1.6"/>`, CycloneDXXML, ""},
		{"bom in other namespace", `<bom xmlns="http://example.com/bom"/>`, "", `unknown namespace "http://example.com/bom"`},
		{"spdx rdf", `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>`, "", "SPDX XML or RDF/XML is detected but not supported"},
		{"other xml", `<html/>`, "", `root element "html"`},
		{"yaml spdx", "---\nSPDXID: x\nspdxVersion: SPDX-2.3\n", "", "SPDX YAML is detected but not supported"},
		{"garbage", "\x00\x01hello", "", `unrecognised content starting "\x00\x01hello"`},
		{"empty", " \n", "", "empty document"},
		{"broken json", `{"bomFormat"`, "", "JSON document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Sniff([]byte(tt.in))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Sniff = %q, %v; want error containing %q", got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Sniff = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// Tag-value content is recognised by content even when the file is named
// .json, as the format must never be taken from the name.
func TestSniffTagValueNamedJSON(t *testing.T) {
	p := filepath.Join(t.TempDir(), "julia.spdx.json")
	if err := os.WriteFile(p, readData(t, "sbom/spdx/in-the-wild/julia.spdx"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := Decode(f, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if doc.Format != SPDXTagValue || len(doc.Components) != 33 {
		t.Fatalf("format %s, %d components; want tag-value, 33", doc.Format, len(doc.Components))
	}
}

func TestCycloneDXSpecTests(t *testing.T) {
	s := testSchemas(t)
	var invalidXMLAccepted []string
	invalidXML := 0
	counts := map[string]int{}
	for _, rel := range files(t, "sbom/cyclonedx/spec-tests", hasSuffix(".json", ".xml")) {
		base := filepath.Base(rel)
		doc, err := DecodeBytes(readData(t, rel), Options{Schemas: s})
		switch {
		case strings.HasPrefix(base, "valid-"):
			counts["valid"]++
			if err != nil {
				t.Errorf("%s: %v", rel, err)
			}
		case strings.HasPrefix(base, "invalid-") && strings.HasSuffix(base, ".json"):
			counts["invalid-json"]++
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Errorf("%s: accepted (or not a DecodeError: %v)", rel, err)
				continue
			}
			if de.Path == "" || de.Msg == "" {
				t.Errorf("%s: error names no location: %v", rel, err)
			}
		case strings.HasPrefix(base, "invalid-"):
			invalidXML++
			if err == nil {
				invalidXMLAccepted = append(invalidXMLAccepted, strings.TrimPrefix(rel, "sbom/cyclonedx/spec-tests/"))
				_ = doc
				continue
			}
			var de *DecodeError
			if !errors.As(err, &de) || de.Path == "" {
				t.Errorf("%s: error names no location: %v", rel, err)
			}
		}
	}
	if counts["valid"] != 226 || counts["invalid-json"] != 69 || invalidXML != 75 {
		t.Errorf("found %d valid, %d invalid JSON, %d invalid XML files; want 226, 69, 75", counts["valid"], counts["invalid-json"], invalidXML)
	}
	// Known gaps of the cgo-free XML checks (see docs/sbom.md): the decoder
	// keeps only one of duplicated license <id>/<name> elements, does not
	// read 1.4/1.5-style service data, and the 1.4 JSON schema allows the
	// license mix.
	wantGaps := []string{
		"1.4/invalid-license-choice-1.4.xml",
		"1.4/invalid-license-id-count-1.4.xml",
		"1.4/invalid-license-name-count-1.4.xml",
		"1.4/invalid-service-data-1.4.xml",
		"1.5/invalid-license-id-count-1.5.xml",
		"1.5/invalid-license-name-count-1.5.xml",
		"1.5/invalid-service-data-1.5.xml",
		"1.6/invalid-license-id-count-1.6.xml",
		"1.6/invalid-license-name-count-1.6.xml",
		"1.6/invalid-service-data-1.6.xml",
	}
	if !slices.Equal(invalidXMLAccepted, wantGaps) {
		t.Errorf("invalid XML accepted:\n%s\nwant:\n%s", strings.Join(invalidXMLAccepted, "\n"), strings.Join(wantGaps, "\n"))
	}
	t.Logf("invalid XML rejected: %d of %d", invalidXML-len(invalidXMLAccepted), invalidXML)
}

func TestCycloneDXInvalidErrors(t *testing.T) {
	s := testSchemas(t)
	tests := []struct{ file, want string }{
		{"1.6/invalid-hash-md5-1.6.json", "cyclonedx-json: /components/0/hashes/0/content: 'foo' does not match pattern"},
		{"1.5/invalid-bomformat-1.5.json", `cyclonedx-json: /bomFormat: must be "CycloneDX", got "AnotherFormat"`},
		{"1.6/invalid-namespace-1.6.xml", `cyclonedx-xml: /bom: unknown CycloneDX namespace "http://cyclonedx.org/schema/bom/12"`},
		{"1.6/invalid-component-type-1.6.xml", `cyclonedx-xml: /bom/components/component[1]/@type: "foo" is not a component type`},
		{"1.6/invalid-missing-component-type-1.6.xml", "cyclonedx-xml: /bom/components/component[1]/@type: component type is missing"},
		{"1.6/invalid-component-ref-1.6.xml", `bom-ref "123" is not unique`},
		{"1.6/invalid-component-swid-1.6.xml", "/bom/components/component[1]/swid: swid tagId is missing"},
		{"1.6/invalid-properties-1.6.xml", "/bom/metadata/properties/property[1]: property name is missing"},
		{"1.4/invalid-dependency-1.4.xml", "/bom/dependencies/dependency[1]: dependency ref is missing"},
		{"1.6/invalid-hash-sha1-1.6.xml", "cyclonedx-xml: /components/0/hashes/1/content: 'foo' does not match pattern"},
	}
	for _, tt := range tests {
		_, err := DecodeBytes(readData(t, "sbom/cyclonedx/spec-tests/"+tt.file), Options{Schemas: s})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v; want it to contain %q", tt.file, err, tt.want)
		}
	}
}

func TestAttestation(t *testing.T) {
	s := testSchemas(t)
	for _, name := range []string{"valid-attestation-1.6.json", "valid-attestation-1.6.xml"} {
		doc, err := DecodeBytes(readData(t, "sbom/cyclonedx/spec-tests/1.6/"+name), Options{Schemas: s})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(doc.Warnings) != 1 || !strings.HasPrefix(doc.Warnings[0], "declarations (attestations)") {
			t.Errorf("%s: warnings %q", name, doc.Warnings)
		}
		if doc.CycloneDX == nil || doc.CycloneDX.SpecVersion.String() != "1.6" {
			t.Errorf("%s: no decoded BOM", name)
		}
	}
}

func TestBOMExamples(t *testing.T) {
	s := testSchemas(t)
	want := map[string]int{ // components, nested flattened, root excluded
		"SBOM/dropwizard-1.3.15/bom.json":                      167,
		"SBOM/dropwizard-1.3.15/bom.xml":                       167,
		"SBOM/cern-lhc-vdm-editor-e564943/bom.xml":             43,
		"SBOM/laravel-7.12.0/bom.1.1.xml":                      62,
		"SBOM/proton-bridge/proton-bridge-v1.6.3.bom.xml":      201,
		"HBOM/PCIe-SATA-adapter-board/bom.json":                6,
		"SaaSBOM/apigateway-microservices-datastores/bom.json": 0,
	}
	n := 0
	for _, rel := range files(t, "sbom/cyclonedx/bom-examples", hasSuffix(".json", ".xml")) {
		n++
		doc, err := DecodeBytes(readData(t, rel), Options{Schemas: s})
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		if len(doc.Warnings) != 0 {
			t.Errorf("%s: warnings %q", rel, doc.Warnings)
		}
		if w, ok := want[strings.TrimPrefix(rel, "sbom/cyclonedx/bom-examples/")]; ok && len(doc.Components) != w {
			t.Errorf("%s: %d components, want %d", rel, len(doc.Components), w)
		}
	}
	if n != 30 {
		t.Errorf("decoded %d example BOMs, want 30", n)
	}
}

func TestMedicalDevice(t *testing.T) {
	doc, err := DecodeBytes(readData(t, "sbom/medical-device/case-study-narrow.sbom.json"), Options{Schemas: testSchemas(t)})
	if err != nil {
		t.Fatal(err)
	}
	var cpes, purls, los, eos int
	types := map[string]int{}
	for _, c := range doc.Components {
		cpes += len(c.CPEs)
		if c.PURL != "" {
			purls++
		}
		if c.LevelOfSupport != "" {
			los++
		}
		if c.EndOfSupport != "" {
			eos++
		}
		types[c.Type]++
	}
	if len(doc.Components) != 55 || cpes != 55 || purls != 55 || los != 55 || eos != 55 {
		t.Errorf("components %d, CPEs %d, purls %d, level of support %d, end of support %d; want 55 each",
			len(doc.Components), cpes, purls, los, eos)
	}
	if types["library"] != 51 || types["firmware"] != 3 || types["device"] != 1 {
		t.Errorf("types %v", types)
	}
	c := doc.Components[0]
	if c.Ref != "BomRef.060212624171178786.9840956843888784" || c.Name != "Qualcomm Atheros QCA9563" ||
		c.Type != "device" || c.Supplier != "Qualcomm" || c.PURL != "pkg:generic/qualcomm_atheros_qca9563" ||
		!slices.Equal(c.CPEs, []string{"cpe:2.3:h:qualcomm:atheros_qca9563:*:*:*:*:*:*:*:*"}) ||
		c.LevelOfSupport != "Actively maintained" || c.EndOfSupport != "Until hardware support ends" ||
		!slices.Equal(c.Licenses, []string{"Qualcomm"}) {
		t.Errorf("first component %+v", c)
	}
	// None of the end-of-support values is a date: each is reported.
	if len(doc.Warnings) != 55 || !strings.Contains(doc.Warnings[0], `end-of-support "Until hardware support ends" is not a YYYY-MM-DD date`) {
		t.Errorf("%d warnings, first %q", len(doc.Warnings), doc.Warnings[0])
	}
	if doc.SpecVersion != "1.4" || doc.Root == nil || len(doc.Dependencies) != 56 {
		t.Errorf("spec %s, root %v, %d dependency entries", doc.SpecVersion, doc.Root, len(doc.Dependencies))
	}
}

func TestFDAPropertyNames(t *testing.T) {
	for name, want := range map[string]fdaKind{
		"Level of Support": fdaLevelOfSupport, "level-of-support": fdaLevelOfSupport,
		"fda:levelOfSupport": fdaLevelOfSupport, "LEVEL_OF_SUPPORT": fdaLevelOfSupport,
		"End-of-Support": fdaEndOfSupport, "end of support date": fdaEndOfSupport,
		"eos": fdaEndOfSupport, "acme:fda:EndOfSupport": fdaEndOfSupport,
		"support": fdaNone, "end of life": fdaNone,
	} {
		if got := fdaField(name); got != want {
			t.Errorf("fdaField(%q) = %d, want %d", name, got, want)
		}
	}
}

type triple struct{ name, version, purl string }

func TestGo1xSameTriples(t *testing.T) {
	s := testSchemas(t)
	var sets []map[triple]bool
	for _, rel := range []string{"match/go-1x.cdx.json", "match/go-1x.cdx.xml", "match/go-1x.spdx.json"} {
		doc, err := DecodeBytes(readData(t, rel), Options{Schemas: s})
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		set := map[triple]bool{}
		for _, c := range doc.Components {
			set[triple{c.Name, c.Version, c.PURL}] = true
		}
		if len(doc.Components) != 1530 || len(set) != 1530 {
			t.Errorf("%s: %d components, %d distinct triples; want 1530", rel, len(doc.Components), len(set))
		}
		if !set[triple{"github.com/BurntSushi/toml", "v1.3.2", "pkg:golang/github.com/BurntSushi/toml@v1.3.2"}] {
			t.Errorf("%s: mixed-case module github.com/BurntSushi/toml v1.3.2 not found as written", rel)
		}
		sets = append(sets, set)
	}
	for i := 1; i < len(sets); i++ {
		for k := range sets[0] {
			if !sets[i][k] {
				t.Errorf("file %d lacks %v", i, k)
				break
			}
		}
	}
}

func TestSPDXFiles(t *testing.T) {
	s := testSchemas(t)
	type want struct {
		comps    int
		root     bool
		warnings []string // substrings, in order
		err      string
	}
	spdx3 := want{err: "SPDX 3 is detected but not supported"}
	tests := map[string]want{
		"in-the-wild/cbor-sbom.spdx":                                                {comps: 1, warnings: []string{"CRLF line endings normalised", "CR-only line endings normalised"}},
		"in-the-wild/flux_0.26.3_sbom.spdx":                                         {comps: 244, warnings: []string{`491 element ids lacked the SPDXRef- prefix and were prefixed (first: "9f409848978b63e8")`}},
		"in-the-wild/flux_0.26.3_sbom.spdx.json":                                    {err: "spdx-json: /files/485: missing property 'checksums'"},
		"in-the-wild/julia.spdx":                                                    {comps: 33, root: true},
		"in-the-wild/julia.spdx.json":                                               {comps: 33, root: true},
		"in-the-wild/microsoft-sbom-tool.spdx.json":                                 {comps: 122, root: true},
		"in-the-wild/missionlz.spdx.json":                                           {comps: 1, root: true, warnings: []string{`supplier "Microsoft/GitHub" has no "Organization:"/"Person:" prefix; read as an organization`}},
		"in-the-wild/mqtt-client-sbom.spdx":                                         {comps: 1},
		"in-the-wild/powershell-2.2.6.spdx.json":                                    {comps: 96, root: true, warnings: []string{`36 bytes of trailing data after the JSON document ignored (starting "Contact UsTerms of UsePr")`}},
		"in-the-wild/usbutils.spdx":                                                 {},
		"spec-examples/SPDXJSONExample-v2.3.spdx.json":                              {comps: 4},
		"spec-examples/SPDXTagExample-v2.3.spdx":                                    {comps: 4, warnings: []string{"line 204: snippet SPDXRef-Snippet follows a package with no file section; snippet not read"}},
		"spec-examples/SPDXXMLExample-v2.3.spdx.xml":                                {err: "SPDX XML or RDF/XML is detected but not supported"},
		"spec-examples/SPDXYAMLExample-2.3.spdx.yaml":                               {err: "SPDX YAML is detected but not supported"},
		"spdx-examples/example6/spdx2.2/example6-lib.spdx":                          {comps: 4, root: true},
		"spdx-examples/example7/spdx2.2/example7-third-party-modules.spdx.json":     {comps: 3},
		"spdx-examples/presentations/SBOMS-SPDX-Now-and-Future/ACME-v2.3.spdx.json": {comps: 3, root: true},
	}
	seen := 0
	for _, rel := range files(t, "sbom/spdx", func(string) bool { return true }) {
		key := strings.TrimPrefix(rel, "sbom/spdx/")
		w, ok := tests[key]
		switch {
		case ok:
			seen++
		case strings.Contains(key, "/spdx3.0/"):
			w = spdx3
		default:
			w = want{comps: -1, root: true} // accepted, no warnings
		}
		doc, err := DecodeBytes(readData(t, rel), Options{Schemas: s})
		if w.err != "" {
			if err == nil || !strings.Contains(err.Error(), w.err) {
				t.Errorf("%s: error %v; want %q", key, err, w.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", key, err)
			continue
		}
		if w.comps >= 0 && (len(doc.Components) != w.comps || (doc.Root != nil) != w.root) {
			t.Errorf("%s: %d components, root %v; want %d, %v", key, len(doc.Components), doc.Root != nil, w.comps, w.root)
		}
		if len(doc.Warnings) != len(w.warnings) {
			t.Errorf("%s: warnings %q; want %q", key, doc.Warnings, w.warnings)
			continue
		}
		for i := range w.warnings {
			if !strings.Contains(doc.Warnings[i], w.warnings[i]) {
				t.Errorf("%s: warning %q; want %q", key, doc.Warnings[i], w.warnings[i])
			}
		}
	}
	if seen != len(tests) {
		t.Errorf("only %d of %d expected files found", seen, len(tests))
	}
}

// Without schemas, Flux JSON is readable after the id repairs; its
// remaining non-conformity (a file without checksums) is a schema matter.
func TestFluxJSONWithoutSchemas(t *testing.T) {
	doc, err := DecodeBytes(readData(t, "sbom/spdx/in-the-wild/flux_0.26.3_sbom.spdx.json"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Components) != 244 || doc.SpecVersion != "SPDX-2.2" {
		t.Errorf("%d components, version %s", len(doc.Components), doc.SpecVersion)
	}
	joined := strings.Join(doc.Warnings, "\n")
	for _, w := range []string{"element ids lacked the SPDXRef- prefix", "checksum algorithm names were not upper case", "JSON-schema validation skipped"} {
		if !strings.Contains(joined, w) {
			t.Errorf("no warning %q in %q", w, doc.Warnings)
		}
	}
}

// The library rewrites every version to SPDX-2.3; the document's own
// version is kept.
func TestSPDXVersionAsWritten(t *testing.T) {
	for rel, want := range map[string]string{
		"sbom/spdx/in-the-wild/usbutils.spdx":                             "SPDX-2.1",
		"sbom/spdx/spdx-examples/example1/spdx2.2/example1.spdx":          "SPDX-2.2",
		"sbom/spdx/spec-examples/SPDXJSONExample-v2.3.spdx.json":          "SPDX-2.3",
		"sbom/spdx/spdx-examples/example7/spdx2.2/example7-bin.spdx.json": "SPDX-2.2",
	} {
		doc, err := DecodeBytes(readData(t, rel), Options{})
		if err != nil || doc.SpecVersion != want {
			t.Errorf("%s: %v, version %v; want %s", rel, err, doc, want)
		}
	}
}

func TestSPDXMapping(t *testing.T) {
	doc, err := DecodeBytes(readData(t, "sbom/spdx/spec-examples/SPDXJSONExample-v2.3.spdx.json"), Options{Schemas: testSchemas(t)})
	if err != nil {
		t.Fatal(err)
	}
	var p *Component
	for i := range doc.Components {
		if doc.Components[i].Ref == "SPDXRef-Package" {
			p = &doc.Components[i]
		}
	}
	if p == nil {
		t.Fatal("SPDXRef-Package not found")
	}
	if p.Name != "glibc" || p.Version != "2.11.1" || p.Supplier != "Jane Doe (jane.doe@example.com)" ||
		p.PURL != "" || !slices.Equal(p.CPEs, []string{"cpe:2.3:a:pivotal_software:spring_framework:4.1.0:*:*:*:*:*:*:*"}) ||
		len(p.Hashes) != 4 || p.Type != "source" {
		t.Errorf("package %+v", *p)
	}
	if doc.SerialNumber != "http://spdx.org/spdxdocs/spdx-example-444504E0-4F89-41D3-9A0C-0305E82C3301" || doc.Created.IsZero() {
		t.Errorf("serial %q created %v", doc.SerialNumber, doc.Created)
	}
}

func TestLimits(t *testing.T) {
	small := []byte(`{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"components":[{"type":"library","name":"a"},{"type":"library","name":"b"}]}`)
	if _, err := DecodeBytes(small, Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := DecodeBytes(small, Options{Limits: Limits{MaxBytes: 50}}); err == nil || !strings.Contains(err.Error(), "size limit of 50 bytes") {
		t.Errorf("oversize: %v", err)
	}
	if _, err := Decode(bytes.NewReader(small), Options{Limits: Limits{MaxBytes: int64(len(small) - 1)}}); err == nil || !strings.Contains(err.Error(), "size limit") {
		t.Errorf("oversize reader: %v", err)
	}
	if _, err := DecodeBytes(small, Options{Limits: Limits{MaxComponents: 1}}); err == nil || !strings.Contains(err.Error(), "/components/1: more than 1 components") {
		t.Errorf("too many components: %v", err)
	}
	deep := `{"bomFormat":"CycloneDX","specVersion":"1.5","x":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`
	if _, err := DecodeBytes([]byte(deep), Options{}); err == nil || !strings.Contains(err.Error(), "nesting deeper than 32 levels") {
		t.Errorf("deep JSON: %v", err)
	}
	nested := `{"type":"library","name":"leaf"}`
	for range 5 {
		nested = `{"type":"library","name":"n","components":[` + nested + `]}`
	}
	nb := []byte(`{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"components":[` + nested + `]}`)
	doc, err := DecodeBytes(nb, Options{})
	if err != nil || len(doc.Components) != 6 || doc.Components[5].Ref != "component-0.0.0.0.0.0" || doc.Components[5].Parent != "component-0.0.0.0.0" {
		t.Fatalf("nested: %v %+v", err, doc)
	}
	if _, err := DecodeBytes(nb, Options{Limits: Limits{MaxDepth: 3}}); err == nil || !strings.Contains(err.Error(), "nest") {
		t.Errorf("deep components: %v", err)
	}
	x := `<bom xmlns="http://cyclonedx.org/schema/bom/1.5" version="1"><components>` + strings.Repeat(`<component type="library"><name>x</name><components>`, 20) +
		strings.Repeat(`</components></component>`, 20) + `</components></bom>`
	if _, err := DecodeBytes([]byte(x), Options{}); err == nil || !strings.Contains(err.Error(), "cyclonedx-xml: line 1: nesting deeper than 32 levels") {
		t.Errorf("deep XML: %v", err)
	}
	tv := "SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\nSPDXID: SPDXRef-DOCUMENT\nDocumentName: x\nDocumentNamespace: http://x\nCreator: Tool: t\nCreated: 2024-01-01T00:00:00Z\n" +
		strings.Repeat("PackageName: p\nSPDXID: SPDXRef-p\nPackageDownloadLocation: NOASSERTION\n", 3)
	if _, err := DecodeBytes([]byte(tv), Options{Limits: Limits{MaxComponents: 2}}); err == nil || !strings.Contains(err.Error(), "more than 2 packages") {
		t.Errorf("tag-value packages: %v", err)
	}
}

func TestSchemaErrorsAreSpecific(t *testing.T) {
	in := `{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"serialNumber":"x","components":[{"type":"library","name":"a","hashes":[{"alg":"MD5","content":"zz"}]}]}`
	_, err := DecodeBytes([]byte(in), Options{Schemas: testSchemas(t)})
	var de *DecodeError
	if !errors.As(err, &de) || de.Path != "/components/0/hashes/0/content" || !strings.Contains(de.Msg, "/serialNumber: 'x' does not match pattern") {
		t.Fatalf("got %v", err)
	}
}

func TestMissingSchemasWarn(t *testing.T) {
	doc, err := DecodeBytes([]byte(`{"bomFormat":"CycloneDX","specVersion":"1.4","version":1}`), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(doc.Warnings, []string{"JSON-schema validation skipped: no schemas loaded"}) {
		t.Errorf("warnings %q", doc.Warnings)
	}
	if _, err := LoadSchemas(os.DirFS(t.TempDir())); err == nil {
		t.Error("LoadSchemas on an empty directory succeeded")
	}
}

func ExampleDecodeBytes() {
	doc, err := DecodeBytes([]byte(`{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,
		"components":[{"type":"library","name":"toml","group":"github.com/BurntSushi","version":"v1.3.2",
		"purl":"pkg:golang/github.com/BurntSushi/toml@v1.3.2"}]}`), Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	c := doc.Components[0]
	fmt.Println(doc.Format, doc.SpecVersion, c.Ref, c.Synthetic, c.PURL)
	// Output: cyclonedx-json 1.5 component-0 true pkg:golang/github.com/BurntSushi/toml@v1.3.2
}
