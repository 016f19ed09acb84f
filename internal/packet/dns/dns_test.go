package dns

import (
	"encoding/binary"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/vigil-oss/vigil/internal/packet/internal/capturetest"
)

// mdns returns the UDP payloads of the shared mDNS capture by frame index.
func mdns(t testing.TB) map[int][]byte {
	t.Helper()
	out := map[int][]byte{}
	for _, f := range capturetest.Datagrams(t, "mdns.pcap") {
		out[f.Index] = f.UDP
	}
	return out
}

func TestCapture(t *testing.T) {
	pk := mdns(t)
	if len(pk) != 18 {
		t.Fatalf("%d datagrams in mdns.pcap, want 18", len(pk))
	}
	for i, b := range pk {
		if _, err := Decode(b); err != nil {
			t.Errorf("frame %d: %v", i, err)
		}
	}
	const host = "johanna-QEMU-Virtual-Machine.local"
	v6 := netip.MustParseAddr("fd52:429e:c03c:8235:883c:d6ff:fee1:4dc4")

	t.Run("browse query", func(t *testing.T) {
		m, _ := Decode(pk[1])
		want := []Question{
			{Name: "_ipp._tcp.local", Type: TypePTR, Class: 1},
			{Name: "_ipps._tcp.local", Type: TypePTR, Class: 1},
		}
		if m.Response() || !reflect.DeepEqual(m.Questions, want) {
			t.Errorf("questions %+v, response %v", m.Questions, m.Response())
		}
	})
	t.Run("announcement", func(t *testing.T) {
		m, _ := Decode(pk[3])
		if !m.Response() || m.Flags&FlagAuthority == 0 || len(m.Answers) != 6 {
			t.Fatalf("flags %04x, %d answers", m.Flags, len(m.Answers))
		}
		a := m.Answers[4]
		if a.Name != host || a.Type != TypeA || a.Addr != netip.MustParseAddr("10.0.2.7") || !a.CacheFlush || a.Class != 1 || a.TTL != 0 {
			t.Errorf("answer 4 = %+v", a)
		}
		if a := m.Answers[0]; a.Type != TypeAAAA || a.Addr != v6 {
			t.Errorf("answer 0 = %+v", a)
		}
		p := m.Answers[5]
		if p.Name != "7.2.0.10.in-addr.arpa" || p.Type != TypePTR || p.Target != host {
			t.Errorf("answer 5 = %+v", p)
		}
	})
	t.Run("probe with authority", func(t *testing.T) {
		m, _ := Decode(pk[11])
		if len(m.Questions) != 4 || m.Questions[1].Name != host || m.Questions[1].Type != TypeANY {
			t.Fatalf("questions %+v", m.Questions)
		}
		if len(m.Answers) != 0 || len(m.Authority) != 6 || len(m.Additional) != 0 {
			t.Fatalf("sections %d/%d/%d", len(m.Answers), len(m.Authority), len(m.Additional))
		}
		if r := m.Authority[0]; r.Type != TypeA || r.TTL != 120 || r.CacheFlush || r.Addr != netip.MustParseAddr("10.0.2.7") {
			t.Errorf("authority 0 = %+v", r)
		}
		// The name is compressed: it must still match case-insensitively.
		if !strings.EqualFold(m.Authority[0].Name, "JOHANNA-qemu-virtual-machine.LOCAL") {
			t.Errorf("name %q", m.Authority[0].Name)
		}
	})
}

// builder assembles hand-made messages for the cases the capture lacks.
type builder struct{ b []byte }

func (w *builder) u16(v ...uint16) *builder {
	for _, x := range v {
		w.b = binary.BigEndian.AppendUint16(w.b, x)
	}
	return w
}
func (w *builder) u32(v uint32) *builder  { w.b = binary.BigEndian.AppendUint32(w.b, v); return w }
func (w *builder) raw(b ...byte) *builder { w.b = append(w.b, b...); return w }

// name writes labels, then a pointer to ptr if ptr > 0, else the root. It
// returns the offset the name starts at.
func (w *builder) name(ptr int, labels ...string) int {
	at := len(w.b)
	for _, l := range labels {
		w.b = append(w.b, byte(len(l)))
		w.b = append(w.b, l...)
	}
	if ptr > 0 {
		w.u16(0xC000 | uint16(ptr))
	} else {
		w.b = append(w.b, 0)
	}
	return at
}

// rr writes a record header with the rdata produced by body.
func (w *builder) rr(typ Type, class uint16, ttl uint32, body func()) {
	w.u16(uint16(typ), class).u32(ttl)
	lenAt := len(w.b)
	w.u16(0)
	body()
	binary.BigEndian.PutUint16(w.b[lenAt:], uint16(len(w.b)-lenAt-2))
}

func txt(strs ...string) func(w *builder) {
	return func(w *builder) {
		for _, s := range strs {
			w.raw(byte(len(s)))
			w.raw([]byte(s)...)
		}
	}
}

// dnssd is a DNS-SD announcement of a made-up infusion pump as Avahi or
// mDNSResponder would send it: PTR, SRV, TXT and HINFO answers and an A
// record in the additional section.
func dnssd() []byte {
	w := &builder{}
	w.u16(0, 0x8400, 0, 4, 0, 1)
	svc := w.name(0, "_ipp", "_tcp", "local")
	var inst, host int
	w.rr(TypePTR, 1, 4500, func() { inst = w.name(svc, "Pump 7.1 \\ ICU") })
	w.name(inst)
	w.rr(TypeSRV, 0x8001, 120, func() {
		w.u16(0, 0, 631)
		host = w.name(svc+10, "pump7") // "pump7" + pointer to "local"
	})
	w.name(inst)
	w.rr(TypeTXT, 0x8001, 4500, func() {
		txt("txtvers=1", "ty=Acme Infusion 3000", "Manufacturer=Acme Medical", "serialNumber=SN-0042",
			"md=IP3000", "Color", "note=", "", "bad=\xff\x01\\")(w)
	})
	w.name(host)
	w.rr(TypeHINFO, 0x8001, 120, func() { txt("ARMV7", "Linux")(w) })
	w.name(host)
	w.rr(TypeA, 0x8001, 120, func() { w.raw(192, 0, 2, 7) })
	return w.b
}

func TestDNSSD(t *testing.T) {
	m, err := Decode(dnssd())
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Answers) != 4 || len(m.Additional) != 1 {
		t.Fatalf("sections %d/%d", len(m.Answers), len(m.Additional))
	}
	const inst = `Pump 7\.1 \\ ICU._ipp._tcp.local`
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"ptr name", m.Answers[0].Name, "_ipp._tcp.local"},
		{"ptr target", m.Answers[0].Target, inst},
		{"ptr no cache flush", m.Answers[0].CacheFlush, false},
		{"srv name", m.Answers[1].Name, inst},
		{"srv target", m.Answers[1].Target, "pump7.local"},
		{"srv port", m.Answers[1].Port, uint16(631)},
		{"srv cache flush", m.Answers[1].CacheFlush, true},
		{"srv class", m.Answers[1].Class, uint16(1)},
		{"txt", m.Answers[2].TXT, []Attr{
			{"txtvers", "1", true}, {"ty", "Acme Infusion 3000", true}, {"Manufacturer", "Acme Medical", true},
			{"serialNumber", "SN-0042", true}, {"md", "IP3000", true}, {"Color", "", false}, {"note", "", true},
			{"bad", `\255\001\\`, true},
		}},
		{"hinfo", [2]string{m.Answers[3].CPU, m.Answers[3].OS}, [2]string{"ARMV7", "Linux"}},
		{"hinfo name", m.Answers[3].Name, "pump7.local"},
		{"additional", m.Additional[0].Addr, netip.MustParseAddr("192.0.2.7")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !reflect.DeepEqual(tt.got, tt.want) {
				t.Errorf("got %#v, want %#v", tt.got, tt.want)
			}
		})
	}
	if v, ok := m.Answers[2].Lookup("manufacturer"); !ok || v != "Acme Medical" {
		t.Errorf("Lookup(manufacturer) = %q %v", v, ok)
	}
	if _, ok := m.Answers[2].Lookup("model"); ok {
		t.Error("Lookup(model) found a key that is not there")
	}
}

func TestNoAlias(t *testing.T) {
	b := dnssd()
	m, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := Decode(append([]byte(nil), b...))
	for i := range b {
		b[i] = 'X'
	}
	if !reflect.DeepEqual(m, want) {
		t.Error("result changed when the input buffer was reused")
	}
}

func TestErrors(t *testing.T) {
	hdr := func(qd, an, ns, ar uint16) *builder { return (&builder{}).u16(0, 0, qd, an, ns, ar) }
	withQ := func(f func(w *builder)) []byte {
		w := hdr(1, 0, 0, 0)
		f(w)
		w.u16(1, 1)
		return w.b
	}
	withA := func(typ Type, rdata ...byte) []byte {
		w := hdr(0, 1, 0, 0)
		w.name(0, "x")
		w.rr(typ, 1, 1, func() { w.raw(rdata...) })
		return w.b
	}
	long := hdr(1, 0, 0, 0)
	for range 5 {
		long.name(-1, strings.Repeat("a", 60))
		long.b = long.b[:len(long.b)-1] // keep chaining labels
	}
	long.raw(0).u16(1, 1)

	tests := []struct {
		name, want string
		in         []byte
	}{
		{"short", "dns: header: 5 bytes, need 12", []byte{1, 2, 3, 4, 5}},
		{"too big", "exceeds 65535", make([]byte, 70000)},
		{"questions", "dns: 65 questions exceed 64", hdr(65, 0, 0, 0).b},
		{"records", "dns: 300 records exceed 256", hdr(0, 100, 100, 100).b},
		{"counts vs size", "need at least 23 bytes, have 12", hdr(0, 1, 0, 0).b},
		{"self pointer", "pointer at offset 12 to 12 does not point backwards", withQ(func(w *builder) { w.u16(0xC00C); w.raw(0, 0, 0) })},
		{"forward pointer", "does not point backwards", withQ(func(w *builder) { w.u16(0xC020); w.raw(0, 0, 0) })},
		{"pointer loop", "question 0: name at offset 12: more than 64 compression pointers", withQ(func(w *builder) { w.raw(1, 'a'); w.u16(0xC00C) })},
		{"long name", "longer than 255 bytes", long.b},
		{"label past end", "label of 9 bytes at offset 12", append(hdr(1, 0, 0, 0).b, 9, 'a', 'b', 'c', 'd')},
		{"label type", "unsupported label type 0x40", withQ(func(w *builder) { w.raw(0x41, 'a', 0) })},
		{"question fixed", "question 0: at offset 12: 2 bytes left", append(hdr(1, 0, 0, 0).b, 1, 'a', 0, 0, 1)},
		{"a length", "answer 0: A rdata at offset 25: address of 5 bytes, want 4", withA(TypeA, 1, 2, 3, 4, 5)},
		{"aaaa length", "address of 4 bytes, want 16", withA(TypeAAAA, 1, 2, 3, 4)},
		{"srv short", "SRV rdata at offset 25: 6 bytes, need at least 7", withA(TypeSRV, 0, 0, 0, 0, 0, 0)},
		{"ptr trailing", "1 bytes after the name", withA(TypePTR, 1, 'a', 0, 7)},
		{"ptr past rdata", "label of 3 bytes at offset 25 runs past offset 27", withA(TypePTR, 3, 'a')},
		{"txt overrun", "string 1 of length 9 exceeds the 1 bytes left", withA(TypeTXT, 1, 'a', 9, 'b')},
		{"hinfo", "os: missing", withA(TypeHINFO, 1, 'a')},
		{"rdata length", "rdata length 300 exceeds", func() []byte {
			w := hdr(0, 1, 0, 0)
			w.name(0, "x")
			w.u16(1, 1).u32(1).u16(300).raw(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
			return w.b
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestPartial(t *testing.T) {
	b := dnssd()
	m, err := Decode(b[:len(b)-2]) // cut inside the additional A record
	if err == nil || !strings.Contains(err.Error(), "dns: additional 0:") {
		t.Fatalf("err = %v", err)
	}
	if len(m.Answers) != 4 || m.Answers[1].Port != 631 {
		t.Errorf("answers before the error were not kept: %+v", m.Answers)
	}
}

func TestTXTLimit(t *testing.T) {
	w := (&builder{}).u16(0, 0x8400, 0, 1, 0, 0)
	w.name(0, "x")
	var strs []string
	for range MaxTXT + 10 {
		strs = append(strs, "k=v")
	}
	w.rr(TypeTXT, 1, 1, func() { txt(strs...)(w) })
	m, err := Decode(w.b)
	if err != nil {
		t.Fatal(err)
	}
	if r := m.Answers[0]; len(r.TXT) != MaxTXT || r.TXTDropped != 10 {
		t.Errorf("kept %d, dropped %d", len(r.TXT), r.TXTDropped)
	}
}

func TestNames(t *testing.T) {
	tests := []struct {
		name   string
		labels []string
		want   string
	}{
		{"root", nil, "."},
		{"utf8", []string{"Büro-Drucker", "local"}, "Büro-Drucker.local"},
		{"control", []string{"a\x00b"}, `a\000b`},
		{"bad utf8", []string{"\xc3("}, `\195(`},
		{"dot and backslash", []string{`a.b\c`}, `a\.b\\c`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := (&builder{}).u16(0, 0, 1, 0, 0, 0)
			w.name(0, tt.labels...)
			w.u16(1, 1)
			m, err := Decode(w.b)
			if err != nil {
				t.Fatal(err)
			}
			if got := m.Questions[0].Name; got != tt.want {
				t.Errorf("name %q, want %q", got, tt.want)
			}
		})
	}
}

func BenchmarkDecode(b *testing.B) {
	for name, msg := range map[string][]byte{"capture-probe": mdns(b)[11], "dnssd": dnssd()} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(msg)))
			for b.Loop() {
				if _, err := Decode(msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
