package discovery

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-oss/vigil/internal/packet"
	"github.com/vigil-oss/vigil/internal/packet/dhcp"
	"github.com/vigil-oss/vigil/internal/packet/dns"
	"github.com/vigil-oss/vigil/internal/packet/httphdr"
	"github.com/vigil-oss/vigil/internal/packet/lldp"
)

// Datagram reads the UDP and link-layer protocols devices announce
// themselves with.
func (s *Sensor) Datagram(p *packet.Packet, payload []byte) {
	t := p.Time
	switch p.EtherType {
	case packet.EtherTypeARP:
		s.arp(p, payload)
		return
	case packet.EtherTypeLLDP:
		s.lldp(p, payload)
		return
	case packet.EtherTypeCDP:
		s.cdp(p, payload)
		return
	}
	if p.Proto != packet.ProtoUDP {
		return
	}
	src, dst := p.SrcIP.Unmap(), p.DstIP.Unmap()
	label := func(app string) {
		if p.Flow != nil && p.Flow.Label.App == "" {
			p.Flow.Label.App = app
		}
	}
	switch {
	case p.SrcPort == 67 || p.SrcPort == 68 || p.DstPort == 67 || p.DstPort == 68:
		label("dhcp")
		s.dhcp(p, payload)
	case p.SrcPort == 5353 || p.DstPort == 5353:
		label("mdns")
		s.mdns(src, payload, t)
	case p.SrcPort == 53 || p.DstPort == 53:
		label("dns")
		s.dns(src, dst, p.SrcPort == 53, payload, t)
	case p.SrcPort == 1900 || p.DstPort == 1900 || bytes.HasPrefix(payload, []byte("M-SEARCH * ")) ||
		bytes.HasPrefix(payload, []byte("NOTIFY * ")):
		label("ssdp")
		s.ssdp(src, payload, t)
	case p.SrcPort == 123 || p.DstPort == 123:
		label("ntp")
		if p.SrcPort == 123 && p.DstPort != 123 {
			s.service(src, "udp/123", t)
		}
	case p.SrcPort == 161 || p.DstPort == 161:
		label("snmp")
		s.snmp(p, payload)
	case p.SrcPort == 514 || p.DstPort == 514:
		label("syslog")
	}
}

func (s *Sensor) dhcp(p *packet.Packet, payload []byte) {
	m, err := dhcp.Decode(payload)
	if err != nil {
		s.stats.ProtocolErrors++
		if m.Op == 0 {
			return
		}
	}
	if len(m.CHAddr) != 6 {
		return
	}
	var mac packet.MAC
	copy(mac[:], m.CHAddr)
	t := p.Time
	switch m.Op {
	case 1: // from the client
		mh := s.macHost(mac, t)
		if mh == nil {
			return
		}
		// A DISCOVER asks for an address: a device joining the network. A
		// REQUEST alone is a renewal or a reboot of a known device.
		if m.Type == dhcp.Discover {
			if mh.joined.IsZero() {
				mh.joined = t
			}
		}
		if m.HostName != "" {
			mh.sig.add(Signal{"dhcp.hostname", m.HostName}, t)
			addName(&mh.names, m.HostName, maxNamesPerHost)
		}
		if m.FQDN != nil && m.FQDN.Name != "" {
			mh.sig.add(Signal{"dhcp.fqdn", m.FQDN.Name}, t)
			addName(&mh.names, m.FQDN.Name, maxNamesPerHost)
		}
		if m.VendorClass != "" {
			mh.sig.add(Signal{"dhcp.vendor_class", m.VendorClass}, t)
		}
		if len(m.ParamRequest) > 0 {
			var b strings.Builder
			for i, c := range m.ParamRequest {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(strconv.Itoa(int(c)))
			}
			mh.sig.add(Signal{"dhcp.param_list", b.String()}, t)
		}
		if m.ClientID != nil && len(m.ClientID.ID) > 0 && len(m.ClientID.ID) <= 64 {
			mh.sig.add(Signal{"dhcp.client_id", strconv.Itoa(int(m.ClientID.Type)) + ":" + hex.EncodeToString(m.ClientID.ID)}, t)
		}
		if m.CIAddr.IsValid() && !m.CIAddr.IsUnspecified() {
			s.bind(mac, m.CIAddr, 4, t)
		}
	case 2: // from the server
		server := p.SrcIP.Unmap()
		if m.ServerID.IsValid() {
			server = m.ServerID.Unmap()
		}
		s.service(server, "udp/67", t)
		if m.Type == dhcp.Ack && m.YIAddr.IsValid() && !m.YIAddr.IsUnspecified() {
			s.bind(mac, m.YIAddr, 16, t) // the lease: the strongest binding there is
		}
	}
}

func (s *Sensor) dns(src, dst netip.Addr, fromServer bool, payload []byte, t time.Time) {
	m, err := dns.Decode(payload)
	if err != nil {
		s.stats.ProtocolErrors++
	}
	if !fromServer || !m.Response() {
		return
	}
	s.service(src, "udp/53", t)
	for _, r := range m.Answers {
		if (r.Type == dns.TypeA || r.Type == dns.TypeAAAA) && s.isInternal(r.Addr) {
			if h := s.host(r.Addr); h != nil {
				addName(&h.names, hostName(r.Name), maxNamesPerHost)
			}
		}
	}
}

// mdns learns from announcements (responses): a device's own host name,
// the services it offers and what their TXT records say of it.
func (s *Sensor) mdns(src netip.Addr, payload []byte, t time.Time) {
	m, err := dns.Decode(payload)
	if err != nil {
		s.stats.ProtocolErrors++
	}
	if !m.Response() {
		return
	}
	h := s.host(src)
	if h == nil {
		return
	}
	for _, list := range [][]dns.Record{m.Answers, m.Additional} {
		for _, r := range list {
			switch r.Type {
			case dns.TypeA, dns.TypeAAAA:
				if r.Addr.Unmap() == src {
					addName(&h.names, hostName(r.Name), maxNamesPerHost)
				}
			case dns.TypePTR:
				if svc := serviceType(r.Name); svc != "" {
					h.sig.add(Signal{"mdns.service", svc}, t)
				}
			case dns.TypeSRV:
				if svc := serviceType(r.Name); svc != "" {
					h.sig.add(Signal{"mdns.service", svc}, t)
				}
			case dns.TypeTXT:
				for _, a := range r.TXT {
					if a.HasValue && a.Value != "" && len(a.Key) <= 32 {
						h.sig.add(Signal{"mdns.txt." + strings.ToLower(a.Key), a.Value}, t)
					}
				}
			case dns.TypeHINFO:
				h.sig.add(Signal{"mdns.hinfo", strings.TrimSpace(r.CPU + " " + r.OS)}, t)
			}
		}
	}
}

// serviceType returns "_ipp._tcp" of "Printer._ipp._tcp.local" or
// "_ipp._tcp.local".
func serviceType(name string) string {
	name = strings.TrimSuffix(strings.TrimSuffix(name, "."), ".local")
	for _, proto := range []string{"._tcp", "._udp"} {
		if i := strings.LastIndex(name, proto); i >= 0 && strings.HasSuffix(name, proto) {
			j := strings.LastIndex(name[:i], "._")
			if j < 0 {
				if strings.HasPrefix(name, "_") {
					return name
				}
				return ""
			}
			return name[j+1:]
		}
	}
	return ""
}

func hostName(n string) string {
	return strings.ToLower(strings.TrimSuffix(n, "."))
}

func (s *Sensor) ssdp(src netip.Addr, payload []byte, t time.Time) {
	m, err := httphdr.DecodeSSDP(payload)
	if err != nil {
		s.stats.ProtocolErrors++
		return
	}
	if m.Server != "" {
		s.signal(src, "ssdp.server", m.Server, t)
	}
	if m.UserAgent != "" {
		s.signal(src, "ssdp.user_agent", m.UserAgent, t)
	}
	for _, x := range m.Extra {
		if strings.Contains(strings.ToUpper(x.Name), "FRIENDLY") {
			if h := s.host(src); h != nil {
				addName(&h.names, x.Value, maxNamesPerHost)
			}
		}
	}
}

// snmp notes SNMP v1 and v2c, whose community string is a password sent
// in the clear.
func (s *Sensor) snmp(p *packet.Packet, payload []byte) {
	if p.DstPort != 161 || p.Flow == nil {
		return
	}
	// SEQUENCE, length, INTEGER version: 0 is v1, 1 is v2c, 3 is v3.
	v, ok := snmpVersion(payload)
	if !ok || v > 1 {
		return
	}
	name := "SNMPv1"
	if v == 1 {
		name = "SNMPv2c"
	}
	s.alert(AlertInsecureProtocol, "medium", "snmp", p.Time, p.SrcIP, packet.MAC{},
		netip.AddrPortFrom(p.DstIP.Unmap(), p.DstPort), "snmp",
		name+" request: its community string, a shared password, crosses the network in cleartext")
}

func snmpVersion(b []byte) (int, bool) {
	if len(b) < 2 || b[0] != 0x30 {
		return 0, false
	}
	i := 2
	if b[1]&0x80 != 0 {
		n := int(b[1] & 0x7f)
		if n > 4 {
			return 0, false
		}
		i += n
	}
	if len(b) < i+3 || b[i] != 0x02 || b[i+1] != 1 {
		return 0, false
	}
	return int(b[i+2]), true
}

func (s *Sensor) arp(p *packet.Packet, b []byte) {
	// Ethernet/IPv4 ARP: htype 1, ptype 0x0800, hlen 6, plen 4.
	if len(b) < 28 || binary.BigEndian.Uint16(b[0:]) != 1 || binary.BigEndian.Uint16(b[2:]) != 0x0800 || b[4] != 6 || b[5] != 4 {
		return
	}
	var mac packet.MAC
	copy(mac[:], b[8:14])
	sender := netip.AddrFrom4([4]byte(b[14:18]))
	target := netip.AddrFrom4([4]byte(b[24:28]))
	t := p.Time
	mh := s.macHost(mac, t)
	if mh == nil {
		return
	}
	if sender.IsUnspecified() || sender == target { // a probe or an announcement: the device is joining
		if mh.joined.IsZero() {
			mh.joined = t
		}
	}
	if !sender.IsUnspecified() {
		s.bind(mac, sender, 4, t)
	}
}

func (s *Sensor) lldp(p *packet.Packet, b []byte) {
	m, err := lldp.DecodeLLDP(b)
	if err != nil {
		s.stats.ProtocolErrors++
		return
	}
	mac, t := p.SrcMAC, p.Time
	mh := s.macHost(mac, t)
	if mh == nil {
		return
	}
	addName(&mh.names, m.SystemName, maxNamesPerHost)
	for _, sig := range []Signal{{"lldp.system_name", m.SystemName}, {"lldp.system_description", m.SystemDescription},
		{"lldp.med.manufacturer", m.MED.Manufacturer}, {"lldp.med.model", m.MED.Model},
		{"lldp.med.software", m.MED.SoftwareRevision}, {"lldp.med.firmware", m.MED.FirmwareRevision},
		{"lldp.med.serial", m.MED.SerialNumber}} {
		mh.sig.add(sig, t)
	}
	for _, c := range []struct {
		bit  lldp.Caps
		name string
	}{{1 << 4, "router"}, {1 << 2, "bridge"}, {1 << 5, "telephone"}, {1 << 3, "wlan-access-point"}} { // 802.1AB 8.5.8.1
		if m.Enabled&c.bit != 0 || (m.Enabled == 0 && m.Capabilities&c.bit != 0) {
			mh.sig.add(Signal{"lldp.capability", c.name}, t)
		}
	}
	for _, a := range m.ManagementAddrs {
		if a.Addr.IsValid() {
			s.bind(mac, a.Addr, 2, t)
		}
	}
}

func (s *Sensor) cdp(p *packet.Packet, b []byte) {
	m, err := lldp.DecodeCDP(b)
	if err != nil {
		s.stats.ProtocolErrors++
		return
	}
	mac, t := p.SrcMAC, p.Time
	mh := s.macHost(mac, t)
	if mh == nil {
		return
	}
	addName(&mh.names, m.DeviceID, maxNamesPerHost)
	mh.sig.add(Signal{"cdp.platform", m.Platform}, t)
	if line, _, _ := strings.Cut(m.SoftwareVersion, "\n"); line != "" {
		mh.sig.add(Signal{"cdp.software_version", line}, t)
	}
	for _, a := range m.Addresses {
		s.bind(mac, a, 2, t)
	}
}
