package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// shared is the project's shared data, beside the repository.
const shared = "../../../../../shared/data"

// embedded is the archive internal/demo embeds.
const embedded = "../../feeds.zip"

func buildShared(t *testing.T) []byte {
	t.Helper()
	if _, err := os.Stat(filepath.Join(shared, csafDir)); err != nil {
		t.Skipf("shared data not available (%v); it sits beside the repository at %s", err, shared)
	}
	b, err := build(shared)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	return b
}

// TestEmbeddedIsGenerated keeps internal/demo/feeds.zip what this program
// makes of the shared data, so neither can drift from the other.
func TestEmbeddedIsGenerated(t *testing.T) {
	got := buildShared(t)
	want, err := os.ReadFile(embedded)
	if err != nil {
		t.Fatal(err)
	}
	gotFiles, wantFiles := unzip(t, got), unzip(t, want)
	for name, data := range gotFiles {
		w, ok := wantFiles[name]
		switch {
		case !ok:
			t.Errorf("%s: missing from %s", name, embedded)
		case !bytes.Equal(data, w):
			t.Errorf("%s: differs from %s", name, embedded)
		}
	}
	for name := range wantFiles {
		if _, ok := gotFiles[name]; !ok {
			t.Errorf("%s: in %s but no longer generated", name, embedded)
		}
	}
	if t.Failed() {
		t.Fatal("regenerate: go run ./internal/demo/internal/mkfeeds -shared ../shared/data -out internal/demo/feeds.zip")
	}
	if !bytes.Equal(got, want) {
		// Same content, other bytes: compress/flate changed in a new Go.
		t.Fatal("same entries, different archive bytes (a new Go's compress/flate?); regenerate feeds.zip")
	}
	if again := buildShared(t); !bytes.Equal(again, got) {
		t.Fatal("two builds differ")
	}
}

func TestArchiveContents(t *testing.T) {
	files := unzip(t, buildShared(t))
	count := map[string]int{}
	for name := range files {
		count[filepath.Dir(name)]++
	}
	want := map[string]int{"feeds/csaf/cisa-icsma": 108, "feeds/kev": 1, "feeds/nvd": 16, "sbom": 1}
	if len(count) != len(want) {
		t.Errorf("directories %v, want %v", count, want)
	}
	for dir, n := range want {
		if count[dir] != n {
			t.Errorf("%s: %d files, want %d", dir, count[dir], n)
		}
	}
	// The advisories and the SBOM are the shared files byte for byte.
	for _, p := range [][2]string{
		{"feeds/csaf/cisa-icsma/icsma-20-170-01.json", "csaf/cisa-icsma/icsma-20-170-01.json"},
		{sbomEntry, sbomFile},
	} {
		orig, err := os.ReadFile(filepath.Join(shared, p[1]))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(files[p[0]], orig) {
			t.Errorf("%s is not %s unchanged", p[0], p[1])
		}
	}
	// KEV keeps the catalog's fields, and the entries naming a CVE of the
	// advisories exactly as the catalog has them.
	var kev, full struct {
		Title           string                       `json:"title"`
		CatalogVersion  string                       `json:"catalogVersion"`
		DateReleased    string                       `json:"dateReleased"`
		Count           int                          `json:"count"`
		Vulnerabilities []map[string]json.RawMessage `json:"vulnerabilities"`
	}
	if err := json.Unmarshal(files["feeds/"+kevFile], &kev); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(shared, kevFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &full); err != nil {
		t.Fatal(err)
	}
	if kev.Title != full.Title || kev.CatalogVersion != "2025.08.25" || kev.DateReleased != full.DateReleased {
		t.Errorf("KEV header %q %q %q, want the catalog's", kev.Title, kev.CatalogVersion, kev.DateReleased)
	}
	if kev.Count != 9 || len(kev.Vulnerabilities) != 9 {
		t.Errorf("KEV count %d with %d entries, want 9", kev.Count, len(kev.Vulnerabilities))
	}
	byID := map[string]map[string]json.RawMessage{}
	for _, e := range full.Vulnerabilities {
		byID[string(e["cveID"])] = e
	}
	for _, e := range kev.Vulnerabilities {
		orig := byID[string(e["cveID"])]
		if len(orig) != len(e) {
			t.Errorf("%s: %d fields, the catalog has %d", e["cveID"], len(e), len(orig))
		}
		for k, v := range e {
			if !bytes.Equal(compact(t, v), compact(t, orig[k])) {
				t.Errorf("%s.%s = %s, the catalog has %s", e["cveID"], k, v, orig[k])
			}
		}
	}
	if _, ok := byID[`"CVE-2017-0143"`]; !ok {
		t.Error("CVE-2017-0143 missing from the reduced catalog")
	}
}

func compact(t *testing.T, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func unzip(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for i, f := range zr.File {
		if i > 0 && zr.File[i-1].Name >= f.Name {
			t.Errorf("%s after %s: entries not sorted", f.Name, zr.File[i-1].Name)
		}
		if !f.Modified.Equal(modified) {
			t.Errorf("%s: time %v, want %v", f.Name, f.Modified, modified)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = data
	}
	return out
}
