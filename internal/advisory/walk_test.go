package advisory

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// walkKinds walks and counts entries by kind.
func walkKinds(t *testing.T, fsys fs.FS, root string, lim Limits) (map[Kind]int, []Entry, []Problem) {
	t.Helper()
	kinds := map[Kind]int{}
	var entries []Entry
	skipped, err := Walk(context.Background(), fsys, root, lim, func(e Entry) error {
		kinds[e.Kind]++
		entries = append(entries, e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return kinds, entries, skipped
}

func TestWalkSharedFeeds(t *testing.T) {
	cases := []struct {
		dir     string
		kind    Kind
		n       int
		skipped int
	}{
		{"csaf/cisa-icsma", KindCSAF, 108, 0}, // 108 .asc and 108 .sha512 passed over silently
		{"nvd", KindNVD, 16, 0},
		{"osv/go", KindOSV, 1650, 0},
		{"osv/psf", KindOSV, 95, 0},
	}
	for _, c := range cases {
		t.Run(c.dir, func(t *testing.T) {
			dir, _ := sharedFS(t, c.dir)
			kinds, entries, skipped := walkKinds(t, os.DirFS(dir), ".", Limits{})
			if kinds[c.kind] != c.n || len(kinds) != 1 || len(skipped) != c.skipped {
				t.Fatalf("kinds %v, skipped %v", kinds, skipped)
			}
			for i := 1; i < len(entries); i++ {
				if entries[i-1].Path >= entries[i].Path {
					t.Fatalf("not in lexical order: %s, %s", entries[i-1].Path, entries[i].Path)
				}
			}
		})
	}
}

func TestWalkKEV(t *testing.T) {
	dir, _ := sharedFS(t, "kev")
	_, entries, skipped := walkKinds(t, os.DirFS(dir), ".", Limits{})
	if len(entries) != 2 || entries[0].Path != "known_exploited_vulnerabilities.csv" || entries[0].Kind != KindKEV ||
		entries[1].Path != "known_exploited_vulnerabilities.json" || entries[1].Kind != KindKEV {
		t.Errorf("entries %+v", entries)
	}
	// The JSON schema names catalogVersion and vulnerabilities too, but
	// as properties, not at the top level.
	if len(skipped) != 1 || skipped[0] != (Problem{"known_exploited_vulnerabilities_schema.json", "not an advisory document"}) {
		t.Errorf("skipped %+v", skipped)
	}
	// A single file as root.
	kinds, entries, _ := walkKinds(t, os.DirFS(dir), "known_exploited_vulnerabilities.json", Limits{})
	if kinds[KindKEV] != 1 || entries[0].Path != "known_exploited_vulnerabilities.json" {
		t.Errorf("single file: %v", entries)
	}
}

func TestWalkVulndbZip(t *testing.T) {
	dir, _ := sharedFS(t, "match")
	zr, err := zip.OpenReader(filepath.Join(dir, "vulndb-go-a752ea54.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	kinds, _, skipped := walkKinds(t, zr, ".", Limits{})
	if kinds[KindOSV] != 4291 || len(kinds) != 1 || len(skipped) != 0 {
		t.Fatalf("kinds %v, skipped %v", kinds, skipped)
	}
	// The same zip as a file in a directory is opened as an archive.
	kinds, entries, _ := walkKinds(t, os.DirFS(dir), "vulndb-go-a752ea54.zip", Limits{})
	if kinds[KindOSV] != 4291 || entries[0].Path != "vulndb-go-a752ea54.zip/GO-2020-0001.json" {
		t.Fatalf("kinds %v, first %v", kinds, entries[0])
	}
}

// deflate compresses b.
func deflate(t *testing.T, b []byte) []byte {
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestCompression)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

type zipEntry struct {
	name string
	data []byte
	lie  uint64 // when set, the declared uncompressed size
}

func makeZip(t *testing.T, entries ...zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		if e.lie == 0 {
			w, err := zw.Create(e.name)
			if err != nil {
				t.Fatal(err)
			}
			w.Write(e.data)
			continue
		}
		comp := deflate(t, e.data)
		w, err := zw.CreateRaw(&zip.FileHeader{Name: e.name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(e.data),
			CompressedSize64: uint64(len(comp)), UncompressedSize64: e.lie})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(comp)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const tinyOSV = `{"schema_version": "1.6.0", "id": "GO-2099-0001", "modified": "2099-01-01T00:00:00Z",
	"affected": [{"package": {"ecosystem": "Go", "name": "example.com/m"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]}]}`

func TestWalkGeneratedArchive(t *testing.T) {
	nvd := `{"id": "CVE-2099-0001", "sourceIdentifier": "x", "descriptions": []}`
	inner := makeZip(t, zipEntry{name: "deep.json", data: []byte(tinyOSV)})
	big := bytes.Repeat([]byte(" "), 5000)
	feed := makeZip(t,
		zipEntry{name: "x/osv.json", data: []byte(tinyOSV)},
		zipEntry{name: "x/osv.json.sha256", data: []byte("abc")},
		zipEntry{name: "inner.zip", data: inner},
		zipEntry{name: "big.json", data: big},
		// Declares 100 bytes, inflates to 5000: a small zip bomb.
		zipEntry{name: "bomb.json", data: big, lie: 100},
	)
	fsys := fstest.MapFS{
		"a/nvd.json":     {Data: []byte(nvd)},
		"a/nvd.json.asc": {Data: []byte("sig")},
		"b/feed.zip":     {Data: feed},
		"b/broken.zip":   {Data: []byte("PK not really")},
		"README.md":      {Data: []byte("# feeds\n")},
		"huge.json":      {Data: bytes.Repeat([]byte("{}"), 3000)},
	}
	_, entries, skipped := walkKinds(t, fsys, ".", Limits{MaxFileBytes: 4096})
	want := []Entry{{"a/nvd.json", KindNVD, nil}, {"b/feed.zip/x/osv.json", KindOSV, nil}}
	if len(entries) != len(want) || entries[0].Path != want[0].Path || entries[0].Kind != want[0].Kind ||
		entries[1].Path != want[1].Path || entries[1].Kind != want[1].Kind {
		t.Errorf("entries %+v", entries)
	} else if string(entries[1].Data) != tinyOSV || string(entries[0].Data) != nvd {
		t.Errorf("entry data %q", entries[1].Data)
	}
	wantSkipped := map[string]string{
		"README.md":            "not an advisory document",
		"b/broken.zip":         "not a readable zip archive",
		"b/feed.zip/big.json":  "larger than 4096 bytes",
		"b/feed.zip/bomb.json": "", // archive/zip's "not a valid zip file" or our size check
		"b/feed.zip/inner.zip": "archive inside an archive",
		"huge.json":            "larger than 4096 bytes",
	}
	if len(skipped) != len(wantSkipped) {
		t.Errorf("skipped %+v", skipped)
	}
	for _, p := range skipped {
		w, ok := wantSkipped[p.Path]
		t.Logf("skipped %s: %s", p.Path, p.Reason)
		if !ok || !strings.Contains(p.Reason, w) {
			t.Errorf("skipped %s: %q, want %q", p.Path, p.Reason, w)
		}
	}
}

func TestWalkLimitsAndErrors(t *testing.T) {
	dir, _ := sharedFS(t, "nvd")
	n := 0
	_, err := Walk(context.Background(), os.DirFS(dir), ".", Limits{MaxFiles: 3}, func(Entry) error { n++; return nil })
	// Files are counted while listing, before any is read: a feed over the
	// limit is refused before fn sees any of it.
	if !errors.Is(err, ErrLimit) || n != 0 {
		t.Errorf("MaxFiles: err %v after %d entries, want the limit before any", err, n)
	}
	n = 0
	_, err = Walk(context.Background(), os.DirFS(dir), ".", Limits{MaxTotalBytes: 20000}, func(Entry) error { n++; return nil })
	if !errors.Is(err, ErrLimit) || n == 0 || n >= 16 {
		t.Errorf("MaxTotalBytes: err %v after %d entries", err, n)
	}
	stop := errors.New("stop here")
	_, err = Walk(context.Background(), os.DirFS(dir), ".", Limits{}, func(Entry) error { return stop })
	if !errors.Is(err, stop) {
		t.Errorf("fn's error: %v", err)
	}
	_, err = Walk(context.Background(), os.DirFS(dir), "no-such-dir", Limits{}, func(Entry) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "walk no-such-dir") {
		t.Errorf("missing root: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err = Walk(ctx, os.DirFS(dir), ".", Limits{}, func(Entry) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestSniffKind(t *testing.T) {
	cases := []struct {
		name, head string
		want       Kind
	}{
		{"a.json", tinyOSV, KindOSV},
		{"a.json", `{"modified": "2024-01-01T00:00:00Z", "aliases": [], "id": "GHSA-1"}`, KindOSV},
		{"a.json", `{"affected":[{"package":{"name":"x"}}],"details":"d","id":"PYSEC-1"}`, KindOSV},
		{"a.json", `{"id": "x", "name": "y"}`, KindUnknown},
		{"a.json", `{"vulnerabilities": [{"cve": {"id": "CVE-2020-0001"}}], "resultsPerPage": 1}`, KindNVD},
		{"a.json", `{"configurations": [], "id": "CVE-2020-0001"}`, KindNVD},
		{"a.json", `{"cve": {"id": "CVE-2020-0001"}}`, KindNVD},
		{"a.json", `{"vulnerabilities": [], "count": 0, "catalogVersion": "2025.01.01"}`, KindKEV},
		{"a.json", `{"product_tree": {}, "document": {"category": "csaf_vex", "csaf_version": "2.0"}}`, KindCSAF},
		{"a.json", `{"document": {"title": "not csaf"}}`, KindUnknown},
		{"a.json", `{"specVersion": "1.5", "bomFormat": "CycloneDX"}`, KindCycloneDX},
		{"a.json", `{"SPDXID": "SPDXRef-DOCUMENT", "spdxVersion": "SPDX-2.3"}`, KindSPDX},
		{"a.json", `{"statements": [], "@context": "https://openvex.dev/ns/v0.2.0"}`, KindOpenVEX},
		{"a.json", `{"@graph": [], "@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"}`, KindSPDX},
		{"a.json", `{"@context": "https://schema.org"}`, KindUnknown},
		{"a.json", "\xef\xbb\xbf \n{\"bomFormat\": \"CycloneDX\"", KindCycloneDX}, // BOM, truncated head
		{"a.json", `{"properties": {"catalogVersion": {}, "vulnerabilities": {}}, "type": "object"}`, KindUnknown},
		{"a.json", `{"cisa": {"id": "CVE-2020-0001", "sourceIdentifier": "x"}}`, KindUnknown},
		{"a.json", `[{"id": "CVE-2020-0001"}]`, KindUnknown},
		{"a.xml", `<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.5" version="1">`, KindCycloneDX},
		{"a.xml", `<?xml version="1.0"?><html>`, KindUnknown},
		{"epss.csv", "#model_version:v2025.03.14,score_date:2025-08-25T00:00:00+0000\ncve,epss,percentile\n", KindEPSS},
		{"x.txt", "cve,epss,percentile\r\nCVE-2020-0001,0.1,0.5\r\n", KindEPSS},
		{"kev.csv", "cveID,vendorProject,product,vulnerabilityName,dateAdded\n", KindKEV},
		{"a.spdx", "SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\n", KindSPDX},
		{"README", "# Feeds\n", KindUnknown},
		{"empty", "", KindUnknown},
	}
	for _, c := range cases {
		if got := SniffKind(c.name, []byte(c.head)); got != c.want {
			t.Errorf("SniffKind(%q, %.60q) = %s, want %s", c.name, c.head, got, c.want)
		}
	}
}
