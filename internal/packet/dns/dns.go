// Package dns decodes DNS messages (RFC 1035) as unicast DNS, multicast DNS
// (RFC 6762) and DNS-based service discovery (RFC 6763) carry them, so the
// sensor can learn host names, advertised services and the model and vendor
// strings devices put in DNS-SD TXT records. It owns the message format only:
// it neither resolves nor caches, and knows nothing of captures.
package dns

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"
	"unicode/utf8"
)

// Limits on what Decode accepts. A UDP datagram holds at most 65,507 bytes,
// and an mDNS announcement rarely more than a few dozen records.
const (
	MaxMessage   = 65535 // bytes
	MaxQuestions = 64
	MaxRecords   = 256 // answers, authority and additional together
	MaxTXT       = 64  // strings kept per TXT record
	maxHops      = 64  // compression pointers followed per name
	maxNameWire  = 255 // RFC 1035 3.1: a name is at most 255 octets on the wire
)

// Type is a resource record type.
type Type uint16

// The record types Decode looks into; others keep only type and length.
const (
	TypeA     Type = 1
	TypeNS    Type = 2
	TypeCNAME Type = 5
	TypePTR   Type = 12
	TypeHINFO Type = 13
	TypeTXT   Type = 16
	TypeAAAA  Type = 28
	TypeSRV   Type = 33
	TypeOPT   Type = 41
	TypeNSEC  Type = 47
	TypeANY   Type = 255
)

var typeNames = map[Type]string{
	TypeA: "A", TypeNS: "NS", TypeCNAME: "CNAME", TypePTR: "PTR", TypeHINFO: "HINFO",
	TypeTXT: "TXT", TypeAAAA: "AAAA", TypeSRV: "SRV", TypeOPT: "OPT", TypeNSEC: "NSEC", TypeANY: "ANY",
}

func (t Type) String() string {
	if s, ok := typeNames[t]; ok {
		return s
	}
	return fmt.Sprintf("TYPE%d", uint16(t))
}

// Header flag bits.
const (
	FlagResponse  = 1 << 15
	FlagAuthority = 1 << 10
	FlagTruncated = 1 << 9
)

// Message is a decoded DNS message. Names keep the case they had on the
// wire; DNS compares names case-insensitively (RFC 4343), so compare them
// with strings.EqualFold. Names are in presentation form: labels joined by
// dots, a dot or backslash inside a label escaped with a backslash, and
// bytes that are control characters or not UTF-8 written as \DDD.
type Message struct {
	ID         uint16
	Flags      uint16 // QR, opcode, AA, TC, RD, RA, Z, AD, CD, RCODE as on the wire
	Questions  []Question
	Answers    []Record
	Authority  []Record
	Additional []Record
}

// Response reports whether the message is a response (QR set).
func (m *Message) Response() bool { return m.Flags&FlagResponse != 0 }

// Opcode is the 4-bit operation code; mDNS uses 0 only.
func (m *Message) Opcode() int { return int(m.Flags>>11) & 0xF }

// RCode is the 4-bit response code of the header.
func (m *Message) RCode() int { return int(m.Flags & 0xF) }

// Question is one entry of the question section.
type Question struct {
	Name  string
	Type  Type
	Class uint16 // without the mDNS unicast-response bit
	// UnicastResponse is the top bit of the class (RFC 6762 5.4, "QU");
	// it means nothing in unicast DNS.
	UnicastResponse bool
}

// Record is one resource record. Which data fields are set depends on Type.
type Record struct {
	Name  string
	Type  Type
	Class uint16 // without the mDNS cache-flush bit
	// CacheFlush is the top bit of the class (RFC 6762 10.2); it means
	// nothing in unicast DNS.
	CacheFlush bool
	TTL        uint32
	Length     int // RDATA length on the wire

	Addr     netip.Addr // A, AAAA
	Target   string     // PTR, CNAME, NS, SRV
	Priority uint16     // SRV
	Weight   uint16     // SRV
	Port     uint16     // SRV
	CPU, OS  string     // HINFO
	// TXT holds the strings of a TXT record, at most MaxTXT, split at the
	// first '=' as DNS-SD key/value attributes (RFC 6763 6.3).
	TXT []Attr
	// TXTDropped counts the strings beyond MaxTXT that were not kept.
	TXTDropped int
}

// Attr is one TXT string. DNS-SD keys are case-insensitive.
type Attr struct {
	Key   string
	Value string
	// HasValue distinguishes "key=" (empty value) from a bare "key"
	// (a boolean attribute that is present).
	HasValue bool
}

// Lookup returns the value of the first TXT attribute with the given key,
// compared case-insensitively as RFC 6763 6.4 requires.
func (r *Record) Lookup(key string) (string, bool) {
	for _, a := range r.TXT {
		if strings.EqualFold(a.Key, key) {
			return a.Value, true
		}
	}
	return "", false
}

// Decode parses one DNS message. It never keeps b: every string is copied.
// On error the returned Message holds the sections decoded before the
// failure, and the error says which entry and offset stopped it.
func Decode(b []byte) (Message, error) {
	var m Message
	if len(b) > MaxMessage {
		return m, fmt.Errorf("dns: message of %d bytes exceeds %d", len(b), MaxMessage)
	}
	if len(b) < 12 {
		return m, fmt.Errorf("dns: header: %d bytes, need 12", len(b))
	}
	m.ID = binary.BigEndian.Uint16(b)
	m.Flags = binary.BigEndian.Uint16(b[2:])
	qd := int(binary.BigEndian.Uint16(b[4:]))
	an := int(binary.BigEndian.Uint16(b[6:]))
	ns := int(binary.BigEndian.Uint16(b[8:]))
	ar := int(binary.BigEndian.Uint16(b[10:]))
	if qd > MaxQuestions {
		return m, fmt.Errorf("dns: %d questions exceed %d", qd, MaxQuestions)
	}
	if n := an + ns + ar; n > MaxRecords {
		return m, fmt.Errorf("dns: %d records exceed %d", n, MaxRecords)
	}
	// A question takes at least 5 bytes and a record 11: counts that
	// cannot fit are refused before anything is allocated for them.
	if need := 12 + 5*qd + 11*(an+ns+ar); need > len(b) {
		return m, fmt.Errorf("dns: header counts %d/%d/%d/%d need at least %d bytes, have %d", qd, an, ns, ar, need, len(b))
	}
	d := decoder{msg: b, off: 12}
	if qd > 0 {
		m.Questions = make([]Question, 0, qd)
	}
	for i := range qd {
		q, err := d.question()
		if err != nil {
			return m, fmt.Errorf("dns: question %d: %w", i, err)
		}
		m.Questions = append(m.Questions, q)
	}
	var all []Record
	if an+ns+ar > 0 {
		all = make([]Record, 0, an+ns+ar)
	}
	sections := [...]struct {
		name  string
		count int
		dst   *[]Record
	}{{"answer", an, &m.Answers}, {"authority", ns, &m.Authority}, {"additional", ar, &m.Additional}}
	for _, s := range sections {
		start := len(all)
		for i := range s.count {
			r, err := d.record()
			if err != nil {
				return m, fmt.Errorf("dns: %s %d: %w", s.name, i, err)
			}
			all = append(all, r)
			*s.dst = all[start:len(all):len(all)]
		}
	}
	return m, nil
}

type decoder struct {
	msg []byte
	off int
}

func (d *decoder) question() (Question, error) {
	at := d.off
	name, err := d.name()
	if err != nil {
		return Question{}, err
	}
	if len(d.msg)-d.off < 4 {
		return Question{}, fmt.Errorf("at offset %d: %d bytes left for type and class, need 4", at, len(d.msg)-d.off)
	}
	class := binary.BigEndian.Uint16(d.msg[d.off+2:])
	q := Question{
		Name:            name,
		Type:            Type(binary.BigEndian.Uint16(d.msg[d.off:])),
		Class:           class & 0x7FFF,
		UnicastResponse: class&0x8000 != 0,
	}
	d.off += 4
	return q, nil
}

func (d *decoder) record() (Record, error) {
	at := d.off
	name, err := d.name()
	if err != nil {
		return Record{}, err
	}
	if len(d.msg)-d.off < 10 {
		return Record{}, fmt.Errorf("at offset %d: %d bytes left for the fixed fields, need 10", at, len(d.msg)-d.off)
	}
	f := d.msg[d.off:]
	class := binary.BigEndian.Uint16(f[2:])
	r := Record{
		Name:       name,
		Type:       Type(binary.BigEndian.Uint16(f)),
		Class:      class & 0x7FFF,
		CacheFlush: class&0x8000 != 0,
		TTL:        binary.BigEndian.Uint32(f[4:]),
		Length:     int(binary.BigEndian.Uint16(f[8:])),
	}
	if r.Type == TypeOPT {
		// EDNS0 (RFC 6891) reuses the class as the sender's UDP payload size.
		r.Class, r.CacheFlush = class, false
	}
	d.off += 10
	if r.Length > len(d.msg)-d.off {
		return r, fmt.Errorf("%v at offset %d: rdata length %d exceeds the %d bytes left", r.Type, at, r.Length, len(d.msg)-d.off)
	}
	start, end := d.off, d.off+r.Length
	d.off = end
	if err := d.rdata(&r, start, end); err != nil {
		return r, fmt.Errorf("%v rdata at offset %d: %w", r.Type, start, err)
	}
	return r, nil
}

// rdata fills the type-specific fields from msg[start:end].
func (d *decoder) rdata(r *Record, start, end int) error {
	data := d.msg[start:end]
	switch r.Type {
	case TypeA, TypeAAAA:
		want := 4
		if r.Type == TypeAAAA {
			want = 16
		}
		if len(data) != want {
			return fmt.Errorf("address of %d bytes, want %d", len(data), want)
		}
		r.Addr, _ = netip.AddrFromSlice(data)
	case TypePTR, TypeCNAME, TypeNS:
		t, err := d.nameIn(start, end)
		if err != nil {
			return err
		}
		r.Target = t
	case TypeSRV:
		if len(data) < 7 {
			return fmt.Errorf("%d bytes, need at least 7", len(data))
		}
		r.Priority = binary.BigEndian.Uint16(data)
		r.Weight = binary.BigEndian.Uint16(data[2:])
		r.Port = binary.BigEndian.Uint16(data[4:])
		t, err := d.nameIn(start+6, end)
		if err != nil {
			return err
		}
		r.Target = t
	case TypeHINFO:
		cpu, rest, err := charString(data)
		if err != nil {
			return fmt.Errorf("cpu: %w", err)
		}
		osName, _, err := charString(rest)
		if err != nil {
			return fmt.Errorf("os: %w", err)
		}
		r.CPU, r.OS = text(cpu), text(osName)
	case TypeTXT:
		return decodeTXT(r, data)
	}
	return nil
}

func decodeTXT(r *Record, data []byte) error {
	// Count first so the attribute slice is allocated once.
	n := 0
	for rest := data; len(rest) > 0; n++ {
		l := int(rest[0])
		if l+1 > len(rest) {
			return fmt.Errorf("string %d of length %d exceeds the %d bytes left", n, l, len(rest)-1)
		}
		rest = rest[l+1:]
	}
	kept := 0
	for rest := data; len(rest) > 0; {
		s := rest[1 : 1+int(rest[0])]
		rest = rest[1+int(rest[0]):]
		if len(s) == 0 {
			// RFC 6763 6.1: an empty TXT record is a single empty string.
			continue
		}
		if kept == MaxTXT {
			r.TXTDropped++
			continue
		}
		if r.TXT == nil {
			r.TXT = make([]Attr, 0, min(n, MaxTXT))
		}
		var a Attr
		if i := indexByte(s, '='); i >= 0 {
			a = Attr{Key: text(s[:i]), Value: text(s[i+1:]), HasValue: true}
		} else {
			a = Attr{Key: text(s)}
		}
		r.TXT = append(r.TXT, a)
		kept++
	}
	return nil
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// charString splits one <character-string> (a length byte and that many
// bytes) off the front of b.
func charString(b []byte) (s, rest []byte, err error) {
	if len(b) == 0 {
		return nil, nil, fmt.Errorf("missing")
	}
	l := int(b[0])
	if l+1 > len(b) {
		return nil, nil, fmt.Errorf("length %d exceeds the %d bytes left", l, len(b)-1)
	}
	return b[1 : l+1], b[l+1:], nil
}

// name reads the name at d.off and moves past it.
func (d *decoder) name() (string, error) {
	s, n, err := d.readName(d.off, len(d.msg))
	if err != nil {
		return "", err
	}
	d.off += n
	return s, nil
}

// nameIn reads a name that must lie, up to its first pointer, within
// msg[start:end] and end exactly at end.
func (d *decoder) nameIn(start, end int) (string, error) {
	s, n, err := d.readName(start, end)
	if err != nil {
		return "", err
	}
	if start+n != end {
		return "", fmt.Errorf("%d bytes after the name at offset %d", end-start-n, start)
	}
	return s, nil
}

// readName decodes the possibly compressed name at msg[at:] and returns it
// with the number of bytes it occupies at at. The labels before the first
// pointer must end before limit. Each pointer must point before itself, at
// most maxHops are followed, and the expanded name is at most 255 octets,
// so a hostile message can neither loop nor grow a name without bound.
func (d *decoder) readName(at, limit int) (string, int, error) {
	var buf [4 * maxNameWire]byte // room for every byte escaped as \DDD
	out := buf[:0]
	wire := 0 // expanded length as on the wire
	off, used, hops := at, -1, 0
	for {
		if off >= limit {
			return "", 0, fmt.Errorf("name at offset %d: runs past offset %d", at, limit)
		}
		l := int(d.msg[off])
		switch l & 0xC0 {
		case 0x00:
			if l == 0 {
				if used < 0 {
					used = off + 1 - at
				}
				if len(out) == 0 {
					return ".", used, nil
				}
				return string(out), used, nil
			}
			if wire += l + 1; wire+1 > maxNameWire {
				return "", 0, fmt.Errorf("name at offset %d: longer than %d bytes", at, maxNameWire)
			}
			if off+1+l > limit {
				return "", 0, fmt.Errorf("name at offset %d: label of %d bytes at offset %d runs past offset %d", at, l, off, limit)
			}
			if len(out) > 0 {
				out = append(out, '.')
			}
			out = appendEscaped(out, d.msg[off+1:off+1+l], true)
			off += 1 + l
		case 0xC0:
			if off+2 > limit {
				return "", 0, fmt.Errorf("name at offset %d: pointer at offset %d truncated", at, off)
			}
			ptr := int(binary.BigEndian.Uint16(d.msg[off:]) & 0x3FFF)
			if ptr >= off {
				return "", 0, fmt.Errorf("name at offset %d: pointer at offset %d to %d does not point backwards", at, off, ptr)
			}
			if hops++; hops > maxHops {
				return "", 0, fmt.Errorf("name at offset %d: more than %d compression pointers", at, maxHops)
			}
			if used < 0 {
				used = off + 2 - at
			}
			// What a pointer reaches lies anywhere before it in the message.
			off, limit = ptr, len(d.msg)
		default:
			// 0x40 and 0x80 are the obsolete extended label types (RFC 6891).
			return "", 0, fmt.Errorf("name at offset %d: unsupported label type 0x%02x at offset %d", at, l&0xC0, off)
		}
	}
}

// appendEscaped writes b so the result is valid UTF-8, printable and
// unambiguous: a backslash (and, inside a name's label, a dot) is escaped
// with a backslash, and a byte that is a control character or not part of
// valid UTF-8 is written as \DDD, as in DNS presentation format.
func appendEscaped(out, b []byte, dot bool) []byte {
	for len(b) > 0 {
		c := b[0]
		switch {
		case c == '\\' || c == '.' && dot:
			out = append(out, '\\', c)
		case c >= 0x20 && c < 0x7F:
			out = append(out, c)
		case c >= 0x80:
			if r, size := utf8.DecodeRune(b); r != utf8.RuneError {
				out = append(out, b[:size]...)
				b = b[size:]
				continue
			}
			fallthrough
		default:
			out = append(out, '\\', '0'+c/100, '0'+c/10%10, '0'+c%10)
		}
		b = b[1:]
	}
	return out
}

// text copies a character-string (at most 255 bytes) out of the message.
func text(b []byte) string {
	var buf [4 * 255]byte
	return string(appendEscaped(buf[:0], b, false))
}
