package cpe

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// seedFiles returns the checked-in record plus the real NVD records when
// they are present.
func seedFiles(f *testing.F) [][]byte {
	paths, _ := filepath.Glob(filepath.Join(nvdDir, "*.json"))
	paths = append(paths, filepath.Join("testdata", "configurations.json"))
	var out [][]byte
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, data)
	}
	return out
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"cpe:2.3:a:microsoft:internet_explorer:8.0.6001:beta:*:*:*:*:*:*",
		`cpe:2.3:o:abbott:merlin\@home_firmware:*:*:*:*:*:*:*:*`,
		`cpe:2.3:a:v:p:\-:*:*:*:*:*:*:*`,
		"cpe:2.3:a:*soft:pro?uct:1.*:*:*:*:*:*:*:*",
		"cpe:/a:hp:insight_diagnostics:7.4.0.1570:-:~~online~win2003~x64~",
		"cpe:/a:foo%02:bar%01%01:%2d",
		"cpe:/a:acme:prod%21uct%40home:1.0%2b2",
		`cpe:2.3:a:v:p:1.0:*:*:*:*:*:*:x\`,
	} {
		f.Add(s)
	}
	for _, data := range seedFiles(f) {
		rec, err := Decode(bytes.NewReader(data))
		if err != nil {
			continue
		}
		for _, c := range rec.Configurations {
			for _, n := range c.Nodes {
				for _, cr := range n.CPEMatch {
					f.Add(cr.Criteria)
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, err := Parse(s)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Parse(%q) error %v is not a *ParseError", s, err)
			}
			return
		}
		out := w.String()
		again, err := ParseFormatted(out)
		if err != nil {
			t.Fatalf("Parse(%q) formats to %q, which does not parse: %v", s, out, err)
		}
		if again != w || again.String() != out {
			t.Fatalf("round trip of %q unstable: %q → %q", s, out, again.String())
		}
		// A pattern matches its own text: '*' and '?' can each stand for
		// themselves, NA matches NA and ANY matches everything.
		if !w.Matches(w) {
			t.Fatalf("%q does not match itself", out)
		}
	})
}

func FuzzConfigurationJSON(f *testing.F) {
	for _, data := range seedFiles(f) {
		f.Add(data)
	}
	f.Add([]byte(`{"configurations":[{"operator":"AND","negate":true,"nodes":[{"operator":"AND","negate":true,"cpeMatch":[{"vulnerable":true,"criteria":"cpe:/a:v:p","versionEndExcluding":""}]}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rec, err := Decode(bytes.NewReader(data))
		if err != nil {
			return
		}
		// The names on the "device" are the record's own criteria, made
		// concrete where they parse, so matching paths are reached.
		var present []WFN
		for _, c := range rec.Configurations {
			for _, n := range c.Nodes {
				for _, cr := range n.CPEMatch {
					if len(present) == 32 {
						break
					}
					w, err := Parse(cr.Criteria)
					if err != nil {
						continue
					}
					if w.Version.IsAny() {
						for _, b := range []string{cr.EndIncluding, cr.StartIncluding, "1.0"} {
							if v, err := Literal(b); err == nil && b != "" {
								w.Version = v
								break
							}
						}
					}
					present = append(present, w)
				}
			}
		}
		for _, cmp := range []Compare{fallbackCompare, nil} {
			res := Evaluate(rec.Configurations, present, cmp)
			if res.Vulnerable != (len(res.Evidence) > 0) {
				t.Fatalf("vulnerable %v with %d evidence", res.Vulnerable, len(res.Evidence))
			}
		}
	})
}
