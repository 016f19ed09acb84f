package sbom

import (
	"os"
	"path/filepath"
	"testing"
)

// seeds are the hand-written fixtures in testdata/, one per format.
var seeds = []string{"small.cdx.json", "small.cdx.xml", "small.spdx.json", "small.spdx"}

func addSeeds(f *testing.F) {
	for _, name := range seeds {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"library","name":"x","components":[{}]}]}`))
	f.Add([]byte("\xEF\xBB\xBFSPDXVersion: SPDX-2.2\nPackageName: a\nSnippetSPDXID: x\n"))
}

// FuzzDecode checks that no input makes Decode panic or return both a
// document and an error, with and without schema validation, under small
// limits so that the limit paths are exercised too.
func FuzzDecode(f *testing.F) {
	addSeeds(f)
	var s *Schemas
	if _, err := os.Stat(filepath.Join(dataDir, "sbom/schema")); err == nil {
		if s, err = LoadSchemas(os.DirFS(filepath.Join(dataDir, "sbom/schema"))); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, opts := range []Options{
			{Limits: Limits{MaxBytes: 1 << 20, MaxDepth: 16, MaxComponents: 1000}},
			{Limits: Limits{MaxBytes: 1 << 20, MaxDepth: 16, MaxComponents: 1000}, Schemas: s},
		} {
			doc, err := DecodeBytes(b, opts)
			if (doc == nil) == (err == nil) {
				t.Fatalf("doc %v, err %v", doc, err)
			}
			if err != nil {
				if _, ok := err.(*DecodeError); !ok {
					t.Fatalf("error %T %v is not a *DecodeError", err, err)
				}
				continue
			}
			if len(doc.Components) > 1000 {
				t.Fatalf("%d components past the limit", len(doc.Components))
			}
		}
	})
}
