package packet

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"time"
)

// LinkType is a capture's link-layer header type (the LINKTYPE_ values of
// pcap and pcapng).
type LinkType uint16

// The link types the engine decodes; any other is counted in
// Stats.UnknownLinkType and skipped.
const (
	LinkNull     LinkType = 0   // BSD loopback: 4-byte address family in the writer's byte order
	LinkEthernet LinkType = 1   // Ethernet II and 802.3
	LinkRawOld   LinkType = 12  // raw IP as some BSDs write DLT_RAW
	LinkRawAlt   LinkType = 14  // raw IP as OpenBSD writes DLT_RAW
	LinkRaw      LinkType = 101 // raw IPv4 or IPv6, version from the first nibble
	LinkLoop     LinkType = 108 // OpenBSD loopback: address family big-endian
	LinkSLL      LinkType = 113 // Linux cooked capture v1
	LinkIPv4     LinkType = 228
	LinkIPv6     LinkType = 229
	LinkSLL2     LinkType = 276 // Linux cooked capture v2
)

// Known reports whether the engine can decode frames of this link type.
func (l LinkType) Known() bool {
	switch l {
	case LinkNull, LinkEthernet, LinkRawOld, LinkRawAlt, LinkRaw, LinkLoop,
		LinkSLL, LinkIPv4, LinkIPv6, LinkSLL2:
		return true
	}
	return false
}

// EtherType is the protocol of an Ethernet payload.
type EtherType uint16

// EtherTypes the engine recognises. Frames of other types reach
// Handler.Packet with their payload but no flow.
const (
	EtherTypeIPv4 EtherType = 0x0800
	EtherTypeARP  EtherType = 0x0806
	EtherTypeVLAN EtherType = 0x8100
	EtherTypeQinQ EtherType = 0x88a8
	EtherTypeIPv6 EtherType = 0x86dd
	EtherTypeLLDP EtherType = 0x88cc
	// EtherTypeCDP is not a real EtherType: CDP rides in 802.3 LLC/SNAP frames
	// with Cisco's OUI 00000c and protocol id 0x2000, and the decoder reports
	// that protocol id here so handlers can switch on one field.
	EtherTypeCDP EtherType = 0x2000
)

const (
	etherTypeQinQOld = 0x9100 // pre-standard QinQ, still sent by some switches
	etherTypePPPoE   = 0x8864 // PPPoE session stage
)

// IPProto is an IP protocol number (IPv4 protocol, IPv6 next header).
type IPProto uint8

// IP protocols with decoded transport headers.
const (
	ProtoICMP   IPProto = 1
	ProtoTCP    IPProto = 6
	ProtoUDP    IPProto = 17
	ProtoICMPv6 IPProto = 58
)

// TCPFlags are the nine TCP header flags.
type TCPFlags uint16

// TCP flags, in header bit order.
const (
	FlagFIN TCPFlags = 1 << iota
	FlagSYN
	FlagRST
	FlagPSH
	FlagACK
	FlagURG
	FlagECE
	FlagCWR
	FlagNS
)

// String lists the flags set, as tcpdump abbreviates them ("SA" for SYN-ACK).
func (f TCPFlags) String() string {
	const names = "FSRPAUECN"
	var b [9]byte
	n := 0
	for i := range 9 {
		if f&(1<<i) != 0 {
			b[n] = names[i]
			n++
		}
	}
	return string(b[:n])
}

// MAC is an Ethernet address.
type MAC [6]byte

func (m MAC) String() string {
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5])
}

// Layer names where decoding of a frame stopped.
type Layer uint8

// Layers, in the order a frame is decoded.
const (
	LayerNone Layer = iota // the frame decoded fully
	LayerLink              // link header shorter than its type requires, or not IP where IP is required
	LayerVLAN
	LayerLLC
	LayerIPv4
	LayerIPv6
	LayerICMP
	LayerTCP
	LayerUDP
	layerCount
)

// LayerCount is the size of Stats.DecodeErrors.
const LayerCount = int(layerCount)

var layerNames = [...]string{"none", "link", "vlan", "llc", "ipv4", "ipv6", "icmp", "tcp", "udp"}

func (l Layer) String() string {
	if int(l) < len(layerNames) {
		return layerNames[l]
	}
	return "unknown"
}

// maxVLANTags bounds the tag stack walked; two are kept, more are a decode
// error because no real network nests that deep.
const maxVLANTags = 4

// maxTunnels bounds IP-in-IP nesting followed.
const maxTunnels = 2

// IP-in-IP encapsulations decoded through (RFC 2003, RFC 4213).
const (
	protoIPIP    = 4
	protoIPv6in4 = 41
)

// maxIPv6Ext bounds the IPv6 extension headers skipped, so a crafted chain
// cannot make one packet expensive.
const maxIPv6Ext = 8

// Packet is one decoded frame. The engine reuses one Packet for every frame:
// a handler must not keep the pointer, Data or Payload after its call
// returns (copy what it needs). Fields of layers absent from the frame are
// zero.
type Packet struct {
	Num        int64     // 1-based position in the capture
	Time       time.Time // capture time
	CaptureLen int       // bytes captured
	Length     int       // bytes on the wire
	LinkType   LinkType
	Data       []byte // the whole frame as captured

	HasMAC         bool // SrcMAC and DstMAC are set (SLL frames carry only SrcMAC)
	SrcMAC, DstMAC MAC
	VLANs          uint8  // number of 802.1Q/802.1ad tags
	VLAN           uint16 // outer VLAN id
	InnerVLAN      uint16 // inner VLAN id of a QinQ frame
	EtherType      EtherType
	LLC            bool // an 802.3 LLC frame (EtherType 0 unless SNAP named one)

	SrcIP, DstIP     netip.Addr
	Proto            IPProto
	TTL              uint8 // TTL or hop limit
	Fragment         bool  // part of a fragmented datagram
	NonFirstFragment bool  // no transport header: ports and flow are absent
	Truncated        bool  // the IP datagram is longer than what was captured
	Tunnels          uint8 // IP-in-IP or 6in4 headers decoded through; the IP fields are the inner ones

	SrcPort, DstPort   uint16
	TCPFlags           TCPFlags
	Seq, Ack           uint32
	Window             uint16
	ICMPType, ICMPCode uint8

	// Payload is the transport payload (TCP, UDP, ICMP after its 4-byte
	// header, or the IP payload of other protocols), or the link payload of
	// non-IP frames (ARP, LLDP, CDP and LLC after the SNAP header).
	Payload []byte

	Flow       *Flow // nil for non-IP frames and non-first fragments
	FromClient bool  // sent by Flow.Client
}

// Decode fills p from one frame of the given link type, keeping only Num,
// Time, CaptureLen and Length, which the caller sets. It returns LayerNone
// when every header present decoded, otherwise the layer at which decoding
// stopped; fields of the layers before it are valid. Decode never allocates
// and never panics; p keeps references into data.
func (p *Packet) Decode(link LinkType, data []byte) Layer {
	num, ts, cl, l := p.Num, p.Time, p.CaptureLen, p.Length
	*p = Packet{Num: num, Time: ts, CaptureLen: cl, Length: l, LinkType: link, Data: data}
	switch link {
	case LinkEthernet:
		if len(data) < 14 {
			return LayerLink
		}
		p.HasMAC = true
		p.DstMAC = MAC(data[0:6])
		p.SrcMAC = MAC(data[6:12])
		return p.ether(EtherType(be16(data[12:])), data[14:])
	case LinkSLL:
		if len(data) < 16 {
			return LayerLink
		}
		if be16(data[2:]) == 1 && be16(data[4:]) == 6 { // ARPHRD_ETHER with a MAC
			p.HasMAC = true
			p.SrcMAC = MAC(data[6:12])
		}
		return p.cooked(be16(data[14:]), data[16:])
	case LinkSLL2:
		if len(data) < 20 {
			return LayerLink
		}
		if be16(data[8:]) == 1 && data[11] == 6 {
			p.HasMAC = true
			p.SrcMAC = MAC(data[12:18])
		}
		return p.cooked(be16(data[0:]), data[20:])
	case LinkRaw, LinkRawOld, LinkRawAlt:
		return p.rawIP(data)
	case LinkIPv4:
		p.EtherType = EtherTypeIPv4
		return p.ipv4(data)
	case LinkIPv6:
		p.EtherType = EtherTypeIPv6
		return p.ipv6(data)
	case LinkNull, LinkLoop:
		if len(data) < 4 {
			return LayerLink
		}
		fam := binary.LittleEndian.Uint32(data)
		if link == LinkLoop || fam&0xffff0000 != 0 {
			// Written by a machine of the other byte order.
			fam = binary.BigEndian.Uint32(data)
		}
		switch fam {
		case 2:
			p.EtherType = EtherTypeIPv4
			return p.ipv4(data[4:])
		case 10, 24, 28, 30: // AF_INET6 on Linux, NetBSD/OpenBSD, FreeBSD, macOS
			p.EtherType = EtherTypeIPv6
			return p.ipv6(data[4:])
		}
		p.Payload = data[4:]
		return LayerNone
	}
	return LayerLink
}

func be16(b []byte) uint16 { return binary.BigEndian.Uint16(b) }
func be32(b []byte) uint32 { return binary.BigEndian.Uint32(b) }

// cooked handles the protocol field of Linux cooked captures, which holds an
// EtherType or, below 0x0600, one of Linux's pseudo protocols.
func (p *Packet) cooked(proto uint16, d []byte) Layer {
	if proto == 0x0004 { // ETH_P_802_2: an LLC header follows
		return p.llc(d)
	}
	if proto < 0x0600 {
		p.Payload = d
		return LayerNone
	}
	return p.ether(EtherType(proto), d)
}

func (p *Packet) rawIP(d []byte) Layer {
	if len(d) < 1 {
		return LayerLink
	}
	switch d[0] >> 4 {
	case 4:
		p.EtherType = EtherTypeIPv4
		return p.ipv4(d)
	case 6:
		p.EtherType = EtherTypeIPv6
		return p.ipv6(d)
	}
	return LayerLink
}

func (p *Packet) ether(et EtherType, d []byte) Layer {
	for et == EtherTypeVLAN || et == EtherTypeQinQ || et == etherTypeQinQOld {
		if len(d) < 4 || p.VLANs >= maxVLANTags {
			return LayerVLAN
		}
		id := be16(d) & 0x0fff
		switch p.VLANs {
		case 0:
			p.VLAN = id
		case 1:
			p.InnerVLAN = id
		}
		p.VLANs++
		et = EtherType(be16(d[2:]))
		d = d[4:]
	}
	if et < 0x0600 {
		// 802.3: the field is a length; trailing bytes are padding.
		if int(et) < len(d) {
			d = d[:et]
		}
		return p.llc(d)
	}
	return p.l3(et, d)
}

func (p *Packet) l3(et EtherType, d []byte) Layer {
	p.EtherType = et
	switch et {
	case EtherTypeIPv4:
		return p.ipv4(d)
	case EtherTypeIPv6:
		return p.ipv6(d)
	case etherTypePPPoE:
		// Session header (6 bytes), then the PPP protocol.
		if len(d) < 8 {
			return LayerLink
		}
		n := int(be16(d[4:]))
		if n >= 2 && n-2 <= len(d)-8 {
			d = d[:8+n-2]
		}
		switch be16(d[6:]) {
		case 0x0021:
			p.EtherType = EtherTypeIPv4
			return p.ipv4(d[8:])
		case 0x0057:
			p.EtherType = EtherTypeIPv6
			return p.ipv6(d[8:])
		}
		d = d[8:]
	}
	p.Payload = d
	return LayerNone
}

func (p *Packet) llc(d []byte) Layer {
	if len(d) < 3 {
		return LayerLLC
	}
	p.LLC = true
	if d[0] == 0xaa && d[1] == 0xaa && d[2] == 0x03 { // SNAP
		if len(d) < 8 {
			return LayerLLC
		}
		pid := be16(d[6:])
		switch {
		case d[3] == 0 && d[4] == 0 && d[5] == 0: // RFC 1042: an EtherType follows
			if pid >= 0x0600 {
				return p.l3(EtherType(pid), d[8:])
			}
		case d[3] == 0x00 && d[4] == 0x00 && d[5] == 0x0c && pid == 0x2000:
			p.EtherType = EtherTypeCDP
		}
		p.Payload = d[8:]
		return LayerNone
	}
	p.Payload = d[3:]
	return LayerNone
}

func (p *Packet) ipv4(d []byte) Layer {
	if len(d) < 20 || d[0]>>4 != 4 {
		return LayerIPv4
	}
	ihl := int(d[0]&0x0f) * 4
	total := int(be16(d[2:]))
	if total == 0 {
		total = len(d) // segmentation offload captures leave it zero
	}
	if ihl < 20 || total < ihl || len(d) < ihl {
		return LayerIPv4
	}
	if total > len(d) {
		total = len(d)
		p.Truncated = true
	}
	p.TTL = d[8]
	p.Proto = IPProto(d[9])
	p.SrcIP = netip.AddrFrom4([4]byte(d[12:16]))
	p.DstIP = netip.AddrFrom4([4]byte(d[16:20]))
	frag := be16(d[6:])
	p.Fragment = frag&0x3fff != 0
	if frag&0x1fff != 0 {
		p.NonFirstFragment = true
		p.Payload = d[ihl:total]
		return LayerNone
	}
	return p.l4(d[ihl:total])
}

func (p *Packet) ipv6(d []byte) Layer {
	if len(d) < 40 || d[0]>>4 != 6 {
		return LayerIPv6
	}
	end := 40 + int(be16(d[4:]))
	if end == 40 || end > len(d) {
		// Zero is a jumbogram or offload; larger than captured is a snaplen cut.
		p.Truncated = end > len(d)
		end = len(d)
	}
	p.TTL = d[7]
	p.SrcIP = netip.AddrFrom16([16]byte(d[8:24]))
	p.DstIP = netip.AddrFrom16([16]byte(d[24:40]))
	next := d[6]
	d = d[40:end]
	for range maxIPv6Ext {
		switch next {
		case 0, 43, 60, 135, 139, 140: // hop-by-hop, routing, destination, mobility, HIP, shim6
			if len(d) < 8 {
				return LayerIPv6
			}
			n := (int(d[1]) + 1) * 8
			if len(d) < n {
				return LayerIPv6
			}
			next, d = d[0], d[n:]
		case 51: // authentication header counts 4-byte words
			if len(d) < 8 {
				return LayerIPv6
			}
			n := (int(d[1]) + 2) * 4
			if len(d) < n {
				return LayerIPv6
			}
			next, d = d[0], d[n:]
		case 44: // fragment
			if len(d) < 8 {
				return LayerIPv6
			}
			off := be16(d[2:]) >> 3
			p.Fragment = true
			next, d = d[0], d[8:]
			if off != 0 {
				p.Proto = IPProto(next)
				p.NonFirstFragment = true
				p.Payload = d
				return LayerNone
			}
		default:
			p.Proto = IPProto(next)
			return p.l4(d)
		}
	}
	return LayerIPv6
}

func (p *Packet) l4(d []byte) Layer {
	switch p.Proto {
	case ProtoTCP:
		if len(d) < 20 {
			return LayerTCP
		}
		off := int(d[12]>>4) * 4
		if off < 20 || off > len(d) {
			return LayerTCP
		}
		p.SrcPort = be16(d[0:])
		p.DstPort = be16(d[2:])
		p.Seq = be32(d[4:])
		p.Ack = be32(d[8:])
		p.TCPFlags = TCPFlags(be16(d[12:]) & 0x01ff)
		p.Window = be16(d[14:])
		p.Payload = d[off:]
	case ProtoUDP:
		if len(d) < 8 {
			return LayerUDP
		}
		n := int(be16(d[4:]))
		switch {
		case n >= 8 && n <= len(d):
			d = d[:n]
		case n != 0 && n < 8: // zero is an IPv6 jumbogram; longer is a snaplen cut
			return LayerUDP
		}
		p.SrcPort = be16(d[0:])
		p.DstPort = be16(d[2:])
		p.Payload = d[8:]
	case ProtoICMP, ProtoICMPv6:
		if len(d) < 4 {
			return LayerICMP
		}
		p.ICMPType, p.ICMPCode = d[0], d[1]
		p.Payload = d[4:]
	case protoIPIP, protoIPv6in4:
		if p.Tunnels >= maxTunnels {
			p.Payload = d
			return LayerNone
		}
		// The conversation that matters is the inner one.
		p.Tunnels++
		if p.Proto == protoIPIP {
			return p.ipv4(d)
		}
		return p.ipv6(d)
	default:
		p.Payload = d
	}
	return LayerNone
}
