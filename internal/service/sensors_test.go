package service_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/discovery"
	"github.com/vigil-oss/vigil/internal/service"
)

func TestSensorsRecord(t *testing.T) {
	importBackends(t, testSensorsRecord)
}

func testSensorsRecord(t *testing.T, st core.Store) {
	ctx := context.Background()
	inv := service.NewInventory(st, core.SystemClock{})
	sensors := service.NewSensors(st, core.SystemClock{})
	// A device a person entered, with a host name they chose.
	known := &core.Device{Name: "CT scanner, room 3", MACs: []string{"44:4b:5d:00:00:01"}, Hostnames: []string{"ct3-by-hand"}}
	if err := inv.CreateDevice(ctx, core.SourceAPI, known); err != nil {
		t.Fatal(err)
	}
	// A CMMS record without a MAC, which a DICOM serial number finds.
	cmms := &core.Device{Name: "MR", Serial: "SN-77"}
	if err := inv.CreateDevice(ctx, core.SourceImport, cmms); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	res := &discovery.Result{
		Devices: []*discovery.Device{
			{ID: "mac:44:4b:5d:00:00:01", MACs: []string{"44:4b:5d:00:00:01"}, IPs: []string{"10.20.10.20"},
				Hostnames: []string{"ct-3"}, AETitles: []string{"CT3REVO"}, Vendor: "GE Healthcare", Model: "Revolution CT",
				DeviceType: "ct-scanner", Role: "dicom-storage-scu", FirstSeen: t0, LastSeen: t0.Add(time.Minute),
				Evidence: []discovery.Evidence{{Attribute: "vendor", Value: "GE Healthcare", Confidence: 0.7, Rule: "dicom-uid-ge",
					Signal: "dicom.implementation_class_uid", Observed: "1.2.840.113619.6.374", Time: t0}}},
			{ID: "mac:00:d0:75:00:00:02", MACs: []string{"00:d0:75:00:00:02"}, IPs: []string{"10.20.40.21"},
				Hostnames: []string{"pump-02"}, Vendor: "BD", DeviceType: "infusion-pump", FirstSeen: t0, LastSeen: t0},
			{ID: "mac:00:18:65:00:00:03", MACs: []string{"00:18:65:00:00:03"}, Serial: "SN-77", AETitles: []string{"MR1"},
				FirstSeen: t0, LastSeen: t0},
			{ID: "ip:10.99.0.1", IPs: []string{"10.99.0.1"}, FirstSeen: t0, LastSeen: t0}, // behind a router, unknown
		},
		Flows: []discovery.FlowSummary{
			{Source: "mac:44:4b:5d:00:00:01", Destination: "mac:00:d0:75:00:00:02", Protocol: "tcp", Port: 104, App: "dicom",
				Connections: 2, Packets: 20, Bytes: 2000, FirstSeen: t0, LastSeen: t0.Add(time.Second)},
			{Source: "mac:00:d0:75:00:00:02", Destination: "ext:203.0.113.7", Protocol: "tcp", Port: 443, App: "tls",
				Encrypted: true, Connections: 1, Packets: 5, Bytes: 500, FirstSeen: t0, LastSeen: t0},
		},
		Alerts: []discovery.Alert{{Kind: discovery.AlertInternet, Severity: "high", Time: t0, LastTime: t0, Count: 1,
			Device: "mac:00:d0:75:00:00:02", Peer: "203.0.113.7:443", Protocol: "tls", Detail: "pump to the internet"}},
	}
	sum, err := sensors.Record(ctx, "ward-4", res)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Devices != 3 || sum.Created != 1 || sum.Updated != 2 || sum.KeptAttributes != 1 || sum.Skipped != 1 ||
		sum.NewDevices != 1 || sum.Flows != 2 || sum.Alerts != 2 {
		t.Errorf("summary %+v", sum)
	}

	got, err := st.GetDevice(ctx, known.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Hostnames, []string{"ct3-by-hand"}) {
		t.Errorf("a person's host names were changed: %v", got.Hostnames)
	}
	if !slices.Equal(got.IPs, []string{"10.20.10.20"}) || !slices.Equal(got.AETitles, []string{"CT3REVO"}) {
		t.Errorf("observed IPs %v, AE titles %v", got.IPs, got.AETitles)
	}
	if o := got.Provenance["ips"]; o.Source != "sensor:ward-4" {
		t.Errorf("provenance of ips: %+v", o)
	}
	if o := got.Provenance["hostnames"]; o.Source != core.SourceAPI {
		t.Errorf("provenance of hostnames: %+v", o)
	}
	if got.LastSeen == nil || !got.LastSeen.Equal(t0.Add(time.Minute)) {
		t.Errorf("last seen %v", got.LastSeen)
	}
	mr, err := st.GetDevice(ctx, cmms.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(mr.MACs, []string{"00:18:65:00:00:03"}) || !slices.Equal(mr.AETitles, []string{"MR1"}) {
		t.Errorf("the CMMS record found by serial: MACs %v AE titles %v", mr.MACs, mr.AETitles)
	}

	obs, err := sensors.Observations(ctx, known.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(obs) != 1 || obs[0].Sensor != "ward-4" || obs[0].Vendor != "GE Healthcare" || obs[0].DeviceType != "ct-scanner" ||
		!strings.Contains(string(obs[0].Detail), "dicom-uid-ge") {
		t.Errorf("observations %+v", obs)
	}

	pumps, err := st.FindDevices(ctx, core.DeviceKeys{MACs: []string{"00:d0:75:00:00:02"}})
	if err != nil || len(pumps) != 1 {
		t.Fatalf("the new pump: %v, %v", pumps, err)
	}
	pump := pumps[0]
	if pump.Name != "pump-02" || pump.Provenance["macs"].Source != "sensor:ward-4" {
		t.Errorf("created device %+v", pump)
	}
	flows, err := sensors.ListFlows(ctx, core.FlowFilter{Device: known.ID})
	if err != nil {
		t.Fatal(err)
	}
	want := core.Flow{Sensor: "ward-4", Source: deviceKey(known.ID), Destination: deviceKey(pump.ID), SourceDevice: known.ID,
		DestinationDevice: pump.ID, Protocol: "tcp", Port: 104, App: "dicom", Connections: 2, Packets: 20, Bytes: 2000}
	if len(flows) != 1 || !sameFlow(*flows[0], want) {
		t.Errorf("flows of the CT: %+v", flows)
	}

	// The same run again: devices unchanged, counts add up, no second
	// new_device alert.
	sum, err = sensors.Record(ctx, "ward-4", res)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Created != 0 || sum.Updated != 0 || sum.NewDevices != 0 {
		t.Errorf("second run: %+v", sum)
	}
	flows, _ = sensors.ListFlows(ctx, core.FlowFilter{Device: known.ID})
	if len(flows) != 1 || flows[0].Connections != 4 || flows[0].Packets != 40 {
		t.Errorf("flow after two runs: %+v", flows)
	}
	alerts, err := sensors.ListAlerts(ctx, core.AlertFilter{Device: pump.ID})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int64{}
	for _, a := range alerts {
		kinds[a.Kind] = a.Count
	}
	if kinds[discovery.AlertInternet] != 2 || kinds[discovery.AlertNewDevice] != 1 || len(alerts) != 2 {
		t.Errorf("alerts of the pump: %+v", alerts)
	}

	if _, err := sensors.Record(ctx, "two words", res); !core.IsKind(err, core.KindInvalid) {
		t.Errorf("a sensor name with a space: %v", err)
	}
}

func deviceKey(id core.DeviceID) string { return fmt.Sprintf("device:%d", id) }

func sameFlow(a, b core.Flow) bool {
	return a.Sensor == b.Sensor && a.Source == b.Source && a.Destination == b.Destination && a.SourceDevice == b.SourceDevice &&
		a.DestinationDevice == b.DestinationDevice && a.Protocol == b.Protocol && a.Port == b.Port && a.App == b.App &&
		a.Connections == b.Connections && a.Packets == b.Packets && a.Bytes == b.Bytes
}
