package dicom

import (
	"encoding/binary"
	"slices"
	"strings"
	"testing"
)

var (
	le = binary.LittleEndian
	be = binary.BigEndian
)

func TestSyntaxOf(t *testing.T) {
	tests := map[string]Syntax{
		"1.2.840.10008.1.2":      ImplicitLE,
		"1.2.840.10008.1.2.1":    ExplicitLE,
		"1.2.840.10008.1.2.2":    ExplicitBE,
		"1.2.840.10008.1.2.1.99": Deflated,
		"1.2.840.10008.1.2.4.50": ExplicitLE, // JPEG baseline
		"1.2.840.10008.1.2.5":    ExplicitLE, // RLE
		"1.2.3.4.5":              SyntaxUnknown,
	}
	for uid, want := range tests {
		if got := SyntaxOf(uid); got != want {
			t.Errorf("SyntaxOf(%s) = %v, want %v", uid, got, want)
		}
	}
}

func TestPeekDataset(t *testing.T) {
	type want struct {
		identity map[Tag]string
		phi      []Tag
		err      string
	}
	deep := implicit(0x00080070, []byte("DEEP"))
	for range MaxDepth/2 + 1 {
		deep = cat(implicitUndefined(0x00081115), implicitUndefined(0xFFFEE000), deep)
	}
	tests := []struct {
		name   string
		syntax Syntax
		b      []byte
		want   want
	}{
		{
			name: "implicit with nested patient data", syntax: ImplicitLE,
			b: cat(
				implicit(0x00080070, []byte("ACME ")),
				implicit(0x00080080, []byte("General Hospital")), // Institution Name: dropped
				implicit(0x00080090, []byte("DR^WHO")),
				// A defined-length sequence, recognised by its first item tag.
				implicit(0x00081110, cat(implicit(0xFFFEE000, implicit(0x00100020, []byte("PID7"))))),
				// An undefined-length sequence whose item has an identity tag:
				// nested values describe something else and are not kept.
				implicitUndefined(0x00400275), implicitUndefined(0xFFFEE000), implicit(0x00081090, []byte("NESTED")),
				implicit(0xFFFEE00D, nil), implicit(0xFFFEE0DD, nil),
				implicit(0x00181020, []byte(`V1\V2 `)),
				implicit(pixelData, []byte{1, 2, 3, 4}),
				implicit(0x00081010, []byte("AFTER_PIXELS")),
			),
			want: want{
				identity: map[Tag]string{0x00080070: "ACME", 0x00181020: `V1\V2`},
				phi:      []Tag{0x00080090, 0x00100020},
			},
		},
		{
			name: "explicit little endian with UN sequence", syntax: ExplicitLE,
			b: cat(
				explicit(le, 0x00080060, "CS", []byte("MR")),
				explicit(le, 0x00100010, "PN", nil), // empty: no PHI
				func() []byte {
					b := explicit(le, 0x00101002, "UN", nil)
					le.PutUint32(b[8:], 0xFFFFFFFF)
					return cat(b, implicitUndefined(0xFFFEE000), implicit(0x00100020, []byte("X")),
						implicit(0xFFFEE00D, nil), implicit(0xFFFEE0DD, nil))
				}(),
				explicit(le, 0x00181000, "LO", []byte("SN-1")),
			),
			want: want{identity: map[Tag]string{0x00080060: "MR", 0x00181000: "SN-1"}, phi: []Tag{0x00101002, 0x00100020}},
		},
		{
			name: "explicit big endian", syntax: ExplicitBE,
			b: cat(
				explicit(be, 0x00080070, "LO", []byte("OLDCO ")),
				explicit(be, 0x00100030, "DA", []byte("19700101")),
				explicit(be, 0x00081090, "LO", []byte("MODEL9")),
			),
			want: want{identity: map[Tag]string{0x00080070: "OLDCO", 0x00081090: "MODEL9"}, phi: []Tag{0x00100030}},
		},
		{
			name: "explicit big endian after an implicit UN sequence", syntax: ExplicitBE,
			b: cat(
				func() []byte {
					b := explicit(be, 0x00091010, "UN", nil)
					be.PutUint32(b[8:], 0xFFFFFFFF)
					return cat(b, implicitUndefined(0xFFFEE000), implicit(0x00100010, []byte("Y")),
						implicit(0xFFFEE00D, nil), implicit(0xFFFEE0DD, nil))
				}(),
				explicit(be, 0x00081090, "LO", []byte("AFTER_UN")),
			),
			want: want{identity: map[Tag]string{0x00081090: "AFTER_UN"}, phi: []Tag{0x00100010}},
		},
		{
			name: "unknown syntax guessed explicit", syntax: SyntaxUnknown,
			b:    explicit(le, 0x00080070, "LO", []byte("GUESS")),
			want: want{identity: map[Tag]string{0x00080070: "GUESS"}},
		},
		{
			name: "unknown syntax guessed implicit", syntax: SyntaxUnknown,
			b:    implicit(0x00080070, []byte("GUESS")),
			want: want{identity: map[Tag]string{0x00080070: "GUESS"}},
		},
		{
			name: "deflated is not peeked", syntax: Deflated,
			b: implicit(0x00080070, []byte("HIDDEN")),
		},
		{
			name: "control characters and invalid UTF-8 are replaced", syntax: ImplicitLE,
			b:    implicit(0x00080070, []byte("AC\x1bME\xff\x00")),
			want: want{identity: map[Tag]string{0x00080070: "AC?ME?"}},
		},
		{
			name: "nesting bound", syntax: ImplicitLE, b: deep,
			want: want{err: "nesting deeper than 16"},
		},
		{
			name: "element overruns the dataset", syntax: ImplicitLE,
			b: cat(implicit(0x00080070, []byte("OK")), implicit(0x00100010, []byte("SMITH^JOHN"))[:12]),
			want: want{identity: map[Tag]string{0x00080070: "OK"}, phi: []Tag{0x00100010},
				err: "dataset offset 10: element (0010,0010) length 10 exceeds the 4 bytes left"},
		},
		{
			name: "invalid VR", syntax: ExplicitLE,
			b:    cat(explicit(le, 0x00080070, "LO", []byte("OK")), []byte{0x10, 0, 0x10, 0, 'x', 'y', 2, 0, 'h', 'i'}),
			want: want{identity: map[Tag]string{0x00080070: "OK"}, err: "element (0010,0010) has invalid VR 0x7879"},
		},
		{
			name: "item outside a sequence", syntax: ImplicitLE,
			b:    implicit(0xFFFEE000, nil),
			want: want{err: "item outside a sequence"},
		},
		{
			name: "sequence left open", syntax: ImplicitLE,
			b:    cat(implicitUndefined(0x00081115), implicitUndefined(0xFFFEE000)),
			want: want{err: "inside 2 open sequence(s)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := PeekDataset(tt.b, tt.syntax)
			if tt.want.err == "" && err != nil || tt.want.err != "" && (err == nil || !strings.Contains(err.Error(), tt.want.err)) {
				t.Fatalf("err = %v, want %q", err, tt.want.err)
			}
			got := map[Tag]string{}
			for _, a := range d.Identity {
				got[a.Tag] = a.Value
			}
			if len(got) != len(tt.want.identity) {
				t.Errorf("identity %v, want %v", got, tt.want.identity)
			}
			for k, v := range tt.want.identity {
				if got[k] != v {
					t.Errorf("identity %v = %q, want %q", k, got[k], v)
				}
			}
			if !slices.Equal(d.PHI, tt.want.phi) {
				t.Errorf("PHI %v, want %v", d.PHI, tt.want.phi)
			}
			if err != nil {
				for _, secret := range []string{"SMITH", "JOHN", "PID7", "19700101", "DR^WHO"} {
					if strings.Contains(err.Error(), secret) {
						t.Errorf("error %q carries a patient value", err)
					}
				}
			}
		})
	}
}

// TestPeekTruncated checks that the MaxPeek bound cuts a long dataset
// without an error and keeps what came before the cut.
func TestPeekTruncated(t *testing.T) {
	b := cat(implicit(0x00080070, []byte("BIG")), implicit(0x00091000, make([]byte, MaxPeek)), implicit(0x00081090, []byte("LATE")))
	var p peeker
	var ids []Attribute
	var phi []Tag
	if err := p.run(b[:MaxPeek], ImplicitLE, true, &ids, &phi, true, CStore); err != nil {
		t.Fatalf("truncated run: %v", err)
	}
	if len(ids) != 1 || ids[0].Value != "BIG" {
		t.Errorf("identity %+v", ids)
	}
	d, err := PeekDataset(b, ImplicitLE)
	if err != nil || len(d.Identity) != 1 || d.Identity[0].Value != "BIG" {
		t.Errorf("PeekDataset beyond MaxPeek: %+v, %v", d, err)
	}
	if _, err := PeekDataset(b[:MaxPeek], ImplicitLE); err == nil {
		t.Error("a complete dataset whose element overruns it gave no error")
	}
}

func TestTagString(t *testing.T) {
	tests := map[Tag]string{
		0x00100010: "(0010,0010) PatientName",
		0x00101234: "(0010,1234) patient attribute",
		0x00181020: "(0018,1020) SoftwareVersions",
		0x7FE00010: "(7FE0,0010)",
	}
	for tag, want := range tests {
		if got := tag.String(); got != want {
			t.Errorf("%08X: %q, want %q", uint32(tag), got, want)
		}
	}
	if CStore.String() != "C-STORE" || (CFind|responseFlag).String() != "C-FIND-RSP" || Command(0x4242).String() != "command 0x4242" {
		t.Error("Command.String")
	}
}

// A worklist query names the asking modality inside its Scheduled Procedure
// Step Sequence; that Modality is reported, marked Nested, while other
// identity tags inside sequences are not.
func TestPeekNestedModality(t *testing.T) {
	ds := cat(
		implicit(0x00080060, []byte("")), // top-level Modality, empty: nothing to report
		implicitUndefined(0x00400100),    // Scheduled Procedure Step Sequence
		implicitUndefined(0xFFFEE000),    // item
		implicit(0x00080060, []byte("CT")),
		implicit(0x00080070, []byte("NESTED MAKER")),
		implicit(0xFFFEE00D, nil), // item delimiter
		implicit(0xFFFEE0DD, nil), // sequence delimiter
		implicit(0x00080070, []byte("TOP MAKER ")),
	)
	d, err := PeekDataset(ds, ImplicitLE)
	if err != nil {
		t.Fatal(err)
	}
	want := []Attribute{{Tag: 0x00080060, Value: "CT", Nested: true}, {Tag: 0x00080070, Value: "TOP MAKER"}}
	if len(d.Identity) != len(want) {
		t.Fatalf("identity %+v, want %+v", d.Identity, want)
	}
	for i := range want {
		if d.Identity[i] != want[i] {
			t.Errorf("identity[%d] = %+v, want %+v", i, d.Identity[i], want[i])
		}
	}
}
