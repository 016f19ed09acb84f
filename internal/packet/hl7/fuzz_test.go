package hl7

import (
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/vigil-oss/vigil/internal/packet/internal/capturetest"
)

func seeds(f *testing.F) [][]byte {
	var out [][]byte
	for _, s := range capturetest.Streams(f, capture) {
		out = append(out, s.Data)
	}
	return append(out, oru,
		[]byte("\x0bMSH#$*@%#LAB$1.2.3$ISO*OTHER#FAC%SUB\r\x1c\r"),
		frame(`MSH|^~\&|A\F\B\X41\|\.br\\H\x\N\|\X4\`),
		[]byte("\x0bMSH|^~\\&\x1c\r\x0bMSH|^~\\&|A\x0b\x1c"),
		[]byte("junk\x0bMSX\x0b\x0bMSH|"),
	)
}

// checkMessage asserts the bounds every result keeps, whatever the input.
func checkMessage(t *testing.T, m Message) {
	t.Helper()
	var ss []string
	strs(reflect.ValueOf(m), &ss)
	if m.Err != nil {
		ss = ss[:len(ss)-1] // error texts may be longer than a value
	}
	for _, s := range ss {
		if len(s) > MaxValue || !utf8.ValidString(s) {
			t.Fatalf("bad result string %q", s)
		}
		for _, r := range s {
			if r < 0x20 || r == 0x7f {
				t.Fatalf("control character in %q", s)
			}
		}
	}
	if len(m.Observations) > MaxObservations || len(m.Participants) > MaxParticipants ||
		len(m.Segments) > MaxSegmentNames || len(m.Profiles) > MaxRepetitions ||
		m.Length > MaxMessage || m.Length < 0 {
		t.Fatalf("limits exceeded: %+v", m)
	}
	for _, o := range m.Observations {
		if len(o.Equipment) > MaxRepetitions {
			t.Fatalf("%d equipment identifiers", len(o.Equipment))
		}
	}
}

func FuzzConn(f *testing.F) {
	for i, s := range seeds(f) {
		f.Add(s, uint64(i))
	}
	f.Fuzz(func(t *testing.T, data []byte, seed uint64) {
		gapAt, gap := -1, 0
		if seed%3 == 0 && len(data) > 0 {
			gapAt, gap = int(seed>>8)%len(data), 1+int(seed>>40)%100
		}
		want, wantOK := feedGap(t, data, whole, gapAt, gap)
		got, gotOK := feedGap(t, data, randomCut(seed), gapAt, gap)
		if wantOK != gotOK || !reflect.DeepEqual(got, want) {
			t.Fatalf("split feeding differs:\n got %v %+v\nwant %v %+v", gotOK, got, wantOK, want)
		}
		for _, m := range got {
			checkMessage(t, m)
		}
	})
}

func FuzzMessage(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseMessage(data)
		m2, err2 := ParseMessage(data)
		if !reflect.DeepEqual(m, m2) || (err == nil) != (err2 == nil) {
			t.Fatalf("decoding is not stable")
		}
		checkMessage(t, m)
	})
}

func BenchmarkParseMessage(b *testing.B) {
	b.SetBytes(int64(len(oru)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseMessage(oru); err != nil {
			b.Fatal(err)
		}
	}
}
