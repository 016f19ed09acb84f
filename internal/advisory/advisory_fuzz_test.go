package advisory

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

// seedFile adds a shared data file to the corpus when it is present.
func seedFile(f *testing.F, rel string) {
	if b, err := os.ReadFile(filepath.Join(sharedData, rel)); err == nil {
		f.Add(b)
	}
}

// FuzzOSVPackages checks the index's scanner against encoding/json: on
// valid JSON both must agree on the id, modified time and every affected
// package; on anything else the scanner must fail, not panic.
func FuzzOSVPackages(f *testing.F) {
	f.Add([]byte(tinyOSV))
	f.Add([]byte(`{"ID":"X","Affected":[{"PACKAGE":{"Name":"n\u002f\ud83d\ude00","ECOSYSTEM":"E"}},null,{"package":null}]}`))
	f.Add([]byte(`{"id":"X","affected":[{"package":{"name":"a"},"package":{"ecosystem":"E"}}],"affected":[{}]}`))
	f.Add([]byte(`{"n":[-0.5e+10,0,1E3,true,false,null,{}],"id":"X\"","affected":[]}`))
	f.Add([]byte("{\"affected\":[{\"package\":{\"name\":\"a\xffb\\ud800\"}}]}"))
	f.Add([]byte(`[{"id":1}]`))
	seedFile(f, "osv/go/GO-2024-3228.json")
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := scanOSV(b)
		var ref struct {
			ID       string `json:"id"`
			Modified string `json:"modified"`
			Affected []struct {
				Package *OSVPackage `json:"package"`
			} `json:"affected"`
		}
		jerr := json.Unmarshal(b, &ref)
		if jerr != nil {
			if err == nil {
				t.Fatalf("encoding/json: %v; scanner accepted it as %+v", jerr, h)
			}
			return
		}
		if err != nil {
			if strings.Contains(err.Error(), "nested too deeply") {
				return
			}
			t.Fatalf("encoding/json accepts; scanner: %v", err)
		}
		var pkgs []OSVPackage
		for _, a := range ref.Affected {
			if a.Package != nil {
				pkgs = append(pkgs, *a.Package)
			}
		}
		if h.id != ref.ID || h.modified != ref.Modified || !reflect.DeepEqual(h.pkgs, pkgs) {
			t.Fatalf("scanner %q %q %+v; encoding/json %q %q %+v", h.id, h.modified, h.pkgs, ref.ID, ref.Modified, pkgs)
		}
	})
}

func FuzzSniffKind(f *testing.F) {
	f.Add("a.json", []byte(tinyOSV))
	f.Add("a.json", []byte(`{"document": {"csaf_version": "2.0"}}`))
	f.Add("a.json", []byte(`{"vulnerabilities": [{"cve": {}}]}`))
	f.Add("a.xml", []byte(`<bom xmlns="http://cyclonedx.org/schema/bom/1.5">`))
	f.Add("e.csv", []byte("#model_version:v1\ncve,epss,percentile\n"))
	f.Fuzz(func(t *testing.T, name string, b []byte) {
		k := SniffKind(name, b)
		switch k {
		case KindOSV, KindNVD, KindCSAF, KindKEV, KindEPSS, KindCycloneDX, KindSPDX, KindOpenVEX, KindUnknown:
		default:
			t.Fatalf("kind %q", k)
		}
	})
}

func FuzzDecodeNVD(f *testing.F) {
	seedFile(f, "nvd/CVE-2017-5149.json")
	f.Add([]byte(`{"vulnerabilities": [{"cve": {"id": "CVE-2020-0001", "metrics": {"cvssMetricV2": [{"baseSeverity": "LOW", "cvssData": {"baseScore": 1}}]}}}]}`))
	f.Add([]byte(`{"cve": {"id": "CVE-2020-0001", "published": "2020-01-01T00:00:00.000", "cisaExploitAdd": "2020-01-01"}}`))
	f.Add([]byte(`{"id": "CVE-2020-0001", "configurations": [{"nodes": [{"cpeMatch": [{"criteria": "cpe:2.3:a:b:c:*:*:*:*:*:*:*:*"}]}]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		recs, _, err := DecodeNVD(b)
		if err != nil {
			return
		}
		for _, r := range recs {
			if !cveRE.MatchString(r.ID) {
				t.Fatalf("record with id %q", r.ID)
			}
			if m, ok := r.Primary(); ok && (m.BaseScore < 0 || m.BaseScore > 10) {
				t.Fatalf("score %v", m.BaseScore)
			}
		}
	})
}

// FuzzArchive hands arbitrary bytes to Walk as a zip and, when they open
// as one, to IndexOSV's own inflater.
func FuzzArchive(f *testing.F) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("a/GO-1.json")
	w.Write([]byte(tinyOSV))
	w, _ = zw.CreateHeader(&zip.FileHeader{Name: "b.json", Method: zip.Store})
	w.Write([]byte(`{"id": "CVE-2020-0001", "descriptions": []}`))
	zw.Close()
	f.Add(buf.Bytes())
	f.Add([]byte("PK\x03\x04"))
	const limit = 1 << 16
	f.Fuzz(func(t *testing.T, b []byte) {
		fsys := fstest.MapFS{"feed.zip": {Data: b}}
		_, err := Walk(context.Background(), fsys, ".", Limits{MaxFileBytes: limit}, func(e Entry) error {
			if len(e.Data) > limit {
				t.Fatalf("%s: %d bytes read past the limit", e.Path, len(e.Data))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		ix, err := IndexOSV(context.Background(), zr, ".", 1)
		if err != nil {
			return
		}
		for range ix.recs {
			ix.Lookup("Go", "example.com/m")
		}
	})
}
