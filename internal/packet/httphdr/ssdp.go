package httphdr

import (
	"bytes"
	"errors"
	"fmt"
)

// SSDP limits: the part of a datagram read, the header lines examined and
// the extra headers kept.
const (
	MaxDatagram = 8 << 10
	MaxHeaders  = 64
	MaxExtra    = 8
	maxName     = 64
)

// SSDP is what a UPnP discovery datagram (HTTP over UDP, port 1900) says
// about its sender.
type SSDP struct {
	// Kind is "NOTIFY", "M-SEARCH" or "response" (an HTTP/1.x answer to a
	// search, Status holding its code).
	Kind   string
	Status int

	Server    string // SERVER: OS, UPnP version and product of a device
	UserAgent string // USER-AGENT of a searching control point
	USN       string // unique service name (the device UUID and type)
	NT        string // notification type
	NTS       string // ssdp:alive, ssdp:byebye, ssdp:update
	ST        string // search target
	Location  string // URL of the device description

	// Extra holds vendor headers worth a fingerprint: every X-* header
	// (X-User-Agent, X-Friendly-Name, ...) and any whose name mentions
	// MODEL, FRIENDLY, DEVICE or BRIDGE (e.g. hue-bridgeid).
	Extra []Header

	// Truncated reports that the datagram, a value or the header list was
	// cut to the limits.
	Truncated bool
}

// Header is one kept header, its name as sent.
type Header struct {
	Name  string
	Value string
}

// ErrNotSSDP is returned when a datagram does not start like SSDP.
var ErrNotSSDP = errors.New("ssdp: not an SSDP datagram")

// DecodeSSDP decodes one SSDP datagram. A datagram ends without a blank
// line as often as with one; any body after a blank line is ignored.
func DecodeSSDP(b []byte) (SSDP, error) {
	var s SSDP
	if len(b) > MaxDatagram {
		b = b[:MaxDatagram]
		s.Truncated = true
	}
	line, rest, _ := bytes.Cut(b, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	switch {
	case bytes.HasPrefix(line, []byte("NOTIFY * HTTP/1.")):
		s.Kind = "NOTIFY"
	case bytes.HasPrefix(line, []byte("M-SEARCH * HTTP/1.")):
		s.Kind = "M-SEARCH"
	case len(line) >= 12 && validVersion(line[:8]) && line[8] == ' ':
		var d dir
		if !d.statusLine(line) {
			return SSDP{}, fmt.Errorf("%w: invalid status line", ErrNotSSDP)
		}
		s.Kind, s.Status = "response", d.msg.Status
	default:
		return SSDP{}, ErrNotSSDP
	}
	for n := 1; len(rest) > 0; n++ {
		off := len(b) - len(rest)
		line, rest, _ = bytes.Cut(rest, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			break
		}
		if n > MaxHeaders {
			s.Truncated = true
			break
		}
		i := bytes.IndexByte(line, ':')
		if i <= 0 {
			return s, fmt.Errorf("ssdp: line %d at offset %d: no colon in header line", n+1, off)
		}
		s.header(bytes.TrimSpace(line[:i]), bytes.TrimSpace(line[i+1:]))
	}
	return s, nil
}

func (s *SSDP) header(name, v []byte) {
	var dst *string
	switch {
	case equalFold(name, "server"):
		dst = &s.Server
	case equalFold(name, "user-agent"):
		dst = &s.UserAgent
	case equalFold(name, "usn"):
		dst = &s.USN
	case equalFold(name, "nt"):
		dst = &s.NT
	case equalFold(name, "nts"):
		dst = &s.NTS
	case equalFold(name, "st"):
		dst = &s.ST
	case equalFold(name, "location"):
		dst = &s.Location
	case hasPrefixFold(name, "x-") || indexFold(name, "model") >= 0 || indexFold(name, "friendly") >= 0 ||
		indexFold(name, "device") >= 0 || indexFold(name, "bridge") >= 0:
		if len(s.Extra) == MaxExtra {
			s.Truncated = true
			return
		}
		n, cut1 := clean(name, maxName)
		val, cut2 := clean(v, MaxValue)
		s.Truncated = s.Truncated || cut1 || cut2
		s.Extra = append(s.Extra, Header{Name: n, Value: val})
		return
	default:
		return
	}
	if *dst == "" {
		var cut bool
		*dst, cut = clean(v, MaxValue)
		s.Truncated = s.Truncated || cut
	}
}
