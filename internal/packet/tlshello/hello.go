package tlshello

import (
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Extension types this package reads (IANA "TLS ExtensionType Values").
const (
	extServerName          = 0x0000
	extSupportedGroups     = 0x000a
	extSignatureAlgorithms = 0x000d
	extALPN                = 0x0010
	extSupportedVersions   = 0x002b
)

// Versions as they appear on the wire.
const (
	VersionSSL30 = 0x0300
	VersionTLS10 = 0x0301
	VersionTLS11 = 0x0302
	VersionTLS12 = 0x0303
	VersionTLS13 = 0x0304
)

// Bounds on what one hello may carry; real clients send far less.
const (
	maxALPN     = 16  // protocol names kept
	maxNameLen  = 255 // server name bytes kept (a DNS name is at most 253)
	maxALPNName = 255 // one protocol name's bytes (the length field's own limit)
)

// IsGREASE reports whether v is one of the RFC 8701 reserved values
// (0x0a0a, 0x1a1a, … 0xfafa) that clients sprinkle into cipher, extension,
// group, version and signature lists to keep servers tolerant.
func IsGREASE(v uint16) bool {
	return v&0x0f0f == 0x0a0a && v>>8 == v&0xff
}

// ClientHello is what a client offers. Lists keep the client's order and any
// GREASE values, because order is part of the fingerprint.
type ClientHello struct {
	// LegacyVersion is the client_version field (0x0303 in TLS 1.3 hellos).
	LegacyVersion uint16
	// MaxVersion is the highest non-GREASE supported_versions entry, else
	// LegacyVersion: the version JA4 reports.
	MaxVersion          uint16
	CipherSuites        []uint16
	Extensions          []uint16
	ServerName          string // SNI host_name; empty when absent
	ALPN                []string
	SupportedVersions   []uint16
	SignatureAlgorithms []uint16
	SupportedGroups     []uint16
	// GREASE is set when any list carried an RFC 8701 value.
	GREASE bool
	// JA4 is FoxIO's JA4 TLS client fingerprint; JA4R its raw, unhashed
	// form (JA4_r), kept as evidence of what was hashed.
	JA4  string
	JA4R string
}

// ServerHello is what the server chose.
type ServerHello struct {
	LegacyVersion uint16
	// Version is the negotiated version: the supported_versions extension
	// when present (TLS 1.3), else LegacyVersion.
	Version     uint16
	CipherSuite uint16
	Extensions  []uint16
	// HelloRetry marks a TLS 1.3 HelloRetryRequest (RFC 8446 4.1.3): the
	// server asks for a second ClientHello and a real ServerHello follows.
	HelloRetry bool
}

// helloRetryRandom is SHA-256("HelloRetryRequest"), RFC 8446 section 4.1.3.
var helloRetryRandom = [32]byte{
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
}

// reader walks a message body; every read is bounds-checked and a failure
// names the field and the offset where it happened.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) fail(field string, need int) {
	if r.err == nil {
		r.err = fmt.Errorf("%s at offset %d: need %d bytes, %d left", field, r.off, need, len(r.b)-r.off)
	}
}

func (r *reader) bytes(field string, n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || len(r.b)-r.off < n {
		r.fail(field, n)
		return nil
	}
	v := r.b[r.off : r.off+n]
	r.off += n
	return v
}

func (r *reader) u8(field string) int {
	v := r.bytes(field, 1)
	if v == nil {
		return 0
	}
	return int(v[0])
}

func (r *reader) u16(field string) int {
	v := r.bytes(field, 2)
	if v == nil {
		return 0
	}
	return int(binary.BigEndian.Uint16(v))
}

func (r *reader) u24(field string) int {
	v := r.bytes(field, 3)
	if v == nil {
		return 0
	}
	return int(v[0])<<16 | int(v[1])<<8 | int(v[2])
}

func (r *reader) left() int { return len(r.b) - r.off }

// arena hands out the uint16 lists of one hello from a single allocation:
// every value costs at least two bytes of the message, so len(body)/2
// values always suffice.
type arena []uint16

// u16s reads big-endian values from b into the arena.
func (a *arena) u16s(b []byte) []uint16 {
	if len(b) < 2 {
		return nil
	}
	start := len(*a)
	for i := 0; i+1 < len(b); i += 2 {
		*a = append(*a, binary.BigEndian.Uint16(b[i:]))
	}
	return (*a)[start:len(*a):len(*a)]
}

// ParseClientHello decodes a ClientHello handshake body (after the 4-byte
// handshake header) and computes its JA4. On error the result holds what
// was decoded before the damage, without a JA4.
func ParseClientHello(body []byte) (*ClientHello, error) {
	h := &ClientHello{}
	r := &reader{b: body}
	a := make(arena, 0, len(body)/2)
	h.LegacyVersion = uint16(r.u16("client_version"))
	r.bytes("random", 32)
	if n := r.u8("session_id length"); n > 32 {
		return h, fmt.Errorf("session_id length %d at offset %d exceeds 32", n, r.off-1)
	} else {
		r.bytes("session_id", n)
	}
	n := r.u16("cipher_suites length")
	if r.err == nil && n%2 != 0 {
		return h, fmt.Errorf("cipher_suites length %d at offset %d is odd", n, r.off-2)
	}
	h.CipherSuites = a.u16s(r.bytes("cipher_suites", n))
	r.bytes("compression_methods", r.u8("compression_methods length"))
	if r.err != nil {
		return h, r.err
	}
	if r.left() == 0 { // a pre-extension (SSL 3.0 era) hello
		h.finish()
		return h, nil
	}
	extLen := r.u16("extensions length")
	if r.err == nil && extLen != r.left() {
		return h, fmt.Errorf("extensions length %d at offset %d does not match the %d bytes left", extLen, r.off-2, r.left())
	}
	h.Extensions = make([]uint16, 0, extLen/4)
	for r.err == nil && r.left() > 0 {
		at := r.off
		typ := uint16(r.u16("extension type"))
		data := r.bytes("extension data", r.u16("extension length"))
		if r.err != nil {
			break
		}
		h.Extensions = append(h.Extensions, typ)
		if err := h.extension(&a, typ, data); err != nil {
			return h, fmt.Errorf("extension 0x%04x at offset %d: %w", typ, at, err)
		}
	}
	if r.err != nil {
		return h, r.err
	}
	h.finish()
	return h, nil
}

func (h *ClientHello) extension(a *arena, typ uint16, data []byte) error {
	r := &reader{b: data}
	switch typ {
	case extServerName:
		if len(data) == 0 { // a server echoing SNI sends it empty; tolerate it here too
			return nil
		}
		list := r.bytes("server_name_list", r.u16("server_name_list length"))
		if r.err != nil {
			return r.err
		}
		lr := &reader{b: list}
		for lr.err == nil && lr.left() > 0 {
			kind := lr.u8("name_type")
			name := lr.bytes("host_name", lr.u16("host_name length"))
			if lr.err == nil && kind == 0 && h.ServerName == "" {
				if len(name) > maxNameLen {
					return fmt.Errorf("host_name of %d bytes exceeds %d", len(name), maxNameLen)
				}
				h.ServerName = text(name)
			}
		}
		return lr.err
	case extALPN:
		list := r.bytes("protocol_name_list", r.u16("protocol_name_list length"))
		if r.err != nil {
			return r.err
		}
		lr := &reader{b: list}
		for lr.err == nil && lr.left() > 0 {
			p := lr.bytes("protocol_name", lr.u8("protocol_name length"))
			if lr.err == nil && len(h.ALPN) < maxALPN {
				h.ALPN = append(h.ALPN, string(p))
			}
		}
		return lr.err
	case extSupportedVersions:
		n := r.u8("versions length")
		v := r.bytes("versions", n)
		if r.err == nil && n%2 != 0 {
			return fmt.Errorf("versions length %d is odd", n)
		}
		h.SupportedVersions = a.u16s(v)
		return r.err
	case extSignatureAlgorithms:
		n := r.u16("supported_signature_algorithms length")
		v := r.bytes("supported_signature_algorithms", n)
		if r.err == nil && n%2 != 0 {
			return fmt.Errorf("signature algorithms length %d is odd", n)
		}
		h.SignatureAlgorithms = a.u16s(v)
		return r.err
	case extSupportedGroups:
		n := r.u16("named_group_list length")
		v := r.bytes("named_group_list", n)
		if r.err == nil && n%2 != 0 {
			return fmt.Errorf("named groups length %d is odd", n)
		}
		h.SupportedGroups = a.u16s(v)
		return r.err
	}
	return nil
}

// finish derives the fields computed from the lists.
func (h *ClientHello) finish() {
	h.MaxVersion = h.LegacyVersion
	var best uint16
	for _, v := range h.SupportedVersions {
		if !IsGREASE(v) && versionRank(v) > versionRank(best) {
			best = v
		}
	}
	if best != 0 {
		h.MaxVersion = best
	}
	for _, list := range [][]uint16{h.CipherSuites, h.Extensions, h.SupportedVersions, h.SignatureAlgorithms, h.SupportedGroups} {
		for _, v := range list {
			if IsGREASE(v) {
				h.GREASE = true
			}
		}
	}
	h.JA4, h.JA4R = ja4(h)
}

// versionRank orders versions; DTLS counts down (0xfeff is DTLS 1.0,
// 0xfefd DTLS 1.2) so it needs its own scale.
func versionRank(v uint16) int {
	switch {
	case v == 0:
		return 0
	case v>>8 == 0xfe:
		return 0x10000 - int(v)
	case v>>8 == 0x7f: // TLS 1.3 drafts
		return 0x0304*2 - 1
	default:
		return int(v) * 2
	}
}

// ParseServerHello decodes a ServerHello handshake body.
func ParseServerHello(body []byte) (*ServerHello, error) {
	s := &ServerHello{}
	r := &reader{b: body}
	s.LegacyVersion = uint16(r.u16("server_version"))
	s.Version = s.LegacyVersion
	random := r.bytes("random", 32)
	if r.err == nil {
		s.HelloRetry = [32]byte(random) == helloRetryRandom
	}
	// TLS 1.3 drafts before 22 dropped session_id and compression_method
	// from the ServerHello; Chrome and Cloudflare spoke them in 2017.
	if s.LegacyVersion>>8 == 0x7f && s.LegacyVersion&0xff < 22 {
		s.CipherSuite = uint16(r.u16("cipher_suite"))
	} else if n := r.u8("session_id length"); n > 32 {
		return s, fmt.Errorf("session_id length %d at offset %d exceeds 32", n, r.off-1)
	} else {
		r.bytes("session_id", n)
		s.CipherSuite = uint16(r.u16("cipher_suite"))
		r.u8("compression_method")
	}
	if r.err != nil || r.left() == 0 {
		return s, r.err
	}
	extLen := r.u16("extensions length")
	if r.err == nil && extLen != r.left() {
		return s, fmt.Errorf("extensions length %d at offset %d does not match the %d bytes left", extLen, r.off-2, r.left())
	}
	for r.err == nil && r.left() > 0 {
		at := r.off
		typ := uint16(r.u16("extension type"))
		data := r.bytes("extension data", r.u16("extension length"))
		if r.err != nil {
			break
		}
		if s.Extensions == nil {
			s.Extensions = make([]uint16, 0, extLen/4)
		}
		s.Extensions = append(s.Extensions, typ)
		if typ == extSupportedVersions {
			if len(data) != 2 {
				return s, fmt.Errorf("extension 0x002b at offset %d: selected_version length %d, want 2", at, len(data))
			}
			s.Version = binary.BigEndian.Uint16(data)
		}
	}
	return s, r.err
}

// text copies b into a valid UTF-8 string so a hostile name cannot corrupt
// the JSON or logs it reaches.
func text(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// VersionName names a wire version for display: "TLS 1.2", "TLS 1.3 draft
// 18", "SSL 3.0", or the hex value when unknown.
func VersionName(v uint16) string {
	switch {
	case v == 0x0002:
		return "SSL 2.0"
	case v == VersionSSL30:
		return "SSL 3.0"
	case v >= VersionTLS10 && v <= VersionTLS13:
		return fmt.Sprintf("TLS 1.%d", v-VersionTLS10)
	case v>>8 == 0x7f:
		return fmt.Sprintf("TLS 1.3 draft %d", v&0xff)
	case v == 0xfeff:
		return "DTLS 1.0"
	case v == 0xfefd:
		return "DTLS 1.2"
	case v == 0xfefc:
		return "DTLS 1.3"
	}
	return fmt.Sprintf("0x%04x", v)
}
