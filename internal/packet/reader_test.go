package packet

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigil-oss/vigil/internal/packet/internal/capturetest"
)

func TestReadSharedCaptures(t *testing.T) {
	tests := []struct {
		name    string
		packets uint64
		link    LinkType
		first   string // first packet time, RFC 3339 with fraction
		flows   uint64
	}{
		{"bacnet.pcap", 113, LinkEthernet, "", 20},
		{"cdp-v1.pcap", 1, LinkEthernet, "", 0},
		{"dhcp-extended-options.pcap", 2, LinkEthernet, "", 1},
		{"dhcp.pcap", 9, LinkEthernet, "", 4},
		{"dicom-echo-store-ct.pcap", 40, LinkEthernet, "", 2},
		{"dicom-store-mr-us.pcap", 40, LinkEthernet, "", 2},
		{"edge-bigendian.pcap", 2, LinkEthernet, "2012-05-02T11:31:53.15263Z", 1},
		{"edge-dhcp-fuzz.pcapng", 1, LinkEthernet, "2010-03-13T22:25:54.926217Z", 1},
		{"edge-empty.pcap", 0, LinkEthernet, "", 0},
		{"hl7-mllp-adt-a01.pcap", 9, LinkEthernet, "2018-01-30T01:23:42.250397Z", 1},
		{"http-simple-get.pcap", 16, LinkEthernet, "", 1},
		{"http.pcapng", 10, LinkEthernet, "2022-01-25T16:50:41.023341461Z", 1},
		{"lldp.pcap", 1, LinkEthernet, "", 0},
		{"mdns.pcap", 24, LinkEthernet, "", 4},
		{"modbus.pcap", 102, LinkEthernet, "", 1},
		{"nbns.pcap", 62, LinkEthernet, "", 6},
		{"ntp.pcap", 32, LinkEthernet, "", 16},
		{"openssl-tls1_2.pcap", 20, LinkEthernet, "", 1},
		{"rdp.pcap", 20, LinkNull, "", 1},
		{"smb-windows10.pcap", 125, LinkEthernet, "", 8},
		{"snmpv2c-get.pcap", 8, LinkEthernet, "", 4},
		{"ssdp-m-search.pcap", 19, LinkEthernet, "", 1},
		{"syslog.pcap", 94, LinkEthernet, "", 22}, // PPPoE and 6in4 frames add inner flows
		{"tls13.pcap", 6, LinkEthernet, "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := readCapture(t, tt.name)
			r, err := NewReader(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			if r.LinkType() != tt.link {
				t.Errorf("link type %d, want %d", r.LinkType(), tt.link)
			}
			h := &recorder{}
			st, err := New(Config{}).Run(context.Background(), r, h)
			if err != nil {
				t.Fatal(err)
			}
			if st.Packets != tt.packets || uint64(len(h.packets)) != tt.packets {
				t.Errorf("packets %d (handler saw %d), want %d", st.Packets, len(h.packets), tt.packets)
			}
			if n := len(capturetest.Frames(t, tt.name)); uint64(n) != tt.packets {
				t.Errorf("gopacket reads %d packets, we expect %d", n, tt.packets)
			}
			if st.DecodeErrorTotal() != 0 || st.UnknownLinkType != 0 {
				t.Errorf("decode errors %v, unknown link %d", st.DecodeErrors, st.UnknownLinkType)
			}
			if st.FlowsCreated != tt.flows || uint64(len(h.ended)) != tt.flows {
				t.Errorf("flows %d (ended %d), want %d", st.FlowsCreated, len(h.ended), tt.flows)
			}
			if r.BytesRead() != int64(len(raw)) {
				t.Errorf("BytesRead %d, file is %d", r.BytesRead(), len(raw))
			}
			if tt.first != "" {
				if got := st.First.UTC().Format(time.RFC3339Nano); got != tt.first {
					t.Errorf("first packet at %s, want %s", got, tt.first)
				}
			}
		})
	}
}

func TestGzipSameAsPlain(t *testing.T) {
	for _, name := range []string{"dicom-echo-store-ct.pcap", "http.pcapng"} {
		t.Run(name, func(t *testing.T) {
			raw := readCapture(t, name)
			var z bytes.Buffer
			w := gzip.NewWriter(&z)
			w.Write(raw)
			w.Close()
			plain, err1 := run(t, Config{}, raw, &recorder{})
			zipped, err2 := run(t, Config{}, z.Bytes(), &recorder{})
			if err1 != nil || err2 != nil {
				t.Fatal(err1, err2)
			}
			if plain != zipped {
				t.Errorf("gzip stats %+v\nplain stats %+v", zipped, plain)
			}
			if plain.Packets == 0 {
				t.Error("no packets")
			}
		})
	}
}

// readAll returns the packet count and the final error.
func readAll(raw []byte) (int, error) {
	r, err := NewReader(bytes.NewReader(raw))
	if err != nil {
		return 0, err
	}
	n := 0
	for {
		_, _, err := r.ReadPacket()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
	}
}

func TestTruncated(t *testing.T) {
	raw := readCapture(t, "dicom-echo-store-ct.pcap")
	ng := readCapture(t, "http.pcapng")
	len1 := int(binary.LittleEndian.Uint32(raw[24+8:])) // first record's captured length
	rec2 := 24 + 16 + len1                              // offset of the second record
	tests := []struct {
		name    string
		data    []byte
		packets int
		err     string
	}{
		{"empty input", nil, 0, "capture: empty input"},
		{"inside file header", raw[:10], 0, "capture header truncated at byte 10: unexpected EOF"},
		{"inside first record header", raw[:24+7], 0, "capture truncated in packet 1 at byte 24: unexpected EOF"},
		{"inside packet header", raw[:rec2+5], 1, "capture truncated in packet 2 at byte " + strconv.Itoa(rec2) + ": unexpected EOF"},
		{"inside packet data", raw[:rec2+16+3], 1, "capture truncated in packet 2 at byte " + strconv.Itoa(rec2) + ": unexpected EOF"},
		{"last byte missing", raw[:len(raw)-1], 39, "capture truncated in packet 40 at byte"},
		{"not a capture", []byte("GET / HTTP/1.1\r\n\r\n"), 0, "not pcap or pcapng"},
		{"pcapng header block cut", ng[:20], 0, "capture header truncated"},
		{"pcapng packet cut", ng[:1804+50], 9, "capture truncated in packet 10 at byte 1804: unexpected EOF"},
		{"pcapng trailing statistics block cut", ng[:len(ng)-30], 10, "capture truncated in packet 11 at byte 1904"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := readAll(tt.data)
			if n != tt.packets {
				t.Errorf("%d packets before the damage, want %d", n, tt.packets)
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("error %v, want it to contain %q", err, tt.err)
			}
		})
	}
	// The engine hands over the packets before the damage, ends the flows
	// and returns the reader's error.
	h := &recorder{}
	st, err := run(t, Config{}, raw[:rec2+20], h)
	if st.Packets != 1 || len(h.ended) != 1 || err == nil || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("engine on truncated file: %d packets, %d flows ended, err %v", st.Packets, len(h.ended), err)
	}
}

func TestPcapVariants(t *testing.T) {
	frame := ether(macB, macA, 0x0800, ipv4(ipA, ipB, ProtoUDP, 0, udp(1, 2, []byte("x"))))
	build := func(order bo, magic uint32, frac uint32) []byte {
		h := make([]byte, 24+16)
		order.PutUint32(h[0:], magic)
		order.PutUint16(h[4:], 2)
		order.PutUint16(h[6:], 4)
		order.PutUint32(h[16:], 65535)
		order.PutUint32(h[20:], 0x10000000|1) // FCS bits above the link type
		order.PutUint32(h[24:], 1700000000)
		order.PutUint32(h[28:], frac)
		order.PutUint32(h[32:], uint32(len(frame)))
		order.PutUint32(h[36:], uint32(len(frame)+4))
		return append(h, frame...)
	}
	tests := []struct {
		name string
		data []byte
		want time.Time
	}{
		{"little-endian µs", build(binary.LittleEndian, 0xa1b2c3d4, 123456), time.Unix(1700000000, 123456000)},
		{"big-endian µs", build(binary.BigEndian, 0xa1b2c3d4, 123456), time.Unix(1700000000, 123456000)},
		{"little-endian ns", build(binary.LittleEndian, 0xa1b23c4d, 123456789), time.Unix(1700000000, 123456789)},
		{"big-endian ns", build(binary.BigEndian, 0xa1b23c4d, 123456789), time.Unix(1700000000, 123456789)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewReader(bytes.NewReader(tt.data))
			if err != nil {
				t.Fatal(err)
			}
			data, ci, err := r.ReadPacket()
			if err != nil {
				t.Fatal(err)
			}
			if !ci.Time.Equal(tt.want) || ci.LinkType != LinkEthernet || ci.Length != len(frame)+4 || !bytes.Equal(data, frame) {
				t.Errorf("got %v link %d len %d", ci.Time, ci.LinkType, ci.Length)
			}
			if _, _, err := r.ReadPacket(); err != io.EOF {
				t.Errorf("after the last packet: %v, want io.EOF", err)
			}
		})
	}
	t.Run("packets larger than the initial buffer", func(t *testing.T) {
		big := ether(macB, macA, 0x0800, ipv4(ipA, ipB, ProtoUDP, 0, udp(1, 2, bytes.Repeat([]byte{'z'}, 60000))))
		big = append(big, bytes.Repeat([]byte{'p'}, 400<<10)...) // padding beyond the IP datagram
		h := &recorder{}
		st, err := run(t, Config{}, pcapBytes(LinkEthernet, frame, big, frame, big), h)
		if err != nil || st.Packets != 4 || len(h.datagrams) != 4 || len(h.datagrams[3]) != 60000 || h.packets[3].CaptureLen != len(big) {
			t.Errorf("stats %+v err %v", st, err)
		}
	})
	t.Run("captured length too large", func(t *testing.T) {
		d := build(binary.LittleEndian, 0xa1b2c3d4, 0)
		binary.LittleEndian.PutUint32(d[32:], MaxPacketSize+1)
		_, err := readAll(d)
		if err == nil || !strings.Contains(err.Error(), "capture corrupt in packet 1 at byte 24: captured length 1048577 exceeds") {
			t.Errorf("error %v", err)
		}
	})
}

// ngBlock builds one pcapng block.
func ngBlk(order bo, typ uint32, body []byte) []byte {
	for len(body)%4 != 0 {
		body = append(body, 0)
	}
	n := uint32(12 + len(body))
	b := order.AppendUint32(nil, typ)
	b = order.AppendUint32(b, n)
	b = append(b, body...)
	return order.AppendUint32(b, n)
}

func ngFile(order bo, blocks ...[]byte) []byte {
	shb := order.AppendUint32(nil, 0x1a2b3c4d)
	shb = order.AppendUint16(shb, 1)
	shb = order.AppendUint16(shb, 0)
	shb = order.AppendUint64(shb, ^uint64(0))
	out := ngBlk(order, ngSHB, shb)
	for _, b := range blocks {
		out = append(out, b...)
	}
	return out
}

func ngIDBBody(order bo, link LinkType, opts ...[]byte) []byte {
	b := order.AppendUint16(nil, uint16(link))
	b = order.AppendUint16(b, 0)
	b = order.AppendUint32(b, 65535)
	for _, o := range opts {
		b = append(b, o...)
	}
	return b
}

func ngOpt(order bo, code uint16, v []byte) []byte {
	b := order.AppendUint16(nil, code)
	b = order.AppendUint16(b, uint16(len(v)))
	b = append(b, v...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func ngEPBBody(order bo, iface uint32, ts uint64, data []byte) []byte {
	b := order.AppendUint32(nil, iface)
	b = order.AppendUint32(b, uint32(ts>>32))
	b = order.AppendUint32(b, uint32(ts))
	b = order.AppendUint32(b, uint32(len(data)))
	b = order.AppendUint32(b, uint32(len(data)))
	return append(b, data...)
}

func TestPcapngInterfaces(t *testing.T) {
	ethFrame := ether(macB, macA, 0x0800, ipv4(ipA, ipB, ProtoUDP, 0, udp(1000, 53, []byte("q"))))
	rawFrame := ipv6(ip6A, ip6B, ProtoUDP, udp(2000, 5353, []byte("mdns")))
	for _, order := range []bo{binary.LittleEndian, binary.BigEndian} {
		t.Run(order.String(), func(t *testing.T) {
			file := ngFile(order,
				ngBlk(order, ngIDB, ngIDBBody(order, LinkEthernet)),
				ngBlk(order, 4, []byte("name resolution block is skipped")),
				ngBlk(order, ngIDB, ngIDBBody(order, LinkRaw,
					ngOpt(order, 9, []byte{9}),                     // nanoseconds
					ngOpt(order, 14, order.AppendUint64(nil, 100)), // +100 s
					ngOpt(order, 0, nil))),
				ngBlk(order, ngEPB, ngEPBBody(order, 0, 1700000000_000001, ethFrame)),
				ngBlk(order, ngEPB, ngEPBBody(order, 1, 1700000000_000000002, rawFrame)),
				ngBlk(order, ngSPB, append(order.AppendUint32(nil, uint32(len(ethFrame))), ethFrame...)),
			)
			h := &recorder{}
			st, err := run(t, Config{}, file, h)
			if err != nil {
				t.Fatal(err)
			}
			if st.Packets != 3 || len(h.packets) != 3 {
				t.Fatalf("%d packets", st.Packets)
			}
			p0, p1, p2 := h.packets[0], h.packets[1], h.packets[2]
			if p0.LinkType != LinkEthernet || p0.SrcMAC != macA || p0.DstPort != 53 || !p0.Time.Equal(time.Unix(1700000000, 1000)) {
				t.Errorf("packet 1: link %d mac %v port %d time %v", p0.LinkType, p0.SrcMAC, p0.DstPort, p0.Time)
			}
			if p1.LinkType != LinkRaw || p1.SrcIP != ip6A || p1.DstPort != 5353 || !p1.Time.Equal(time.Unix(1700000100, 2)) {
				t.Errorf("packet 2: link %d src %v port %d time %v", p1.LinkType, p1.SrcIP, p1.DstPort, p1.Time)
			}
			if p2.LinkType != LinkEthernet || p2.DstPort != 53 {
				t.Errorf("simple packet block: link %d port %d", p2.LinkType, p2.DstPort)
			}
			if string(h.datagrams[1]) != "mdns" {
				t.Errorf("datagram %q", h.datagrams[1])
			}
		})
	}
	t.Run("packet on undescribed interface", func(t *testing.T) {
		o := binary.LittleEndian
		file := ngFile(o, ngBlk(o, ngIDB, ngIDBBody(o, LinkEthernet)), ngBlk(o, ngEPB, ngEPBBody(o, 3, 0, ethFrame)))
		_, err := readAll(file)
		if err == nil || !strings.Contains(err.Error(), "packet 1 at byte") || !strings.Contains(err.Error(), "interface 3") {
			t.Errorf("error %v", err)
		}
	})
	t.Run("unknown link type is counted", func(t *testing.T) {
		o := binary.LittleEndian
		file := ngFile(o, ngBlk(o, ngIDB, ngIDBBody(o, 147)), ngBlk(o, ngEPB, ngEPBBody(o, 0, 0, ethFrame)))
		st, err := run(t, Config{}, file, &recorder{})
		if err != nil || st.Packets != 1 || st.UnknownLinkType != 1 {
			t.Errorf("stats %+v err %v", st, err)
		}
	})
}

func TestPcapngPow2Resolution(t *testing.T) {
	f := ngIface{pow10: false, exp: 10} // 1/1024 s
	got := f.time(5*1024 + 512)
	if !got.Equal(time.Unix(5, 500_000_000)) {
		t.Errorf("got %v", got)
	}
}

// bo is a byte order that can both put and append.
type bo interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// stuck returns its bytes, then zero bytes and no error forever.
type stuck struct{ b []byte }

func (s *stuck) Read(p []byte) (int, error) {
	n := copy(p, s.b)
	s.b = s.b[n:]
	return n, nil
}

func TestBadReaders(t *testing.T) {
	raw := readCapture(t, "dicom-echo-store-ct.pcap")
	t.Run("reader that stops progressing", func(t *testing.T) {
		r, err := NewReader(&stuck{b: raw[:100]})
		if err != nil {
			t.Fatal(err)
		}
		var n int
		for ; err == nil; n++ {
			_, _, err = r.ReadPacket()
		}
		if !errors.Is(err, io.ErrNoProgress) || !strings.Contains(err.Error(), "capture read failed in packet 1 at byte 24") {
			t.Errorf("after %d reads: %v", n, err)
		}
	})
	t.Run("gzip with a damaged checksum", func(t *testing.T) {
		var z bytes.Buffer
		w := gzip.NewWriter(&z)
		w.Write(raw)
		w.Close()
		d := z.Bytes()
		d[len(d)-6] ^= 0xff // inside the CRC-32 trailer
		n, err := readAll(d)
		if n != 40 || err == nil || !strings.Contains(err.Error(), "capture read failed in packet 41") || !errors.Is(err, gzip.ErrChecksum) {
			t.Errorf("%d packets, err %v", n, err)
		}
	})
}
