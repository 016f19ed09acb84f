package demo

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// TestHospitalGolden pins the whole generated hospital, one device a line,
// so a change to the catalog, the layout or the generator (or to
// math/rand/v2 in a new Go release) shows up as a reviewable diff.
func TestHospitalGolden(t *testing.T) {
	h := buildTest(t)
	var b bytes.Buffer
	fmt.Fprintf(&b, "# demo hospital at %s: %d devices\n", testNow.Format(time.RFC3339), len(h.devices))
	fmt.Fprintln(&b, "# asset_tag\tserial\tname\tmaker\tmodel\trelease\tsite/zone\tlocation\towner\tlifecycle\tmac\tip\thostname\tae\thl7\tudi\tfirst_seen\tlast_seen\tnotes")
	for _, d := range h.devices {
		v := d.dev
		hl7 := make([]string, len(v.HL7))
		for i, e := range v.HL7 {
			hl7[i] = e.Application + "@" + e.Facility
		}
		seen := func(t *time.Time) string {
			if t == nil {
				return ""
			}
			return t.Format(time.RFC3339)
		}
		fields := []string{
			v.AssetTag, v.Serial, v.Name, d.model.maker.mfr.Name, d.model.model.Name, d.release.Version,
			d.zone.site.site.Code + "/" + d.zone.zone.Name,
			strings.Join([]string{v.Location.Building, v.Location.Floor, v.Location.Department, v.Location.Room}, "|"),
			v.Owner, string(v.Lifecycle), strings.Join(v.MACs, ","), strings.Join(v.IPs, ","),
			strings.Join(v.Hostnames, ","), strings.Join(v.AETitles, ","), strings.Join(hl7, ","), v.UDI,
			seen(v.FirstSeen), seen(v.LastSeen), v.Notes,
		}
		fmt.Fprintln(&b, strings.Join(fields, "\t"))
	}
	path := filepath.Join("testdata", "hospital.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run Golden -update to create it)", err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		got, exp := strings.Split(b.String(), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(got) && i < len(exp); i++ {
			if got[i] != exp[i] {
				t.Fatalf("hospital differs from %s at line %d (go test -run Golden -update to accept):\ngot  %s\nwant %s", path, i+1, got[i], exp[i])
			}
		}
		t.Fatalf("hospital differs from %s: %d lines, want %d (go test -run Golden -update to accept)", path, len(got), len(exp))
	}
}
