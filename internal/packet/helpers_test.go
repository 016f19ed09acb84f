package packet

import (
	"bytes"
	"context"
	"encoding/binary"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/vigil-oss/vigil/internal/packet/internal/capturetest"
)

// Frame builders for hand-made packets. Checksums are left zero: the engine
// does not verify them.

var (
	macA = MAC{0x00, 0x11, 0x22, 0x33, 0x44, 0x55}
	macB = MAC{0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb}
	ipA  = netip.MustParseAddr("10.0.0.1")
	ipB  = netip.MustParseAddr("10.0.0.2")
	ip6A = netip.MustParseAddr("2001:db8::1")
	ip6B = netip.MustParseAddr("2001:db8::2")
)

func ether(dst, src MAC, et uint16, payload []byte) []byte {
	b := append(append([]byte{}, dst[:]...), src[:]...)
	b = binary.BigEndian.AppendUint16(b, et)
	return append(b, payload...)
}

func vlanTag(id uint16, et uint16, payload []byte) []byte {
	b := binary.BigEndian.AppendUint16(nil, id)
	b = binary.BigEndian.AppendUint16(b, et)
	return append(b, payload...)
}

func ipv4(src, dst netip.Addr, proto IPProto, frag uint16, l4 []byte) []byte {
	b := make([]byte, 20, 20+len(l4))
	b[0] = 0x45
	binary.BigEndian.PutUint16(b[2:], uint16(20+len(l4)))
	binary.BigEndian.PutUint16(b[6:], frag)
	b[8] = 64
	b[9] = byte(proto)
	s, d := src.As4(), dst.As4()
	copy(b[12:], s[:])
	copy(b[16:], d[:])
	return append(b, l4...)
}

func ipv6(src, dst netip.Addr, next IPProto, l4 []byte) []byte {
	b := make([]byte, 40, 40+len(l4))
	b[0] = 0x60
	binary.BigEndian.PutUint16(b[4:], uint16(len(l4)))
	b[6] = byte(next)
	b[7] = 255
	s, d := src.As16(), dst.As16()
	copy(b[8:], s[:])
	copy(b[24:], d[:])
	return append(b, l4...)
}

func tcp(sport, dport uint16, seq, ack uint32, flags TCPFlags, payload []byte) []byte {
	b := make([]byte, 20, 20+len(payload))
	binary.BigEndian.PutUint16(b[0:], sport)
	binary.BigEndian.PutUint16(b[2:], dport)
	binary.BigEndian.PutUint32(b[4:], seq)
	binary.BigEndian.PutUint32(b[8:], ack)
	binary.BigEndian.PutUint16(b[12:], 5<<12|uint16(flags))
	binary.BigEndian.PutUint16(b[14:], 65535)
	return append(b, payload...)
}

func udp(sport, dport uint16, payload []byte) []byte {
	b := make([]byte, 8, 8+len(payload))
	binary.BigEndian.PutUint16(b[0:], sport)
	binary.BigEndian.PutUint16(b[2:], dport)
	binary.BigEndian.PutUint16(b[4:], uint16(8+len(payload)))
	return append(b, payload...)
}

// tcpFrame is an Ethernet/IPv4/TCP frame from A (client side) or B.
func tcpFrame(fromA bool, seq uint32, flags TCPFlags, payload []byte) []byte {
	if fromA {
		return ether(macB, macA, 0x0800, ipv4(ipA, ipB, ProtoTCP, 0, tcp(40000, 104, seq, 0, flags, payload)))
	}
	return ether(macA, macB, 0x0800, ipv4(ipB, ipA, ProtoTCP, 0, tcp(104, 40000, seq, 0, flags, payload)))
}

// pcapBytes writes a microsecond pcap, one millisecond between packets.
func pcapBytes(link LinkType, frames ...[]byte) []byte {
	var b bytes.Buffer
	h := make([]byte, 24)
	binary.LittleEndian.PutUint32(h[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	binary.LittleEndian.PutUint32(h[16:], 262144)
	binary.LittleEndian.PutUint32(h[20:], uint32(link))
	b.Write(h)
	for i, f := range frames {
		r := make([]byte, 16)
		binary.LittleEndian.PutUint32(r[0:], 1700000000)
		binary.LittleEndian.PutUint32(r[4:], uint32(i*1000))
		binary.LittleEndian.PutUint32(r[8:], uint32(len(f)))
		binary.LittleEndian.PutUint32(r[12:], uint32(len(f)))
		b.Write(r)
		b.Write(f)
	}
	return b.Bytes()
}

func readCapture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(capturetest.Path(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// run reads a whole capture through the engine.
func run(t testing.TB, cfg Config, capture []byte, h Handler) (Stats, error) {
	t.Helper()
	r, err := NewReader(bytes.NewReader(capture))
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	return New(cfg).Run(context.Background(), r, h)
}

// recorder keeps everything a handler is told, copying what the engine reuses.
type recorder struct {
	packets   []Packet
	datagrams [][]byte
	ended     []*Flow
	streams   []*recStream
	decline   bool
}

func (h *recorder) Packet(p *Packet) {
	c := *p
	c.Data, c.Payload = nil, nil
	h.packets = append(h.packets, c)
}

func (h *recorder) Datagram(p *Packet, b []byte) {
	h.datagrams = append(h.datagrams, append([]byte{}, b...))
}

func (h *recorder) NewStream(f *Flow, client bool, first []byte) Stream {
	if h.decline {
		return nil
	}
	s := &recStream{flow: f, firstClient: client, first: append([]byte{}, first...)}
	h.streams = append(h.streams, s)
	return s
}

func (h *recorder) FlowEnd(f *Flow) { h.ended = append(h.ended, f) }

// recStream collects each direction's bytes; a gap is written as n '#' bytes
// so tests can see where it fell.
type recStream struct {
	flow         *Flow
	firstClient  bool
	first        []byte
	data         [2][]byte
	gaps         [2]int
	closed       int
	stopAfter    int // Feed returns false once this many bytes arrived (0: never)
	fedAfterStop bool
	stopped      bool
}

func (s *recStream) Feed(client bool, b []byte) bool {
	if s.stopped || s.closed > 0 {
		s.fedAfterStop = true
	}
	i := dir(client)
	s.data[i] = append(s.data[i], b...)
	if s.stopAfter > 0 && len(s.data[0])+len(s.data[1]) >= s.stopAfter {
		s.stopped = true
		return false
	}
	return true
}

func (s *recStream) Gap(client bool, n int) {
	i := dir(client)
	s.gaps[i] += n
	s.data[i] = append(s.data[i], bytes.Repeat([]byte{'#'}, n)...)
}

func (s *recStream) Close() { s.closed++ }

var t0 = time.Unix(1700000000, 0)

// feeder drives an engine frame by frame, without a capture file.
type feeder struct {
	e   *Engine
	now time.Time
}

func newFeeder(cfg Config, h Handler) *feeder {
	e := New(cfg)
	e.reset(h)
	return &feeder{e: e, now: t0}
}

func (f *feeder) frame(link LinkType, data []byte) {
	f.now = f.now.Add(time.Millisecond)
	ci := CaptureInfo{Time: f.now, CaptureLen: len(data), Length: len(data), LinkType: link}
	f.e.process(data, &ci)
}

func (f *feeder) at(d time.Time, data []byte) {
	f.now = d
	ci := CaptureInfo{Time: d, CaptureLen: len(data), Length: len(data), LinkType: LinkEthernet}
	f.e.process(data, &ci)
}
