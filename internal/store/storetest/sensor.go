package storetest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-oss/vigil/internal/core"
)

// testSensorReports checks what a report may not do. Observations, Flows,
// Alerts and SensorLists each have a store of their own, since they list
// everything stored.
func testSensorReports(t *testing.T, s core.Store) {
	t.Run("MissingDevice", func(t *testing.T) { testSensorMissingDevice(t, s) })
	t.Run("DeviceDeleted", func(t *testing.T) { testSensorDeviceDeleted(t, s) })
	t.Run("BadInput", func(t *testing.T) { testSensorBadInput(t, s) })
	t.Run("Bulk", func(t *testing.T) { testSensorBulk(t, s) })
}

// sensorDevices creates n plain devices for reports to name.
func sensorDevices(t *testing.T, s core.Store, prefix string, n int) []core.DeviceID {
	t.Helper()
	ds := make([]*core.Device, n)
	for i := range ds {
		ds[i] = &core.Device{Serial: fmt.Sprintf("%s-%d", prefix, i), Lifecycle: core.LifecycleActive}
	}
	ok(t, s.CreateDevices(t.Context(), ds), "create devices")
	ids := make([]core.DeviceID, n)
	for i, d := range ds {
		ids[i] = d.ID
	}
	return ids
}

func putReport(t *testing.T, s core.Store, r *core.SensorReport) {
	t.Helper()
	ok(t, s.PutSensorReport(t.Context(), r), "PutSensorReport")
}

// sameJSON checks that got holds the JSON value want holds.
func sameJSON(t testing.TB, what string, got, want json.RawMessage) {
	t.Helper()
	if (got == nil) != (want == nil) {
		t.Errorf("%s: got %q, want %q", what, got, want)
		return
	}
	if want == nil {
		return
	}
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Errorf("%s: stored detail %q is not JSON: %v", what, got, err)
		return
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s:\n got %s\nwant %s", what, got, want)
	}
}

func listObservations(t *testing.T, s core.Store, d core.DeviceID) []*core.Observation {
	t.Helper()
	l, err := s.ListObservations(t.Context(), d)
	ok(t, err, "ListObservations")
	if l == nil {
		t.Fatalf("ListObservations returned a nil slice")
	}
	return l
}

// wantObservation is what a store gives back for o: its times normalised.
func wantObservation(o *core.Observation) *core.Observation {
	w := *o
	w.FirstSeen, w.LastSeen, w.UpdatedAt = norm(o.FirstSeen), norm(o.LastSeen), norm(o.UpdatedAt)
	return &w
}

func checkObservations(t *testing.T, what string, got []*core.Observation, want ...*core.Observation) {
	t.Helper()
	if len(got) != len(want) {
		same(t, what, got, want)
		return
	}
	for i := range got {
		sameJSON(t, fmt.Sprintf("%s[%d] detail", what, i), got[i].Detail, want[i].Detail)
		g, w := *got[i], *wantObservation(want[i])
		g.Detail, w.Detail = nil, nil
		same(t, fmt.Sprintf("%s[%d]", what, i), &g, &w)
	}
}

func testObservations(t *testing.T, s core.Store) {
	ctx := t.Context()
	devs := sensorDevices(t, s, "obs", 3)
	detail := json.RawMessage(`{
		"confidence": {"vendor": 0.9, "model": 0.75},
		"services": ["dicom/104", "http/80"], "clinical": true,
		"note": "Überwachung \u00e9 \"quoted\" \\ <tag> 🩺", "nested": {"a": [1, 2.5, null, false, {}]},
		"big": 12345678901234567890
	}`)
	a := &core.Observation{DeviceID: devs[0], Sensor: "span-1", Vendor: "Medixa", Model: "Infusa 3",
		SoftwareVersion: "4.2.1", DeviceType: "infusion-pump", Role: "client", Detail: detail,
		FirstSeen: odd(2), LastSeen: odd(3)}
	b := &core.Observation{DeviceID: devs[0], Sensor: "span-0", Vendor: "Medixa", Detail: json.RawMessage(`[]`),
		FirstSeen: odd(1), LastSeen: odd(4)}
	c := &core.Observation{DeviceID: devs[1], Sensor: "span-1", Role: "server", FirstSeen: odd(5), LastSeen: odd(6)}
	putReport(t, s, &core.SensorReport{Observations: []*core.Observation{a, b, c}})
	for _, o := range []*core.Observation{a, b, c} {
		checkStamp(t, "UpdatedAt", o.UpdatedAt)
	}
	checkObservations(t, "observations of device 0", listObservations(t, s, devs[0]), b, a)
	checkObservations(t, "observations of device 1", listObservations(t, s, devs[1]), c)
	if got := listObservations(t, s, devs[2]); len(got) != 0 {
		t.Errorf("device without observations has %d", len(got))
	}
	if got := listObservations(t, s, c.DeviceID); got[0].Detail != nil {
		t.Errorf("no detail read back as %q, want nil", got[0].Detail)
	}

	// A second report replaces the observation of the same device and
	// sensor, times and all, and leaves the others.
	a2 := &core.Observation{DeviceID: devs[0], Sensor: "span-1", Vendor: "Medixa AG", Model: "Infusa 4",
		Detail: json.RawMessage(`{"confidence":{"vendor":1}}`), FirstSeen: odd(7), LastSeen: odd(8)}
	putReport(t, s, &core.SensorReport{Observations: []*core.Observation{a2}})
	checkObservations(t, "observations after a replace", listObservations(t, s, devs[0]), b, a2)
	checkObservations(t, "other device after a replace", listObservations(t, s, devs[1]), c)

	// The same observation twice in one report: the later one counts.
	x1 := &core.Observation{DeviceID: devs[2], Sensor: "span-1", Vendor: "first", FirstSeen: odd(1), LastSeen: odd(2)}
	x2 := &core.Observation{DeviceID: devs[2], Sensor: "span-1", Vendor: "second", FirstSeen: odd(3), LastSeen: odd(4)}
	putReport(t, s, &core.SensorReport{Observations: []*core.Observation{x1, x2}})
	checkObservations(t, "repeated observation", listObservations(t, s, devs[2]), x2)

	_, err := s.ListObservations(ctx, 0)
	wantErr(t, err, core.KindInvalid, "device_id", "observations of no device")
}

func listFlows(t *testing.T, s core.Store, f core.FlowFilter) []*core.Flow {
	t.Helper()
	l, err := s.ListFlows(t.Context(), f)
	ok(t, err, "ListFlows")
	if l == nil {
		t.Fatalf("ListFlows returned a nil slice")
	}
	return l
}

func listAlerts(t *testing.T, s core.Store, f core.AlertFilter) []*core.Alert {
	t.Helper()
	l, err := s.ListAlerts(t.Context(), f)
	ok(t, err, "ListAlerts")
	if l == nil {
		t.Fatalf("ListAlerts returned a nil slice")
	}
	return l
}

func testFlows(t *testing.T, s core.Store) {
	devs := sensorDevices(t, s, "flow", 2)
	key := func(d core.DeviceID) string { return fmt.Sprintf("device:%d", d) }
	a := &core.Flow{Sensor: "span-1", Source: key(devs[0]), Destination: key(devs[1]), SourceDevice: devs[0],
		DestinationDevice: devs[1], Protocol: "tcp", Port: 104, App: "dicom", Connections: 1, Packets: 10,
		Bytes: 1000, FirstSeen: odd(2), LastSeen: odd(3)}
	b := &core.Flow{Sensor: "span-1", Source: key(devs[1]), Destination: "ext:8.8.8.8", SourceDevice: devs[1],
		Protocol: "udp", Port: 53, App: "dns", Connections: 4, Packets: 8, Bytes: 640, FirstSeen: odd(2), LastSeen: odd(2)}
	// Same endpoints, protocol and port as a, another sensor: another flow.
	c := &core.Flow{Sensor: "span-2", Source: a.Source, Destination: a.Destination, SourceDevice: devs[0],
		DestinationDevice: devs[1], Protocol: "tcp", Port: 104, Connections: 1, FirstSeen: odd(5), LastSeen: odd(5)}
	// Another port: another flow.
	d := &core.Flow{Sensor: "span-1", Source: a.Source, Destination: a.Destination, SourceDevice: devs[0],
		DestinationDevice: devs[1], Protocol: "tcp", Port: 443, Encrypted: true, Connections: 2, FirstSeen: odd(1),
		LastSeen: odd(1)}
	putReport(t, s, &core.SensorReport{Flows: []*core.Flow{a, b, c, d}})
	ids := []int64{a.ID, b.ID, c.ID, d.ID}
	for i, id := range ids {
		if id <= 0 || slices.Index(ids, id) != i {
			t.Fatalf("flow ids %v: want positive and distinct", ids)
		}
	}
	want := map[int64]core.Flow{}
	for _, f := range []*core.Flow{a, b, c, d} {
		w := *f
		w.FirstSeen, w.LastSeen = norm(f.FirstSeen), norm(f.LastSeen)
		want[f.ID] = w
	}

	// The second report adds to a (twice, in one report), leaves app and the
	// devices where it sends none, and sets encrypted; b is widened at both
	// ends and takes the new app.
	a2 := &core.Flow{Sensor: "span-1", Source: a.Source, Destination: a.Destination, Protocol: "tcp", Port: 104,
		Encrypted: true, Connections: 2, Packets: 20, Bytes: 2000, FirstSeen: odd(1), LastSeen: odd(2)}
	a3 := &core.Flow{Sensor: "span-1", Source: a.Source, Destination: a.Destination, Protocol: "tcp", Port: 104,
		Connections: 3, Packets: 30, Bytes: 3000, FirstSeen: odd(2), LastSeen: odd(4)}
	b2 := &core.Flow{Sensor: "span-1", Source: b.Source, Destination: b.Destination, Protocol: "udp", Port: 53,
		App: "mdns", Connections: 1, Packets: 1, Bytes: 60, FirstSeen: odd(1), LastSeen: odd(9)}
	e := &core.Flow{Sensor: "span-1", Source: "ip:10.0.0.9", Destination: "broadcast:10.0.0.255", Protocol: "udp",
		Port: 67, Connections: 1, FirstSeen: odd(3), LastSeen: odd(3)}
	putReport(t, s, &core.SensorReport{Flows: []*core.Flow{a2, b2, a3, e}})
	if a2.ID != a.ID || a3.ID != a.ID || b2.ID != b.ID {
		t.Errorf("ids of flows counted again: %d, %d, %d; want the stored %d, %d, %d", a2.ID, a3.ID, b2.ID, a.ID, a.ID, b.ID)
	}
	if e.ID <= 0 || e.ID == a.ID || e.ID == b.ID || e.ID == c.ID || e.ID == d.ID {
		t.Errorf("new flow id %d among %v", e.ID, ids)
	}
	wa := want[a.ID]
	wa.Encrypted, wa.Connections, wa.Packets, wa.Bytes = true, 6, 60, 6000
	wa.FirstSeen, wa.LastSeen = norm(odd(1)), norm(odd(4))
	want[a.ID] = wa
	wb := want[b.ID]
	wb.App, wb.Connections, wb.Packets, wb.Bytes = "mdns", 5, 9, 700
	wb.FirstSeen, wb.LastSeen = norm(odd(1)), norm(odd(9))
	want[b.ID] = wb
	we := *e
	we.FirstSeen, we.LastSeen = norm(e.FirstSeen), norm(e.LastSeen)
	want[e.ID] = we

	got := listFlows(t, s, core.FlowFilter{})
	if len(got) != len(want) {
		t.Fatalf("listed %d flows, want %d", len(got), len(want))
	}
	for i, f := range got {
		if i > 0 && f.ID <= got[i-1].ID {
			t.Errorf("flows not in id order: %d after %d", f.ID, got[i-1].ID)
		}
		w := want[f.ID]
		same(t, fmt.Sprintf("flow %d", f.ID), f, &w)
		checkStamp(t, "flow FirstSeen", f.FirstSeen)
	}
}

func testAlerts(t *testing.T, s core.Store) {
	devs := sensorDevices(t, s, "alert", 2)
	key := fmt.Sprintf("device:%d", devs[0])
	a := &core.Alert{Sensor: "span-1", Kind: "cleartext_phi", Severity: "high", DeviceID: devs[0], DeviceKey: key,
		Peer: fmt.Sprintf("device:%d", devs[1]), Protocol: "hl7", Detail: "ADT^A01 in clear", Count: 3,
		FirstSeen: odd(5), LastSeen: odd(6)}
	b := &core.Alert{Sensor: "span-1", Kind: "new_device", Severity: "medium", DeviceKey: "ip:10.0.0.7",
		Detail: "a device the inventory did not have", FirstSeen: odd(4)}
	// Same as a but for the protocol: another alert.
	c := &core.Alert{Sensor: "span-1", Kind: "cleartext_phi", Severity: "high", DeviceID: devs[0], DeviceKey: key,
		Peer: a.Peer, Protocol: "http", Count: 1, FirstSeen: odd(1), LastSeen: odd(2)}
	putReport(t, s, &core.SensorReport{Alerts: []*core.Alert{a, b, c}})
	for _, x := range []*core.Alert{a, b, c} {
		if x.ID <= 0 {
			t.Errorf("alert id %d not set", x.ID)
		}
		checkStamp(t, "CreatedAt", x.CreatedAt)
		if !x.UpdatedAt.Equal(x.CreatedAt) {
			t.Errorf("UpdatedAt %v != CreatedAt %v on a new alert", x.UpdatedAt, x.CreatedAt)
		}
	}
	if a.ID == b.ID || b.ID == c.ID || a.ID == c.ID {
		t.Errorf("alert ids %d, %d, %d are not distinct", a.ID, b.ID, c.ID)
	}
	if b.Count != 1 || !b.LastSeen.Equal(norm(odd(4))) {
		t.Errorf("alert without count and last seen: count %d, last seen %v; want 1, its first seen", b.Count, b.LastSeen)
	}
	created := a.CreatedAt

	// Raised again, twice in one report: counts add, times widen, detail and
	// severity are the latest, the device stays when none is sent.
	a2 := &core.Alert{Sensor: "span-1", Kind: "cleartext_phi", Severity: "critical", DeviceKey: key, Peer: a.Peer,
		Protocol: "hl7", Detail: "ORU^R01 in clear", Count: 2, FirstSeen: odd(4), LastSeen: odd(5)}
	a3 := &core.Alert{Sensor: "span-1", Kind: "cleartext_phi", Severity: "low", DeviceKey: key, Peer: a.Peer,
		Protocol: "hl7", Detail: "latest", Count: 5, FirstSeen: odd(5), LastSeen: odd(7)}
	putReport(t, s, &core.SensorReport{Alerts: []*core.Alert{a2, a3}})
	if a2.ID != a.ID || a3.ID != a.ID {
		t.Errorf("ids %d, %d of an alert raised again; want the stored %d", a2.ID, a3.ID, a.ID)
	}
	if !a3.CreatedAt.Equal(created) {
		t.Errorf("CreatedAt %v of an alert raised again; want the first %v", a3.CreatedAt, created)
	}
	checkStamp(t, "UpdatedAt", a3.UpdatedAt)

	want := map[int64]core.Alert{}
	for _, x := range []*core.Alert{a, b, c} {
		w := *x
		w.FirstSeen, w.LastSeen = norm(x.FirstSeen), norm(x.LastSeen)
		want[x.ID] = w
	}
	wa := want[a.ID]
	wa.Severity, wa.Detail, wa.Count = "low", "latest", 10
	wa.FirstSeen, wa.LastSeen, wa.UpdatedAt = norm(odd(4)), norm(odd(7)), a3.UpdatedAt
	want[a.ID] = wa

	got := listAlerts(t, s, core.AlertFilter{})
	if len(got) != len(want) {
		t.Fatalf("listed %d alerts, want %d", len(got), len(want))
	}
	// Newest first: a (7th), b (4th), c (2nd).
	if got[0].ID != a.ID || got[1].ID != b.ID || got[2].ID != c.ID {
		t.Errorf("alert order %d, %d, %d; want %d, %d, %d", got[0].ID, got[1].ID, got[2].ID, a.ID, b.ID, c.ID)
	}
	for _, x := range got {
		w := want[x.ID]
		same(t, fmt.Sprintf("alert %d", x.ID), x, &w)
	}
}

// testSensorLists checks every filter of ListFlows and ListAlerts against
// the same selection made in Go, and that paging with any page size lists
// every selected row once, in order.
func testSensorLists(t *testing.T, s core.Store) {
	ctx := t.Context()
	devs := sensorDevices(t, s, "list", 4)
	sensors := []string{"span-a", "span-b", "span-c"}
	apps := []string{"", "dicom", "hl7"}
	var flows []*core.Flow
	for i := range 40 {
		f := &core.Flow{Sensor: sensors[i%3], Source: fmt.Sprintf("ip:10.0.0.%d", i), Protocol: "tcp", Port: 1000 + i,
			App: apps[(i/3)%3], Connections: int64(i), FirstSeen: odd(1 + i%9)}
		if i%4 != 3 {
			f.SourceDevice = devs[i%4]
			f.Source = fmt.Sprintf("device:%d", devs[i%4])
		}
		f.Destination = fmt.Sprintf("ext:192.0.2.%d", i)
		if i%5 == 0 {
			f.DestinationDevice = devs[(i+1)%4]
			f.Destination = fmt.Sprintf("device:%d", devs[(i+1)%4])
		}
		flows = append(flows, f)
	}
	kinds := []string{"port_scan", "insecure_protocol", "new_device"}
	sevs := []string{"low", "medium", "high", "critical"}
	base := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	var alerts []*core.Alert
	for i := range 45 {
		a := &core.Alert{Sensor: sensors[i%3], Kind: kinds[(i/3)%3], Severity: sevs[i%4],
			DeviceKey: fmt.Sprintf("ip:10.0.1.%d", i), Peer: fmt.Sprintf("ext:192.0.2.%d", i), Count: 1,
			// Runs of three alerts share a last seen, so the id breaks ties.
			FirstSeen: base, LastSeen: base.Add(time.Duration(i/3) * time.Hour).Add(time.Duration(i%7) * 311 * time.Nanosecond)}
		if i%3 != 2 {
			a.DeviceID = devs[i%4]
			a.DeviceKey = fmt.Sprintf("device:%d", devs[i%4])
		}
		alerts = append(alerts, a)
	}
	// Two reports, so that ids and last seens do not run together.
	putReport(t, s, &core.SensorReport{Flows: flows[20:], Alerts: alerts[20:]})
	putReport(t, s, &core.SensorReport{Flows: flows[:20], Alerts: alerts[:20]})

	flowFilters := []core.FlowFilter{{}, {Device: devs[0]}, {Device: devs[1]}, {Device: devs[3]}, {Sensor: "span-b"},
		{App: "dicom"}, {Device: devs[2], Sensor: "span-c", App: "hl7"}, {Sensor: "none"}}
	for _, flt := range flowFilters {
		var want []int64
		for _, f := range flows {
			if (flt.Device == 0 || f.SourceDevice == flt.Device || f.DestinationDevice == flt.Device) &&
				(flt.Sensor == "" || f.Sensor == flt.Sensor) && (flt.App == "" || f.App == flt.App) {
				want = append(want, f.ID)
			}
		}
		slices.Sort(want)
		for _, size := range []int{1, 3, 7, 0} {
			var got []int64
			flt := flt
			flt.Limit = size
			for n := 0; ; n++ {
				page := listFlows(t, s, flt)
				limit := cmpOr(size, 100)
				if len(page) > limit {
					t.Fatalf("page of %d flows, limit %d", len(page), limit)
				}
				for _, f := range page {
					got = append(got, f.ID)
					flt.After = f.ID
				}
				if len(page) < limit || n > 100 {
					break
				}
			}
			if !equalIDs(got, nonNil(want)) && !(len(got) == 0 && len(want) == 0) {
				t.Errorf("flows %+v, page size %d:\n got %v\nwant %v", flt, size, got, want)
			}
		}
	}

	order := slices.Clone(alerts)
	slices.SortFunc(order, func(a, b *core.Alert) int {
		if c := norm(b.LastSeen).Compare(norm(a.LastSeen)); c != 0 {
			return c
		}
		return int(b.ID - a.ID)
	})
	since := norm(alerts[30].LastSeen)
	alertFilters := []core.AlertFilter{{}, {Kind: "port_scan"}, {Severity: "high"}, {Device: devs[1]},
		{Sensor: "span-a"}, {Since: alerts[30].LastSeen}, {Kind: "new_device", Sensor: "span-b", Severity: "medium"},
		{Device: devs[0], Since: alerts[12].LastSeen}, {Kind: "none"}}
	for _, flt := range alertFilters {
		var want []int64
		for _, a := range order {
			if (flt.Kind == "" || a.Kind == flt.Kind) && (flt.Severity == "" || a.Severity == flt.Severity) &&
				(flt.Device == 0 || a.DeviceID == flt.Device) && (flt.Sensor == "" || a.Sensor == flt.Sensor) &&
				(flt.Since.IsZero() || !norm(a.LastSeen).Before(norm(flt.Since))) {
				want = append(want, a.ID)
			}
		}
		for _, size := range []int{1, 4, 0} {
			var got []int64
			flt := flt
			flt.Limit = size
			for n := 0; ; n++ {
				page := listAlerts(t, s, flt)
				limit := cmpOr(size, 100)
				if len(page) > limit {
					t.Fatalf("page of %d alerts, limit %d", len(page), limit)
				}
				for _, a := range page {
					got = append(got, a.ID)
					flt.Before = &core.AlertCursor{LastSeen: a.LastSeen, ID: a.ID}
				}
				if len(page) < limit || n > 100 {
					break
				}
			}
			if !equalIDs(got, want) {
				t.Errorf("alerts %+v, page size %d:\n got %v\nwant %v", flt, size, got, want)
			}
		}
	}
	if l := listAlerts(t, s, core.AlertFilter{Since: since}); len(l) == 0 || l[len(l)-1].LastSeen.Before(since) {
		t.Errorf("since %v listed an alert last seen before it", since)
	}

	t.Run("Limits", func(t *testing.T) {
		if n := len(listFlows(t, s, core.FlowFilter{Limit: 1000})); n != len(flows) {
			t.Errorf("limit 1000 listed %d flows, want %d", n, len(flows))
		}
		if n := len(listAlerts(t, s, core.AlertFilter{Limit: 1000})); n != len(alerts) {
			t.Errorf("limit 1000 listed %d alerts, want %d", n, len(alerts))
		}
		for _, n := range []int{-1, 1001} {
			_, err := s.ListFlows(ctx, core.FlowFilter{Limit: n})
			wantErr(t, err, core.KindInvalid, "limit", fmt.Sprintf("flows, limit %d", n))
			_, err = s.ListAlerts(ctx, core.AlertFilter{Limit: n})
			wantErr(t, err, core.KindInvalid, "limit", fmt.Sprintf("alerts, limit %d", n))
		}
		_, err := s.ListFlows(ctx, core.FlowFilter{After: -1})
		wantErr(t, err, core.KindInvalid, "after", "flows after a negative id")
		_, err = s.ListAlerts(ctx, core.AlertFilter{Before: &core.AlertCursor{LastSeen: base}})
		wantErr(t, err, core.KindInvalid, "before", "alerts before a cursor without id")
	})
}

func cmpOr(n, def int) int {
	if n == 0 {
		return def
	}
	return n
}

// testSensorMissingDevice checks that a report naming a device that does
// not exist writes nothing at all.
func testSensorMissingDevice(t *testing.T, s core.Store) {
	devs := sensorDevices(t, s, "missing", 1)
	ghost := devs[0] + 1000
	mk := func() *core.SensorReport {
		return &core.SensorReport{
			Observations: []*core.Observation{{DeviceID: devs[0], Sensor: "ghost", Vendor: "real", FirstSeen: odd(1)}},
			Flows: []*core.Flow{{Sensor: "ghost", Source: "ip:10.9.9.1", Destination: "ip:10.9.9.2", Protocol: "tcp",
				Port: 80, Connections: 1, FirstSeen: odd(1)}},
			Alerts: []*core.Alert{{Sensor: "ghost", Kind: "port_scan", DeviceKey: "ip:10.9.9.1", FirstSeen: odd(1)}},
		}
	}
	cases := []struct {
		field string
		edit  func(r *core.SensorReport)
	}{
		{"device_id", func(r *core.SensorReport) {
			r.Observations = append(r.Observations, &core.Observation{DeviceID: ghost, Sensor: "ghost", FirstSeen: odd(1)})
		}},
		{"source_device", func(r *core.SensorReport) { r.Flows[0].SourceDevice = ghost }},
		{"destination_device", func(r *core.SensorReport) { r.Flows[0].DestinationDevice = ghost }},
		{"device_id", func(r *core.SensorReport) { r.Alerts[0].DeviceID = ghost }},
	}
	for _, c := range cases {
		r := mk()
		c.edit(r)
		wantErr(t, s.PutSensorReport(t.Context(), r), core.KindInvalid, c.field, "report naming a missing device as "+c.field)
		if r.Flows[0].ID != 0 || r.Alerts[0].ID != 0 {
			t.Errorf("failed report set ids %d, %d", r.Flows[0].ID, r.Alerts[0].ID)
		}
		if l := listObservations(t, s, devs[0]); len(l) != 0 {
			t.Errorf("failed report (%s) wrote the observation of the device that exists", c.field)
		}
		if l := listFlows(t, s, core.FlowFilter{Sensor: "ghost"}); len(l) != 0 {
			t.Errorf("failed report (%s) wrote %d flows", c.field, len(l))
		}
		if l := listAlerts(t, s, core.AlertFilter{Sensor: "ghost"}); len(l) != 0 {
			t.Errorf("failed report (%s) wrote %d alerts", c.field, len(l))
		}
	}
	// Without the ghost, the same report goes in.
	putReport(t, s, mk())
	if len(listObservations(t, s, devs[0])) != 1 || len(listFlows(t, s, core.FlowFilter{Sensor: "ghost"})) != 1 ||
		len(listAlerts(t, s, core.AlertFilter{Sensor: "ghost"})) != 1 {
		t.Errorf("the report without a missing device was not written whole")
	}
}

// testSensorDeviceDeleted checks that a deleted device takes its
// observations with it and leaves flows and alerts without a device id.
func testSensorDeviceDeleted(t *testing.T, s core.Store) {
	ctx := t.Context()
	devs := sensorDevices(t, s, "deleted", 2)
	gone, kept := devs[0], devs[1]
	goneKey, keptKey := fmt.Sprintf("device:%d", gone), fmt.Sprintf("device:%d", kept)
	putReport(t, s, &core.SensorReport{
		Observations: []*core.Observation{{DeviceID: gone, Sensor: "span-del", FirstSeen: odd(1)},
			{DeviceID: kept, Sensor: "span-del", FirstSeen: odd(1)}},
		Flows: []*core.Flow{
			{Sensor: "span-del", Source: goneKey, Destination: keptKey, SourceDevice: gone, DestinationDevice: kept,
				Protocol: "tcp", Port: 2575, FirstSeen: odd(1)},
			{Sensor: "span-del", Source: keptKey, Destination: goneKey, SourceDevice: kept, DestinationDevice: gone,
				Protocol: "tcp", Port: 104, FirstSeen: odd(1)},
		},
		Alerts: []*core.Alert{{Sensor: "span-del", Kind: "new_device", DeviceID: gone, DeviceKey: goneKey, FirstSeen: odd(1)}},
	})
	ok(t, s.DeleteDevice(ctx, gone), "delete device with observations, flows and alerts")
	if l := listObservations(t, s, gone); len(l) != 0 {
		t.Errorf("deleted device still has %d observations", len(l))
	}
	if l := listObservations(t, s, kept); len(l) != 1 {
		t.Errorf("other device has %d observations, want 1", len(l))
	}
	if l := listFlows(t, s, core.FlowFilter{Device: gone}); len(l) != 0 {
		t.Errorf("%d flows still name the deleted device", len(l))
	}
	fl := listFlows(t, s, core.FlowFilter{Device: kept})
	if len(fl) != 2 {
		t.Fatalf("listed %d flows of the other device, want 2", len(fl))
	}
	if fl[0].SourceDevice != 0 || fl[0].DestinationDevice != kept || fl[0].Source != goneKey ||
		fl[1].DestinationDevice != 0 || fl[1].SourceDevice != kept || fl[1].Destination != goneKey {
		t.Errorf("flows after the delete: %+v, %+v; want the deleted device's id gone and its key kept", fl[0], fl[1])
	}
	al := listAlerts(t, s, core.AlertFilter{Sensor: "span-del"})
	if len(al) != 1 || al[0].DeviceID != 0 || al[0].DeviceKey != goneKey {
		t.Errorf("alerts after the delete: %+v; want one without device id, with its key", al)
	}
}

func testSensorBadInput(t *testing.T, s core.Store) {
	devs := sensorDevices(t, s, "bad", 1)
	obs := func(edit func(o *core.Observation)) *core.SensorReport {
		o := &core.Observation{DeviceID: devs[0], Sensor: "bad", Detail: json.RawMessage(`{}`), FirstSeen: odd(1)}
		edit(o)
		return &core.SensorReport{Observations: []*core.Observation{o}, Flows: []*core.Flow{goodFlow()}}
	}
	flow := func(edit func(f *core.Flow)) *core.SensorReport {
		f := goodFlow()
		edit(f)
		return &core.SensorReport{Flows: []*core.Flow{goodFlow(), f}}
	}
	alert := func(edit func(a *core.Alert)) *core.SensorReport {
		a := &core.Alert{Sensor: "bad", Kind: "port_scan", DeviceKey: "ip:10.0.0.1", FirstSeen: odd(1)}
		edit(a)
		return &core.SensorReport{Flows: []*core.Flow{goodFlow()}, Alerts: []*core.Alert{a}}
	}
	bigDetail := json.RawMessage(`"` + strings.Repeat("x", core.MaxObservationDetail) + `"`)
	cases := []struct {
		name  string
		r     *core.SensorReport
		kind  core.Kind
		field string
	}{
		{"nil report", nil, core.KindInvalid, "report"},
		{"nil observation", &core.SensorReport{Flows: []*core.Flow{goodFlow()}, Observations: []*core.Observation{nil}}, core.KindInvalid, "observations"},
		{"nil flow", &core.SensorReport{Flows: []*core.Flow{goodFlow(), nil}}, core.KindInvalid, "flows"},
		{"nil alert", &core.SensorReport{Flows: []*core.Flow{goodFlow()}, Alerts: []*core.Alert{nil}}, core.KindInvalid, "alerts"},
		{"too many observations", &core.SensorReport{Flows: []*core.Flow{goodFlow()},
			Observations: make([]*core.Observation, core.MaxReportObservations+1)}, core.KindTooLarge, "observations"},
		{"too many flows", &core.SensorReport{Flows: append(make([]*core.Flow, core.MaxReportFlows), goodFlow())}, core.KindTooLarge, "flows"},
		{"too many alerts", &core.SensorReport{Flows: []*core.Flow{goodFlow()},
			Alerts: make([]*core.Alert, core.MaxReportAlerts+1)}, core.KindTooLarge, "alerts"},
		{"observation without device", obs(func(o *core.Observation) { o.DeviceID = 0 }), core.KindInvalid, "device_id"},
		{"observation without sensor", obs(func(o *core.Observation) { o.Sensor = " " }), core.KindInvalid, "sensor"},
		{"detail not JSON", obs(func(o *core.Observation) { o.Detail = json.RawMessage(`{"a":`) }), core.KindInvalid, "detail"},
		{"detail not UTF-8", obs(func(o *core.Observation) { o.Detail = json.RawMessage("\"\xff\"") }), core.KindInvalid, "detail"},
		{"detail too large", obs(func(o *core.Observation) { o.Detail = bigDetail }), core.KindTooLarge, "detail"},
		{"vendor too long", obs(func(o *core.Observation) { o.Vendor = strings.Repeat("v", core.MaxNameLen+1) }), core.KindInvalid, "vendor"},
		{"flow without sensor", flow(func(f *core.Flow) { f.Sensor = "" }), core.KindInvalid, "sensor"},
		{"flow without source", flow(func(f *core.Flow) { f.Source = "" }), core.KindInvalid, "source"},
		{"flow without destination", flow(func(f *core.Flow) { f.Destination = "" }), core.KindInvalid, "destination"},
		{"flow without protocol", flow(func(f *core.Flow) { f.Protocol = "" }), core.KindInvalid, "protocol"},
		{"flow port out of range", flow(func(f *core.Flow) { f.Port = 65536 }), core.KindInvalid, "port"},
		{"flow negative bytes", flow(func(f *core.Flow) { f.Bytes = -1 }), core.KindInvalid, "bytes"},
		{"flow source with NUL", flow(func(f *core.Flow) { f.Source = "ip:10.0.0.1\x00" }), core.KindInvalid, "source"},
		{"flow app not UTF-8", flow(func(f *core.Flow) { f.App = "\xc3" }), core.KindInvalid, "app"},
		{"alert without sensor", alert(func(a *core.Alert) { a.Sensor = "" }), core.KindInvalid, "sensor"},
		{"alert without kind", alert(func(a *core.Alert) { a.Kind = "" }), core.KindInvalid, "kind"},
		{"alert without device key", alert(func(a *core.Alert) { a.DeviceKey = "" }), core.KindInvalid, "device"},
		{"alert negative count", alert(func(a *core.Alert) { a.Count = -2 }), core.KindInvalid, "count"},
		{"alert detail too long", alert(func(a *core.Alert) { a.Detail = strings.Repeat("d", 64<<10) }), core.KindInvalid, "detail"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantErr(t, s.PutSensorReport(t.Context(), c.r), c.kind, c.field, c.name)
			if c.r != nil && len(c.r.Flows) > 0 && c.r.Flows[0] != nil && c.r.Flows[0].ID != 0 {
				t.Errorf("refused report set flow id %d", c.r.Flows[0].ID)
			}
		})
	}
	if l := listFlows(t, s, core.FlowFilter{Sensor: "bad"}); len(l) != 0 {
		t.Errorf("refused reports wrote %d flows", len(l))
	}
	if l := listObservations(t, s, devs[0]); len(l) != 0 {
		t.Errorf("refused reports wrote %d observations", len(l))
	}
	if l := listAlerts(t, s, core.AlertFilter{Sensor: "bad"}); len(l) != 0 {
		t.Errorf("refused reports wrote %d alerts", len(l))
	}
	// An empty report is no error.
	putReport(t, s, &core.SensorReport{})
}

func goodFlow() *core.Flow {
	return &core.Flow{Sensor: "bad", Source: "ip:10.0.0.1", Destination: "ip:10.0.0.2", Protocol: "tcp", Port: 22,
		Connections: 1, FirstSeen: odd(1)}
}

// testSensorBulk puts a sensor run's worth twice: 5,000 flows and 300
// observations, then the same counted again.
func testSensorBulk(t *testing.T, s core.Store) {
	devs := sensorDevices(t, s, "bulk", 300)
	mk := func() *core.SensorReport {
		r := &core.SensorReport{}
		for i, d := range devs {
			r.Observations = append(r.Observations, &core.Observation{DeviceID: d, Sensor: "span-bulk",
				Vendor: "Maker", Model: fmt.Sprintf("M%d", i%17),
				Detail:    json.RawMessage(fmt.Sprintf(`{"confidence":{"vendor":0.%d},"services":["dicom/104","http/80"],"packets":%d}`, i%10, i*31)),
				FirstSeen: odd(1), LastSeen: odd(2)})
		}
		for i := range 5000 {
			src := devs[i%len(devs)]
			r.Flows = append(r.Flows, &core.Flow{Sensor: "span-bulk", Source: fmt.Sprintf("device:%d", src), SourceDevice: src,
				Destination: fmt.Sprintf("ip:10.%d.%d.%d", i/65536, (i/256)%256, i%256), Protocol: "tcp", Port: 1 + i%1000,
				App: "dicom", Connections: 1, Packets: 10, Bytes: 1500, FirstSeen: odd(1), LastSeen: odd(2)})
		}
		for i := range 200 {
			r.Alerts = append(r.Alerts, &core.Alert{Sensor: "span-bulk", Kind: "insecure_protocol", Severity: "medium",
				DeviceID: devs[i], DeviceKey: fmt.Sprintf("device:%d", devs[i]), Protocol: "telnet", FirstSeen: odd(1)})
		}
		return r
	}
	var ids []int64
	for round := 1; round <= 2; round++ {
		r := mk()
		start := time.Now()
		putReport(t, s, r)
		t.Logf("round %d: %d observations, %d flows, %d alerts in %v", round, len(r.Observations), len(r.Flows),
			len(r.Alerts), time.Since(start))
		var got []int64
		for _, f := range r.Flows {
			if f.ID <= 0 {
				t.Fatalf("round %d: flow id not set", round)
			}
			got = append(got, f.ID)
		}
		if ids == nil {
			ids = got
		} else if !equalIDs(got, ids) {
			t.Errorf("round 2 gave the flows other ids")
		}
	}
	var n int
	for after := int64(0); ; {
		page := listFlows(t, s, core.FlowFilter{Sensor: "span-bulk", After: after, Limit: 1000})
		for _, f := range page {
			if f.Connections != 2 || f.Packets != 20 || f.Bytes != 3000 {
				t.Fatalf("flow %d counts %d/%d/%d after two reports; want 2/20/3000", f.ID, f.Connections, f.Packets, f.Bytes)
			}
			after = f.ID
		}
		n += len(page)
		if len(page) < 1000 {
			break
		}
	}
	if n != 5000 {
		t.Errorf("listed %d flows, want 5000", n)
	}
	if al := listAlerts(t, s, core.AlertFilter{Sensor: "span-bulk", Limit: 1000}); len(al) != 200 || al[0].Count != 2 {
		t.Errorf("listed %d alerts (first count %d); want 200 counted twice", len(al), al[0].Count)
	}
	if l := listObservations(t, s, devs[299]); len(l) != 1 || l[0].Model != "M10" {
		t.Errorf("observations of the last device: %+v", l)
	}
}
