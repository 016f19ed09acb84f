package packet

// Stream states of a TCP flow.
const (
	streamUnasked = iota // reassembling until the first in-order bytes, to ask NewStream
	streamActive         // a Stream is receiving bytes
	streamDone           // declined, stopped, reset or closed: nothing more is reassembled
)

type streamState struct {
	state uint8
	s     Stream
	half  [2]half // client, server
}

// half is one direction of a connection.
type half struct {
	started  bool   // next is known
	next     uint32 // sequence number of the next byte to deliver
	moved    bool   // bytes were delivered or skipped, so a late SYN may not rewind next
	fin      bool
	finSeq   uint32
	done     bool   // every byte up to the FIN was delivered
	lost     uint64 // bytes skipped before a Stream existed
	pending  []segment
	buffered int
}

// segment is an out-of-order piece held until the bytes before it arrive.
type segment struct {
	seq  uint32
	data []byte // a copy: the packet buffer is reused
}

func dir(client bool) int {
	if client {
		return 0
	}
	return 1
}

// tcp runs reassembly for one TCP packet of a flow.
func (e *Engine) tcp(p *Packet) {
	f := p.Flow
	st := &f.stream
	if st.state == streamDone {
		return
	}
	h := &st.half[dir(p.FromClient)]
	seq := p.Seq
	if p.TCPFlags&FlagSYN != 0 {
		seq++ // the SYN takes one sequence number; data after it is TFO payload
		if !h.moved && (!h.started || seq != h.next) {
			// A first SYN, or a new attempt with another initial sequence
			// number before any byte was delivered: start from it.
			e.dropHalf(h)
			h.next, h.started = seq, true
		}
	}
	if p.TCPFlags&FlagRST != 0 {
		e.closeStream(f)
		return
	}
	if len(p.Payload) > 0 {
		e.segment(f, p.FromClient, seq, p.Payload)
		if st.state == streamDone {
			return
		}
	}
	if p.TCPFlags&FlagFIN != 0 && !h.fin {
		h.fin = true
		h.finSeq = seq + uint32(len(p.Payload))
		if !h.started {
			h.next, h.started = h.finSeq, true
		}
		e.checkFin(f, h)
	}
}

// segment places payload bytes starting at seq.
func (e *Engine) segment(f *Flow, client bool, seq uint32, b []byte) {
	st := &f.stream
	h := &st.half[dir(client)]
	if !h.started {
		// Picked up mid-connection: the first bytes seen start the stream.
		h.next, h.started = seq, true
	}
	off := int32(seq - h.next)
	if off < 0 {
		if int64(-off) >= int64(len(b)) {
			e.stats.DuplicateBytes += uint64(len(b))
			return
		}
		e.stats.DuplicateBytes += uint64(-off)
		b = b[-off:]
		off = 0
	}
	if off == 0 {
		if e.deliver(f, client, b) {
			e.drain(f, client)
		}
		return
	}
	e.hold(f, client, seq, b)
}

// deliver passes in-order bytes to the stream, asking NewStream first if
// needed. It returns false when the stream is done.
func (e *Engine) deliver(f *Flow, client bool, b []byte) bool {
	st := &f.stream
	if st.state == streamDone {
		return false // closed while held bytes were being drained
	}
	h := &st.half[dir(client)]
	h.next += uint32(len(b))
	h.moved = true
	if st.state == streamUnasked {
		st.s = e.h.NewStream(f, client, b)
		if st.s == nil {
			e.dropPending(f)
			st.state = streamDone
			return false
		}
		st.state = streamActive
		e.stats.Streams++
	}
	if h.lost > 0 {
		// Bytes skipped before the stream existed: the stream still needs
		// to know it does not start at the beginning.
		n := h.lost
		h.lost = 0
		st.s.Gap(client, int(n))
	}
	e.stats.ReassembledBytes += uint64(len(b))
	if !st.s.Feed(client, b) {
		e.closeStream(f)
		return false
	}
	return true
}

// drain delivers held segments that have become in order.
func (e *Engine) drain(f *Flow, client bool) {
	st := &f.stream
	h := &st.half[dir(client)]
	for len(h.pending) > 0 && st.state != streamDone {
		s := h.pending[0]
		off := int32(s.seq - h.next)
		if off > 0 {
			break
		}
		copy(h.pending, h.pending[1:])
		h.pending[len(h.pending)-1] = segment{}
		h.pending = h.pending[:len(h.pending)-1]
		h.buffered -= len(s.data)
		e.buffered -= len(s.data)
		d := s.data
		if int64(-off) >= int64(len(d)) {
			e.stats.DuplicateBytes += uint64(len(d))
			continue
		}
		e.stats.DuplicateBytes += uint64(-off)
		if !e.deliver(f, client, d[-off:]) {
			return
		}
	}
	if st.state != streamDone {
		e.checkFin(f, h)
	}
}

// hold buffers an out-of-order segment. When a bound would be exceeded, the
// hole before the earliest held byte is given up as a gap.
func (e *Engine) hold(f *Flow, client bool, seq uint32, b []byte) {
	st := &f.stream
	h := &st.half[dir(client)]
	for st.state != streamDone {
		if h.buffered+len(b) <= e.cfg.MaxStreamBuffer && e.buffered+len(b) <= e.cfg.MaxBuffer {
			e.insert(h, seq, b)
			return
		}
		if len(h.pending) == 0 || int32(seq-h.pending[0].seq) <= 0 {
			// Nothing held comes before this segment: skip straight to it.
			e.gap(f, client, seq-h.next)
			if e.deliver(f, client, b) {
				e.drain(f, client)
			}
			return
		}
		e.gap(f, client, h.pending[0].seq-h.next)
		e.drain(f, client)
		if off := int32(seq - h.next); off <= 0 {
			e.segment(f, client, seq, b)
			return
		}
	}
}

func (e *Engine) insert(h *half, seq uint32, b []byte) {
	rel := seq - h.next
	i := len(h.pending)
	for i > 0 && h.pending[i-1].seq-h.next > rel {
		i--
	}
	h.pending = append(h.pending, segment{})
	copy(h.pending[i+1:], h.pending[i:])
	h.pending[i] = segment{seq: seq, data: append([]byte(nil), b...)}
	h.buffered += len(b)
	e.buffered += len(b)
	if e.buffered > e.stats.BufferedPeak {
		e.stats.BufferedPeak = e.buffered
	}
}

func (e *Engine) gap(f *Flow, client bool, n uint32) {
	if int32(n) <= 0 {
		return // only a hole ahead of next is a gap
	}
	st := &f.stream
	h := &st.half[dir(client)]
	h.next += n
	h.moved = true
	e.stats.Gaps++
	e.stats.GapBytes += uint64(n)
	switch st.state {
	case streamActive:
		st.s.Gap(client, int(n))
	case streamUnasked:
		h.lost += uint64(n) // told to the stream before its first bytes
	}
}

// checkFin closes the stream once both directions delivered up to their FIN.
func (e *Engine) checkFin(f *Flow, h *half) {
	if h.fin && !h.done && int32(h.next-h.finSeq) >= 0 {
		h.done = true
	}
	st := &f.stream
	if st.half[0].done && st.half[1].done {
		e.closeStream(f)
	}
}

func (e *Engine) dropPending(f *Flow) {
	for i := range f.stream.half {
		e.dropHalf(&f.stream.half[i])
	}
}

func (e *Engine) dropHalf(h *half) {
	e.stats.DroppedBytes += uint64(h.buffered)
	e.buffered -= h.buffered
	h.buffered = 0
	h.pending = nil
}

// closeStream stops reassembly of f, closing its Stream if it has one.
func (e *Engine) closeStream(f *Flow) {
	st := &f.stream
	e.dropPending(f)
	if st.state == streamActive {
		st.state = streamDone
		st.s.Close()
		return
	}
	st.state = streamDone
}

// endStream delivers what is held (across gaps) and closes the stream when
// its flow ends.
func (e *Engine) endStream(f *Flow) {
	st := &f.stream
	for i, client := range [2]bool{true, false} {
		h := &st.half[i]
		for len(h.pending) > 0 && st.state != streamDone {
			e.gap(f, client, h.pending[0].seq-h.next)
			e.drain(f, client)
		}
	}
	e.closeStream(f)
}
