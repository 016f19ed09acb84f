package demo

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/discovery"
	"github.com/vigil-oss/vigil/internal/packet"
	"github.com/vigil-oss/vigil/internal/service"
)

// TrafficSensor is the sensor name the demo's observations, flows and
// alerts are recorded under.
const TrafficSensor = "demo-sensor"

// TrafficSummary says what LoadTraffic generated and recorded.
type TrafficSummary struct {
	Packets        int    `json:"packets"`         // frames in the generated capture
	DecodeErrors   uint64 `json:"decode_errors"`   // frames the packet engine could not decode (0 expected)
	ProtocolErrors uint64 `json:"protocol_errors"` // application messages that did not decode (0 expected)
	Devices        int    `json:"devices"`         // discovered devices recorded into the inventory
	Created        int    `json:"created"`         // of them, devices the inventory did not have
	Flows          int    `json:"flows"`
	Alerts         int    `json:"alerts"` // alerts stored, new or counted again
}

// LoadTraffic plays a few minutes of the demo hospital's network traffic
// through a passive sensor and records what it finds, so the demo shows
// observed devices, flows and alerts. The capture is generated in memory
// from the stored devices' own MACs, addresses, host names, AE titles and
// HL7 applications: DHCP and DNS, DICOM stores from the modalities to
// their site's PACS, HL7 results from monitors and central stations to an
// interface engine, pumps reporting to their server over TLS, and three
// things a security team should see: cleartext patient data (HL7 and
// DICOM), a Telnet login to a patient monitor, and a pump talking to an
// address on the internet. Every patient is synthetic.
//
// The capture is deterministic (a fixed seed, times an hour before inv's
// clock). Recording it again counts the same alerts again rather than
// adding new ones. The DHCP/DNS server and the interface engine are not in
// the demo inventory, so the sensor adds them (and raises new_device
// alerts for them) the first time.
func LoadTraffic(ctx context.Context, inv *service.Inventory, sensors *service.Sensors) (TrafficSummary, error) {
	devs, err := trafficDevices(ctx, inv)
	if err != nil {
		return TrafficSummary{}, err
	}
	frames := newTraffic(inv.Clock().Now()).play(devs)
	capture := pcapFile(frames)
	s, err := discovery.NewSensor(discovery.Options{})
	if err != nil {
		return TrafficSummary{}, fmt.Errorf("demo traffic: start the sensor: %w", err)
	}
	if err := s.Read(ctx, bytes.NewReader(capture), packet.Config{}, nil); err != nil {
		return TrafficSummary{}, fmt.Errorf("demo traffic: read the capture: %w", err)
	}
	res := s.Result()
	sum := TrafficSummary{Packets: len(frames), DecodeErrors: res.Stats.DecodeErrors, ProtocolErrors: res.Stats.ProtocolErrors}
	rec, err := sensors.Record(ctx, TrafficSensor, res)
	if err != nil {
		return sum, fmt.Errorf("demo traffic: record: %w", err)
	}
	sum.Devices, sum.Created, sum.Flows, sum.Alerts = rec.Devices, rec.Created, rec.Flows, rec.Alerts
	return sum, nil
}

// trafficDevice is a stored device that can be on the wire, with what its
// model says it is.
type trafficDevice struct {
	dev        *core.Device
	maker      string
	model      string
	deviceType string
	platform   string // the catalog's: appliance, workstation or vm
	version    string // the installed release
	ep         endpoint
}

// trafficDevices reads the active stored devices that have a MAC and an
// IPv4 address, in id order.
func trafficDevices(ctx context.Context, inv *service.Inventory) ([]*trafficDevice, error) {
	st := inv.Store()
	cat, err := ReadCatalog()
	if err != nil {
		return nil, fmt.Errorf("demo traffic: %w", err)
	}
	platforms := map[string]string{}
	for _, m := range cat.Models {
		platforms[m.Manufacturer+"\x00"+m.Name] = m.Platform
	}
	models := map[core.ModelID]*core.Model{}
	makers := map[core.ManufacturerID]string{}
	var out []*trafficDevice
	f := core.DeviceFilter{Limit: 1000}
	for {
		page, err := inv.ListDevices(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("demo traffic: list devices: %w", err)
		}
		for _, d := range page.Devices {
			if d.ModelID == 0 || d.Lifecycle != core.LifecycleActive || len(d.MACs) == 0 || len(d.IPs) == 0 {
				continue
			}
			ip, err := netip.ParseAddr(d.IPs[0])
			if err != nil || !ip.Is4() {
				continue
			}
			m, err := parseMAC(d.MACs[0])
			if err != nil {
				continue
			}
			md := models[d.ModelID]
			if md == nil {
				if md, err = st.GetModel(ctx, d.ModelID); err != nil {
					return nil, fmt.Errorf("demo traffic: model of device %d: %w", d.ID, err)
				}
				models[d.ModelID] = md
			}
			maker, ok := makers[md.ManufacturerID]
			if !ok {
				mfr, err := st.GetManufacturer(ctx, md.ManufacturerID)
				if err != nil {
					return nil, fmt.Errorf("demo traffic: maker of model %d: %w", md.ID, err)
				}
				maker = mfr.Name
				makers[md.ManufacturerID] = maker
			}
			td := &trafficDevice{dev: d, maker: maker, model: md.Name, deviceType: md.DeviceType,
				platform: platforms[maker+"\x00"+md.Name], ep: endpoint{mac: m, ip: ip}}
			if d.ReleaseID != 0 {
				r, err := st.GetRelease(ctx, d.ReleaseID)
				if err != nil {
					return nil, fmt.Errorf("demo traffic: release of device %d: %w", d.ID, err)
				}
				td.version = r.Version
			}
			out = append(out, td)
		}
		if page.Next == nil {
			return out, nil
		}
		f.After = page.Next
	}
}

func parseMAC(s string) (mac, error) {
	var m mac
	b, err := hex.DecodeString(strings.NewReplacer(":", "", "-", "", ".", "").Replace(s))
	if err != nil || len(b) != 6 {
		return m, fmt.Errorf("MAC %q: not 6 hex bytes", s)
	}
	copy(m[:], b)
	return m, nil
}

// The hospital's network services, which the inventory does not list:
// they sit in the clinical server VLAN's first addresses, left free for
// them (see hostPool).
var (
	serviceHost = endpoint{mac: mac{0x00, 0x50, 0x56, 0xa1, 0x00, 0x02}, ip: netip.MustParseAddr("10.10.100.2")}
	engineHost  = endpoint{mac: mac{0x00, 0x50, 0x56, 0xa1, 0x00, 0x05}, ip: netip.MustParseAddr("10.10.100.5")}
	gatewayMAC  = mac{0x00, 0x00, 0x5e, 0x00, 0x01, 0x01} // the VRRP router, towards the internet
	internetIP  = netip.MustParseAddr("203.0.113.77")     // TEST-NET-3: no one's real server
)

const (
	serviceName   = "ngh-dc01"
	engineName    = "ngh-hl7-engine01"
	telemetryName = "pump-telemetry.example.net"
	// The synthetic patient every message is about. Nothing the sensor
	// stores may carry these values.
	demoPatientName = "DEMO^PATIENT"
	demoPatientID   = "DEMO0001"
)

// The capture's time line: devices join (DHCP) in the first seconds, the
// servers answer their first sessions soon after, and everything is seen
// within the sensor's learning period (a tenth of the capture), so only
// devices the inventory lacks raise new-device alerts.
const (
	joinWindow  = 14 * time.Second
	firstWindow = 16 * time.Second // first sessions of the servers: 16s to 22s
	busyFrom    = 30 * time.Second
	busyUntil   = 280 * time.Second
)

// traffic generates the frames.
type traffic struct {
	rng    *rand.Rand
	start  time.Time
	frames []frame
	ipID   uint16
	port   uint16
	dnsID  uint16
	joined map[*trafficDevice]time.Duration
}

func newTraffic(now time.Time) *traffic {
	return &traffic{rng: rand.New(rand.NewPCG(0x76696769, 0x6c747266)), start: now.Add(-time.Hour).Truncate(time.Second),
		ipID: 0x1000, port: 49152, dnsID: 0x2a00, joined: map[*trafficDevice]time.Duration{}}
}

// between returns a random offset in [lo, hi).
func (g *traffic) between(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(g.rng.Int64N(int64(hi-lo)))
}

func (g *traffic) ip(t time.Time, from, to endpoint, proto byte, payload []byte) {
	g.ipID++
	g.frames = append(g.frames, frame{t, ethernet(to.mac, from.mac, 0x0800, ipv4(from.ip, to.ip, proto, g.ipID, payload))})
}

func (g *traffic) ephemeral() uint16 {
	g.port++
	if g.port == 0 {
		g.port = 49152
	}
	return g.port
}

// play builds the whole capture.
func (g *traffic) play(devs []*trafficDevice) []frame {
	of := func(types ...string) []*trafficDevice {
		var out []*trafficDevice
		for _, d := range devs {
			if slices.Contains(types, d.deviceType) {
				out = append(out, d)
			}
		}
		return out
	}
	imaging := of("ct-scanner", "mri-scanner", "ultrasound", "x-ray", "mammography", "angiography-system", "pet-ct", "spect-ct")
	pacs := of("pacs")
	pumps := of("infusion-pump")
	monitors := of("patient-monitor")
	centrals := of("central-station")
	workstations := of("clinical-workstation", "imaging-workstation", "dicom-viewer")
	pumpServers := of("infusion-server")

	// Who joins the network: everything at the bedside and in imaging,
	// the workstations, and about half of the rest; servers on VMs keep
	// static addresses.
	for _, d := range devs {
		switch {
		case d.platform == PlatformVM:
		case slices.Contains(imaging, d), slices.Contains(pumps, d), slices.Contains(monitors, d),
			slices.Contains(centrals, d), slices.Contains(workstations, d), g.rng.IntN(2) == 0:
			at := g.between(0, joinWindow)
			g.joined[d] = at
			g.dhcp(d, at)
		}
	}
	after := func(d *trafficDevice, lo, hi time.Duration) time.Duration {
		if j, ok := g.joined[d]; ok && lo <= j {
			lo = j + time.Second
		}
		if hi <= lo {
			hi = lo + time.Second
		}
		return g.between(lo, hi)
	}

	// Modalities store images on their site's archive.
	firstTo := map[*trafficDevice]bool{}
	for _, m := range imaging {
		if len(m.dev.AETitles) == 0 {
			continue
		}
		p := archiveFor(m, pacs)
		if p == nil {
			continue
		}
		at := after(m, busyFrom, busyUntil)
		if !firstTo[p] {
			firstTo[p] = true
			at = after(m, firstWindow, firstWindow+6*time.Second)
		}
		g.dicomStore(m, p, at, 1+g.rng.IntN(3))
	}

	// Monitors and central stations send results to the interface engine.
	var senders []*trafficDevice
	for _, d := range slices.Concat(centrals, monitors) {
		if len(d.dev.HL7) > 0 && len(senders) < 12 {
			senders = append(senders, d)
		}
	}
	for i, d := range senders {
		at := after(d, busyFrom, busyUntil)
		if i == 0 {
			at = after(d, firstWindow, firstWindow+6*time.Second)
		}
		g.hl7Results(d, at, 1+g.rng.IntN(3))
	}

	// Networked pumps report to their server over TLS.
	var alaris []*trafficDevice
	for _, p := range pumps {
		if strings.Contains(strings.ToLower(p.model), "alaris") {
			alaris = append(alaris, p)
		}
	}
	if len(pumpServers) > 0 {
		sm := pumpServers[0]
		for i, p := range alaris[:min(len(alaris), 8)] {
			at := after(p, busyFrom, busyUntil)
			if i == 0 {
				at = after(p, firstWindow, firstWindow+6*time.Second)
			}
			g.tlsSession(p, sm.ep, 443, sm.dev.Hostnames, at)
		}
	}

	// One pump also reaches a server on the internet.
	if len(alaris) > 0 {
		p := alaris[len(alaris)-1]
		at := after(p, busyFrom, busyUntil)
		g.dnsLookup(p, telemetryName, internetIP, at)
		g.tlsSession(p, endpoint{mac: gatewayMAC, ip: internetIP}, 443, []string{telemetryName}, at+20*time.Millisecond)
	}

	if len(workstations) > 0 {
		ws := workstations[0]
		// The name of the DHCP and DNS server, which no DHCP request
		// announces.
		g.dnsLookup(ws, serviceName, serviceHost.ip, after(ws, firstWindow, firstWindow+6*time.Second))
		// A workstation opens a Telnet session to a patient monitor.
		if len(monitors) > 0 {
			g.telnet(ws, monitors[0], after(ws, busyFrom, busyUntil))
		}
	}
	return g.frames
}

// archiveFor picks the PACS of the modality's site, else any.
func archiveFor(m *trafficDevice, pacs []*trafficDevice) *trafficDevice {
	var fallback *trafficDevice
	for _, p := range pacs {
		if len(p.dev.AETitles) == 0 {
			continue
		}
		if p.dev.SiteID == m.dev.SiteID {
			return p
		}
		if fallback == nil {
			fallback = p
		}
	}
	return fallback
}

// vendorClass is what a device's DHCP client puts in option 60: embedded
// devices name their product, Windows says "MSFT 5.0", and other stacks
// send nothing.
func vendorClass(d *trafficDevice) string {
	switch {
	case d.platform == PlatformWorkstation || d.platform == PlatformVM:
		return "MSFT 5.0"
	case d.deviceType == "infusion-pump" || d.deviceType == "patient-monitor" || d.deviceType == "infusion-gateway":
		return d.model
	case d.platform == PlatformAppliance && d.dev.ID%2 == 0:
		return d.maker + " " + d.model
	}
	return ""
}

// dhcp plays a device's DISCOVER, OFFER, REQUEST and ACK.
func (g *traffic) dhcp(d *trafficDevice, at time.Duration) {
	t := g.start.Add(at)
	xid := g.rng.Uint32()
	host := ""
	if len(d.dev.Hostnames) > 0 {
		host = strings.SplitN(d.dev.Hostnames[0], ".", 2)[0]
	}
	params := []byte{1, 3, 6, 15, 42}
	if d.platform == PlatformWorkstation {
		params = []byte{1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 119, 121, 249, 252}
	}
	router := netip.AddrFrom4([4]byte{d.ep.ip.As4()[0], d.ep.ip.As4()[1], d.ep.ip.As4()[2], 1})
	req := dhcpMessage{op: 1, xid: xid, client: d.ep.mac, hostName: host, vendorClass: vendorClass(d), params: params}
	rep := dhcpMessage{op: 2, xid: xid, client: d.ep.mac, yiaddr: d.ep.ip, server: serviceHost.ip, router: router, dns: serviceHost.ip}
	anyClient := endpoint{mac: d.ep.mac, ip: netip.IPv4Unspecified()}
	everyone := endpoint{mac: broadcastMAC, ip: netip.AddrFrom4([4]byte{255, 255, 255, 255})}
	toClient := endpoint{mac: d.ep.mac, ip: everyone.ip}

	req.msgType = dhcpDiscover
	g.ip(t, anyClient, everyone, protoUDP, udp(68, 67, req.encode()))
	rep.msgType = dhcpOffer
	g.ip(t.Add(2*time.Millisecond), serviceHost, toClient, protoUDP, udp(67, 68, rep.encode()))
	req.msgType, req.secs, req.requested, req.server = dhcpRequest, 1, d.ep.ip, serviceHost.ip
	g.ip(t.Add(1004*time.Millisecond), anyClient, everyone, protoUDP, udp(68, 67, req.encode()))
	rep.msgType = dhcpAck
	g.ip(t.Add(1006*time.Millisecond), serviceHost, toClient, protoUDP, udp(67, 68, rep.encode()))
}

// dnsLookup plays a query from d for name and the server's answer.
func (g *traffic) dnsLookup(d *trafficDevice, name string, addr netip.Addr, at time.Duration) {
	t := g.start.Add(at)
	g.dnsID++
	sport := g.ephemeral()
	g.ip(t, d.ep, serviceHost, protoUDP, udp(sport, 53, dnsQuery(g.dnsID, name)))
	g.ip(t.Add(700*time.Microsecond), serviceHost, d.ep, protoUDP, udp(53, sport, dnsAnswer(g.dnsID, name, addr, 300)))
}

// conn is one TCP connection being played: it keeps both sides' sequence
// numbers and the clock.
type conn struct {
	g            *traffic
	c, s         endpoint
	cport, sport uint16
	cseq, sseq   uint32
	t            time.Time
}

// open plays the three-way handshake.
func (g *traffic) open(c, s endpoint, sport uint16, at time.Duration) *conn {
	k := &conn{g: g, c: c, s: s, cport: g.ephemeral(), sport: sport, cseq: g.rng.Uint32(), sseq: g.rng.Uint32(),
		t: g.start.Add(at)}
	g.ip(k.t, c, s, protoTCP, tcp(k.cport, sport, k.cseq, 0, tcpSYN, nil))
	k.cseq++
	k.tick()
	g.ip(k.t, s, c, protoTCP, tcp(sport, k.cport, k.sseq, k.cseq, tcpSYN|tcpACK, nil))
	k.sseq++
	k.tick()
	g.ip(k.t, c, s, protoTCP, tcp(k.cport, sport, k.cseq, k.sseq, tcpACK, nil))
	return k
}

// tick advances the clock by a LAN round trip.
func (k *conn) tick() {
	k.t = k.t.Add(200*time.Microsecond + time.Duration(k.g.rng.IntN(600))*time.Microsecond)
}

const mss = 1460

// send plays data from one side in MSS-sized segments, each acknowledged.
func (k *conn) send(fromClient bool, data []byte) {
	for len(data) > 0 {
		n := min(len(data), mss)
		seg := data[:n]
		data = data[n:]
		k.tick()
		if fromClient {
			k.g.ip(k.t, k.c, k.s, protoTCP, tcp(k.cport, k.sport, k.cseq, k.sseq, tcpPSH|tcpACK, seg))
			k.cseq += uint32(n)
			k.tick()
			k.g.ip(k.t, k.s, k.c, protoTCP, tcp(k.sport, k.cport, k.sseq, k.cseq, tcpACK, nil))
		} else {
			k.g.ip(k.t, k.s, k.c, protoTCP, tcp(k.sport, k.cport, k.sseq, k.cseq, tcpPSH|tcpACK, seg))
			k.sseq += uint32(n)
			k.tick()
			k.g.ip(k.t, k.c, k.s, protoTCP, tcp(k.cport, k.sport, k.cseq, k.sseq, tcpACK, nil))
		}
	}
}

// wait lets time pass between messages.
func (k *conn) wait(d time.Duration) { k.t = k.t.Add(d) }

// close plays the client's FIN, the server's FIN and the last ACK.
func (k *conn) close() {
	k.tick()
	k.g.ip(k.t, k.c, k.s, protoTCP, tcp(k.cport, k.sport, k.cseq, k.sseq, tcpFIN|tcpACK, nil))
	k.cseq++
	k.tick()
	k.g.ip(k.t, k.s, k.c, protoTCP, tcp(k.sport, k.cport, k.sseq, k.cseq, tcpFIN|tcpACK, nil))
	k.sseq++
	k.tick()
	k.g.ip(k.t, k.c, k.s, protoTCP, tcp(k.cport, k.sport, k.cseq, k.sseq, tcpACK, nil))
}

// storage says how each modality's images are stored (PS3.4 B.5).
var storageClasses = map[string]struct{ sopClass, modality string }{
	"ct-scanner":         {"1.2.840.10008.5.1.4.1.1.2", "CT"},
	"mri-scanner":        {"1.2.840.10008.5.1.4.1.1.4", "MR"},
	"ultrasound":         {"1.2.840.10008.5.1.4.1.1.6.1", "US"},
	"x-ray":              {"1.2.840.10008.5.1.4.1.1.1.1", "DX"},
	"mammography":        {"1.2.840.10008.5.1.4.1.1.1.2", "MG"},
	"angiography-system": {"1.2.840.10008.5.1.4.1.1.12.1", "XA"},
	"pet-ct":             {"1.2.840.10008.5.1.4.1.1.128", "PT"},
	"spect-ct":           {"1.2.840.10008.5.1.4.1.1.20", "NM"},
}

// uid returns a fresh UID under the UUID-derived root 2.25.
func (g *traffic) uid() string {
	return fmt.Sprintf("2.25.%d%019d", 1+g.rng.Uint64N(9e18), g.rng.Uint64N(1e19))
}

// dicomStore plays one association in which modality m stores n images
// of a study on archive p.
func (g *traffic) dicomStore(m, p *trafficDevice, at time.Duration, n int) {
	s := storageClasses[m.deviceType]
	calling, called := m.dev.AETitles[0], p.dev.AETitles[0]
	k := g.open(m.ep, p.ep, 104, at)
	k.send(true, associateRQ(called, calling, s.sopClass))
	k.send(false, associateAC(called, calling))
	station := m.dev.AETitles[0]
	if len(m.dev.Hostnames) > 0 {
		station = strings.ToUpper(strings.SplitN(m.dev.Hostnames[0], ".", 2)[0])
	}
	img := imageAttrs{sopClass: s.sopClass, study: g.uid(), series: g.uid(), modality: s.modality,
		manufacturer: m.maker, model: m.model, station: station, serial: m.dev.Serial, software: m.version,
		patientName: demoPatientName, patientID: demoPatientID, studyDate: k.t.Format("20060102")}
	for i := range n {
		img.instance = g.uid()
		msgID := uint16(i + 1)
		k.wait(time.Duration(20+g.rng.IntN(200)) * time.Millisecond)
		k.send(true, slices.Concat(pData(true, cStoreRQ(msgID, s.sopClass, img.instance)), pData(false, img.dataset())))
		k.send(false, pData(true, cStoreRSP(msgID, s.sopClass, img.instance)))
	}
	k.send(true, releaseRQ())
	k.send(false, releaseRP())
	k.close()
}

// hl7Results plays one MLLP connection over which d sends n ORU^R01
// results and the engine acknowledges each.
func (g *traffic) hl7Results(d *trafficDevice, at time.Duration, n int) {
	g.dnsLookup(d, engineName, engineHost.ip, at)
	k := g.open(d.ep, engineHost, 2575, at+2*time.Millisecond)
	app := d.dev.HL7[0]
	fac := app.Facility
	for range n {
		k.wait(time.Duration(500+g.rng.IntN(1500)) * time.Millisecond)
		ts := k.t.UTC().Format("20060102150405")
		ctrl := fmt.Sprintf("%s%06d", strings.ToUpper(app.Application[:min(4, len(app.Application))]), g.rng.IntN(1e6))
		hr, spo2 := 60+g.rng.IntN(40), 93+g.rng.IntN(7)
		msg := strings.Join([]string{
			"MSH|^~\\&|" + app.Application + "|" + fac + "|HL7ENGINE|" + fac + "|" + ts + "||ORU^R01^ORU_R01|" + ctrl + "|P|2.6",
			"PID|1||" + demoPatientID + "^^^" + fac + "^MR||" + demoPatientName + "||19700101|U",
			"OBR|1||" + ctrl + "|8716-3^Vital signs^LN|||" + ts,
			fmt.Sprintf("OBX|1|NM|8867-4^Heart rate^LN||%d|/min^beats per minute^UCUM|||||F|||%s", hr, ts),
			fmt.Sprintf("OBX|2|NM|59408-5^Oxygen saturation^LN||%d|%%^percent^UCUM|||||F|||%s", spo2, ts),
		}, "\r") + "\r"
		k.send(true, mllp(msg))
		ack := strings.Join([]string{
			"MSH|^~\\&|HL7ENGINE|" + fac + "|" + app.Application + "|" + fac + "|" + ts + "||ACK^R01^ACK|A" + ctrl + "|P|2.6",
			"MSA|AA|" + ctrl,
		}, "\r") + "\r"
		k.send(false, mllp(ack))
	}
	k.close()
}

// tlsSession plays a connection that starts with a ClientHello naming the
// first of names; what follows is encrypted and left out.
func (g *traffic) tlsSession(d *trafficDevice, server endpoint, port uint16, names []string, at time.Duration) {
	name := ""
	if len(names) > 0 {
		name = names[0]
	}
	random := make([]byte, 32)
	for i := range random {
		random[i] = byte(g.rng.IntN(256))
	}
	k := g.open(d.ep, server, port, at)
	k.send(true, clientHello(random, name))
	k.wait(30 * time.Millisecond)
	k.close()
}

// telnet plays a workstation's Telnet session to a monitor's service
// port: the login prompt and the user name typed at it.
func (g *traffic) telnet(ws, mon *trafficDevice, at time.Duration) {
	k := g.open(ws.ep, mon.ep, 23, at)
	k.send(false, []byte{0xff, 0xfb, 0x01, 0xff, 0xfb, 0x03}) // WILL ECHO, WILL SUPPRESS-GO-AHEAD
	k.send(true, []byte{0xff, 0xfd, 0x01, 0xff, 0xfd, 0x03})  // DO, DO
	k.send(false, []byte("\r\nlogin: "))
	k.wait(2 * time.Second)
	k.send(true, []byte("biomed\r\n"))
	k.send(false, []byte("Password: "))
	k.wait(time.Second)
	k.close()
}
