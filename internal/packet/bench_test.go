package packet

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/vigil-oss/vigil/internal/packet/internal/capturetest"
)

var benchFrames = []struct {
	name  string
	frame []byte
}{
	{"eth-ipv4-tcp", ether(macB, macA, 0x0800, ipv4(ipA, ipB, ProtoTCP, 0, tcp(40000, 104, 1, 1, FlagACK|FlagPSH, bytes.Repeat([]byte{'d'}, 200))))},
	{"vlan-ipv4-udp", ether(macB, macA, 0x8100, vlanTag(30, 0x0800, ipv4(ipA, ipB, ProtoUDP, 0, udp(5353, 5353, bytes.Repeat([]byte{'m'}, 100)))))},
}

func BenchmarkDecode(b *testing.B) {
	for _, bf := range benchFrames {
		b.Run(bf.name, func(b *testing.B) {
			var p Packet
			b.ReportAllocs()
			b.SetBytes(int64(len(bf.frame)))
			cpu0 := cpuTime()
			for b.Loop() {
				if p.Decode(LinkEthernet, bf.frame) != LayerNone {
					b.Fatal("decode failed")
				}
			}
			reportCPU(b, cpu0)
		})
	}
}

// BenchmarkDecodeGopacket is the alternative we measured before writing
// the decoders by hand: DecodingLayerParser with preallocated layers.
func BenchmarkDecodeGopacket(b *testing.B) {
	for _, bf := range benchFrames {
		b.Run(bf.name, func(b *testing.B) {
			var (
				eth     layers.Ethernet
				dot1q   layers.Dot1Q
				ip4     layers.IPv4
				ip6     layers.IPv6
				tcpL    layers.TCP
				udpL    layers.UDP
				payload gopacket.Payload
			)
			parser := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &eth, &dot1q, &ip4, &ip6, &tcpL, &udpL, &payload)
			decoded := make([]gopacket.LayerType, 0, 8)
			b.ReportAllocs()
			b.SetBytes(int64(len(bf.frame)))
			cpu0 := cpuTime()
			for b.Loop() {
				if err := parser.DecodeLayers(bf.frame, &decoded); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, cpu0)
		})
	}
}

// BenchmarkFlowPacket is the per-packet cost of decoding plus the flow
// table for an existing flow: it must not allocate.
func BenchmarkFlowPacket(b *testing.B) {
	for _, bf := range benchFrames {
		b.Run(bf.name, func(b *testing.B) {
			f := newFeeder(Config{}, BaseHandler{})
			f.frame(LinkEthernet, bf.frame)
			ci := CaptureInfo{Time: t0, CaptureLen: len(bf.frame), Length: len(bf.frame), LinkType: LinkEthernet}
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				f.e.process(bf.frame, &ci)
			}
			reportCPU(b, cpu0)
		})
	}
}

// reportCPU adds CPU time per operation, steadier than wall time on a
// shared machine.
func reportCPU(b *testing.B, start time.Duration) {
	if d := cpuTime() - start; d > 0 {
		b.ReportMetric(float64(d.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

// hospitalCapture builds hospitalgen and writes a 60-second capture.
func hospitalCapture(b *testing.B) string {
	b.Helper()
	src := filepath.Join(capturetest.DataDir(), "../tools/hospitalgen")
	if _, err := os.Stat(filepath.Join(src, "main.go")); err != nil {
		b.Skipf("hospitalgen not available: %v", err)
	}
	dir := b.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "hospitalgen"), ".")
	build.Dir = src
	if out, err := build.CombinedOutput(); err != nil {
		b.Skipf("build hospitalgen: %v\n%s", err, out)
	}
	out := filepath.Join(dir, "hospital.pcap")
	if msg, err := exec.Command(filepath.Join(dir, "hospitalgen"), "-o", out, "-dur", "60", "-seed", "1").CombinedOutput(); err != nil {
		b.Fatalf("hospitalgen: %v\n%s", err, msg)
	}
	return out
}

// streamAll asks for every TCP stream and reads nothing.
type streamAll struct{ BaseHandler }

func (streamAll) NewStream(*Flow, bool, []byte) Stream { return nopStream{} }

type nopStream struct{}

func (nopStream) Feed(bool, []byte) bool { return true }
func (nopStream) Gap(bool, int)          {}
func (nopStream) Close()                 {}

func BenchmarkEngine(b *testing.B) {
	path := hospitalCapture(b)
	raw, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	// One untimed pass, so the first sub-benchmark does not pay for
	// faulting in the capture and growing the heap.
	if r, err := NewReader(bytes.NewReader(raw)); err == nil {
		New(Config{}).Run(context.Background(), r, BaseHandler{})
	}
	for _, hc := range []struct {
		name string
		h    Handler
	}{{"nop", BaseHandler{}}, {"streams", streamAll{}}} {
		b.Run(hc.name, func(b *testing.B) {
			var st Stats
			b.ReportAllocs()
			b.SetBytes(int64(len(raw)))
			cpu0 := cpuTime()
			for b.Loop() {
				r, err := NewReader(bytes.NewReader(raw))
				if err != nil {
					b.Fatal(err)
				}
				if st, err = New(Config{}).Run(context.Background(), r, hc.h); err != nil {
					b.Fatal(err)
				}
			}
			if st.DecodeErrorTotal() != 0 || st.UnknownLinkType != 0 || st.Gaps != 0 {
				b.Errorf("hospitalgen capture: decode errors %v, unknown link %d, gaps %d", st.DecodeErrors, st.UnknownLinkType, st.Gaps)
			}
			b.ReportMetric(float64(st.Packets)*float64(b.N)/b.Elapsed().Seconds(), "packets/s")
			if cpu := cpuTime() - cpu0; cpu > 0 {
				b.ReportMetric(float64(st.Packets)*float64(b.N)/cpu.Seconds(), "packets/cpu-s")
			}
			b.ReportMetric(float64(st.Packets), "packets")
			b.ReportMetric(float64(st.FlowsCreated), "flows")
			b.ReportMetric(float64(st.ReassembledBytes), "reassembled-bytes")
		})
	}
}
