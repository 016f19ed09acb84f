package oui

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// The compact form, inside a gzip stream:
//
//	"VOUI" 0x01
//	date        varint Unix seconds, or 0 when unknown
//	names       uvarint count, then per name (sorted, distinct):
//	            uvarint bytes shared with the previous name, uvarint suffix length, suffix
//	4 blocks    in Block order, each: uvarint count, then per assignment (ascending):
//	            uvarint prefix minus the previous prefix, uvarint name index
//
// Front-coded sorted names and delta-coded prefixes make the data repetitive
// enough for gzip to bring the 2022 registry to a few hundred kilobytes.
const magic = "VOUI\x01"

// maxDecoded bounds the decompressed size Decode reads, so a small hostile
// gzip bomb cannot exhaust memory.
const maxDecoded = 16 << 20

// Encode writes r in the compact compressed form that Decode reads.
func (r *Registry) Encode(w io.Writer) error {
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(zw)
	var tmp [binary.MaxVarintLen64]byte
	uv := func(v uint64) { bw.Write(tmp[:binary.PutUvarint(tmp[:], v)]) }

	bw.WriteString(magic)
	var date int64
	if !r.date.IsZero() {
		date = r.date.Unix()
	}
	bw.Write(tmp[:binary.PutVarint(tmp[:], date)])
	uv(uint64(len(r.names)))
	prev := ""
	for _, n := range r.names {
		shared := commonPrefix(prev, n)
		uv(uint64(shared))
		uv(uint64(len(n) - shared))
		bw.WriteString(n[shared:])
		prev = n
	}
	for b := range numBlocks {
		t := &r.blocks[b]
		uv(uint64(len(t.keys)))
		var last uint64
		for i, k := range t.keys {
			uv(k - last)
			uv(uint64(t.names[i]))
			last = k
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("oui: encode: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("oui: encode: %w", err)
	}
	return nil
}

func commonPrefix(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// Decode reads the compact form written by Encode, checking every count,
// length, order and index, so a damaged or hostile file yields an error and
// never a registry that could misanswer or panic.
func Decode(r io.Reader) (*Registry, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("oui: decode: %w", err)
	}
	defer zr.Close()
	// The whole stream is read first (bounded) so that the checksum is
	// verified and parsing works on a slice without per-byte calls.
	raw, err := io.ReadAll(io.LimitReader(zr, maxDecoded+1))
	if err != nil {
		return nil, fmt.Errorf("oui: decode: %w", err)
	}
	if len(raw) > maxDecoded {
		return nil, fmt.Errorf("oui: decode: more than %d bytes decompressed", maxDecoded)
	}
	p := &parser{b: raw}
	reg, err := p.registry()
	if err != nil {
		return nil, fmt.Errorf("oui: decode at offset %d: %w", p.off, err)
	}
	return reg, nil
}

type parser struct {
	b   []byte
	off int
}

func (p *parser) uvarint(what string, limit uint64) (uint64, error) {
	v, n := binary.Uvarint(p.b[p.off:])
	if n <= 0 {
		return 0, fmt.Errorf("%s: truncated or overlong varint", what)
	}
	if v > limit {
		return 0, fmt.Errorf("%s %d exceeds %d", what, v, limit)
	}
	p.off += n
	return v, nil
}

func (p *parser) registry() (*Registry, error) {
	if !bytes.HasPrefix(p.b, []byte(magic)) {
		return nil, errors.New("not a registry (bad magic or version)")
	}
	p.off = len(magic)
	date, n := binary.Varint(p.b[p.off:])
	if n <= 0 {
		return nil, errors.New("date: truncated or overlong varint")
	}
	p.off += n
	reg := &Registry{}
	if date != 0 {
		reg.date = time.Unix(date, 0).UTC()
	}
	count, err := p.uvarint("name count", MaxAssignments)
	if err != nil {
		return nil, err
	}
	reg.names = make([]string, 0, min(count, 1<<15))
	var buf [MaxNameLen]byte
	prev := ""
	for i := range count {
		shared, err := p.uvarint("shared prefix", uint64(len(prev)))
		if err != nil {
			return nil, fmt.Errorf("name %d: %w", i, err)
		}
		suffix, err := p.uvarint("suffix length", MaxNameLen-shared)
		if err != nil {
			return nil, fmt.Errorf("name %d: %w", i, err)
		}
		if suffix > uint64(len(p.b)-p.off) {
			return nil, fmt.Errorf("name %d: suffix of %d bytes exceeds the %d left", i, suffix, len(p.b)-p.off)
		}
		copy(buf[:], prev[:shared])
		copy(buf[shared:], p.b[p.off:p.off+int(suffix)])
		p.off += int(suffix)
		name := string(buf[:shared+suffix])
		if name == "" || name <= prev || !utf8.ValidString(name) || strings.TrimSpace(name) != name {
			return nil, fmt.Errorf("name %d: empty, out of order, not UTF-8 or untrimmed", i)
		}
		reg.names = append(reg.names, name)
		prev = name
	}
	total := uint64(0)
	for b := range numBlocks {
		n, err := p.uvarint(b.String()+" count", MaxAssignments-total)
		if err != nil {
			return nil, err
		}
		// Each assignment takes at least two bytes: refuse a count that
		// cannot fit before allocating for it.
		if n > uint64(len(p.b)-p.off)/2 {
			return nil, fmt.Errorf("%v count %d cannot fit in %d bytes", b, n, len(p.b)-p.off)
		}
		if n > 0 && count == 0 {
			return nil, fmt.Errorf("%v assignments but no names", b)
		}
		total += n
		maxKey := uint64(1)<<b.Bits() - 1
		t := table{keys: make([]uint64, n), names: make([]uint32, n)}
		var last uint64
		for i := range n {
			delta, err := p.uvarint("prefix delta", maxKey)
			if err != nil {
				return nil, fmt.Errorf("%v assignment %d: %w", b, i, err)
			}
			if i > 0 && delta == 0 || delta > maxKey-last {
				return nil, fmt.Errorf("%v assignment %d: prefixes not ascending or too wide", b, i)
			}
			last += delta
			idx, err := p.uvarint("name index", count-1)
			if err != nil {
				return nil, fmt.Errorf("%v assignment %d: %w", b, i, err)
			}
			t.keys[i], t.names[i] = last, uint32(idx)
		}
		reg.blocks[b] = t
	}
	if p.off != len(p.b) {
		return nil, fmt.Errorf("%d bytes of trailing data", len(p.b)-p.off)
	}
	return reg, nil
}
