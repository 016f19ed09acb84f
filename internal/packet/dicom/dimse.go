package dicom

import (
	"encoding/binary"
	"fmt"
)

// Command set elements (PS3.7 annex E), always implicit VR little endian.
const (
	tagAffectedSOPClass  Tag = 0x00000002
	tagRequestedSOPClass Tag = 0x00000003
	tagCommandField      Tag = 0x00000100
	tagMessageID         Tag = 0x00000110
	tagRespondedTo       Tag = 0x00000120
	tagStatus            Tag = 0x00000900
)

// command decodes a complete command set and records it as an operation
// or as the response to one.
func (c *Conn) command(b []byte, ctx uint8, fromClient bool) (Command, error) {
	var (
		field, msgID, respTo, status uint16
		haveField                    bool
		sop                          []byte
	)
	for off := 0; off < len(b); {
		if len(b)-off < 8 {
			return 0, fmt.Errorf("dicom: command set of context %d at offset %d: %d bytes left, element header needs 8", ctx, off, len(b)-off)
		}
		tag := Tag(uint32(binary.LittleEndian.Uint16(b[off:]))<<16 | uint32(binary.LittleEndian.Uint16(b[off+2:])))
		n := binary.LittleEndian.Uint32(b[off+4:])
		if uint64(n) > uint64(len(b)-off-8) {
			return 0, fmt.Errorf("dicom: command set of context %d: element %s at offset %d: length %d exceeds the %d bytes left", ctx, tag.short(), off, n, len(b)-off-8)
		}
		v := b[off+8 : off+8+int(n)]
		if tag.Group() != 0x0000 {
			return 0, fmt.Errorf("dicom: command set of context %d: element %s at offset %d is outside group 0000", ctx, tag.short(), off)
		}
		us := func() (uint16, bool) {
			if len(v) != 2 {
				return 0, false
			}
			return binary.LittleEndian.Uint16(v), true
		}
		switch tag {
		case tagAffectedSOPClass:
			sop = v
		case tagRequestedSOPClass:
			if sop == nil {
				sop = v
			}
		case tagCommandField:
			field, haveField = us()
		case tagMessageID:
			msgID, _ = us()
		case tagRespondedTo:
			respTo, _ = us()
		case tagStatus:
			status, _ = us()
		}
		off += 8 + int(n)
	}
	if !haveField {
		return 0, fmt.Errorf("dicom: command set of context %d has no Command Field (0000,0100)", ctx)
	}
	cmd := Command(field)
	if !cmd.Response() {
		c.addOperation(Operation{Command: cmd, ContextID: ctx, MessageID: msgID, SOPClass: c.uid(sop), FromClient: fromClient})
		return cmd, nil
	}
	req := cmd &^ responseFlag
	// Look back a bounded distance: responses follow their requests closely
	// (C-FIND sends many pending responses to one request).
	ops := c.a.Operations
	for i := len(ops) - 1; i >= 0 && i >= len(ops)-64; i-- {
		if o := &ops[i]; o.Command == req && o.MessageID == respTo && o.FromClient != fromClient {
			o.Responded, o.Status = true, status
			if o.SOPClass == "" {
				o.SOPClass = c.uid(sop)
			}
			return cmd, nil
		}
	}
	// The request was before the capture began.
	c.addOperation(Operation{Command: req, ContextID: ctx, MessageID: respTo, SOPClass: c.uid(sop),
		FromClient: !fromClient, Responded: true, Status: status})
	return cmd, nil
}

// uid copies a UID out, reusing the association's string when it already
// has it (most operations repeat the same few SOP classes).
func (c *Conn) uid(v []byte) string {
	if len(v) == 0 {
		return ""
	}
	var buf [64]byte
	clean := sanitize(buf[:0], v)
	for i := len(c.a.Operations) - 1; i >= 0 && i >= len(c.a.Operations)-8; i-- {
		if s := c.a.Operations[i].SOPClass; s == string(clean) {
			return s
		}
	}
	for i := range c.a.Contexts {
		if s := c.a.Contexts[i].AbstractSyntax; s == string(clean) {
			return s
		}
	}
	return string(clean)
}

func (c *Conn) addOperation(o Operation) {
	if len(c.a.Operations) >= MaxOperations {
		c.a.OperationsDropped++
		return
	}
	c.a.Operations = append(c.a.Operations, o)
}
