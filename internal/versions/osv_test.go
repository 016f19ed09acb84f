package versions

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func intro(v string) Event { return Event{Introduced: v} }
func fixed(v string) Event { return Event{Fixed: v} }
func last(v string) Event  { return Event{LastAffected: v} }
func limit(v string) Event { return Event{Limit: v} }

func TestRangeContains(t *testing.T) {
	tests := []struct {
		name   string
		scheme Scheme
		r      Range
		cases  map[string]Verdict
	}{
		{"introduced 0, fixed", Go, Range{RangeSemver, []Event{intro("0"), fixed("1.6.0")}},
			map[string]Verdict{"v0.0.0-20190101000000-abcdefabcdef": Affected, "1.5.9": Affected,
				"v1.6.0-rc.1": Affected, "1.6.0": NotAffected, "v1.6.1": NotAffected}},
		{"introduced, last_affected", PyPI, Range{RangeEcosystem, []Event{intro("1.0"), last("1.2")}},
			map[string]Verdict{"0.9": NotAffected, "1.0.0": Affected, "1.2": Affected,
				"1.2.post1": NotAffected, "1.2.1": NotAffected}},
		{"two pairs, unsorted", Debian, Range{RangeEcosystem,
			[]Event{fixed("2.0-1"), intro("3.0"), intro("1.0"), fixed("3.1~rc1")}},
			map[string]Verdict{"0.9": NotAffected, "1.0": Affected, "1.5": Affected, "2.0-1": NotAffected,
				"2.5": NotAffected, "3.0": Affected, "3.1~beta": Affected, "3.1~rc1": NotAffected, "3.1": NotAffected}},
		{"adjacent intervals", Semver, Range{RangeSemver,
			[]Event{intro("1.0.0"), fixed("1.2.0"), intro("1.2.0"), fixed("1.3.0")}},
			map[string]Verdict{"1.2.0": Affected, "1.3.0": NotAffected}},
		{"introduced only", Maven, Range{RangeEcosystem, []Event{intro("2.0")}},
			map[string]Verdict{"2.0-rc1": NotAffected, "2.0": Affected, "99": Affected}},
		{"limit", RPM, Range{RangeEcosystem, []Event{intro("0"), limit("2.0")}},
			map[string]Verdict{"1.0": Affected, "2.0": NotAffected}},
		{"limit star", RPM, Range{RangeEcosystem, []Event{intro("1.0"), limit("*")}},
			map[string]Verdict{"1.0": Affected, "0.5": NotAffected}},
		{"git", Semver, Range{RangeGit, []Event{intro("0"), fixed("abc123")}},
			map[string]Verdict{"1.0.0": Unmatchable}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for v, want := range tt.cases {
				got, err := tt.r.Contains(tt.scheme, v)
				if err != nil || got != want {
					t.Errorf("Contains(%q) = %v, %v; want %v", v, got, err, want)
				}
			}
		})
	}
}

func TestRangeErrors(t *testing.T) {
	tests := []struct {
		name string
		r    Range
	}{
		{"unknown type", Range{"DATE", []Event{intro("0")}}},
		{"no introduced", Range{RangeEcosystem, []Event{fixed("1.0")}}},
		{"two fields", Range{RangeEcosystem, []Event{{Introduced: "0", Fixed: "1.0"}}}},
		{"empty event", Range{RangeEcosystem, []Event{intro("0"), {}}}},
		{"bad version", Range{RangeSemver, []Event{intro("0"), fixed("1.0")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.r.Contains(Semver, "1.0.0"); !errors.Is(err, ErrInvalid) {
				t.Errorf("error = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestAffects(t *testing.T) {
	git := Range{RangeGit, []Event{intro("0"), fixed("abc")}}
	eco := Range{RangeEcosystem, []Event{intro("1.0"), fixed("2.0")}}
	tests := []struct {
		name     string
		version  string
		ranges   []Range
		versions []string
		want     Verdict
	}{
		{"in range", "1.5", []Range{eco}, nil, Affected},
		{"outside range", "2.5", []Range{eco}, nil, NotAffected},
		{"listed", "2.5", []Range{eco}, []string{"2.5"}, Affected},
		{"listed spelled differently", "2.5.0", nil, []string{"2.5"}, Affected},
		{"git only", "1.5", []Range{git}, nil, Unmatchable},
		{"git with versions", "1.5", []Range{git}, []string{"1.4"}, NotAffected},
		{"git and ecosystem", "2.5", []Range{git, eco}, nil, NotAffected},
		{"nothing", "1.0", nil, nil, NotAffected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Affects(PyPI, tt.version, tt.ranges, tt.versions)
			if err != nil || got != tt.want {
				t.Errorf("Affects = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

// TestGoVulnDB evaluates every range of every golang/vulndb record at its
// own event versions: data nobody here wrote must parse, and each range
// must include its introduced versions and exclude its fixed ones.
func TestGoVulnDB(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "data", "osv", "go")
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) == 0 {
		t.Skipf("no OSV records in %s", dir)
	}
	type record struct {
		ID       string
		Affected []struct {
			Package struct{ Ecosystem string }
			Ranges  []struct {
				Type   RangeType
				Events []struct {
					Introduced   string `json:"introduced"`
					Fixed        string `json:"fixed"`
					LastAffected string `json:"last_affected"`
					Limit        string `json:"limit"`
				}
			}
			Versions []string
		}
	}
	checked := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var rec record
		if err := json.Unmarshal(data, &rec); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, a := range rec.Affected {
			scheme, ok := ForEcosystem(a.Package.Ecosystem)
			if !ok {
				t.Errorf("%s: ecosystem %q has no scheme", rec.ID, a.Package.Ecosystem)
				continue
			}
			for _, raw := range a.Ranges {
				r := Range{Type: raw.Type}
				for _, e := range raw.Events {
					r.Events = append(r.Events, Event(e))
				}
				for _, e := range r.Events {
					v, want := e.Introduced, Affected
					switch {
					case e.Fixed != "":
						v, want = e.Fixed, NotAffected
					case e.LastAffected != "":
						v = e.LastAffected
					case v == "0" || v == "":
						continue
					}
					got, err := r.Contains(scheme, v)
					if err != nil {
						t.Errorf("%s at %s: %v", rec.ID, v, err)
						continue
					}
					checked++
					if got != want {
						t.Errorf("%s at %s: %v, want %v", rec.ID, v, got, want)
					}
					if _, err := Affects(scheme, v, []Range{r}, a.Versions); err != nil {
						t.Errorf("%s: Affects at %s: %v", rec.ID, v, err)
					}
				}
			}
		}
	}
	t.Logf("%d records, %d event versions checked", len(files), checked)
}
