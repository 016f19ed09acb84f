package advisory

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigil-oss/vigil/internal/cpe"
)

func readNVDDir(t *testing.T) map[string]*NVDRecord {
	t.Helper()
	dir, _ := sharedFS(t, "nvd")
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	recs := map[string]*NVDRecord{}
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		got, warns, err := DecodeNVD(b)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		if len(got) != 1 || got[0].ID+".json" != filepath.Base(n) {
			t.Fatalf("%s: decoded %d records, first %+v", n, len(got), got)
		}
		if len(warns) != 0 {
			t.Errorf("%s: warnings %q", n, warns)
		}
		recs[got[0].ID] = got[0]
	}
	if len(recs) != 16 {
		t.Fatalf("%d NVD records, want 16", len(recs))
	}
	return recs
}

func TestDecodeNVDSharedFiles(t *testing.T) {
	recs := readNVDDir(t)

	r := recs["CVE-2017-0143"]
	if r.SourceIdentifier != "secure@microsoft.com" || r.Status != "Deferred" ||
		!r.Published.Equal(time.Date(2017, 3, 17, 0, 59, 3, 977e6, time.UTC)) || r.Published.Location() != time.UTC ||
		!strings.HasPrefix(r.Description, "The SMBv1 server in Microsoft Windows Vista SP2;") ||
		len(r.Configurations) != 10 || len(r.References) != 11 /* 22 listed, 11 distinct */ || len(r.Weaknesses) != 0 {
		t.Errorf("CVE-2017-0143 decoded as %+v", r)
	}
	if len(r.Metrics) != 3 || r.Metrics[0] != (NVDMetric{"3.1", "nvd@nist.gov", "Primary", "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 8.8, "HIGH"}) ||
		r.Metrics[2].Version != "2.0" || r.Metrics[2].BaseScore != 9.3 || r.Metrics[2].Severity != "HIGH" {
		t.Errorf("CVE-2017-0143 metrics %+v", r.Metrics)
	}
	if k := r.KEV; k == nil || !k.ExploitAdd.Equal(time.Date(2021, 11, 3, 0, 0, 0, 0, time.UTC)) ||
		!k.ActionDue.Equal(time.Date(2022, 5, 3, 0, 0, 0, 0, time.UTC)) || k.RequiredAction != "Apply updates per vendor instructions." ||
		k.VulnerabilityName != "Microsoft Windows Server Message Block (SMBv1) Remote Code Execution Vulnerability" {
		t.Errorf("CVE-2017-0143 KEV %+v", r.KEV)
	}
	if recs["CVE-2022-2119"].KEV != nil {
		t.Error("CVE-2022-2119 is not in KEV")
	}

	primary := []struct {
		id, version, typ string
		score            float64
	}{
		{"CVE-1999-0103", "2.0", "Primary", 5.0},
		{"CVE-2016-8375", "3.0", "Primary", 4.9},
		{"CVE-2017-0143", "3.1", "Primary", 8.8},
		// 3.1 from the CNA beats NVD's own 3.0: the version comes first.
		{"CVE-2019-10964", "3.1", "Secondary", 7.1},
		// Secondary listed first, Primary preferred within a version.
		{"CVE-2022-2119", "3.1", "Primary", 9.8},
		{"CVE-2024-34463", "3.1", "Secondary", 5.1},
	}
	for _, p := range primary {
		m, ok := recs[p.id].Primary()
		if !ok || m.Version != p.version || m.Type != p.typ || m.BaseScore != p.score {
			t.Errorf("%s: Primary() = %+v, %v; want %s %s %.1f", p.id, m, ok, p.version, p.typ, p.score)
		}
	}
	if m := recs["CVE-1999-0103"].Metrics[0]; m.Severity != "MEDIUM" {
		t.Errorf("v2 severity should come from the metric level: %+v", m)
	}
	if _, ok := (&NVDRecord{}).Primary(); ok {
		t.Error("Primary of a record without metrics")
	}

	weak := map[string]string{
		"CVE-1999-0103":  "",
		"CVE-2017-7269":  "CWE-120",
		"CVE-2019-10964": "CWE-284 CWE-287 CWE-863",
		"CVE-2020-10627": "CWE-284",
	}
	for id, want := range weak {
		if got := strings.Join(recs[id].Weaknesses, " "); got != want {
			t.Errorf("%s weaknesses %q, want %q", id, got, want)
		}
	}
	configs := map[string]int{"CVE-1999-0103": 0, "CVE-2017-5149": 1, "CVE-2018-10626": 2, "CVE-2019-10964": 19, "CVE-2024-1453": 0}
	for id, n := range configs {
		if got := len(recs[id].Configurations); got != n {
			t.Errorf("%s: %d configurations, want %d", id, got, n)
		}
	}
}

// semverish orders dotted numeric versions; a non-numeric part compares
// as text.
func semverish(a, b string) (int, error) {
	if a == "" || b == "" {
		return 0, fmt.Errorf("empty version")
	}
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < max(len(pa), len(pb)); i++ {
		var x, y string
		if i < len(pa) {
			x = pa[i]
		}
		if i < len(pb) {
			y = pb[i]
		}
		xi, e1 := strconv.Atoi(cmpOr(x, "0"))
		yi, e2 := strconv.Atoi(cmpOr(y, "0"))
		switch {
		case e1 == nil && e2 == nil && xi != yi:
			if xi < yi {
				return -1, nil
			}
			return 1, nil
		case (e1 != nil || e2 != nil) && x != y:
			return strings.Compare(x, y), nil
		}
	}
	return 0, nil
}

func cmpOr(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func wfns(t *testing.T, names ...string) []cpe.WFN {
	t.Helper()
	var out []cpe.WFN
	for _, n := range names {
		w, err := cpe.Parse(n)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		out = append(out, w)
	}
	return out
}

func TestNVDConfigurationsEvaluate(t *testing.T) {
	recs := readNVDDir(t)
	cases := []struct {
		id      string
		present []string
		want    bool
	}{
		// Simple OR node with versionEndExcluding 3.6.7.
		{"CVE-2022-2119", []string{"cpe:2.3:a:offis:dcmtk:3.6.6:*:*:*:*:*:*:*"}, true},
		{"CVE-2022-2119", []string{"cpe:2.3:a:offis:dcmtk:3.6.7:*:*:*:*:*:*:*"}, false},
		{"CVE-2022-2119", []string{"cpe:2.3:a:offis:dcmtk:3.6.10:*:*:*:*:*:*:*"}, false},
		{"CVE-2022-2119", []string{"cpe:2.3:a:other:dcmtk:3.6.6:*:*:*:*:*:*:*"}, false},
		// One OR node, eight products, each with its own end: hit the second.
		{"CVE-2021-27410", []string{"cpe:2.3:a:hillrom:connex_device_integration_suite_network_connectivity_engine:5.2.9:*:*:*:*:*:*:*"}, true},
		{"CVE-2021-27410", []string{"cpe:2.3:a:hillrom:connex_device_integration_suite_network_connectivity_engine:5.3:*:*:*:*:*:*:*"}, false},
		// AND: firmware (versionEndIncluding 8.0) running on an EX1100 or EX1150.
		{"CVE-2017-5149", []string{"cpe:2.3:o:abbott:merlin\\@home_firmware:8.0:*:*:*:*:*:*:*", "cpe:2.3:h:abbott:merlin\\@home_ex1150:-:*:*:*:*:*:*:*"}, true},
		{"CVE-2017-5149", []string{"cpe:2.3:o:abbott:merlin\\@home_firmware:7.9.1:*:*:*:*:*:*:*", "cpe:2.3:h:abbott:merlin\\@home_ex1100:-:*:*:*:*:*:*:*"}, true},
		{"CVE-2017-5149", []string{"cpe:2.3:o:abbott:merlin\\@home_firmware:8.0.1:*:*:*:*:*:*:*", "cpe:2.3:h:abbott:merlin\\@home_ex1100:-:*:*:*:*:*:*:*"}, false},
		{"CVE-2017-5149", []string{"cpe:2.3:o:abbott:merlin\\@home_firmware:8.0:*:*:*:*:*:*:*"}, false},
		// AND without a range; the second configuration is another model.
		{"CVE-2018-10626", []string{"cpe:2.3:o:medtronic:mycarelink_24950_patient_monitor_firmware:-:*:*:*:*:*:*:*", "cpe:2.3:h:medtronic:mycarelink_24950_patient_monitor:-:*:*:*:*:*:*:*"}, true},
		{"CVE-2018-10626", []string{"cpe:2.3:o:medtronic:mycarelink_24950_patient_monitor_firmware:-:*:*:*:*:*:*:*"}, false},
		{"CVE-2018-10626", []string{"cpe:2.3:o:medtronic:mycarelink_24950_patient_monitor_firmware:-:*:*:*:*:*:*:*", "cpe:2.3:h:medtronic:mycarelink_24952_patient_monitor:-:*:*:*:*:*:*:*"}, false},
	}
	for _, c := range cases {
		res := cpe.Evaluate(recs[c.id].Configurations, wfns(t, c.present...), semverish)
		if res.Vulnerable != c.want || len(res.Diagnostics) != 0 {
			t.Errorf("%s with %v: vulnerable %v (diagnostics %v), want %v", c.id, c.present, res.Vulnerable, res.Diagnostics, c.want)
		}
		if res.Vulnerable && (len(res.Evidence) != 1 || res.Evidence[0].Target.String() != c.present[0]) {
			t.Errorf("%s: evidence %+v should name the vulnerable component only", c.id, res.Evidence)
		}
	}
}

func TestDecodeNVDWrapperAndFeed(t *testing.T) {
	dir, _ := sharedFS(t, "nvd")
	a, err := os.ReadFile(filepath.Join(dir, "CVE-2017-0143.json"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "CVE-2018-10626.json"))
	if err != nil {
		t.Fatal(err)
	}
	wrapped := []byte(`{"cve": ` + string(a) + `}`)
	recs, _, err := DecodeNVD(wrapped)
	if err != nil || len(recs) != 1 || recs[0].ID != "CVE-2017-0143" || recs[0].KEV == nil || len(recs[0].Configurations) != 10 {
		t.Fatalf("wrapper: %v, %+v", err, recs)
	}
	feed := []byte(`{"resultsPerPage": 2, "startIndex": 0, "totalResults": 2, "format": "NVD_CVE", "version": "2.0",
		"timestamp": "2025-01-01T00:00:00.000", "vulnerabilities": [{"cve": ` + string(b) + `}, {"cve": ` + string(a) + `}]}`)
	recs, _, err = DecodeNVD(feed)
	if err != nil || len(recs) != 2 || recs[0].ID != "CVE-2018-10626" || recs[1].ID != "CVE-2017-0143" || len(recs[0].Configurations) != 2 {
		t.Fatalf("feed: %v, %+v", err, recs)
	}
	recs, _, err = DecodeNVD([]byte(`{"resultsPerPage": 0, "vulnerabilities": []}`))
	if err != nil || len(recs) != 0 {
		t.Fatalf("empty feed: %v, %d records", err, len(recs))
	}
}

func TestDecodeNVDErrorsAndWarnings(t *testing.T) {
	bad := []struct{ in, want string }{
		{`{"sourceIdentifier": "x"}`, "nvd id: missing"},
		{`{"cve": {"descriptions": []}}`, "nvd cve.id: missing"},
		{`{"id": "GHSA-xxxx-yyyy-zzzz"}`, `nvd id: "GHSA-xxxx-yyyy-zzzz" is not a CVE id`},
		{`{"id": 2017}`, "nvd id: wrong type (JSON number)"},
		{`{"vulnerabilities": [{"cve": {"id": "CVE-2020-0001"}}, {"cve": {"id": "CVE-2020-0002", "published": 5}}]}`,
			"nvd vulnerabilities[1].cve.published: wrong type (JSON number)"},
		{`{"vulnerabilities": [{"cve": {"id": "CVE-2020-0001", "metrics": {"cvssMetricV31": [{"cvssData": {"baseScore": "9.8"}}]}}}]}`,
			"nvd vulnerabilities[0].cve.metrics.cvssData.baseScore: wrong type (JSON string)"},
		{`{"vulnerabilities": [{"nope": 1}]}`, "nvd vulnerabilities[0].cve: missing"},
		{`{"vulnerabilities": {"cve": {}}}`, "nvd vulnerabilities: line 1, column"},
		{"{\n  \"id\": \"CVE-2020-0001\",\n  \"published\" \"x\"\n}", "nvd: line 3, column"},
		{`[]`, "nvd: line 1, column"},
	}
	for _, c := range bad {
		_, _, err := DecodeNVD([]byte(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.in, err, c.want)
		}
	}

	in := `{"id": "CVE-2020-0001", "published": "yesterday", "lastModified": "2020-01-02T03:04:05Z",
		"descriptions": [{"lang": "fr", "value": "bonjour"}],
		"metrics": {"cvssMetricV31": [{"source": "a", "type": "Primary", "cvssData": {"version": "3.0", "baseScore": 7.5, "baseSeverity": "HIGH"}},
		                              {"source": "b", "type": "Secondary", "cvssData": {"baseScore": 11}}],
		            "cvssMetricV5": [{}]},
		"configurations": [{"nodes": [{"operator": "OR", "cpeMatch": [{"vulnerable": true, "criteria": "cpe:2.3:a:x"}]}]}],
		"cisaExploitAdd": "2021/11/03"}`
	recs, warns, err := DecodeNVD([]byte(in))
	if err != nil || len(recs) != 1 {
		t.Fatal(err)
	}
	r := recs[0]
	if !r.Published.IsZero() || !r.LastModified.Equal(time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)) || len(r.Metrics) != 1 ||
		r.Metrics[0].Version != "3.1" || r.KEV == nil || !r.KEV.ExploitAdd.IsZero() {
		t.Errorf("decoded %+v", r)
	}
	wantWarn := []string{"published", "no English description", "cvssMetricV31[0].cvssData.version", "cvssMetricV31[1].cvssData.baseScore",
		"metrics.cvssMetricV5: unknown", "configurations[0].nodes[0].cpeMatch[0].criteria", "cisaExploitAdd", "cisaActionDue"}
	all := strings.Join(warns, "\n")
	for _, w := range wantWarn {
		if !strings.Contains(all, w) {
			t.Errorf("no warning about %q in\n%s", w, all)
		}
	}
	if len(warns) != len(wantWarn) {
		t.Errorf("%d warnings, want %d:\n%s", len(warns), len(wantWarn), all)
	}
}

func BenchmarkDecodeNVD(b *testing.B) {
	dir, _ := sharedFS(b, "nvd")
	// CVE-2017-0143 is the largest record here (10 configurations, KEV).
	data, err := os.ReadFile(filepath.Join(dir, "CVE-2017-0143.json"))
	if err != nil {
		b.Fatal(err)
	}
	feed, _ := json.Marshal(map[string]any{"vulnerabilities": []any{map[string]json.RawMessage{"cve": data}}})
	b.SetBytes(int64(len(feed)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := DecodeNVD(feed); err != nil {
			b.Fatal(err)
		}
	}
}
