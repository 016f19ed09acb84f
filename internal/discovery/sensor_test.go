package discovery

import (
	"bytes"
	"context"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-oss/vigil/internal/packet"
	"github.com/vigil-oss/vigil/internal/packet/hl7"
)

const pcapDir = "../../../shared/data/pcap"

func capturePath(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(pcapDir, name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared capture %s not available: %v", name, err)
	}
	return p
}

// everything treats every address as the hospital's, for captures taken on
// networks with public addresses.
var everything = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}

func discover(t testing.TB, opts Options, paths ...string) (*Result, []byte) {
	t.Helper()
	s, err := NewSensor(opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		err = s.Read(context.Background(), f, packet.Config{}, nil)
		f.Close()
		if err != nil {
			t.Fatalf("read %s: %v", p, err)
		}
	}
	res := s.Result()
	js, err := json.Marshal(res)
	if err != nil {
		t.Fatalf("result does not marshal: %v", err)
	}
	return res, js
}

// device finds the device that has the given IP address.
func device(t *testing.T, r *Result, ip string) *Device {
	t.Helper()
	for _, d := range r.Devices {
		if slices.Contains(d.IPs, ip) {
			return d
		}
	}
	var ids []string
	for _, d := range r.Devices {
		ids = append(ids, d.ID+" "+strings.Join(d.IPs, ","))
	}
	t.Fatalf("no device with IP %s among %v", ip, ids)
	return nil
}

func observed(t *testing.T, d *Device, signal, want string) {
	t.Helper()
	if !slices.Contains(d.Observed[signal], want) {
		t.Errorf("device %s: %s = %q, want %q among them", d.ID, signal, d.Observed[signal], want)
	}
}

func alertsOf(r *Result, kind string) []Alert {
	var out []Alert
	for _, a := range r.Alerts {
		if a.Kind == kind {
			out = append(out, a)
		}
	}
	return out
}

func TestDICOMCaptures(t *testing.T) {
	t.Run("CT", func(t *testing.T) {
		r, js := discover(t, Options{}, capturePath(t, "dicom-echo-store-ct.pcap"))
		d := device(t, r, "127.0.0.1") // made on a test bench's loopback
		for _, ae := range []string{"CT01_RAD", "PACS_MAIN"} {
			if !slices.Contains(d.AETitles, ae) {
				t.Errorf("AE titles %v lack %s", d.AETitles, ae)
			}
		}
		observed(t, d, "dicom.implementation_class_uid", "1.2.276.0.7230010.3.0.3.6.7")
		observed(t, d, "dicom.implementation_version", "OFFIS_DCMTK_367")
		observed(t, d, "dicom.manufacturer", "SIEMENS")
		if d.Vendor != "Siemens Healthineers" || d.Model != "SOMATOM Definition AS" || d.SoftwareVersion != "syngo CT VA48A" ||
			d.Serial != "40001" || d.DeviceType != "ct-scanner" {
			t.Errorf("identified as %q %q %q serial %q type %q", d.Vendor, d.Model, d.SoftwareVersion, d.Serial, d.DeviceType)
		}
		phi := alertsOf(r, AlertCleartextPHI)
		if len(phi) != 1 || !strings.Contains(phi[0].Detail, "(0010,0010) PatientName") {
			t.Errorf("cleartext PHI alerts: %+v", phi)
		}
		noPatientValues(t, js, "TEST^SYNTHETIC", "SYNTHETIC", "SYN0001")
	})
	t.Run("MR and US", func(t *testing.T) {
		r, js := discover(t, Options{}, capturePath(t, "dicom-store-mr-us.pcap"))
		d := device(t, r, "127.0.0.1")
		for _, ae := range []string{"MR02_NEURO", "US03_CARDIO", "ARCHIVE2"} {
			if !slices.Contains(d.AETitles, ae) {
				t.Errorf("AE titles %v lack %s", d.AETitles, ae)
			}
		}
		for sig, want := range map[string][]string{
			"dicom.manufacturer":     {"GE MEDICAL SYSTEMS", "Philips"},
			"dicom.model":            {"SIGNA Explorer", "EPIQ 7G"},
			"dicom.software_version": {"DV26.0_R03", "7.0.5.1030"},
			"dicom.modality":         {"MR", "US"},
		} {
			for _, w := range want {
				observed(t, d, sig, w)
			}
		}
		noPatientValues(t, js, "SYNTHETIC", "SYN0001")
	})
}

// noPatientValues fails when a patient value appears in the output.
func noPatientValues(t *testing.T, js []byte, values ...string) {
	t.Helper()
	for _, v := range values {
		if bytes.Contains(js, []byte(v)) {
			t.Errorf("output contains the patient value %q", v)
		}
	}
}

// pidValues reads the field values of the PID segments straight from a
// capture's bytes, so the test knows what must never appear.
func pidValues(t *testing.T, path string) []string {
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var vals []string
	for _, seg := range bytes.Split(raw, []byte("\r")) {
		i := bytes.Index(seg, []byte("PID|"))
		if i < 0 {
			continue
		}
		for _, f := range strings.FieldsFunc(string(seg[i+4:]), func(r rune) bool { return r == '|' || r == '^' || r == '~' }) {
			if len(f) >= 4 && !strings.ContainsAny(f, "\x00") {
				vals = append(vals, f)
			}
		}
	}
	if len(vals) == 0 {
		t.Fatalf("%s: no PID values found to check against", path)
	}
	return vals
}

func TestHL7Capture(t *testing.T) {
	path := capturePath(t, "hl7-mllp-adt-a01.pcap")
	r, js := discover(t, Options{}, path)
	sender := device(t, r, "10.0.0.155")
	receiver := device(t, r, "10.0.0.126")
	if !slices.Contains(sender.HL7Applications, "SENDING_APPLICATION^SENDING_FACILITY") {
		t.Errorf("sender's HL7 applications: %v", sender.HL7Applications)
	}
	if !slices.Contains(receiver.HL7Applications, "RECEIVING_APPLICATION^RECEIVING_FACILITY") {
		t.Errorf("receiver's HL7 applications: %v", receiver.HL7Applications)
	}
	observed(t, sender, "hl7.sent_message_type", "ADT^A01")
	observed(t, sender, "hl7.version", "2.3")
	phi := alertsOf(r, AlertCleartextPHI)
	if len(phi) != 1 || phi[0].Device != sender.ID || phi[0].Peer != "10.0.0.126:6661" || !strings.Contains(phi[0].Detail, "PID") {
		t.Fatalf("cleartext PHI alerts: %+v", phi)
	}
	noPatientValues(t, js, pidValues(t, path)...)
}

func TestIdentityCaptures(t *testing.T) {
	t.Run("DHCP", func(t *testing.T) {
		r, _ := discover(t, Options{}, capturePath(t, "dhcp-extended-options.pcap"))
		d := device(t, r, "10.16.1.4")
		if !slices.Contains(d.Hostnames, "nas1") || d.Vendor != "Synology" {
			t.Errorf("client: hostnames %v vendor %q", d.Hostnames, d.Vendor)
		}
		observed(t, d, "dhcp.param_list", "1,28,2,3,15,6,12")
		observed(t, d, "dhcp.client_id", "1:00113217"+"49f0")
		srv := device(t, r, "10.16.1.1")
		if srv.Role != "dhcp-server" || !slices.Contains(srv.Services, "udp/67") {
			t.Errorf("server: role %q services %v", srv.Role, srv.Services)
		}
		r, _ = discover(t, Options{}, capturePath(t, "dhcp.pcap"))
		found := false
		for _, d := range r.Devices {
			found = found || slices.Contains(d.Hostnames, "btest.is.cool") && slices.Contains(d.MACs, "90:b1:1c:99:49:29")
		}
		if !found {
			t.Error("dhcp.pcap: no device 90:b1:1c:99:49:29 named btest.is.cool")
		}
	})
	t.Run("mDNS", func(t *testing.T) {
		r, _ := discover(t, Options{}, capturePath(t, "mdns.pcap"))
		d := device(t, r, "10.0.2.7")
		if !slices.Contains(d.Hostnames, "johanna-qemu-virtual-machine.local") || !d.LocalMAC {
			t.Errorf("hostnames %v, locally administered %v", d.Hostnames, d.LocalMAC)
		}
		if len(d.IPs) != 3 {
			t.Errorf("IPv4 and both IPv6 addresses on one device: %v", d.IPs)
		}
	})
	t.Run("SSDP", func(t *testing.T) {
		r, _ := discover(t, Options{}, capturePath(t, "ssdp-m-search.pcap"))
		d := device(t, r, "192.168.242.8")
		if !slices.Contains(d.Protocols, "ssdp") {
			t.Errorf("protocols %v", d.Protocols)
		}
	})
	t.Run("LLDP", func(t *testing.T) {
		r, _ := discover(t, Options{}, capturePath(t, "lldp.pcap"))
		d := device(t, r, "192.168.2.10")
		observed(t, d, "lldp.system_description", "SMCGS8P-Smart - SMCGS8P-Smart v3.20")
		if !slices.Contains(d.Hostnames, "SMCGS8P-Smart") || d.DeviceType != "network-device" || d.Vendor != "SMC Networks" {
			t.Errorf("hostnames %v type %q vendor %q", d.Hostnames, d.DeviceType, d.Vendor)
		}
	})
	t.Run("CDP", func(t *testing.T) {
		r, _ := discover(t, Options{}, capturePath(t, "cdp-v1.pcap"))
		d := device(t, r, "192.168.10.1")
		if d.Vendor != "Cisco" || d.Model != "cisco 1601" || !slices.Contains(d.Hostnames, "R1") {
			t.Errorf("vendor %q model %q hostnames %v", d.Vendor, d.Model, d.Hostnames)
		}
		if v := d.Observed["cdp.software_version"]; len(v) != 1 || !strings.HasPrefix(v[0], "Cisco Internetwork Operating System") {
			t.Errorf("software version %q", v)
		}
	})
	t.Run("HTTP", func(t *testing.T) {
		r, _ := discover(t, Options{}, capturePath(t, "http-simple-get.pcap"))
		srv := device(t, r, "10.180.156.249")
		observed(t, srv, "http.server", "Apache/2.2.15 (CentOS)")
		if srv.Role != "web-server" || !slices.Contains(srv.Services, "tcp/80") {
			t.Errorf("server role %q services %v", srv.Role, srv.Services)
		}
		if ua := device(t, r, "10.180.156.141").Observed["http.user_agent"]; len(ua) != 1 || ua[0] == "" {
			t.Errorf("client user agents %q", ua)
		}
		r, _ = discover(t, Options{}, capturePath(t, "http.pcapng"))
		if ua := device(t, r, "192.168.1.128").Observed["http.user_agent"]; len(ua) == 0 {
			t.Error("http.pcapng: no user agent on the client")
		}
	})
	t.Run("TLS 1.2", func(t *testing.T) {
		r, _ := discover(t, Options{Internal: everything}, capturePath(t, "openssl-tls1_2.pcap"))
		c := device(t, r, "10.0.0.1")
		if !slices.Contains(c.TLSClients, "t12i740500_c43983326036_3eafcbe19126") {
			t.Errorf("client JA4 %v", c.TLSClients)
		}
		for _, d := range r.Devices {
			if d.ID != c.ID {
				observed(t, d, "tls.server_cert_org", "Google Inc")
				observed(t, d, "tls.server_cert_cn", "*.google.com")
				observed(t, d, "tls.server_cert_issuer", "Google Inc Google Internet Authority G2")
			}
		}
	})
	t.Run("TLS 1.3", func(t *testing.T) {
		r, _ := discover(t, Options{Internal: everything}, capturePath(t, "tls13.pcap"))
		var client, server *Device
		for _, d := range r.Devices {
			if len(d.TLSClients) > 0 {
				client = d
			} else {
				server = d
			}
		}
		if client == nil || server == nil || client.TLSClients[0] != "t00d1815h2_a30347de7a75_2a77702ff8e0" ||
			!slices.Contains(server.Hostnames, "blog.cloudflare.com") {
			t.Fatalf("client %+v server %+v", client, server)
		}
	})
	t.Run("SMBv1", func(t *testing.T) {
		r, _ := discover(t, Options{}, capturePath(t, "smb-windows10.pcap"))
		a := alertsOf(r, AlertInsecureProtocol)
		if len(a) != 1 || !strings.Contains(a[0].Detail, "SMBv1") || a[0].Peer != "192.168.199.133:445" {
			t.Errorf("insecure protocol alerts %+v", a)
		}
	})
}

func TestDamagedCaptures(t *testing.T) {
	for _, name := range []string{"edge-empty.pcap", "edge-bigendian.pcap", "edge-dhcp-fuzz.pcapng"} {
		t.Run(name, func(t *testing.T) {
			r, _ := discover(t, Options{}, capturePath(t, name))
			if name == "edge-empty.pcap" && (len(r.Devices) != 0 || r.Stats.Packets != 0) {
				t.Errorf("empty capture: %d devices, %d packets", len(r.Devices), r.Stats.Packets)
			}
			if name == "edge-dhcp-fuzz.pcapng" && r.Stats.ProtocolErrors == 0 {
				t.Error("the malformed DHCP packet was not counted as a protocol error")
			}
		})
	}
	t.Run("truncated", func(t *testing.T) {
		raw, err := os.ReadFile(capturePath(t, "hl7-mllp-adt-a01.pcap"))
		if err != nil {
			t.Fatal(err)
		}
		s, err := NewSensor(Options{})
		if err != nil {
			t.Fatal(err)
		}
		err = s.Read(context.Background(), bytes.NewReader(raw[:len(raw)-40]), packet.Config{}, nil)
		if err == nil || !strings.Contains(err.Error(), "truncated in packet 9") {
			t.Fatalf("error %v, want one naming the damaged packet", err)
		}
		r := s.Result()
		if r.Stats.Packets != 8 || len(alertsOf(r, AlertCleartextPHI)) != 1 {
			t.Errorf("before the damage: %d packets, alerts %+v", r.Stats.Packets, r.Alerts)
		}
	})
	t.Run("not a capture", func(t *testing.T) {
		s, _ := NewSensor(Options{})
		err := s.Read(context.Background(), strings.NewReader("Registry,Assignment\n"), packet.Config{}, nil)
		if err == nil {
			t.Fatal("a CSV file read as a capture")
		}
	})
}

func FuzzSensor(f *testing.F) {
	for _, name := range []string{"dicom-echo-store-ct.pcap", "hl7-mllp-adt-a01.pcap", "dhcp.pcap", "mdns.pcap",
		"lldp.pcap", "cdp-v1.pcap", "http.pcapng", "openssl-tls1_2.pcap", "smb-windows10.pcap", "edge-dhcp-fuzz.pcapng"} {
		if b, err := os.ReadFile(filepath.Join(pcapDir, name)); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, capture []byte) {
		s, err := NewSensor(Options{Internal: everything})
		if err != nil {
			t.Fatal(err)
		}
		_ = s.Read(context.Background(), bytes.NewReader(capture), packet.Config{MaxFlows: 64}, nil)
		r := s.Result()
		if _, err := json.Marshal(r); err != nil {
			t.Fatalf("result does not marshal: %v", err)
		}
		for _, d := range r.Devices {
			if len(d.Evidence) > maxEvidence || len(d.Hostnames) > maxNamesPerHost {
				t.Fatalf("device %s over its bounds", d.ID)
			}
		}
	})
}

// A gateway's HL7 results name the devices behind it; those identifiers
// are kept as the sender's observed signals, and the PID segment only as
// an alert.
func TestHL7Equipment(t *testing.T) {
	s, err := NewSensor(Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := &packet.Flow{Proto: packet.ProtoTCP, Client: netip.MustParseAddrPort("10.1.0.5:40000"),
		Server: netip.MustParseAddrPort("10.1.0.9:2575"), First: time.Unix(1e9, 0), Last: time.Unix(1e9, 0),
		ClientMAC: packet.MAC{0, 9, 0xfb, 1, 2, 3}, ClientPackets: 3}
	st := &hl7Stream{s: s, f: f}
	st.c = hl7.NewConn(st.message)
	msg := "\x0bMSH|^~\\&|GW|ICU|EMR|HOSP|20260101||ORU^R01|1|P|2.7\rPID|1||SECRET-ID||SECRET^NAME\r" +
		"OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC||97|%|||||F|||||||0012A5FFFE1B2C3D^^0012A5FFFE1B2C3D^EUI-64\r" +
		"PRT|1|AD||EQUIP^Equipment^HL70912||||||||||||(01)00012345678905^^2.16.840.1.113883.3.3719^ISO\r\x1c\r"
	st.Feed(true, []byte(msg))
	st.Close()
	s.FlowEnd(f)
	r := s.Result()
	d := device(t, r, "10.1.0.5")
	observed(t, d, "hl7.equipment", "0012A5FFFE1B2C3D^^0012A5FFFE1B2C3D^EUI-64")
	if v := d.Observed["hl7.udi_di"]; len(v) != 1 || !strings.HasPrefix(v[0], "(01)00012345678905") {
		t.Errorf("UDI-DI %q", v)
	}
	js, _ := json.Marshal(r)
	noPatientValues(t, js, "SECRET")
	if len(alertsOf(r, AlertCleartextPHI)) != 1 {
		t.Errorf("alerts %+v", r.Alerts)
	}
}
