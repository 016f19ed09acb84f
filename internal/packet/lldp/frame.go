// Package lldp decodes the link-layer discovery protocols switches, phones
// and many medical devices announce themselves with: LLDP (IEEE 802.1AB,
// with the TIA-1057 LLDP-MED inventory that names a device's manufacturer,
// model, serial number and firmware) and Cisco's CDP. It owns these frame
// formats only: it decodes single frames and keeps no state.
package lldp

import (
	"encoding/binary"
	"unicode/utf8"
)

// Kind is the discovery protocol a frame carries.
type Kind uint8

const (
	KindNone Kind = iota
	KindLLDP
	KindCDP
)

func (k Kind) String() string {
	switch k {
	case KindLLDP:
		return "LLDP"
	case KindCDP:
		return "CDP"
	}
	return "none"
}

const (
	etherTypeLLDP = 0x88CC
	maxVLANTags   = 2
)

// snapCDP is the 802.2 LLC/SNAP header of CDP: DSAP, SSAP, UI control,
// Cisco's OUI 00-00-0C and protocol ID 0x2000.
var snapCDP = [8]byte{0xAA, 0xAA, 0x03, 0x00, 0x00, 0x0C, 0x20, 0x00}

// Classify looks at a whole Ethernet frame (destination MAC first, up to
// two 802.1Q/802.1ad tags allowed) and says whether it carries LLDP or CDP.
// The payload it returns is a subslice of frame, ready for DecodeLLDP or
// DecodeCDP; for CDP it stops where the 802.3 length field says, so
// Ethernet padding and a trailing FCS are left out.
func Classify(frame []byte) (Kind, []byte) {
	if len(frame) < 14 {
		return KindNone, nil
	}
	off := 12
	et := binary.BigEndian.Uint16(frame[off:])
	for range maxVLANTags {
		if et != 0x8100 && et != 0x88A8 && et != 0x9100 {
			break
		}
		if len(frame) < off+8 {
			return KindNone, nil
		}
		off += 4
		et = binary.BigEndian.Uint16(frame[off:])
	}
	rest := frame[off+2:]
	switch {
	case et == etherTypeLLDP:
		return KindLLDP, rest
	case et <= 1500:
		// 802.3: et is the length of the LLC frame that follows.
		n := min(int(et), len(rest))
		if n < len(snapCDP) || [8]byte(rest[:8]) != snapCDP {
			return KindNone, nil
		}
		return KindCDP, rest[len(snapCDP):n]
	}
	return KindNone, nil
}

// maxText bounds every string kept: an LLDP TLV holds at most 511 bytes, a
// CDP TLV up to 65,531, but no device name or version string needs more.
const maxText = 1024

// text copies b into a valid UTF-8 string safe to log: tab, newline and
// carriage return are kept (CDP software versions span lines), other control
// bytes and bytes that are not UTF-8 become U+FFFD, trailing NULs and spaces
// are trimmed, and the result is cut at maxText bytes.
func text(b []byte) string {
	for len(b) > 0 && (b[len(b)-1] == 0 || b[len(b)-1] == ' ') {
		b = b[:len(b)-1]
	}
	clean := len(b) <= maxText
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c >= 0x7F {
			clean = false
			break
		}
	}
	if clean {
		return string(b)
	}
	out := make([]byte, 0, min(len(b), maxText))
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7F || r == utf8.RuneError && size == 1 {
			r, size = utf8.RuneError, 1
		}
		if len(out)+utf8.RuneLen(r) > maxText {
			break
		}
		out = utf8.AppendRune(out, r)
		b = b[size:]
	}
	return string(out)
}

// hexString renders bytes as lowercase hex, for identifiers that are not text.
func hexString(b []byte, sep byte) string {
	const digits = "0123456789abcdef"
	b = b[:min(len(b), maxText/3)]
	out := make([]byte, 0, 3*len(b))
	for i, c := range b {
		if i > 0 && sep != 0 {
			out = append(out, sep)
		}
		out = append(out, digits[c>>4], digits[c&0xF])
	}
	return string(out)
}

// printable reports whether b reads as text: valid UTF-8 without control
// characters.
func printable(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, c := range b {
		if c < 0x20 || c == 0x7F {
			return false
		}
	}
	return true
}
