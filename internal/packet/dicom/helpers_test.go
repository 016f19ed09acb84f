package dicom

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/vigil-oss/vigil/internal/packet/internal/capturetest"
)

// segment is one TCP payload of a capture in capture order, which on the
// loopback captures used here is also the order the peers sent them.
type segment struct {
	conn   int // index of the connection, in order of first SYN
	client bool
	data   []byte
}

// segments decodes Ethernet/IPv4/TCP by hand so the tests can feed both
// directions interleaved as they happened (capturetest.Streams gives each
// direction whole).
func segments(t testing.TB, name string) (segs []segment, conns int) {
	t.Helper()
	type key struct{ a, b netip.AddrPort }
	ids := map[key]int{}
	for _, f := range capturetest.Frames(t, name) {
		d := f.Data
		if len(d) < 14+20 || binary.BigEndian.Uint16(d[12:]) != 0x0800 {
			continue
		}
		ip := d[14:]
		ihl := int(ip[0]&0x0F) * 4
		total := int(binary.BigEndian.Uint16(ip[2:]))
		if ip[9] != 6 || ihl < 20 || total > len(ip) || total < ihl+20 {
			continue
		}
		tcp := ip[ihl:total]
		off := int(tcp[12]>>4) * 4
		if off < 20 || off > len(tcp) {
			continue
		}
		src := netip.AddrPortFrom(netip.AddrFrom4([4]byte(ip[12:16])), binary.BigEndian.Uint16(tcp[0:]))
		dst := netip.AddrPortFrom(netip.AddrFrom4([4]byte(ip[16:20])), binary.BigEndian.Uint16(tcp[2:]))
		flags := tcp[13]
		if flags&0x12 == 0x02 { // SYN without ACK: the client opens
			if _, ok := ids[key{src, dst}]; !ok {
				ids[key{src, dst}] = conns
				conns++
			}
		}
		payload := tcp[off:]
		if len(payload) == 0 {
			continue
		}
		if id, ok := ids[key{src, dst}]; ok {
			segs = append(segs, segment{id, true, payload})
		} else if id, ok := ids[key{dst, src}]; ok {
			segs = append(segs, segment{id, false, payload})
		}
	}
	return segs, conns
}

// replay feeds every connection of a capture to its own Conn, segment by
// segment, optionally splitting each segment into chunk-byte pieces.
func replay(t testing.TB, name string, chunk int) []*Conn {
	t.Helper()
	segs, n := segments(t, name)
	conns := make([]*Conn, n)
	for i := range conns {
		conns[i] = NewConn()
	}
	for _, s := range segs {
		c := conns[s.conn]
		for b := s.data; len(b) > 0; {
			k := len(b)
			if chunk > 0 && chunk < k {
				k = chunk
			}
			c.Feed(s.client, b[:k])
			b = b[k:]
		}
	}
	return conns
}

// pdus splits one direction's bytes into whole PDUs.
func pdus(t testing.TB, b []byte) [][]byte {
	t.Helper()
	var out [][]byte
	for len(b) > 0 {
		if len(b) < 6 {
			t.Fatalf("pdus: %d trailing bytes", len(b))
		}
		n := 6 + int(binary.BigEndian.Uint32(b[2:]))
		if n > len(b) {
			t.Fatalf("pdus: PDU of %d bytes, %d left", n, len(b))
		}
		out = append(out, b[:n])
		b = b[n:]
	}
	return out
}

// datasets returns the datasets one direction sent, each reassembled from
// its PDVs.
func datasets(t testing.TB, b []byte) [][]byte {
	t.Helper()
	var out [][]byte
	var cur []byte
	for _, p := range pdus(t, b) {
		if p[0] != 0x04 {
			continue
		}
		for v := p[6:]; len(v) >= 6; {
			n := int(binary.BigEndian.Uint32(v))
			mch := v[5]
			if mch&1 == 0 {
				cur = append(cur, v[6:4+n]...)
				if mch&2 != 0 {
					out = append(out, cur)
					cur = nil
				}
			}
			v = v[4+n:]
		}
	}
	return out
}

// explicitElements lists the top-level elements of an explicit VR little
// endian dataset, written independently of the package's peeker so the
// tests can find the patient values the decoder must not leak.
func explicitElements(t testing.TB, b []byte) map[Tag]string {
	t.Helper()
	out := map[Tag]string{}
	for off := 0; off+8 <= len(b); {
		tag := Tag(uint32(binary.LittleEndian.Uint16(b[off:]))<<16 | uint32(binary.LittleEndian.Uint16(b[off+2:])))
		vr := string(b[off+4 : off+6])
		var n, h int
		switch vr {
		case "OB", "OW", "OF", "SQ", "UT", "UN", "UC", "UR", "OD", "OL", "OV", "SV", "UV":
			n, h = int(binary.LittleEndian.Uint32(b[off+8:])), 12
		default:
			n, h = int(binary.LittleEndian.Uint16(b[off+6:])), 8
		}
		if tag == pixelData || n < 0 || off+h+n > len(b) {
			break
		}
		out[tag] = string(b[off+h : off+h+n])
		off += h + n
	}
	return out
}
