package dicom

import (
	"encoding/binary"
	"strings"
)

// Builders for hand-made PDUs and datasets, following PS3.8 and PS3.5.

func pdu(typ byte, body ...[]byte) []byte {
	b := []byte{typ, 0, 0, 0, 0, 0}
	for _, p := range body {
		b = append(b, p...)
	}
	binary.BigEndian.PutUint32(b[2:], uint32(len(b)-6))
	return b
}

// item is a variable item or sub-item of an A-ASSOCIATE PDU.
func item(typ byte, v ...[]byte) []byte {
	b := []byte{typ, 0, 0, 0}
	for _, p := range v {
		b = append(b, p...)
	}
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)-4))
	return b
}

func ae(s string) []byte { return []byte(s + strings.Repeat(" ", 16-len(s))) }

// associate is the body of an A-ASSOCIATE-RQ or -AC.
func associate(called, calling string, items ...[]byte) []byte {
	b := []byte{0, 1, 0, 0}
	b = append(b, ae(called)...)
	b = append(b, ae(calling)...)
	b = append(b, make([]byte, 32)...)
	for _, it := range items {
		b = append(b, it...)
	}
	return b
}

func rqContext(id byte, abstract string, ts ...string) []byte {
	v := [][]byte{{id, 0, 0, 0}, item(0x30, []byte(abstract))}
	for _, t := range ts {
		v = append(v, item(0x40, []byte(t)))
	}
	return item(0x20, v...)
}

func acContext(id, result byte, ts string) []byte {
	return item(0x21, []byte{id, 0, result, 0}, item(0x40, []byte(ts)))
}

func userInfoItem(maxPDU uint32, uid, version string, extra ...[]byte) []byte {
	m := make([]byte, 4)
	binary.BigEndian.PutUint32(m, maxPDU)
	v := [][]byte{item(0x51, m), item(0x52, []byte(uid)), item(0x55, []byte(version))}
	return item(0x50, append(v, extra...)...)
}

func pdv(ctx, mch byte, v []byte) []byte {
	b := make([]byte, 6, 6+len(v))
	binary.BigEndian.PutUint32(b, uint32(len(v)+2))
	b[4], b[5] = ctx, mch
	return append(b, v...)
}

const (
	mchDataLast    = 0x02
	mchCommandLast = 0x03
)

// implicit encodes one implicit VR little endian element.
func implicit(tag Tag, v []byte) []byte {
	b := make([]byte, 8, 8+len(v))
	binary.LittleEndian.PutUint16(b, tag.Group())
	binary.LittleEndian.PutUint16(b[2:], tag.Element())
	binary.LittleEndian.PutUint32(b[4:], uint32(len(v)))
	return append(b, v...)
}

// implicitUndefined opens an undefined-length element (sequence or item).
func implicitUndefined(tag Tag) []byte {
	b := implicit(tag, nil)
	binary.LittleEndian.PutUint32(b[4:], 0xFFFFFFFF)
	return b
}

func explicit(order binary.ByteOrder, tag Tag, vr string, v []byte) []byte {
	b := make([]byte, 4, 12+len(v))
	order.PutUint16(b, tag.Group())
	order.PutUint16(b[2:], tag.Element())
	b = append(b, vr...)
	if long, _ := vrLong([2]byte{vr[0], vr[1]}); long {
		b = append(b, 0, 0, 0, 0, 0, 0)
		order.PutUint32(b[8:], uint32(len(v)))
	} else {
		b = append(b, 0, 0)
		order.PutUint16(b[6:], uint16(len(v)))
	}
	return append(b, v...)
}

func le16(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// command builds a command set with its group length.
func command(field Command, msgID uint16, sopClass string, extra ...[]byte) []byte {
	body := cat(implicit(tagAffectedSOPClass, []byte(sopClass)), implicit(tagCommandField, le16(uint16(field))))
	if field.Response() {
		body = cat(body, implicit(tagRespondedTo, le16(msgID)))
	} else {
		body = cat(body, implicit(tagMessageID, le16(msgID)))
	}
	body = cat(body, cat(extra...))
	return cat(implicit(0x00000000, binary.LittleEndian.AppendUint32(nil, uint32(len(body)))), body)
}
