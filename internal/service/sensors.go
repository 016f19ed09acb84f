package service

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/discovery"
)

// Sensors records what sensors observe: it merges discovered devices into
// the inventory and stores their observations, flows and alerts.
type Sensors struct {
	store core.Store
	clock core.Clock
}

// NewSensors returns the sensor use cases over st.
func NewSensors(st core.Store, clock core.Clock) *Sensors { return &Sensors{store: st, clock: clock} }

// SensorSummary says what one Record did.
type SensorSummary struct {
	Sensor         string   `json:"sensor"`
	Devices        int      `json:"devices"`           // discovered devices recorded
	Created        int      `json:"created"`           // new inventory devices
	Updated        int      `json:"updated"`           // inventory devices whose attributes changed
	KeptAttributes int      `json:"kept_attributes"`   // observed changes not made to attributes a person entered
	Skipped        int      `json:"skipped"`           // devices that could not be recorded (see Problems)
	Flows          int      `json:"flows"`             // flow summaries stored
	Alerts         int      `json:"alerts"`            // alerts stored (new or counted again)
	NewDevices     int      `json:"new_device_alerts"` // of them, devices the inventory did not know
	Problems       []string `json:"problems,omitempty"`
}

// maxSensorName bounds the NAME of provenance sensor:NAME.
const maxSensorName = 64

// Record merges a sensor run's result into the inventory under the
// provenance sensor:NAME, then stores its observations, flows and alerts.
// Observed values never replace an attribute a person entered (through the
// API or the console): lists are merged, a serial is only filled in, and
// first/last seen only widen. A device the inventory did not have is
// created, and when the inventory held devices before the run, raised as
// a new_device alert.
func (s *Sensors) Record(ctx context.Context, sensor string, res *discovery.Result) (*SensorSummary, error) {
	sensor = strings.TrimSpace(sensor)
	if sensor == "" || len(sensor) > maxSensorName || strings.ContainsAny(sensor, " \t\r\n") {
		return nil, core.Invalid("sensor", "a sensor name is 1 to %d characters without spaces", maxSensorName)
	}
	src := core.SensorSource(sensor)
	sum := &SensorSummary{Sensor: sensor}
	known, err := s.store.CountDevices(ctx)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	ids := map[string]core.DeviceID{} // discovery id -> inventory id
	var created []*discovery.Device
	const batch = 200
	for lo := 0; lo < len(res.Devices); lo += batch {
		part := res.Devices[lo:min(lo+batch, len(res.Devices))]
		var partCreated []*discovery.Device
		partIDs := map[string]core.DeviceID{}
		partSum := SensorSummary{}
		err := s.store.InTx(ctx, func(inv core.Inventory) error {
			for _, d := range part {
				id, made, changed, kept, problem, err := s.mergeDevice(ctx, inv, src, d, now)
				if err != nil {
					return err
				}
				if problem != "" {
					partSum.Skipped++
					partSum.Problems = append(partSum.Problems, problem)
					continue
				}
				partIDs[d.ID] = id
				partSum.Devices++
				partSum.KeptAttributes += kept
				switch {
				case made:
					partSum.Created++
					partCreated = append(partCreated, d)
				case changed:
					partSum.Updated++
				}
			}
			return nil
		})
		if err != nil {
			return sum, fmt.Errorf("record devices of sensor %s: %w", sensor, err)
		}
		maps.Copy(ids, partIDs)
		created = append(created, partCreated...)
		sum.Devices += partSum.Devices
		sum.Created += partSum.Created
		sum.Updated += partSum.Updated
		sum.KeptAttributes += partSum.KeptAttributes
		sum.Skipped += partSum.Skipped
		sum.Problems = append(sum.Problems, partSum.Problems...)
	}
	rep, err := s.report(sensor, res, ids)
	if err != nil {
		return sum, err
	}
	if known > 0 {
		for _, d := range created {
			rep.Alerts = append(rep.Alerts, &core.Alert{Sensor: sensor, Kind: discovery.AlertNewDevice, Severity: "medium",
				DeviceID: ids[d.ID], DeviceKey: endpointKey(d.ID, ids), Protocol: "",
				Detail: "a device the inventory did not have: " + describeObserved(d), Count: 1,
				FirstSeen: d.FirstSeen, LastSeen: d.FirstSeen})
			sum.NewDevices++
		}
	}
	if err := s.store.PutSensorReport(ctx, rep); err != nil {
		return sum, fmt.Errorf("store the report of sensor %s: %w", sensor, err)
	}
	sum.Flows, sum.Alerts = len(rep.Flows), len(rep.Alerts)
	return sum, nil
}

func describeObserved(d *discovery.Device) string {
	var parts []string
	for _, p := range []string{d.DeviceType, d.Vendor, d.Model} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if len(d.Hostnames) > 0 {
		parts = append(parts, d.Hostnames[0])
	}
	parts = append(parts, strings.Join(append(slices.Clone(d.MACs), d.IPs...), " "))
	return strings.Join(parts, ", ")
}

// endpointKey turns a discovery endpoint ("mac:…", "ip:…", "ext:…") into
// the store's: "device:ID" when it is an inventory device.
func endpointKey(k string, ids map[string]core.DeviceID) string {
	if id, ok := ids[k]; ok {
		return fmt.Sprintf("device:%d", id)
	}
	return k
}

// mergeDevice finds the inventory device d is (by MAC, serial, else IP)
// and merges d into it, or creates it. problem is set, and nothing
// written, when d cannot be recorded (no usable key).
func (s *Sensors) mergeDevice(ctx context.Context, inv core.Inventory, src core.Source, d *discovery.Device, now time.Time) (
	id core.DeviceID, made, changed bool, kept int, problem string, err error) {
	obs := observedDevice(d)
	keys := core.DeviceKeys{MACs: obs.MACs}
	if obs.Serial != "" {
		keys.Serials = []string{obs.Serial}
	}
	var cur *core.Device
	if len(keys.MACs) > 0 || len(keys.Serials) > 0 {
		found, err := inv.FindDevices(ctx, keys)
		if err != nil {
			return 0, false, false, 0, "", err
		}
		cur = pickDevice(found, obs)
	}
	if cur == nil && len(obs.MACs) == 0 {
		for _, ip := range obs.IPs {
			page, err := inv.ListDevices(ctx, core.DeviceFilter{Query: ip, Limit: 20})
			if err != nil {
				return 0, false, false, 0, "", err
			}
			for _, c := range page.Devices {
				if slices.Contains(c.IPs, ip) {
					cur = c
					break
				}
			}
			if cur != nil {
				break
			}
		}
	}
	if cur == nil {
		if len(obs.MACs) == 0 && obs.Serial == "" {
			return 0, false, false, 0, fmt.Sprintf("device %s: seen only by IP address, and no inventory device has it", d.ID), nil
		}
		obs.Provenance = core.Provenance{}
		attrs := []string{"name", "macs", "ips", "hostnames", "ae_titles", "hl7", "serial", "first_seen", "last_seen"}
		for _, a := range attrs {
			if attrSet(obs, a) {
				obs.Provenance.Set(src, now, a)
			}
		}
		if err := obs.Validate(); err != nil {
			return 0, false, false, 0, fmt.Sprintf("device %s: %v", d.ID, err), nil
		}
		if err := inv.CreateDevice(ctx, obs); err != nil {
			if core.IsKind(err, core.KindConflict) || core.IsKind(err, core.KindInvalid) {
				return 0, false, false, 0, fmt.Sprintf("device %s: %v", d.ID, err), nil
			}
			return 0, false, false, 0, "", err
		}
		return obs.ID, true, true, 0, "", nil
	}
	next := *cur
	next.Provenance = cur.Provenance.Clone()
	var changedAttrs []string
	mergeList := func(attr string, have *[]string, add []string) {
		var extra []string
		for _, v := range add {
			if !slices.ContainsFunc(*have, func(h string) bool { return strings.EqualFold(h, v) }) {
				extra = append(extra, v)
			}
		}
		if len(extra) == 0 {
			return
		}
		if personEntered(cur.Provenance[attr]) {
			kept++
			return
		}
		*have = append(slices.Clone(*have), extra...)
		if len(*have) > core.MaxListLen {
			*have = (*have)[:core.MaxListLen]
		}
		changedAttrs = append(changedAttrs, attr)
	}
	mergeList("macs", &next.MACs, obs.MACs)
	mergeList("ips", &next.IPs, obs.IPs)
	mergeList("hostnames", &next.Hostnames, obs.Hostnames)
	mergeList("ae_titles", &next.AETitles, obs.AETitles)
	var hl7 []core.HL7Endpoint
	for _, h := range obs.HL7 {
		if !slices.Contains(cur.HL7, h) {
			hl7 = append(hl7, h)
		}
	}
	if len(hl7) > 0 {
		if personEntered(cur.Provenance["hl7"]) {
			kept++
		} else {
			next.HL7 = append(slices.Clone(cur.HL7), hl7...)[:min(len(cur.HL7)+len(hl7), core.MaxListLen)]
			changedAttrs = append(changedAttrs, "hl7")
		}
	}
	if obs.Serial != "" && cur.Serial == "" {
		if personEntered(cur.Provenance["serial"]) {
			kept++
		} else {
			next.Serial = obs.Serial
			changedAttrs = append(changedAttrs, "serial")
		}
	}
	if obs.FirstSeen != nil && (cur.FirstSeen == nil || obs.FirstSeen.Before(*cur.FirstSeen)) {
		next.FirstSeen = obs.FirstSeen
		changedAttrs = append(changedAttrs, "first_seen")
	}
	if obs.LastSeen != nil && (cur.LastSeen == nil || obs.LastSeen.After(*cur.LastSeen)) {
		next.LastSeen = obs.LastSeen
		changedAttrs = append(changedAttrs, "last_seen")
	}
	if len(changedAttrs) == 0 {
		return cur.ID, false, false, kept, "", nil
	}
	next.Provenance.Set(src, now, changedAttrs...)
	if err := next.Validate(); err != nil {
		return 0, false, false, 0, fmt.Sprintf("device %s onto device %d: %v", d.ID, cur.ID, err), nil
	}
	if err := inv.UpdateDevice(ctx, &next); err != nil {
		if core.IsKind(err, core.KindConflict) || core.IsKind(err, core.KindInvalid) {
			return 0, false, false, 0, fmt.Sprintf("device %s onto device %d: %v", d.ID, cur.ID, err), nil
		}
		return 0, false, false, 0, "", err
	}
	return cur.ID, false, true, kept, "", nil
}

// pickDevice chooses among the devices that share a key with obs the one
// sharing a MAC, else one sharing the serial that has no MAC of its own
// (an asset record from a CMMS): serial numbers are unique only per maker,
// so a serial alone never joins two devices that both have MACs.
func pickDevice(found []*core.Device, obs *core.Device) *core.Device {
	for _, f := range found {
		for _, m := range obs.MACs {
			if slices.Contains(f.MACs, m) {
				return f
			}
		}
	}
	for _, f := range found {
		if obs.Serial != "" && f.Serial == obs.Serial && len(f.MACs) == 0 {
			return f
		}
	}
	return nil
}

func attrSet(d *core.Device, attr string) bool {
	switch attr {
	case "name":
		return d.Name != ""
	case "macs":
		return len(d.MACs) > 0
	case "ips":
		return len(d.IPs) > 0
	case "hostnames":
		return len(d.Hostnames) > 0
	case "ae_titles":
		return len(d.AETitles) > 0
	case "hl7":
		return len(d.HL7) > 0
	case "serial":
		return d.Serial != ""
	case "first_seen":
		return d.FirstSeen != nil
	case "last_seen":
		return d.LastSeen != nil
	}
	return false
}

// observedDevice is the inventory's view of a discovered device: its keys
// and names, each cleaned so that one odd value drops out rather than
// failing the device.
func observedDevice(d *discovery.Device) *core.Device {
	o := &core.Device{}
	for _, m := range d.MACs {
		if n, err := core.NormalizeMAC(m); err == nil {
			o.MACs = append(o.MACs, n)
		}
	}
	for _, ip := range d.IPs {
		a, err := netip.ParseAddr(ip)
		if err != nil || a.IsLoopback() {
			continue
		}
		if n, err := core.NormalizeIP(ip); err == nil {
			o.IPs = append(o.IPs, n)
		}
	}
	for _, h := range d.Hostnames {
		if n, err := core.NormalizeHostname(h); err == nil && !slices.Contains(o.Hostnames, n) {
			o.Hostnames = append(o.Hostnames, n)
		}
	}
	for _, ae := range d.AETitles {
		if n, err := core.CheckAETitle(ae); err == nil && n != "" {
			o.AETitles = append(o.AETitles, n)
		}
	}
	for _, app := range d.HL7Applications {
		a, f, _ := strings.Cut(app, "^")
		if a != "" && len(a) <= core.MaxNameLen && len(f) <= core.MaxNameLen {
			o.HL7 = append(o.HL7, core.HL7Endpoint{Application: a, Facility: f})
		}
	}
	for _, l := range []*[]string{&o.MACs, &o.IPs, &o.Hostnames, &o.AETitles} {
		if len(*l) > core.MaxListLen {
			*l = (*l)[:core.MaxListLen]
		}
	}
	if len(o.HL7) > core.MaxListLen {
		o.HL7 = o.HL7[:core.MaxListLen]
	}
	if len(d.Serial) <= core.MaxNameLen {
		o.Serial = d.Serial
	}
	switch {
	case len(o.Hostnames) > 0:
		o.Name = o.Hostnames[0]
	case len(o.AETitles) > 0:
		o.Name = o.AETitles[0]
	case d.Vendor != "" || d.Model != "":
		o.Name = strings.TrimSpace(d.Vendor + " " + d.Model)
	}
	if len(o.Name) > core.MaxNameLen {
		o.Name = o.Name[:core.MaxNameLen]
	}
	if !d.FirstSeen.IsZero() {
		t := d.FirstSeen.UTC()
		o.FirstSeen = &t
	}
	if !d.LastSeen.IsZero() {
		t := d.LastSeen.UTC()
		o.LastSeen = &t
	}
	return o
}

// observationDetail is what an Observation keeps of the sensor's account
// beyond its columns.
type observationDetail struct {
	Confidence map[string]float64   `json:"confidence"`
	Roles      []string             `json:"roles"`
	Clinical   bool                 `json:"clinical"`
	Services   []string             `json:"services"`
	Protocols  []string             `json:"protocols"`
	TLSClients []string             `json:"tls_client_fingerprints"`
	VLANs      []uint16             `json:"vlans"`
	LocalMAC   bool                 `json:"locally_administered_mac"`
	Packets    uint64               `json:"packets"`
	Bytes      uint64               `json:"bytes"`
	Observed   map[string][]string  `json:"observed"`
	Evidence   []discovery.Evidence `json:"evidence"`
	IPHistory  []discovery.IPSeen   `json:"ip_history"`
}

func (s *Sensors) report(sensor string, res *discovery.Result, ids map[string]core.DeviceID) (*core.SensorReport, error) {
	rep := &core.SensorReport{}
	for _, d := range res.Devices {
		id, ok := ids[d.ID]
		if !ok {
			continue
		}
		detail, err := json.Marshal(observationDetail{Confidence: d.Confidence, Roles: d.Roles, Clinical: d.Clinical,
			Services: d.Services, Protocols: d.Protocols, TLSClients: d.TLSClients, VLANs: d.VLANs, LocalMAC: d.LocalMAC,
			Packets: d.Packets, Bytes: d.Bytes, Observed: d.Observed, Evidence: d.Evidence, IPHistory: d.IPHistory})
		if err != nil {
			return nil, err
		}
		if len(detail) > core.MaxObservationDetail {
			// Evidence is what can grow; the conclusions stay.
			detail, err = json.Marshal(observationDetail{Confidence: d.Confidence, Roles: d.Roles, Clinical: d.Clinical})
			if err != nil {
				return nil, err
			}
		}
		rep.Observations = append(rep.Observations, &core.Observation{DeviceID: id, Sensor: sensor, Vendor: clip(d.Vendor, core.MaxNameLen),
			Model: clip(d.Model, core.MaxNameLen), SoftwareVersion: clip(d.SoftwareVersion, core.MaxNameLen),
			DeviceType: clip(d.DeviceType, core.MaxNameLen), Role: clip(d.Role, core.MaxNameLen), Detail: detail,
			FirstSeen: d.FirstSeen, LastSeen: d.LastSeen})
	}
	for _, f := range res.Flows {
		if len(rep.Flows) >= core.MaxReportFlows {
			break
		}
		rep.Flows = append(rep.Flows, &core.Flow{Sensor: sensor, Source: endpointKey(f.Source, ids),
			Destination: endpointKey(f.Destination, ids), SourceDevice: ids[f.Source], DestinationDevice: ids[f.Destination],
			Protocol: f.Protocol, Port: int(f.Port), App: f.App, Encrypted: f.Encrypted, Connections: int64(f.Connections),
			Packets: int64(f.Packets), Bytes: int64(f.Bytes), FirstSeen: f.FirstSeen, LastSeen: f.LastSeen})
	}
	for _, a := range res.Alerts {
		if len(rep.Alerts) >= core.MaxReportAlerts-len(res.Devices) {
			break
		}
		rep.Alerts = append(rep.Alerts, &core.Alert{Sensor: sensor, Kind: a.Kind, Severity: a.Severity,
			DeviceID: ids[a.Device], DeviceKey: endpointKey(a.Device, ids), Peer: clip(a.Peer, core.MaxNameLen),
			Protocol: clip(a.Protocol, core.MaxNameLen), Detail: clip(a.Detail, maxAlertDetail), Count: int64(a.Count),
			FirstSeen: a.Time, LastSeen: a.LastTime})
	}
	return rep, nil
}

// maxAlertDetail is what the stores keep of an alert's detail.
const maxAlertDetail = 8192

// clip cuts s to at most n bytes without splitting a UTF-8 sequence.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Observations returns what sensors observed of a device.
func (s *Sensors) Observations(ctx context.Context, device core.DeviceID) ([]*core.Observation, error) {
	return s.store.ListObservations(ctx, device)
}

// ListFlows pages through stored flows.
func (s *Sensors) ListFlows(ctx context.Context, f core.FlowFilter) ([]*core.Flow, error) {
	return s.store.ListFlows(ctx, f)
}

// ListAlerts pages through stored alerts, newest first.
func (s *Sensors) ListAlerts(ctx context.Context, f core.AlertFilter) ([]*core.Alert, error) {
	return s.store.ListAlerts(ctx, f)
}
