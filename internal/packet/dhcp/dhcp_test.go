package dhcp

import (
	"bytes"
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/vigil-oss/vigil/internal/packet/internal/capturetest"
)

func TestDecodeCapture(t *testing.T) {
	frames := capturetest.Datagrams(t, "dhcp.pcap")
	if len(frames) != 9 {
		t.Fatalf("dhcp.pcap: %d datagrams, want 9", len(frames))
	}
	tests := []struct {
		name     string
		typ      MessageType
		op       uint8
		host     string
		options  []uint8
		yiaddr   string
		serverID string
		lease    uint32
	}{
		{"discover", Discover, 1, "btest.is.cool", []uint8{53, 50, 12}, "0.0.0.0", "", 0},
		{"offer", Offer, 2, "", []uint8{53, 54, 51, 1, 3, 6, 4, 67, 28, 42, 43, 60, 44, 46, 15}, "128.2.6.97", "128.2.6.152", 900},
		{"request", Request, 1, "btest.is.cool", []uint8{53, 54, 50, 12}, "0.0.0.0", "128.2.6.152", 0},
		{"nak", Nak, 2, "", []uint8{53, 54, 56}, "0.0.0.0", "128.2.6.152", 0},
		{"request-renew", Request, 1, "btest.is.cool", []uint8{53, 50, 12}, "0.0.0.0", "", 0},
		{"ack", Ack, 2, "", []uint8{53, 54, 51, 1, 3, 6, 4, 67, 28, 42, 43, 60, 44, 46, 15}, "128.2.6.189", "128.2.6.152", 900},
		{"decline", Decline, 1, "", []uint8{53}, "0.0.0.0", "", 0},
		{"release", Release, 1, "", []uint8{53}, "0.0.0.0", "", 0},
		{"inform", Inform, 1, "btest.is.cool", []uint8{53, 51, 50, 12}, "0.0.0.0", "", 19841984},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Decode(frames[i].UDP)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if m.Type != tt.typ || m.Op != tt.op {
				t.Errorf("type %v op %d, want %v op %d", m.Type, m.Op, tt.typ, tt.op)
			}
			if got := m.HardwareAddr(); got != "90:b1:1c:99:49:29" {
				t.Errorf("chaddr %s, want 90:b1:1c:99:49:29", got)
			}
			if m.HostName != tt.host {
				t.Errorf("host name %q, want %q", m.HostName, tt.host)
			}
			if !bytes.Equal(m.Options, tt.options) {
				t.Errorf("options %v, want %v", m.Options, tt.options)
			}
			if m.YIAddr.String() != tt.yiaddr {
				t.Errorf("yiaddr %v, want %s", m.YIAddr, tt.yiaddr)
			}
			if got := addrString(m.ServerID); got != tt.serverID {
				t.Errorf("server id %q, want %q", got, tt.serverID)
			}
			if m.LeaseSeconds != tt.lease {
				t.Errorf("lease %d, want %d", m.LeaseSeconds, tt.lease)
			}
		})
	}

	offer, _ := Decode(frames[1].UDP)
	if offer.VendorClass != "ArubaAP" || offer.DomainName != "cmu.edu" {
		t.Errorf("offer vendor class %q domain %q, want ArubaAP cmu.edu", offer.VendorClass, offer.DomainName)
	}
	wantDNS := []netip.Addr{netip.MustParseAddr("128.2.1.11"), netip.MustParseAddr("128.2.1.10")}
	if !reflect.DeepEqual(offer.DNSServers, wantDNS) || !reflect.DeepEqual(offer.Routers, []netip.Addr{netip.MustParseAddr("128.2.6.1")}) {
		t.Errorf("offer dns %v routers %v", offer.DNSServers, offer.Routers)
	}
	if string(offer.VendorSpecific) != "172.18.6.37" {
		t.Errorf("offer option 43 %q, want the Aruba controller address", offer.VendorSpecific)
	}
	discover, _ := Decode(frames[0].UDP)
	if discover.RequestedAddr != netip.MustParseAddr("192.168.211.194") || discover.XID != 1984 {
		t.Errorf("discover requested %v xid %d", discover.RequestedAddr, discover.XID)
	}
}

func addrString(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

func TestDecodeExtendedOptions(t *testing.T) {
	frames := capturetest.Datagrams(t, "dhcp-extended-options.pcap")
	if len(frames) != 2 {
		t.Fatalf("%d datagrams, want 2", len(frames))
	}
	req, err := Decode(frames[0].UDP)
	if err != nil {
		t.Fatal(err)
	}
	if req.Type != Request || req.HostName != "nas1" || req.HardwareAddr() != "00:11:32:17:49:f0" {
		t.Errorf("request: type %v host %q mac %s", req.Type, req.HostName, req.HardwareAddr())
	}
	if !bytes.Equal(req.ParamRequest, []uint8{1, 28, 2, 3, 15, 6, 12}) {
		t.Errorf("option 55 %v, want [1 28 2 3 15 6 12]", req.ParamRequest)
	}
	if req.ClientID == nil || req.ClientID.Type != 1 || !bytes.Equal(req.ClientID.ID, []byte{0x00, 0x11, 0x32, 0x17, 0x49, 0xf0}) {
		t.Errorf("client id %+v, want type 1 and the MAC", req.ClientID)
	}
	if req.CIAddr != netip.MustParseAddr("10.16.1.4") {
		t.Errorf("ciaddr %v", req.CIAddr)
	}
	ack, err := Decode(frames[1].UDP)
	if err != nil {
		t.Fatal(err)
	}
	if ack.Type != Ack || ack.DomainName != "unx.ca" || ack.LeaseSeconds != 3600 || ack.HostName != "nas1" {
		t.Errorf("ack: type %v domain %q lease %d host %q", ack.Type, ack.DomainName, ack.LeaseSeconds, ack.HostName)
	}
	if !bytes.Equal(ack.Options, []uint8{53, 54, 51, 58, 59, 1, 28, 6, 15, 12, 3}) {
		t.Errorf("ack options %v", ack.Options)
	}
}

func TestDecodeFuzzedCapture(t *testing.T) {
	frames := capturetest.Datagrams(t, "edge-dhcp-fuzz.pcapng")
	if len(frames) != 1 {
		t.Fatalf("%d datagrams, want 1", len(frames))
	}
	m, err := Decode(frames[0].UDP)
	if err == nil || !strings.Contains(err.Error(), "option 60 at offset 261") {
		t.Fatalf("err %v, want one naming option 60 at offset 261", err)
	}
	// The options before the damage survive.
	if m.HostName != "MK03862" || m.HardwareAddr() != "00:1f:29:da:2d:79" || m.ClientID == nil {
		t.Errorf("partial result: host %q mac %s client id %v", m.HostName, m.HardwareAddr(), m.ClientID)
	}
}

// build makes a DHCP request from chaddr and raw option bytes (end added).
func build(opts ...byte) []byte {
	b := make([]byte, optionsOff, optionsOff+len(opts)+1)
	b[0], b[1], b[2] = 1, 1, 6
	copy(b[28:], []byte{0x00, 0x09, 0xfb, 0x01, 0x02, 0x03})
	copy(b[headerLen:], cookie[:])
	b = append(b, opts...)
	return append(b, 255)
}

func TestDecodeHandMade(t *testing.T) {
	t.Run("fqdn wire format", func(t *testing.T) {
		m, err := Decode(build(81, 16, 0x05, 0, 0, 4, 'p', 'u', 'm', 'p', 3, 'i', 'c', 'u', 2, 'h', 'x', 0))
		if err != nil {
			t.Fatal(err)
		}
		if m.FQDN == nil || m.FQDN.Name != "pump.icu.hx" || m.FQDN.Flags != 0x05 || m.FQDN.Partial {
			t.Errorf("fqdn %+v", m.FQDN)
		}
	})
	t.Run("fqdn partial wire name", func(t *testing.T) {
		m, err := Decode(build(81, 8, 0x04, 0, 0, 4, 'p', 'u', 'm', 'p'))
		if err != nil {
			t.Fatal(err)
		}
		if m.FQDN == nil || m.FQDN.Name != "pump" || !m.FQDN.Partial {
			t.Errorf("fqdn %+v", m.FQDN)
		}
	})
	t.Run("fqdn ascii", func(t *testing.T) {
		m, err := Decode(build(81, 12, 0x01, 0, 0, 'm', 'o', 'n', '1', '.', 'h', 'x', '.', 0))
		if err != nil {
			t.Fatal(err)
		}
		if m.FQDN == nil || m.FQDN.Name != "mon1.hx" || m.FQDN.Partial {
			t.Errorf("fqdn %+v", m.FQDN)
		}
	})
	t.Run("fqdn compression pointer", func(t *testing.T) {
		_, err := Decode(build(81, 5, 0x04, 0, 0, 0xc0, 0x0c))
		if err == nil || !strings.Contains(err.Error(), "option 81 at offset 240") {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("long option concatenation", func(t *testing.T) {
		m, err := Decode(build(12, 3, 'i', 'n', 'f', 53, 1, 1, 12, 4, 'u', 's', 'e', '7'))
		if err != nil {
			t.Fatal(err)
		}
		if m.HostName != "infuse7" || m.Type != Discover {
			t.Errorf("host %q type %v", m.HostName, m.Type)
		}
		if !bytes.Equal(m.Options, []uint8{12, 53, 12}) {
			t.Errorf("options %v", m.Options)
		}
	})
	t.Run("overload file and sname", func(t *testing.T) {
		b := build(53, 1, 3, 52, 1, 3)
		copy(b[fileOff:], []byte{12, 5, 'v', 'e', 'n', 't', '1', 255})
		copy(b[snameOff:], []byte{60, 4, 'M', 'S', 'F', 'T', 255})
		m, err := Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		if m.HostName != "vent1" || m.VendorClass != "MSFT" || m.ServerName != "" || m.BootFile != "" {
			t.Errorf("host %q vendor %q sname %q file %q", m.HostName, m.VendorClass, m.ServerName, m.BootFile)
		}
		if !bytes.Equal(m.Options, []uint8{53, 52, 12, 60}) {
			t.Errorf("options %v", m.Options)
		}
	})
	t.Run("sname and file kept when not overloaded", func(t *testing.T) {
		b := build(53, 1, 3)
		copy(b[snameOff:], "tftp1")
		copy(b[fileOff:], "pxelinux.0")
		m, err := Decode(b)
		if err != nil || m.ServerName != "tftp1" || m.BootFile != "pxelinux.0" {
			t.Errorf("sname %q file %q err %v", m.ServerName, m.BootFile, err)
		}
	})
	t.Run("bad overload", func(t *testing.T) {
		_, err := Decode(build(52, 1, 7))
		if err == nil || !strings.Contains(err.Error(), "option 52 at offset 240") {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("user class rfc 3004", func(t *testing.T) {
		m, err := Decode(build(77, 8, 3, 'i', 'c', 'u', 3, 'o', 'r', '2'))
		if err != nil || !reflect.DeepEqual(m.UserClasses, []string{"icu", "or2"}) {
			t.Errorf("user classes %q err %v", m.UserClasses, err)
		}
	})
	t.Run("user class windows", func(t *testing.T) {
		m, err := Decode(build(77, 4, 'R', 'R', 'A', 'S'))
		if err != nil || !reflect.DeepEqual(m.UserClasses, []string{"RRAS"}) {
			t.Errorf("user classes %q err %v", m.UserClasses, err)
		}
	})
	t.Run("max message size and invalid utf8", func(t *testing.T) {
		m, err := Decode(build(57, 2, 0x05, 0xdc, 60, 3, 'a', 0xff, 'b'))
		if err != nil || m.MaxMessageSize != 1500 || m.VendorClass != "a\uFFFDb" {
			t.Errorf("max %d vendor %q err %v", m.MaxMessageSize, m.VendorClass, err)
		}
	})
	t.Run("bad lease length", func(t *testing.T) {
		m, err := Decode(build(53, 1, 1, 51, 2, 0, 1))
		if err == nil || !strings.Contains(err.Error(), "option 51 at offset 243") || m.Type != Discover {
			t.Fatalf("err %v type %v", err, m.Type)
		}
	})
	t.Run("bad address list", func(t *testing.T) {
		_, err := Decode(build(6, 5, 1, 2, 3, 4, 5))
		if err == nil || !strings.Contains(err.Error(), "option 6 at offset 240") {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("truncated option length", func(t *testing.T) {
		b := build(53, 1, 1)
		b = append(b[:len(b)-1], 12)
		m, err := Decode(b)
		if err == nil || !strings.Contains(err.Error(), "option 12 at offset 243: length byte missing") || m.Type != Discover {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("short", func(t *testing.T) {
		_, err := Decode(make([]byte, 100))
		if !errors.Is(err, ErrShort) {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("plain bootp", func(t *testing.T) {
		b := build()[:headerLen]
		m, err := Decode(b)
		if err != nil || !m.BOOTP || m.HardwareAddr() != "00:09:fb:01:02:03" {
			t.Errorf("bootp %v mac %s err %v", m.BOOTP, m.HardwareAddr(), err)
		}
	})
	t.Run("bad hlen", func(t *testing.T) {
		b := build()
		b[2] = 17
		if _, err := Decode(b); err == nil || !strings.Contains(err.Error(), "hlen 17") {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("result does not alias input", func(t *testing.T) {
		b := build(12, 4, 'h', 'o', 's', 't', 55, 3, 1, 3, 6, 61, 3, 0, 'i', 'd', 43, 2, 9, 9)
		m, err := Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		for i := range b {
			b[i] = 0xee
		}
		if m.HostName != "host" || !bytes.Equal(m.ParamRequest, []uint8{1, 3, 6}) ||
			!bytes.Equal(m.ClientID.ID, []byte("id")) || !bytes.Equal(m.VendorSpecific, []byte{9, 9}) ||
			m.HardwareAddr() != "00:09:fb:01:02:03" || !bytes.Equal(m.Options, []uint8{12, 55, 61, 43}) {
			t.Errorf("result changed with the input buffer: %+v", m)
		}
	})
	t.Run("too many options", func(t *testing.T) {
		opts := bytes.Repeat([]byte{200, 0}, MaxOptions+1)
		_, err := Decode(build(opts...))
		if err == nil || !strings.Contains(err.Error(), "more than 255 options") {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("concatenation bound", func(t *testing.T) {
		var opts []byte
		for range 5 {
			opts = append(opts, 43, 255)
			opts = append(opts, make([]byte, 255)...)
		}
		_, err := Decode(build(opts...))
		if err == nil || !strings.Contains(err.Error(), "concatenated length exceeds 1024") {
			t.Fatalf("err %v", err)
		}
	})
}

func TestMessageTypeString(t *testing.T) {
	for _, tt := range []struct {
		t    MessageType
		want string
	}{{Discover, "DISCOVER"}, {Inform, "INFORM"}, {TLS, "TLS"}, {0, "NONE"}, {106, "TYPE106"}} {
		if got := tt.t.String(); got != tt.want {
			t.Errorf("%d: %q, want %q", uint8(tt.t), got, tt.want)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, name := range []string{"dhcp.pcap", "dhcp-extended-options.pcap", "edge-dhcp-fuzz.pcapng"} {
		for _, d := range capturetest.Datagrams(f, name) {
			f.Add(d.UDP)
		}
	}
	f.Add(build(81, 5, 0x04, 0, 0, 0xc0, 0x0c))
	f.Add(build(53, 1, 3, 52, 1, 3))
	f.Add(build(12, 3, 'i', 'n', 'f', 12, 2, 'x', 'y', 77, 3, 2, 'a'))
	f.Add(build()[:headerLen])
	f.Fuzz(func(t *testing.T, b []byte) {
		in := append([]byte(nil), b...)
		m, err := Decode(b)
		if !bytes.Equal(in, b) {
			t.Fatal("Decode modified its input")
		}
		if len(m.CHAddr) > 16 || len(m.Options) > MaxOptions || len(m.VendorSpecific) > MaxValue ||
			len(m.Routers) > MaxAddrs || len(m.DNSServers) > MaxAddrs || len(m.UserClasses) > MaxUserClasses {
			t.Fatalf("limits exceeded: %+v", m)
		}
		for _, s := range append([]string{m.HostName, m.VendorClass, m.DomainName, m.ServerName, m.BootFile}, m.UserClasses...) {
			if !utf8.ValidString(s) || len(s) > 3*MaxValue {
				t.Fatalf("bad string %q", s)
			}
		}
		if m.FQDN != nil && (!utf8.ValidString(m.FQDN.Name) || len(m.FQDN.Name) > 3*MaxValue) {
			t.Fatalf("bad fqdn %q", m.FQDN.Name)
		}
		// Decoding is deterministic, error included.
		m2, err2 := Decode(b)
		if !reflect.DeepEqual(m, m2) || (err == nil) != (err2 == nil) {
			t.Fatal("second decode differs")
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	frames := capturetest.Datagrams(b, "dhcp-extended-options.pcap")
	p := frames[0].UDP
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(p); err != nil {
			b.Fatal(err)
		}
	}
}
