package lldp

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/vigil-oss/vigil/internal/packet/internal/capturetest"
)

func payload(t testing.TB, capture string, want Kind) []byte {
	t.Helper()
	frames := capturetest.Frames(t, capture)
	if len(frames) != 1 {
		t.Fatalf("%s: %d frames, want 1", capture, len(frames))
	}
	k, p := Classify(frames[0].Data)
	if k != want {
		t.Fatalf("%s classified as %v, want %v", capture, k, want)
	}
	return p
}

func TestLLDPCapture(t *testing.T) {
	d, err := DecodeLLDP(payload(t, "lldp.pcap", KindLLDP))
	if err != nil {
		t.Fatal(err)
	}
	want := LLDP{
		ChassisID:         ID{Subtype: ChassisMAC, Value: "00:22:2d:81:db:10"},
		PortID:            ID{Subtype: 7, Value: "1"},
		TTL:               120,
		PortDescription:   "Port #1",
		SystemName:        "SMCGS8P-Smart",
		SystemDescription: "SMCGS8P-Smart - SMCGS8P-Smart v3.20",
		Capabilities:      1 << 2,
		Enabled:           1 << 2,
		ManagementAddrs:   []MgmtAddr{{Addr: netip.MustParseAddr("192.168.2.10"), Family: 1, IfSubtype: 2, IfNumber: 1}},
	}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("got  %+v\nwant %+v", d, want)
	}
	if d.Capabilities.String() != "bridge" {
		t.Errorf("capabilities %q", d.Capabilities)
	}
	if m, ok := d.ChassisID.MAC(); !ok || m != [6]byte{0x00, 0x22, 0x2d, 0x81, 0xdb, 0x10} {
		t.Errorf("chassis MAC %x %v", m, ok)
	}
	if _, ok := d.PortID.MAC(); ok {
		t.Error("a locally assigned port ID parsed as a MAC")
	}
}

func TestCDPCapture(t *testing.T) {
	c, err := DecodeCDP(payload(t, "cdp-v1.pcap", KindCDP))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		got, want any
	}{
		{"version", c.Version, uint8(1)},
		{"ttl", c.TTL, uint8(180)},
		{"checksum", c.ChecksumOK, true},
		{"device id", c.DeviceID, "R1"},
		{"addresses", c.Addresses, []netip.Addr{netip.MustParseAddr("192.168.10.1")}},
		{"port", c.PortID, "Ethernet0"},
		{"caps", c.Capabilities.String(), "router"},
		{"platform", c.Platform, "cisco 1601"},
		{"software first line", strings.SplitN(c.SoftwareVersion, "\n", 2)[0], "Cisco Internetwork Operating System Software "},
		{"software version", strings.Contains(c.SoftwareVersion, "IOS (tm) 1600 Software (C1600-NY-L), Version 11.2(12)P, RELEASE SOFTWARE (fc1)"), true},
		{"software end", strings.HasSuffix(c.SoftwareVersion, "Compiled Tue 03-Mar-98 06:33 by dschwart"), true},
		{"others", len(c.Others), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Errorf("got %#v, want %#v", tt.got, tt.want)
			}
		})
	}
}

func tlv(typ int, v ...[]byte) []byte {
	body := bytes.Join(v, nil)
	return append(binary.BigEndian.AppendUint16(nil, uint16(typ)<<9|uint16(len(body))), body...)
}

func med(sub byte, s string) []byte {
	return tlv(tlvOrg, ouiTIAMED[:], []byte{sub}, []byte(s))
}

// medPump is the LLDPDU of a made-up infusion pump that sends the LLDP-MED
// inventory TLVs, as many networked medical devices do.
func medPump() []byte {
	return bytes.Join([][]byte{
		tlv(tlvChassisID, []byte{ChassisNetAddr, 1, 10, 1, 2, 3}),
		tlv(tlvPortID, []byte{PortMAC, 0x00, 0x10, 0x5d, 0x01, 0x02, 0x03}),
		tlv(tlvTTL, []byte{0, 60}),
		tlv(tlvSystemName, []byte("pump-icu-07\x00")),
		tlv(tlvSystemCaps, []byte{0, 0x80, 0, 0x80}),
		tlv(tlvOrg, ouiTIAMED[:], []byte{1, 0x00, 0x33, 1}),
		tlv(tlvOrg, ouiTIAMED[:], []byte{3, 2}, []byte("room 12, bed 3")),
		med(5, "HW 2.1"), med(6, "FW 4.0.7"), med(7, "SW 4.0.7-b12"), med(8, "SN-0042"),
		med(9, "Acme Medical"), med(10, "IP3000"), med(11, "asset-991"),
		med(10, "second model TLV is ignored"),
		tlv(tlvOrg, ouiIEEE8021[:], []byte{1, 0, 20}),
		tlv(tlvOrg, []byte{0x00, 0x12, 0x0F}, []byte{1, 3, 0x6c, 0x00, 0x00, 0x10}),
		tlv(tlvMgmtAddr, []byte{17, 2}, netip.MustParseAddr("fe80::1").AsSlice(), []byte{2, 0, 0, 0, 3, 0}),
		tlv(tlvEnd),
		make([]byte, 20), // Ethernet padding
	}, nil)
}

func TestLLDPMED(t *testing.T) {
	d, err := DecodeLLDP(medPump())
	if err != nil {
		t.Fatal(err)
	}
	want := MED{Present: true, Capabilities: 0x33, DeviceClass: 1, HasLocation: true,
		HardwareRevision: "HW 2.1", FirmwareRevision: "FW 4.0.7", SoftwareRevision: "SW 4.0.7-b12",
		SerialNumber: "SN-0042", Manufacturer: "Acme Medical", Model: "IP3000", AssetID: "asset-991"}
	if d.MED != want {
		t.Errorf("MED = %+v", d.MED)
	}
	if d.ChassisID.Value != "10.1.2.3" || d.PortID.Value != "00:10:5d:01:02:03" || d.TTL != 60 {
		t.Errorf("ids %+v %+v ttl %d", d.ChassisID, d.PortID, d.TTL)
	}
	if d.SystemName != "pump-icu-07" || d.Capabilities.String() != "station" || d.PortVLAN != 20 {
		t.Errorf("name %q caps %v vlan %d", d.SystemName, d.Capabilities, d.PortVLAN)
	}
	if len(d.Org) != 1 || d.Org[0].OUI != [3]byte{0, 0x12, 0x0F} || d.Org[0].Subtype != 1 || d.Org[0].Length != 5 {
		t.Errorf("org %+v", d.Org)
	}
	if len(d.ManagementAddrs) != 1 || d.ManagementAddrs[0].Addr != netip.MustParseAddr("fe80::1") || d.ManagementAddrs[0].IfNumber != 3 {
		t.Errorf("mgmt %+v", d.ManagementAddrs)
	}
	// The location TLV's content must not appear anywhere in the result.
	if s := strings.ToLower(fmtAll(d)); strings.Contains(s, "room") || strings.Contains(s, "bed") {
		t.Errorf("location content kept: %s", s)
	}
}

func fmtAll(v any) string {
	var b strings.Builder
	var walk func(reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.String:
			b.WriteString(v.String())
			b.WriteByte('|')
		case reflect.Struct:
			for i := range v.NumField() {
				walk(v.Field(i))
			}
		case reflect.Slice, reflect.Array:
			if v.Type().Elem().Kind() == reflect.Uint8 {
				for i := range v.Len() {
					b.WriteByte(byte(v.Index(i).Uint()))
				}
				return
			}
			for i := range v.Len() {
				walk(v.Index(i))
			}
		}
	}
	walk(reflect.ValueOf(v))
	return b.String()
}

func TestLLDPErrors(t *testing.T) {
	base := bytes.Join([][]byte{tlv(tlvChassisID, []byte{7, 'a'}), tlv(tlvPortID, []byte{7, 'b'}), tlv(tlvTTL, []byte{0, 1})}, nil)
	tests := []struct {
		name, want string
		in         []byte
	}{
		{"empty", "lldp: no chassis ID TLV", nil},
		{"no ttl", "lldp: no TTL TLV", base[:len(base)-4]},
		{"odd byte", "TLV header at offset 12: 1 byte left", append(append([]byte{}, base...), 0x02)},
		{"overrun", "TLV type 5 at offset 12: length 100 exceeds the 2 bytes left", append(append([]byte{}, base...), 0x0A, 100, 'x', 'y')},
		{"short id", "TLV type 1 at offset 0: ID of 1 bytes", tlv(tlvChassisID, []byte{4})},
		{"caps size", "capabilities of 3 bytes", append(append([]byte{}, base...), tlv(tlvSystemCaps, []byte{1, 2, 3})...)},
		{"mgmt length", "management address length 40", append(append([]byte{}, base...), tlv(tlvMgmtAddr, []byte{40, 1, 2, 3, 4, 5, 6, 7, 8})...)},
		{"mgmt oid", "OID length 9 does not fit", append(append([]byte{}, base...), tlv(tlvMgmtAddr, []byte{5, 1, 1, 2, 3, 4, 2, 0, 0, 0, 1, 9, 1})...)},
		{"org short", "organizationally specific TLV of 3 bytes", append(append([]byte{}, base...), tlv(tlvOrg, []byte{0, 0x12, 0xBB})...)},
		{"too big", "exceeds 9216", make([]byte, MaxPDU+1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeLLDP(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestLLDPLimits(t *testing.T) {
	parts := [][]byte{tlv(tlvChassisID, []byte{7, 'a'}), tlv(tlvPortID, []byte{7, 'b'}), tlv(tlvTTL, []byte{0, 1})}
	for i := range MaxOrgTLVs + 5 {
		parts = append(parts, tlv(tlvOrg, []byte{0xAC, 0xDE, 0x48, byte(i)}, bytes.Repeat([]byte{0xEE}, 100)))
	}
	d, err := DecodeLLDP(bytes.Join(parts, nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Org) != MaxOrgTLVs || d.Dropped != 5 || len(d.Org[0].Data) != MaxOrgData || d.Org[0].Length != 100 {
		t.Errorf("org %d dropped %d data %d length %d", len(d.Org), d.Dropped, len(d.Org[0].Data), d.Org[0].Length)
	}
}

func cdpTLV(typ uint16, v ...[]byte) []byte {
	body := bytes.Join(v, nil)
	b := binary.BigEndian.AppendUint16(nil, typ)
	b = binary.BigEndian.AppendUint16(b, uint16(4+len(body)))
	return append(b, body...)
}

func TestCDPv2(t *testing.T) {
	addrs := bytes.Join([][]byte{
		{0, 0, 0, 3},
		{1, 1, 0xCC, 0, 4, 10, 0, 0, 9},
		{2, 8}, ipv6SNAP, {0, 16}, netip.MustParseAddr("2001:db8::9").AsSlice(),
		{1, 1, 0x81, 0, 2, 0xAB, 0xCD}, // a protocol other than IP
	}, nil)
	pkt := bytes.Join([][]byte{
		{2, 180, 0, 0},
		cdpTLV(cdpDeviceID, []byte("SEP00105D010203")),
		cdpTLV(cdpAddresses, addrs),
		cdpTLV(cdpPortID, []byte("Port 1")),
		cdpTLV(cdpCaps, []byte{0, 0, 0, 0x90}),
		cdpTLV(cdpPlatform, []byte("Cisco IP Phone 8841\xff")),
		cdpTLV(cdpSoftware, []byte("sip88xx.12-8-1-0001-455")),
		cdpTLV(cdpNativeVLAN, []byte{0, 30}),
		cdpTLV(cdpDuplex, []byte{1}),
		cdpTLV(cdpDeviceID, []byte("ignored repeat")),
		cdpTLV(0x1001, []byte{1, 2}),
		cdpTLV(cdpMgmtAddrs, []byte{0, 0, 0, 1, 1, 1, 0xCC, 0, 4, 10, 0, 0, 10}),
	}, nil)
	sum := ^checksum(pkt)
	binary.BigEndian.PutUint16(pkt[2:], sum)
	c, err := DecodeCDP(pkt)
	if err != nil {
		t.Fatal(err)
	}
	want := CDP{
		Version: 2, TTL: 180, Checksum: sum, ChecksumOK: true,
		DeviceID:        "SEP00105D010203",
		Addresses:       []netip.Addr{netip.MustParseAddr("10.0.0.9"), netip.MustParseAddr("2001:db8::9")},
		PortID:          "Port 1",
		Capabilities:    0x90,
		Platform:        "Cisco IP Phone 8841\uFFFD",
		SoftwareVersion: "sip88xx.12-8-1-0001-455",
		NativeVLAN:      30,
		Duplex:          "full",
		ManagementAddrs: []netip.Addr{netip.MustParseAddr("10.0.0.10")},
		OtherAddrs:      1,
		Others:          []uint16{0x1001},
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("got  %+v\nwant %+v", c, want)
	}
	if c.Capabilities.String() != "host,phone" {
		t.Errorf("caps %q", c.Capabilities)
	}
	pkt[10] ^= 1
	if c, _ := DecodeCDP(pkt); c.ChecksumOK {
		t.Error("a corrupted packet passed the checksum")
	}
}

func TestCDPErrors(t *testing.T) {
	tests := []struct {
		name, want string
		in         []byte
	}{
		{"short", "cdp: header: 3 bytes", []byte{1, 2, 3}},
		{"version", "cdp: version 9", []byte{9, 180, 0, 0}},
		{"tlv header", "TLV header at offset 4: 2 bytes left", []byte{1, 180, 0, 0, 0, 1}},
		{"tlv length", "TLV type 0x0001 at offset 4: length 3 outside 4..6", []byte{1, 180, 0, 0, 0, 1, 0, 3, 'a', 'b'}},
		{"tlv overrun", "length 50 outside 4..6", []byte{1, 180, 0, 0, 0, 1, 0, 50, 'a', 'b'}},
		{"addr count", "4294967295 addresses cannot fit", append([]byte{1, 180, 0, 0}, cdpTLV(cdpAddresses, []byte{0xFF, 0xFF, 0xFF, 0xFF, 1, 1, 0xCC, 0, 4})...)},
		{"addr overrun", "address 0: length 16 exceeds", append([]byte{1, 180, 0, 0}, cdpTLV(cdpAddresses, []byte{0, 0, 0, 1, 1, 1, 0xCC, 0, 16, 1, 2})...)},
		{"duplex", "duplex of 2 bytes", append([]byte{1, 180, 0, 0}, cdpTLV(cdpDuplex, []byte{1, 1})...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeCDP(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	lldpFrame := append([]byte{0x01, 0x80, 0xc2, 0, 0, 0x0e, 0, 0x10, 0x5d, 1, 2, 3, 0x88, 0xcc}, medPump()...)
	tagged := append(append(append([]byte{}, lldpFrame[:12]...), 0x81, 0x00, 0x00, 0x14), lldpFrame[12:]...)
	cdpBody := []byte{2, 180, 0, 0}
	cdpFrame := append([]byte{0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcc, 0, 0x10, 0x5d, 1, 2, 3, 0, byte(8 + len(cdpBody))}, snapCDP[:]...)
	cdpFrame = append(cdpFrame, cdpBody...)
	cdpFrame = append(cdpFrame, make([]byte, 30)...) // padding beyond the 802.3 length
	stp := []byte{0x01, 0x80, 0xc2, 0, 0, 0, 0, 0x10, 0x5d, 1, 2, 3, 0, 38, 0x42, 0x42, 0x03, 0, 0, 0, 0, 0}
	tests := []struct {
		name    string
		frame   []byte
		kind    Kind
		payload int
	}{
		{"lldp", lldpFrame, KindLLDP, len(lldpFrame) - 14},
		{"vlan tagged lldp", tagged, KindLLDP, len(lldpFrame) - 14},
		{"cdp", cdpFrame, KindCDP, len(cdpBody)},
		{"stp", stp, KindNone, 0},
		{"ipv4", append(make([]byte, 12), 0x08, 0x00, 0x45), KindNone, 0},
		{"short", make([]byte, 13), KindNone, 0},
		{"truncated tag", append(make([]byte, 12), 0x81, 0x00, 0, 1), KindNone, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, p := Classify(tt.frame)
			if k != tt.kind || len(p) != tt.payload {
				t.Errorf("Classify = %v, %d bytes; want %v, %d", k, len(p), tt.kind, tt.payload)
			}
		})
	}
}

func TestText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"name\x00\x00", "name"},
		{"line1\nline2\r\n", "line1\nline2\r\n"},
		{"bell\x07", "bell\uFFFD"},
		{"Dräger", "Dräger"},
		{"bad\xc3", "bad\uFFFD"},
		{strings.Repeat("a", 2000), strings.Repeat("a", maxText)},
	}
	for _, tt := range tests {
		if got := text([]byte(tt.in)); got != tt.want {
			t.Errorf("text(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNoAlias(t *testing.T) {
	b := medPump()
	d, err := DecodeLLDP(b)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := DecodeLLDP(medPump())
	for i := range b {
		b[i] = 'X'
	}
	if !reflect.DeepEqual(d, want) {
		t.Error("LLDP result changed when the input buffer was reused")
	}
}

func BenchmarkLLDP(b *testing.B) {
	for name, p := range map[string][]byte{"capture": payload(b, "lldp.pcap", KindLLDP), "med": medPump()} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(p)))
			for b.Loop() {
				if _, err := DecodeLLDP(p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkCDP(b *testing.B) {
	p := payload(b, "cdp-v1.pcap", KindCDP)
	b.ReportAllocs()
	b.SetBytes(int64(len(p)))
	for b.Loop() {
		if _, err := DecodeCDP(p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkClassify(b *testing.B) {
	f := capturetest.Frames(b, "cdp-v1.pcap")[0].Data
	b.ReportAllocs()
	for b.Loop() {
		Classify(f)
	}
}
