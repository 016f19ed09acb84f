package oui

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const sharedCSV = "../../../shared/data/oui/oui.csv"

// The other blocks of the same ieee-data release, when the package is installed.
var ieeeData = []string{"/usr/share/ieee-data/mam.csv", "/usr/share/ieee-data/oui36.csv", "/usr/share/ieee-data/iab.csv"}

func readFileQuiet(name string) ([]byte, error) { return os.ReadFile(filepath.FromSlash(name)) }

func readShared(t testing.TB) []byte {
	t.Helper()
	b, err := readFileQuiet(sharedCSV)
	if err != nil {
		t.Skipf("shared oui.csv not available: %v", err)
	}
	return b
}

func parseShared(t testing.TB) *Registry {
	t.Helper()
	r, err := Parse(bytes.NewReader(readShared(t)))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func mac(s string) [6]byte {
	var m [6]byte
	s = strings.NewReplacer(":", "", "-", "").Replace(s)
	for i := range m {
		var v byte
		for _, c := range s[2*i : 2*i+2] {
			v <<= 4
			switch {
			case c >= '0' && c <= '9':
				v |= byte(c - '0')
			default:
				v |= byte(c-'a') + 10
			}
		}
		m[i] = v
	}
	return m
}

func TestParseShared(t *testing.T) {
	r := parseShared(t)
	// 32,530 MA-L rows, of which 080030 appears three times and 0001C8 twice.
	if got := r.Count(MAL); got != 32527 {
		t.Errorf("MA-L count %d, want 32527", got)
	}
	if r.Len() != r.Count(MAL) || r.Count(MAM) != 0 {
		t.Errorf("shared file holds MA-L only; Len %d, MA-M %d", r.Len(), r.Count(MAM))
	}
	if !r.Date().IsZero() {
		t.Errorf("csv carries no date, got %v", r.Date())
	}
	tests := []struct {
		mac, name, prefix string
	}{
		{"00:10:5d:01:02:03", "Draeger Medical", "00-10-5D"},
		{"f0:e5:c3:aa:bb:cc", "Drägerwerk AG & Co. KG aA", "F0-E5-C3"},
		{"f4:bd:9e:00:00:01", "Cisco Systems, Inc", "F4-BD-9E"},           // quoted, with a comma
		{"08:00:30:12:34:56", "NETWORK RESEARCH CORPORATION", "08-00-30"}, // first of three rows wins
		{"dc:16:a2:10:20:30", "Medtronic Diabetes", "DC-16-A2"},
	}
	for _, tt := range tests {
		t.Run(tt.mac, func(t *testing.T) {
			v, ok := r.Lookup(mac(tt.mac))
			if !ok || v.Name != tt.name || v.Block != MAL || v.String() != tt.prefix {
				t.Errorf("Lookup(%s) = %+v %v (%s), want %q %s", tt.mac, v, ok, v.String(), tt.name, tt.prefix)
			}
		})
	}
}

// Real MA-M, MA-S and IAB rows of ieee-data 20220827.1, with the MA-L rows of
// the IEEE's own blocks they sit in.
const mixedCSV = `Registry,Assignment,Organization Name,Organization Address
MA-L,70B3D5,IEEE Registration Authority,445 Hoes Lane Piscataway NJ US 08554 
MA-L,0050C2,IEEE Registration Authority,445 Hoes Lane Piscataway NJ US 08554 
MA-L,A83FA1,IEEE Registration Authority,445 Hoes Lane Piscataway NJ US 08554 
Registry,Assignment,Organization Name,Organization Address
MA-M,A83FA12,"MEDCAPTAIN MEDICAL TECHNOLOGY CO., LTD.",Shenzhen CN 
Registry,Assignment,Organization Name,Organization Address
MA-S,70B3D5950,CMT Medical technologies,"Hamerkava st., Yokneam  IL 20692 "
IAB,0050C27A5,Quantum Medical Imaging,Ronkonkoma NY US 11779 
`

func TestLongestPrefix(t *testing.T) {
	r, err := Parse(strings.NewReader(mixedCSV))
	if err != nil {
		t.Fatal(err)
	}
	def, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		mac, name, prefix string
		block             Block
	}{
		{"a8:3f:a1:2f:00:01", "MEDCAPTAIN MEDICAL TECHNOLOGY CO., LTD.", "A8-3F-A1-2", MAM},
		{"a8:3f:a1:3f:00:01", "IEEE Registration Authority", "A8-3F-A1", MAL},
		{"70:b3:d5:95:0a:bc", "CMT Medical technologies", "70-B3-D5-95-0", MAS},
		{"70:b3:d5:95:1a:bc", "IEEE Registration Authority", "70-B3-D5", MAL},
		{"00:50:c2:7a:5f:ff", "Quantum Medical Imaging", "00-50-C2-7A-5", IAB},
	}
	for name, reg := range map[string]*Registry{"parsed": r, "default": def} {
		for _, tt := range tests {
			t.Run(name+"/"+tt.mac, func(t *testing.T) {
				if name == "default" && tt.block == MAL {
					// The real registry fills most of the IEEE's blocks, so
					// a neighbour need not fall back to MA-L.
					return
				}
				v, ok := reg.Lookup(mac(tt.mac))
				if !ok || v.Name != tt.name || v.Block != tt.block || v.String() != tt.prefix {
					t.Errorf("Lookup(%s) = %+v (%s) %v, want %q %v %s", tt.mac, v, v, ok, tt.name, tt.block, tt.prefix)
				}
			})
		}
	}
	if r.Len() != 6 || r.Count(MAM) != 1 || r.Count(MAS) != 1 || r.Count(IAB) != 1 {
		t.Errorf("counts: Len %d MA-M %d MA-S %d IAB %d", r.Len(), r.Count(MAM), r.Count(MAS), r.Count(IAB))
	}
	if len(r.names) != 4 {
		t.Errorf("names not deduplicated: %q", r.names)
	}
}

func TestFlags(t *testing.T) {
	tests := []struct {
		mac              string
		local, multicast bool
	}{
		{"00:10:5d:01:02:03", false, false},
		{"da:a1:19:00:00:01", true, false}, // a randomised phone address
		{"01:00:5e:00:00:fb", false, true},
		{"33:33:00:00:00:fb", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.mac, func(t *testing.T) {
			m := mac(tt.mac)
			if Local(m) != tt.local || Multicast(m) != tt.multicast {
				t.Errorf("Local %v Multicast %v, want %v %v", Local(m), Multicast(m), tt.local, tt.multicast)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	h := "Registry,Assignment,Organization Name,Organization Address\n"
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "empty csv"},
		{"bad header", "a,b,c,d\n", "line 1: header"},
		{"fields", h + "MA-L,002272,Acme\n", "line 2: 3 fields"},
		{"registry", h + "MA-L,002272,Acme,x\nMA-X,002273,Acme,x\n", "line 3: unknown registry"},
		{"short assignment", h + "MA-M,002272,Acme,x\n", "line 2: assignment \"002272\": want 7 hex digits"},
		{"not hex", h + "MA-L,00227G,Acme,x\n", "line 2: assignment \"00227G\" is not hexadecimal"},
		{"sign", h + "MA-L,+02272,Acme,x\n", "line 2"},
		{"empty name", h + "MA-L,002272,  ,x\n", "line 2: organization name"},
		{"bad utf8", h + "MA-L,002272,\xff,x\n", "line 2: organization name"},
		{"quote", h + "MA-L,002272,\"Acme,x\n", "oui: parse error on line 2"},
		{"after multiline", h + "MA-L,002272,Acme,\"a\nb\"\nMA-L,002273,,x\n", "line 4: organization name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func encode(t testing.TB, r *Registry) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := r.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRoundTrip(t *testing.T) {
	date := time.Date(2022, 8, 27, 0, 0, 0, 0, time.UTC)
	for name, r := range map[string]*Registry{
		"shared": parseShared(t).WithDate(date),
		"mixed":  mustParse(t, mixedCSV),
		"empty":  mustParse(t, "Registry,Assignment,Organization Name,Organization Address\n"),
	} {
		t.Run(name, func(t *testing.T) {
			enc := encode(t, r)
			got, err := Decode(bytes.NewReader(enc))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(normal(got), normal(r)) {
				t.Fatalf("decoded registry differs")
			}
			if !got.Date().Equal(r.Date()) {
				t.Errorf("date %v, want %v", got.Date(), r.Date())
			}
		})
	}
}

// normal makes empty and nil slices compare equal.
func normal(r *Registry) *Registry {
	c := *r
	c.date = time.Time{}
	if len(c.names) == 0 {
		c.names = nil
	}
	for i := range c.blocks {
		if len(c.blocks[i].keys) == 0 {
			c.blocks[i] = table{}
		}
	}
	return &c
}

func mustParse(t testing.TB, s string) *Registry {
	t.Helper()
	r, err := Parse(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestDefaultMatchesShared(t *testing.T) {
	def, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2022, 8, 27, 0, 0, 0, 0, time.UTC); !def.Date().Equal(want) {
		t.Errorf("default date %v, want %v", def.Date(), want)
	}
	if len(embedded) > 600<<10 {
		t.Errorf("embedded registry is %d bytes, budget 600 KiB", len(embedded))
	}
	shared := parseShared(t)
	// The MA-L table of the embedded copy is exactly the shared file's.
	if !reflect.DeepEqual(names(def, MAL), names(shared, MAL)) {
		t.Error("embedded MA-L assignments differ from a fresh parse of the shared oui.csv")
	}
	// With ieee-data installed, the whole registry can be rebuilt and compared.
	readers := []io.Reader{bytes.NewReader(readShared(t))}
	for _, f := range ieeeData {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Logf("skipping full comparison: %v", err)
			return
		}
		readers = append(readers, bytes.NewReader(b))
	}
	full, err := Parse(io.MultiReader(readers...))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(normal(full), normal(def)) {
		t.Error("embedded registry differs from a fresh parse of oui.csv + ieee-data's mam, oui36 and iab")
	}
}

// names lists one block as prefix → name, independent of name indices.
func names(r *Registry, b Block) map[uint64]string {
	m := map[uint64]string{}
	for v := range r.All() {
		if v.Block == b {
			m[v.Prefix] = v.Name
		}
	}
	return m
}

func TestDecodeErrors(t *testing.T) {
	good := encode(t, mustParse(t, mixedCSV))
	raw := func(b []byte) []byte { // gzip an arbitrary body
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(b)
		zw.Close()
		return buf.Bytes()
	}
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"not gzip", []byte("hello"), "oui: decode"},
		{"truncated", good[:len(good)/2], "oui: decode"},
		{"bad magic", raw([]byte("VOUI\x02")), "bad magic"},
		{"name count", raw([]byte("VOUI\x01\x00\xff\xff\xff\x7f")), "name count"},
		{"unsorted names", raw([]byte("VOUI\x01\x00\x02\x00\x01b\x00\x01a")), "name 1: empty, out of order"},
		{"index", raw([]byte("VOUI\x01\x00\x01\x00\x01a\x01\x05\x01")), "name index 1 exceeds 0"},
		{"wide prefix", raw([]byte("VOUI\x01\x00\x01\x00\x01a\x01\xff\xff\xff\x7f\x00")), "prefix delta"},
		{"trailing", raw([]byte("VOUI\x01\x00\x00\x00\x00\x00\x00\x00")), "trailing data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(bytes.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func BenchmarkLookup(b *testing.B) {
	r, err := Default()
	if err != nil {
		b.Fatal(err)
	}
	macs := [][6]byte{mac("00:10:5d:01:02:03"), mac("70:b3:d5:95:0a:bc"), mac("da:a1:19:00:00:01")}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		r.Lookup(macs[i%len(macs)])
	}
}

func TestLookupAllocs(t *testing.T) {
	r := mustParse(t, mixedCSV)
	m := mac("70:b3:d5:95:0a:bc")
	if n := testing.AllocsPerRun(100, func() { r.Lookup(m) }); n != 0 {
		t.Errorf("Lookup allocates %v times", n)
	}
}

func BenchmarkDefaultLoad(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(embedded)))
	for b.Loop() {
		if _, err := Decode(bytes.NewReader(embedded)); err != nil {
			b.Fatal(err)
		}
	}
}

func TestMergeReplacesBlocksNewerHas(t *testing.T) {
	base, err := Parse(strings.NewReader("Registry,Assignment,Organization Name,Organization Address\n" +
		"MA-L,001122,Old Name,\nMA-L,334455,Withdrawn Co,\nMA-M,AABBCC1,Medium Co,\n"))
	if err != nil {
		t.Fatal(err)
	}
	newer, err := Parse(strings.NewReader("Registry,Assignment,Organization Name,Organization Address\n" +
		"MA-L,001122,New Name,\nMA-L,667788,Added Co,\n"))
	if err != nil {
		t.Fatal(err)
	}
	m := Merge(base, newer)
	for _, c := range []struct {
		mac  [6]byte
		want string
	}{
		{[6]byte{0x00, 0x11, 0x22, 1, 2, 3}, "New Name"},
		{[6]byte{0x66, 0x77, 0x88, 1, 2, 3}, "Added Co"},
		{[6]byte{0xAA, 0xBB, 0xCC, 0x1F, 2, 3}, "Medium Co"}, // MA-M kept: newer has none
		{[6]byte{0x33, 0x44, 0x55, 1, 2, 3}, ""},             // MA-L replaced as a whole
	} {
		v, ok := m.Lookup(c.mac)
		if ok != (c.want != "") || v.Name != c.want {
			t.Errorf("Lookup(% x) = %q, %v; want %q", c.mac, v.Name, ok, c.want)
		}
	}
	if m.Len() != 3 {
		t.Errorf("merged %d assignments, want 3", m.Len())
	}
}
