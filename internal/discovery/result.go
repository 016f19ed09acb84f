package discovery

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-oss/vigil/internal/oui"
	"github.com/vigil-oss/vigil/internal/packet"
)

// clinicalTypes are the device types of medical devices and the clinical
// systems they depend on; their contact with the internet, or their use of
// file sharing, is news.
var clinicalTypes = map[string]bool{
	"infusion-pump": true, "patient-monitor": true, "central-station": true, "ventilator": true,
	"anesthesia-machine": true, "dialysis-machine": true, "ct-scanner": true, "mr-scanner": true,
	"ultrasound": true, "x-ray": true, "mammography": true, "angiography": true, "nuclear-medicine": true,
	"pacs": true, "ris": true, "lab-analyzer": true, "telemetry-receiver": true, "ecg": true,
	"medical-device": true,
}

// Clinical reports whether a device type names a medical device or a
// clinical imaging system.
func Clinical(deviceType string) bool { return clinicalTypes[deviceType] }

// maxObservedValues bounds the values listed per signal in Device.Observed.
const maxObservedValues = 8

type devBuild struct {
	d       *Device
	mac     *macHost
	hosts   []*host
	router  bool
	signals []timedSignal
}

// Result identifies the devices, resolves flows and alerts to them and
// raises the alerts that need to know what a device is. Call it once,
// after the last Read.
func (s *Sensor) Result() *Result {
	es := s.engine
	routers := map[packet.MAC]bool{}
	for m, mh := range s.macs {
		if len(mh.ipv4) >= routerIPs {
			routers[m] = true
		}
	}
	builds := map[string]*devBuild{}
	var order []*devBuild
	byMAC := func(m packet.MAC) *devBuild {
		id := "mac:" + m.String()
		b := builds[id]
		if b == nil {
			mh := s.macs[m]
			b = &devBuild{d: &Device{ID: id, MACs: []string{m.String()}}, mac: mh, router: routers[m]}
			builds[id] = b
			order = append(order, b)
		}
		return b
	}
	for _, mh := range sortedMACs(s.macs) {
		byMAC(mh.mac)
	}
	ipDevice := map[netip.Addr]string{}
	for _, h := range sortedHosts(s.hosts) {
		var own packet.MAC
		best := 0
		for m, n := range h.macs {
			if routers[m] || n < best || (n == best && bytesLess(own, m)) {
				continue
			}
			own, best = m, n
		}
		var b *devBuild
		switch {
		case best > 0:
			b = byMAC(own)
		case h.packets > 0:
			id := "ip:" + h.addr.String()
			b = &devBuild{d: &Device{ID: id}}
			builds[id] = b
			order = append(order, b)
		default:
			continue // only ever a destination: nothing says a device is there
		}
		b.hosts = append(b.hosts, h)
		ipDevice[h.addr] = b.d.ID
	}
	for _, b := range order {
		s.buildDevice(b)
	}
	res := &Result{Devices: []*Device{}, Flows: []FlowSummary{}, Alerts: []Alert{}}
	for _, b := range order {
		if b.mac != nil && len(b.hosts) == 0 && len(b.signals) == 0 && !b.router {
			continue // a MAC that only ever sent from an address it shares with no one we know
		}
		res.Devices = append(res.Devices, b.d)
	}
	devByID := map[string]*Device{}
	for _, d := range res.Devices {
		devByID[d.ID] = d
	}
	deviceOf := func(a netip.Addr) string {
		if id, ok := ipDevice[a.Unmap()]; ok {
			return id
		}
		return s.hostKey(a)
	}
	res.Flows = s.flows(deviceOf)
	res.Connections = s.conns
	s.deriveAlerts(res, deviceOf, devByID, builds)
	for _, a := range s.alertOrder {
		switch {
		case a.mac != "":
			a.Device = "mac:" + a.mac
		default:
			a.Device = deviceOf(a.src)
		}
		res.Alerts = append(res.Alerts, *a)
	}
	slices.SortStableFunc(res.Alerts, func(x, y Alert) int {
		return cmp.Or(x.Time.Compare(y.Time), strings.Compare(x.Kind, y.Kind), strings.Compare(x.Device, y.Device))
	})
	st := &res.Stats
	*st = s.stats
	st.Packets, st.Bytes, st.DecodeErrors = es.Packets, es.Bytes, es.DecodeErrorTotal()
	st.UnknownLinkTypes = es.UnknownLinkType
	st.Flows, st.FlowsEvicted, st.FlowsExpired = es.FlowsCreated, es.FlowsEvicted, es.FlowsExpired
	st.Streams, st.ReassembledBytes, st.Gaps = es.Streams, es.ReassembledBytes, es.Gaps
	st.First, st.Last = es.First, es.Last
	st.Devices, st.Alerts = len(res.Devices), len(res.Alerts)
	return res
}

func bytesLess(a, b packet.MAC) bool { return string(a[:]) < string(b[:]) }

func sortedMACs(m map[packet.MAC]*macHost) []*macHost {
	out := make([]*macHost, 0, len(m))
	for _, mh := range m {
		out = append(out, mh)
	}
	slices.SortFunc(out, func(a, b *macHost) int { return strings.Compare(string(a.mac[:]), string(b.mac[:])) })
	return out
}

func sortedHosts(m map[netip.Addr]*host) []*host {
	out := make([]*host, 0, len(m))
	for _, h := range m {
		out = append(out, h)
	}
	slices.SortFunc(out, func(a, b *host) int { return a.addr.Compare(b.addr) })
	return out
}

// buildDevice fills in a device from its MAC and addresses and runs
// identification over everything they said.
func (s *Sensor) buildDevice(b *devBuild) {
	d := b.d
	var sigs []timedSignal
	if mh := b.mac; mh != nil {
		d.FirstSeen, d.LastSeen = mh.first, mh.last
		for _, n := range mh.names {
			addName(&d.Hostnames, n, maxNamesPerHost)
		}
		sigs = append(sigs, mh.sig.list...)
		d.LocalMAC = oui.Local(mh.mac)
		if !d.LocalMAC {
			if v, ok := s.reg.Lookup(mh.mac); ok {
				sigs = append(sigs, timedSignal{Signal{"mac.oui", v.Name}, mh.first})
			}
		}
		if b.router {
			sigs = append(sigs, timedSignal{Signal{"net.routes_for", strconv.Itoa(len(mh.ipv4)) + " addresses"}, mh.first})
		}
	}
	storageSCP := false
	sources := map[netip.Addr]bool{}
	for _, h := range b.hosts {
		storageSCP = storageSCP || h.storageSCP
		for a := range h.storageFrom {
			sources[a] = true
		}
	}
	if len(sources) >= 3 && b.mac != nil {
		sigs = append(sigs, timedSignal{Signal{"dicom.storage_sources", "3 or more"}, b.mac.first})
	} else if len(sources) >= 3 && len(b.hosts) > 0 {
		sigs = append(sigs, timedSignal{Signal{"dicom.storage_sources", "3 or more"}, b.hosts[0].first})
	}
	for _, h := range b.hosts {
		d.IPs = append(d.IPs, h.addr.String())
		d.IPHistory = append(d.IPHistory, IPSeen{IP: h.addr.String(), FirstSeen: h.first, LastSeen: h.last})
		if d.FirstSeen.IsZero() || (!h.first.IsZero() && h.first.Before(d.FirstSeen)) {
			d.FirstSeen = h.first
		}
		if h.last.After(d.LastSeen) {
			d.LastSeen = h.last
		}
		d.Packets += h.packets
		d.Bytes += h.bytes
		for _, n := range h.names {
			addName(&d.Hostnames, n, maxNamesPerHost)
		}
		for _, n := range h.aeTitles {
			addName(&d.AETitles, n, maxNamesPerHost)
		}
		for _, n := range h.hl7Apps {
			addName(&d.HL7Applications, n, maxNamesPerHost)
		}
		for _, n := range h.services {
			addName(&d.Services, n, 32)
		}
		for _, n := range h.protocols {
			addName(&d.Protocols, n, 32)
		}
		for _, n := range h.ja4 {
			addName(&d.TLSClients, n, 8)
		}
		for _, v := range h.vlans {
			addVLAN(&d.VLANs, v)
		}
		sigs = append(sigs, h.sig.list...)
		if !storageSCP {
			// An archive's C-STOREs forward other devices' images; only a
			// device that does not take images in describes itself in them.
			sigs = append(sigs, h.dataset.list...)
		}
	}
	slices.SortStableFunc(sigs, func(x, y timedSignal) int { return x.t.Compare(y.t) })
	b.signals = sigs
	var id Identity
	for _, ts := range sigs {
		id.Observe(s.fp, ts.Signal, ts.t)
		switch ts.Name {
		case "dicom.serial":
			if d.Serial == "" {
				d.Serial = ts.Value
			}
		case "dicom.station_name":
			addName(&d.Hostnames, ts.Value, maxNamesPerHost)
		}
	}
	c := id.Resolve()
	d.Vendor, d.Model, d.SoftwareVersion = c[AttrVendor].Value, c[AttrModel].Value, c[AttrSoftware].Value
	d.DeviceType, d.Role = c[AttrType].Value, c[AttrRole].Value
	d.Confidence = map[string]float64{}
	for k, v := range c {
		d.Confidence[k] = v.Confidence
	}
	d.Evidence = id.Evidence()
	d.Observed = map[string][]string{}
	for _, ts := range sigs {
		if l := d.Observed[ts.Name]; len(l) < maxObservedValues && !slices.Contains(l, ts.Value) {
			d.Observed[ts.Name] = append(l, ts.Value)
		}
	}
	d.Roles = []string{}
	for _, e := range d.Evidence {
		if e.Attribute == AttrRole && !slices.Contains(d.Roles, e.Value) {
			d.Roles = append(d.Roles, e.Value)
		}
	}
	d.Clinical = Clinical(d.DeviceType)
	slices.SortFunc(d.IPHistory, func(x, y IPSeen) int { return x.FirstSeen.Compare(y.FirstSeen) })
	for _, l := range []*[]string{&d.MACs, &d.IPs, &d.Hostnames, &d.AETitles, &d.HL7Applications, &d.Services,
		&d.Protocols, &d.TLSClients} {
		if *l == nil {
			*l = []string{}
		}
	}
	if d.VLANs == nil {
		d.VLANs = []uint16{}
	}
	slices.Sort(d.VLANs)
}

// flows rewrites the flow summaries from addresses to devices, merging
// those that turn out to be the same pair of devices.
func (s *Sensor) flows(deviceOf func(netip.Addr) string) []FlowSummary {
	merged := map[aggKey]*FlowSummary{}
	var out []*FlowSummary
	resolve := func(k string) string {
		kind, addr, _ := strings.Cut(k, ":")
		a, err := netip.ParseAddr(addr)
		if err != nil || kind == "ext" {
			return k
		}
		return deviceOf(a)
	}
	for k, f := range s.agg {
		nk := aggKey{src: resolve(k.src), dst: resolve(k.dst), proto: k.proto, port: k.port}
		m := merged[nk]
		if m == nil {
			c := *f
			c.Source, c.Destination = nk.src, nk.dst
			merged[nk] = &c
			out = append(out, &c)
			continue
		}
		m.add(*f)
	}
	res := make([]FlowSummary, 0, len(out))
	for _, f := range out {
		res = append(res, *f)
	}
	slices.SortFunc(res, func(x, y FlowSummary) int {
		return cmp.Or(strings.Compare(x.Source, y.Source), strings.Compare(x.Destination, y.Destination),
			strings.Compare(x.Protocol, y.Protocol), cmp.Compare(x.Port, y.Port))
	})
	return res
}

func describe(d *Device) string {
	if d == nil {
		return "a device"
	}
	what := d.DeviceType
	if what == "" {
		what = "device"
	}
	var name string
	if len(d.Hostnames) > 0 {
		name = d.Hostnames[0]
	} else if len(d.IPs) > 0 {
		name = d.IPs[0]
	} else if len(d.MACs) > 0 {
		name = d.MACs[0]
	}
	if d.Vendor != "" {
		return fmt.Sprintf("%s %s (%s)", what, name, d.Vendor)
	}
	return what + " " + name
}

// deriveAlerts raises the alerts that depend on what devices are.
func (s *Sensor) deriveAlerts(res *Result, deviceOf func(netip.Addr) string, devByID map[string]*Device, builds map[string]*devBuild) {
	// Clinical devices in contact with addresses outside the hospital.
	keys := make([]extKey, 0, len(s.ext))
	for k := range s.ext {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b extKey) int {
		return cmp.Or(a.local.Compare(b.local), a.remote.Compare(b.remote), cmp.Compare(a.port, b.port))
	})
	for _, k := range keys {
		c := s.ext[k]
		d := devByID[deviceOf(k.local)]
		if d == nil || !d.Clinical {
			continue
		}
		dir := "connected to"
		if !c.outbound {
			dir = "accepted a connection from"
		}
		what := protoName(k.proto)
		if c.app != "" {
			what = c.app
		}
		detail := fmt.Sprintf("%s %s %s (%s/%d, %s), %d time(s)", describe(d), dir, k.remote, protoName(k.proto), k.port,
			what, c.conns)
		if c.note != "" {
			detail += "; " + c.note
		}
		peer := netip.AddrPortFrom(k.remote, k.port)
		s.raise(AlertInternet, "high", "internet", c.first, c.last, c.conns, k.local, packet.MAC{}, peer, what, detail)
	}
	// File sharing and remote access from clinical devices.
	for _, r := range s.remote {
		d := devByID[deviceOf(r.client)]
		if d == nil || !d.Clinical {
			continue
		}
		peer := devByID[deviceOf(r.serverAddr)]
		s.alert(AlertSuspiciousProtocol, "medium", strings.ToLower(r.proto), r.t, r.client, packet.MAC{}, r.server,
			strings.ToLower(r.proto), fmt.Sprintf("%s opened a %s session to %s at %s: medical devices have no business "+
				"with file sharing or remote shells, and this is how ransomware moves between them", describe(d), r.proto,
				describe(peer), r.server))
	}
	// Port scans.
	srcs := make([]netip.Addr, 0, len(s.scans))
	for a := range s.scans {
		srcs = append(srcs, a)
	}
	slices.SortFunc(srcs, func(a, b netip.Addr) int { return a.Compare(b) })
	for _, src := range srcs {
		w, ok := s.scans[src].worst()
		if !ok {
			continue
		}
		s.raise(AlertPortScan, "high", "scan", w.first, w.last, w.targets, src, packet.MAC{}, netip.AddrPort{}, "tcp",
			fmt.Sprintf("%d connection attempts to %d address(es) on %d port(s) refused or unanswered within %s",
				w.targets, w.hosts, w.ports, w.last.Sub(w.first).Round(time.Millisecond)))
	}
	// New devices: first seen after the learning period, with a locally
	// administered (usually random) MAC, or joining the network (DHCP
	// DISCOVER, ARP probe) without anything identifying them.
	start, end := s.span()
	learn := s.learnFor
	if learn == 0 {
		learn = end.Sub(start) / 10
	}
	for _, d := range res.Devices {
		b := builds[d.ID]
		if d.FirstSeen.IsZero() || !d.FirstSeen.After(start.Add(learn)) {
			continue
		}
		// Without an inventory to compare with, joining late is not enough:
		// pumps and badges rejoin all day. A locally administered MAC, or a
		// joiner nothing identifies, is what an unmanaged device looks like.
		joined := b != nil && b.mac != nil && !b.mac.joined.IsZero() && b.mac.joined.Sub(d.FirstSeen) < 10*time.Second
		if !d.LocalMAC && !(joined && d.Vendor == "") {
			continue
		}
		why := "joined the network"
		if d.LocalMAC {
			why += " with a locally administered MAC (often randomised, never registered to a maker)"
		}
		var mac packet.MAC
		if b != nil && b.mac != nil {
			mac = b.mac.mac
		}
		var src netip.Addr
		if len(b.hosts) > 0 {
			src = b.hosts[0].addr
		}
		s.alert(AlertNewDevice, "medium", "new", d.FirstSeen, src, mac, netip.AddrPort{}, "",
			fmt.Sprintf("%s %s after %s of quiet learning", describe(d), why, learn.Round(time.Second)))
	}
}

// span is the time from the first to the last thing seen of any device.
func (s *Sensor) span() (first, last time.Time) {
	see := func(a, b time.Time) {
		if !a.IsZero() && (first.IsZero() || a.Before(first)) {
			first = a
		}
		if b.After(last) {
			last = b
		}
	}
	for _, h := range s.hosts {
		see(h.first, h.last)
	}
	for _, m := range s.macs {
		see(m.first, m.last)
	}
	return first, last
}
