package httpapi

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigil-oss/vigil/internal/core"
)

// What sensors observed: a device's observations, flows and alerts.

// alertKinds and alertSeverities are the values the alert filters take.
var (
	alertKinds      = []string{"new_device", "cleartext_phi", "insecure_protocol", "suspicious_protocol", "dicom_association_rejected", "port_scan", "internet_communication"}
	alertSeverities = []string{"high", "medium", "low"}
)

func (a *api) listDeviceObservations(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID[core.DeviceID](r, "device")
	if err != nil {
		return err
	}
	if _, err := parseParams(r); err != nil {
		return err
	}
	if _, err := a.store.GetDevice(r.Context(), id); err != nil {
		return err
	}
	obs, err := a.sensors.Observations(r.Context(), id)
	if err != nil {
		return err
	}
	if obs == nil {
		obs = []*core.Observation{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"observations": obs})
}

type flowPage struct {
	Flows      []*core.Flow `json:"flows"`
	NextCursor string       `json:"next_cursor,omitempty"`
}

func (a *api) listFlows(w http.ResponseWriter, r *http.Request) error {
	p, err := parseParams(r, "device", "sensor", "app", "limit", "cursor")
	if err != nil {
		return err
	}
	var f core.FlowFilter
	dev, err := p.id("device")
	if err != nil {
		return err
	}
	f.Device = core.DeviceID(dev)
	if f.Sensor, err = shortText(p, "sensor"); err != nil {
		return err
	}
	if f.App, err = shortText(p, "app"); err != nil {
		return err
	}
	if f.Limit, err = p.limit(); err != nil {
		return err
	}
	if c := p.Get("cursor"); c != "" {
		cur, err := decodeSensorCursor(c, "flow")
		if err != nil {
			return err
		}
		f.After = cur.ID
	}
	flows, err := a.sensors.ListFlows(r.Context(), f)
	if err != nil {
		return err
	}
	body := flowPage{Flows: flows}
	if body.Flows == nil {
		body.Flows = []*core.Flow{}
	}
	if n := pageSize(f.Limit); len(flows) == n && n > 0 {
		body.NextCursor = sensorCursor{Kind: "flow", ID: flows[len(flows)-1].ID}.encode()
	}
	return writeJSON(w, http.StatusOK, body)
}

type alertPage struct {
	Alerts     []*core.Alert `json:"alerts"`
	NextCursor string        `json:"next_cursor,omitempty"`
}

func (a *api) listAlerts(w http.ResponseWriter, r *http.Request) error {
	p, err := parseParams(r, "kind", "severity", "device", "sensor", "since", "limit", "cursor")
	if err != nil {
		return err
	}
	var f core.AlertFilter
	if k := p.Get("kind"); k != "" {
		if !slices.Contains(alertKinds, k) {
			return core.Invalid("kind", "%q is not one of %s", truncate(k, 40), strings.Join(alertKinds, ", "))
		}
		f.Kind = k
	}
	if s := p.Get("severity"); s != "" {
		if !slices.Contains(alertSeverities, s) {
			return core.Invalid("severity", "%q is not one of %s", truncate(s, 40), strings.Join(alertSeverities, ", "))
		}
		f.Severity = s
	}
	dev, err := p.id("device")
	if err != nil {
		return err
	}
	f.Device = core.DeviceID(dev)
	if f.Sensor, err = shortText(p, "sensor"); err != nil {
		return err
	}
	if s := p.Get("since"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return core.Invalid("since", "must be an RFC 3339 time such as 2026-11-27T08:00:00Z")
		}
		f.Since = t
	}
	if f.Limit, err = p.limit(); err != nil {
		return err
	}
	if c := p.Get("cursor"); c != "" {
		cur, err := decodeSensorCursor(c, "alert")
		if err != nil {
			return err
		}
		f.Before = &core.AlertCursor{LastSeen: cur.Time, ID: cur.ID}
	}
	alerts, err := a.sensors.ListAlerts(r.Context(), f)
	if err != nil {
		return err
	}
	body := alertPage{Alerts: alerts}
	if body.Alerts == nil {
		body.Alerts = []*core.Alert{}
	}
	if n := pageSize(f.Limit); len(alerts) == n && n > 0 {
		last := alerts[len(alerts)-1]
		body.NextCursor = sensorCursor{Kind: "alert", ID: last.ID, Time: last.LastSeen}.encode()
	}
	return writeJSON(w, http.StatusOK, body)
}

// pageSize is the number of rows a full page of limit holds.
func pageSize(limit int) int {
	if limit == 0 {
		return 100
	}
	return limit
}

func shortText(p params, name string) (string, error) {
	s := p.Get(name)
	if len(s) > 128 || !utf8.ValidString(s) {
		return "", core.Invalid(name, "must be at most 128 bytes of text")
	}
	return s, nil
}

// sensorCursor is where a flows or alerts page ended, opaque like the
// other cursors; kind keeps one list's cursor out of the other.
type sensorCursor struct {
	Kind string    `json:"k"`
	ID   int64     `json:"i"`
	Time time.Time `json:"t,omitzero"`
}

func (c sensorCursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeSensorCursor(s, kind string) (sensorCursor, error) {
	var c sensorCursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) > 256 || json.Unmarshal(b, &c) != nil || c.Kind != kind || c.ID <= 0 {
		return sensorCursor{}, core.Invalid("cursor", "is not a cursor of a %ss list this server issued", kind)
	}
	return c, nil
}
