package hl7

import (
	"bytes"
	"fmt"
)

const (
	startBlock = 0x0B
	endBlock   = 0x1C
)

// Byte classes inside a message. The delimiters of MSH-1/MSH-2 get their own
// classes; stop marks the bytes that end a run of field content.
const (
	clsData uint8 = iota
	clsField
	clsSegEnd
	clsEnd
	clsStart
)

type state uint8

const (
	stOutside state = iota // looking for a start block
	stHeader               // reading "MSH" and the delimiters
	stName                 // reading a segment name
	stField                // inside a field
	stSkip                 // dropping the rest of a frame
	stEnd                  // after an end block, expecting CR
)

type segKind uint8

const (
	segOther segKind = iota
	segMSH
	segMSA
	segOBX
	segPRT
)

type delims struct {
	field, comp, rep, esc, sub byte
	hasComp, hasRep            bool
	hasEsc, hasSub             bool
}

// parser decodes one direction of a stream. It copies only the fields it
// extracts (at most MaxField bytes at a time); everything else, patient
// segments included, is scanned past.
type parser struct {
	st     state
	cls    [256]uint8
	d      decoder
	hdr    [10]byte
	hdrLen int

	name    [3]byte
	nameLen int
	seg     segKind
	segName string // known name, or "" for an unknown line
	segNo   int
	field   int
	want    bool
	buf     []byte

	obx, prt int // index of the current OBX/PRT record, -1 when over the limit

	msg      Message
	inMsg    bool
	n        int   // bytes of the current message so far
	off      int64 // bytes of this direction consumed so far
	junk     int   // consecutive bytes outside frames
	dead     bool
	headErr  error // why the last frame was not an HL7 message
	fromClnt bool
}

func (p *parser) begin() {
	p.st = stHeader
	p.hdrLen = 0
	p.inMsg = false
	p.msg = Message{FromClient: p.fromClnt, Offset: p.off - 1}
	p.n = 0
	p.segNo = 0
	p.obx, p.prt = -1, -1
}

// feed consumes b, calling emit for every message that ends in it.
func (p *parser) feed(b []byte, emit func(Message)) {
	for len(b) > 0 && !p.dead {
		switch p.st {
		case stOutside:
			i := bytes.IndexByte(b, startBlock)
			if i < 0 {
				p.skipJunk(len(b))
				p.off += int64(len(b))
				return
			}
			p.skipJunk(i)
			p.off += int64(i) + 1
			b = b[i+1:]
			p.begin()
		case stHeader:
			c := b[0]
			b = b[1:]
			p.off++
			p.header(c, emit)
		case stName:
			if p.n >= MaxMessage {
				p.abort(fmt.Errorf("%s: message exceeds %d bytes", p.where(), MaxMessage), emit)
				p.st = stSkip
				continue
			}
			c := b[0]
			b = b[1:]
			p.off++
			p.n++
			p.nameByte(c, emit)
		case stField:
			i := 0
			for i < len(b) && p.cls[b[i]] == clsData {
				i++
			}
			if p.n+i > MaxMessage {
				p.abort(fmt.Errorf("%s: message exceeds %d bytes", p.where(), MaxMessage), emit)
				p.st = stSkip
				continue
			}
			if p.want {
				p.keep(b[:i])
			}
			p.n += i
			p.off += int64(i)
			b = b[i:]
			if len(b) == 0 {
				return
			}
			c := b[0]
			b = b[1:]
			p.off++
			p.n++
			p.delimiter(c, emit)
		case stSkip:
			i := bytes.IndexAny(b, "\x0b\x1c")
			if i < 0 {
				p.off += int64(len(b))
				return
			}
			c := b[i]
			p.off += int64(i) + 1
			b = b[i+1:]
			if c == startBlock {
				p.begin()
			} else {
				p.st = stEnd
			}
		case stEnd:
			if b[0] == '\r' {
				b = b[1:]
				p.off++
			}
			p.st = stOutside
		}
	}
}

func (p *parser) skipJunk(n int) {
	p.junk += n
	if p.junk > MaxJunk {
		p.dead = true
	}
}

// header reads "MSH", the field separator and MSH-2, which define the
// delimiters of the rest of the message.
func (p *parser) header(c byte, emit func(Message)) {
	if c == startBlock {
		p.notMessage("start block inside MSH")
		p.begin()
		return
	}
	p.hdr[p.hdrLen] = c
	p.hdrLen++
	switch {
	case p.hdrLen <= 3:
		if c != "MSH"[p.hdrLen-1] {
			p.notMessage("frame does not start with MSH")
		}
		return
	case p.hdrLen == 4:
		if !delimOK(c) {
			p.notMessage("invalid field separator")
		}
		return
	}
	if c != p.hdr[3] && c != '\r' && c != '\n' && c != endBlock {
		if p.hdrLen == len(p.hdr) || !delimOK(c) {
			p.notMessage("invalid MSH-2 encoding characters")
		}
		return
	}
	enc := p.hdr[4 : p.hdrLen-1]
	if len(enc) == 0 {
		p.notMessage("empty MSH-2 encoding characters")
		return
	}
	for i, x := range enc {
		if x == p.hdr[3] || bytes.IndexByte(enc[i+1:], x) >= 0 {
			p.notMessage("repeated delimiter in MSH-2")
			return
		}
	}
	p.setDelims(p.hdr[3], enc)
	p.junk = 0
	p.inMsg = true
	p.n = p.hdrLen
	p.startSegment(segMSH, "MSH")
	switch c {
	case p.d.field:
		p.st = stField
		p.field = 3
		p.want = p.wanted()
	case endBlock:
		p.n--
		p.finish(nil, emit)
		p.st = stEnd
	default:
		p.st = stName
		p.nameLen = 0
	}
}

func delimOK(c byte) bool {
	switch {
	case c >= '0' && c <= '9', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		return false
	case c < 0x20 || c == 0x7f:
		return false
	}
	return true
}

func (p *parser) notMessage(why string) {
	p.headErr = fmt.Errorf("hl7: frame at offset %d: %s", p.msg.Offset, why)
	p.skipJunk(p.hdrLen + 1)
	p.st = stOutside
}

func (p *parser) setDelims(field byte, enc []byte) {
	p.cls = [256]uint8{}
	p.cls['\r'] = clsSegEnd
	p.cls['\n'] = clsSegEnd
	p.cls[endBlock] = clsEnd
	p.cls[startBlock] = clsStart
	p.cls[field] = clsField
	p.d.delims = delims{field: field}
	if len(enc) > 0 {
		p.d.comp, p.d.hasComp = enc[0], true
	}
	if len(enc) > 1 {
		p.d.rep, p.d.hasRep = enc[1], true
	}
	if len(enc) > 2 {
		p.d.esc, p.d.hasEsc = enc[2], true
	}
	if len(enc) > 3 {
		p.d.sub, p.d.hasSub = enc[3], true
	}
}

func (p *parser) nameByte(c byte, emit func(Message)) {
	switch p.cls[c] {
	case clsData:
		if p.nameLen < len(p.name) {
			p.name[p.nameLen] = c
		}
		p.nameLen++
	case clsField:
		p.nameDone()
		p.st = stField
		p.field = 1
		p.want = p.wanted()
	case clsSegEnd:
		p.nameDone()
	case clsEnd:
		p.nameDone()
		p.n-- // the end block is not part of the message
		p.finish(nil, emit)
		p.st = stEnd
	case clsStart:
		p.abort(fmt.Errorf("%s: start block before end of message", p.where()), emit)
		p.begin()
	}
}

// nameDone classifies the segment whose name was just read.
func (p *parser) nameDone() {
	n := p.nameLen
	p.nameLen = 0
	if n == 0 {
		return // empty line, e.g. the LF of a CRLF
	}
	if n != 3 {
		p.startSegment(segOther, "")
		return
	}
	a, b, c := p.name[0], p.name[1], p.name[2]
	if info, ok := segTable[pack(a, b, c)]; ok {
		kind := segOther
		switch info.name {
		case "MSA":
			kind = segMSA
		case "OBX":
			kind = segOBX
		case "PRT":
			kind = segPRT
		}
		p.startSegment(kind, info.name)
		if info.phi {
			p.msg.PHISegments = addName(p.msg.PHISegments, info.name, &p.msg.Truncated)
		}
		return
	}
	if a == 'Z' && upperOrDigit(b) && upperOrDigit(c) {
		p.startSegment(segOther, string(p.name[:]))
		return
	}
	p.startSegment(segOther, "")
}

func upperOrDigit(c byte) bool { return c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' }

func (p *parser) startSegment(kind segKind, name string) {
	p.seg = kind
	p.segName = name
	p.segNo++
	p.msg.SegmentCount++
	if name == "" {
		p.msg.UnknownSegments++
	} else {
		p.msg.Segments = addName(p.msg.Segments, name, &p.msg.Truncated)
	}
	switch kind {
	case segOBX:
		p.obx = -1
		if len(p.msg.Observations) < MaxObservations {
			p.msg.Observations = append(p.msg.Observations, Observation{})
			p.obx = len(p.msg.Observations) - 1
		} else {
			p.msg.Truncated = true
		}
	case segPRT:
		p.prt = -1
		if len(p.msg.Participants) < MaxParticipants {
			p.msg.Participants = append(p.msg.Participants, Participant{})
			p.prt = len(p.msg.Participants) - 1
		} else {
			p.msg.Truncated = true
		}
	}
}

func addName(list []string, name string, truncated *bool) []string {
	for _, s := range list {
		if s == name {
			return list
		}
	}
	if len(list) >= MaxSegmentNames {
		*truncated = true
		return list
	}
	if list == nil {
		list = make([]string, 0, 8) // most messages have a handful of segment kinds
	}
	return append(list, name)
}

// wanted reports whether the current field is one we extract.
func (p *parser) wanted() bool {
	f := p.field
	switch p.seg {
	case segMSH:
		return f >= 3 && f <= 7 || f >= 9 && f <= 12 || f == 21
	case segMSA:
		return f == 1 || f == 2
	case segOBX:
		return p.obx >= 0 && (f == 3 || f == 18)
	case segPRT:
		return p.prt >= 0 && (f == 4 || f == 10 || f >= 16 && f <= 22)
	}
	return false
}

func (p *parser) keep(b []byte) {
	room := MaxField - len(p.buf)
	if len(b) > room {
		b = b[:room]
		p.msg.Truncated = true
	}
	if p.buf == nil {
		p.buf = make([]byte, 0, MaxField)
	}
	p.buf = append(p.buf, b...)
}

func (p *parser) delimiter(c byte, emit func(Message)) {
	switch p.cls[c] {
	case clsField:
		p.fieldDone()
		p.field++
		p.want = p.wanted()
	case clsSegEnd:
		p.fieldDone()
		p.st = stName
	case clsEnd:
		p.fieldDone()
		p.n--
		p.finish(nil, emit)
		p.st = stEnd
	case clsStart:
		p.fieldDone()
		p.abort(fmt.Errorf("%s: start block before end of message", p.where()), emit)
		p.begin()
	}
}

func (p *parser) fieldDone() {
	if !p.want {
		return
	}
	p.want = false
	raw := p.buf
	p.buf = p.buf[:0]
	if len(raw) == 0 {
		return
	}
	m := &p.msg
	d := &p.d
	tr := &m.Truncated
	switch p.seg {
	case segMSH:
		switch p.field {
		case 3:
			m.SendingApplication = d.hd(raw, tr)
		case 4:
			m.SendingFacility = d.hd(raw, tr)
		case 5:
			m.ReceivingApplication = d.hd(raw, tr)
		case 6:
			m.ReceivingFacility = d.hd(raw, tr)
		case 7:
			m.Time = d.value(d.component(d.firstRep(raw), 1), tr)
		case 9:
			r := d.firstRep(raw)
			m.MessageCode = d.value(d.component(r, 1), tr)
			m.TriggerEvent = d.value(d.component(r, 2), tr)
			m.MessageStructure = d.value(d.component(r, 3), tr)
		case 10:
			m.ControlID = d.value(d.firstRep(raw), tr)
		case 11:
			m.ProcessingID = d.value(d.component(d.firstRep(raw), 1), tr)
		case 12:
			m.Version = d.value(d.component(d.firstRep(raw), 1), tr)
		case 21:
			m.Profiles = d.eiList(raw, tr)
		}
	case segMSA:
		switch p.field {
		case 1:
			m.AckCode = d.value(d.firstRep(raw), tr)
		case 2:
			m.AckControlID = d.value(d.firstRep(raw), tr)
		}
	case segOBX:
		o := &m.Observations[p.obx]
		switch p.field {
		case 3:
			o.Identifier = d.code(d.firstRep(raw), tr)
		case 18:
			o.Equipment = d.eiList(raw, tr)
		}
	case segPRT:
		pr := &m.Participants[p.prt]
		switch p.field {
		case 4:
			pr.Role = d.code(d.firstRep(raw), tr)
		case 10:
			pr.Device = d.eiList(raw, tr)
		case 16:
			pr.DeviceIdentifier = d.ei(d.firstRep(raw), tr)
		case 17:
			pr.ManufactureDate = d.value(d.component(d.firstRep(raw), 1), tr)
		case 18:
			pr.ExpiryDate = d.value(d.component(d.firstRep(raw), 1), tr)
		case 19:
			pr.LotNumber = d.value(d.firstRep(raw), tr)
		case 20:
			pr.SerialNumber = d.value(d.firstRep(raw), tr)
		case 21:
			pr.DonationID = d.ei(d.firstRep(raw), tr)
		case 22:
			pr.DeviceType = d.code(d.firstRep(raw), tr)
		}
	}
}

// where names the position in the current message for an error: offsets,
// segment number and a name only when it is a known one (an unknown line
// could be patient text).
func (p *parser) where() string {
	name := p.segName
	if name == "" {
		name = "?"
	}
	return fmt.Sprintf("hl7: message at offset %d: segment %d (%s) field %d", p.msg.Offset, p.segNo, name, p.field)
}

// abort ends the current message early, reporting what it held.
func (p *parser) abort(err error, emit func(Message)) {
	if p.inMsg {
		p.finish(err, emit)
	}
}

func (p *parser) finish(err error, emit func(Message)) {
	if !p.inMsg {
		return
	}
	p.inMsg = false
	p.want = false
	p.buf = p.buf[:0]
	p.msg.Length = min(p.n, MaxMessage) // an oversized message stops just past the limit
	p.msg.Err = err
	if emit != nil {
		emit(p.msg)
	}
	p.msg = Message{}
}
