package packet

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"sync/atomic"
	"time"
)

// MaxPacketSize bounds one captured packet (and one pcapng packet block).
// Real snap lengths stop at 256 KiB; anything larger is a corrupt length
// field, and reading it would only buffer garbage.
const MaxPacketSize = 1 << 20

// initialBuffer is the read buffer's size until a record needs more; it
// grows to at most MaxPacketSize plus a block header.
const initialBuffer = 256 << 10

// maxInterfaces bounds the pcapng interfaces remembered per section.
const maxInterfaces = 1024

// CaptureInfo describes one packet record.
type CaptureInfo struct {
	Time       time.Time
	CaptureLen int // bytes in the record
	Length     int // bytes on the wire
	LinkType   LinkType
	Interface  int // pcapng interface index; 0 for pcap
}

// Reader reads packets from a pcap or pcapng capture, gzip-compressed or
// not, without allocating per packet.
type Reader struct {
	src       *counter
	srcReader io.Reader // decompressed input
	buf       []byte
	r, w      int
	off       int64 // stream offset of buf[r] (decompressed)
	eof       bool
	rerr      error
	ng        bool
	order     binary.ByteOrder
	nano      bool
	link      LinkType
	linkSet   bool
	ifaces    []ngIface
	n         int64 // packets returned
}

type ngIface struct {
	link    LinkType
	snaplen uint32
	// Timestamps are units of 10^-exp (pow10) or 2^-exp seconds.
	pow10  bool
	exp    uint8
	offset int64 // seconds added to every timestamp
}

// counter counts bytes read from the underlying reader so another goroutine
// can show progress.
type counter struct {
	r io.Reader
	n atomic.Int64
}

func (c *counter) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n.Add(int64(n))
	return n, err
}

// NewReader reads the capture header. It detects gzip (then reads through
// it), pcap (microsecond and nanosecond magic, either byte order) and pcapng.
func NewReader(r io.Reader) (*Reader, error) {
	c := &counter{r: r}
	br := bufio.NewReaderSize(c, 64<<10)
	var src io.Reader = br
	if m, _ := br.Peek(2); len(m) == 2 && m[0] == 0x1f && m[1] == 0x8b {
		z, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("capture: gzip header: %w", err)
		}
		src = z
	}
	rd := &Reader{src: c, buf: make([]byte, initialBuffer)}
	rd.srcReader = src
	if err := rd.header(); err != nil {
		return nil, err
	}
	return rd, nil
}

// BytesRead is how many bytes of the underlying reader (compressed bytes for
// gzip) have been consumed. It may be called from another goroutine.
func (r *Reader) BytesRead() int64 { return r.src.n.Load() }

// LinkType is the link type of the file (pcap) or of its first interface
// (pcapng); packets carry their own in CaptureInfo.
func (r *Reader) LinkType() LinkType { return r.link }

// Packets is the number of packets returned so far.
func (r *Reader) Packets() int64 { return r.n }

// fill makes at least n bytes available at buf[r:], returning fewer only at
// the end of the input.
func (r *Reader) fill(n int) int {
	if r.w-r.r >= n {
		return n
	}
	if n > len(r.buf) {
		// Callers bound n by MaxPacketSize (plus a block's framing).
		nb := make([]byte, max(n, 2*len(r.buf)))
		r.w = copy(nb, r.buf[r.r:r.w])
		r.r = 0
		r.buf = nb
	}
	if r.r > 0 {
		copy(r.buf, r.buf[r.r:r.w])
		r.w -= r.r
		r.r = 0
	}
	for empty := 0; r.w < n && !r.eof; {
		m, err := r.srcReader.Read(r.buf[r.w:])
		r.w += m
		if m == 0 && err == nil {
			// A reader that never progresses would spin here forever.
			if empty++; empty >= 100 {
				err = io.ErrNoProgress
			}
		}
		if err != nil {
			r.eof = true
			if err != io.EOF {
				r.rerr = err
			}
		}
	}
	return min(n, r.w)
}

func (r *Reader) consume(n int) {
	r.r += n
	r.off += int64(n)
}

// skip discards n bytes that need not be buffered (pcapng blocks the engine
// does not use may be large).
func (r *Reader) skip(n int64) bool {
	for n > 0 {
		m := r.fill(int(min(n, int64(len(r.buf)))))
		if m == 0 {
			return false
		}
		r.consume(m)
		n -= int64(m)
	}
	return true
}

// eofErr says why input ended early: the read error if there was one.
func (r *Reader) eofErr() error {
	if r.rerr != nil {
		return r.rerr
	}
	return io.ErrUnexpectedEOF
}

func (r *Reader) header() error {
	if got := r.fill(4); got < 4 {
		if got == 0 && r.rerr == nil {
			return errors.New("capture: empty input")
		}
		return fmt.Errorf("capture header truncated at byte %d: %w", got, r.eofErr())
	}
	b := r.buf[r.r:]
	switch {
	case binary.LittleEndian.Uint32(b) == 0x0a0d0d0a:
		r.ng = true
		if err := r.ngBlock(true); err != nil {
			return err
		}
		// Interface blocks normally follow, and LinkType should answer
		// before the first packet.
		for r.fill(8) >= 8 && r.order.Uint32(r.buf[r.r:]) == ngIDB {
			if err := r.ngBlock(false); err != nil {
				return err
			}
		}
		return nil
	case binary.LittleEndian.Uint32(b) == 0xa1b2c3d4:
		r.order = binary.LittleEndian
	case binary.BigEndian.Uint32(b) == 0xa1b2c3d4:
		r.order = binary.BigEndian
	case binary.LittleEndian.Uint32(b) == 0xa1b23c4d:
		r.order, r.nano = binary.LittleEndian, true
	case binary.BigEndian.Uint32(b) == 0xa1b23c4d:
		r.order, r.nano = binary.BigEndian, true
	default:
		return fmt.Errorf("capture: not pcap or pcapng (magic % x)", b[:4])
	}
	if got := r.fill(24); got < 24 {
		return fmt.Errorf("capture header truncated at byte %d: %w", got, r.eofErr())
	}
	b = r.buf[r.r:]
	// The upper bits of the link field carry FCS information.
	r.link = LinkType(r.order.Uint32(b[20:]) & 0xffff)
	r.consume(24)
	return nil
}

// ReadPacket returns the next packet. data is valid until the next call.
// At the end it returns io.EOF; a damaged file returns the packets before the
// damage and then an error naming the packet and byte offset.
func (r *Reader) ReadPacket() (data []byte, ci CaptureInfo, err error) {
	if r.ng {
		return r.ngPacket()
	}
	start := r.off
	got := r.fill(16)
	if got == 0 {
		if r.rerr != nil {
			return nil, ci, r.truncated(start, r.rerr)
		}
		return nil, ci, io.EOF
	}
	if got < 16 {
		return nil, ci, r.truncated(start, r.eofErr())
	}
	h := r.buf[r.r : r.r+16]
	sec := int64(r.order.Uint32(h[0:]))
	frac := int64(r.order.Uint32(h[4:]))
	capLen := r.order.Uint32(h[8:])
	wire := r.order.Uint32(h[12:])
	if capLen > MaxPacketSize {
		return nil, ci, fmt.Errorf("capture corrupt in packet %d at byte %d: captured length %d exceeds %d", r.n+1, start, capLen, MaxPacketSize)
	}
	need := 16 + int(capLen)
	if r.fill(need) < need {
		return nil, ci, r.truncated(start, r.eofErr())
	}
	data = r.buf[r.r+16 : r.r+need]
	r.consume(need)
	r.n++
	if !r.nano {
		frac *= 1000
	}
	ci = CaptureInfo{Time: time.Unix(sec, frac), CaptureLen: int(capLen), Length: int(wire), LinkType: r.link}
	return data, ci, nil
}

// truncated reports input that ended, or failed, inside a record.
func (r *Reader) truncated(at int64, err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("capture truncated in packet %d at byte %d: %w", r.n+1, at, err)
	}
	return fmt.Errorf("capture read failed in packet %d at byte %d: %w", r.n+1, at, err)
}

// pcapng block types.
const (
	ngSHB = 0x0a0d0d0a
	ngIDB = 1
	ngPB  = 2 // obsolete packet block
	ngSPB = 3
	ngEPB = 6
)

func (r *Reader) ngPacket() ([]byte, CaptureInfo, error) {
	for {
		start := r.off
		got := r.fill(12)
		if got == 0 {
			if r.rerr != nil {
				return nil, CaptureInfo{}, r.truncated(start, r.rerr)
			}
			return nil, CaptureInfo{}, io.EOF
		}
		if got < 12 {
			return nil, CaptureInfo{}, r.truncated(start, r.eofErr())
		}
		typ := binary.LittleEndian.Uint32(r.buf[r.r:])
		if typ == ngSHB {
			if err := r.ngBlock(false); err != nil {
				return nil, CaptureInfo{}, err
			}
			continue
		}
		typ = r.order.Uint32(r.buf[r.r:])
		size := r.order.Uint32(r.buf[r.r+4:])
		if size < 12 || size%4 != 0 {
			return nil, CaptureInfo{}, fmt.Errorf("capture corrupt in packet %d at byte %d: pcapng block 0x%x has length %d", r.n+1, start, typ, size)
		}
		switch typ {
		case ngIDB:
			if err := r.ngBlock(false); err != nil {
				return nil, CaptureInfo{}, err
			}
			continue
		case ngEPB, ngSPB, ngPB:
		default:
			if !r.skip(int64(size)) {
				return nil, CaptureInfo{}, r.truncated(start, r.eofErr())
			}
			continue
		}
		if size > MaxPacketSize+64 {
			return nil, CaptureInfo{}, fmt.Errorf("capture corrupt in packet %d at byte %d: pcapng block length %d exceeds %d", r.n+1, start, size, MaxPacketSize+64)
		}
		if r.fill(int(size)) < int(size) {
			return nil, CaptureInfo{}, r.truncated(start, r.eofErr())
		}
		blk := r.buf[r.r : r.r+int(size)]
		body := blk[8 : size-4]
		var (
			iface     uint32
			ts        uint64
			capLen    uint32
			wire      uint32
			dataStart int
		)
		switch typ {
		case ngEPB:
			if len(body) < 20 {
				return nil, CaptureInfo{}, r.corrupt(start, "enhanced packet block too short")
			}
			iface = r.order.Uint32(body)
			ts = uint64(r.order.Uint32(body[4:]))<<32 | uint64(r.order.Uint32(body[8:]))
			capLen = r.order.Uint32(body[12:])
			wire = r.order.Uint32(body[16:])
			dataStart = 20
		case ngPB:
			if len(body) < 20 {
				return nil, CaptureInfo{}, r.corrupt(start, "packet block too short")
			}
			iface = uint32(r.order.Uint16(body))
			ts = uint64(r.order.Uint32(body[4:]))<<32 | uint64(r.order.Uint32(body[8:]))
			capLen = r.order.Uint32(body[12:])
			wire = r.order.Uint32(body[16:])
			dataStart = 20
		case ngSPB:
			if len(body) < 4 {
				return nil, CaptureInfo{}, r.corrupt(start, "simple packet block too short")
			}
			wire = r.order.Uint32(body)
			capLen = uint32(len(body) - 4)
			if wire < capLen {
				capLen = wire // the rest is padding
			}
			if len(r.ifaces) > 0 && r.ifaces[0].snaplen != 0 && capLen > r.ifaces[0].snaplen {
				capLen = r.ifaces[0].snaplen
			}
			dataStart = 4
		}
		if int(iface) >= len(r.ifaces) {
			return nil, CaptureInfo{}, r.corrupt(start, fmt.Sprintf("interface %d not described", iface))
		}
		if uint64(capLen) > uint64(len(body)-dataStart) {
			return nil, CaptureInfo{}, r.corrupt(start, fmt.Sprintf("captured length %d exceeds block", capLen))
		}
		data := body[dataStart : dataStart+int(capLen)]
		ifc := &r.ifaces[iface]
		r.consume(int(size))
		r.n++
		return data, CaptureInfo{Time: ifc.time(ts), CaptureLen: int(capLen), Length: int(wire), LinkType: ifc.link, Interface: int(iface)}, nil
	}
}

func (r *Reader) corrupt(at int64, what string) error {
	return fmt.Errorf("capture corrupt in packet %d at byte %d: %s", r.n+1, at, what)
}

// time converts a pcapng timestamp to a time.
func (f *ngIface) time(ts uint64) time.Time {
	var sec, ns uint64
	if f.pow10 {
		div := pow10(f.exp)
		sec, ns = ts/div, ts%div
		switch {
		case f.exp <= 9:
			ns *= pow10(9 - f.exp)
		default:
			ns /= pow10(f.exp - 9)
		}
	} else {
		e := f.exp
		if e > 63 {
			e = 63
		}
		sec = ts >> e
		frac := ts & (1<<e - 1)
		hi, lo := bits.Mul64(frac, 1e9)
		ns = (hi<<(64-e) | lo>>e)
		if e == 0 {
			ns = 0
		}
	}
	return time.Unix(int64(sec)+f.offset, int64(ns))
}

func pow10(e uint8) uint64 {
	v := uint64(1)
	for range min(e, 19) {
		v *= 10
	}
	return v
}

// ngBlock reads a section header or interface description block. first says
// the section header is the file's first block.
func (r *Reader) ngBlock(first bool) error {
	start := r.off
	if r.fill(12) < 12 {
		if first {
			return fmt.Errorf("capture header truncated at byte %d: %w", r.w-r.r, r.eofErr())
		}
		return r.truncated(start, r.eofErr())
	}
	b := r.buf[r.r:]
	if binary.LittleEndian.Uint32(b) == ngSHB {
		switch binary.LittleEndian.Uint32(b[8:]) {
		case 0x1a2b3c4d:
			r.order = binary.LittleEndian
		case 0x4d3c2b1a:
			r.order = binary.BigEndian
		default:
			return fmt.Errorf("capture corrupt at byte %d: pcapng section header byte-order magic % x", start, b[8:12])
		}
		r.ifaces = r.ifaces[:0]
	}
	size := r.order.Uint32(b[4:])
	if size < 12 || size%4 != 0 || size > MaxPacketSize {
		return fmt.Errorf("capture corrupt at byte %d: pcapng block length %d", start, size)
	}
	if r.fill(int(size)) < int(size) {
		if first {
			return fmt.Errorf("capture header truncated at byte %d: %w", r.w-r.r, r.eofErr())
		}
		return r.truncated(start, r.eofErr())
	}
	blk := r.buf[r.r : r.r+int(size)]
	if r.order.Uint32(blk) == ngIDB {
		if len(r.ifaces) >= maxInterfaces {
			return fmt.Errorf("capture corrupt at byte %d: more than %d pcapng interfaces", start, maxInterfaces)
		}
		body := blk[8 : size-4]
		if len(body) < 8 {
			return fmt.Errorf("capture corrupt at byte %d: pcapng interface block too short", start)
		}
		f := ngIface{link: LinkType(r.order.Uint16(body)), snaplen: r.order.Uint32(body[4:]), pow10: true, exp: 6}
		r.ngOptions(body[8:], &f)
		r.ifaces = append(r.ifaces, f)
		if !r.linkSet {
			r.link, r.linkSet = f.link, true
		}
	}
	r.consume(int(size))
	return nil
}

// ngOptions reads the interface options that change timestamps; damaged
// options end the walk rather than the file, since the packets are intact.
func (r *Reader) ngOptions(o []byte, f *ngIface) {
	for len(o) >= 4 {
		code := r.order.Uint16(o)
		n := int(r.order.Uint16(o[2:]))
		if code == 0 || len(o)-4 < n {
			return
		}
		v := o[4 : 4+n]
		switch {
		case code == 9 && n >= 1: // if_tsresol
			f.pow10 = v[0]&0x80 == 0
			f.exp = v[0] & 0x7f
			if f.pow10 && f.exp > 19 {
				f.exp = 19
			}
		case code == 14 && n >= 8: // if_tsoffset
			f.offset = int64(r.order.Uint64(v))
		}
		pad := (n + 3) &^ 3
		if len(o)-4 < pad {
			return
		}
		o = o[4+pad:]
	}
}
