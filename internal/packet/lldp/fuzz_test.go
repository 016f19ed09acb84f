package lldp

import (
	"reflect"
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/vigil-oss/vigil/internal/packet/internal/capturetest"
)

// checkStrings fails when any string in v is not valid UTF-8, is longer
// than maxText, or carries a control byte other than tab, CR and LF.
func checkStrings(t *testing.T, v any) {
	var walk func(reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.String:
			s := v.String()
			if !utf8.ValidString(s) || len(s) > maxText {
				t.Fatalf("string %q invalid or longer than %d", s, maxText)
			}
			for _, c := range []byte(s) {
				if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7F {
					t.Fatalf("control byte in %q", s)
				}
			}
		case reflect.Struct:
			for i := range v.NumField() {
				walk(v.Field(i))
			}
		case reflect.Slice, reflect.Array:
			for i := range v.Len() {
				walk(v.Index(i))
			}
		}
	}
	walk(reflect.ValueOf(v))
}

func FuzzLLDP(f *testing.F) {
	for _, fr := range capturetest.Frames(f, "lldp.pcap") {
		f.Add(fr.Data)
		if _, p := Classify(fr.Data); p != nil {
			f.Add(p)
		}
	}
	f.Add(medPump())
	f.Add([]byte{0x02, 0x01, 0x04})
	f.Add([]byte{0xFE, 0x03, 0x00, 0x12, 0xBB})
	f.Fuzz(func(t *testing.T, b []byte) {
		Classify(b)
		orig := append([]byte(nil), b...)
		d, err := DecodeLLDP(b)
		if len(d.ManagementAddrs) > MaxMgmtAddrs || len(d.Org) > MaxOrgTLVs {
			t.Fatalf("limits exceeded: %d addresses, %d org TLVs", len(d.ManagementAddrs), len(d.Org))
		}
		for _, o := range d.Org {
			if len(o.Data) > MaxOrgData || len(o.Data) > o.Length {
				t.Fatalf("org data %d bytes of %d", len(o.Data), o.Length)
			}
		}
		checkStrings(t, d)
		for i := range b {
			b[i] ^= 0xFF
		}
		d2, err2 := DecodeLLDP(orig)
		if !reflect.DeepEqual(d, d2) || (err == nil) != (err2 == nil) {
			t.Fatal("result changed after the input buffer was reused")
		}
	})
}

func FuzzCDP(f *testing.F) {
	for _, fr := range capturetest.Frames(f, "cdp-v1.pcap") {
		f.Add(fr.Data)
		if _, p := Classify(fr.Data); p != nil {
			f.Add(p)
		}
	}
	f.Add([]byte{2, 180, 0, 0, 0, 2, 0, 17, 0, 0, 0, 1, 2, 8, 0xAA, 0xAA, 3, 0, 0, 0, 0x86, 0xDD, 0, 16})
	f.Add([]byte{1, 180, 0, 0, 0, 0x16, 0, 8, 0xFF, 0xFF, 0xFF, 0xFF})
	f.Fuzz(func(t *testing.T, b []byte) {
		Classify(b)
		orig := append([]byte(nil), b...)
		c, err := DecodeCDP(b)
		if len(c.Addresses) > MaxCDPAddrs || len(c.ManagementAddrs) > MaxCDPAddrs || len(c.Others) > MaxCDPOthers {
			t.Fatalf("limits exceeded: %d/%d addresses, %d others", len(c.Addresses), len(c.ManagementAddrs), len(c.Others))
		}
		for _, a := range slices.Concat(c.Addresses, c.ManagementAddrs) {
			if !a.Is4() && !a.Is6() {
				t.Fatalf("address %v is neither IPv4 nor IPv6", a)
			}
		}
		checkStrings(t, c)
		for i := range b {
			b[i] ^= 0xFF
		}
		c2, err2 := DecodeCDP(orig)
		if !reflect.DeepEqual(c, c2) || (err == nil) != (err2 == nil) {
			t.Fatal("result changed after the input buffer was reused")
		}
	})
}
