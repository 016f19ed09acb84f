// Package capturetest reads the shared sample captures for the tests of the
// protocol decoders: it hands back each UDP datagram, each link-layer frame
// and the in-order bytes of each TCP direction, so a decoder's test and its
// fuzz seeds can start from real traffic without the sensor's engine. It is
// test support only: it allocates freely and reassembles naively (segments
// sorted by sequence number, overlaps dropped).
package capturetest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// DataDir is the shared test data directory, found relative to this file so
// every package's test can use it whatever its depth.
func DataDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "../../../../../shared/data")
}

// Path returns the path of a capture under ../shared/data/pcap, skipping the
// test when the shared data is not beside the checkout.
func Path(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(DataDir(), "pcap", name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared capture %s not available: %v", name, err)
	}
	return p
}

// Frame is one packet of a capture after link decoding.
type Frame struct {
	Index     int // 0-based position in the capture
	LinkType  layers.LinkType
	Data      []byte // the whole frame as captured
	EtherType layers.EthernetType
	SrcMAC    []byte // nil when the link type has none
	DstMAC    []byte
	// UDP only:
	Src, Dst netip.AddrPort
	UDP      []byte // UDP payload, nil when not UDP
}

// Stream is one direction of a TCP connection, its payload in sequence order.
type Stream struct {
	Src, Dst netip.AddrPort
	Data     []byte
}

// Frames reads every packet of the named shared capture.
func Frames(t testing.TB, name string) []Frame {
	t.Helper()
	frames, _, err := read(Path(t, name))
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return frames
}

// Datagrams returns the UDP payloads of the named capture.
func Datagrams(t testing.TB, name string) []Frame {
	t.Helper()
	var out []Frame
	for _, f := range Frames(t, name) {
		if f.UDP != nil {
			out = append(out, f)
		}
	}
	return out
}

// Streams returns each TCP direction of the named capture with its payload
// reassembled, in the order the directions first appear.
func Streams(t testing.TB, name string) []Stream {
	t.Helper()
	_, streams, err := read(Path(t, name))
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return streams
}

type segment struct {
	seq  uint32
	data []byte
}

func read(path string) ([]Frame, []Stream, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	var (
		src interface {
			ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
		}
		link layers.LinkType
	)
	if len(raw) >= 4 && binary.LittleEndian.Uint32(raw) == 0x0A0D0D0A {
		r, err := pcapgo.NewNgReader(bytes.NewReader(raw), pcapgo.DefaultNgReaderOptions)
		if err != nil {
			return nil, nil, err
		}
		src, link = r, r.LinkType()
	} else {
		r, err := pcapgo.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, nil, err
		}
		src, link = r, r.LinkType()
	}
	var frames []Frame
	type key struct{ src, dst netip.AddrPort }
	order := []key{}
	segs := map[key][]segment{}
	for i := 0; ; i++ {
		data, _, err := src.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return frames, nil, fmt.Errorf("packet %d: %w", i, err)
		}
		data = append([]byte(nil), data...)
		pkt := gopacket.NewPacket(data, link, gopacket.Default)
		f := Frame{Index: i, LinkType: link, Data: data}
		if eth, ok := pkt.LinkLayer().(*layers.Ethernet); ok {
			f.SrcMAC, f.DstMAC, f.EtherType = eth.SrcMAC, eth.DstMAC, eth.EthernetType
		}
		var sa, da netip.Addr
		switch n := pkt.NetworkLayer().(type) {
		case *layers.IPv4:
			sa, _ = netip.AddrFromSlice(n.SrcIP.To4())
			da, _ = netip.AddrFromSlice(n.DstIP.To4())
		case *layers.IPv6:
			sa, _ = netip.AddrFromSlice(n.SrcIP)
			da, _ = netip.AddrFromSlice(n.DstIP)
		}
		switch l := pkt.TransportLayer().(type) {
		case *layers.UDP:
			f.Src = netip.AddrPortFrom(sa, uint16(l.SrcPort))
			f.Dst = netip.AddrPortFrom(da, uint16(l.DstPort))
			f.UDP = append([]byte{}, l.Payload...)
		case *layers.TCP:
			k := key{netip.AddrPortFrom(sa, uint16(l.SrcPort)), netip.AddrPortFrom(da, uint16(l.DstPort))}
			if _, seen := segs[k]; !seen {
				order = append(order, k)
				segs[k] = nil
			}
			if len(l.Payload) > 0 {
				segs[k] = append(segs[k], segment{l.Seq, append([]byte(nil), l.Payload...)})
			}
		}
		frames = append(frames, f)
	}
	var streams []Stream
	for _, k := range order {
		s := segs[k]
		sort.SliceStable(s, func(i, j int) bool { return int32(s[i].seq-s[j].seq) < 0 })
		var buf []byte
		var next uint32
		for i, seg := range s {
			if i == 0 {
				next = seg.seq
			}
			off := int32(next - seg.seq)
			if off < 0 || int(off) >= len(seg.data) {
				if off < 0 { // gap: keep going, the decoder sees the hole as a jump
					buf = append(buf, seg.data...)
					next = seg.seq + uint32(len(seg.data))
				}
				continue
			}
			buf = append(buf, seg.data[off:]...)
			next = seg.seq + uint32(len(seg.data))
		}
		streams = append(streams, Stream{Src: k.src, Dst: k.dst, Data: buf})
	}
	return frames, streams, nil
}
