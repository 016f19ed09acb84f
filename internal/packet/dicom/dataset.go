package dicom

import (
	"encoding/binary"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of the dataset peek. A dataset can be gigabytes of pixels; the
// identifying attributes sit in groups 0008 and 0018 near its start.
const (
	// MaxPeek is how many bytes of each dataset are buffered and examined.
	MaxPeek = 64 << 10
	// MaxDepth bounds sequence and item nesting.
	MaxDepth = 16
	// MaxValue bounds one extracted attribute value, in bytes.
	MaxValue = 256
)

// Syntax is how a dataset is encoded on the wire, from the transfer syntax
// accepted for its presentation context.
type Syntax uint8

const (
	// SyntaxUnknown: no accepted transfer syntax was seen (the capture
	// started mid-association) or it is a private one; the peek guesses
	// between implicit and explicit VR little endian from the first element.
	SyntaxUnknown Syntax = iota
	ImplicitLE
	ExplicitLE
	ExplicitBE
	// Deflated datasets are compressed as a whole and are not peeked.
	Deflated
)

func (s Syntax) String() string {
	switch s {
	case ImplicitLE:
		return "implicit VR little endian"
	case ExplicitLE:
		return "explicit VR little endian"
	case ExplicitBE:
		return "explicit VR big endian"
	case Deflated:
		return "deflated explicit VR little endian"
	}
	return "unknown"
}

// SyntaxOf maps a transfer syntax UID to its dataset encoding. Compressed
// pixel syntaxes (JPEG, RLE, MPEG, HTJ2K…) encode the dataset itself as
// explicit VR little endian.
func SyntaxOf(uid string) Syntax {
	switch uid {
	case "1.2.840.10008.1.2":
		return ImplicitLE
	case "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.1.98", "1.2.840.10008.1.2.5":
		return ExplicitLE
	case "1.2.840.10008.1.2.2":
		return ExplicitBE
	case "1.2.840.10008.1.2.1.99":
		return Deflated
	}
	if strings.HasPrefix(uid, "1.2.840.10008.1.2.4.") {
		return ExplicitLE
	}
	return SyntaxUnknown
}

// Attribute is one identifying value of a device, with the tag it came from.
type Attribute struct {
	Tag Tag
	// Value is the trimmed text; multi-valued attributes (Software
	// Versions) keep DICOM's backslash separator, see Values.
	Value string
	// FromClient is true when the association requestor sent the dataset.
	FromClient bool
	// Command is the DIMSE command whose dataset held the value (0 from
	// PeekDataset). A C-STORE request's dataset describes the device that
	// made the object, which is the sender unless an archive is forwarding
	// someone else's image; a C-FIND response's describes what was found.
	Command Command
	// Nested is set for a value found inside a sequence. Only Modality is
	// reported from there: a modality worklist query names the modality
	// that asks in its Scheduled Procedure Step Sequence.
	Nested bool
}

// Values splits a multi-valued attribute on DICOM's backslash separator.
func (a Attribute) Values() []string { return strings.Split(a.Value, `\`) }

// Dataset is what a peek found in the start of one dataset.
type Dataset struct {
	Identity []Attribute
	// PHI lists the patient attributes present with a non-empty value;
	// their values are never read.
	PHI []Tag
}

// PeekDataset examines a whole dataset encoded with syntax s (only its
// first MaxPeek bytes when it is longer, which is then no error), and reports identity attributes and which patient
// attributes were present. It stops at Pixel Data. The results copy what
// they keep, so b may be reused.
func PeekDataset(b []byte, s Syntax) (Dataset, error) {
	var d Dataset
	var p peeker
	truncated := len(b) > MaxPeek
	if truncated {
		b = b[:MaxPeek]
	}
	err := p.run(b, s, truncated, &d.Identity, &d.PHI, false, 0)
	return d, err
}

// identityTags are the attributes a clinical engineer needs to recognise a
// device and its software. Institution Name is deliberately absent: the
// sensor knows its own site, and the value adds nothing to identification.
func identityTag(t Tag) bool {
	switch t {
	case 0x00080016, // SOP Class UID
		0x00080060, // Modality
		0x00080070, // Manufacturer
		0x00081010, // Station Name
		0x00081090, // Manufacturer's Model Name
		0x00181000, // Device Serial Number
		0x00181016, // Secondary Capture Device Manufacturer
		0x00181018, // Secondary Capture Device Manufacturer's Model Name
		0x00181019, // Secondary Capture Device Software Versions
		0x00181020: // Software Versions
		return true
	}
	return false
}

// phiTag reports attributes whose value identifies a patient or the people
// and orders around them. Group 0010 is the Patient module (and private
// groups are not touched at all).
func phiTag(t Tag) bool {
	if t.Group() == 0x0010 {
		return t.Element() != 0x0000
	}
	switch t {
	case 0x00080050, // Accession Number
		0x00080090, // Referring Physician's Name
		0x00080092, // Referring Physician's Address
		0x00080094, // Referring Physician's Telephone Numbers
		0x00081048, // Physician(s) of Record
		0x00081050, // Performing Physician's Name
		0x00081060, // Name of Physician(s) Reading Study
		0x00081070, // Operators' Name
		0x00321032, // Requesting Physician
		0x00380010, // Admission ID
		0x00400006, // Scheduled Performing Physician's Name
		0x0040A123: // Person Name
		return true
	}
	return false
}

const pixelData Tag = 0x7FE00010

type container struct {
	end      int // offset where a defined-length container ends, -1 if undefined
	item     bool
	implicit bool // UN of undefined length is implicit VR LE inside
}

// peeker walks elements in one flat loop: sequences and items are
// containers it steps into rather than recursing, so the depth bound is a
// stack length and no value is copied unless it is kept.
type peeker struct {
	stack   [MaxDepth]container
	depth   int
	scratch [MaxValue]byte
}

// run walks b. truncated says b is a prefix cut at the buffer bound, so
// running off its end is expected rather than an error.
func (p *peeker) run(b []byte, s Syntax, truncated bool, ids *[]Attribute, phi *[]Tag, fromClient bool, cmd Command) error {
	p.depth = 0
	if s == Deflated {
		return nil
	}
	if s == SyntaxUnknown {
		s = guessSyntax(b)
	}
	be := s == ExplicitBE
	off := 0
	for {
		// Close defined-length containers that end here.
		for p.depth > 0 && p.stack[p.depth-1].end >= 0 && off >= p.stack[p.depth-1].end {
			if off > p.stack[p.depth-1].end {
				return fmt.Errorf("dicom: dataset offset %d: element overruns its item or sequence ending at %d", off, p.stack[p.depth-1].end)
			}
			p.depth--
		}
		if off >= len(b) {
			if p.depth > 0 && !truncated {
				return fmt.Errorf("dicom: dataset ends at offset %d inside %d open sequence(s)", off, p.depth)
			}
			return nil
		}
		implicit, bigEndian := s == ImplicitLE, be
		if p.depth > 0 && p.stack[p.depth-1].implicit {
			implicit, bigEndian = true, false
		}
		var ord binary.ByteOrder = binary.LittleEndian
		if bigEndian {
			ord = binary.BigEndian
		}
		if len(b)-off < 8 {
			if truncated {
				return nil
			}
			return fmt.Errorf("dicom: dataset offset %d: %d bytes left, element header needs 8", off, len(b)-off)
		}
		tag := Tag(uint32(ord.Uint16(b[off:]))<<16 | uint32(ord.Uint16(b[off+2:])))
		var (
			length uint32
			vr     [2]byte
			hdr    int
		)
		switch {
		case tag.Group() == 0xFFFE:
			length, hdr = ord.Uint32(b[off+4:]), 8
		case implicit:
			length, hdr = ord.Uint32(b[off+4:]), 8
		default:
			vr = [2]byte{b[off+4], b[off+5]}
			long, ok := vrLong(vr)
			if !ok {
				return fmt.Errorf("dicom: dataset offset %d: element %s has invalid VR 0x%02X%02X", off, tag.short(), vr[0], vr[1])
			}
			if long {
				if len(b)-off < 12 {
					if truncated {
						return nil
					}
					return fmt.Errorf("dicom: dataset offset %d: %d bytes left, element header needs 12", off, len(b)-off)
				}
				length, hdr = ord.Uint32(b[off+8:]), 12
			} else {
				length, hdr = uint32(ord.Uint16(b[off+6:])), 8
			}
		}
		if tag == pixelData && p.depth == 0 {
			return nil
		}
		start := off + hdr
		const undefined = 0xFFFFFFFF
		switch {
		case tag == 0xFFFEE000: // item
			if p.depth == 0 || p.stack[p.depth-1].item {
				return fmt.Errorf("dicom: dataset offset %d: item outside a sequence", off)
			}
			if err := p.push(off, start, length, true, p.stack[p.depth-1].implicit); err != nil {
				return err
			}
			off = start
			continue
		case tag == 0xFFFEE00D: // item delimiter
			if p.depth == 0 || !p.stack[p.depth-1].item || p.stack[p.depth-1].end >= 0 {
				return fmt.Errorf("dicom: dataset offset %d: item delimiter outside an undefined-length item", off)
			}
			p.depth--
			off = start
			continue
		case tag == 0xFFFEE0DD: // sequence delimiter
			if p.depth == 0 || p.stack[p.depth-1].item || p.stack[p.depth-1].end >= 0 {
				return fmt.Errorf("dicom: dataset offset %d: sequence delimiter outside an undefined-length sequence", off)
			}
			p.depth--
			off = start
			continue
		case tag.Group() == 0xFFFE:
			return fmt.Errorf("dicom: dataset offset %d: unexpected delimitation tag %s", off, tag.short())
		}
		if p.depth > 0 && !p.stack[p.depth-1].item {
			return fmt.Errorf("dicom: dataset offset %d: element %s directly inside a sequence, outside an item", off, tag.short())
		}
		sequence := vr == [2]byte{'S', 'Q'}
		if length == undefined {
			switch {
			case sequence || implicit:
				sequence = true
			case vr == [2]byte{'U', 'N'}:
				// PS3.5 6.2.2: an undefined-length UN holds an implicit VR sequence.
				if phiTag(tag) {
					p.notePHI(tag, phi)
				}
				if err := p.push(off, start, length, false, true); err != nil {
					return err
				}
				off = start
				continue
			default:
				// Encapsulated data outside Pixel Data: its fragments cannot
				// be skipped without walking them, and nothing after it is
				// worth that.
				return nil
			}
		}
		if !sequence && implicit && length >= 8 && len(b)-start >= 8 &&
			ord.Uint16(b[start:]) == 0xFFFE && ord.Uint16(b[start+2:]) == 0xE000 {
			// Implicit VR gives no VR; a value that opens with an item tag is
			// a defined-length sequence, worth entering for nested patient data.
			sequence = true
		}
		if phiTag(tag) && length != 0 {
			p.notePHI(tag, phi)
		}
		if sequence {
			if err := p.push(off, start, length, false, p.depth > 0 && p.stack[p.depth-1].implicit); err != nil {
				return err
			}
			off = start
			continue
		}
		if uint64(length) > uint64(len(b)-start) {
			if truncated {
				return nil
			}
			return fmt.Errorf("dicom: dataset offset %d: element %s length %d exceeds the %d bytes left", off, tag.short(), length, len(b)-start)
		}
		end := start + int(length)
		if (p.depth == 0 || tag == 0x00080060) && identityTag(tag) && !phiTag(tag) {
			p.noteIdentity(tag, b[start:end], ids, fromClient, cmd, p.depth > 0)
		}
		off = end
	}
}

func (p *peeker) push(off, start int, length uint32, item, implicit bool) error {
	if p.depth == MaxDepth {
		return fmt.Errorf("dicom: dataset offset %d: nesting deeper than %d", off, MaxDepth)
	}
	end := -1
	if length != 0xFFFFFFFF {
		if uint64(start)+uint64(length) > uint64(1<<31) {
			return fmt.Errorf("dicom: dataset offset %d: length %d out of range", off, length)
		}
		end = start + int(length)
		if p.depth > 0 && p.stack[p.depth-1].end >= 0 && end > p.stack[p.depth-1].end {
			return fmt.Errorf("dicom: dataset offset %d: length %d overruns the enclosing item or sequence", off, length)
		}
	}
	p.stack[p.depth] = container{end: end, item: item, implicit: implicit}
	p.depth++
	return nil
}

// notePHI records only the tag: the value is never looked at.
func (p *peeker) notePHI(t Tag, phi *[]Tag) {
	for _, have := range *phi {
		if have == t {
			return
		}
	}
	if len(*phi) < MaxPHITags {
		*phi = append(*phi, t)
	}
}

func (p *peeker) noteIdentity(t Tag, v []byte, ids *[]Attribute, fromClient bool, cmd Command, nested bool) {
	clean := sanitize(p.scratch[:0], v)
	if len(clean) == 0 {
		return
	}
	for _, a := range *ids {
		if a.Tag == t && a.FromClient == fromClient && a.Command == cmd && a.Nested == nested && a.Value == string(clean) {
			return
		}
	}
	if len(*ids) < MaxIdentity {
		*ids = append(*ids, Attribute{Tag: t, Value: string(clean), FromClient: fromClient, Command: cmd, Nested: nested})
	}
}

// sanitize trims DICOM padding (spaces, NULs) and keeps printable UTF-8
// only, bounded by dst's capacity, so an extracted value is safe to log.
func sanitize(dst, v []byte) []byte {
	for len(v) > 0 && (v[len(v)-1] == 0 || v[len(v)-1] == ' ') {
		v = v[:len(v)-1]
	}
	ascii := true
	for _, c := range v {
		if c < 0x20 || c > 0x7E {
			ascii = false
			break
		}
	}
	if ascii { // the common case: UIDs, AE titles, most values
		v = trimSpace(v)
		return append(dst, v[:min(len(v), cap(dst)-len(dst))]...)
	}
	for len(v) > 0 {
		r, n := utf8.DecodeRune(v)
		if r == utf8.RuneError && n <= 1 {
			r = '?'
		}
		v = v[n:]
		if !unicode.IsPrint(r) {
			if r == 0 || unicode.IsSpace(r) {
				r = ' '
			} else {
				r = '?'
			}
		}
		if len(dst)+utf8.RuneLen(r) > cap(dst) {
			break
		}
		dst = utf8.AppendRune(dst, r)
	}
	return trimSpace(dst)
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && b[0] == ' ' {
		b = b[1:]
	}
	for len(b) > 0 && b[len(b)-1] == ' ' {
		b = b[:len(b)-1]
	}
	return b
}

// vrLong reports whether an explicit VR has the 4-byte length form, and
// whether the VR is one PS3.5 defines at all.
func vrLong(vr [2]byte) (long, ok bool) {
	switch string(vr[:]) {
	case "OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV":
		return true, true
	case "AE", "AS", "AT", "CS", "DA", "DS", "DT", "FL", "FD", "IS", "LO", "LT",
		"PN", "SH", "SL", "SS", "ST", "TM", "UI", "UL", "US":
		return false, true
	}
	return false, false
}

// guessSyntax decides between implicit and explicit VR little endian for a
// dataset whose transfer syntax was not seen: explicit VR puts two
// uppercase letters where implicit VR has the low half of the length.
func guessSyntax(b []byte) Syntax {
	if len(b) >= 6 {
		if _, ok := vrLong([2]byte{b[4], b[5]}); ok {
			return ExplicitLE
		}
	}
	return ImplicitLE
}
