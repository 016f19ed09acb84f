package discovery

import (
	"net/netip"
	"time"
)

// Result is what a sensor run found: the JSON of `vigil discover --format
// json` (docs/discover.md describes every field).
type Result struct {
	Devices []*Device     `json:"devices"`
	Flows   []FlowSummary `json:"flows"`
	Alerts  []Alert       `json:"alerts"`
	Stats   Stats         `json:"stats"`
	// Connections lists every 5-tuple flow, when Options.Connections asks.
	Connections []Connection `json:"connections,omitempty"`
}

// Connection is one 5-tuple flow as the engine tracked it.
type Connection struct {
	Protocol      string    `json:"protocol"`
	Client        string    `json:"client"` // ADDR:PORT
	Server        string    `json:"server"`
	ClientMAC     string    `json:"client_mac,omitempty"`
	ServerMAC     string    `json:"server_mac,omitempty"`
	VLAN          uint16    `json:"vlan,omitempty"`
	App           string    `json:"app,omitempty"`
	Encrypted     bool      `json:"encrypted"`
	ClientPackets uint64    `json:"client_packets"`
	ServerPackets uint64    `json:"server_packets"`
	ClientBytes   uint64    `json:"client_bytes"`
	ServerBytes   uint64    `json:"server_bytes"`
	TCPFlags      string    `json:"tcp_flags,omitempty"` // client's, then server's, as tcpdump abbreviates them: "S.F/SA.F"
	Midstream     bool      `json:"midstream,omitempty"`
	FirstSeen     time.Time `json:"first_seen"`
	LastSeen      time.Time `json:"last_seen"`
	End           string    `json:"end"` // idle, closed, evicted, capture
}

// Device is one device on the network, keyed by its MAC where the sensor
// sees its segment, else by its IP address.
type Device struct {
	ID              string             `json:"id"` // "mac:00:09:fb:ce:4e:71" or "ip:10.20.30.5"
	MACs            []string           `json:"macs"`
	IPs             []string           `json:"ips"`
	IPHistory       []IPSeen           `json:"ip_history"`
	Vendor          string             `json:"vendor"`
	Model           string             `json:"model"`
	SoftwareVersion string             `json:"software_version"`
	DeviceType      string             `json:"device_type"`
	Role            string             `json:"role"`
	Roles           []string           `json:"roles"`
	Confidence      map[string]float64 `json:"confidence"`
	Clinical        bool               `json:"clinical"`
	Serial          string             `json:"serial,omitempty"`
	Hostnames       []string           `json:"hostnames"`
	AETitles        []string           `json:"ae_titles"`
	HL7Applications []string           `json:"hl7_applications"`
	VLANs           []uint16           `json:"vlans"`
	Services        []string           `json:"services"`  // "tcp/104": ports it answered on
	Protocols       []string           `json:"protocols"` // application protocols it spoke
	TLSClients      []string           `json:"tls_client_fingerprints"`
	LocalMAC        bool               `json:"locally_administered_mac"`
	FirstSeen       time.Time          `json:"first_seen"`
	LastSeen        time.Time          `json:"last_seen"`
	Packets         uint64             `json:"packets"`
	Bytes           uint64             `json:"bytes"`
	Evidence        []Evidence         `json:"evidence"`
	// Observed lists what the device said of itself on the wire, by
	// signal (docs/fingerprints.md), whether or not a rule used it.
	Observed    map[string][]string   `json:"observed"`
	Conclusions map[string]Conclusion `json:"-"`
}

// IPSeen is one address a device used and when.
type IPSeen struct {
	IP        string    `json:"ip"`
	FirstSeen time.Time `json:"first_seen"`
	LastSeen  time.Time `json:"last_seen"`
}

// FlowSummary aggregates the connections of one source device to one
// destination (a device, or an address outside the hospital) on one
// protocol and server port.
type FlowSummary struct {
	Source      string    `json:"source"`      // device id
	Destination string    `json:"destination"` // device id; "ext:IP" outside the hospital's addresses; "multicast:IP", "broadcast:IP"
	Protocol    string    `json:"protocol"`    // tcp, udp, icmp, ...
	Port        uint16    `json:"port"`
	App         string    `json:"app,omitempty"`
	Encrypted   bool      `json:"encrypted"`
	Connections uint64    `json:"connections"`
	Packets     uint64    `json:"packets"`
	Bytes       uint64    `json:"bytes"`
	FirstSeen   time.Time `json:"first_seen"`
	LastSeen    time.Time `json:"last_seen"`
}

// Alert kinds.
const (
	AlertNewDevice          = "new_device"
	AlertCleartextPHI       = "cleartext_phi"
	AlertInsecureProtocol   = "insecure_protocol"
	AlertSuspiciousProtocol = "suspicious_protocol"
	AlertDICOMRejected      = "dicom_association_rejected"
	AlertPortScan           = "port_scan"
	AlertInternet           = "internet_communication"
)

// Alert is something a security team must know, raised from traffic.
// Repeats of the same alert (kind, device, peer, reason) are counted,
// not listed again.
type Alert struct {
	Kind     string    `json:"kind"`
	Severity string    `json:"severity"` // high, medium, low
	Time     time.Time `json:"time"`     // first occurrence
	LastTime time.Time `json:"last_time"`
	Count    int       `json:"count"`
	Device   string    `json:"device"`         // device id
	Peer     string    `json:"peer,omitempty"` // the other end, ip:port
	Protocol string    `json:"protocol,omitempty"`
	Detail   string    `json:"detail"`

	src netip.Addr
	mac string
}

// Stats counts what the run saw.
type Stats struct {
	Packets            uint64    `json:"packets"`
	Bytes              uint64    `json:"bytes"`
	DecodeErrors       uint64    `json:"decode_errors"`
	ProtocolErrors     uint64    `json:"protocol_errors"` // application messages that did not decode
	UnknownLinkTypes   uint64    `json:"unknown_link_types"`
	Flows              uint64    `json:"flows"`
	FlowsEvicted       uint64    `json:"flows_evicted"`
	FlowsExpired       uint64    `json:"flows_expired"`
	Streams            uint64    `json:"streams"`
	ReassembledBytes   uint64    `json:"reassembled_bytes"`
	Gaps               uint64    `json:"gaps"`
	ConnectionsDropped uint64    `json:"connections_dropped,omitempty"` // beyond the limit of Options.Connections
	Devices            int       `json:"devices"`
	Alerts             int       `json:"alerts"`
	First              time.Time `json:"first"`
	Last               time.Time `json:"last"`
}
