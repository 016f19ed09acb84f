package advisory

import (
	"archive/zip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sharedData = "../../../shared/data"

func sharedFS(t testing.TB, dir string) (string, bool) {
	p := filepath.Join(sharedData, dir)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared data %s not available (%v)", p, err)
		return "", false
	}
	return p, true
}

func TestReadOSVGoDirectory(t *testing.T) {
	dir, _ := sharedFS(t, "osv/go")
	set, err := ReadOSV(context.Background(), os.DirFS(dir), ".")
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Records) != 1650 || len(set.Skipped) != 0 {
		t.Fatalf("%d records, skipped %v", len(set.Records), set.Skipped)
	}
	var found *OSV
	for _, r := range set.Records {
		if r.ID == "GO-2024-3228" {
			found = r
		}
	}
	if found == nil || len(found.Affected) != 2 || found.Affected[1].Package.Name != "github.com/coder/coder/v2" ||
		len(found.Affected[1].Ranges[0].Events) != 6 || found.Affected[1].Ranges[0].Events[1].Fixed != "2.14.4" ||
		len(found.Aliases) != 1 || found.Aliases[0] != "GHSA-wcx9-ccpj-hx3c" {
		t.Fatalf("GO-2024-3228 decoded as %+v", found)
	}
}

func TestReadOSVZip(t *testing.T) {
	dir, _ := sharedFS(t, "match")
	zr, err := zip.OpenReader(filepath.Join(dir, "vulndb-go-a752ea54.zip"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	set, err := ReadOSV(context.Background(), zr, ".")
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Records) < 4000 || len(set.Skipped) != 0 {
		t.Fatalf("%d records, %d skipped: %v", len(set.Records), len(set.Skipped), first(set.Skipped))
	}
}

func TestReadOSVPSFAndLinterData(t *testing.T) {
	dir, _ := sharedFS(t, "osv/psf")
	set, err := ReadOSV(context.Background(), os.DirFS(dir), ".")
	if err != nil {
		t.Fatal(err)
	}
	// PSF records have only GIT ranges and no package: kept, with a warning.
	if len(set.Records) != 95 || len(set.Skipped) != 0 || len(set.Warnings) < 95 {
		t.Fatalf("psf: %d records, %d skipped, %d warnings", len(set.Records), len(set.Skipped), len(set.Warnings))
	}
	lint, _ := sharedFS(t, "osv/linter-testdata")
	set, err = ReadOSV(context.Background(), os.DirFS(lint), ".")
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Skipped) != 1 || !strings.Contains(set.Skipped[0].Path, "nointroduced") ||
		!strings.Contains(set.Skipped[0].Reason, "no introduced event") {
		t.Fatalf("linter data: skipped %v", set.Skipped)
	}
	dupWarned := false
	for _, w := range set.Warnings {
		dupWarned = dupWarned || (strings.Contains(w.Path, "nondistinct") && strings.Contains(w.Reason, "two events"))
	}
	if !dupWarned {
		t.Errorf("the repeated event in nondistinct-* was not reported: %v", set.Warnings)
	}
}

func TestDecodeOSVRejects(t *testing.T) {
	base := func(affected string) string {
		return `{"id":"X-1","modified":"2024-01-01T00:00:00Z","affected":[` + affected + `]}`
	}
	for name, tc := range map[string]struct{ in, want string }{
		"not json":      {`{"id":`, "osv:"},
		"no id":         {`{"modified":"2024-01-01T00:00:00Z"}`, "id"},
		"no modified":   {`{"id":"X-1"}`, "modified"},
		"bad published": {`{"id":"X-1","modified":"2024-01-01T00:00:00Z","published":"yesterday"}`, "published"},
		"bad type":      {base(`{"package":{"ecosystem":"Go","name":"m"},"ranges":[{"type":"DATE","events":[{"introduced":"0"}]}]}`), "affected[0].ranges[0].type"},
		"git no repo":   {base(`{"ranges":[{"type":"GIT","events":[{"introduced":"0"}]}]}`), "without a repo"},
		"two in event":  {base(`{"package":{"ecosystem":"Go","name":"m"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0","fixed":"1"}]}]}`), "events[0]"},
		"odd event":     {base(`{"package":{"ecosystem":"Go","name":"m"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"broken":"1"}]}]}`), "unknown event"},
		"no ecosystem":  {base(`{"package":{"name":"m"},"versions":["1"]}`), "no ecosystem"},
		"no events":     {base(`{"package":{"ecosystem":"Go","name":"m"},"ranges":[{"type":"SEMVER","events":[]}]}`), "no events"},
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := DecodeOSV([]byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want an error containing %q, got %v", tc.want, err)
			}
		})
	}
}

func first(ps []Problem) any {
	if len(ps) == 0 {
		return nil
	}
	return ps[0]
}

func FuzzDecodeOSV(f *testing.F) {
	for _, dir := range []string{"osv/linter-testdata", "osv/psf"} {
		files, _ := filepath.Glob(filepath.Join(sharedData, dir, "*.json"))
		for i, p := range files {
			if i > 15 {
				break
			}
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte(`{"id":"X","modified":"2024-01-01T00:00:00Z"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, _, err := DecodeOSV(b)
		if err != nil {
			return
		}
		for _, a := range rec.Affected {
			for _, r := range a.Ranges {
				if len(r.Events) == 0 {
					t.Fatalf("accepted a range without events")
				}
				for _, e := range r.Events {
					n := 0
					for _, s := range []string{e.Introduced, e.Fixed, e.LastAffected, e.Limit} {
						if s != "" {
							n++
						}
					}
					if n != 1 {
						t.Fatalf("accepted event %+v", e)
					}
				}
			}
		}
	})
}

func BenchmarkReadOSVZip(b *testing.B) {
	dir, _ := sharedFS(b, "match")
	zr, err := zip.OpenReader(filepath.Join(dir, "vulndb-go-a752ea54.zip"))
	if err != nil {
		b.Fatal(err)
	}
	defer zr.Close()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadOSV(context.Background(), zr, "."); err != nil {
			b.Fatal(err)
		}
	}
}
