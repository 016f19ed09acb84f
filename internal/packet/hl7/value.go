package hl7

import (
	"bytes"
	"unicode/utf8"
)

// decoder turns raw fields into result values, with scratch space so that
// only the result strings are allocated.
type decoder struct {
	delims
	u   [MaxField]byte
	out [MaxValue]byte
}

// firstRep returns the first repetition of a field.
func (d *delims) firstRep(raw []byte) []byte {
	if d.hasRep {
		if i := bytes.IndexByte(raw, d.rep); i >= 0 {
			return raw[:i]
		}
	}
	return raw
}

// component returns component k (1-based) of one repetition, cut to its
// first subcomponent: none of the types extracted here nests deeper.
func (d *delims) component(r []byte, k int) []byte {
	if d.hasComp {
		for ; k > 1; k-- {
			i := bytes.IndexByte(r, d.comp)
			if i < 0 {
				return nil
			}
			r = r[i+1:]
		}
		if i := bytes.IndexByte(r, d.comp); i >= 0 {
			r = r[:i]
		}
	} else if k > 1 {
		return nil
	}
	if d.hasSub {
		if i := bytes.IndexByte(r, d.sub); i >= 0 {
			r = r[:i]
		}
	}
	return r
}

func (d *decoder) hd(raw []byte, tr *bool) HD {
	r := d.firstRep(raw)
	return HD{
		Namespace:       d.value(d.component(r, 1), tr),
		UniversalID:     d.value(d.component(r, 2), tr),
		UniversalIDType: d.value(d.component(r, 3), tr),
	}
}

func (d *decoder) ei(r []byte, tr *bool) EI {
	return EI{
		Entity:          d.value(d.component(r, 1), tr),
		Namespace:       d.value(d.component(r, 2), tr),
		UniversalID:     d.value(d.component(r, 3), tr),
		UniversalIDType: d.value(d.component(r, 4), tr),
	}
}

func (d *decoder) code(r []byte, tr *bool) Code {
	return Code{
		Identifier: d.value(d.component(r, 1), tr),
		Text:       d.value(d.component(r, 2), tr),
		System:     d.value(d.component(r, 3), tr),
	}
}

// eiList returns the non-empty repetitions of an EI field.
func (d *decoder) eiList(raw []byte, tr *bool) []EI {
	var out []EI
	for len(raw) > 0 {
		r := raw
		raw = nil
		if d.hasRep {
			if i := bytes.IndexByte(r, d.rep); i >= 0 {
				r, raw = r[:i], r[i+1:]
			}
		}
		e := d.ei(r, tr)
		if e == (EI{}) {
			continue
		}
		if len(out) == MaxRepetitions {
			*tr = true
			break
		}
		out = append(out, e)
	}
	return out
}

// value unescapes one component and returns it as a bounded, valid UTF-8
// string without control characters.
func (d *decoder) value(raw []byte, tr *bool) string {
	if len(raw) == 0 {
		return ""
	}
	u := d.unescape(raw, d.u[:0])
	out := &d.out
	n := 0
	for i := 0; i < len(u); {
		r, size := utf8.DecodeRune(u[i:])
		i += size
		if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 {
			continue
		}
		if n+utf8.RuneLen(r) > len(out) {
			*tr = true
			break
		}
		n += utf8.EncodeRune(out[n:], r) // an invalid byte decodes to U+FFFD
	}
	s := bytes.TrimSpace(out[:n])
	if len(s) == 0 {
		return ""
	}
	return string(s)
}

// unescape appends raw to dst with HL7 escape sequences resolved: the
// delimiter escapes (\F\ \S\ \T\ \R\ \E\), hex data (\Xhh..\) and line
// breaks (\.br\ becomes a space); highlighting, character-set and other
// formatting escapes are dropped. The output is never longer than raw.
func (d *delims) unescape(raw, dst []byte) []byte {
	if !d.hasEsc {
		return append(dst, raw...)
	}
	for len(raw) > 0 {
		i := bytes.IndexByte(raw, d.esc)
		if i < 0 {
			return append(dst, raw...)
		}
		dst = append(dst, raw[:i]...)
		raw = raw[i+1:]
		j := bytes.IndexByte(raw, d.esc)
		if j < 0 {
			// An unterminated escape: keep the text, it is not a sequence.
			return append(dst, raw...)
		}
		seq := raw[:j]
		raw = raw[j+1:]
		if len(seq) == 0 {
			continue
		}
		switch seq[0] {
		case 'F':
			dst = appendIf(dst, d.field, len(seq) == 1, true)
		case 'S':
			dst = appendIf(dst, d.comp, len(seq) == 1, d.hasComp)
		case 'T':
			dst = appendIf(dst, d.sub, len(seq) == 1, d.hasSub)
		case 'R':
			dst = appendIf(dst, d.rep, len(seq) == 1, d.hasRep)
		case 'E':
			dst = appendIf(dst, d.esc, len(seq) == 1, true)
		case 'X':
			dst = appendHex(dst, seq[1:])
		case '.':
			if string(seq) == ".br" {
				dst = append(dst, ' ')
			}
		}
	}
	return dst
}

func appendIf(dst []byte, c byte, ok1, ok2 bool) []byte {
	if ok1 && ok2 {
		return append(dst, c)
	}
	return dst
}

func appendHex(dst, hex []byte) []byte {
	if len(hex)%2 != 0 {
		return dst
	}
	for i := 0; i < len(hex); i += 2 {
		hi, ok1 := unhex(hex[i])
		lo, ok2 := unhex(hex[i+1])
		if !ok1 || !ok2 {
			return dst
		}
		dst = append(dst, hi<<4|lo)
	}
	return dst
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
