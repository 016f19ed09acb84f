package advisory

import (
	"archive/zip"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
)

// readOSVPackages maps ecosystem and name to the sorted ids of the records
// affecting them, as ReadOSV (full decoding) sees it.
func readOSVPackages(t testing.TB, set *OSVSet) (map[pkgKey][]string, int) {
	m := map[pkgKey][]string{}
	named := 0
	for _, r := range set.Records {
		seen := map[pkgKey]bool{}
		for _, a := range r.Affected {
			k := pkgKey{a.Package.Ecosystem, a.Package.Name}
			if k.name == "" || seen[k] {
				continue
			}
			seen[k] = true
			m[k] = append(m[k], r.ID)
		}
		if len(seen) > 0 {
			named++
		}
	}
	for _, ids := range m {
		sort.Strings(ids)
	}
	return m, named
}

func compareIndexWithReadOSV(t *testing.T, fsys fs.FS, wantRecords, wantPackages int, workerCounts ...int) {
	t.Helper()
	set, err := ReadOSV(context.Background(), fsys, ".")
	if err != nil {
		t.Fatal(err)
	}
	want, named := readOSVPackages(t, set)
	for _, workers := range workerCounts {
		ix, err := IndexOSV(context.Background(), fsys, ".", workers)
		if err != nil {
			t.Fatal(err)
		}
		if ix.Len() != named || ix.Len() != wantRecords || ix.Packages() != len(want) || ix.Packages() != wantPackages || len(ix.Skipped()) != 0 {
			t.Fatalf("workers %d: %d records (ReadOSV: %d named), %d packages (ReadOSV: %d), skipped %v",
				workers, ix.Len(), named, ix.Packages(), len(want), first(ix.Skipped()))
		}
		for k, ids := range want {
			recs, problems := ix.Lookup(k.ecosystem, k.name)
			got := make([]string, len(recs))
			for i, r := range recs {
				got[i] = r.ID
			}
			if !reflect.DeepEqual(got, ids) || len(problems) != 0 {
				t.Fatalf("%s %s: index %v (%v), ReadOSV %v", k.ecosystem, k.name, got, problems, ids)
			}
		}
	}
}

func TestIndexOSVZipMatchesReadOSV(t *testing.T) {
	dir, _ := sharedFS(t, "match")
	zr, err := zip.OpenReader(filepath.Join(dir, "vulndb-go-a752ea54.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	compareIndexWithReadOSV(t, zr, 4291, 1373, 1, 0)
	// Through the fs.FS interface only (not the zip fast path).
	compareIndexWithReadOSV(t, struct{ fs.FS }{zr}, 4291, 1373, 7)

	ix, err := IndexOSV(context.Background(), zr, ".", 0)
	if err != nil {
		t.Fatal(err)
	}
	recs, _ := ix.Lookup("Go", "stdlib")
	if len(recs) != 167 || recs[0].ID != "GO-2021-0067" {
		t.Errorf("stdlib: %d records, first %s", len(recs), recs[0].ID)
	}
	if recs, _ := ix.Lookup("Go", "github.com/BurntSushi/toml"); len(recs) != 0 {
		t.Errorf("toml: %d", len(recs))
	}
	if recs, _ := ix.Lookup("go", "stdlib"); len(recs) != 0 {
		t.Error("ecosystems compare exactly")
	}
}

func TestIndexOSVDirMatchesReadOSV(t *testing.T) {
	dir, _ := sharedFS(t, "osv/go")
	compareIndexWithReadOSV(t, os.DirFS(dir), 1650, 735, 0)
}

func osvDoc(id, modified, summary string, pkgs ...string) string {
	var aff []string
	for _, p := range pkgs {
		eco, name, _ := strings.Cut(p, "/")
		aff = append(aff, fmt.Sprintf(`{"package": {"ecosystem": %q, "name": %q}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2"}]}]}`, eco, name))
	}
	return fmt.Sprintf(`{"schema_version": "1.6.0", "id": %q, "modified": %q, "summary": %q, "affected": [%s]}`,
		id, modified, summary, strings.Join(aff, ","))
}

func TestIndexOSVEdgeCases(t *testing.T) {
	fsys := fstest.MapFS{
		"a/DSA-1.json":   {Data: []byte(osvDoc("DSA-1", "2024-01-01T00:00:00Z", "old", "Debian:11/openssl"))},
		"b/DSA-1.json":   {Data: []byte(osvDoc("DSA-1", "2024-06-01T00:00:00Z", "new", "Debian:11/openssl"))},
		"c/DSA-1.json":   {Data: []byte(osvDoc("DSA-1", "2024-03-01T00:00:00Z", "middle", "Debian:11/openssl"))},
		"DSA-2.json":     {Data: []byte(osvDoc("DSA-2", "2024-01-01T00:00:00Z", "", "Debian:12/openssl", "Debian:12/openssl", "Debian/openssl"))},
		"PYSEC-1.json":   {Data: []byte(osvDoc("PYSEC-1", "2024-01-01T00:00:00Z", "", "PyPI/requests"))},
		"withdrawn.json": {Data: []byte(`{"id": "PYSEC-2", "modified": "2024-01-01T00:00:00Z", "withdrawn": "2024-02-01T00:00:00Z", "affected": [{"package": {"ecosystem": "PyPI", "name": "requests"}, "versions": ["1.0"]}]}`)},
		"badrange.json":  {Data: []byte(`{"id": "PYSEC-3", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "PyPI", "name": "requests"}, "ranges": [{"type": "BOGUS", "events": [{"introduced": "0"}]}]}]}`)},
		"nopkg.json":     {Data: []byte(`{"id": "PSF-1", "modified": "2024-01-01T00:00:00Z", "affected": [{"ranges": [{"type": "GIT", "repo": "r", "events": [{"introduced": "0"}]}]}]}`)},
		"notjson.json":   {Data: []byte(`{"id": "X-1",`)},
		"nomod.json":     {Data: []byte(`{"id": "X-2", "affected": [{"package": {"ecosystem": "Go", "name": "m"}}]}`)},
		"badid.json":     {Data: []byte(`{"id": "a/b", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "Go", "name": "m"}}]}`)},
		"wrongtype.json": {Data: []byte(`{"id": "X-3", "modified": "2024-01-01T00:00:00Z", "affected": {"package": {}}}`)},
		"array.json":     {Data: []byte(`[]`)},
		"notes.txt":      {Data: []byte(`not read`)},
	}
	ix, err := IndexOSV(context.Background(), fsys, ".", 2)
	if err != nil {
		t.Fatal(err)
	}
	if ix.Len() != 5 || ix.Packages() != 4 {
		t.Errorf("%d records, %d packages", ix.Len(), ix.Packages())
	}
	wantSkipped := map[string]string{
		"notjson.json":   "osv: line 1, column 14: unexpected end of JSON input",
		"nomod.json":     `osv X-2: modified "" is not an RFC 3339 time`,
		"badid.json":     `osv: id "a/b" is missing or malformed`,
		"wrongtype.json": "osv: line 1, column 63: affected is not an array",
		"array.json":     "osv: not a JSON object",
	}
	if len(ix.Skipped()) != len(wantSkipped) {
		t.Errorf("skipped %v", ix.Skipped())
	}
	for _, p := range ix.Skipped() {
		if w := wantSkipped[p.Path]; w == "" || !strings.HasPrefix(p.Reason, w) {
			t.Errorf("skipped %s: %q, want %q", p.Path, p.Reason, w)
		}
	}

	recs, problems := ix.Lookup("Debian:11", "openssl")
	if len(recs) != 1 || recs[0].Summary != "new" || len(problems) != 0 {
		t.Errorf("duplicate ids should keep the newest: %+v %v", recs, problems)
	}
	if recs, _ := ix.Lookup("Debian", "openssl"); len(recs) != 1 || recs[0].ID != "DSA-2" {
		t.Errorf("exact Debian: %v", recs)
	}
	if recs, _ := ix.Lookup("Debian:12", "openssl"); len(recs) != 1 || recs[0].ID != "DSA-2" {
		t.Errorf("Debian:12: %v", recs)
	}
	if recs, _ := ix.LookupBase("Debian", "openssl"); len(recs) != 2 || recs[0].ID != "DSA-1" || recs[1].ID != "DSA-2" {
		t.Errorf("LookupBase Debian: %v", recs)
	}
	if recs, _ := ix.LookupBase("Debian:13", "openssl"); len(recs) != 2 {
		t.Errorf("LookupBase Debian:13 takes the base: %v", recs)
	}
	for range 2 { // a decode failure is reported every time
		recs, problems = ix.Lookup("PyPI", "requests")
		if len(recs) != 2 || recs[0].ID != "PYSEC-1" || recs[1].ID != "PYSEC-2" || recs[1].Withdrawn == nil ||
			len(problems) != 1 || problems[0].Path != "badrange.json" || !strings.Contains(problems[0].Reason, `ranges[0].type "BOGUS"`) {
			t.Errorf("requests: %v, %v", recs, problems)
		}
	}
	if EcosystemBase("Alpine:v3.19") != "Alpine" || EcosystemBase("npm") != "npm" || EcosystemBase(":x") != ":x" {
		t.Error("EcosystemBase")
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := IndexOSV(ctx, fsys, ".", 0); err == nil {
		t.Error("cancelled context")
	}
	if _, err := IndexOSV(context.Background(), fsys, "nope", 0); err == nil || !strings.Contains(err.Error(), "osv index: read nope") {
		t.Errorf("missing root: %v", err)
	}
}

func TestIndexOSVConcurrentLookup(t *testing.T) {
	dir, _ := sharedFS(t, "osv/go")
	ix, err := IndexOSV(context.Background(), os.DirFS(dir), ".", 0)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	got := make([][]*OSV, 8)
	for i := range got {
		wg.Go(func() { got[i], _ = ix.Lookup("Go", "stdlib") })
	}
	wg.Wait()
	for i := range got {
		if len(got[i]) == 0 || len(got[i]) != len(got[0]) || got[i][0] != got[0][0] {
			t.Fatalf("lookup %d: %d records", i, len(got[i]))
		}
	}
}

func TestIndexOSVZipBomb(t *testing.T) {
	big := []byte(osvDoc("GO-2099-0002", "2099-01-01T00:00:00Z", strings.Repeat("x", 50000), "Go/m"))
	data := makeZip(t,
		zipEntry{name: "ok.json", data: []byte(tinyOSV)},
		zipEntry{name: "bomb.json", data: big, lie: 1000},
	)
	zr, err := zip.NewReader(strings.NewReader(string(data)), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	ix, err := IndexOSV(context.Background(), zr, ".", 1)
	if err != nil {
		t.Fatal(err)
	}
	if ix.Len() != 1 || len(ix.Skipped()) != 1 || ix.Skipped()[0].Path != "bomb.json" ||
		!strings.Contains(ix.Skipped()[0].Reason, "larger than 1000 bytes") {
		t.Errorf("%d records, skipped %v", ix.Len(), ix.Skipped())
	}
}

func TestScanOSVTricky(t *testing.T) {
	type pk = OSVPackage
	cases := []struct {
		name, in string
		id       string
		pkgs     []pk
		err      string
	}{
		{"keys in another order, white space everywhere",
			" \n{ \"affected\" :\t[ { \"ranges\" : [ ] , \"package\" : { \"name\" : \"m\" ,\r\n \"purl\" : \"pkg:golang/m\" , \"ecosystem\" : \"Go\" } } ] , \"modified\" : \"t\" , \"id\" : \"GO-1\" } \n",
			"GO-1", []pk{{"Go", "m", "pkg:golang/m"}}, ""},
		{"escapes in names", `{"id":"A\"1","affected":[{"package":{"ecosystem":"npm","name":"@scope\u002Fpkg\\x\"y"}}]}`,
			`A"1`, []pk{{"npm", `@scope/pkg\x"y`, ""}}, ""},
		{"surrogate pair and lone surrogate", `{"affected":[{"package":{"name":"\ud83d\ude00-\ud800x","ecosystem":"\u0047o"}}]}`,
			"", []pk{{"Go", "\U0001F600-\uFFFDx", ""}}, ""},
		{"escaped member names", `{"\u0069d":"X","aff\u0065cted":[{"p\u0061ckage":{"n\u0061me":"n","ecosystem":"E"}}]}`,
			"X", []pk{{"E", "n", ""}}, ""},
		{"member names fold case, as encoding/json does", `{"ID":"X","Affected":[{"PACKAGE":{"Name":"n","ECOSYSTEM":"E"}}]}`,
			"X", []pk{{"E", "n", ""}}, ""},
		{"affected nested elsewhere does not count",
			`{"id":"X","database_specific":{"affected":[{"package":{"name":"no"}}]},"affected":[{"x":{"package":{"name":"no"}},"package":{"name":"yes","ecosystem":"E"}}],"details":"\"affected\": [{\"package\": {\"name\": \"no\"}}]"}`,
			"X", []pk{{"E", "yes", ""}}, ""},
		{"nulls", `{"id":null,"affected":[null,{"package":null},{"package":{"name":null,"ecosystem":"E"}}]}`,
			"", []pk{{"E", "", ""}}, ""},
		{"affected null", `{"id":"X","affected":null}`, "X", nil, ""},
		{"numbers and literals skipped", `{"n":[-0.5e+10,0,1E3,true,false,null,{}],"id":"X","affected":[{"package":{"name":"n","ecosystem":"E"},"v":[[[]]]}]}`,
			"X", []pk{{"E", "n", ""}}, ""},
		{"duplicate members merge (encoding/json)", `{"id":"X","affected":[{"package":{"name":"a"},"package":{"ecosystem":"E"}}]}`,
			"X", []pk{{"E", "a", ""}}, ""},
		{"invalid UTF-8 becomes U+FFFD", "{\"affected\":[{\"package\":{\"name\":\"a\xffb\",\"ecosystem\":\"E\"}}]}",
			"", []pk{{"E", "a\uFFFDb", ""}}, ""},
		{"trailing garbage", `{"id":"X"} x`, "", nil, "invalid character after top-level value"},
		{"trailing NUL", "{\"id\":\"X\"}\x00", "", nil, "invalid character after top-level value"},
		{"bad number", `{"id":"X","n":01}`, "", nil, "expected ',' or '}'"},
		{"bad escape", `{"id":"\x"}`, "", nil, "invalid escape"},
		{"control character", "{\"id\":\"a\tb\"}", "", nil, "control character"},
		{"unterminated", `{"id":"X`, "", nil, "unexpected end of JSON input"},
		{"name not a string", `{"id":"X","affected":[{"package":{"name":5}}]}`, "", nil, "should be a string"},
		{"package not an object", `{"id":"X","affected":[{"package":"m"}]}`, "", nil, "package is not an object"},
		{"too deep", strings.Repeat("[", maxJSONDepth+1), "", nil, "nested too deeply"},
	}
	for _, c := range cases {
		h, err := scanOSV([]byte(c.in))
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: error %v, want %q", c.name, err, c.err)
			}
			continue
		}
		if err != nil || h.id != c.id || !reflect.DeepEqual(h.pkgs, c.pkgs) {
			t.Errorf("%s: got %q %+v, %v; want %q %+v", c.name, h.id, h.pkgs, err, c.id, c.pkgs)
		}
		if ref, err := scanOSVSlow([]byte(c.in)); err != nil || ref.id != h.id || !reflect.DeepEqual(ref.pkgs, h.pkgs) {
			t.Errorf("%s: encoding/json reads %q %+v, %v", c.name, ref.id, ref.pkgs, err)
		}
	}
}

func BenchmarkIndexOSVZip(b *testing.B) {
	dir, _ := sharedFS(b, "match")
	zr, err := zip.OpenReader(filepath.Join(dir, "vulndb-go-a752ea54.zip"))
	if err != nil {
		b.Fatal(err)
	}
	defer zr.Close()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := IndexOSV(context.Background(), zr, ".", 0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkScanOSV(b *testing.B) {
	dir, _ := sharedFS(b, "match")
	zr, err := zip.OpenReader(filepath.Join(dir, "vulndb-go-a752ea54.zip"))
	if err != nil {
		b.Fatal(err)
	}
	defer zr.Close()
	var docs [][]byte
	var n int64
	for _, f := range zr.File {
		d, err := fs.ReadFile(zr, f.Name)
		if err != nil {
			b.Fatal(err)
		}
		docs = append(docs, d)
		n += int64(len(d))
	}
	b.SetBytes(n)
	b.ReportAllocs()
	for b.Loop() {
		for _, d := range docs {
			if _, err := scanOSV(d); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkLookup is a repeated lookup of a package with many records
// (golang.org/x/net): the first call decodes them, the rest hit the cache.
func BenchmarkLookup(b *testing.B) {
	dir, _ := sharedFS(b, "match")
	zr, err := zip.OpenReader(filepath.Join(dir, "vulndb-go-a752ea54.zip"))
	if err != nil {
		b.Fatal(err)
	}
	defer zr.Close()
	ix, err := IndexOSV(context.Background(), zr, ".", 0)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if recs, _ := ix.Lookup("Go", "golang.org/x/net"); len(recs) == 0 {
			b.Fatal("no records")
		}
	}
}

func TestOSVIndexAdd(t *testing.T) {
	ix := NewOSVIndex()
	adds := []struct{ path, doc, err string }{
		{"b.json", osvDoc("GO-2", "2024-01-01T00:00:00Z", "", "Go/m"), ""},
		{"a.json", osvDoc("GO-1", "2024-01-01T00:00:00Z", "old", "Go/m", "Go/old"), ""},
		{"a2.json", osvDoc("GO-1", "2024-05-01T00:00:00Z", "new", "Go/m", "Go/new"), ""},
		{"a3.json", osvDoc("GO-1", "2024-03-01T00:00:00Z", "stale", "Go/m"), ""},
		{"nopkg.json", `{"id": "GO-3", "modified": "2024-01-01T00:00:00Z"}`, ""},
		{"bad.json", `{"id": "GO-4"`, "osv: line 1, column 14: unexpected end of JSON input"},
		{"nomod.json", `{"id": "GO-5"}`, `osv GO-5: modified "" is not an RFC 3339 time`},
	}
	for _, a := range adds {
		err := ix.Add(a.path, []byte(a.doc))
		if (err == nil) != (a.err == "") || err != nil && !strings.HasPrefix(err.Error(), a.err) {
			t.Errorf("Add(%s): %v, want %q", a.path, err, a.err)
		}
	}
	if ix.Len() != 2 || len(ix.Skipped()) != 0 {
		t.Errorf("%d records, skipped %v", ix.Len(), ix.Skipped())
	}
	recs, _ := ix.Lookup("Go", "m")
	if len(recs) != 2 || recs[0].ID != "GO-1" || recs[0].Summary != "new" || recs[1].ID != "GO-2" {
		t.Errorf("m: %+v", recs)
	}
	// The replaced record's package points at the newer record, which
	// does not name it.
	if recs, p := ix.Lookup("Go", "old"); len(recs) != 0 || len(p) != 0 {
		t.Errorf("old: %+v %v", recs, p)
	}
	if recs, _ := ix.Lookup("Go", "new"); len(recs) != 1 {
		t.Errorf("new: %+v", recs)
	}
}
