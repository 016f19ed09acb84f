package dns

import (
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/vigil-oss/vigil/internal/packet/internal/capturetest"
)

func FuzzDecode(f *testing.F) {
	for _, d := range capturetest.Datagrams(f, "mdns.pcap") {
		f.Add(d.UDP)
	}
	f.Add(dnssd())
	f.Add([]byte{0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0xC0, 12, 0, 1, 0, 1})           // pointer loop
	f.Add([]byte{0, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 16, 0, 1, 0, 0, 0, 1, 0, 2, 1}) // TXT overrun
	f.Fuzz(func(t *testing.T, b []byte) {
		orig := append([]byte(nil), b...)
		m, err := Decode(b)
		if err == nil && len(b) < 12 {
			t.Fatal("a message shorter than the header decoded")
		}
		if len(m.Questions) > MaxQuestions || len(m.Answers)+len(m.Authority)+len(m.Additional) > MaxRecords {
			t.Fatalf("limits exceeded: %d questions, %d records", len(m.Questions), len(m.Answers)+len(m.Authority)+len(m.Additional))
		}
		check := func(s string) {
			if !utf8.ValidString(s) || len(s) > 4*maxNameWire {
				t.Fatalf("string %q is not valid UTF-8 or too long", s)
			}
			for _, c := range []byte(s) {
				if c < 0x20 || c == 0x7F {
					t.Fatalf("control byte in %q", s)
				}
			}
		}
		for _, q := range m.Questions {
			check(q.Name)
		}
		for _, sec := range [][]Record{m.Answers, m.Authority, m.Additional} {
			for _, r := range sec {
				check(r.Name)
				check(r.Target)
				check(r.CPU)
				check(r.OS)
				if len(r.TXT) > MaxTXT {
					t.Fatalf("%d TXT strings kept", len(r.TXT))
				}
				for _, a := range r.TXT {
					check(a.Key)
					check(a.Value)
				}
			}
		}
		// The result must not alias the input: scribbling over the buffer
		// leaves it equal to a fresh decode of the original bytes.
		for i := range b {
			b[i] ^= 0xFF
		}
		m2, err2 := Decode(orig)
		if !reflect.DeepEqual(m, m2) || (err == nil) != (err2 == nil) {
			t.Fatal("result changed after the input buffer was reused")
		}
	})
}
