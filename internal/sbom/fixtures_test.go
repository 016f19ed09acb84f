package sbom

import (
	"os"
	"slices"
	"strings"
	"testing"
)

func decodeFixture(t *testing.T, name string) *Document {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := DecodeBytes(b, Options{})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return doc
}

func TestFixtureCycloneDX(t *testing.T) {
	doc := decodeFixture(t, "small.cdx.json")
	if doc.Root == nil || doc.Root.Ref != "component-metadata" || !doc.Root.Synthetic || doc.Name != "infusion-pump" || doc.Version != "4.2" {
		t.Fatalf("root %+v", doc.Root)
	}
	if len(doc.Components) != 2 {
		t.Fatalf("%d components", len(doc.Components))
	}
	fw, lib := doc.Components[0], doc.Components[1]
	if fw.Ref != "fw" || fw.LevelOfSupport != "Actively maintained" || fw.EndOfSupport != "2030-12-31" || fw.Type != "firmware" {
		t.Errorf("firmware %+v", fw)
	}
	if lib.Ref != "component-0.0" || lib.Parent != "fw" || !lib.Synthetic || lib.Hashes[0] != (Hash{"SHA-1", "e6b1000b94e835ffd37f4c6dcbdad43f4b48a02a"}) {
		t.Errorf("nested library %+v", lib)
	}
	if doc.Created.Format("2006-01-02") != "2024-05-01" || doc.SerialNumber == "" {
		t.Errorf("created %v serial %q", doc.Created, doc.SerialNumber)
	}
	// Only the schema warning: the end-of-support date is well-formed.
	if len(doc.Warnings) != 1 {
		t.Errorf("warnings %q", doc.Warnings)
	}
}

func TestFixtureCycloneDXXML(t *testing.T) {
	doc := decodeFixture(t, "small.cdx.xml")
	if doc.Format != CycloneDXXML || doc.SpecVersion != "1.4" || len(doc.Components) != 1 {
		t.Fatalf("%+v", doc)
	}
	c := doc.Components[0]
	if c.Group != "github.com/BurntSushi" || c.PURL != "pkg:golang/github.com/BurntSushi/toml@v1.3.2" || !slices.Equal(c.Licenses, []string{"MIT"}) {
		t.Errorf("%+v", c)
	}
	if _, ok := doc.Dependencies["a"]; !ok {
		t.Errorf("dependencies %v", doc.Dependencies)
	}
}

func TestFixtureSPDXJSON(t *testing.T) {
	doc := decodeFixture(t, "small.spdx.json")
	if doc.Root == nil || doc.Root.Ref != "SPDXRef-pump" || doc.Root.Type != "device" || doc.Root.Supplier != "Acme" {
		t.Fatalf("root %+v", doc.Root)
	}
	c := doc.Components[0]
	if c.Ref != "SPDXRef-lib" || c.PURL != "pkg:generic/zlib@1.3.1" || c.Type != "library" ||
		!slices.Equal(c.CPEs, []string{"cpe:2.3:a:zlib:zlib:1.3.1:*:*:*:*:*:*:*"}) {
		t.Errorf("%+v", c)
	}
	if !slices.Equal(doc.Dependencies["SPDXRef-pump"], []string{"SPDXRef-lib"}) {
		t.Errorf("dependencies %v", doc.Dependencies)
	}
	w := strings.Join(doc.Warnings, "\n")
	for _, s := range []string{"trailing data", `supplier "Acme" has no`, `2 element ids lacked the SPDXRef- prefix and were prefixed (first: "lib")`} {
		if !strings.Contains(w, s) {
			t.Errorf("no warning %q in %q", s, doc.Warnings)
		}
	}
}

func TestFixtureTagValue(t *testing.T) {
	doc := decodeFixture(t, "small.spdx")
	if doc.Root == nil || doc.Root.Ref != "SPDXRef-zlib" || doc.Root.Supplier != "Zlib Project" || doc.Root.PURL != "pkg:generic/zlib@1.3.1" {
		t.Fatalf("root %+v", doc.Root)
	}
	want := []string{
		"CRLF line endings normalised to LF",
		`line 12: PackageSupplier "Zlib Project" has no "Organization:"/"Person:" prefix; read as an organization`,
		"line 19: snippet s1 follows a package with no file section; snippet not read",
		`2 element ids lacked the SPDXRef- prefix and were prefixed (first: "zlib")`,
	}
	if !slices.Equal(doc.Warnings, want) {
		t.Errorf("warnings\n%q\nwant\n%q", doc.Warnings, want)
	}
}
