package csaf

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const dataDir = "../../../shared/data/csaf"

// readData reads a file of the shared data set, skipping the test if absent.
func readData(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dataDir, rel))
	if os.IsNotExist(err) {
		t.Skipf("shared data %s not present", rel)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func globData(t testing.TB, pattern string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dataDir, pattern))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Skipf("shared data %s not present", pattern)
	}
	return files
}

// knownGaps lists the must-fail test documents this package does not yet
// detect, with the reason. Keep it empty if possible.
var knownGaps = map[string]string{}

func TestOASISMandatoryTestcases(t *testing.T) {
	raw := readData(t, "oasis-testcases/testcases.json")
	var tc struct {
		Tests []struct {
			ID       string `json:"id"`
			Group    string `json:"group"`
			Failures []struct {
				Name string `json:"name"`
			} `json:"failures"`
			Valid []struct {
				Name string `json:"name"`
			} `json:"valid"`
		} `json:"tests"`
	}
	if err := json.Unmarshal(raw, &tc); err != nil {
		t.Fatal(err)
	}
	var nFail, nPass int
	for _, test := range tc.Tests {
		if test.Group != "mandatory" {
			continue
		}
		for _, f := range test.Failures {
			nFail++
			t.Run("fail/"+test.ID+"/"+filepath.Base(f.Name), func(t *testing.T) {
				if why, ok := knownGaps[filepath.Base(f.Name)]; ok {
					t.Skip("known gap: " + why)
				}
				_, probs, err := Validate(readData(t, "oasis-testcases/"+f.Name))
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				for _, p := range probs {
					if p.Test == test.ID {
						return
					}
				}
				t.Errorf("no problem for test %s; got %v", test.ID, probs)
			})
		}
		for _, f := range test.Valid {
			nPass++
			t.Run("pass/"+test.ID+"/"+filepath.Base(f.Name), func(t *testing.T) {
				_, probs, err := Validate(readData(t, "oasis-testcases/"+f.Name))
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				if len(probs) > 0 {
					t.Errorf("want no problem, got %v", probs)
				}
			})
		}
	}
	if nFail != 87 || nPass != 60 {
		t.Errorf("testcases.json lists %d must-fail and %d must-pass mandatory documents, want 87 and 60", nFail, nPass)
	}
}

func TestRealAdvisoriesValid(t *testing.T) {
	var files []string
	for _, p := range []string{"cisa-icsma/*.json", "cisa-icsa/*.json", "oasis-examples/csaf/*.json", "oasis-examples/csaf/csaf_vex/*.json"} {
		files = append(files, globData(t, p)...)
	}
	if len(files) != 134 {
		t.Errorf("found %d advisories, want 134", len(files))
	}
	for _, f := range files {
		name := strings.TrimPrefix(f, dataDir+"/")
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			d, warns, err := Decode(b)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if len(warns) > 0 {
				t.Errorf("Decode warnings: %v", warns)
			}
			if d.Tracking.ID == "" {
				t.Error("no tracking id")
			}
			_, probs, err := Validate(b)
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			for _, p := range probs {
				t.Errorf("problem: %s", p)
			}
		})
	}
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
