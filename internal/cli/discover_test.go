package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-oss/vigil/internal/app"
	"github.com/vigil-oss/vigil/internal/core"
)

func sharedCapture(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join("../../../shared/data/pcap", name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared capture %s not available: %v", name, err)
	}
	return p
}

func vigilData(t *testing.T, dataDir string, args ...string) run {
	t.Helper()
	env, out, errb := testEnv(map[string]string{"VIGIL_DATA_DIR": dataDir})
	code := Main(context.Background(), env, args)
	return run{code, out.String(), errb.String()}
}

func TestDiscover(t *testing.T) {
	data := t.TempDir()
	hl7 := sharedCapture(t, "hl7-mllp-adt-a01.pcap")
	r := vigilData(t, data, "discover", "--format", "json", hl7, sharedCapture(t, "lldp.pcap"))
	if r.code != ExitOK {
		t.Fatalf("discover: %+v", r)
	}
	var res struct {
		Devices []map[string]any `json:"devices"`
		Flows   []map[string]any `json:"flows"`
		Alerts  []map[string]any `json:"alerts"`
		Stats   map[string]any   `json:"stats"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, r.stdout)
	}
	if len(res.Devices) != 3 || len(res.Alerts) != 1 || res.Alerts[0]["kind"] != "cleartext_phi" || res.Stats["packets"] != 10.0 {
		t.Errorf("two captures as one network: %d devices, alerts %v, stats %v", len(res.Devices), res.Alerts, res.Stats)
	}
	for _, key := range []string{"macs", "ips", "vendor", "model", "software_version", "device_type", "role", "hostnames",
		"ae_titles", "hl7_applications", "evidence"} {
		if _, ok := res.Devices[0][key]; !ok {
			t.Errorf("device lacks %q", key)
		}
	}

	r = vigilData(t, data, "discover", "--format", "json", "--connections", hl7)
	var withConns struct {
		Connections []map[string]any `json:"connections"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &withConns); err != nil || len(withConns.Connections) != 1 ||
		withConns.Connections[0]["server"] != "10.0.0.126:6661" || withConns.Connections[0]["app"] != "hl7" {
		t.Errorf("--connections: %v %+v", err, withConns)
	}

	r = vigilData(t, data, "discover", hl7)
	if r.code != ExitOK || !strings.Contains(r.stdout, "cleartext_phi") || !strings.Contains(r.stdout, "DEVICE") {
		t.Errorf("table: %+v", r)
	}

	// A truncated capture: what came before the damage, and exit 1.
	raw, err := os.ReadFile(hl7)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.pcap")
	writeFile(t, cut, string(raw[:len(raw)-40]))
	r = vigilData(t, data, "discover", "--format", "json", cut)
	if r.code != ExitFailure || !strings.Contains(r.stderr, "truncated in packet 9") || !strings.Contains(r.stdout, "cleartext_phi") {
		t.Errorf("truncated: %+v", r)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"discover"}, "name at least one capture"},
		{[]string{"discover", "--format", "xml", hl7}, "unknown --format"},
		{[]string{"discover", filepath.Join(data, "missing.pcap")}, "no such file"},
		{[]string{"discover", cut + "x"}, "no such file"},
		{[]string{"discover", "--internal", "10.0.0.0/33", hl7}, "--internal"},
		{[]string{"discover", "--fingerprints", filepath.Join(data, "none.toml"), hl7}, "--fingerprints"},
	} {
		if r := vigilData(t, data, c.args...); r.code != ExitUsage || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: %+v, want exit 2 saying %q", c.args, r, c.want)
		}
	}
	notCapture := filepath.Join(data, "x.pcap")
	writeFile(t, notCapture, "Registry,Assignment\n")
	if r := vigilData(t, data, "discover", notCapture); r.code != ExitUsage || !strings.Contains(r.stderr, "x.pcap") {
		t.Errorf("not a capture: %+v", r)
	}

	// A hospital's own rule, replacing a built-in one by id.
	rules := filepath.Join(data, "mine.toml")
	writeFile(t, rules, `[[rule]]
id = "oui"
signal = "mac.oui"
any = true
vendor = "Made by {value}"
confidence = 0.4
`)
	r = vigilData(t, data, "discover", "--format", "json", "--fingerprints", rules, sharedCapture(t, "lldp.pcap"))
	if r.code != ExitOK || !strings.Contains(r.stdout, `"vendor": "Made by SMC Networks`) {
		t.Errorf("own fingerprints: %+v", r)
	}
	writeFile(t, rules, "[[rule]]\nid = 'x'\n")
	if r := vigilData(t, data, "discover", "--fingerprints", rules, hl7); r.code != ExitUsage || !strings.Contains(r.stderr, "mine.toml: rule 1 (x)") {
		t.Errorf("bad fingerprints: %+v", r)
	}
}

// On a terminal the progress goroutine starts and stops with each capture
// and clears its line.
func TestDiscoverProgress(t *testing.T) {
	env, out, errb := testEnv(map[string]string{"VIGIL_DATA_DIR": t.TempDir()})
	env.Terminal = true
	hl7 := sharedCapture(t, "hl7-mllp-adt-a01.pcap")
	if code := Main(context.Background(), env, []string{"discover", hl7, hl7}); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if strings.Count(errb.String(), "\r\x1b[K") < 2 || !strings.Contains(out.String(), "cleartext_phi") {
		t.Errorf("stderr %q, stdout %q", errb.String(), out.String())
	}
}

func TestOUI(t *testing.T) {
	data := t.TempDir()
	r := vigilData(t, data, "oui", "lookup", "00:09:fb:01:02:03", "00:d0:75:13:bb:ad")
	if r.code != ExitOK || !strings.Contains(r.stdout, "Philips Patient Monitoring") || !strings.Contains(r.stdout, "ALARIS") {
		t.Fatalf("lookup: %+v", r)
	}
	if r := vigilData(t, data, "oui", "lookup", "da:a1:19:f9:b9:8f"); r.code != ExitFailure || !strings.Contains(r.stdout, "locally administered") {
		t.Errorf("local MAC: %+v", r)
	}
	csv := filepath.Join(data, "oui.csv")
	writeFile(t, csv, "Registry,Assignment,Organization Name,Organization Address\nMA-L,0009FB,Renamed Monitoring Co,Somewhere\n")
	if r := vigilData(t, data, "oui", "update", csv); r.code != ExitOK || !strings.Contains(r.stdout, "read 1 assignments") {
		t.Fatalf("update: %+v", r)
	}
	r = vigilData(t, data, "oui", "lookup", "00:09:fb:01:02:03", "00:d0:75:13:bb:ad")
	if r.code != ExitFailure || !strings.Contains(r.stdout, "Renamed Monitoring Co") || !strings.Contains(r.stdout, "not in the registry") {
		t.Errorf("after an MA-L update, the MA-L block is the file's: %+v", r)
	}
	if r := vigilData(t, data, "oui", "status"); r.code != ExitOK || !strings.Contains(r.stdout, filepath.Join(data, "oui.bin.gz")) ||
		!strings.Contains(r.stdout, "MA-L 1,") {
		t.Errorf("status: %+v", r)
	}
	writeFile(t, csv, "Registry,Assignment\nMA-L,nothex,x\n")
	if r := vigilData(t, data, "oui", "update", csv); r.code != ExitUsage || !strings.Contains(r.stderr, "oui.csv") {
		t.Errorf("bad CSV: %+v", r)
	}
	if r := vigilData(t, data, "oui", "lookup", "00:09:fb:01:02:03"); !strings.Contains(r.stdout, "Renamed Monitoring Co") {
		t.Errorf("a failed update replaced the saved registry: %+v", r)
	}
}

func TestDiscoverIntoDatabase(t *testing.T) {
	data := t.TempDir()
	db := filepath.Join(data, "vigil.db")
	hl7 := sharedCapture(t, "hl7-mllp-adt-a01.pcap")
	for run := 1; run <= 2; run++ {
		r := vigilData(t, data, "discover", "--db", db, "--sensor", "ward-4", "--format", "json", hl7)
		if r.code != ExitOK || !strings.Contains(r.stderr, "sensor ward-4: 2 devices recorded") {
			t.Fatalf("run %d: %+v", run, r)
		}
	}
	st, err := app.OpenStore(context.Background(), db, app.SchemaCheck)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	devs, err := st.FindDevices(context.Background(), core.DeviceKeys{MACs: []string{"00:0c:29:b5:b6:48"}})
	if err != nil || len(devs) != 1 {
		t.Fatalf("the HL7 sender: %v, %v", devs, err)
	}
	d := devs[0]
	if d.Provenance["macs"].Source != "sensor:ward-4" || len(d.HL7) != 1 || d.HL7[0].Application != "SENDING_APPLICATION" {
		t.Errorf("recorded device %+v", d)
	}
	alerts, err := st.ListAlerts(context.Background(), core.AlertFilter{Device: d.ID})
	if err != nil || len(alerts) != 1 || alerts[0].Kind != "cleartext_phi" || alerts[0].Count != 2 {
		t.Errorf("alerts after two runs: %+v, %v", alerts, err)
	}
	if r := vigilData(t, data, "discover", "--db", db, "--sensor", "two words", hl7); r.code != ExitUsage {
		t.Errorf("bad sensor name: %+v", r)
	}
}
