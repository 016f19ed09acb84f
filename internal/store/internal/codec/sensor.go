package codec

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigil-oss/vigil/internal/core"
)

// MaxAlertDetail bounds an alert's Detail, free text like a device's notes.
const MaxAlertDetail = core.MaxNotesLen

// CheckSensorReport checks a report before PutSensorReport writes any of
// it: sizes within the core.MaxReport* limits (KindTooLarge), a sensor on
// everything, a device on every observation, source, destination and
// protocol on every flow, kind and device key on every alert, no negative
// count, a port in 0..65535, Detail that is JSON, text that both databases
// store as given (valid UTF-8 without NUL, keys within core.MaxNameLen so
// that they fit an index entry). Only when all of it passes does it
// normalise the values passed: times to TimePrecision in UTC, a missing
// first or last seen to the other one (both missing: now), an alert Count
// of 0 to 1.
func CheckSensorReport(r *core.SensorReport, now time.Time) error {
	if r == nil {
		return core.Invalid("report", "is required")
	}
	switch {
	case len(r.Observations) > core.MaxReportObservations:
		return tooLarge("observations", "a report carries at most %d observations, not %d",
			core.MaxReportObservations, len(r.Observations))
	case len(r.Flows) > core.MaxReportFlows:
		return tooLarge("flows", "a report carries at most %d flows, not %d", core.MaxReportFlows, len(r.Flows))
	case len(r.Alerts) > core.MaxReportAlerts:
		return tooLarge("alerts", "a report carries at most %d alerts, not %d", core.MaxReportAlerts, len(r.Alerts))
	}
	for i, o := range r.Observations {
		if err := checkObservation(i, o); err != nil {
			return err
		}
	}
	for i, f := range r.Flows {
		if err := checkFlow(i, f); err != nil {
			return err
		}
	}
	for i, a := range r.Alerts {
		if err := checkAlert(i, a); err != nil {
			return err
		}
	}
	for _, o := range r.Observations {
		o.FirstSeen, o.LastSeen = seen(o.FirstSeen, o.LastSeen, now)
	}
	for _, f := range r.Flows {
		f.FirstSeen, f.LastSeen = seen(f.FirstSeen, f.LastSeen, now)
	}
	for _, a := range r.Alerts {
		a.FirstSeen, a.LastSeen = seen(a.FirstSeen, a.LastSeen, now)
		if a.Count == 0 {
			a.Count = 1
		}
	}
	return nil
}

func tooLarge(field, format string, args ...any) error {
	return &core.Error{Kind: core.KindTooLarge, Message: fmt.Sprintf(format, args...), Field: field}
}

// seen normalises a first and last seen, filling in a missing one.
func seen(first, last, now time.Time) (time.Time, time.Time) {
	switch {
	case first.IsZero() && last.IsZero():
		first, last = now, now
	case first.IsZero():
		first = last
	case last.IsZero():
		last = first
	}
	return Time(first), Time(last)
}

// text checks one text value of element i of a report's what.
func text(what string, i int, field, s string, max int, required bool) error {
	switch {
	case required && strings.TrimSpace(s) == "":
		return core.Invalid(field, "is required (%s %d)", what, i)
	case len(s) > max:
		return core.Invalid(field, "is longer than %d bytes (%s %d)", max, what, i)
	case !utf8.ValidString(s):
		return core.Invalid(field, "is not valid UTF-8 (%s %d)", what, i)
	case strings.IndexByte(s, 0) >= 0:
		return core.Invalid(field, "contains a NUL character (%s %d)", what, i)
	}
	return nil
}

func checkObservation(i int, o *core.Observation) error {
	if o == nil {
		return core.Invalid("observations", "observation %d is nil", i)
	}
	if o.DeviceID <= 0 {
		return core.Invalid("device_id", "is required (observation %d)", i)
	}
	for _, c := range []struct {
		field, s string
		required bool
	}{
		{"sensor", o.Sensor, true}, {"vendor", o.Vendor, false}, {"model", o.Model, false},
		{"software_version", o.SoftwareVersion, false}, {"device_type", o.DeviceType, false}, {"role", o.Role, false},
	} {
		if err := text("observation", i, c.field, c.s, core.MaxNameLen, c.required); err != nil {
			return err
		}
	}
	if len(o.Detail) > core.MaxObservationDetail {
		return tooLarge("detail", "the detail of observation %d is %d bytes, more than the %d MiB allowed",
			i, len(o.Detail), core.MaxObservationDetail>>20)
	}
	// JSON may carry invalid UTF-8 inside strings, which PostgreSQL's text
	// refuses and SQLite keeps: refused here, the stores stay alike.
	if len(o.Detail) > 0 && (!json.Valid(o.Detail) || !utf8.Valid(o.Detail)) {
		return core.Invalid("detail", "is not JSON (observation %d)", i)
	}
	return nil
}

func checkFlow(i int, f *core.Flow) error {
	if f == nil {
		return core.Invalid("flows", "flow %d is nil", i)
	}
	for _, c := range []struct {
		field, s string
		required bool
	}{
		{"sensor", f.Sensor, true}, {"source", f.Source, true}, {"destination", f.Destination, true},
		{"protocol", f.Protocol, true}, {"app", f.App, false},
	} {
		if err := text("flow", i, c.field, c.s, core.MaxNameLen, c.required); err != nil {
			return err
		}
	}
	switch {
	case f.SourceDevice < 0:
		return core.Invalid("source_device", "must not be negative (flow %d)", i)
	case f.DestinationDevice < 0:
		return core.Invalid("destination_device", "must not be negative (flow %d)", i)
	case f.Port < 0 || f.Port > 65535:
		return core.Invalid("port", "%d is outside 0-65535 (flow %d)", f.Port, i)
	case f.Connections < 0:
		return core.Invalid("connections", "must not be negative (flow %d)", i)
	case f.Packets < 0:
		return core.Invalid("packets", "must not be negative (flow %d)", i)
	case f.Bytes < 0:
		return core.Invalid("bytes", "must not be negative (flow %d)", i)
	}
	return nil
}

func checkAlert(i int, a *core.Alert) error {
	if a == nil {
		return core.Invalid("alerts", "alert %d is nil", i)
	}
	for _, c := range []struct {
		field, s string
		max      int
		required bool
	}{
		{"sensor", a.Sensor, core.MaxNameLen, true}, {"kind", a.Kind, core.MaxNameLen, true},
		{"severity", a.Severity, core.MaxNameLen, false}, {"device", a.DeviceKey, core.MaxNameLen, true},
		{"peer", a.Peer, core.MaxNameLen, false}, {"protocol", a.Protocol, core.MaxNameLen, false},
		{"detail", a.Detail, MaxAlertDetail, false},
	} {
		if err := text("alert", i, c.field, c.s, c.max, c.required); err != nil {
			return err
		}
	}
	switch {
	case a.DeviceID < 0:
		return core.Invalid("device_id", "must not be negative (alert %d)", i)
	case a.Count < 0:
		return core.Invalid("count", "must not be negative (alert %d)", i)
	}
	return nil
}

// FlowKey is what identifies a stored flow.
type FlowKey struct {
	Sensor, Source, Destination, Protocol string
	Port                                  int
}

// KeyOfFlow returns f's key.
func KeyOfFlow(f *core.Flow) FlowKey {
	return FlowKey{Sensor: f.Sensor, Source: f.Source, Destination: f.Destination, Protocol: f.Protocol, Port: f.Port}
}

// AlertKey is what identifies a stored alert.
type AlertKey struct {
	Sensor, Kind, DeviceKey, Peer, Protocol string
}

// KeyOfAlert returns a's key.
func KeyOfAlert(a *core.Alert) AlertKey {
	return AlertKey{Sensor: a.Sensor, Kind: a.Kind, DeviceKey: a.DeviceKey, Peer: a.Peer, Protocol: a.Protocol}
}

// SensorRows is a checked report with its repeats merged, one row per key,
// in the order the keys first came: what the stores upsert. A statement
// may touch a row only once (PostgreSQL refuses more), and merging here
// the way the stores merge into a stored row keeps both alike.
type SensorRows struct {
	Observations []*core.Observation // the last of each (device, sensor)
	Flows        []*core.Flow        // copies, merged
	Alerts       []*core.Alert       // copies, merged
}

// MergeSensorReport merges the repeats of a checked report: an observation
// replaces an earlier one; a flow adds its counts to an earlier one,
// widens its times and takes the devices, App and Encrypted when set; an
// alert adds its Count, widens the times, takes the device when set and
// the Detail and Severity. The values of r are left as they are.
func MergeSensorReport(r *core.SensorReport) *SensorRows {
	rows := &SensorRows{}
	type obsKey struct {
		device core.DeviceID
		sensor string
	}
	obs := make(map[obsKey]int, len(r.Observations))
	for _, o := range r.Observations {
		k := obsKey{o.DeviceID, o.Sensor}
		if i, ok := obs[k]; ok {
			rows.Observations[i] = o
			continue
		}
		obs[k] = len(rows.Observations)
		rows.Observations = append(rows.Observations, o)
	}
	flows := make(map[FlowKey]*core.Flow, len(r.Flows))
	for _, f := range r.Flows {
		k := KeyOfFlow(f)
		m, ok := flows[k]
		if !ok {
			c := *f
			flows[k] = &c
			rows.Flows = append(rows.Flows, &c)
			continue
		}
		MergeFlow(m, f)
	}
	alerts := make(map[AlertKey]*core.Alert, len(r.Alerts))
	for _, a := range r.Alerts {
		k := KeyOfAlert(a)
		m, ok := alerts[k]
		if !ok {
			c := *a
			alerts[k] = &c
			rows.Alerts = append(rows.Alerts, &c)
			continue
		}
		MergeAlert(m, a)
	}
	return rows
}

// MergeFlow adds f to the flow m of the same key, as PutSensorReport adds a
// flow to the stored one.
func MergeFlow(m, f *core.Flow) {
	m.Connections += f.Connections
	m.Packets += f.Packets
	m.Bytes += f.Bytes
	if f.FirstSeen.Before(m.FirstSeen) {
		m.FirstSeen = f.FirstSeen
	}
	if f.LastSeen.After(m.LastSeen) {
		m.LastSeen = f.LastSeen
	}
	if f.App != "" {
		m.App = f.App
	}
	m.Encrypted = m.Encrypted || f.Encrypted
	if f.SourceDevice != 0 {
		m.SourceDevice = f.SourceDevice
	}
	if f.DestinationDevice != 0 {
		m.DestinationDevice = f.DestinationDevice
	}
}

// MergeAlert adds a to the alert m of the same key, as PutSensorReport adds
// an alert to the stored one.
func MergeAlert(m, a *core.Alert) {
	m.Count += a.Count
	if a.FirstSeen.Before(m.FirstSeen) {
		m.FirstSeen = a.FirstSeen
	}
	if a.LastSeen.After(m.LastSeen) {
		m.LastSeen = a.LastSeen
	}
	if a.DeviceID != 0 {
		m.DeviceID = a.DeviceID
	}
	m.Detail, m.Severity = a.Detail, a.Severity
}

// DeviceRef is a device a report refers to, and the field that does.
type DeviceRef struct {
	Field string
	ID    core.DeviceID
	What  string // "an observation", for the message
}

// DeviceRefs lists the devices rows refer to, each once, observations
// first.
func (rows *SensorRows) DeviceRefs() []DeviceRef {
	var out []DeviceRef
	seen := map[core.DeviceID]bool{}
	add := func(field string, id core.DeviceID, what string) {
		if id != 0 && !seen[id] {
			seen[id] = true
			out = append(out, DeviceRef{Field: field, ID: id, What: what})
		}
	}
	for _, o := range rows.Observations {
		add("device_id", o.DeviceID, "an observation")
	}
	for _, f := range rows.Flows {
		add("source_device", f.SourceDevice, "a flow")
		add("destination_device", f.DestinationDevice, "a flow")
	}
	for _, a := range rows.Alerts {
		add("device_id", a.DeviceID, "an alert")
	}
	return out
}

// MissingDevice is the KindInvalid error for the first of refs that is not
// among the devices that exist, or nil.
func MissingDevice(refs []DeviceRef, exists map[core.DeviceID]bool) error {
	for _, r := range refs {
		if !exists[r.ID] {
			return core.Invalid(r.Field, "device %d, which %s of the report refers to, does not exist", r.ID, r.What)
		}
	}
	return nil
}

// SensorLimit applies the page rules of flow and alert lists: 0 is
// DefaultLimit; negative or more than MaxLimit is invalid.
func SensorLimit(n int) (int, error) {
	switch {
	case n < 0:
		return 0, core.Invalid("limit", "must not be negative")
	case n == 0:
		return DefaultLimit, nil
	case n > MaxLimit:
		return 0, core.Invalid("limit", "must be at most %d", MaxLimit)
	}
	return n, nil
}

// FlowPlan checks a flow filter's limit and cursor.
func FlowPlan(f core.FlowFilter) (int, error) {
	if f.After < 0 {
		return 0, core.Invalid("after", "must not be negative")
	}
	return SensorLimit(f.Limit)
}

// AlertPlan checks an alert filter's limit and cursor, and returns the
// cursor's time normalised (zero without a cursor).
func AlertPlan(f core.AlertFilter) (int, time.Time, error) {
	limit, err := SensorLimit(f.Limit)
	if err != nil {
		return 0, time.Time{}, err
	}
	if f.Before == nil {
		return limit, time.Time{}, nil
	}
	if f.Before.ID <= 0 || f.Before.LastSeen.IsZero() {
		return 0, time.Time{}, core.Invalid("before", "is not the position of an alert")
	}
	return limit, Time(f.Before.LastSeen), nil
}

// Detail is the column text of an observation's detail ("" for none).
func Detail(d json.RawMessage) string { return string(d) }

// ParseDetail turns the column text back into Detail (nil for none).
func ParseDetail(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	return json.RawMessage(s)
}
