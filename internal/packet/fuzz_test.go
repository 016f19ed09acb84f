package packet

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/vigil-oss/vigil/internal/packet/internal/capturetest"
)

var fuzzCaptures = []string{"dicom-echo-store-ct.pcap", "http.pcapng", "edge-dhcp-fuzz.pcapng", "edge-bigendian.pcap",
	"rdp.pcap", "lldp.pcap", "cdp-v1.pcap", "tls13.pcap", "syslog.pcap", "mdns.pcap"}

// checker is a handler that verifies what the engine hands over.
type checker struct {
	t       *testing.T
	packets uint64
	ended   map[*Flow]bool
}

func (c *checker) Packet(p *Packet) {
	c.packets++
	if len(p.Data) > MaxPacketSize || !within(p.Payload, p.Data) {
		c.t.Fatalf("packet %d: payload outside the frame", p.Num)
	}
	if p.Flow != nil && p.NonFirstFragment {
		c.t.Fatalf("packet %d: fragment with a flow", p.Num)
	}
}
func (c *checker) Datagram(p *Packet, b []byte) {
	if !within(b, p.Data) {
		c.t.Fatal("datagram outside the frame")
	}
}
func (c *checker) NewStream(f *Flow, client bool, first []byte) Stream {
	if len(first) == 0 {
		c.t.Fatal("NewStream with no bytes")
	}
	return &closeOnce{t: c.t}
}
func (c *checker) FlowEnd(f *Flow) {
	if c.ended[f] || f.End == EndNone {
		c.t.Fatalf("flow %d ended twice or without reason", f.ID)
	}
	c.ended[f] = true
}

type closeOnce struct {
	t      *testing.T
	closed bool
}

func (s *closeOnce) Feed(client bool, b []byte) bool {
	if s.closed || len(b) == 0 {
		s.t.Fatal("Feed after Close or with no bytes")
	}
	return true
}
func (s *closeOnce) Gap(client bool, n int) {
	if s.closed || n <= 0 {
		s.t.Fatalf("Gap(%d) after Close or not positive", n)
	}
}
func (s *closeOnce) Close() {
	if s.closed {
		s.t.Fatal("closed twice")
	}
	s.closed = true
}

// within reports whether sub lies inside whole's memory.
func within(sub, whole []byte) bool {
	if len(sub) == 0 {
		return true
	}
	if len(whole) == 0 {
		return false
	}
	start := cap(whole) - cap(sub)
	return start >= 0 && start+len(sub) <= len(whole) && &whole[start] == &sub[0]
}

func FuzzReader(f *testing.F) {
	for _, name := range fuzzCaptures {
		f.Add(readCapture(f, name))
	}
	f.Add(pcapBytes(LinkSLL, sll(0x0800, ipv4(ipA, ipB, ProtoUDP, 0, udp(1, 2, nil)))))
	f.Add(pcapBytes(LinkEthernet, tcpFrame(true, 1, FlagSYN, nil), tcpFrame(false, 1, FlagSYN|FlagACK, nil), tcpFrame(true, 2, FlagACK, []byte("x"))))
	f.Add([]byte{0x0a, 0x0d, 0x0d, 0x0a, 12, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a})
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(bytes.NewReader(data))
		if err != nil {
			if !utf8.ValidString(err.Error()) {
				t.Fatal("error text not UTF-8")
			}
			return
		}
		c := &checker{t: t, ended: map[*Flow]bool{}}
		st, err := New(Config{MaxFlows: 8, MaxStreamBuffer: 512, MaxBuffer: 1024}).Run(t.Context(), r, c)
		if err != nil && r.Packets() != int64(st.Packets) {
			t.Fatalf("error after %d packets but %d counted", r.Packets(), st.Packets)
		}
		if st.Packets != c.packets+st.DecodeErrorTotal()+st.UnknownLinkType {
			t.Fatalf("%d packets: %d handled, %d errors, %d unknown", st.Packets, c.packets, st.DecodeErrorTotal(), st.UnknownLinkType)
		}
		if uint64(len(c.ended)) != st.FlowsCreated || st.FlowsPeak > 8 || st.BufferedPeak > 1024 {
			t.Fatalf("%d flows ended of %d, peak %d, buffered %d", len(c.ended), st.FlowsCreated, st.FlowsPeak, st.BufferedPeak)
		}
		if r.BytesRead() > int64(len(data)) {
			t.Fatalf("read %d of %d bytes", r.BytesRead(), len(data))
		}
	})
}

func FuzzDecode(f *testing.F) {
	for _, name := range fuzzCaptures {
		for _, fr := range capturetest.Frames(f, name) {
			f.Add(uint16(fr.LinkType), fr.Data)
		}
	}
	f.Add(uint16(LinkSLL2), sll2(0x86dd, ipv6(ip6A, ip6B, 0, []byte{44, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0})))
	f.Add(uint16(LinkNull), []byte{0, 0, 0, 24, 0x60})
	f.Add(uint16(LinkRaw), ipv4(ipA, ipB, 4, 0, ipv4(ipA, ipB, 4, 0, ipv4(ipA, ipB, 41, 0, nil))))
	links := []LinkType{LinkNull, LinkEthernet, LinkRawOld, LinkRawAlt, LinkRaw, LinkLoop, LinkSLL, LinkIPv4, LinkIPv6, LinkSLL2}
	f.Fuzz(func(t *testing.T, link uint16, data []byte) {
		// Every frame is tried as its own link type and as each known one.
		for _, l := range append(links, LinkType(link)) {
			var p, q Packet
			layer := p.Decode(l, data)
			if layer >= layerCount {
				t.Fatalf("layer %d", layer)
			}
			if q.Decode(l, data) != layer || p.SrcIP != q.SrcIP || p.SrcPort != q.SrcPort || len(p.Payload) != len(q.Payload) {
				t.Fatal("decoding is not stable")
			}
			if !within(p.Payload, data) {
				t.Fatalf("link %d: payload outside the frame", l)
			}
			if p.NonFirstFragment && (p.SrcPort != 0 || p.TCPFlags != 0) {
				t.Fatal("ports on a non-first fragment")
			}
			if p.VLANs > maxVLANTags || p.Tunnels > maxTunnels {
				t.Fatalf("%d tags, %d tunnels", p.VLANs, p.Tunnels)
			}
		}
	})
}

// pat is the byte a fuzzed segment carries at sequence number s, so the
// checker can tell where every delivered byte came from.
func pat(s uint32) byte { return byte(s) ^ byte(s>>8)*7 ^ byte(s>>16)*13 }

// seqStream checks that each direction is delivered in sequence order with
// every byte once: each Feed must start exactly where the previous Feed or
// Gap ended, and carry the bytes of those sequence numbers.
type seqStream struct {
	t       *testing.T
	f       *Flow
	started [2]bool
	pos     [2]uint32
	closed  bool
}

func (s *seqStream) Feed(client bool, b []byte) bool {
	d := dir(client)
	end := s.f.stream.half[d].next // the engine advances next before Feed
	start := end - uint32(len(b))
	if s.started[d] && start != s.pos[d] {
		s.t.Fatalf("dir %d: Feed starts at %d, previous data ended at %d", d, start, s.pos[d])
	}
	for i, c := range b {
		if c != pat(start+uint32(i)) {
			s.t.Fatalf("dir %d: byte at seq %d is %d, want %d", d, start+uint32(i), c, pat(start+uint32(i)))
		}
	}
	s.started[d], s.pos[d] = true, end
	if s.closed {
		s.t.Fatal("Feed after Close")
	}
	return true
}

func (s *seqStream) Gap(client bool, n int) {
	d := dir(client)
	if n <= 0 {
		s.t.Fatalf("dir %d: Gap(%d)", d, n)
	}
	if !s.started[d] {
		// A gap from before the stream existed comes just before its
		// first Feed, which checks the position itself.
		return
	}
	end := s.f.stream.half[d].next // advanced past the gap before the call
	if end-uint32(n) != s.pos[d] {
		s.t.Fatalf("dir %d: gap of %d ends at %d, previous data ended at %d", d, n, end, s.pos[d])
	}
	s.started[d], s.pos[d] = true, end
}

func (s *seqStream) Close() {
	if s.closed {
		s.t.Fatal("closed twice")
	}
	s.closed = true
}

type seqHandler struct {
	BaseHandler
	t *testing.T
	s []*seqStream
}

func (h *seqHandler) NewStream(f *Flow, client bool, first []byte) Stream {
	// Feed follows with the same bytes and checks them.
	s := &seqStream{t: h.t, f: f}
	h.s = append(h.s, s)
	return s
}

// Fuzzed segments: 5 bytes each: flags (bit 0 from the server, 1 SYN,
// 2 FIN, 3 RST), a 16-bit sequence offset from the direction's base, a
// length, and a step of capture time.
func FuzzReassembly(f *testing.F) {
	// Real segment order from the DICOM capture, re-encoded.
	var seed []byte
	var isn [2]uint32
	var have [2]bool
	for i, fr := range capturetest.Frames(f, "dicom-echo-store-ct.pcap") {
		var p Packet
		if p.Decode(LinkType(fr.LinkType), fr.Data) != LayerNone || p.Proto != ProtoTCP || i > 60 {
			continue
		}
		d := 0
		if p.SrcPort == 104 {
			d = 1
		}
		if !have[d] {
			isn[d], have[d] = p.Seq, true
		}
		flags := byte(d)
		if p.TCPFlags&FlagSYN != 0 {
			flags |= 2
		}
		if p.TCPFlags&FlagFIN != 0 {
			flags |= 4
		}
		seed = append(seed, flags)
		seed = binary.BigEndian.AppendUint16(seed, uint16(p.Seq-isn[d]))
		seed = append(seed, byte(min(len(p.Payload), 255)), 1)
	}
	f.Add(seed)
	f.Add([]byte{2, 0, 0, 0, 1, 3, 0, 0, 0, 1, 0, 0, 1, 10, 1, 0, 0, 21, 5, 1, 0, 0, 11, 10, 1, 1, 0, 1, 4, 1})
	f.Add([]byte{0, 0, 100, 50, 0, 0, 0, 0, 200, 0, 0, 1, 0, 255, 0, 8, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		const maxSegs = 300
		cfg := Config{MaxStreamBuffer: 700, MaxBuffer: 1000}
		h := &seqHandler{t: t}
		fd := newFeeder(cfg, h)
		base := [2]uint32{0xffffff00, 0x7fffffc0} // both near a wrap
		var payload [255]byte
		for i := 0; i+5 <= len(data) && i/5 < maxSegs; i += 5 {
			fl, off, n, step := data[i], binary.BigEndian.Uint16(data[i+1:]), int(data[i+3]), data[i+4]
			fromA := fl&1 == 0
			d := dir(fromA)
			seq := base[d] + uint32(off)
			var flags TCPFlags = FlagACK
			if fl&2 != 0 {
				flags = FlagSYN
			}
			if fl&4 != 0 {
				flags |= FlagFIN
			}
			if fl&8 != 0 {
				flags |= FlagRST
			}
			start := seq
			if flags&FlagSYN != 0 {
				start++
			}
			for j := range n {
				payload[j] = pat(start + uint32(j))
			}
			fd.now = fd.now.Add(stepMs(step))
			ci := CaptureInfo{Time: fd.now, LinkType: LinkEthernet}
			frame := tcpFrame(fromA, seq, flags, payload[:n])
			fd.e.process(frame, &ci)
			if fd.e.buffered > cfg.MaxBuffer || fd.e.buffered < 0 {
				t.Fatalf("buffered %d", fd.e.buffered)
			}
			for _, fl := range fd.e.t.m {
				for _, hf := range fl.stream.half {
					if hf.buffered > cfg.MaxStreamBuffer {
						t.Fatalf("direction buffers %d", hf.buffered)
					}
				}
			}
		}
		fd.e.finish()
		if fd.e.buffered != 0 {
			t.Fatalf("%d bytes left buffered", fd.e.buffered)
		}
		for _, s := range h.s {
			if !s.closed {
				t.Fatal("stream not closed at the end")
			}
		}
	})
}

func stepMs(n byte) time.Duration { return time.Duration(n) * time.Millisecond }
