package match

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/vigil-oss/vigil/internal/advisory"
)

func loadNVD(t *testing.T) []*advisory.NVDRecord {
	t.Helper()
	dir := filepath.Join(shared, "nvd")
	needData(t, dir)
	names, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	var out []*advisory.NVDRecord
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		recs, _, err := advisory.DecodeNVD(b)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		out = append(out, recs...)
	}
	if len(out) != 16 {
		t.Fatalf("%d NVD records, want 16", len(out))
	}
	return out
}

func ids(fs []Finding) map[string]*Finding {
	out := map[string]*Finding{}
	for i := range fs {
		out[fs[i].AdvisoryID] = &fs[i]
	}
	return out
}

// TestNVDConfigurations matches device SBOMs against the real NVD records:
// firmware CPEs with version ranges, and AND configurations that need the
// firmware and the hardware it runs on.
func TestNVDConfigurations(t *testing.T) {
	m := New(Sources{NVD: loadNVD(t)})
	const (
		fw = "cpe:2.3:o:baxter:sigma_spectrum_infusion_system_firmware:%s:*:*:*:*:*:*:*"
		hw = "cpe:2.3:h:baxter:sigma_spectrum_infusion_system:-:*:*:*:*:*:*:*"
	)
	pump := func(version string, withHardware bool) []Component {
		cs := []Component{{Source: "pump.cdx.json", Ref: "fw", Type: "firmware", Name: "Sigma Spectrum firmware", Version: version,
			CPEs: []string{"cpe:2.3:o:baxter:sigma_spectrum_infusion_system_firmware:" + version + ":*:*:*:*:*:*:*"}}}
		if withHardware {
			cs = append(cs, Component{Source: "pump.cdx.json", Ref: "hw", Type: "device", Name: "Sigma Spectrum", CPEs: []string{hw}})
		}
		return cs
	}
	for _, tc := range []struct {
		version string
		hw      bool
		want    bool
	}{
		{"6.0", true, true},    // versionStartIncluding 6.0
		{"6.05", true, true},   // versionEndIncluding 6.05
		{"6.02", true, true},   // inside
		{"8.0", true, true},    // a named version
		{"6.06", true, false},  // past the end
		{"5.9", true, false},   // before the start
		{"7.0", true, false},   // between the range and the named version
		{"6.02", false, false}, // the AND configuration needs the hardware too
	} {
		fs := ids(m.Match(pump(tc.version, tc.hw)))
		f, got := fs["CVE-2020-12039"]
		if got != tc.want {
			t.Errorf("firmware %s, hardware %v: finding %v, want %v", tc.version, tc.hw, got, tc.want)
			continue
		}
		if got {
			if f.BOMRef != "fw" {
				t.Errorf("finding on %q, want the firmware", f.BOMRef)
			}
			ev := f.Evidence[0]
			if ev.Rule != RuleCPE || ev.Document != "CVE-2020-12039" || ev.Criterion == "" {
				t.Errorf("evidence %+v", ev)
			}
			if f.Severity == Unknown {
				t.Errorf("no severity from the NVD metrics")
			}
		}
	}

	// An application on a platform: SMBv1 on Windows (CVE-2017-0143, also
	// in KEV) needs both names.
	smb := Component{Source: "ws.cdx.json", Ref: "smb", Name: "SMB", Version: "1.0", CPEs: []string{"cpe:2.3:a:microsoft:server_message_block:1.0:*:*:*:*:*:*:*"}}
	win := Component{Source: "ws.cdx.json", Ref: "os", Type: "operating-system", Name: "Windows 7", CPEs: []string{"cpe:2.3:o:microsoft:windows_7:-:sp1:*:*:*:*:*:*"}}
	if _, ok := ids(m.Match([]Component{smb, win}))["CVE-2017-0143"]; !ok {
		t.Error("SMBv1 on Windows 7 SP1: no CVE-2017-0143")
	}
	if _, ok := ids(m.Match([]Component{smb}))["CVE-2017-0143"]; ok {
		t.Error("SMBv1 alone matched an AND configuration")
	}
}
