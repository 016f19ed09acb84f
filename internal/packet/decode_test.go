package packet

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/vigil-oss/vigil/internal/packet/internal/capturetest"
)

func sll(proto uint16, payload []byte) []byte {
	b := make([]byte, 16)
	binary.BigEndian.PutUint16(b[2:], 1) // ARPHRD_ETHER
	binary.BigEndian.PutUint16(b[4:], 6)
	copy(b[6:], macA[:])
	binary.BigEndian.PutUint16(b[14:], proto)
	return append(b, payload...)
}

func sll2(proto uint16, payload []byte) []byte {
	b := make([]byte, 20)
	binary.BigEndian.PutUint16(b[0:], proto)
	binary.BigEndian.PutUint16(b[8:], 1)
	b[11] = 6
	copy(b[12:], macB[:])
	return append(b, payload...)
}

func TestDecodeFrames(t *testing.T) {
	udpA := ipv4(ipA, ipB, ProtoUDP, 0, udp(68, 67, []byte("dhcp")))
	tcpA := ipv4(ipA, ipB, ProtoTCP, 0, tcp(40000, 104, 7, 9, FlagSYN|FlagACK, []byte("dicom")))
	v6tcp := ipv6(ip6A, ip6B, ProtoTCP, tcp(1, 443, 0, 0, FlagSYN, nil))
	// Hop-by-hop (8 bytes) then a first fragment header then UDP.
	v6ext := ipv6(ip6A, ip6B, 0, append(append([]byte{44, 0, 1, 4, 0, 0, 0, 0}, byte(ProtoUDP), 0, 0, 1, 0, 0, 0, 1), udp(5353, 5353, []byte("m"))...))
	v6frag := ipv6(ip6A, ip6B, 44, append([]byte{byte(ProtoUDP), 0, 0, 8 << 3, 0, 0, 0, 1}, []byte("rest")...))
	cdp := append([]byte{0xaa, 0xaa, 0x03, 0x00, 0x00, 0x0c, 0x20, 0x00}, []byte("cdp-body")...)
	cdpFrame := ether(MAC{0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcc}, macA, uint16(len(cdp)), append(cdp, 0, 0, 0, 0)) // padded
	nullLE := append([]byte{2, 0, 0, 0}, udpA...)
	nullBE := append([]byte{0, 0, 0, 30}, ipv6(ip6A, ip6B, ProtoUDP, udp(1, 2, nil))...)
	icmp := ipv4(ipA, ipB, ProtoICMP, 0, []byte{3, 13, 0, 0, 0, 0, 0, 0})
	padded := ether(macB, macA, 0x0800, append(ipv4(ipA, ipB, ProtoUDP, 0, udp(1, 2, []byte("ab"))), make([]byte, 16)...))

	tests := []struct {
		name  string
		link  LinkType
		frame []byte
		want  Layer
		check func(t *testing.T, p *Packet)
	}{
		{"ethernet ipv4 tcp", LinkEthernet, ether(macB, macA, 0x0800, tcpA), LayerNone, func(t *testing.T, p *Packet) {
			if !p.HasMAC || p.SrcMAC != macA || p.DstMAC != macB || p.SrcIP != ipA || p.DstIP != ipB || p.Proto != ProtoTCP ||
				p.TTL != 64 || p.SrcPort != 40000 || p.DstPort != 104 || p.Seq != 7 || p.Ack != 9 || p.TCPFlags != FlagSYN|FlagACK ||
				p.Window != 65535 || string(p.Payload) != "dicom" || p.VLANs != 0 {
				t.Errorf("%+v", p)
			}
		}},
		{"802.1Q", LinkEthernet, ether(macB, macA, 0x8100, vlanTag(0x2000|30, 0x0800, udpA)), LayerNone, func(t *testing.T, p *Packet) {
			if p.VLANs != 1 || p.VLAN != 30 || p.InnerVLAN != 0 || p.EtherType != EtherTypeIPv4 || string(p.Payload) != "dhcp" || p.DstPort != 67 {
				t.Errorf("%+v", p)
			}
		}},
		{"QinQ", LinkEthernet, ether(macB, macA, 0x88a8, vlanTag(100, 0x8100, vlanTag(200, 0x86dd, v6tcp))), LayerNone, func(t *testing.T, p *Packet) {
			if p.VLANs != 2 || p.VLAN != 100 || p.InnerVLAN != 200 || p.SrcIP != ip6A || p.DstPort != 443 || p.TTL != 255 {
				t.Errorf("%+v", p)
			}
		}},
		{"too many VLAN tags", LinkEthernet, ether(macB, macA, 0x8100, vlanTag(1, 0x8100, vlanTag(2, 0x8100, vlanTag(3, 0x8100, vlanTag(4, 0x8100, vlanTag(5, 0x0800, udpA)))))), LayerVLAN, nil},
		{"VLAN tag cut", LinkEthernet, ether(macB, macA, 0x8100, []byte{0, 1}), LayerVLAN, nil},
		{"ethernet padding trimmed by IP length", LinkEthernet, padded, LayerNone, func(t *testing.T, p *Packet) {
			if string(p.Payload) != "ab" {
				t.Errorf("payload %q", p.Payload)
			}
		}},
		{"CDP over SNAP", LinkEthernet, cdpFrame, LayerNone, func(t *testing.T, p *Packet) {
			if p.EtherType != EtherTypeCDP || !p.LLC || string(p.Payload) != "cdp-body" || p.SrcIP.IsValid() {
				t.Errorf("%+v", p)
			}
		}},
		{"LLDP", LinkEthernet, ether(MAC{0x01, 0x80, 0xc2, 0, 0, 0x0e}, macA, 0x88cc, []byte{2, 7}), LayerNone, func(t *testing.T, p *Packet) {
			if p.EtherType != EtherTypeLLDP || len(p.Payload) != 2 {
				t.Errorf("%+v", p)
			}
		}},
		{"SLL", LinkSLL, sll(0x0800, tcpA), LayerNone, func(t *testing.T, p *Packet) {
			if !p.HasMAC || p.SrcMAC != macA || p.DstMAC != (MAC{}) || p.DstPort != 104 || string(p.Payload) != "dicom" {
				t.Errorf("%+v", p)
			}
		}},
		{"SLL with VLAN", LinkSLL, sll(0x8100, vlanTag(5, 0x0800, udpA)), LayerNone, func(t *testing.T, p *Packet) {
			if p.VLAN != 5 || p.DstPort != 67 {
				t.Errorf("%+v", p)
			}
		}},
		{"SLL2", LinkSLL2, sll2(0x86dd, v6tcp), LayerNone, func(t *testing.T, p *Packet) {
			if p.SrcMAC != macB || p.SrcIP != ip6A || p.TCPFlags != FlagSYN {
				t.Errorf("%+v", p)
			}
		}},
		{"SLL cut", LinkSLL, sll(0x0800, nil)[:15], LayerLink, nil},
		{"raw IPv4", LinkRaw, udpA, LayerNone, func(t *testing.T, p *Packet) {
			if p.EtherType != EtherTypeIPv4 || p.HasMAC || p.DstPort != 67 {
				t.Errorf("%+v", p)
			}
		}},
		{"raw IPv6 as link type 14", LinkRawAlt, v6tcp, LayerNone, func(t *testing.T, p *Packet) {
			if p.EtherType != EtherTypeIPv6 || p.DstPort != 443 {
				t.Errorf("%+v", p)
			}
		}},
		{"raw not IP", LinkRaw, []byte{0x50, 1, 2}, LayerLink, nil},
		{"IPv4 link type", LinkIPv4, udpA, LayerNone, nil},
		{"IPv6 link type", LinkIPv6, v6tcp, LayerNone, nil},
		{"BSD null little-endian", LinkNull, nullLE, LayerNone, func(t *testing.T, p *Packet) {
			if p.SrcIP != ipA || p.DstPort != 67 {
				t.Errorf("%+v", p)
			}
		}},
		{"BSD null big-endian AF_INET6 (macOS)", LinkNull, nullBE, LayerNone, func(t *testing.T, p *Packet) {
			if p.SrcIP != ip6A || p.Proto != ProtoUDP {
				t.Errorf("%+v", p)
			}
		}},
		{"IPv6 extension headers", LinkIPv6, v6ext, LayerNone, func(t *testing.T, p *Packet) {
			if p.Proto != ProtoUDP || p.SrcPort != 5353 || !p.Fragment || p.NonFirstFragment || string(p.Payload) != "m" {
				t.Errorf("%+v", p)
			}
		}},
		{"IPv6 later fragment", LinkIPv6, v6frag, LayerNone, func(t *testing.T, p *Packet) {
			if !p.NonFirstFragment || p.SrcPort != 0 || p.Proto != ProtoUDP || string(p.Payload) != "rest" {
				t.Errorf("%+v", p)
			}
		}},
		{"IPv6 extension header cut", LinkIPv6, ipv6(ip6A, ip6B, 0, []byte{17, 4, 0, 0, 0, 0, 0, 0}), LayerIPv6, nil},
		{"IPv4 later fragment", LinkRaw, ipv4(ipA, ipB, ProtoUDP, 185, []byte("xxxx")), LayerNone, func(t *testing.T, p *Packet) {
			if !p.NonFirstFragment || !p.Fragment || p.DstPort != 0 {
				t.Errorf("%+v", p)
			}
		}},
		{"IPv4 first fragment", LinkRaw, ipv4(ipA, ipB, ProtoUDP, 0x2000, udp(9, 10, []byte("a"))), LayerNone, func(t *testing.T, p *Packet) {
			if p.NonFirstFragment || !p.Fragment || p.DstPort != 10 {
				t.Errorf("%+v", p)
			}
		}},
		{"IPv4 header length too small", LinkRaw, append([]byte{0x44}, udpA[1:]...), LayerIPv4, nil},
		{"IPv4 snaplen cut", LinkRaw, tcpA[:len(tcpA)-2], LayerNone, func(t *testing.T, p *Packet) {
			if !p.Truncated || string(p.Payload) != "dic" {
				t.Errorf("%+v", p)
			}
		}},
		{"ICMP", LinkRaw, icmp, LayerNone, func(t *testing.T, p *Packet) {
			if p.ICMPType != 3 || p.ICMPCode != 13 || len(p.Payload) != 4 {
				t.Errorf("%+v", p)
			}
		}},
		{"TCP data offset past end", LinkRaw, ipv4(ipA, ipB, ProtoTCP, 0, append(tcp(1, 2, 0, 0, 0, nil)[:12], 0xf0, 0, 0, 0, 0, 0, 0, 0)), LayerTCP, nil},
		{"UDP length below header", LinkRaw, ipv4(ipA, ipB, ProtoUDP, 0, []byte{0, 1, 0, 2, 0, 4, 0, 0}), LayerUDP, nil},
		{"PPPoE session", LinkEthernet, ether(macB, macA, 0x8864, append([]byte{0x11, 0, 0, 1, byte((len(udpA) + 2) >> 8), byte(len(udpA) + 2), 0, 0x21}, udpA...)), LayerNone, func(t *testing.T, p *Packet) {
			if p.EtherType != EtherTypeIPv4 || p.DstPort != 67 || string(p.Payload) != "dhcp" {
				t.Errorf("%+v", p)
			}
		}},
		{"6in4 tunnel", LinkRaw, ipv4(ipA, ipB, 41, 0, v6tcp), LayerNone, func(t *testing.T, p *Packet) {
			if p.Tunnels != 1 || p.SrcIP != ip6A || p.DstPort != 443 {
				t.Errorf("%+v", p)
			}
		}},
		{"ethernet cut", LinkEthernet, make([]byte, 13), LayerLink, nil},
		{"unknown link type", 147, udpA, LayerLink, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p Packet
			if got := p.Decode(tt.link, tt.frame); got != tt.want {
				t.Fatalf("Decode = %v, want %v", got, tt.want)
			}
			if tt.check != nil {
				tt.check(t, &p)
			}
		})
	}
}

// TestDecodeAgreesWithGopacket decodes every frame of the shared captures
// with both decoders and compares addresses, ports, flags and payloads.
func TestDecodeAgreesWithGopacket(t *testing.T) {
	names := []string{"bacnet.pcap", "dhcp.pcap", "dicom-echo-store-ct.pcap", "dicom-store-mr-us.pcap", "hl7-mllp-adt-a01.pcap",
		"http.pcapng", "mdns.pcap", "modbus.pcap", "nbns.pcap", "ntp.pcap", "openssl-tls1_2.pcap", "rdp.pcap",
		"smb-windows10.pcap", "snmpv2c-get.pcap", "ssdp-m-search.pcap", "syslog.pcap", "tls13.pcap", "edge-dhcp-fuzz.pcapng"}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			compared := 0
			for _, f := range capturetest.Frames(t, name) {
				var p Packet
				if l := p.Decode(LinkType(f.LinkType), f.Data); l != LayerNone {
					t.Fatalf("frame %d: stopped at %v", f.Index, l)
				}
				g := gopacket.NewPacket(f.Data, f.LinkType, gopacket.NoCopy)
				var src, dst netip.Addr
				for _, l := range g.Layers() { // the innermost, as we decode tunnels through
					switch n := l.(type) {
					case *layers.IPv4:
						src, _ = netip.AddrFromSlice(n.SrcIP.To4())
						dst, _ = netip.AddrFromSlice(n.DstIP.To4())
					case *layers.IPv6:
						src, _ = netip.AddrFromSlice(n.SrcIP)
						dst, _ = netip.AddrFromSlice(n.DstIP)
					}
				}
				if p.SrcIP != src || p.DstIP != dst {
					t.Errorf("frame %d: addresses %v→%v, gopacket %v→%v", f.Index, p.SrcIP, p.DstIP, src, dst)
				}
				switch l := g.TransportLayer().(type) {
				case *layers.TCP:
					compared++
					if p.SrcPort != uint16(l.SrcPort) || p.DstPort != uint16(l.DstPort) || p.Seq != l.Seq || p.Ack != l.Ack ||
						(p.TCPFlags&FlagSYN != 0) != l.SYN || (p.TCPFlags&FlagFIN != 0) != l.FIN || (p.TCPFlags&FlagRST != 0) != l.RST ||
						string(p.Payload) != string(l.Payload) {
						t.Errorf("frame %d: TCP differs", f.Index)
					}
				case *layers.UDP:
					compared++
					if p.SrcPort != uint16(l.SrcPort) || p.DstPort != uint16(l.DstPort) || string(p.Payload) != string(l.Payload) {
						t.Errorf("frame %d: UDP differs: %d→%d %d bytes, gopacket %d→%d %d bytes", f.Index, p.SrcPort, p.DstPort, len(p.Payload), l.SrcPort, l.DstPort, len(l.Payload))
					}
				}
				if f.SrcMAC != nil && (string(p.SrcMAC[:]) != string(f.SrcMAC) || string(p.DstMAC[:]) != string(f.DstMAC)) {
					t.Errorf("frame %d: MACs differ", f.Index)
				}
			}
			if compared == 0 && name != "bacnet.pcap" {
				t.Error("no transport layer compared")
			}
		})
	}
}
