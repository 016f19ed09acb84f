package demo

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Encoders for the demo capture: a classic pcap of Ethernet frames, and
// the protocols inside them written out by hand from their specifications
// (RFC 791, 793, 768, 2131, 1035, 8446; DICOM PS3.5, PS3.7, PS3.8; HL7 v2
// with MLLP). They build well-formed traffic only: nothing here parses.

type mac [6]byte

var broadcastMAC = mac{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

// endpoint is one end of the demo's conversations.
type endpoint struct {
	mac mac
	ip  netip.Addr
}

// frame is one captured Ethernet frame and when it was seen.
type frame struct {
	t    time.Time
	data []byte
}

// pcapFile writes frames, ordered by time, as a pcap with microsecond
// timestamps and link type Ethernet.
func pcapFile(frames []frame) []byte {
	slices.SortStableFunc(frames, func(a, b frame) int { return a.t.Compare(b.t) })
	var b bytes.Buffer
	h := make([]byte, 24)
	binary.LittleEndian.PutUint32(h, 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	binary.LittleEndian.PutUint32(h[16:], 65535) // snaplen
	binary.LittleEndian.PutUint32(h[20:], 1)     // LINKTYPE_ETHERNET
	b.Write(h)
	rec := make([]byte, 16)
	for _, f := range frames {
		us := f.t.UnixMicro()
		binary.LittleEndian.PutUint32(rec, uint32(us/1e6))
		binary.LittleEndian.PutUint32(rec[4:], uint32(us%1e6))
		binary.LittleEndian.PutUint32(rec[8:], uint32(len(f.data)))
		binary.LittleEndian.PutUint32(rec[12:], uint32(len(f.data)))
		b.Write(rec)
		b.Write(f.data)
	}
	return b.Bytes()
}

func ethernet(dst, src mac, etherType uint16, payload []byte) []byte {
	b := make([]byte, 14, 14+len(payload))
	copy(b, dst[:])
	copy(b[6:], src[:])
	binary.BigEndian.PutUint16(b[12:], etherType)
	return append(b, payload...)
}

const (
	protoTCP = 6
	protoUDP = 17
)

// ipv4 builds an IPv4 packet with a correct header checksum.
func ipv4(src, dst netip.Addr, proto byte, id uint16, payload []byte) []byte {
	b := make([]byte, 20, 20+len(payload))
	b[0] = 0x45
	binary.BigEndian.PutUint16(b[2:], uint16(20+len(payload)))
	binary.BigEndian.PutUint16(b[4:], id)
	binary.BigEndian.PutUint16(b[6:], 0x4000) // don't fragment
	b[8] = 64                                 // TTL
	b[9] = proto
	s, d := src.As4(), dst.As4()
	copy(b[12:], s[:])
	copy(b[16:], d[:])
	var sum uint32
	for i := 0; i < 20; i += 2 {
		sum += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	binary.BigEndian.PutUint16(b[10:], ^uint16(sum))
	return append(b, payload...)
}

// udp builds a UDP datagram; the checksum is left zero (optional in IPv4).
func udp(sport, dport uint16, payload []byte) []byte {
	b := make([]byte, 8, 8+len(payload))
	binary.BigEndian.PutUint16(b, sport)
	binary.BigEndian.PutUint16(b[2:], dport)
	binary.BigEndian.PutUint16(b[4:], uint16(8+len(payload)))
	return append(b, payload...)
}

// TCP flags.
const (
	tcpFIN = 0x01
	tcpSYN = 0x02
	tcpPSH = 0x08
	tcpACK = 0x10
)

// tcp builds a TCP segment without options; the checksum is left zero,
// which the sensor does not verify.
func tcp(sport, dport uint16, seq, ack uint32, flags byte, payload []byte) []byte {
	b := make([]byte, 20, 20+len(payload))
	binary.BigEndian.PutUint16(b, sport)
	binary.BigEndian.PutUint16(b[2:], dport)
	binary.BigEndian.PutUint32(b[4:], seq)
	binary.BigEndian.PutUint32(b[8:], ack)
	b[12] = 5 << 4
	b[13] = flags
	binary.BigEndian.PutUint16(b[14:], 64240)
	return append(b, payload...)
}

// --- DHCP (RFC 2131, 2132) ---

const (
	dhcpDiscover = 1
	dhcpOffer    = 2
	dhcpRequest  = 3
	dhcpAck      = 5
)

// dhcpMessage is what one DHCP message of the demo says.
type dhcpMessage struct {
	op          byte // 1 request, 2 reply
	msgType     byte
	xid         uint32
	secs        uint16
	client      mac
	yiaddr      netip.Addr
	server      netip.Addr // option 54, and siaddr in replies
	requested   netip.Addr // option 50
	hostName    string     // option 12
	vendorClass string     // option 60
	params      []byte     // option 55
	router      netip.Addr // option 3
	dns         netip.Addr // option 6
}

func (m dhcpMessage) encode() []byte {
	b := make([]byte, 240, 400)
	b[0], b[1], b[2] = m.op, 1, 6
	binary.BigEndian.PutUint32(b[4:], m.xid)
	binary.BigEndian.PutUint16(b[8:], m.secs)
	binary.BigEndian.PutUint16(b[10:], 0x8000) // broadcast: the client has no address yet
	put4 := func(off int, a netip.Addr) {
		if a.IsValid() {
			v := a.As4()
			copy(b[off:], v[:])
		}
	}
	put4(16, m.yiaddr)
	if m.op == 2 {
		put4(20, m.server)
	}
	copy(b[28:], m.client[:])
	copy(b[236:], []byte{99, 130, 83, 99}) // magic cookie
	opt := func(code byte, v []byte) {
		b = append(b, code, byte(len(v)))
		b = append(b, v...)
	}
	addr := func(code byte, a netip.Addr) {
		if a.IsValid() {
			v := a.As4()
			opt(code, v[:])
		}
	}
	opt(53, []byte{m.msgType})
	if m.op == 1 {
		opt(61, append([]byte{1}, m.client[:]...))
	}
	addr(50, m.requested)
	addr(54, m.server)
	if m.op == 2 {
		opt(51, []byte{0, 0, 0x0e, 0x10}) // one hour
		opt(1, []byte{255, 255, 255, 0})
		addr(3, m.router)
		addr(6, m.dns)
	}
	if m.hostName != "" {
		opt(12, []byte(m.hostName))
	}
	if m.vendorClass != "" {
		opt(60, []byte(m.vendorClass))
	}
	if len(m.params) > 0 {
		opt(55, m.params)
	}
	b = append(b, 255)
	for len(b) < 300 { // BOOTP's minimum message, padded as clients do
		b = append(b, 0)
	}
	return b
}

// --- DNS (RFC 1035) ---

func dnsName(name string) []byte {
	var b []byte
	for _, l := range strings.Split(strings.TrimSuffix(name, "."), ".") {
		b = append(b, byte(len(l)))
		b = append(b, l...)
	}
	return append(b, 0)
}

// dnsQuery is a recursive query for the A record of name.
func dnsQuery(id uint16, name string) []byte {
	b := []byte{byte(id >> 8), byte(id), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0}
	b = append(b, dnsName(name)...)
	return append(b, 0, 1, 0, 1)
}

// dnsAnswer answers dnsQuery with one A record, the name compressed to a
// pointer at the question.
func dnsAnswer(id uint16, name string, a netip.Addr, ttl uint32) []byte {
	b := []byte{byte(id >> 8), byte(id), 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0}
	b = append(b, dnsName(name)...)
	b = append(b, 0, 1, 0, 1)
	b = append(b, 0xc0, 12, 0, 1, 0, 1)
	b = binary.BigEndian.AppendUint32(b, ttl)
	v := a.As4()
	b = append(b, 0, 4)
	return append(b, v[:]...)
}

// --- TLS (RFC 8446) ---

// clientHello is a TLS 1.3 ClientHello record naming server in its SNI,
// with the extensions a modern embedded TLS stack sends.
func clientHello(random []byte, server string) []byte {
	be16 := func(b []byte, v int) []byte { return binary.BigEndian.AppendUint16(b, uint16(v)) }
	ext := func(b []byte, typ int, data []byte) []byte {
		b = be16(b, typ)
		b = be16(b, len(data))
		return append(b, data...)
	}
	sni := append([]byte{0}, be16(nil, len(server))...) // host_name
	sni = append(sni, server...)
	exts := ext(nil, 0, append(be16(nil, len(sni)), sni...)) // server_name
	groups := []int{0x001d, 0x0017, 0x0018}
	var gl []byte
	for _, g := range groups {
		gl = be16(gl, g)
	}
	exts = ext(exts, 10, append(be16(nil, len(gl)), gl...)) // supported_groups
	exts = ext(exts, 11, []byte{1, 0})                      // ec_point_formats: uncompressed
	sigs := []int{0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501}
	var sl []byte
	for _, s := range sigs {
		sl = be16(sl, s)
	}
	exts = ext(exts, 13, append(be16(nil, len(sl)), sl...)) // signature_algorithms
	exts = ext(exts, 43, []byte{4, 0x03, 0x04, 0x03, 0x03}) // supported_versions: 1.3, 1.2
	key := make([]byte, 32)
	copy(key, random)
	ks := be16(be16(nil, 0x001d), 32)
	ks = append(ks, key...)
	exts = ext(exts, 51, append(be16(nil, len(ks)), ks...)) // key_share
	body := be16(nil, 0x0303)
	body = append(body, random[:32]...)
	body = append(body, 0) // no session id
	ciphers := []int{0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030}
	body = be16(body, 2*len(ciphers))
	for _, c := range ciphers {
		body = be16(body, c)
	}
	body = append(body, 1, 0) // compression: null
	body = be16(body, len(exts))
	body = append(body, exts...)
	hs := []byte{1, byte(len(body) >> 16), byte(len(body) >> 8), byte(len(body))}
	hs = append(hs, body...)
	rec := []byte{22, 3, 1}
	rec = be16(rec, len(hs))
	return append(rec, hs...)
}

// --- DICOM upper layer (PS3.8) and messages (PS3.7, PS3.5) ---

const (
	dicomAppContext     = "1.2.840.10008.3.1.1.1"
	implicitLittle      = "1.2.840.10008.1.2"
	explicitLittle      = "1.2.840.10008.1.2.1"
	demoImplementation  = "2.25.170426393315196425338170531981146452917" // a UUID-derived root: no one's registered UID
	demoImplVersionName = "VIGIL_DEMO_1"
)

func dicomPDU(typ byte, body []byte) []byte {
	b := []byte{typ, 0}
	b = binary.BigEndian.AppendUint32(b, uint32(len(body)))
	return append(b, body...)
}

func dicomItem(typ byte, parts ...[]byte) []byte {
	var v []byte
	for _, p := range parts {
		v = append(v, p...)
	}
	b := []byte{typ, 0}
	b = binary.BigEndian.AppendUint16(b, uint16(len(v)))
	return append(b, v...)
}

func aeField(s string) []byte {
	b := []byte(s)
	for len(b) < 16 {
		b = append(b, ' ')
	}
	return b[:16]
}

func userInfo(maxPDU uint32) []byte {
	return dicomItem(0x50,
		dicomItem(0x51, binary.BigEndian.AppendUint32(nil, maxPDU)),
		dicomItem(0x52, []byte(demoImplementation)),
		dicomItem(0x55, []byte(demoImplVersionName)))
}

// associateRQ proposes one presentation context (id 1) for sopClass, in
// explicit or implicit VR little endian.
func associateRQ(called, calling, sopClass string) []byte {
	b := []byte{0, 1, 0, 0}
	b = append(b, aeField(called)...)
	b = append(b, aeField(calling)...)
	b = append(b, make([]byte, 32)...)
	b = append(b, dicomItem(0x10, []byte(dicomAppContext))...)
	b = append(b, dicomItem(0x20, []byte{1, 0, 0, 0}, dicomItem(0x30, []byte(sopClass)),
		dicomItem(0x40, []byte(explicitLittle)), dicomItem(0x40, []byte(implicitLittle)))...)
	b = append(b, userInfo(16384)...)
	return dicomPDU(0x01, b)
}

// associateAC accepts context 1 in explicit VR little endian.
func associateAC(called, calling string) []byte {
	b := []byte{0, 1, 0, 0}
	b = append(b, aeField(called)...)
	b = append(b, aeField(calling)...)
	b = append(b, make([]byte, 32)...)
	b = append(b, dicomItem(0x10, []byte(dicomAppContext))...)
	b = append(b, dicomItem(0x21, []byte{1, 0, 0, 0}, dicomItem(0x40, []byte(explicitLittle)))...)
	b = append(b, userInfo(65536)...)
	return dicomPDU(0x02, b)
}

func releaseRQ() []byte { return dicomPDU(0x05, make([]byte, 4)) }
func releaseRP() []byte { return dicomPDU(0x06, make([]byte, 4)) }

// pData wraps one PDV: a command (mch 3) or a dataset (mch 2), each sent
// whole as its last fragment.
func pData(command bool, v []byte) []byte {
	mch := byte(0x02)
	if command {
		mch = 0x03
	}
	pdv := binary.BigEndian.AppendUint32(nil, uint32(len(v)+2))
	pdv = append(pdv, 1, mch)
	return dicomPDU(0x04, append(pdv, v...))
}

// padUID pads a UID to even length with NUL, as PS3.5 6.2 requires.
func padUID(s string) []byte {
	b := []byte(s)
	if len(b)%2 == 1 {
		b = append(b, 0)
	}
	return b
}

func padText(s string) []byte {
	b := []byte(s)
	if len(b)%2 == 1 {
		b = append(b, ' ')
	}
	return b
}

func implicitElement(group, elem uint16, v []byte) []byte {
	b := binary.LittleEndian.AppendUint16(nil, group)
	b = binary.LittleEndian.AppendUint16(b, elem)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(v)))
	return append(b, v...)
}

// commandSet prefixes the elements with their group length (0000,0000).
func commandSet(elems ...[]byte) []byte {
	var body []byte
	for _, e := range elems {
		body = append(body, e...)
	}
	return append(implicitElement(0, 0, binary.LittleEndian.AppendUint32(nil, uint32(len(body)))), body...)
}

func us(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }

func cStoreRQ(msgID uint16, sopClass, instance string) []byte {
	return commandSet(
		implicitElement(0, 0x0002, padUID(sopClass)),
		implicitElement(0, 0x0100, us(0x0001)),
		implicitElement(0, 0x0110, us(msgID)),
		implicitElement(0, 0x0700, us(0)),      // priority: medium
		implicitElement(0, 0x0800, us(0x0000)), // a dataset follows
		implicitElement(0, 0x1000, padUID(instance)))
}

func cStoreRSP(msgID uint16, sopClass, instance string) []byte {
	return commandSet(
		implicitElement(0, 0x0002, padUID(sopClass)),
		implicitElement(0, 0x0100, us(0x8001)),
		implicitElement(0, 0x0120, us(msgID)),
		implicitElement(0, 0x0800, us(0x0101)), // no dataset
		implicitElement(0, 0x0900, us(0x0000)), // success
		implicitElement(0, 0x1000, padUID(instance)))
}

// explicitElement encodes one explicit VR little endian element with a
// short (16-bit) length: the VRs used here all have one.
func explicitElement(group, elem uint16, vr string, v []byte) []byte {
	b := binary.LittleEndian.AppendUint16(nil, group)
	b = binary.LittleEndian.AppendUint16(b, elem)
	b = append(b, vr...)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(v)))
	return append(b, v...)
}

// imageAttrs is what a modality writes about itself and the (synthetic)
// patient into an image's header.
type imageAttrs struct {
	sopClass, instance, study, series string
	modality, manufacturer, model     string
	station, serial, software         string
	patientName, patientID            string
	studyDate                         string
}

// dataset encodes the image's attributes in ascending tag order; the
// pixel data is left out, the demo having no images to send.
func (a imageAttrs) dataset() []byte {
	var b []byte
	add := func(group, elem uint16, vr string, v []byte) {
		b = append(b, explicitElement(group, elem, vr, v)...)
	}
	text := func(s string) []byte { return padText(s) }
	add(0x0008, 0x0016, "UI", padUID(a.sopClass))
	add(0x0008, 0x0018, "UI", padUID(a.instance))
	add(0x0008, 0x0020, "DA", text(a.studyDate))
	add(0x0008, 0x0060, "CS", text(a.modality))
	add(0x0008, 0x0070, "LO", text(a.manufacturer))
	add(0x0008, 0x1010, "SH", text(a.station))
	add(0x0008, 0x1090, "LO", text(a.model))
	add(0x0010, 0x0010, "PN", text(a.patientName))
	add(0x0010, 0x0020, "LO", text(a.patientID))
	add(0x0018, 0x1000, "LO", text(a.serial))
	add(0x0018, 0x1020, "LO", text(a.software))
	add(0x0020, 0x000D, "UI", padUID(a.study))
	add(0x0020, 0x000E, "UI", padUID(a.series))
	add(0x0028, 0x0010, "US", us(512)) // rows
	add(0x0028, 0x0011, "US", us(512)) // columns
	return b
}

// --- HL7 v2 over MLLP ---

func mllp(msg string) []byte {
	b := []byte{0x0b}
	b = append(b, msg...)
	return append(b, 0x1c, 0x0d)
}
