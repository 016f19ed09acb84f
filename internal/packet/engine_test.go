package packet

import (
	"bytes"
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/vigil-oss/vigil/internal/packet/internal/capturetest"
)

// The engine's reassembly of the DICOM captures must equal the reference
// reassembly of capturetest, direction by direction.
func TestDICOMStreamsMatchReference(t *testing.T) {
	for _, name := range []string{"dicom-echo-store-ct.pcap", "dicom-store-mr-us.pcap", "hl7-mllp-adt-a01.pcap", "smb-windows10.pcap"} {
		t.Run(name, func(t *testing.T) {
			h := &recorder{}
			st, err := run(t, Config{}, readCapture(t, name), h)
			if err != nil {
				t.Fatal(err)
			}
			got := map[[2]netip.AddrPort][]byte{}
			for _, s := range h.streams {
				got[[2]netip.AddrPort{s.flow.Client, s.flow.Server}] = s.data[0]
				got[[2]netip.AddrPort{s.flow.Server, s.flow.Client}] = s.data[1]
				if s.closed != 1 {
					t.Errorf("stream %v closed %d times", s.flow.Client, s.closed)
				}
			}
			ref := capturetest.Streams(t, name)
			var total int
			for _, r := range ref {
				total += len(r.Data)
				if g := got[[2]netip.AddrPort{r.Src, r.Dst}]; !bytes.Equal(g, r.Data) {
					t.Errorf("%v→%v: %d bytes, reference %d", r.Src, r.Dst, len(g), len(r.Data))
				}
			}
			if st.ReassembledBytes != uint64(total) || st.Gaps != 0 || total == 0 {
				t.Errorf("reassembled %d bytes with %d gaps, reference %d", st.ReassembledBytes, st.Gaps, total)
			}
		})
	}
	t.Run("DICOM association opens the stream", func(t *testing.T) {
		h := &recorder{}
		run(t, Config{}, readCapture(t, "dicom-echo-store-ct.pcap"), h)
		s := h.streams[0]
		// A-ASSOCIATE-RQ is PDU type 1; the called AE title sits at offset 10.
		if !s.firstClient || s.first[0] != 0x01 || !bytes.HasPrefix(s.first[10:], []byte("PACS_MAIN")) {
			t.Errorf("first bytes % x", s.first[:min(26, len(s.first))])
		}
		if s.flow.Server.Port() != 104 || s.flow.Midstream {
			t.Errorf("server %v midstream %v", s.flow.Server, s.flow.Midstream)
		}
	})
}

func TestLinkDatagrams(t *testing.T) {
	tests := []struct {
		name string
		et   EtherType
		want int // payload length
	}{
		{"lldp.pcap", EtherTypeLLDP, 0},
		{"cdp-v1.pcap", EtherTypeCDP, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &recorder{}
			if _, err := run(t, Config{}, readCapture(t, tt.name), h); err != nil {
				t.Fatal(err)
			}
			if len(h.datagrams) != 1 || h.packets[0].EtherType != tt.et || h.packets[0].Flow != nil {
				t.Fatalf("%d datagrams, EtherType %#x", len(h.datagrams), h.packets[0].EtherType)
			}
			frame := capturetest.Frames(t, tt.name)[0].Data
			if !bytes.HasSuffix(frame, h.datagrams[0]) || len(h.datagrams[0]) < 20 {
				t.Errorf("payload of %d bytes is not the frame's tail", len(h.datagrams[0]))
			}
		})
	}
	t.Run("ARP", func(t *testing.T) {
		h := &recorder{}
		f := newFeeder(Config{}, h)
		f.frame(LinkEthernet, ether(MAC{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, macA, 0x0806, make([]byte, 28)))
		if len(h.datagrams) != 1 || len(h.datagrams[0]) != 28 {
			t.Errorf("datagrams %v", h.datagrams)
		}
	})
	t.Run("DHCP over UDP", func(t *testing.T) {
		h := &recorder{}
		run(t, Config{}, readCapture(t, "dhcp.pcap"), h)
		ref := capturetest.Datagrams(t, "dhcp.pcap")
		if len(h.datagrams) != len(ref) || !bytes.Equal(h.datagrams[0], ref[0].UDP) || h.packets[0].DstPort != 67 {
			t.Errorf("%d datagrams, reference %d", len(h.datagrams), len(ref))
		}
	})
}

func TestFlowTable(t *testing.T) {
	udpFrom := func(src netip.Addr, port uint16) []byte {
		return ether(macB, macA, 0x8100, vlanTag(7, 0x0800, ipv4(src, ipB, ProtoUDP, 0, udp(port, 53, []byte("q")))))
	}
	t.Run("both directions share a flow", func(t *testing.T) {
		h := &recorder{}
		f := newFeeder(Config{}, h)
		f.frame(LinkEthernet, udpFrom(ipA, 3333))
		f.frame(LinkEthernet, ether(macA, macB, 0x0800, ipv4(ipB, ipA, ProtoUDP, 0, udp(53, 3333, []byte("answer")))))
		f.e.finish()
		if len(h.ended) != 1 {
			t.Fatalf("%d flows", len(h.ended))
		}
		fl := h.ended[0]
		if fl.Client != netip.AddrPortFrom(ipA, 3333) || fl.Server != netip.AddrPortFrom(ipB, 53) || fl.ClientMAC != macA ||
			fl.ServerMAC != macB || fl.VLAN != 7 || fl.ClientPackets != 1 || fl.ServerPackets != 1 || fl.End != EndCapture ||
			!h.packets[0].FromClient || h.packets[1].FromClient || fl.ServerBytes != 14+20+8+6 {
			t.Errorf("%+v", fl)
		}
	})
	t.Run("eviction of the least recently seen", func(t *testing.T) {
		h := &recorder{}
		f := newFeeder(Config{MaxFlows: 3}, h)
		for i := range 5 {
			f.frame(LinkEthernet, udpFrom(ipA, uint16(1000+i)))
			if i == 2 {
				f.frame(LinkEthernet, udpFrom(ipA, 1000)) // 1000 is now more recent than 1001
			}
		}
		if f.e.stats.FlowsEvicted != 2 || len(h.ended) != 2 || f.e.t.n != 3 || len(f.e.t.m) != 3 {
			t.Fatalf("evicted %d, table %d", f.e.stats.FlowsEvicted, f.e.t.n)
		}
		if h.ended[0].Client.Port() != 1001 || h.ended[1].Client.Port() != 1002 || h.ended[0].End != EndEvicted {
			t.Errorf("evicted %v (%v) and %v", h.ended[0].Client, h.ended[0].End, h.ended[1].Client)
		}
	})
	t.Run("idle and closed expiry by capture time", func(t *testing.T) {
		h := &recorder{}
		f := newFeeder(Config{}, h)
		f.at(t0, udpFrom(ipA, 1))
		f.at(t0, tcpFrame(true, 1, FlagSYN, nil))
		f.at(t0.Add(time.Second), tcpFrame(false, 1, FlagRST|FlagACK, nil))
		f.at(t0.Add(5*time.Second), udpFrom(ipA, 2))
		if len(h.ended) != 0 {
			t.Fatalf("%d ended early", len(h.ended))
		}
		f.at(t0.Add(12*time.Second), udpFrom(ipA, 2))
		if len(h.ended) != 1 || h.ended[0].End != EndClosed || !h.ended[0].Refused() || h.ended[0].Unanswered() {
			t.Fatalf("after 12 s: %d ended", len(h.ended))
		}
		f.at(t0.Add(61*time.Second), udpFrom(ipA, 2))
		if len(h.ended) != 2 || h.ended[1].Client.Port() != 1 || h.ended[1].End != EndIdle || f.e.stats.FlowsExpired != 2 {
			t.Errorf("after 61 s: %d ended", len(h.ended))
		}
	})
	t.Run("SYN never answered", func(t *testing.T) {
		h := &recorder{}
		f := newFeeder(Config{}, h)
		f.frame(LinkEthernet, tcpFrame(true, 1, FlagSYN, nil))
		f.frame(LinkEthernet, tcpFrame(true, 1, FlagSYN, nil))
		f.e.finish()
		if fl := h.ended[0]; !fl.Unanswered() || fl.Refused() || fl.ClientPackets != 2 {
			t.Errorf("%+v", fl)
		}
	})
	t.Run("client from SYN-ACK and from well-known port", func(t *testing.T) {
		h := &recorder{}
		f := newFeeder(Config{}, h)
		f.frame(LinkEthernet, tcpFrame(false, 1, FlagSYN|FlagACK, nil))
		f.frame(LinkEthernet, ether(macB, macA, 0x0800, ipv4(ipA, ipB, ProtoTCP, 0, tcp(80, 50000, 1, 1, FlagACK, []byte("HTTP/1.1 200")))))
		f.e.finish()
		if fl := h.ended[0]; fl.Client != netip.AddrPortFrom(ipA, 40000) || fl.Midstream {
			t.Errorf("SYN-ACK first: client %v", fl.Client)
		}
		if fl := h.ended[1]; fl.Client != netip.AddrPortFrom(ipB, 50000) || !fl.Midstream {
			t.Errorf("mid-stream: client %v", fl.Client)
		}
	})
	t.Run("new SYN on a closed flow's ports starts a new flow", func(t *testing.T) {
		h := &recorder{}
		f := newFeeder(Config{}, h)
		f.frame(LinkEthernet, tcpFrame(true, 1, FlagSYN, nil))
		f.frame(LinkEthernet, tcpFrame(false, 1, FlagRST|FlagACK, nil))
		f.frame(LinkEthernet, tcpFrame(true, 900, FlagSYN, nil))
		if len(h.ended) != 1 || h.ended[0].End != EndClosed || f.e.stats.FlowsCreated != 2 {
			t.Errorf("%d ended, %d created", len(h.ended), f.e.stats.FlowsCreated)
		}
	})
	t.Run("non-first fragments have no flow", func(t *testing.T) {
		h := &recorder{}
		f := newFeeder(Config{}, h)
		f.frame(LinkRaw, ipv4(ipA, ipB, ProtoUDP, 100, []byte("tail")))
		if f.e.stats.NonFirstFragments != 1 || f.e.stats.FlowsCreated != 0 || len(h.packets) != 1 || len(h.datagrams) != 0 {
			t.Errorf("stats %+v", f.e.stats)
		}
	})
}

func TestRunCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r, _ := NewReader(bytes.NewReader(readCapture(t, "smb-windows10.pcap")))
	st, err := New(Config{}).Run(ctx, r, &recorder{})
	if !errors.Is(err, context.Canceled) || st.Packets != 0 {
		t.Errorf("%d packets, err %v", st.Packets, err)
	}
}

func TestDecodeErrorsCounted(t *testing.T) {
	h := &recorder{}
	st, err := run(t, Config{}, pcapBytes(LinkEthernet,
		ether(macB, macA, 0x0800, []byte{0x45, 0}),
		ether(macB, macA, 0x0800, ipv4(ipA, ipB, ProtoTCP, 0, []byte{1, 2, 3})),
		make([]byte, 5),
	), h)
	if err != nil || st.DecodeErrors[LayerIPv4] != 1 || st.DecodeErrors[LayerTCP] != 1 || st.DecodeErrors[LayerLink] != 1 || len(h.packets) != 0 {
		t.Errorf("stats %+v err %v", st, err)
	}
}
