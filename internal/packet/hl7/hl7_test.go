package hl7

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/vigil-oss/vigil/internal/packet/internal/capturetest"
)

const capture = "hl7-mllp-adt-a01.pcap"

// feedAll runs a fresh Conn over one client stream, cut into pieces by cut,
// and returns the messages it reported.
func feedAll(t testing.TB, data []byte, cut func(int) int) ([]Message, bool) {
	return feedGap(t, data, cut, -1, 0)
}

// feedGap is feedAll with a Gap of gap bytes reported after gapAt bytes.
func feedGap(t testing.TB, data []byte, cut func(int) int, gapAt, gap int) ([]Message, bool) {
	t.Helper()
	var got []Message
	c := NewConn(func(m Message) { got = append(got, m) })
	ok := true
	fed := 0
	for len(data) > 0 {
		n := min(cut(len(data)), len(data))
		if fed < gapAt && fed+n > gapAt {
			n = gapAt - fed
		}
		if fed == gapAt {
			c.Gap(true, gap)
		}
		fed += n
		buf := bytes.Clone(data[:n])
		ok = c.Feed(true, buf) && ok
		// The Conn must not keep the buffer: scribble over it.
		for i := range buf {
			buf[i] = 'X'
		}
		data = data[n:]
	}
	c.Close()
	return got, ok
}

func whole(n int) int { return n }
func oneByte(int) int { return 1 }

// strs collects every string reachable from v, error texts included.
func strs(v reflect.Value, out *[]string) {
	switch v.Kind() {
	case reflect.String:
		*out = append(*out, v.String())
	case reflect.Struct:
		for i := range v.NumField() {
			strs(v.Field(i), out)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			strs(v.Index(i), out)
		}
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return
		}
		if err, ok := v.Interface().(error); ok {
			*out = append(*out, err.Error())
			return
		}
		strs(v.Elem(), out)
	}
}

func allStrings(ms []Message) []string {
	var out []string
	for _, m := range ms {
		strs(reflect.ValueOf(m), &out)
	}
	return out
}

func TestCapture(t *testing.T) {
	streams := capturetest.Streams(t, capture)
	if len(streams) != 2 {
		t.Fatalf("got %d streams, want 2", len(streams))
	}
	var msgs []Message
	c := NewConn(func(m Message) { msgs = append(msgs, m) })
	for i, s := range streams {
		if i == 0 && !Sniff(s.Data) {
			t.Errorf("Sniff(client stream) = false")
		}
		if !c.Feed(i == 0, s.Data) {
			t.Errorf("Feed(stream %d) = false", i)
		}
	}
	if len(msgs) != 2 {
		t.Fatalf("got %d messages, want 2", len(msgs))
	}
	adt, ack := msgs[0], msgs[1]

	t.Run("ADT^A01", func(t *testing.T) {
		want := Message{
			FromClient:           true,
			Length:               len(streams[0].Data) - 3,
			SendingApplication:   HD{Namespace: "SENDING_APPLICATION"},
			SendingFacility:      HD{Namespace: "SENDING_FACILITY"},
			ReceivingApplication: HD{Namespace: "RECEIVING_APPLICATION"},
			ReceivingFacility:    HD{Namespace: "RECEIVING_FACILITY"},
			Time:                 "20110613083617",
			MessageCode:          "ADT",
			TriggerEvent:         "A01",
			ControlID:            "934576120110613083617",
			ProcessingID:         "P",
			Version:              "2.3",
			Segments:             []string{"MSH", "EVN", "PID", "NK1", "PV1", "AL1"},
			SegmentCount:         7,
			PHISegments:          []string{"PID", "NK1", "PV1", "AL1"},
		}
		if !reflect.DeepEqual(adt, want) {
			t.Errorf("got  %+v\nwant %+v", adt, want)
		}
		if adt.Type() != "ADT^A01" || !adt.HasPHI() || !adt.HasSegment("PID") {
			t.Errorf("Type %q HasPHI %v HasSegment(PID) %v", adt.Type(), adt.HasPHI(), adt.HasSegment("PID"))
		}
	})
	t.Run("ACK", func(t *testing.T) {
		want := Message{
			Length:               len(streams[1].Data) - 3,
			SendingApplication:   HD{Namespace: "RECEIVING_APPLICATION"},
			SendingFacility:      HD{Namespace: "RECEIVING_FACILITY"},
			ReceivingApplication: HD{Namespace: "SENDING_APPLICATION"},
			ReceivingFacility:    HD{Namespace: "SENDING_FACILITY"},
			Time:                 "20180129192342.245",
			MessageCode:          "ACK",
			ControlID:            "20180129192342.245",
			ProcessingID:         "P",
			Version:              "2.3",
			AckCode:              "AA",
			AckControlID:         "934576120110613083617",
			Segments:             []string{"MSH", "MSA"},
			SegmentCount:         2,
		}
		if !reflect.DeepEqual(ack, want) {
			t.Errorf("got  %+v\nwant %+v", ack, want)
		}
	})
	t.Run("no patient value in any result", func(t *testing.T) {
		// Every value of the PID, NK1, PV1 and AL1 segments of the capture.
		phi := []string{"135769", "MOUSE", "MICKEY", "19281118", "123 Main", "Lake Buena",
			"32830", "407", "939-5555", "ohtoodles", "notdisney", "1719", "999999999",
			"MOUSETOWN", "MINNIE", "WIFE", "Penicillin", "Anaphylactic", "Cat dander", "Skin rash"}
		for _, s := range allStrings(msgs) {
			for _, v := range phi {
				if strings.Contains(s, v) {
					t.Errorf("result string %q holds patient value %q", s, v)
				}
			}
		}
	})
	t.Run("split anywhere", func(t *testing.T) {
		for name, cut := range map[string]func(int) int{"one byte": oneByte, "random": randomCut(1)} {
			got, _ := feedAll(t, streams[0].Data, cut)
			if len(got) != 1 || !reflect.DeepEqual(got[0], adt) {
				t.Errorf("%s: got %+v, want %+v", name, got, adt)
			}
		}
	})
}

func randomCut(seed uint64) func(int) int {
	r := rand.New(rand.NewPCG(seed, seed))
	return func(n int) int { return 1 + r.IntN(min(n, 17)) }
}

// segment builds a segment from numbered fields with the default delimiters.
func segment(name string, fields map[int]string) string {
	n := 0
	for k := range fields {
		n = max(n, k)
	}
	parts := make([]string, n+1)
	parts[0] = name
	for k, v := range fields {
		parts[k] = v
	}
	return strings.Join(parts, "|")
}

func frame(segs ...string) []byte {
	return []byte("\x0b" + strings.Join(segs, "\r") + "\r\x1c\r")
}

// A device observation report as an IHE PCD-01 gateway sends it, with PRT
// UDI fields (HL7 2.8) after the OBX.
var oru = frame(
	`MSH|^~\&|GATEWAY^0123456789ABCDEF^EUI-64|ICU-3|EMR|HOSP|20260101120000+0000||ORU^R01^ORU_R01|MSG0001|P|2.8|||AL|NE||UNICODE UTF-8|||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO`,
	`PID|||CANARY-ID-0001^^^HOSP^MR||CANARYDOE^JANE||19700101|F`,
	`OBR|1|AB12^GATEWAY|CD34^GATEWAY|182777000^monitoring of patient^SCT|||20260101115900`,
	segment("OBX", map[int]string{1: "1", 2: "NM", 3: "150456^MDC_PULS_OXIM_SAT_O2^MDC", 4: "1.0.1.1",
		5: "CANARY-VALUE-97", 6: "262688^MDC_DIM_PERCENT^MDC", 11: "R",
		18: "1A2B3C4D5E6F7081^EUI-64^1.2.3^ISO~~ABCDEF0011223344^EUI-64"}),
	segment("PRT", map[int]string{1: "1", 2: "UC", 4: "EQUIP^Equipment^HL70443",
		5: "CANARY-PERSON^DR", 10: "(01)00643169001763(17)160712(21)21A11F4855^^2.16.840.1.113883.3.3719^ISO",
		16: "00643169001763^GS1", 17: "20150101", 18: "20160712", 19: "LOT42",
		20: "21A11F4855", 21: "DON-0001", 22: "MONITOR^Patient monitor^MDC"}),
	`NTE|1||CANARY-NOTE`,
)

func TestHandBuilt(t *testing.T) {
	cases := []struct {
		name  string
		input []byte
		check func(t *testing.T, m Message)
	}{
		{"ORU with OBX-18 and PRT", oru, func(t *testing.T, m Message) {
			wantHdr := Message{
				SendingApplication: HD{"GATEWAY", "0123456789ABCDEF", "EUI-64"},
				SendingFacility:    HD{Namespace: "ICU-3"},
				Profiles:           []EI{{"IHE_PCD_001", "IHE PCD", "1.3.6.1.4.1.19376.1.6.1.1.1", "ISO"}},
				MessageStructure:   "ORU_R01",
				Version:            "2.8",
			}
			if m.SendingApplication != wantHdr.SendingApplication || m.SendingFacility != wantHdr.SendingFacility ||
				!reflect.DeepEqual(m.Profiles, wantHdr.Profiles) || m.MessageStructure != "ORU_R01" ||
				m.Version != "2.8" || m.Type() != "ORU^R01" || m.Time != "20260101120000+0000" {
				t.Errorf("header: %+v", m)
			}
			wantObs := []Observation{{
				Identifier: Code{"150456", "MDC_PULS_OXIM_SAT_O2", "MDC"},
				Equipment:  []EI{{"1A2B3C4D5E6F7081", "EUI-64", "1.2.3", "ISO"}, {Entity: "ABCDEF0011223344", Namespace: "EUI-64"}},
			}}
			if !reflect.DeepEqual(m.Observations, wantObs) {
				t.Errorf("observations:\n got %+v\nwant %+v", m.Observations, wantObs)
			}
			wantPRT := []Participant{{
				Role:             Code{"EQUIP", "Equipment", "HL70443"},
				Device:           []EI{{Entity: "(01)00643169001763(17)160712(21)21A11F4855", UniversalID: "2.16.840.1.113883.3.3719", UniversalIDType: "ISO"}},
				DeviceIdentifier: EI{Entity: "00643169001763", Namespace: "GS1"},
				ManufactureDate:  "20150101",
				ExpiryDate:       "20160712",
				LotNumber:        "LOT42",
				SerialNumber:     "21A11F4855",
				DonationID:       EI{Entity: "DON-0001"},
				DeviceType:       Code{"MONITOR", "Patient monitor", "MDC"},
			}}
			if !reflect.DeepEqual(m.Participants, wantPRT) {
				t.Errorf("participants:\n got %+v\nwant %+v", m.Participants, wantPRT)
			}
			if !reflect.DeepEqual(m.Segments, []string{"MSH", "PID", "OBR", "OBX", "PRT", "NTE"}) ||
				!reflect.DeepEqual(m.PHISegments, []string{"PID"}) {
				t.Errorf("segments %v, PHI %v", m.Segments, m.PHISegments)
			}
			for _, s := range allStrings([]Message{m}) {
				if strings.Contains(s, "CANARY") || strings.Contains(s, "19700101") {
					t.Errorf("result string %q holds patient data", s)
				}
			}
		}},
		{"custom delimiters", []byte("\x0bMSH#$*@%#LAB$1.2.3$ISO*OTHER#FAC%SUB#RCV^NOT$A$COMPONENT#\r" +
			"MSA#AE#CTRL@F@9\r\x1c\r"), func(t *testing.T, m Message) {
			if m.SendingApplication != (HD{"LAB", "1.2.3", "ISO"}) {
				t.Errorf("MSH-3 = %+v", m.SendingApplication)
			}
			if m.SendingFacility != (HD{Namespace: "FAC"}) {
				t.Errorf("MSH-4 = %+v (subcomponent should be cut)", m.SendingFacility)
			}
			if m.ReceivingApplication != (HD{"RCV^NOT", "A", "COMPONENT"}) {
				t.Errorf("MSH-5 = %+v", m.ReceivingApplication)
			}
			if m.AckCode != "AE" || m.AckControlID != "CTRL#9" {
				t.Errorf("MSA = %q %q", m.AckCode, m.AckControlID)
			}
		}},
		{"escapes", frame(`MSH|^~\&|A\F\B\S\C\T\D\R\E\E\F|\X414243\\.br\x|\H\bold\N\ \Zlocal\ \Cxxyy\end|\X4\odd|unterminated\esc|||ACK`),
			func(t *testing.T, m Message) {
				got := []string{m.SendingApplication.Namespace, m.SendingFacility.Namespace, m.ReceivingApplication.Namespace,
					m.ReceivingFacility.Namespace, m.Time}
				want := []string{`A|B^C&D~E\F`, "ABC x", "bold  end", "odd", "unterminatedesc"}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("got %q, want %q", got, want)
				}
			}},
		{"LF and CRLF segment ends", []byte("\x0bMSH|^~\\&|APP\r\nEVN|A01\nPID|1||SECRET\r\nMSA|AA|X\n\x1c\r"),
			func(t *testing.T, m Message) {
				if m.AckCode != "AA" || !reflect.DeepEqual(m.Segments, []string{"MSH", "EVN", "PID", "MSA"}) || m.SegmentCount != 4 {
					t.Errorf("got %+v", m)
				}
			}},
		{"line break inside a patient field", frame(`MSH|^~\&|APP`, "PID|1||DOE\nJOHN^X\nZAB|y\nQAZ"),
			func(t *testing.T, m Message) {
				// "JOH" and "QAZ" are neither standard names nor Z-segments.
				if !reflect.DeepEqual(m.Segments, []string{"MSH", "PID", "ZAB"}) || m.UnknownSegments != 2 {
					t.Errorf("segments %v, unknown %d", m.Segments, m.UnknownSegments)
				}
			}},
		{"invalid UTF-8, controls and long values", frame("MSH|^~\\&|\xff\x01ok|" + strings.Repeat("é", 300)),
			func(t *testing.T, m Message) {
				if m.SendingApplication.Namespace != "\uFFFDok" {
					t.Errorf("MSH-3 = %q", m.SendingApplication.Namespace)
				}
				if f := m.SendingFacility.Namespace; len(f) != 256 || !utf8.ValidString(f) || !m.Truncated {
					t.Errorf("MSH-4 has %d bytes, valid %v, Truncated %v", len(f), utf8.ValidString(f), m.Truncated)
				}
			}},
		{"MSH only, end block right after MSH-2", []byte("\x0bMSH|^~\\&\x1c\r"), func(t *testing.T, m Message) {
			if m.SegmentCount != 1 || m.Err != nil || m.Length != 8 {
				t.Errorf("got %+v", m)
			}
		}},
		{"list limits", frame(`MSH|^~\&|A`, strings.Repeat(segment("OBX", map[int]string{3: "X", 18: "A~B~C~D~E~F~G~H~I~J"})+"\r", MaxObservations+5)),
			func(t *testing.T, m Message) {
				if len(m.Observations) != MaxObservations || len(m.Observations[0].Equipment) != MaxRepetitions || !m.Truncated {
					t.Errorf("%d observations, %d equipment, truncated %v", len(m.Observations), len(m.Observations[0].Equipment), m.Truncated)
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseMessage(tc.input)
			if err != nil {
				t.Fatalf("ParseMessage: %v", err)
			}
			tc.check(t, m)
			for name, cut := range map[string]func(int) int{"whole": whole, "one byte": oneByte, "random": randomCut(7)} {
				got, ok := feedAll(t, tc.input, cut)
				if !ok || len(got) != 1 {
					t.Fatalf("%s: ok %v, %d messages", name, ok, len(got))
				}
				got[0].FromClient = m.FromClient
				if !reflect.DeepEqual(got[0], m) {
					t.Errorf("%s feeding differs:\n got %+v\nwant %+v", name, got[0], m)
				}
			}
		})
	}
}

func TestStream(t *testing.T) {
	ack := frame(`MSH|^~\&|B||||||ACK|2|P|2.5`, `MSA|AA|1`)
	cases := []struct {
		name    string
		input   []byte
		wantOK  bool
		types   []string
		errs    []string // substring of each message's error, "" for none
		gapAt   int      // when > 0, a gap is reported after that many bytes
		gapSize int
	}{
		{"several per feed with junk between", slicesConcat(oru, []byte("noise\r\n"), ack, []byte{0x0b, 'X', 'Y'}, ack),
			true, []string{"ORU^R01", "ACK", "ACK"}, []string{"", "", ""}, 0, 0},
		{"start block inside a message", slicesConcat(oru[:200], ack), true,
			[]string{"ORU^R01", "ACK"}, []string{"segment 2 (PID) field 3: start block before end of message", ""}, 0, 0},
		{"gap inside a message", slicesConcat(oru[:100], ack), true,
			[]string{"ORU^R01", "ACK"}, []string{"segment 1 (MSH) field 10: gap of 50 bytes", ""}, 100, 50},
		{"oversized message skipped, next decoded",
			slicesConcat(frame(`MSH|^~\&|BIG||||||ORU^R01`, "OBX|1|ED|X||"+strings.Repeat("A", MaxMessage)+"|||||||||||||EQ1"), ack),
			true, []string{"ORU^R01", "ACK"}, []string{"segment 2 (OBX) field 5: message exceeds 1048576 bytes", ""}, 0, 0},
		{"not HL7", bytes.Repeat([]byte("GET / HTTP/1.1\r\n"), MaxJunk/16+1), false, nil, nil, 0, 0},
		{"frame without MSH is junk", slicesConcat([]byte("\x0bMSX|^~\\&|A\r\x1c\r"), ack), true, []string{"ACK"}, []string{""}, 0, 0},
		{"stream ends inside message", oru[:150], true, []string{"ORU^R01"}, []string{"stream ended inside message"}, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []Message
			c := NewConn(func(m Message) { got = append(got, m) })
			ok := true
			if tc.gapAt > 0 {
				ok = c.Feed(true, tc.input[:tc.gapAt])
				c.Gap(true, tc.gapSize)
				ok = c.Feed(true, tc.input[tc.gapAt:]) && ok
			} else {
				ok = c.Feed(true, tc.input)
			}
			c.Close()
			if ok != tc.wantOK {
				t.Errorf("Feed = %v, want %v", ok, tc.wantOK)
			}
			if len(got) != len(tc.types) {
				t.Fatalf("got %d messages, want %d: %+v", len(got), len(tc.types), got)
			}
			for i, m := range got {
				if m.Type() != tc.types[i] {
					t.Errorf("message %d type %q, want %q", i, m.Type(), tc.types[i])
				}
				switch {
				case tc.errs[i] == "" && m.Err != nil:
					t.Errorf("message %d: unexpected error %v", i, m.Err)
				case tc.errs[i] != "" && (m.Err == nil || !strings.Contains(m.Err.Error(), tc.errs[i])):
					t.Errorf("message %d: error %v, want %q", i, m.Err, tc.errs[i])
				}
				if m.Length > MaxMessage {
					t.Errorf("message %d: length %d", i, m.Length)
				}
			}
		})
	}
}

func slicesConcat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestParseMessageErrors(t *testing.T) {
	for _, in := range []string{"", "PID|1", "MSH", "MSH|", "MSH|^^~", "MSH1^~", "MSH|^~\\&\x0b"} {
		t.Run(in, func(t *testing.T) {
			if _, err := ParseMessage([]byte(in)); !errors.Is(err, ErrNoMessage) {
				t.Errorf("err = %v, want ErrNoMessage", err)
			}
		})
	}
	_, err := ParseMessage([]byte("MSH|^~\\&|A\rPID|SECRETNAME\x0bMSH|^~\\&|B"))
	if err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("err = %v", err)
	}
}

func TestSniff(t *testing.T) {
	for in, want := range map[string]bool{
		"\x0bMSH|^~\\&": true, "\x0bMSH": true, "\x0bMS": false, "MSH|^~\\&": false,
		"\x0bPID|": false, "": false, "GET / HTTP/1.1": false,
	} {
		if got := Sniff([]byte(in)); got != want {
			t.Errorf("Sniff(%q) = %v, want %v", in, got, want)
		}
	}
}

func BenchmarkConn(b *testing.B) {
	streams := capturetest.Streams(b, capture)
	data := slicesConcat(streams[0].Data, oru, streams[1].Data)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		c := NewConn(func(Message) { n++ })
		c.Feed(true, data)
	}
	if n == 0 {
		b.Fatal("no message")
	}
}

// The sensor engine drives decoders through this method set.
var _ interface {
	Feed(client bool, b []byte) bool
	Gap(client bool, n int)
	Close()
} = (*Conn)(nil)
