package core

import (
	"strings"
	"testing"
	"time"
)

func TestNormalizeMAC(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"00:1A:2b:3c:4D:5e", "00:1a:2b:3c:4d:5e", true},
		{"00-1a-2b-3c-4d-5e", "00:1a:2b:3c:4d:5e", true},
		{"001a.2b3c.4d5e", "00:1a:2b:3c:4d:5e", true},
		{"001a2b3c4d5e", "00:1a:2b:3c:4d:5e", true},
		{" 001a2b3c4d5e ", "00:1a:2b:3c:4d:5e", true},
		{"00:1a:2b:3c:4d", "", false},
		{"00:1a:2b:3c:4d:5e:6f", "", false},
		{"00:1a:2b:3c:4d:5g", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := NormalizeMAC(tt.in)
			if (err == nil) != tt.ok || got != tt.want {
				t.Fatalf("NormalizeMAC(%q) = %q, %v; want %q ok=%v", tt.in, got, err, tt.want, tt.ok)
			}
		})
	}
}

func FuzzNormalizeMAC(f *testing.F) {
	for _, s := range []string{"00:1a:2b:3c:4d:5e", "001a.2b3c.4d5e", "zz", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizeMAC(s)
		if err != nil {
			return
		}
		again, err := NormalizeMAC(got)
		if err != nil || again != got || len(got) != 17 {
			t.Fatalf("NormalizeMAC not idempotent: %q -> %q -> %q, %v", s, got, again, err)
		}
	})
}

func TestDeviceValidate(t *testing.T) {
	ok := func() *Device {
		return &Device{AssetTag: "A-1", MACs: []string{"00-1A-2B-3C-4D-5E", "00:1a:2b:3c:4d:5e"},
			IPs: []string{"10.0.0.1", "::ffff:10.0.0.2"}, Hostnames: []string{"Pump-1.Local."},
			AETitles: []string{"CT01_RAD"}, HL7: []HL7Endpoint{{Application: " MONITOR ", Facility: "ICU"}}}
	}
	d := ok()
	if err := d.Validate(); err != nil {
		t.Fatalf("valid device rejected: %v", err)
	}
	if d.Lifecycle != LifecycleActive {
		t.Errorf("lifecycle default = %q", d.Lifecycle)
	}
	if len(d.MACs) != 1 || d.MACs[0] != "00:1a:2b:3c:4d:5e" {
		t.Errorf("MACs not normalised and de-duplicated: %v", d.MACs)
	}
	if d.IPs[1] != "10.0.0.2" || d.Hostnames[0] != "pump-1.local" || d.HL7[0].Application != "MONITOR" {
		t.Errorf("not normalised: %v %v %v", d.IPs, d.Hostnames, d.HL7)
	}

	bad := []struct {
		name  string
		edit  func(*Device)
		field string
	}{
		{"no key", func(d *Device) { d.AssetTag, d.MACs = "", nil }, "asset_tag"},
		{"bad mac", func(d *Device) { d.MACs = []string{"nope"} }, "macs[0]"},
		{"bad ip", func(d *Device) { d.IPs = []string{"10.0.0.300"} }, "ips[0]"},
		{"bad lifecycle", func(d *Device) { d.Lifecycle = "lost" }, "lifecycle"},
		{"long AE", func(d *Device) { d.AETitles = []string{"ABCDEFGHIJKLMNOPQ"} }, "ae_titles[0]"},
		{"release without model", func(d *Device) { d.ReleaseID = 3 }, "release_id"},
		{"huge notes", func(d *Device) { d.Notes = strings.Repeat("x", MaxNotesLen+1) }, "notes"},
		{"bad utf8", func(d *Device) { d.Name = "\xff\xfe" }, "name"},
		{"too many IPs", func(d *Device) { d.IPs = make([]string, MaxListLen+1) }, "ips"},
		{"seen backwards", func(d *Device) {
			a, b := time.Unix(100, 0), time.Unix(50, 0)
			d.FirstSeen, d.LastSeen = &a, &b
		}, "last_seen"},
		{"empty hl7 app", func(d *Device) { d.HL7 = []HL7Endpoint{{Facility: "X"}} }, "hl7[0].application"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			d := ok()
			tt.edit(d)
			err := d.Validate()
			if KindOf(err) != KindInvalid {
				t.Fatalf("want invalid, got %v", err)
			}
			e := err.(*Error)
			found := false
			for _, f := range e.Fields {
				found = found || f.Field == tt.field
			}
			if !found {
				t.Fatalf("error %v does not name field %s", err, tt.field)
			}
		})
	}
}

func TestModelZoneReleaseValidate(t *testing.T) {
	m := &Model{ManufacturerID: 1, Name: "Alaris", DeviceType: " Infusion  Pump", FDAClass: "ii"}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	if m.DeviceType != "infusion-pump" || m.FDAClass != "II" || m.Function != FunctionNonClinical {
		t.Errorf("not normalised: %+v", m)
	}
	if err := (&Model{ManufacturerID: 1, Name: "x", Function: "magic"}).Validate(); !IsKind(err, KindInvalid) {
		t.Errorf("unknown function accepted: %v", err)
	}
	z := &Zone{SiteID: 1, Name: "ICU", CIDRs: []string{"10.1.2.3/24"}, VLANs: []int{10}}
	if err := z.Validate(); err != nil || z.CIDRs[0] != "10.1.2.0/24" {
		t.Errorf("zone: %v %v", err, z.CIDRs)
	}
	if err := (&Zone{SiteID: 1, Name: "x", VLANs: []int{4095}}).Validate(); !IsKind(err, KindInvalid) {
		t.Errorf("VLAN 4095 accepted")
	}
	if err := (&Release{ModelID: 1, Version: "1.0", SupportLevel: "forever"}).Validate(); !IsKind(err, KindInvalid) {
		t.Errorf("bad support level accepted")
	}
}

func TestDeviceCursor(t *testing.T) {
	c := DeviceCursor{Sort: "-name", Value: "pump", ID: 42}
	got, err := DecodeDeviceCursor(c.Encode(), "-name")
	if err != nil || *got != c {
		t.Fatalf("round trip: %v %v", got, err)
	}
	if _, err := DecodeDeviceCursor(c.Encode(), "name"); !IsKind(err, KindInvalid) {
		t.Errorf("cursor for another sort accepted")
	}
	for _, s := range []string{"", "!!!", "e30", strings.Repeat("A", 5000)} {
		if _, err := DecodeDeviceCursor(s, "id"); !IsKind(err, KindInvalid) {
			t.Errorf("garbage cursor %q accepted", s)
		}
	}
}

func TestErrorKinds(t *testing.T) {
	err := Wrap(KindConflict, NotFound("x", 1), "outer")
	if KindOf(err) != KindConflict {
		t.Errorf("kind = %s", KindOf(err))
	}
	if KindOf(nil) != "" || KindOf(errString("plain")) != KindInternal {
		t.Errorf("nil or plain errors misclassified")
	}
}

type errString string

func (e errString) Error() string { return string(e) }

func FuzzDecodeDeviceCursor(f *testing.F) {
	f.Add(DeviceCursor{Sort: "name", Value: "x", ID: 1}.Encode(), "name")
	f.Add("", "id")
	f.Add("eyJzIjoiaWQiLCJ2IjoiIiwiaSI6LTF9", "id")
	f.Fuzz(func(t *testing.T, s, sort string) {
		c, err := DecodeDeviceCursor(s, sort)
		if err != nil {
			if !IsKind(err, KindInvalid) {
				t.Fatalf("kind %s: %v", KindOf(err), err)
			}
			return
		}
		if c.ID <= 0 || c.Sort != sort {
			t.Fatalf("accepted a bad cursor: %+v", c)
		}
	})
}
