package demo_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/demo"
	"github.com/vigil-oss/vigil/internal/discovery"
	"github.com/vigil-oss/vigil/internal/service"
	"github.com/vigil-oss/vigil/internal/store/sqlite"
)

// loadTraffic loads the hospital, then its traffic.
func loadTraffic(t *testing.T) (*sqlite.Store, *service.Sensors, demo.TrafficSummary) {
	t.Helper()
	s, _ := load(t)
	sensors := service.NewSensors(s, clock)
	start := time.Now()
	sum, err := demo.LoadTraffic(t.Context(), service.NewInventory(s, clock), sensors)
	if err != nil {
		t.Fatalf("LoadTraffic: %v", err)
	}
	t.Logf("LoadTraffic %+v in %v", sum, time.Since(start).Round(time.Millisecond))
	return s, sensors, sum
}

// devicesOfType lists the active demo devices whose model has the type.
func devicesOfType(t *testing.T, s core.Store, typ string) []*core.Device {
	t.Helper()
	page, err := s.ListDevices(t.Context(), core.DeviceFilter{DeviceType: typ, Lifecycle: core.LifecycleActive, Limit: 1000})
	must(t, err)
	return page.Devices
}

func allAlerts(t *testing.T, sensors *service.Sensors) []*core.Alert {
	t.Helper()
	al, err := sensors.ListAlerts(t.Context(), core.AlertFilter{Sensor: demo.TrafficSensor, Limit: 1000})
	must(t, err)
	if len(al) == 1000 {
		t.Fatal("more than one page of alerts")
	}
	return al
}

func TestLoadTraffic(t *testing.T) {
	s, sensors, sum := loadTraffic(t)
	ctx := t.Context()

	if sum.DecodeErrors != 0 || sum.ProtocolErrors != 0 {
		t.Errorf("capture decoded with %d decode and %d protocol errors; want none", sum.DecodeErrors, sum.ProtocolErrors)
	}
	if sum.Packets < 500 || sum.Packets > 5000 {
		t.Errorf("%d packets; want a few thousand at most", sum.Packets)
	}
	if sum.Devices < 100 || sum.Flows == 0 || sum.Alerts == 0 {
		t.Errorf("summary %+v: want devices, flows and alerts recorded", sum)
	}
	// Only the network services the inventory does not list are new.
	if sum.Created != 2 {
		t.Errorf("%d devices created; want 2 (the DHCP/DNS server and the interface engine)", sum.Created)
	}

	// The scanners are identified by what their images say of them.
	for _, typ := range []struct{ model, observed string }{{"ct-scanner", "ct-scanner"}, {"mri-scanner", "mr-scanner"}} {
		var seen int
		for _, d := range devicesOfType(t, s, typ.model) {
			obs, err := sensors.Observations(ctx, d.ID)
			must(t, err)
			if len(obs) != 1 {
				continue
			}
			o := obs[0]
			m, err := s.GetModel(ctx, d.ModelID)
			must(t, err)
			mfr, err := s.GetManufacturer(ctx, m.ManufacturerID)
			must(t, err)
			r, err := s.GetRelease(ctx, d.ReleaseID)
			must(t, err)
			if o.Sensor != demo.TrafficSensor || o.Vendor != mfr.Name || o.Model != m.Name || o.SoftwareVersion != r.Version ||
				o.DeviceType != typ.observed {
				t.Errorf("%s %s observed as %q %q %q %q (sensor %q); want %q %q %q %q", typ.model, d.Name, o.Vendor, o.Model,
					o.SoftwareVersion, o.DeviceType, o.Sensor, mfr.Name, m.Name, r.Version, typ.observed)
			}
			seen++
		}
		if seen == 0 {
			t.Errorf("no %s has an observation", typ.model)
		}
	}

	// Pumps are identified by their DHCP vendor class.
	pumpIDs := map[core.DeviceID]bool{}
	for _, d := range devicesOfType(t, s, "infusion-pump") {
		obs, err := sensors.Observations(ctx, d.ID)
		must(t, err)
		if len(obs) == 1 && obs[0].DeviceType == "infusion-pump" {
			pumpIDs[d.ID] = true
		}
	}
	if len(pumpIDs) < 10 {
		t.Errorf("%d pumps observed as infusion-pump; want most of them", len(pumpIDs))
	}

	// Modalities store images on the PACS.
	flows, err := sensors.ListFlows(ctx, core.FlowFilter{Sensor: demo.TrafficSensor, App: "dicom", Limit: 1000})
	must(t, err)
	modalities := map[core.DeviceID]bool{}
	for _, typ := range []string{"ct-scanner", "mri-scanner", "ultrasound", "x-ray", "mammography"} {
		for _, d := range devicesOfType(t, s, typ) {
			modalities[d.ID] = true
		}
	}
	archives := map[core.DeviceID]bool{}
	for _, d := range devicesOfType(t, s, "pacs") {
		archives[d.ID] = true
	}
	var stores int
	for _, f := range flows {
		if modalities[f.SourceDevice] && archives[f.DestinationDevice] && f.Port == 104 {
			stores++
		}
	}
	if stores == 0 {
		t.Errorf("no dicom flow from a modality to a PACS among %d dicom flows", len(flows))
	}

	// The alerts a security team should see.
	alerts := allAlerts(t, sensors)
	has := func(kind, proto string, ok func(*core.Alert) bool) bool {
		return slices.ContainsFunc(alerts, func(a *core.Alert) bool {
			return a.Kind == kind && a.Protocol == proto && (ok == nil || ok(a))
		})
	}
	if !has(discovery.AlertCleartextPHI, "hl7", nil) {
		t.Error("no cleartext_phi alert for HL7")
	}
	if !has(discovery.AlertCleartextPHI, "dicom", func(a *core.Alert) bool { return modalities[a.DeviceID] }) {
		t.Error("no cleartext_phi alert for DICOM from a modality")
	}
	if !has(discovery.AlertInsecureProtocol, "telnet", nil) {
		t.Error("no insecure_protocol alert for Telnet")
	}
	if !has(discovery.AlertInternet, "tls", func(a *core.Alert) bool {
		return pumpIDs[a.DeviceID] && a.Peer == "203.0.113.77:443"
	}) {
		t.Error("no internet_communication alert for the pump")
	}

	// The synthetic patient's name and id reach the wire but never the store.
	var stored []any
	for _, a := range alerts {
		stored = append(stored, a)
	}
	page, err := s.ListDevices(ctx, core.DeviceFilter{Limit: 1000})
	must(t, err)
	for _, d := range page.Devices {
		obs, err := sensors.Observations(ctx, d.ID)
		must(t, err)
		stored = append(stored, d, obs)
	}
	all, err := sensors.ListFlows(ctx, core.FlowFilter{Sensor: demo.TrafficSensor, Limit: 1000})
	must(t, err)
	stored = append(stored, all)
	b, err := json.Marshal(stored)
	must(t, err)
	for _, v := range []string{"DEMO^PATIENT", `DEMO\u005ePATIENT`, "DEMO0001", "PATIENT"} {
		if strings.Contains(string(b), v) {
			t.Errorf("%q found in stored alerts, observations, devices or flows", v)
		}
	}
}

// TestLoadTrafficTwice records the same capture again: the alerts are
// counted again, not repeated, and nothing new is created.
func TestLoadTrafficTwice(t *testing.T) {
	s, sensors, first := loadTraffic(t)
	before := allAlerts(t, sensors)
	counts := map[int64]int64{}
	for _, a := range before {
		counts[a.ID] = a.Count
	}
	second, err := demo.LoadTraffic(t.Context(), service.NewInventory(s, clock), sensors)
	must(t, err)
	if second.Created != 0 || second.Packets != first.Packets || second.Flows != first.Flows {
		t.Errorf("second run %+v after %+v: want the same capture and no new devices", second, first)
	}
	after := allAlerts(t, sensors)
	if len(after) != len(before) {
		t.Fatalf("%d alerts after the second run, %d after the first; want the same", len(after), len(before))
	}
	for _, a := range after {
		want := 2 * counts[a.ID]
		if a.Kind == discovery.AlertNewDevice {
			want = counts[a.ID] // raised only when the device was created
		}
		if a.Count != want {
			t.Errorf("alert %d %s %s: count %d after two runs, %d after one", a.ID, a.Kind, a.DeviceKey, a.Count, counts[a.ID])
		}
	}
}
