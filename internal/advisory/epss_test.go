package advisory

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

const epssSample = "#model_version:v2025.03.14,score_date:2025-08-25T00:00:00+0000\n" +
	"cve,epss,percentile\n" +
	"CVE-2017-0144,0.94358,0.99957\n" +
	"CVE-2019-10964,0.00123,0.31\r\n" +
	"CVE-2024-1234,0,0"

func TestReadEPSS(t *testing.T) {
	e, err := ReadEPSS(strings.NewReader(epssSample))
	if err != nil {
		t.Fatal(err)
	}
	if e.ModelVersion != "v2025.03.14" || !e.ScoreDate.Equal(time.Date(2025, 8, 25, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("comment line: %q %v", e.ModelVersion, e.ScoreDate)
	}
	if len(e.Scores) != 3 || e.Scores["CVE-2017-0144"].Probability != 0.94358 || e.Scores["CVE-2019-10964"].Percentile != 0.31 {
		t.Errorf("scores: %+v", e.Scores)
	}
	// Without the comment line, as older files and hand-made extracts come.
	if e, err := ReadEPSS(strings.NewReader("cve,epss,percentile\nCVE-2017-0144,0.9,0.99\n")); err != nil || len(e.Scores) != 1 {
		t.Errorf("no comment line: %v", err)
	}
}

func TestReadEPSSRejects(t *testing.T) {
	for name, tc := range map[string]struct{ in, want string }{
		"no header":      {"CVE-2017-0144,0.9,0.99\n", "line 1"},
		"not epss":       {"asset_tag,serial\n", "header"},
		"empty":          {"", "no \"cve,epss,percentile\" header"},
		"bad cve":        {"cve,epss,percentile\nCVE-17-1,0.1,0.2\n", "line 2"},
		"out of range":   {"cve,epss,percentile\nCVE-2017-0144,1.5,0.2\n", "epss \"1.5\""},
		"not a number":   {"cve,epss,percentile\nCVE-2017-0144,0.5,high\n", "percentile"},
		"nan":            {"cve,epss,percentile\nCVE-2017-0144,NaN,0.2\n", "line 2"},
		"fields":         {"cve,epss,percentile\nCVE-2017-0144,0.5\n", "want 3 fields"},
		"duplicate":      {"cve,epss,percentile\nCVE-2017-0144,0.5,0.5\nCVE-2017-0144,0.5,0.5\n", "line 3"},
		"bad score date": {"#score_date:yesterday\ncve,epss,percentile\n", "score_date"},
		"long line":      {"cve,epss,percentile\n" + strings.Repeat("x", 70000) + "\n", "longer than"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ReadEPSS(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want an error containing %q, got %v", tc.want, err)
			}
		})
	}
}

func BenchmarkReadEPSS(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("cve,epss,percentile\n")
	for i := 0; i < 100000; i++ {
		fmt.Fprintf(&sb, "CVE-2024-%05d,0.%05d,0.%05d\n", i, i, i)
	}
	in := sb.String()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadEPSS(strings.NewReader(in)); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzReadEPSS(f *testing.F) {
	f.Add([]byte(epssSample))
	f.Add([]byte("cve,epss,percentile\n"))
	f.Add([]byte("#model_version\ncve,epss,percentile\nCVE-2017-0144,1,1"))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := ReadEPSS(strings.NewReader(string(b)))
		if err != nil {
			return
		}
		for id, s := range e.Scores {
			if !cveRE.MatchString(id) || s.Probability < 0 || s.Probability > 1 || s.Percentile < 0 || s.Percentile > 1 {
				t.Fatalf("accepted %s %+v", id, s)
			}
		}
	})
}
