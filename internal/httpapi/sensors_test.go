package httpapi_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/discovery"
	"github.com/vigil-oss/vigil/internal/service"
)

func TestSensorAPI(t *testing.T) {
	e := newEnv(t)
	ct, _ := e.createDevice(map[string]any{"name": "CT", "macs": []string{"44:4b:5d:00:00:01"}})
	t0 := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	res := &discovery.Result{
		Devices: []*discovery.Device{
			{ID: "mac:44:4b:5d:00:00:01", MACs: []string{"44:4b:5d:00:00:01"}, Vendor: "GE Healthcare", DeviceType: "ct-scanner",
				FirstSeen: t0, LastSeen: t0},
		},
		Alerts: []discovery.Alert{},
	}
	for i := range 3 {
		res.Flows = append(res.Flows, discovery.FlowSummary{Source: "mac:44:4b:5d:00:00:01",
			Destination: fmt.Sprintf("ip:10.0.0.%d", i+1), Protocol: "tcp", Port: 104, App: "dicom", Connections: 1,
			Packets: 10, Bytes: 100, FirstSeen: t0, LastSeen: t0})
		res.Alerts = append(res.Alerts, discovery.Alert{Kind: discovery.AlertCleartextPHI, Severity: "high",
			Time: t0.Add(time.Duration(i) * time.Minute), LastTime: t0.Add(time.Duration(i) * time.Minute), Count: 1,
			Device: "mac:44:4b:5d:00:00:01", Peer: fmt.Sprintf("10.0.0.%d:104", i+1), Protocol: "dicom", Detail: "dataset"})
	}
	if _, err := service.NewSensors(e.store, core.SystemClock{}).Record(context.Background(), "lab", res); err != nil {
		t.Fatal(err)
	}

	var obs struct {
		Observations []core.Observation `json:"observations"`
	}
	e.must(200, req{Method: "GET", Path: path("devices", ct.ID) + "/observations", Token: e.auditor}, &obs)
	if len(obs.Observations) != 1 || obs.Observations[0].Vendor != "GE Healthcare" || obs.Observations[0].Sensor != "lab" {
		t.Errorf("observations %+v", obs)
	}
	wantError(t, e.do(req{Method: "GET", Path: "/api/v1/devices/999/observations"}), 404, "not_found", "")

	// Flows, two to a page: the cursor walks them all once.
	var seen []string
	cursor := ""
	for page := 0; page < 5; page++ {
		var body struct {
			Flows      []core.Flow `json:"flows"`
			NextCursor string      `json:"next_cursor"`
		}
		p := fmt.Sprintf("/api/v1/flows?device=%d&limit=2", ct.ID)
		if cursor != "" {
			p += "&cursor=" + cursor
		}
		e.must(200, req{Method: "GET", Path: p, Token: e.auditor}, &body)
		for _, f := range body.Flows {
			seen = append(seen, f.Destination)
		}
		if cursor = body.NextCursor; cursor == "" {
			break
		}
	}
	if strings.Join(seen, ",") != "ip:10.0.0.1,ip:10.0.0.2,ip:10.0.0.3" {
		t.Errorf("flows walked: %v", seen)
	}

	// Alerts, newest first, two to a page.
	var alerts []string
	cursor = ""
	for page := 0; page < 5; page++ {
		var body struct {
			Alerts     []core.Alert `json:"alerts"`
			NextCursor string       `json:"next_cursor"`
		}
		p := "/api/v1/alerts?kind=cleartext_phi&limit=2"
		if cursor != "" {
			p += "&cursor=" + cursor
		}
		e.must(200, req{Method: "GET", Path: p}, &body)
		for _, a := range body.Alerts {
			alerts = append(alerts, a.Peer)
			if a.DeviceID != ct.ID || a.DeviceKey != fmt.Sprintf("device:%d", ct.ID) {
				t.Errorf("alert device %d %q", a.DeviceID, a.DeviceKey)
			}
		}
		if cursor = body.NextCursor; cursor == "" {
			break
		}
	}
	if strings.Join(alerts, ",") != "10.0.0.3:104,10.0.0.2:104,10.0.0.1:104" {
		t.Errorf("alerts walked: %v", alerts)
	}
	var none struct {
		Alerts []core.Alert `json:"alerts"`
	}
	e.must(200, req{Method: "GET", Path: "/api/v1/alerts?since=2026-11-27T08:05:00Z"}, &none)
	if len(none.Alerts) != 0 {
		t.Errorf("since: %+v", none.Alerts)
	}
	for _, c := range []struct{ path, field string }{
		{"/api/v1/alerts?kind=bogus", "kind"},
		{"/api/v1/alerts?severity=urgent", "severity"},
		{"/api/v1/alerts?since=yesterday", "since"},
		{"/api/v1/alerts?cursor=abc", "cursor"},
		{"/api/v1/alerts?devices=1", "devices"},
		{"/api/v1/flows?limit=0", "limit"},
		{"/api/v1/flows?device=x", "device"},
	} {
		wantError(t, e.do(req{Method: "GET", Path: c.path}), 400, "invalid", c.field)
	}
	// A flows cursor is not an alerts cursor.
	var fl struct {
		NextCursor string `json:"next_cursor"`
	}
	e.must(200, req{Method: "GET", Path: "/api/v1/flows?limit=1"}, &fl)
	wantError(t, e.do(req{Method: "GET", Path: "/api/v1/alerts?cursor=" + fl.NextCursor}), 400, "invalid", "cursor")
	wantError(t, e.do(req{Method: "GET", Path: "/api/v1/alerts", Token: "-"}), 401, "unauthorized", "")
}
