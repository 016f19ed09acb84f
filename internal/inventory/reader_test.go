package inventory

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/vigil-oss/vigil/internal/core"
)

// readAll reads every record of src; it fails the test on a file-level error.
func readAll(t *testing.T, src string, opt Options) (*Reader, []*Record) {
	t.Helper()
	rd, err := NewReader(context.Background(), strings.NewReader(src), opt)
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	var recs []*Record
	for {
		rec, err := rd.Next(context.Background())
		if errors.Is(err, io.EOF) {
			return rd, recs
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		recs = append(recs, rec)
	}
}

func openTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func errsOf(recs []*Record) []RowError {
	var out []RowError
	for _, r := range recs {
		out = append(out, r.Errs...)
	}
	return out
}

func TestReadVigilColumns(t *testing.T) {
	_, recs := readAll(t, openTestdata(t, "vigil.csv"), Options{})
	if len(recs) != 3 {
		t.Fatalf("got %d records, want 3", len(recs))
	}
	if e := errsOf(recs); len(e) > 0 {
		t.Fatalf("unexpected row errors: %v", e)
	}
	r := recs[1]
	if r.Line != 3 {
		t.Errorf("line = %d, want 3", r.Line)
	}
	d := r.Device
	want := core.Device{
		AssetTag: "BME-0002", Serial: "SN-1002", Name: "CT scanner",
		Location:  core.Location{Building: "Tower B", Floor: "1", Department: "Radiology", Room: "CT-2"},
		Owner:     "Imaging IT",
		Lifecycle: core.LifecycleActive,
		MACs:      []string{"00:1a:2b:3c:4d:02", "00:1a:2b:3c:4d:03"},
		IPs:       []string{"10.2.1.20", "10.2.1.21"},
		Hostnames: []string{"ct2.radiology.example.org"},
		AETitles:  []string{"CT2_SCU", "CT2 STORE"},
		HL7:       []core.HL7Endpoint{{Application: "RIS", Facility: "HOSP1"}, {Application: "PACS"}},
		Notes:     `Scanner "B", near the lift`,
	}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("device =\n%+v\nwant\n%+v", d, want)
	}
	if r.Manufacturer != "GE Healthcare" || r.Model != "Revolution CT" || r.DeviceType != "ct-scanner" ||
		r.FDAClass != "II" || r.Function != core.FunctionDiagnostic || !r.HandlesPHI ||
		r.SoftwareVersion != "22.1" || r.Site != "Main Campus" || r.Zone != "Imaging" {
		t.Errorf("references = %+v", r)
	}
	if r.Has(ColUDI) || !r.Has(ColNotes) || !r.Has(ColHandlesPHI) {
		t.Errorf("Has is wrong: udi %v notes %v phi %v", r.Has(ColUDI), r.Has(ColNotes), r.Has(ColHandlesPHI))
	}
	// Cisco-style MAC, lifecycle, and a formula-looking note kept as text.
	r = recs[2]
	if got := r.Device.MACs; !reflect.DeepEqual(got, []string{"00:1a:2b:3c:4d:04"}) {
		t.Errorf("MACs = %v", got)
	}
	if r.Device.Lifecycle != core.LifecycleInStorage || r.Device.Notes != "=SUM(A1:A2)" {
		t.Errorf("lifecycle %q notes %q", r.Device.Lifecycle, r.Device.Notes)
	}
	if recs[0].HandlesPHI || !recs[0].Has(ColHandlesPHI) {
		t.Errorf("handles_phi no: got %v has %v", recs[0].HandlesPHI, recs[0].Has(ColHandlesPHI))
	}
}

func TestReadServiceNowExport(t *testing.T) {
	rd, recs := readAll(t, openTestdata(t, "servicenow.csv"), Options{})
	if e := errsOf(recs); len(e) > 0 {
		t.Fatalf("unexpected row errors: %v", e)
	}
	if len(recs) != 3 {
		t.Fatalf("got %d records", len(recs))
	}
	r := recs[0]
	d := r.Device
	if d.AssetTag != "P1000457" || d.Serial != "AL8015-22871" || d.Name != "PUMP-ICU-7" ||
		r.Manufacturer != "BD" || r.Model != "Alaris 8015" || r.ModelNumber != "8015" ||
		d.Location.Room != "Tower A 3rd floor" || d.Location.Department != "ICU" || d.Owner != "Jane Roe" ||
		d.Lifecycle != core.LifecycleActive || d.IPs[0] != "10.20.30.7" || d.MACs[0] != "00:50:56:aa:bb:07" ||
		d.Hostnames[0] != "pump7.icu.example.org" {
		t.Errorf("record = %+v", r)
	}
	if recs[1].Device.Lifecycle != core.LifecycleInStorage || recs[2].Device.Lifecycle != core.LifecycleRetired {
		t.Errorf("lifecycles %q %q", recs[1].Device.Lifecycle, recs[2].Device.Lifecycle)
	}
	notices := strings.Join(rd.Notices(), "\n")
	if !strings.Contains(notices, `"Cost"`) || !strings.Contains(notices, `"sys_id"`) {
		t.Errorf("notices do not name the unknown columns: %s", notices)
	}
}

func TestReadNuvoloExport(t *testing.T) {
	_, recs := readAll(t, openTestdata(t, "nuvolo.csv"), Options{})
	if e := errsOf(recs); len(e) > 0 {
		t.Fatalf("unexpected row errors: %v", e)
	}
	r := recs[0]
	if r.Device.AssetTag != "CE-20001" || r.Site != "St. Mary" || r.Device.Location.Department != "Cardiology" ||
		r.DeviceType != "patient-monitor" || r.SoftwareVersion != "N.01.12" || r.Device.Owner != "Clinical Engineering" ||
		r.Device.Location.Floor != "4" || r.Device.Location.Room != "412" {
		t.Errorf("record = %+v", r)
	}
}

func TestMapping(t *testing.T) {
	file, err := ReadMapping(strings.NewReader(openTestdata(t, "mapping.txt")), "mapping.txt")
	if err != nil {
		t.Fatal(err)
	}
	flag, err := ParseMapping("Where=site, Box Name = name")
	if err != nil {
		t.Fatal(err)
	}
	if err := file.Merge(flag); err != nil {
		t.Fatal(err)
	}
	src := "Equipment ID,Ser #,Network Address,Internal cost,Where,Box Name,Name\n" +
		"E-1,S-1,10.0.0.1,99,North,box-1,ignored because Box Name is mapped\n"
	rd, recs := readAll(t, src, Options{Mapping: file})
	if e := errsOf(recs); len(e) > 0 {
		t.Fatalf("row errors: %v", e)
	}
	r := recs[0]
	if r.Device.AssetTag != "E-1" || r.Device.Serial != "S-1" || r.Device.IPs[0] != "10.0.0.1" ||
		r.Site != "North" || r.Device.Name != "box-1" {
		t.Errorf("record = %+v", r)
	}
	h := rd.Header()
	if h[3].Used || h[3].Why != "mapped to -" {
		t.Errorf("Internal cost: %+v", h[3])
	}
	if h[6].Used || !strings.Contains(h[6].Why, "name comes from column 6") {
		t.Errorf("Name: %+v", h[6])
	}
}

func TestMappingErrors(t *testing.T) {
	for _, tc := range []struct{ spec, want string }{
		{"Tag", "not of the form"},
		{"=asset_tag", "header before = is empty"},
		{"Tag=asset_number", "not a column Vigil knows"},
		{"Tag=asset_tag,tag=serial", "mapped twice"},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			_, err := ParseMapping(tc.spec)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	_, err := ReadMapping(strings.NewReader("# ok\n\nA = serial\nB serial\n"), "m.txt")
	if err == nil || !strings.Contains(err.Error(), "m.txt:4") {
		t.Errorf("mapping file error does not name the line: %v", err)
	}
	_, err = ReadMapping(strings.NewReader(strings.Repeat("a=serial\n", 10000)), "big.txt")
	if !core.IsKind(err, core.KindTooLarge) {
		t.Errorf("big mapping file: %v", err)
	}
}

func TestFileLevelErrors(t *testing.T) {
	utf16 := func(s string, bom []byte, le bool) string {
		var b bytes.Buffer
		b.Write(bom)
		for _, r := range s {
			if le {
				b.WriteByte(byte(r))
				b.WriteByte(0)
			} else {
				b.WriteByte(0)
				b.WriteByte(byte(r))
			}
		}
		return b.String()
	}
	for _, tc := range []struct {
		name, src, opt, want string
	}{
		{"empty", "", "", "the file is empty"},
		{"blank lines only", "\n\r\n\n", "", "the file is empty"},
		{"no identifying column", "name,ips\npump,10.0.0.1\n", "", "missing required columns"},
		{"utf-16le bom", utf16("asset_tag\nA\n", []byte{0xFF, 0xFE}, true), "", "UTF-16"},
		{"utf-16be bom", utf16("asset_tag\nA\n", []byte{0xFE, 0xFF}, false), "", "UTF-16"},
		{"utf-16 without bom", utf16("asset_tag\nA\n", nil, true), "", "NUL bytes"},
		{"utf-32", "\xFF\xFE\x00\x00a\x00\x00\x00", "", "UTF-32"},
		{"latin-1 header", "asset_tag,num\xe9ro\nA,1\n", "", "column 2 is not valid UTF-8"},
		{"same column twice", "asset_tag,Asset Tag,asset tag\nA,B,C\n", "", "are both asset_tag"},
		{"unclosed quoted header", "\"asset_tag,serial\nA,B\n", "", "never closed"},
		{"too many header columns", "asset_tag" + strings.Repeat(",x", DefaultMaxFields) + "\n", "", "more than 512 columns"},
		{"mapping sends two columns to one", "a,b\n1,2\n", "a=serial,b=serial", "sends both"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var opt Options
			if tc.opt != "" {
				m, err := ParseMapping(tc.opt)
				if err != nil {
					t.Fatal(err)
				}
				opt.Mapping = m
			}
			_, err := NewReader(context.Background(), strings.NewReader(tc.src), opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
			if !core.IsKind(err, core.KindInvalid) {
				t.Errorf("kind = %s, want invalid", core.KindOf(err))
			}
		})
	}
}

func TestRowErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []RowError // the errors of the one data row
	}{
		{"latin-1 cell", "asset_tag,Name\nA,caf\xe9\n",
			[]RowError{{2, "Name", "is not valid UTF-8 (the file may be Windows-1252 or Latin-1: save it as CSV UTF-8)"}}},
		{"too few cells", "asset_tag,name\nA\n", []RowError{{2, "", "the row has 1 cells but the header has 2 columns"}}},
		{"too many cells", "asset_tag,name\nA,b,c\n", []RowError{{2, "", "the row has 3 cells but the header has 2 columns"}}},
		{"bad mac", "asset_tag,MAC Address\nA,00:11:22:33:44\n", []RowError{{2, "MAC Address", "is not a MAC address such as 00:1a:2b:3c:4d:5e"}}},
		{"second ip bad", "asset_tag,ips\nA,10.0.0.1;10.0.0.300\n", []RowError{{2, "ips", "entry 2 of 2 is not an IPv4 or IPv6 address"}}},
		{"bad lifecycle", "asset_tag,Install Status\nA,Exploded\n", []RowError{{2, "Install Status", "must be active, in-storage or retired (also accepted: CMMS states such as Installed, In stock, Retired; see docs/inventory-csv.md)"}}},
		{"bad fda class", "asset_tag,manufacturer,model,fda_class\nA,M,X,IV\n", []RowError{{2, "fda_class", "must be I, II or III (also accepted: 1, 2, 3, Class II)"}}},
		{"model without manufacturer", "asset_tag,model\nA,X\n", []RowError{{2, "model", "a model needs its manufacturer in the same row (column manufacturer)"}}},
		{"no key", "asset_tag,serial,name\n,,pump\n", []RowError{{2, "", "the row has no asset tag, serial or MAC address to identify the device"}}},
		{"long name", "asset_tag,name\nA," + strings.Repeat("n", 300) + "\n", []RowError{{2, "name", "is longer than 256 bytes"}}},
		{"nul byte", "asset_tag,name\nA,a\x00b\n", []RowError{{2, "name", "contains a NUL byte"}}},
		{"text after quote", "asset_tag,name\nA,\"pump\"x\n", []RowError{{2, "name", "text after the closing quote of a quoted cell (write a quote inside quotes as \"\")"}}},
		{"unclosed quote", "asset_tag,name\nA,\"pump\n", []RowError{{2, "name", "a quoted cell is never closed (the file ends inside it)"}}},
		{"too many list entries", "asset_tag,ips\nA," + strings.Repeat("10.0.0.1;", 65) + "\n", []RowError{{2, "ips", "has 65 entries; at most 64 are allowed"}}},
		{"hl7 facility alone", "asset_tag,hl7_facility\nA,HOSP\n", []RowError{{2, "hl7_facility", "an HL7 facility needs an HL7 application in the same row"}}},
		{"ae title too long", "asset_tag,ae_titles\nA,ABCDEFGHIJKLMNOPQ\n", []RowError{{2, "ae_titles", "is not a DICOM AE title (up to 16 characters, no backslash)"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, recs := readAll(t, tc.src, Options{})
			if len(recs) != 1 {
				t.Fatalf("got %d records", len(recs))
			}
			if !reflect.DeepEqual(recs[0].Errs, tc.want) {
				t.Errorf("errors =\n%#v\nwant\n%#v", recs[0].Errs, tc.want)
			}
		})
	}
}

func TestDialect(t *testing.T) {
	t.Run("semicolons", func(t *testing.T) {
		_, recs := readAll(t, "asset_tag;name;ips\r\nA;pump, big;\"10.0.0.1;10.0.0.2\"\r\n", Options{})
		if len(recs) != 1 || recs[0].Device.Name != "pump, big" || len(recs[0].Device.IPs) != 2 {
			t.Fatalf("records = %+v", recs[0])
		}
	})
	t.Run("tabs", func(t *testing.T) {
		_, recs := readAll(t, "asset_tag\tname\nA\tpump\n", Options{})
		if recs[0].Device.Name != "pump" {
			t.Fatalf("name = %q", recs[0].Device.Name)
		}
	})
	t.Run("multi-line cells keep line numbers", func(t *testing.T) {
		src := "\uFEFFasset_tag,notes\r\nA,\"line one\r\nline two\"\r\n\r\n,,\r\n\"B\",\"say \"\"hi\"\"\"\nC,12\" monitor"
		_, recs := readAll(t, src, Options{})
		if len(recs) != 3 {
			t.Fatalf("got %d records", len(recs))
		}
		if recs[0].Line != 2 || recs[0].Device.Notes != "line one\nline two" {
			t.Errorf("record 1: line %d notes %q", recs[0].Line, recs[0].Device.Notes)
		}
		// ",," has the wrong number of cells, but it is blank: skipped.
		if recs[1].Line != 6 || recs[1].Device.Notes != `say "hi"` {
			t.Errorf("record 2: line %d notes %q errs %v", recs[1].Line, recs[1].Device.Notes, recs[1].Errs)
		}
		if recs[2].Line != 7 || recs[2].Device.Notes != `12" monitor` {
			t.Errorf("record 3: line %d notes %q", recs[2].Line, recs[2].Device.Notes)
		}
	})
	t.Run("escaped formulas are restored", func(t *testing.T) {
		_, recs := readAll(t, "asset_tag,name,notes\n'-A1,'=cmd,''=x\n", Options{})
		d := recs[0].Device
		if d.AssetTag != "-A1" || d.Name != "=cmd" || d.Notes != "'=x" {
			t.Errorf("got %q %q %q", d.AssetTag, d.Name, d.Notes)
		}
	})
}

func TestModelAttributesWithoutModelAreIgnored(t *testing.T) {
	_, recs := readAll(t, "asset_tag,manufacturer,model,device_type,fda_class\nA,M,,pump,II\n", Options{})
	r := recs[0]
	if len(r.Errs) > 0 || r.Has(ColDeviceType) || r.Has(ColFDAClass) || r.Has(ColModel) {
		t.Errorf("record = %+v", r)
	}
}

func TestValues(t *testing.T) {
	for _, tc := range []struct {
		col, in string
		check   func(r *Record) bool
	}{
		{"lifecycle", "In Stock", func(r *Record) bool { return r.Device.Lifecycle == core.LifecycleInStorage }},
		{"lifecycle", "in_storage", func(r *Record) bool { return r.Device.Lifecycle == core.LifecycleInStorage }},
		{"lifecycle", "Disposed", func(r *Record) bool { return r.Device.Lifecycle == core.LifecycleRetired }},
		{"lifecycle", "Pending Repair", func(r *Record) bool { return r.Device.Lifecycle == core.LifecycleActive }},
		{"function", "Life Sustaining", func(r *Record) bool { return r.Function == core.FunctionLifeSustaining }},
		{"function", "non-clinical", func(r *Record) bool { return r.Function == core.FunctionNonClinical }},
		{"fda_class", "Class III", func(r *Record) bool { return r.FDAClass == "III" }},
		{"fda_class", "2", func(r *Record) bool { return r.FDAClass == "II" }},
		{"handles_phi", "Yes", func(r *Record) bool { return r.HandlesPHI }},
		{"handles_phi", "FALSE", func(r *Record) bool { return !r.HandlesPHI && r.Has(ColHandlesPHI) }},
		{"macs", "001A2B3C4D5E 00-1a-2b-3c-4d-5e|00:1A:2B:3C:4D:5F", func(r *Record) bool {
			return reflect.DeepEqual(r.Device.MACs, []string{"00:1a:2b:3c:4d:5e", "00:1a:2b:3c:4d:5f"})
		}},
		{"ips", "::ffff:10.0.0.1 fe80::1", func(r *Record) bool {
			return reflect.DeepEqual(r.Device.IPs, []string{"10.0.0.1", "fe80::1"})
		}},
		{"hostnames", "PUMP-1.example.org.", func(r *Record) bool {
			return reflect.DeepEqual(r.Device.Hostnames, []string{"pump-1.example.org"})
		}},
		{"ae_titles", `A\B; C D`, func(r *Record) bool {
			return reflect.DeepEqual(r.Device.AETitles, []string{"A", "B", "C D"})
		}},
		{"hl7", "LAB^MAIN", func(r *Record) bool {
			return reflect.DeepEqual(r.Device.HL7, []core.HL7Endpoint{{Application: "LAB", Facility: "MAIN"}})
		}},
		{"Sending Application", "ADT", func(r *Record) bool {
			return reflect.DeepEqual(r.Device.HL7, []core.HL7Endpoint{{Application: "ADT"}}) && r.Has(ColHL7)
		}},
		{"device type", "Infusion_Pump", func(r *Record) bool { return r.DeviceType == "infusion-pump" }},
	} {
		t.Run(tc.col+"="+tc.in, func(t *testing.T) {
			src := "asset_tag,manufacturer,model," + tc.col + "\nA,M,X,\"" + tc.in + "\"\n"
			_, recs := readAll(t, src, Options{})
			if len(recs[0].Errs) > 0 {
				t.Fatalf("errors: %v", recs[0].Errs)
			}
			if !tc.check(recs[0]) {
				t.Errorf("record = %+v", recs[0])
			}
		})
	}
}

// genReader produces n copies of unit lazily, so a test can feed a huge
// input without holding it in memory.
type genReader struct {
	prefix, unit, suffix []byte
	n                    int
	pos                  int
	state                int
}

func (g *genReader) Read(p []byte) (int, error) {
	total := 0
	for len(p) > 0 {
		var src []byte
		switch {
		case g.state == 0:
			src = g.prefix
		case g.state == 1 && g.n > 0:
			src = g.unit
		case g.state == 1:
			g.state, g.pos = 2, 0
			continue
		case g.state == 2:
			src = g.suffix
		default:
			if total == 0 {
				return 0, io.EOF
			}
			return total, nil
		}
		k := copy(p, src[g.pos:])
		p, total, g.pos = p[k:], total+k, g.pos+k
		if g.pos == len(src) {
			g.pos = 0
			if g.state == 1 {
				g.n--
			} else {
				g.state++
			}
		}
	}
	return total, nil
}

// measure runs fn and returns the bytes it allocated.
func measure(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestHugeCell(t *testing.T) {
	const size = 10 << 20
	for _, tc := range []struct{ name, open, close string }{
		{"unquoted", "", ""},
		{"quoted", `"`, `"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var recs []*Record
			alloc := measure(func() {
				g := &genReader{
					prefix: []byte("asset_tag,notes\nA1,ok\nA2," + tc.open),
					unit:   []byte("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"), n: size / 32,
					suffix: []byte(tc.close + "\nA3,fine\n"),
				}
				if tc.open == "" {
					g.unit = []byte("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx") // one line
				}
				rd, err := NewReader(context.Background(), g, Options{})
				if err != nil {
					t.Fatal(err)
				}
				for {
					rec, err := rd.Next(context.Background())
					if err != nil {
						if !errors.Is(err, io.EOF) {
							t.Fatal(err)
						}
						break
					}
					recs = append(recs, rec)
				}
			})
			if len(recs) != 3 {
				t.Fatalf("got %d records", len(recs))
			}
			want := []RowError{{3, "notes", "the cell is longer than 65536 bytes"}}
			if !reflect.DeepEqual(recs[1].Errs, want) {
				t.Errorf("errors = %v, want %v", recs[1].Errs, want)
			}
			if len(recs[0].Errs)+len(recs[2].Errs) > 0 || recs[2].Device.AssetTag != "A3" {
				t.Errorf("neighbouring rows: %+v %+v", recs[0], recs[2])
			}
			wantLine := 4
			if tc.open != "" {
				wantLine = 3 + size/32 + 1
			}
			if recs[2].Line != wantLine {
				t.Errorf("line after the big cell = %d, want %d", recs[2].Line, wantLine)
			}
			if alloc > 1<<20 {
				t.Errorf("reading a 10 MB cell allocated %d bytes; want under 1 MiB", alloc)
			}
		})
	}
}

func TestMillionEmptyLines(t *testing.T) {
	const n = 1_000_000
	var recs []*Record
	start := time.Now()
	alloc := measure(func() {
		g := &genReader{prefix: []byte("asset_tag,name\n"), unit: []byte("\n"), n: n, suffix: []byte("A,last\n\r\n\r\n")}
		rd, err := NewReader(context.Background(), g, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for {
			rec, err := rd.Next(context.Background())
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			recs = append(recs, rec)
		}
	})
	if len(recs) != 1 || recs[0].Line != n+2 || recs[0].Device.Name != "last" {
		t.Fatalf("records = %+v", recs)
	}
	if alloc > 512<<10 {
		t.Errorf("a million empty lines allocated %d bytes", alloc)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("a million empty lines took %v", d)
	}
}

func TestMillionEmptyLinesHonoursContext(t *testing.T) {
	g := &genReader{prefix: []byte("asset_tag\n"), unit: []byte("\n"), n: 1_000_000}
	rd, err := NewReader(context.Background(), g, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := rd.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

func TestRowLimits(t *testing.T) {
	t.Run("too many cells", func(t *testing.T) {
		src := "asset_tag,name\nA" + strings.Repeat(",x", 600) + "\nB,ok\n"
		_, recs := readAll(t, src, Options{})
		if len(recs) != 2 || recs[0].Errs[0].Message != "the row has more than 512 cells" || len(recs[1].Errs) > 0 {
			t.Fatalf("records = %+v / %+v", recs[0].Errs, recs[1])
		}
	})
	t.Run("row too long", func(t *testing.T) {
		cell := strings.Repeat("y", 60<<10)
		src := "asset_tag,a,b,c\nA," + cell + "," + cell + "," + cell + "\nB,,,\n"
		_, recs := readAll(t, src, Options{MaxRecord: 100 << 10})
		if len(recs) != 2 || recs[0].Errs[0].Message != "the row is longer than 102400 bytes" {
			t.Fatalf("errors = %+v", recs[0].Errs)
		}
		if recs[1].Device.AssetTag != "B" {
			t.Errorf("next row = %+v", recs[1])
		}
	})
}

// BenchmarkReader measures parsing alone: 10,000 CMMS-style rows per
// iteration, from bytes in memory to typed records.
func BenchmarkReader(b *testing.B) {
	var src strings.Builder
	src.WriteString("asset_tag,serial,name,manufacturer,model,device_type,software_version,site,zone,department,lifecycle,macs,ips\n")
	const n = 10000
	for i := 0; i < n; i++ {
		fmt.Fprintf(&src, "BME-%06d,SN%07d,device %d,Maker %d,Model %d,Infusion Pump,%d.0,Site %d,Zone %d,Dept %d,active,02:00:00:%02x:%02x:%02x,10.0.%d.%d\n",
			i, i, i, i%5, i%20, i%3, i%2, i%4, i%30, i>>16&255, i>>8&255, i&255, i>>8&255, i&255)
	}
	data := src.String()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	ctx := context.Background()
	for b.Loop() {
		rd, err := NewReader(ctx, strings.NewReader(data), Options{})
		if err != nil {
			b.Fatal(err)
		}
		rows := 0
		for {
			rec, err := rd.Next(ctx)
			if err != nil {
				break
			}
			if len(rec.Errs) > 0 {
				b.Fatal(rec.Errs)
			}
			rows++
		}
		if rows != n {
			b.Fatalf("%d rows", rows)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
}
