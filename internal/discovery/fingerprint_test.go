package discovery

import (
	"strings"
	"testing"
	"time"
)

func defaults(t *testing.T) *Fingerprints {
	t.Helper()
	fp, err := DefaultFingerprints()
	if err != nil {
		t.Fatalf("built-in fingerprints: %v", err)
	}
	return fp
}

func TestDefaultFingerprintsParse(t *testing.T) {
	fp := defaults(t)
	if fp.Len() < 50 {
		t.Errorf("only %d built-in rules", fp.Len())
	}
}

func TestCanonicalVendor(t *testing.T) {
	fp := defaults(t)
	for _, c := range []struct{ in, want string }{
		{"Philips Patient Monitoring", "Philips"},
		{"PHILIPS ELECTRONICS UK LTD", "Philips"},
		{"Phillips", "Philips"},
		{"ALARIS MEDICAL SYSTEMS", "BD"},
		{"Siemens Healthcare Diagnostics Manufacturing Ltd", "Siemens Healthineers"},
		{"SIEMENS", "Siemens Healthineers"},
		{"GE Healthcare", "GE Healthcare"},
		{"GE Medical Systems Information Technologies, Inc.", "GE Healthcare"},
		{"Dell Inc.", "Dell"},
		{"VMware, Inc.", "VMware"},
		{"Zebra Technologies Corp.", "Zebra Technologies"},
		{"Acme Widgets Co., Ltd.", "Acme Widgets"},    // unknown: company form dropped
		{"Nonesuch Medical GmbH", "Nonesuch Medical"}, // likewise
		{"Siemensstadt Tools", "Siemensstadt Tools"},  // a prefix of a word is not a match
		{"B. Braun Melsungen AG", "B. Braun"},
	} {
		if got := fp.CanonicalVendor(c.in); got != c.want {
			t.Errorf("CanonicalVendor(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestApply(t *testing.T) {
	fp := defaults(t)
	cases := []struct {
		sig  Signal
		want map[string]string // attribute -> value, from the hits together
	}{
		{Signal{"dhcp.vendor_class", "IntelliVue-MX450"}, map[string]string{AttrVendor: "Philips",
			AttrModel: "IntelliVue MX450", AttrType: "patient-monitor"}},
		{Signal{"http.user_agent", "AlarisPCU/12.1.2 (VxWorks)"}, map[string]string{AttrVendor: "BD",
			AttrModel: "Alaris PCU", AttrSoftware: "12.1.2", AttrType: "infusion-pump"}},
		{Signal{"dicom.implementation_class_uid", "1.2.840.113619.6.374"}, map[string]string{AttrVendor: "GE Healthcare"}},
		{Signal{"dicom.implementation_class_uid", "1.2.840.1136190.1"}, nil}, // not the GE root
		{Signal{"dicom.manufacturer", "SIEMENS"}, map[string]string{AttrVendor: "Siemens Healthineers"}},
		{Signal{"dicom.modality", "CT"}, map[string]string{AttrType: "ct-scanner"}},
		{Signal{"mac.oui", "Dell Inc."}, map[string]string{AttrVendor: "Dell"}},
		{Signal{"http.server", "ZBR-HTTPD/V93.21.26Z"}, map[string]string{AttrVendor: "Zebra Technologies",
			AttrSoftware: "V93.21.26Z", AttrType: "printer", AttrRole: "web-server"}},
		{Signal{"dhcp.vendor_class", "ArubaAP"}, map[string]string{AttrVendor: "Aruba", AttrType: "wlan-access-point"}},
		{Signal{"cdp.software_version", "Cisco Internetwork Operating System Software"}, map[string]string{AttrVendor: "Cisco",
			AttrType: "network-device"}},
		{Signal{"no.such_signal", "x"}, nil},
		{Signal{"dicom.manufacturer", ""}, nil},
	}
	for _, c := range cases {
		t.Run(c.sig.Name+"="+c.sig.Value, func(t *testing.T) {
			got := map[string]string{}
			for _, h := range fp.Apply(c.sig) {
				for k, v := range h.Values {
					got[k] = v
				}
			}
			if len(got) != len(c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
			for k, v := range c.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q (all: %v)", k, got[k], v, got)
				}
			}
		})
	}
}

func TestResolveAddsUpDistinctRules(t *testing.T) {
	fp := defaults(t)
	var id Identity
	t0 := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	id.Observe(fp, Signal{"mac.oui", "GE Healthcare"}, t0)
	id.Observe(fp, Signal{"mac.oui", "GE Healthcare"}, t0.Add(time.Minute)) // the same rule again: no more weight
	id.Observe(fp, Signal{"dicom.implementation_class_uid", "1.2.840.113619.6.374"}, t0)
	id.Observe(fp, Signal{"dicom.manufacturer", "Philips Medical Systems"}, t0) // a stronger claim elsewhere
	got := id.Resolve()
	// GE: 1 - 0.6*0.3 = 0.82; Philips: 0.95.
	if v := got[AttrVendor]; v.Value != "Philips" || v.Confidence != 0.95 {
		t.Errorf("vendor = %+v, want Philips at 0.95", v)
	}
	id.Observe(fp, Signal{"dicom.implementation_class_uid", "1.2.840.113619.2.1"}, t0) // same rule, same value
	if n := len(id.Evidence()); n != 3 {
		t.Errorf("%d pieces of evidence, want 3: %+v", n, id.Evidence())
	}
	var ge Identity
	ge.Observe(fp, Signal{"mac.oui", "GE Healthcare"}, t0)
	ge.Observe(fp, Signal{"dicom.implementation_class_uid", "1.2.840.113619.6.374"}, t0)
	if v := ge.Resolve()[AttrVendor]; v.Value != "GE Healthcare" || v.Confidence != 0.82 {
		t.Errorf("vendor = %+v, want GE Healthcare at 0.82", v)
	}
	for _, e := range ge.Evidence() {
		if e.Rule == "" || e.Signal == "" || e.Observed == "" || !e.Time.Equal(t0) {
			t.Errorf("evidence without its source: %+v", e)
		}
	}
}

func TestParseFingerprintsErrors(t *testing.T) {
	for _, c := range []struct{ name, file, want string }{
		{"no matcher", "[[rule]]\nid='a'\nsignal='x'\nvendor='V'\nconfidence=0.5\n", "rule 1 (a): needs exactly one of"},
		{"two matchers", "[[rule]]\nid='a'\nsignal='x'\nany=true\nequals='q'\nvendor='V'\nconfidence=0.5\n", "exactly one"},
		{"bad regex", "[[rule]]\nid='a'\nsignal='x'\nregex='('\nvendor='V'\nconfidence=0.5\n", "rule 1 (a): regex"},
		{"no attribute", "[[rule]]\nid='a'\nsignal='x'\nany=true\nconfidence=0.5\n", "sets no attribute"},
		{"confidence", "[[rule]]\nid='a'\nsignal='x'\nany=true\nvendor='V'\nconfidence=1.5\n", "confidence 1.5"},
		{"duplicate id", "[[rule]]\nid='a'\nsignal='x'\nany=true\nvendor='V'\nconfidence=0.5\n[[rule]]\nid='a'\nsignal='y'\nany=true\nvendor='V'\nconfidence=0.5\n", "rule 2 (a): id \"a\" used twice"},
		{"unknown key", "[[rule]]\nid='a'\nsignal='x'\nany=true\nvendr='V'\nconfidence=0.5\n", "unknown key \"rule.vendr\""},
		{"toml syntax", "[[rule]\n", "mine.toml"},
		{"vendor without name", "[[vendor]]\naliases=['x']\n", "vendor 1: name is required"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseFingerprints("mine.toml", []byte(c.file))
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "mine.toml") {
				t.Errorf("error %v, want one naming mine.toml and containing %q", err, c.want)
			}
		})
	}
}

func TestMergeReplacesByID(t *testing.T) {
	fp := defaults(t)
	mine, err := ParseFingerprints("mine.toml", []byte(`
[[vendor]]
name = "Acme Infusion"
aliases = ["ACME INF SYS"]

[[rule]]
id = "dhcp-vc-alaris"
signal = "dhcp.vendor_class"
contains = "alaris"
vendor = "Hospital's own name for BD"
confidence = 0.9

[[rule]]
id = "acme"
signal = "dhcp.vendor_class"
prefix = "acme-pump"
vendor = "ACME INF SYS"
device_type = "Infusion Pump"
confidence = 0.9
`))
	if err != nil {
		t.Fatal(err)
	}
	m := fp.Merge(mine)
	if m.Len() != fp.Len()+1 {
		t.Errorf("merged %d rules, want %d", m.Len(), fp.Len()+1)
	}
	hits := m.Apply(Signal{"dhcp.vendor_class", "Alaris-PCU"})
	if len(hits) != 1 || hits[0].Values[AttrVendor] != "Hospital's own name for BD" || hits[0].Values[AttrType] != "" {
		t.Errorf("replaced rule: %+v", hits)
	}
	hits = m.Apply(Signal{"dhcp.vendor_class", "ACME-PUMP 3"})
	if len(hits) != 1 || hits[0].Values[AttrVendor] != "Acme Infusion" || hits[0].Values[AttrType] != "infusion-pump" {
		t.Errorf("added rule: %+v", hits)
	}
	if fp.Len() == m.Len() || len(fp.Apply(Signal{"dhcp.vendor_class", "ACME-PUMP 3"})) != 0 {
		t.Error("Merge changed the built-in set")
	}
	if got := m.CanonicalVendor("Philips Patient Monitoring"); got != "Philips" {
		t.Errorf("merged set lost the built-in vendors: %q", got)
	}
}

func FuzzFingerprints(f *testing.F) {
	f.Add([]byte(defaultFingerprints), "IntelliVue-MX450")
	f.Add([]byte("[[rule]]\nid='a'\nsignal='dhcp.vendor_class'\nregex='(?i)(x+)$'\nmodel='$1$9{value}'\nconfidence=0.5\n"), "xxx")
	f.Fuzz(func(t *testing.T, file []byte, value string) {
		fp, err := ParseFingerprints("fuzz.toml", file)
		if err != nil {
			return
		}
		var id Identity
		id.Observe(fp, Signal{"dhcp.vendor_class", value}, time.Time{})
		for attr, c := range id.Resolve() {
			if c.Confidence <= 0 || c.Confidence > 1 || c.Value == "" {
				t.Fatalf("%s concluded %+v", attr, c)
			}
		}
		if len(id.Evidence()) > maxEvidence {
			t.Fatalf("%d pieces of evidence", len(id.Evidence()))
		}
	})
}
