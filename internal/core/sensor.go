package core

import (
	"context"
	"encoding/json"
	"time"
)

// Observation is what one sensor last concluded about one inventory device
// from its traffic: identity it inferred, never entered by a person. The
// sensor's full account (confidence, evidence, services, protocols, TLS
// fingerprints) is kept as it reported it, in Detail.
type Observation struct {
	DeviceID        DeviceID        `json:"device_id"`
	Sensor          string          `json:"sensor"`
	Vendor          string          `json:"vendor"`
	Model           string          `json:"model"`
	SoftwareVersion string          `json:"software_version"`
	DeviceType      string          `json:"device_type"`
	Role            string          `json:"role"`
	Detail          json.RawMessage `json:"detail"`
	FirstSeen       time.Time       `json:"first_seen"`
	LastSeen        time.Time       `json:"last_seen"`
	UpdatedAt       time.Time       `json:"updated_at"`
}

// Flow is the traffic of one source to one destination on one protocol and
// server port, as a sensor saw it, added up across its reports. Endpoints
// are keys: "device:ID" for an inventory device, "ip:ADDR" for an address
// no device has, "ext:ADDR" outside the hospital, "multicast:ADDR",
// "broadcast:ADDR".
type Flow struct {
	ID                int64     `json:"id"`
	Sensor            string    `json:"sensor"`
	Source            string    `json:"source"`
	Destination       string    `json:"destination"`
	SourceDevice      DeviceID  `json:"source_device,omitempty"`
	DestinationDevice DeviceID  `json:"destination_device,omitempty"`
	Protocol          string    `json:"protocol"`
	Port              int       `json:"port"`
	App               string    `json:"app,omitempty"`
	Encrypted         bool      `json:"encrypted"`
	Connections       int64     `json:"connections"`
	Packets           int64     `json:"packets"`
	Bytes             int64     `json:"bytes"`
	FirstSeen         time.Time `json:"first_seen"`
	LastSeen          time.Time `json:"last_seen"`
}

// Alert is something a sensor raised from traffic. The same alert (sensor,
// kind, device key, peer, protocol) raised again is counted on the stored
// one, not stored twice.
type Alert struct {
	ID        int64     `json:"id"`
	Sensor    string    `json:"sensor"`
	Kind      string    `json:"kind"`
	Severity  string    `json:"severity"`
	DeviceID  DeviceID  `json:"device_id,omitempty"`
	DeviceKey string    `json:"device"` // as Flow endpoints
	Peer      string    `json:"peer,omitempty"`
	Protocol  string    `json:"protocol,omitempty"`
	Detail    string    `json:"detail"`
	Count     int64     `json:"count"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// SensorReport is what one run of a sensor adds to the store.
type SensorReport struct {
	Observations []*Observation
	Flows        []*Flow
	Alerts       []*Alert
}

// FlowFilter selects flows; zero fields do not filter. Flows come in id
// order.
type FlowFilter struct {
	Device DeviceID // either end
	Sensor string
	App    string
	Limit  int   // 1..1000; 0 means 100
	After  int64 // flows with a greater id
}

// AlertFilter selects alerts; zero fields do not filter. Alerts come newest
// first (last seen, then id, descending).
type AlertFilter struct {
	Kind     string
	Severity string
	Device   DeviceID
	Sensor   string
	Since    time.Time // last seen at or after
	Limit    int       // 1..1000; 0 means 100
	// Before continues a listing: alerts after this one in the order.
	Before *AlertCursor
}

// AlertCursor is the position of the last alert of a page.
type AlertCursor struct {
	LastSeen time.Time
	ID       int64
}

// Limits on what one report may carry.
const (
	MaxReportObservations = 100000
	MaxReportFlows        = 1 << 20
	MaxReportAlerts       = 100000
	MaxObservationDetail  = 1 << 20
)

// SensorStore keeps what sensors observe.
type SensorStore interface {
	// PutSensorReport writes a report in one transaction: observations
	// replace the stored one of the same (DeviceID, Sensor); flows add
	// their counts to the stored flow of the same (Sensor, Source,
	// Destination, Protocol, Port), widening its first and last seen and
	// taking App and Encrypted when set; alerts add Count to the stored
	// alert of the same (Sensor, Kind, DeviceKey, Peer, Protocol), widen
	// its times and take the new Detail and Severity. It sets the IDs (and
	// CreatedAt/UpdatedAt) of the values passed. An observation of a device
	// that does not exist is KindInvalid and nothing is written.
	PutSensorReport(ctx context.Context, r *SensorReport) error
	// ListObservations returns a device's observations, one per sensor, by
	// sensor name.
	ListObservations(ctx context.Context, device DeviceID) ([]*Observation, error)
	ListFlows(ctx context.Context, f FlowFilter) ([]*Flow, error)
	ListAlerts(ctx context.Context, f AlertFilter) ([]*Alert, error)
}
