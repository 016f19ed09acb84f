// Package dhcp decodes BOOTP and DHCPv4 messages (RFC 951, 2131, 2132) into
// the fields that identify the client device: its hardware address, host
// name, vendor class, client identifier, FQDN and the order of the options
// it asks for, which is a fingerprint of its DHCP stack. It owns no state: a
// datagram goes in, a Message comes out. It knows nothing of captures, UDP or
// the sensor's device model.
package dhcp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"unicode/utf8"
)

// Limits that bound the work and memory spent on one datagram.
const (
	// MaxOptions is the most options (pad excluded) decoded from one message;
	// a real client sends a few dozen.
	MaxOptions = 255
	// MaxValue bounds one option's value once repeated instances are
	// concatenated (RFC 3396); a single instance is at most 255 bytes.
	MaxValue = 1024
	// MaxAddrs bounds the addresses kept from a list option (3, 6).
	MaxAddrs = 16
	// MaxUserClasses bounds the user class instances kept from option 77.
	MaxUserClasses = 16
)

const (
	headerLen  = 236
	cookieLen  = 4
	snameOff   = 44
	snameLen   = 64
	fileOff    = 108
	fileLen    = 128
	optionsOff = headerLen + cookieLen
)

var cookie = [4]byte{99, 130, 83, 99}

// MessageType is the DHCP message type of option 53.
type MessageType uint8

// Message types assigned by RFC 2132 and later (IANA "DHCP Message Type 53 Values").
const (
	Discover         MessageType = 1
	Offer            MessageType = 2
	Request          MessageType = 3
	Decline          MessageType = 4
	Ack              MessageType = 5
	Nak              MessageType = 6
	Release          MessageType = 7
	Inform           MessageType = 8
	ForceRenew       MessageType = 9
	LeaseQuery       MessageType = 10
	LeaseUnassigned  MessageType = 11
	LeaseUnknown     MessageType = 12
	LeaseActive      MessageType = 13
	BulkLeaseQuery   MessageType = 14
	LeaseQueryDone   MessageType = 15
	ActiveLeaseQuery MessageType = 16
	LeaseQueryStatus MessageType = 17
	TLS              MessageType = 18
)

var typeNames = [...]string{
	Discover: "DISCOVER", Offer: "OFFER", Request: "REQUEST", Decline: "DECLINE",
	Ack: "ACK", Nak: "NAK", Release: "RELEASE", Inform: "INFORM",
	ForceRenew: "FORCERENEW", LeaseQuery: "LEASEQUERY", LeaseUnassigned: "LEASEUNASSIGNED",
	LeaseUnknown: "LEASEUNKNOWN", LeaseActive: "LEASEACTIVE", BulkLeaseQuery: "BULKLEASEQUERY",
	LeaseQueryDone: "LEASEQUERYDONE", ActiveLeaseQuery: "ACTIVELEASEQUERY",
	LeaseQueryStatus: "LEASEQUERYSTATUS", TLS: "TLS",
}

func (t MessageType) String() string {
	if int(t) < len(typeNames) && typeNames[t] != "" {
		return typeNames[t]
	}
	if t == 0 {
		return "NONE"
	}
	return fmt.Sprintf("TYPE%d", uint8(t))
}

// ClientID is option 61. Type 1 means ID is an Ethernet address; type 255
// an RFC 4361 IAID and DUID; type 0 an opaque string such as a host name.
type ClientID struct {
	Type uint8
	ID   []byte
}

// FQDN is option 81 (RFC 4702).
type FQDN struct {
	// Flags: 0x01 S (server should update A), 0x02 O (server override),
	// 0x04 E (canonical wire encoding), 0x08 N (no updates).
	Flags uint8
	// Name is dotted; a name sent without the root label (a partial name the
	// server is asked to complete) has Partial set.
	Name    string
	Partial bool
}

// Message is one decoded BOOTP/DHCP message. Every slice and string is a
// copy: none aliases the datagram given to Decode.
type Message struct {
	Op     uint8 // 1 BOOTREQUEST, 2 BOOTREPLY
	HType  uint8 // 1 Ethernet
	HLen   uint8
	Hops   uint8
	XID    uint32
	Secs   uint16
	Flags  uint16 // 0x8000 broadcast
	CIAddr netip.Addr
	YIAddr netip.Addr
	SIAddr netip.Addr
	GIAddr netip.Addr
	// CHAddr is the first HLen bytes of the chaddr field.
	CHAddr []byte
	// ServerName and BootFile are the sname and file fields when they are
	// not overloaded with options (option 52).
	ServerName string
	BootFile   string
	// BOOTP is set when the magic cookie is absent: a plain BOOTP message,
	// which carries no options.
	BOOTP bool

	// Options lists every option code in the order it appeared (pad and end
	// excluded, repeats kept), across the options, file and sname areas.
	Options []uint8
	// Overload is option 52: 1 file, 2 sname, 3 both carry options.
	Overload uint8

	Type           MessageType // 53; 0 when absent
	HostName       string      // 12
	ParamRequest   []uint8     // 55, in the client's order
	VendorClass    string      // 60
	ClientID       *ClientID   // 61
	FQDN           *FQDN       // 81
	RequestedAddr  netip.Addr  // 50
	ServerID       netip.Addr  // 54
	Routers        []netip.Addr
	DNSServers     []netip.Addr
	DomainName     string   // 15
	LeaseSeconds   uint32   // 51; 0 when absent, 0xffffffff infinite
	MaxMessageSize uint16   // 57; 0 when absent
	UserClasses    []string // 77
	VendorSpecific []byte   // 43, raw: its layout depends on the vendor class
}

// HardwareAddr formats CHAddr as colon-separated hex, the usual MAC notation.
func (m *Message) HardwareAddr() string {
	const hexdig = "0123456789abcdef"
	if len(m.CHAddr) == 0 {
		return ""
	}
	var b [16 * 3]byte
	n := 0
	for i, c := range m.CHAddr {
		if i > 0 {
			b[n] = ':'
			n++
		}
		b[n], b[n+1] = hexdig[c>>4], hexdig[c&0xf]
		n += 2
	}
	return string(b[:n])
}

// ErrShort reports a datagram too short for the fixed BOOTP header.
var ErrShort = errors.New("dhcp: message shorter than the 236-byte BOOTP header")

// span locates one option instance's value inside the datagram.
type span struct {
	code     uint8
	off, end int
}

// Decode parses one BOOTP/DHCP message, the UDP payload of a datagram to or
// from port 67 or 68. On a malformed message it returns the fields decoded
// before the damage together with an error naming the option and offset.
func Decode(b []byte) (Message, error) {
	var m Message
	if len(b) < headerLen {
		return m, fmt.Errorf("%w: %d bytes", ErrShort, len(b))
	}
	m.Op, m.HType, m.HLen, m.Hops = b[0], b[1], b[2], b[3]
	m.XID = binary.BigEndian.Uint32(b[4:])
	m.Secs = binary.BigEndian.Uint16(b[8:])
	m.Flags = binary.BigEndian.Uint16(b[10:])
	m.CIAddr = addr4(b[12:])
	m.YIAddr = addr4(b[16:])
	m.SIAddr = addr4(b[20:])
	m.GIAddr = addr4(b[24:])
	if m.Op != 1 && m.Op != 2 {
		return m, fmt.Errorf("dhcp: op %d at offset 0 is neither BOOTREQUEST nor BOOTREPLY", m.Op)
	}
	if m.HLen > 16 {
		return m, fmt.Errorf("dhcp: hlen %d at offset 2 exceeds the 16-byte chaddr field", m.HLen)
	}
	if m.HLen > 0 {
		m.CHAddr = append([]byte(nil), b[28:28+int(m.HLen)]...)
	}
	if len(b) < optionsOff || [4]byte(b[headerLen:optionsOff]) != cookie {
		m.BOOTP = true
		m.ServerName = cstring(b[snameOff : snameOff+snameLen])
		m.BootFile = cstring(b[fileOff : fileOff+fileLen])
		return m, nil
	}

	var spanBuf [64]span
	spans := spanBuf[:0]
	spans, err := scan(b, optionsOff, len(b), spans)
	if err == nil {
		for _, s := range spans {
			if s.code == 52 {
				if s.end-s.off != 1 || b[s.off] < 1 || b[s.off] > 3 {
					err = fmt.Errorf("dhcp: option 52 at offset %d: overload value must be one byte 1-3", s.off-2)
					break
				}
				m.Overload = b[s.off]
			}
		}
	}
	// RFC 2131 section 4.1: the file field is read before sname.
	if err == nil && m.Overload&1 != 0 {
		spans, err = scan(b, fileOff, fileOff+fileLen, spans)
	}
	if err == nil && m.Overload&2 != 0 {
		spans, err = scan(b, snameOff, snameOff+snameLen, spans)
	}
	if m.Overload&2 == 0 {
		m.ServerName = cstring(b[snameOff : snameOff+snameLen])
	}
	if m.Overload&1 == 0 {
		m.BootFile = cstring(b[fileOff : fileOff+fileLen])
	}
	// Whatever the scan accepted is decoded even when it stopped early, so a
	// damaged tail still leaves the message type and host name.
	if derr := m.options(b, spans); err == nil {
		err = derr
	}
	return m, err
}

// scan walks one option area, appending each instance. It stops at the end
// option or the end of the area.
func scan(b []byte, off, end int, spans []span) ([]span, error) {
	for off < end {
		code := b[off]
		switch code {
		case 0:
			off++
			continue
		case 255:
			return spans, nil
		}
		if off+2 > end {
			return spans, fmt.Errorf("dhcp: option %d at offset %d: length byte missing", code, off)
		}
		n := int(b[off+1])
		if off+2+n > end {
			return spans, fmt.Errorf("dhcp: option %d at offset %d: length %d exceeds the option area (%d bytes left)", code, off, n, end-off-2)
		}
		if len(spans) >= MaxOptions {
			return spans, fmt.Errorf("dhcp: option %d at offset %d: more than %d options", code, off, MaxOptions)
		}
		spans = append(spans, span{code: code, off: off + 2, end: off + 2 + n})
		off += 2 + n
	}
	return spans, nil
}

// value returns the value of code, concatenating repeated instances as RFC
// 3396 requires. The single-instance case returns a sub-slice of b without
// copying; callers copy what they keep.
func value(b []byte, spans []span, code uint8) (v []byte, at int, ok bool, err error) {
	var joined []byte
	n := 0
	for _, s := range spans {
		if s.code != code {
			continue
		}
		if !ok {
			v, at, ok = b[s.off:s.end], s.off-2, true
			n = 1
			continue
		}
		if n == 1 {
			joined = append(joined, v...)
		}
		n++
		if len(joined)+s.end-s.off > MaxValue {
			return v, at, ok, fmt.Errorf("dhcp: option %d at offset %d: concatenated length exceeds %d", code, s.off-2, MaxValue)
		}
		joined = append(joined, b[s.off:s.end]...)
	}
	if n > 1 {
		v = joined
	}
	return v, at, ok, nil
}

func (m *Message) options(b []byte, spans []span) error {
	if len(spans) == 0 {
		return nil
	}
	m.Options = make([]uint8, len(spans))
	for i, s := range spans {
		m.Options[i] = s.code
	}
	var first error
	fail := func(err error) {
		if first == nil {
			first = err
		}
	}
	bad := func(code uint8, at int, why string) {
		fail(fmt.Errorf("dhcp: option %d at offset %d: %s", code, at, why))
	}
	get := func(code uint8) ([]byte, int, bool) {
		v, at, ok, err := value(b, spans, code)
		if err != nil {
			fail(err)
		}
		return v, at, ok
	}

	if v, at, ok := get(53); ok {
		if len(v) != 1 {
			bad(53, at, fmt.Sprintf("message type length %d, want 1", len(v)))
		} else {
			m.Type = MessageType(v[0])
		}
	}
	if v, _, ok := get(12); ok {
		m.HostName = text(v)
	}
	if v, _, ok := get(55); ok && len(v) > 0 {
		m.ParamRequest = append([]uint8(nil), v...)
	}
	if v, _, ok := get(60); ok {
		m.VendorClass = text(v)
	}
	if v, at, ok := get(61); ok {
		if len(v) < 2 {
			bad(61, at, fmt.Sprintf("client identifier length %d, want at least 2", len(v)))
		} else {
			m.ClientID = &ClientID{Type: v[0], ID: append([]byte(nil), v[1:]...)}
		}
	}
	if v, at, ok := get(81); ok {
		f, err := decodeFQDN(v)
		if err != nil {
			bad(81, at, err.Error())
		} else {
			m.FQDN = &f
		}
	}
	m.RequestedAddr = addrOption(get, bad, 50)
	m.ServerID = addrOption(get, bad, 54)
	m.Routers = addrList(get, bad, 3)
	m.DNSServers = addrList(get, bad, 6)
	if v, _, ok := get(15); ok {
		m.DomainName = text(v)
	}
	if v, at, ok := get(51); ok {
		if len(v) != 4 {
			bad(51, at, fmt.Sprintf("lease time length %d, want 4", len(v)))
		} else {
			m.LeaseSeconds = binary.BigEndian.Uint32(v)
		}
	}
	if v, at, ok := get(57); ok {
		if len(v) != 2 {
			bad(57, at, fmt.Sprintf("maximum message size length %d, want 2", len(v)))
		} else {
			m.MaxMessageSize = binary.BigEndian.Uint16(v)
		}
	}
	if v, _, ok := get(77); ok && len(v) > 0 {
		m.UserClasses = userClasses(v)
	}
	if v, _, ok := get(43); ok && len(v) > 0 {
		m.VendorSpecific = append([]byte(nil), v...)
	}
	return first
}

type getter func(code uint8) ([]byte, int, bool)
type badder func(code uint8, at int, why string)

func addrOption(get getter, bad badder, code uint8) netip.Addr {
	v, at, ok := get(code)
	if !ok {
		return netip.Addr{}
	}
	if len(v) != 4 {
		bad(code, at, fmt.Sprintf("address length %d, want 4", len(v)))
		return netip.Addr{}
	}
	return addr4(v)
}

func addrList(get getter, bad badder, code uint8) []netip.Addr {
	v, at, ok := get(code)
	if !ok {
		return nil
	}
	if len(v) == 0 || len(v)%4 != 0 {
		bad(code, at, fmt.Sprintf("address list length %d is not a positive multiple of 4", len(v)))
		return nil
	}
	n := min(len(v)/4, MaxAddrs)
	out := make([]netip.Addr, n)
	for i := range out {
		out[i] = addr4(v[4*i:])
	}
	return out
}

// userClasses splits option 77. RFC 3004 frames each instance with a length
// byte, but Windows clients send one bare string; a value that does not parse
// as RFC 3004 framing is kept whole.
func userClasses(v []byte) []string {
	count := 0
	for i := 0; i < len(v); {
		n := int(v[i])
		if n == 0 || i+1+n > len(v) {
			return []string{text(v)}
		}
		i += 1 + n
		count++
	}
	out := make([]string, 0, min(count, MaxUserClasses))
	for i := 0; i < len(v) && len(out) < MaxUserClasses; {
		n := int(v[i])
		out = append(out, text(v[i+1:i+1+n]))
		i += 1 + n
	}
	return out
}

// decodeFQDN reads option 81: flags, two deprecated RCODE bytes, then the
// name, in DNS wire format when the E flag is set and ASCII otherwise.
func decodeFQDN(v []byte) (FQDN, error) {
	if len(v) < 3 {
		return FQDN{}, fmt.Errorf("client FQDN length %d, want at least 3", len(v))
	}
	f := FQDN{Flags: v[0]}
	name := v[3:]
	if f.Flags&0x04 == 0 {
		f.Name = text(name)
		f.Partial = !strings.HasSuffix(f.Name, ".")
		f.Name = strings.TrimSuffix(f.Name, ".")
		return f, nil
	}
	// Wire format: RFC 4702 forbids compression, so a pointer is an error.
	var buf [255]byte
	out := buf[:0]
	f.Partial = true
	for i := 0; i < len(name); {
		n := int(name[i])
		if n == 0 {
			f.Partial = false
			if i+1 != len(name) {
				return FQDN{}, fmt.Errorf("client FQDN: %d bytes after the root label", len(name)-i-1)
			}
			break
		}
		if n > 63 {
			return FQDN{}, fmt.Errorf("client FQDN: label length %d at name offset %d exceeds 63 (compression is not allowed)", n, i)
		}
		if i+1+n > len(name) {
			return FQDN{}, fmt.Errorf("client FQDN: label length %d at name offset %d exceeds the option", n, i)
		}
		if len(out)+n+1 > len(buf) {
			return FQDN{}, fmt.Errorf("client FQDN: name exceeds 255 bytes")
		}
		if len(out) > 0 {
			out = append(out, '.')
		}
		out = append(out, name[i+1:i+1+n]...)
		i += 1 + n
	}
	f.Name = text(out)
	return f, nil
}

func addr4(b []byte) netip.Addr {
	return netip.AddrFrom4([4]byte(b[:4]))
}

// cstring copies a NUL-padded fixed field; empty when the field is unset.
func cstring(b []byte) string {
	for i, c := range b {
		if c == 0 {
			b = b[:i]
			break
		}
	}
	return text(b)
}

// text copies b into a string that is valid UTF-8, so a hostile host name
// cannot break the JSON or logs it ends up in. Trailing NULs go: many
// clients send C strings.
func text(b []byte) string {
	for len(b) > 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	if len(b) == 0 {
		return ""
	}
	if utf8.Valid(b) {
		return string(b)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}
