package discovery

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// hospitalTruth is the part of hospitalgen's -truth file the test reads.
type hospitalTruth struct {
	Devices []struct {
		Name   string `json:"name"`
		Role   string `json:"role"`
		Vendor string `json:"vendor"`
		MAC    string `json:"mac"`
	} `json:"devices"`
	Anomalies []string `json:"anomalies"`
}

// hospitalCapture builds ../shared/tools/hospitalgen and writes a capture
// of dur seconds (seed 1) and its truth file into a temporary directory.
func hospitalCapture(t testing.TB, dur string) (string, hospitalTruth) {
	t.Helper()
	src := "../../../shared/tools/hospitalgen"
	if _, err := os.Stat(filepath.Join(src, "main.go")); err != nil {
		t.Skipf("hospitalgen not available: %v", err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "hospitalgen")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = src
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build hospitalgen: %v\n%s", err, out)
	}
	capture, truthFile := filepath.Join(dir, "hospital.pcap"), filepath.Join(dir, "truth.json")
	if out, err := exec.Command(bin, "-o", capture, "-dur", dur, "-seed", "1", "-truth", truthFile).CombinedOutput(); err != nil {
		t.Fatalf("hospitalgen: %v\n%s", err, out)
	}
	b, err := os.ReadFile(truthFile)
	if err != nil {
		t.Fatal(err)
	}
	var truth hospitalTruth
	if err := json.Unmarshal(b, &truth); err != nil {
		t.Fatal(err)
	}
	return capture, truth
}

// truthTypes maps hospitalgen's roles of medical devices to Vigil's
// device types (the generator's vocabulary, not ours).
var truthTypes = map[string]string{
	"infusion_pump": "infusion-pump", "patient_monitor": "patient-monitor", "central_station": "central-station",
	"ct_scanner": "ct-scanner", "mr_scanner": "mr-scanner", "ultrasound": "ultrasound", "dx_xray": "x-ray",
	"pacs": "pacs", "ris_mwl": "ris",
}

// firstWord compares makers by their first word: "BD (Alaris)" and "BD",
// "Siemens Healthineers" and "Siemens".
func firstWord(s string) string {
	f := strings.Fields(strings.ToLower(strings.NewReplacer("(", " ", ")", " ", ",", " ").Replace(s)))
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

func TestHospital(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a 100 MB capture")
	}
	capture, truth := hospitalCapture(t, "60")
	res, js := discover(t, Options{}, capture)
	byMAC := map[string]*Device{}
	for _, d := range res.Devices {
		for _, m := range d.MACs {
			byMAC[m] = d
		}
	}
	idOf := map[string]string{}
	var found, vendorOK, medical, typeOK int
	for _, td := range truth.Devices {
		d := byMAC[strings.ToLower(td.MAC)]
		if d == nil {
			t.Logf("not found: %s (%s, %s)", td.Name, td.Role, td.MAC)
			continue
		}
		idOf[td.Name] = d.ID
		found++
		if td.Vendor == "unknown" && d.Vendor == "" || firstWord(d.Vendor) == firstWord(td.Vendor) {
			vendorOK++
		} else {
			t.Logf("vendor of %s: %q, truth %q", td.Name, d.Vendor, td.Vendor)
		}
		if want, ok := truthTypes[td.Role]; ok {
			medical++
			if d.DeviceType == want {
				typeOK++
			} else {
				t.Logf("type of %s: %q, truth %q", td.Name, d.DeviceType, want)
			}
		}
	}
	n := len(truth.Devices)
	t.Logf("%d devices in the truth: %d found, %d with the right vendor; %d medical, %d with the right type",
		n, found, vendorOK, medical, typeOK)
	if found*100 < n*95 || vendorOK*100 < n*95 {
		t.Errorf("found %d and named the vendor of %d of %d devices: want at least 95%%", found, vendorOK, n)
	}
	if medical == 0 || typeOK*100 < medical*90 {
		t.Errorf("right device type for %d of %d medical devices: want at least 90%%", typeOK, medical)
	}

	// Each seeded anomaly, recognised by its description, must be raised
	// as an alert of the right kind about the right device. An anomaly this
	// table does not know fails the test rather than pass unchecked.
	expect := []struct{ marker, kind, device string }{
		{"infusion pump to internet", AlertInternet, "pump-17"},
		{"TCP SYN scan", AlertPortScan, "ws-42"},
		{"telnet (23) with cleartext login", AlertInsecureProtocol, "ws-13"},
		{"SMB (445) session", AlertSuspiciousProtocol, "mr-1"},
		{"cleartext PHI to internet", AlertCleartextPHI, "hl7eng"},
		{"rejected (A-ASSOCIATE-RJ)", AlertDICOMRejected, "ws-60"},
		{"new unmanaged device", AlertNewDevice, "rogue-rpi"},
	}
	if len(truth.Anomalies) == 0 {
		t.Fatal("the truth file lists no anomalies")
	}
	for _, an := range truth.Anomalies {
		matched := false
		for _, e := range expect {
			if !strings.Contains(an, e.marker) {
				continue
			}
			matched = true
			id := idOf[e.device]
			raised := false
			for _, a := range res.Alerts {
				raised = raised || a.Kind == e.kind && a.Device == id
			}
			if !raised {
				t.Errorf("anomaly %q: no %s alert on %s (%s)", an, e.kind, e.device, id)
			}
		}
		if !matched {
			t.Errorf("anomaly %q: the test does not know what alert it should raise", an)
		}
	}
	if !strings.Contains(string(js), `"kind":"cleartext_phi"`) {
		t.Error("no cleartext PHI alert in the JSON output")
	}
	for _, a := range res.Alerts {
		if a.Kind == AlertNewDevice && a.Device != idOf["rogue-rpi"] {
			t.Logf("also new: %s %s", a.Device, a.Detail)
		}
	}
}
