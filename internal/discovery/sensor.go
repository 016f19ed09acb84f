package discovery

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-oss/vigil/internal/oui"
	"github.com/vigil-oss/vigil/internal/packet"
	"github.com/vigil-oss/vigil/internal/packet/tlshello"
)

// Bounds on what the sensor keeps per address, so that a hostile or
// broken network cannot grow its memory without end.
const (
	maxHosts          = 1 << 16 // addresses tracked; beyond, new ones are counted only
	maxSignalsPerHost = 256
	maxNamesPerHost   = 16
	maxMACsPerHost    = 8
	maxAggFlows       = 1 << 18
	maxAlerts         = 10000
	maxExternal       = 1 << 16
	// routerIPs is how many addresses one MAC must send from before it is
	// taken for a router, whose MAC says nothing about the hosts behind it.
	routerIPs = 4
)

// Options configure a Sensor. The zero value takes the defaults.
type Options struct {
	Fingerprints *Fingerprints  // default: the built-in set
	OUI          *oui.Registry  // default: the built-in IEEE registry
	Internal     []netip.Prefix // the hospital's addresses; default: private and link-local ranges
	LearnFor     time.Duration  // devices first seen later are new; default: a tenth of the capture
	// Connections keeps every 5-tuple flow for Result.Connections, up to
	// maxConnections.
	Connections bool
}

// maxConnections bounds Result.Connections.
const maxConnections = 1 << 20

// DefaultInternal are the address ranges taken for the hospital's own.
var DefaultInternal = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"), netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("169.254.0.0/16"), netip.MustParsePrefix("fc00::/7"),
	netip.MustParsePrefix("fe80::/10"),
	// Loopback never crosses a wire, but captures made on a test bench's
	// loopback interface carry real protocols between real programs.
	netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128"),
}

// Sensor turns what the packet engine decodes into devices, flows and
// alerts. It implements packet.Handler; call Result when the run is over.
// It is not safe for concurrent use.
type Sensor struct {
	fp       *Fingerprints
	reg      *oui.Registry
	internal []netip.Prefix
	learnFor time.Duration

	hosts map[netip.Addr]*host
	macs  map[packet.MAC]*macHost
	agg   map[aggKey]*FlowSummary
	ext   map[extKey]*extContact
	scans map[netip.Addr]*scanState

	alerts     map[alertKey]*Alert
	alertOrder []*Alert
	remote     []remoteSession
	keepConns  bool
	certs      *tlshello.CertCache // server certificates parsed once each
	conns      []Connection

	stats         Stats
	engine        packet.Stats // added up over Read calls
	hostsDropped  int
	aggDropped    int
	alertsDropped int
}

// host is what is known of one IP address.
type host struct {
	addr        netip.Addr
	macs        map[packet.MAC]int // frames or bindings seen with this source address
	first, last time.Time
	packets     uint64
	bytes       uint64
	vlans       []uint16
	sig         signals
	dataset     signals // DICOM dataset identity: the sender's, unless it forwards images
	names       []string
	aeTitles    []string
	hl7Apps     []string
	services    []string
	protocols   []string
	ja4         []string
	storageSCP  bool
	storageFrom map[netip.Addr]bool // who stored images here
}

// macHost is what is known of one MAC address beyond its IP traffic.
type macHost struct {
	mac         packet.MAC
	first, last time.Time
	sig         signals
	names       []string
	joined      time.Time // DHCP discover/request or ARP probe
	ipv4        map[netip.Addr]bool
}

// signals keeps distinct signals in order, with when each was first seen.
type signals struct {
	list []timedSignal
	seen map[Signal]bool
}

type timedSignal struct {
	Signal
	t time.Time
}

func (s *signals) add(sig Signal, t time.Time) {
	if sig.Value == "" || len(s.list) >= maxSignalsPerHost {
		return
	}
	if len(sig.Value) > maxSignalValue {
		sig.Value = sig.Value[:maxSignalValue]
	}
	if s.seen[sig] {
		return
	}
	if s.seen == nil {
		s.seen = map[Signal]bool{}
	}
	s.seen[sig] = true
	s.list = append(s.list, timedSignal{sig, t})
}

type aggKey struct {
	src, dst string
	proto    packet.IPProto
	port     uint16
}

type extKey struct {
	local, remote netip.Addr
	proto         packet.IPProto
	port          uint16
}

type extContact struct {
	first, last time.Time
	conns       int
	app         string
	encrypted   bool
	outbound    bool
	note        string
}

type alertKey struct {
	kind, reason string
	src, peer    netip.Addr
	mac          string
}

// NewSensor returns a sensor with opts' rules and ranges.
func NewSensor(opts Options) (*Sensor, error) {
	fp := opts.Fingerprints
	if fp == nil {
		var err error
		if fp, err = DefaultFingerprints(); err != nil {
			return nil, err
		}
	}
	reg := opts.OUI
	if reg == nil {
		var err error
		if reg, err = oui.Default(); err != nil {
			return nil, err
		}
	}
	internal := opts.Internal
	if len(internal) == 0 {
		internal = DefaultInternal
	}
	return &Sensor{fp: fp, reg: reg, internal: internal, learnFor: opts.LearnFor, keepConns: opts.Connections,
		certs: tlshello.NewCertCache(),
		hosts: map[netip.Addr]*host{}, macs: map[packet.MAC]*macHost{}, agg: map[aggKey]*FlowSummary{},
		ext: map[extKey]*extContact{}, scans: map[netip.Addr]*scanState{}, alerts: map[alertKey]*Alert{}}, nil
}

// isInternal reports an address of the hospital's that can be a device.
func (s *Sensor) isInternal(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsUnspecified() || a.IsMulticast() || a == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return false
	}
	for _, p := range s.internal {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// isPublic reports an address outside the hospital: one the sensor does
// not make a device of, and whose contact by a clinical device is news.
func (s *Sensor) isPublic(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsValid() && a.IsGlobalUnicast() && !s.isInternal(a)
}

func (s *Sensor) host(a netip.Addr) *host {
	a = a.Unmap()
	if !s.isInternal(a) {
		return nil
	}
	h := s.hosts[a]
	if h == nil {
		if len(s.hosts) >= maxHosts {
			s.hostsDropped++
			return nil
		}
		h = &host{addr: a, macs: map[packet.MAC]int{}}
		s.hosts[a] = h
	}
	return h
}

func (s *Sensor) macHost(m packet.MAC, t time.Time) *macHost {
	if m == (packet.MAC{}) || m[0]&1 == 1 { // zero or multicast/broadcast
		return nil
	}
	mh := s.macs[m]
	if mh == nil {
		if len(s.macs) >= maxHosts {
			s.hostsDropped++
			return nil
		}
		mh = &macHost{mac: m, first: t, ipv4: map[netip.Addr]bool{}}
		s.macs[m] = mh
	}
	if t.Before(mh.first) || mh.first.IsZero() {
		mh.first = t
	}
	if t.After(mh.last) {
		mh.last = t
	}
	return mh
}

// bind records that mac used address a, weight times (a DHCP lease or an
// ARP announcement counts for more than a frame).
func (s *Sensor) bind(m packet.MAC, a netip.Addr, weight int, t time.Time) {
	mh := s.macHost(m, t)
	h := s.host(a)
	if mh == nil || h == nil {
		return
	}
	if a.Is4() {
		mh.ipv4[a] = true
	}
	if _, ok := h.macs[m]; ok || len(h.macs) < maxMACsPerHost {
		h.macs[m] += weight
	}
	h.seen(t)
}

func (h *host) seen(t time.Time) {
	if h.first.IsZero() || t.Before(h.first) {
		h.first = t
	}
	if t.After(h.last) {
		h.last = t
	}
}

func addName(list *[]string, name string, limit int) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 255 {
		return
	}
	for _, n := range *list {
		if strings.EqualFold(n, name) {
			return
		}
	}
	if len(*list) < limit {
		*list = append(*list, name)
	}
}

func addVLAN(list *[]uint16, v uint16) {
	if v != 0 && !slices.Contains(*list, v) && len(*list) < 8 {
		*list = append(*list, v)
	}
}

// service records that the device at address a answered on svc
// ("tcp/104"): in its services, and as a port.server signal.
func (s *Sensor) service(a netip.Addr, svc string, t time.Time) {
	if h := s.host(a); h != nil {
		addName(&h.services, svc, 32)
		h.sig.add(Signal{"port.server", svc}, t)
	}
}

// signal attributes a signal to the device at address a.
func (s *Sensor) signal(a netip.Addr, name, value string, t time.Time) {
	if h := s.host(a); h != nil {
		h.sig.add(Signal{name, strings.TrimSpace(value)}, t)
	}
}

// alert raises (or counts again) an alert about the device at src (or,
// for link-layer findings, the device with MAC mac).
func (s *Sensor) alert(kind, severity, reason string, t time.Time, src netip.Addr, mac packet.MAC, peer netip.AddrPort,
	proto, detail string) {
	s.raise(kind, severity, reason, t, t, 1, src, mac, peer, proto, detail)
}

// raise is alert for count occurrences between first and last.
func (s *Sensor) raise(kind, severity, reason string, first, last time.Time, count int, src netip.Addr, mac packet.MAC,
	peer netip.AddrPort, proto, detail string) {
	k := alertKey{kind: kind, reason: reason, src: src.Unmap(), peer: peer.Addr().Unmap()}
	if mac != (packet.MAC{}) {
		k.mac = mac.String()
	}
	if a := s.alerts[k]; a != nil {
		a.Count += count
		if last.After(a.LastTime) {
			a.LastTime = last
		}
		if first.Before(a.Time) {
			a.Time = first
		}
		return
	}
	if len(s.alerts) >= maxAlerts {
		s.alertsDropped++
		return
	}
	a := &Alert{Kind: kind, Severity: severity, Time: first, LastTime: last, Count: count, Protocol: proto, Detail: detail,
		src: k.src, mac: k.mac}
	if peer.IsValid() {
		a.Peer = peer.String()
		if peer.Port() == 0 {
			a.Peer = peer.Addr().String()
		}
	}
	s.alerts[k] = a
	s.alertOrder = append(s.alertOrder, a)
}

// Packet sees every frame; the sensor learns from flows, datagrams and
// streams instead, so this stays off the hot path.
func (s *Sensor) Packet(*packet.Packet) {}

// FlowEnd folds a finished flow into the hosts, the flow summaries, the
// scan trackers and the list of contacts outside the hospital.
func (s *Sensor) FlowEnd(f *packet.Flow) {
	client, server := f.Client.Addr().Unmap(), f.Server.Addr().Unmap()
	ch, sh := s.host(client), s.host(server)
	if ch != nil {
		ch.seen(f.First)
		ch.seen(f.Last)
		ch.packets += f.ClientPackets
		ch.bytes += f.ClientBytes
		addVLAN(&ch.vlans, f.VLAN)
		if f.ClientMAC != (packet.MAC{}) && f.ClientPackets > 0 {
			s.bind(f.ClientMAC, client, 1, f.First)
		}
	}
	if sh != nil && f.ServerPackets > 0 {
		sh.seen(f.First)
		sh.seen(f.Last)
		sh.packets += f.ServerPackets
		sh.bytes += f.ServerBytes
		addVLAN(&sh.vlans, f.VLAN)
		if f.ServerMAC != (packet.MAC{}) {
			s.bind(f.ServerMAC, server, 1, f.First)
		}
	}
	answered := f.ServerPackets > 0
	if f.Proto == packet.ProtoTCP {
		answered = f.ServerFlags&(packet.FlagSYN|packet.FlagACK) == packet.FlagSYN|packet.FlagACK || (f.Midstream && f.ServerPackets > 0)
		if sh != nil && answered {
			s.service(server, "tcp/"+strconv.Itoa(int(f.Server.Port())), f.First)
		}
		if !f.Midstream && (f.Refused() || f.Unanswered()) {
			s.scanAttempt(client, f.Server, f.First)
		}
	}
	if ch != nil && f.Label.App != "" {
		addName(&ch.protocols, f.Label.App, 32)
	}
	if sh != nil && f.Label.App != "" && answered {
		addName(&sh.protocols, f.Label.App, 32)
	}
	s.aggregate(f, client, server)
	if s.keepConns {
		s.connection(f)
	}
	switch {
	case ch != nil && s.isPublic(server):
		s.external(f, client, server, true)
	case sh != nil && s.isPublic(client) && answered:
		s.external(f, server, client, false)
	}
}

// hostKey names an address in flow summaries before devices are known;
// Result rewrites it to the device id.
func (s *Sensor) hostKey(a netip.Addr) string {
	a = a.Unmap()
	switch {
	case a.IsMulticast():
		return "multicast:" + a.String()
	case a == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return "broadcast:" + a.String()
	case s.isInternal(a):
		return "ip:" + a.String()
	}
	return "ext:" + a.String()
}

func (s *Sensor) aggregate(f *packet.Flow, client, server netip.Addr) {
	k := aggKey{src: s.hostKey(client), dst: s.hostKey(server), proto: f.Proto, port: f.Server.Port()}
	a := s.agg[k]
	if a == nil {
		if len(s.agg) >= maxAggFlows {
			s.aggDropped++
			return
		}
		a = &FlowSummary{Source: k.src, Destination: k.dst, Protocol: protoName(f.Proto), Port: k.port,
			FirstSeen: f.First}
		s.agg[k] = a
	}
	a.add(FlowSummary{Connections: 1, Packets: f.ClientPackets + f.ServerPackets, Bytes: f.ClientBytes + f.ServerBytes,
		FirstSeen: f.First, LastSeen: f.Last, App: f.Label.App, Encrypted: f.Label.Encrypted})
}

// add folds f's traffic into a: counts add up, times widen, an application
// protocol once recognised stays.
func (a *FlowSummary) add(f FlowSummary) {
	a.Connections += f.Connections
	a.Packets += f.Packets
	a.Bytes += f.Bytes
	if f.FirstSeen.Before(a.FirstSeen) {
		a.FirstSeen = f.FirstSeen
	}
	if f.LastSeen.After(a.LastSeen) {
		a.LastSeen = f.LastSeen
	}
	if f.App != "" {
		a.App = f.App
	}
	a.Encrypted = a.Encrypted || f.Encrypted
}

func (s *Sensor) external(f *packet.Flow, local, remote netip.Addr, outbound bool) {
	port := f.Server.Port()
	k := extKey{local: local, remote: remote, proto: f.Proto, port: port}
	c := s.ext[k]
	if c == nil {
		if len(s.ext) >= maxExternal {
			return
		}
		c = &extContact{first: f.First, outbound: outbound}
		s.ext[k] = c
	}
	c.conns++
	if f.Last.After(c.last) {
		c.last = f.Last
	}
	if f.Label.App != "" {
		c.app = f.Label.App
	}
	c.encrypted = c.encrypted || f.Label.Encrypted
	if st, ok := f.Label.Data.(*flowState); ok && st.note != "" {
		c.note = st.note
	}
}

func protoName(p packet.IPProto) string {
	switch p {
	case packet.ProtoTCP:
		return "tcp"
	case packet.ProtoUDP:
		return "udp"
	case packet.ProtoICMP:
		return "icmp"
	case packet.ProtoICMPv6:
		return "icmpv6"
	}
	return "ip-" + strconv.Itoa(int(p))
}

// flowState is the sensor's per-flow state on packet.Flow.Label.Data.
type flowState struct {
	note string // said of the flow in alerts (e.g. a self-signed certificate)
}

func state(f *packet.Flow) *flowState {
	if st, ok := f.Label.Data.(*flowState); ok {
		return st
	}
	st := &flowState{}
	f.Label.Data = st
	return st
}

func (s *Sensor) connection(f *packet.Flow) {
	if len(s.conns) >= maxConnections {
		s.stats.ConnectionsDropped++
		return
	}
	c := Connection{Protocol: protoName(f.Proto), Client: f.Client.String(), Server: f.Server.String(), VLAN: f.VLAN,
		App: f.Label.App, Encrypted: f.Label.Encrypted, ClientPackets: f.ClientPackets, ServerPackets: f.ServerPackets,
		ClientBytes: f.ClientBytes, ServerBytes: f.ServerBytes, Midstream: f.Midstream, FirstSeen: f.First,
		LastSeen: f.Last, End: f.End.String()}
	if f.ClientMAC != (packet.MAC{}) {
		c.ClientMAC = f.ClientMAC.String()
	}
	if f.ServerMAC != (packet.MAC{}) {
		c.ServerMAC = f.ServerMAC.String()
	}
	if f.Proto == packet.ProtoTCP {
		c.TCPFlags = f.ClientFlags.String() + "/" + f.ServerFlags.String()
	}
	s.conns = append(s.conns, c)
}
