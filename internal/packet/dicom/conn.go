// Package dicom owns the passive decoding of the DICOM upper layer protocol
// (PS3.8) as seen on a mirror port: association negotiation (AE titles,
// implementation class UID and version, presentation contexts), the DIMSE
// operations carried in P-DATA, and a bounded peek into the datasets for the
// attributes that identify the sending device. It detects patient attributes
// and reports which tags were present, never their values. It knows nothing
// of captures or TCP: the sensor's engine feeds it reassembled bytes.
package dicom

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Bounds on what one connection may make the decoder keep. The buffers are
// grown on demand: a connection holds at most 2×(MaxAssociatePDU+MaxCommand+
// MaxPeek) = 288 KiB of buffered bytes, and far less for typical traffic.
const (
	// MaxAssociatePDU bounds every PDU other than P-DATA-TF, which is
	// streamed through however large it is.
	MaxAssociatePDU = 64 << 10
	// MaxCommand bounds a DIMSE command set; real ones are a few hundred bytes.
	MaxCommand = 16 << 10
	// MaxContexts bounds the presentation contexts kept (IDs are odd bytes, so
	// 128 is the protocol's own maximum).
	MaxContexts = 128
	// MaxTransferSyntaxes bounds the transfer syntaxes kept per proposed context.
	MaxTransferSyntaxes = 16
	// MaxOperations bounds the DIMSE operations kept per association.
	MaxOperations = 1024
	// MaxIdentity bounds the identity attributes kept per association.
	MaxIdentity = 64
	// MaxPHITags bounds the distinct patient tags listed.
	MaxPHITags = 64
	// MaxWarnings bounds the non-fatal decode problems kept.
	MaxWarnings = 16
)

// PDU types (PS3.8 9.3).
const (
	pduAssociateRQ = 0x01
	pduAssociateAC = 0x02
	pduAssociateRJ = 0x03
	pduData        = 0x04
	pduReleaseRQ   = 0x05
	pduReleaseRP   = 0x06
	pduAbort       = 0x07
)

// State is how far the association got.
type State uint8

const (
	// StateUnknown: no A-ASSOCIATE-RQ was seen (the capture started late).
	StateUnknown State = iota
	Requested
	Accepted
	Rejected
	Released
	Aborted
)

func (s State) String() string {
	return [...]string{"unknown", "requested", "accepted", "rejected", "released", "aborted"}[s]
}

// PresentationContext is one proposed (A-ASSOCIATE-RQ) and answered
// (A-ASSOCIATE-AC) presentation context.
type PresentationContext struct {
	ID uint8
	// AbstractSyntax is the SOP class (or meta SOP class) the requestor
	// wants to use: it says what the device does.
	AbstractSyntax   string
	TransferSyntaxes []string // proposed
	Answered         bool     // an A-ASSOCIATE-AC answered this context
	// Result: 0 acceptance, 1 user-rejection, 2 no-reason,
	// 3 abstract-syntax-not-supported, 4 transfer-syntaxes-not-supported.
	Result         uint8
	TransferSyntax string // accepted
}

// UserInfo is one side's user information item (PS3.7 annex D.3.3).
type UserInfo struct {
	MaxPDULength           uint32
	ImplementationClassUID string
	ImplementationVersion  string
	// UserIdentity is the user identity negotiation type (1 username,
	// 2 username and passcode, 3 Kerberos, 4 SAML, 5 JWT), 0 when absent.
	// The username, passcode and tokens themselves are never kept.
	UserIdentity uint8
}

// Operation is one DIMSE request and, when seen, its response.
type Operation struct {
	Command    Command // the request's command field (C-STORE, C-FIND…)
	ContextID  uint8
	MessageID  uint16
	SOPClass   string // Affected (or Requested) SOP Class UID
	FromClient bool   // the association requestor issued the request
	Responded  bool
	// Status of the last response: 0x0000 success, 0xFF00/0xFF01 pending,
	// 0x0001 and 0xBxxx warning, others failure.
	Status uint16
}

// Association is what one connection revealed. Conn owns it and updates it
// on every Feed; it stays valid, and is no longer changed, once Feed has
// returned false. No field aliases bytes given to Feed.
type Association struct {
	CallingAE, CalledAE string
	ApplicationContext  string
	State               State
	Reject              Reject // when State == Rejected
	Abort               Abort  // when State == Aborted
	Contexts            []PresentationContext
	Requestor, Acceptor UserInfo

	Operations        []Operation
	OperationsDropped int

	// Identity holds the device attributes found in the datasets, each
	// distinct (tag, value, direction) once.
	Identity []Attribute
	// PHI is true when a dataset carried a patient attribute with a value;
	// PHITags says which (never the values).
	PHI     bool
	PHITags []Tag

	// Warnings are non-fatal problems (a dataset that could not be peeked,
	// a gap in the capture), with offsets and tags but never values.
	Warnings []string
}

// ErrNotDICOM is returned by Err when the first client bytes are not a
// DICOM PDU.
var ErrNotDICOM = errors.New("dicom: stream is not DICOM")

// Sniff reports whether the first bytes a client sent look like an
// A-ASSOCIATE-RQ: PDU type 1, protocol version 1 and a plausible length,
// with printable called and calling AE titles when present.
func Sniff(b []byte) bool {
	if len(b) < 10 || b[0] != pduAssociateRQ || b[1] != 0 {
		return false
	}
	n := binary.BigEndian.Uint32(b[2:])
	if n < 68 || n > MaxAssociatePDU || binary.BigEndian.Uint16(b[6:]) != 1 {
		return false
	}
	for i := 10; i < len(b) && i < 42; i++ {
		if b[i] < 0x20 || b[i] > 0x7E {
			return false
		}
	}
	return true
}

// Conn follows one TCP connection carrying a DICOM association.
type Conn struct {
	a     Association
	ctxAt [256]uint8 // presentation context ID → index in a.Contexts + 1
	// names interns the transfer syntax UIDs: every context repeats the
	// same few, and the record should not hold hundreds of copies.
	names []string
	// syntaxes backs the contexts' TransferSyntaxes, one allocation for
	// many contexts.
	syntaxes []string
	dirs     [2]direction // 0 server, 1 client
	peek     peeker
	err      error
	done     bool
	fresh    bool // nothing decoded yet: bad bytes mean "not DICOM", not an error
}

// NewConn returns a decoder for one connection. Read the results with
// Association after Feed, and Err for the reason decoding stopped.
func NewConn() *Conn {
	c := &Conn{fresh: true}
	c.dirs[0].client, c.dirs[1].client = false, true
	return c
}

// Association returns the connection's record, owned by Conn.
func (c *Conn) Association() *Association { return &c.a }

// Err returns why decoding stopped early, nil if it did not.
func (c *Conn) Err() error { return c.err }

// direction is the framing state of one side.
type direction struct {
	client bool
	dead   bool // framing lost after a gap

	pos   uint64 // bytes of this direction consumed or lost so far
	pduAt uint64 // stream offset of the current PDU, for errors

	hdr  [6]byte
	nhdr int
	typ  byte
	left uint32 // body bytes of the current PDU still to come
	body []byte // non-P-DATA bodies, ≤ MaxAssociatePDU
	skip bool   // drop the rest of the current PDU (after a gap)

	pdv     [6]byte
	npdv    int
	pdvLeft uint32
	pdvCtx  byte
	pdvMCH  byte
	// resync drops PDVs after a gap until one ends a message, so a
	// command or dataset missing its start is never parsed.
	resync bool

	cmd    []byte
	cmdOn  bool
	cmdBad bool

	lastCmd Command // the command the next dataset belongs to

	ds     []byte
	dsOn   bool
	dsCtx  byte
	dsDone bool // peeked already, or not worth peeking
}

// Feed takes the next in-order bytes of one direction. It returns false
// when the stream is not DICOM, decoding failed, or the association ended.
func (c *Conn) Feed(client bool, b []byte) bool {
	if c.done {
		return false
	}
	d := &c.dirs[0]
	if client {
		d = &c.dirs[1]
	}
	if d.dead {
		return !c.allDead()
	}
	for len(b) > 0 && !c.done {
		if d.nhdr == 0 {
			d.pduAt = d.pos
		}
		rest, err := c.step(d, b)
		d.pos += uint64(len(b) - len(rest))
		b = rest
		if err != nil {
			c.fail(fmt.Errorf("%w (%s stream, PDU at byte %d)", err, side(d.client), d.pduAt))
			return false
		}
	}
	return !c.done
}

func (c *Conn) allDead() bool { return c.dirs[0].dead && c.dirs[1].dead }

func (c *Conn) fail(err error) {
	if c.fresh {
		err = ErrNotDICOM
	}
	if c.err == nil {
		c.err = err
	}
	c.done = true
}

// step consumes a prefix of b.
func (c *Conn) step(d *direction, b []byte) ([]byte, error) {
	if d.nhdr < 6 {
		n := copy(d.hdr[d.nhdr:], b)
		d.nhdr += n
		b = b[n:]
		if d.nhdr < 6 {
			return b, nil
		}
		if err := c.header(d); err != nil {
			return b, err
		}
		if d.left == 0 {
			return b, c.endPDU(d)
		}
		return b, nil
	}
	if d.skip {
		n := min(uint32(len(b)), d.left)
		d.left -= n
		b = b[n:]
		if d.left == 0 {
			d.nhdr, d.skip = 0, false
		}
		return b, nil
	}
	if d.typ != pduData {
		n := min(uint32(len(b)), d.left)
		d.body = append(d.body, b[:n]...)
		d.left -= n
		b = b[n:]
		if d.left == 0 {
			return b, c.endPDU(d)
		}
		return b, nil
	}
	return c.stepData(d, b)
}

func (c *Conn) header(d *direction) error {
	d.typ = d.hdr[0]
	d.left = binary.BigEndian.Uint32(d.hdr[2:])
	d.body = d.body[:0]
	d.npdv = 0
	name := pduName(d.typ)
	switch d.typ {
	case pduAssociateRQ, pduAssociateAC:
		if d.left < 68 || d.left > MaxAssociatePDU {
			return fmt.Errorf("dicom: %s length %d outside 68..%d", name, d.left, MaxAssociatePDU)
		}
	case pduAssociateRJ, pduReleaseRQ, pduReleaseRP, pduAbort:
		if d.left != 4 {
			return fmt.Errorf("dicom: %s length %d, want 4", name, d.left)
		}
	case pduData:
		if d.left < 6 {
			return fmt.Errorf("dicom: P-DATA-TF length %d holds no PDV", d.left)
		}
	default:
		return fmt.Errorf("dicom: unknown PDU type 0x%02X", d.typ)
	}
	c.fresh = false
	return nil
}

func pduName(t byte) string {
	switch t {
	case pduAssociateRQ:
		return "A-ASSOCIATE-RQ"
	case pduAssociateAC:
		return "A-ASSOCIATE-AC"
	case pduAssociateRJ:
		return "A-ASSOCIATE-RJ"
	case pduData:
		return "P-DATA-TF"
	case pduReleaseRQ:
		return "A-RELEASE-RQ"
	case pduReleaseRP:
		return "A-RELEASE-RP"
	case pduAbort:
		return "A-ABORT"
	}
	return fmt.Sprintf("PDU 0x%02X", t)
}

// endPDU acts on a complete non-P-DATA PDU (or the end of a P-DATA one).
func (c *Conn) endPDU(d *direction) error {
	d.nhdr = 0
	body := d.body
	if cap(body) > 4<<10 {
		// Association PDUs come once per connection: do not hold their
		// buffer for the association's lifetime.
		d.body = nil
	}
	switch d.typ {
	case pduData:
		if d.npdv != 0 {
			return fmt.Errorf("dicom: P-DATA-TF ends inside a PDV header")
		}
		return nil
	case pduAssociateRQ:
		if err := c.associate(body, true); err != nil {
			return err
		}
		if c.a.State < Requested {
			c.a.State = Requested
		}
	case pduAssociateAC:
		if err := c.associate(body, false); err != nil {
			return err
		}
		if c.a.State < Accepted {
			c.a.State = Accepted
		}
	case pduAssociateRJ:
		c.a.Reject = Reject{Result: body[1], Source: body[2], Reason: body[3]}
		c.a.State = Rejected
		c.done = true
	case pduReleaseRQ:
	case pduReleaseRP:
		if c.a.State != Aborted {
			c.a.State = Released
		}
		c.done = true
	case pduAbort:
		c.a.Abort = Abort{Source: body[2], Reason: body[3], FromClient: d.client}
		c.a.State = Aborted
		c.done = true
	}
	return nil
}

// associate decodes the body (after the 6-byte header) of an A-ASSOCIATE-RQ
// or -AC. Offsets in errors count from the start of the PDU.
func (c *Conn) associate(body []byte, rq bool) error {
	name := "A-ASSOCIATE-AC"
	if rq {
		name = "A-ASSOCIATE-RQ"
	}
	if v := binary.BigEndian.Uint16(body); v&1 == 0 {
		return fmt.Errorf("dicom: %s protocol version 0x%04X does not include version 1", name, v)
	}
	if rq {
		c.a.CalledAE = text(body[4:20], 16)
		c.a.CallingAE = text(body[20:36], 16)
	}
	ui := &c.a.Acceptor
	if rq {
		ui = &c.a.Requestor
	}
	for off := 68; off < len(body); {
		if len(body)-off < 4 {
			return fmt.Errorf("dicom: %s at offset %d: %d bytes left, item header needs 4", name, off+6, len(body)-off)
		}
		typ := body[off]
		n := int(binary.BigEndian.Uint16(body[off+2:]))
		if n > len(body)-off-4 {
			return fmt.Errorf("dicom: %s item 0x%02X at offset %d: length %d exceeds PDU", name, typ, off+6, n)
		}
		v := body[off+4 : off+4+n]
		switch typ {
		case 0x10:
			c.a.ApplicationContext = text(v, 64)
		case 0x20, 0x21:
			if err := c.presentation(v, typ == 0x20, name, off+10); err != nil {
				return err
			}
		case 0x50:
			if err := userInfo(v, ui, name, off+10); err != nil {
				return err
			}
		}
		off += 4 + n
	}
	return nil
}

// presentation decodes one presentation context item's value; base is the
// PDU offset of v.
func (c *Conn) presentation(v []byte, rq bool, name string, base int) error {
	if len(v) < 4 {
		return fmt.Errorf("dicom: %s presentation context at offset %d: length %d, need 4", name, base-4, len(v))
	}
	pc := c.context(v[0])
	if pc == nil {
		return nil
	}
	if !rq {
		pc.Answered = true
		pc.Result = v[2]
	}
	start := len(c.syntaxes)
	for off := 4; off < len(v); {
		if len(v)-off < 4 {
			return fmt.Errorf("dicom: %s presentation context %d sub-item at offset %d: %d bytes left, header needs 4", name, v[0], base+off, len(v)-off)
		}
		typ := v[off]
		n := int(binary.BigEndian.Uint16(v[off+2:]))
		if n > len(v)-off-4 {
			return fmt.Errorf("dicom: %s presentation context %d sub-item 0x%02X at offset %d: length %d exceeds item", name, v[0], typ, base+off, n)
		}
		s := v[off+4 : off+4+n]
		switch {
		case typ == 0x30 && rq:
			pc.AbstractSyntax = text(s, 64)
		case typ == 0x40 && rq:
			if len(pc.TransferSyntaxes)+len(c.syntaxes)-start < MaxTransferSyntaxes &&
				len(c.syntaxes) < MaxContexts*MaxTransferSyntaxes {
				c.syntaxes = append(c.syntaxes, c.intern(s))
			}
		case typ == 0x40:
			pc.TransferSyntax = c.intern(s)
		}
		off += 4 + n
	}
	if n := len(c.syntaxes); n > start {
		if pc.TransferSyntaxes == nil {
			pc.TransferSyntaxes = c.syntaxes[start:n:n]
		} else { // the context ID was proposed twice
			pc.TransferSyntaxes = append(pc.TransferSyntaxes, c.syntaxes[start:n]...)
		}
	}
	return nil
}

// context finds or adds the presentation context with this ID; nil when
// the bound is reached.
func (c *Conn) context(id uint8) *PresentationContext {
	if i := c.ctxAt[id]; i > 0 {
		return &c.a.Contexts[i-1]
	}
	if len(c.a.Contexts) >= MaxContexts {
		return nil
	}
	c.a.Contexts = append(c.a.Contexts, PresentationContext{ID: id})
	c.ctxAt[id] = uint8(len(c.a.Contexts))
	return &c.a.Contexts[len(c.a.Contexts)-1]
}

func userInfo(v []byte, ui *UserInfo, name string, base int) error {
	for off := 0; off < len(v); {
		if len(v)-off < 4 {
			return fmt.Errorf("dicom: %s user information sub-item at offset %d: %d bytes left, header needs 4", name, base+off, len(v)-off)
		}
		typ := v[off]
		n := int(binary.BigEndian.Uint16(v[off+2:]))
		if n > len(v)-off-4 {
			return fmt.Errorf("dicom: %s user information sub-item 0x%02X at offset %d: length %d exceeds item", name, typ, base+off, n)
		}
		s := v[off+4 : off+4+n]
		switch typ {
		case 0x51:
			if n == 4 {
				ui.MaxPDULength = binary.BigEndian.Uint32(s)
			}
		case 0x52:
			ui.ImplementationClassUID = text(s, 64)
		case 0x55:
			ui.ImplementationVersion = text(s, 16)
		case 0x58:
			// Only the type: the rest is a username, passcode or token.
			if n > 0 {
				ui.UserIdentity = s[0]
			}
		case 0x59:
			if ui.UserIdentity == 0 {
				ui.UserIdentity = 0xFF // server response seen, type unknown to this side
			}
		}
		off += 4 + n
	}
	return nil
}

// intern returns the UID as a string shared with earlier equal ones.
func (c *Conn) intern(b []byte) string {
	var buf [64]byte
	clean := sanitize(buf[:0], b)
	for _, s := range c.names {
		if s == string(clean) {
			return s
		}
	}
	s := string(clean)
	if len(c.names) < 32 {
		c.names = append(c.names, s)
	}
	return s
}

// text copies a fixed-width or UID field out as a trimmed, printable string.
func text(b []byte, max int) string {
	var buf [MaxValue]byte
	return string(sanitize(buf[:0:max], b))
}

// stepData consumes P-DATA-TF body bytes, PDV by PDV.
func (c *Conn) stepData(d *direction, b []byte) ([]byte, error) {
	if d.npdv < 6 {
		n := min(len(b), 6-d.npdv, int(d.left))
		copy(d.pdv[d.npdv:], b[:n])
		d.npdv += n
		d.left -= uint32(n)
		b = b[n:]
		if d.npdv < 6 {
			if d.left == 0 {
				return b, c.endPDU(d)
			}
			return b, nil
		}
		length := binary.BigEndian.Uint32(d.pdv[:])
		if length < 2 || length-2 > d.left {
			return b, fmt.Errorf("dicom: P-DATA-TF PDV length %d does not fit the %d bytes left in the PDU", length, d.left+2)
		}
		d.pdvLeft = length - 2
		d.pdvCtx, d.pdvMCH = d.pdv[4], d.pdv[5]
		if d.pdvLeft == 0 {
			c.pdvEnd(d)
		}
	} else {
		n := min(uint32(len(b)), d.pdvLeft)
		if !d.resync {
			c.pdvData(d, b[:n])
		}
		d.pdvLeft -= n
		d.left -= n
		b = b[n:]
		if d.pdvLeft == 0 {
			c.pdvEnd(d)
		}
	}
	if d.pdvLeft == 0 && d.npdv == 6 {
		d.npdv = 0
	}
	if d.left == 0 && d.npdv == 0 {
		return b, c.endPDU(d)
	}
	return b, nil
}

// pdvData takes a piece of a PDV's value.
func (c *Conn) pdvData(d *direction, v []byte) {
	if d.pdvMCH&1 != 0 { // command
		if !d.cmdOn {
			d.cmdOn, d.cmdBad, d.cmd = true, false, d.cmd[:0]
			d.dsOn = false // a new message: any unfinished dataset is over
		}
		if len(d.cmd)+len(v) > MaxCommand {
			d.cmdBad = true
			return
		}
		d.cmd = append(d.cmd, v...)
		return
	}
	if !d.dsOn || d.dsCtx != d.pdvCtx {
		d.dsOn, d.dsCtx, d.ds = true, d.pdvCtx, d.ds[:0]
		d.dsDone = c.syntax(d.pdvCtx) == Deflated
	}
	if d.dsDone {
		return
	}
	room := MaxPeek - len(d.ds)
	if len(v) >= room {
		d.ds = append(d.ds, v[:room]...)
		c.peekDataset(d, true)
		return
	}
	d.ds = append(d.ds, v...)
}

// pdvEnd acts on the end of a PDV: a last fragment completes a command or
// dataset.
func (c *Conn) pdvEnd(d *direction) {
	if d.pdvMCH&2 == 0 {
		return
	}
	if d.resync {
		d.resync, d.cmdOn, d.dsOn = false, false, false
		return
	}
	if d.pdvMCH&1 != 0 {
		if d.cmdOn && !d.cmdBad {
			cmd, err := c.command(d.cmd, d.pdvCtx, d.client)
			if err != nil {
				c.warn(err.Error())
			}
			d.lastCmd = cmd
		}
		d.cmdOn = false
		return
	}
	if d.dsOn && d.dsCtx == d.pdvCtx && !d.dsDone {
		c.peekDataset(d, false)
	}
	d.dsOn = false
}

func (c *Conn) peekDataset(d *direction, truncated bool) {
	d.dsDone = true
	before := len(c.a.PHITags)
	err := c.peek.run(d.ds, c.syntax(d.dsCtx), truncated, &c.a.Identity, &c.a.PHITags, d.client, d.lastCmd)
	if len(c.a.PHITags) > before {
		c.a.PHI = true
	}
	if err != nil {
		c.warn(fmt.Sprintf("presentation context %d: %v", d.dsCtx, err))
	}
}

// syntax is the dataset encoding accepted for a presentation context, or
// the only one proposed when the answer was not seen.
func (c *Conn) syntax(id uint8) Syntax {
	i := c.ctxAt[id]
	if i == 0 {
		return SyntaxUnknown
	}
	pc := &c.a.Contexts[i-1]
	switch {
	case pc.Answered && pc.TransferSyntax != "":
		return SyntaxOf(pc.TransferSyntax)
	case !pc.Answered && len(pc.TransferSyntaxes) == 1:
		return SyntaxOf(pc.TransferSyntaxes[0])
	}
	return SyntaxUnknown
}

func (c *Conn) warn(s string) {
	if len(c.a.Warnings) < MaxWarnings {
		c.a.Warnings = append(c.a.Warnings, s)
	}
}

// Gap tells the decoder that n bytes of one direction were lost. Inside a
// PDU the lengths still say where the next PDU starts, so the decoder skips
// there and drops only the damaged command or dataset; a gap that swallows
// a PDU header loses the framing and that direction is no longer decoded.
func (c *Conn) Gap(client bool, n int) {
	if c.done || n <= 0 {
		return
	}
	d := &c.dirs[0]
	if client {
		d = &c.dirs[1]
	}
	if d.dead {
		return
	}
	d.pos += uint64(n)
	lost := uint64(n)
	if d.nhdr < 6 || lost > uint64(d.left) {
		d.dead = true
		c.warn(fmt.Sprintf("gap of %d bytes lost the PDU framing; %s direction no longer decoded", n, side(d.client)))
		if c.allDead() {
			c.done = true
		}
		return
	}
	if d.typ == pduData && d.dsOn && !d.dsDone && !d.resync && (d.npdv < 6 || d.pdvMCH&1 == 0) {
		// The dataset's bytes before the hole are sound: peek them as a
		// truncated dataset rather than lose the device's identity.
		c.peekDataset(d, true)
	}
	switch {
	case d.typ != pduData:
		c.warn(fmt.Sprintf("gap of %d bytes inside %s; PDU dropped", n, pduName(d.typ)))
		d.skip = true
	case d.npdv == 6 && lost <= uint64(d.pdvLeft):
		// Still inside the same PDV: its message is lost, the framing is not.
		c.warn(fmt.Sprintf("gap of %d bytes inside a PDV of presentation context %d; message dropped", n, d.pdvCtx))
		d.pdvLeft -= uint32(lost)
		d.resync = true
		if d.pdvLeft == 0 {
			c.pdvEnd(d)
			d.npdv = 0
		}
	default:
		c.warn(fmt.Sprintf("gap of %d bytes across PDVs of a P-DATA-TF; rest of PDU dropped", n))
		d.skip, d.resync, d.npdv = true, true, 0
	}
	d.left -= uint32(lost)
	if d.left == 0 {
		d.nhdr, d.skip, d.npdv = 0, false, 0
	}
}

func side(client bool) string {
	if client {
		return "requestor"
	}
	return "acceptor"
}
