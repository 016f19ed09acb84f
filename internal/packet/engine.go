package packet

import (
	"context"
	"errors"
	"io"
	"net/netip"
	"time"
)

// Handler receives what the engine decodes. The engine calls it from the
// goroutine running Run, one call at a time. Packet, Datagram and the
// slices they are given are valid only during the call.
type Handler interface {
	// Packet is called for every frame that decoded (before Datagram or any
	// stream delivery for it).
	Packet(p *Packet)
	// Datagram is called with the payload of each UDP datagram, and with
	// the link payload of ARP, LLDP and CDP frames (p.EtherType says which).
	Datagram(p *Packet, payload []byte)
	// NewStream is asked once per TCP flow, when the first in-order payload
	// bytes of either direction are ready; client says which direction
	// first is from. Return nil to leave the flow unreassembled. first is
	// passed to the returned Stream's Feed right after.
	NewStream(f *Flow, client bool, first []byte) Stream
	// FlowEnd is called once per flow, when it expires, is evicted or the
	// capture ends, after its Stream (if any) was closed.
	FlowEnd(f *Flow)
}

// Stream receives one TCP connection's payload, each direction in sequence
// order and each byte once.
type Stream interface {
	// Feed gets the next bytes of one direction; it must not keep b.
	// Returning false stops reassembly of the flow (Close still follows).
	Feed(client bool, b []byte) bool
	// Gap says n bytes of one direction were lost (never captured, or
	// skipped because a buffer bound was reached).
	Gap(client bool, n int)
	// Close is called exactly once: after FIN both ways or RST, after Feed
	// returned false, or when the flow ends.
	Close()
}

// BaseHandler does nothing; embed it to implement only some of Handler.
type BaseHandler struct{}

func (BaseHandler) Packet(*Packet)                       {}
func (BaseHandler) Datagram(*Packet, []byte)             {}
func (BaseHandler) NewStream(*Flow, bool, []byte) Stream { return nil }
func (BaseHandler) FlowEnd(*Flow)                        {}

// Config holds the engine's limits. Zero fields take the defaults.
type Config struct {
	IdleTimeout     time.Duration // open TCP flows; default 5 min
	DatagramTimeout time.Duration // UDP, ICMP and other flows; default 1 min
	ClosedTimeout   time.Duration // TCP flows after FIN both ways or RST; default 10 s
	MaxFlows        int           // default 262,144; the least recently seen is evicted
	MaxStreamBuffer int           // out-of-order bytes held per direction; default 256 KiB
	MaxBuffer       int           // out-of-order bytes held in total; default 64 MiB
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		IdleTimeout:     5 * time.Minute,
		DatagramTimeout: time.Minute,
		ClosedTimeout:   10 * time.Second,
		MaxFlows:        1 << 18,
		MaxStreamBuffer: 256 << 10,
		MaxBuffer:       64 << 20,
	}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = d.IdleTimeout
	}
	if c.DatagramTimeout <= 0 {
		c.DatagramTimeout = d.DatagramTimeout
	}
	if c.ClosedTimeout <= 0 {
		c.ClosedTimeout = d.ClosedTimeout
	}
	if c.MaxFlows <= 0 {
		c.MaxFlows = d.MaxFlows
	}
	if c.MaxStreamBuffer <= 0 {
		c.MaxStreamBuffer = d.MaxStreamBuffer
	}
	if c.MaxBuffer <= 0 {
		c.MaxBuffer = d.MaxBuffer
	}
	return c
}

// Stats counts what a run saw.
type Stats struct {
	Packets           uint64
	Bytes             uint64 // captured bytes
	First, Last       time.Time
	DecodeErrors      [LayerCount]uint64 // by Layer where decoding stopped
	UnknownLinkType   uint64
	NonFirstFragments uint64
	FlowsCreated      uint64
	FlowsExpired      uint64 // idle or closed timeouts, and closed flows whose ports were reused
	FlowsEvicted      uint64
	FlowsPeak         int
	Streams           uint64 // flows a Stream was returned for
	ReassembledBytes  uint64 // bytes passed to Stream.Feed
	Gaps              uint64 // Stream.Gap calls
	GapBytes          uint64
	DuplicateBytes    uint64 // retransmitted or overlapping bytes not delivered again
	DroppedBytes      uint64 // buffered bytes discarded when a stream stopped or was reset
	BufferedPeak      int    // most out-of-order bytes held at once
}

// DecodeErrorTotal sums DecodeErrors.
func (s *Stats) DecodeErrorTotal() uint64 {
	var n uint64
	for _, v := range s.DecodeErrors {
		n += v
	}
	return n
}

// checkEvery is how many packets pass between looks at the context.
const checkEvery = 1024

// Engine turns a capture into Handler calls. It is not safe for concurrent
// use; run one per goroutine.
type Engine struct {
	cfg      Config
	h        Handler
	t        flowTable
	stats    Stats
	pkt      Packet
	nowNs    int64
	buffered int
}

// New returns an engine with cfg's limits.
func New(cfg Config) *Engine {
	return &Engine{cfg: cfg.withDefaults()}
}

// Run reads r to the end, calling h, and ends every remaining flow. It
// returns the statistics and the reader's error (nil at a clean end of
// file) or ctx's error; flows are ended in every case.
func (e *Engine) Run(ctx context.Context, r *Reader, h Handler) (Stats, error) {
	e.reset(h)
	var err error
	for i := 0; ; i++ {
		if i%checkEvery == 0 {
			if err = ctx.Err(); err != nil {
				break
			}
		}
		data, ci, rerr := r.ReadPacket()
		if rerr != nil {
			if !errors.Is(rerr, io.EOF) {
				err = rerr
			}
			break
		}
		e.process(data, &ci)
	}
	e.finish()
	return e.stats, err
}

func (e *Engine) reset(h Handler) {
	e.h = h
	e.t = flowTable{m: make(map[flowKey]*Flow)}
	e.stats = Stats{}
	e.nowNs = 0
	e.buffered = 0
}

// finish ends every flow, oldest first.
func (e *Engine) finish() {
	for f := e.t.oldest(); f != nil; f = e.t.oldest() {
		e.end(f, EndCapture)
	}
}

func (e *Engine) process(data []byte, ci *CaptureInfo) {
	s := &e.stats
	s.Packets++
	s.Bytes += uint64(len(data))
	if s.Packets == 1 || ci.Time.Before(s.First) {
		s.First = ci.Time
	}
	if ci.Time.After(s.Last) {
		s.Last = ci.Time
	}
	if ns := ci.Time.UnixNano(); ns > e.nowNs {
		e.nowNs = ns
		e.expire()
	}
	if !ci.LinkType.Known() {
		s.UnknownLinkType++
		return
	}
	p := &e.pkt
	p.Num, p.Time, p.CaptureLen, p.Length = int64(s.Packets), ci.Time, ci.CaptureLen, ci.Length
	if l := p.Decode(ci.LinkType, data); l != LayerNone {
		s.DecodeErrors[l]++
		return
	}
	if p.NonFirstFragment {
		s.NonFirstFragments++
	} else if p.SrcIP.IsValid() {
		e.flow(p)
	}
	e.h.Packet(p)
	switch {
	case p.Flow == nil:
		switch p.EtherType {
		case EtherTypeARP, EtherTypeLLDP, EtherTypeCDP:
			e.h.Datagram(p, p.Payload)
		}
	case p.Proto == ProtoUDP:
		e.h.Datagram(p, p.Payload)
	case p.Proto == ProtoTCP:
		e.tcp(p)
	}
}

// expire ends flows idle past their list's timeout.
func (e *Engine) expire() {
	timeouts := [numLists]time.Duration{e.cfg.IdleTimeout, e.cfg.ClosedTimeout, e.cfg.DatagramTimeout}
	for i := range e.t.lists {
		limit := e.nowNs - int64(timeouts[i])
		for f := e.t.lists[i].tail; f != nil && f.lastNs < limit; f = e.t.lists[i].tail {
			reason := EndIdle
			if i == listClosed {
				reason = EndClosed
			}
			e.stats.FlowsExpired++
			e.end(f, reason)
		}
	}
}

func (e *Engine) end(f *Flow, why EndReason) {
	e.t.delete(f)
	e.endStream(f)
	f.End = why
	e.h.FlowEnd(f)
}

// flow finds or creates p's flow and updates its counters.
func (e *Engine) flow(p *Packet) {
	k, fromA := makeKey(p)
	f := e.t.m[k]
	if f != nil && f.list == listClosed && p.TCPFlags&(FlagSYN|FlagACK) == FlagSYN {
		// A new connection reusing a closed one's ports.
		e.stats.FlowsExpired++
		e.end(f, EndClosed)
		f = nil
	}
	if f == nil {
		f = e.newFlow(p, k, fromA)
	}
	fromClient := fromA == f.aIsClient
	p.Flow, p.FromClient = f, fromClient
	f.Last = p.Time
	n := uint64(len(p.Data))
	if fromClient {
		f.ClientPackets++
		f.ClientBytes += n
		f.ClientFlags |= p.TCPFlags
	} else {
		f.ServerPackets++
		f.ServerBytes += n
		f.ServerFlags |= p.TCPFlags
	}
	l := f.list
	if p.Proto == ProtoTCP && l == listOpen &&
		(p.TCPFlags&FlagRST != 0 || (f.ClientFlags&f.ServerFlags)&FlagFIN != 0) {
		l = listClosed
	}
	e.t.touch(f, l, e.nowNs)
}

func (e *Engine) newFlow(p *Packet, k flowKey, fromA bool) *Flow {
	if e.t.n >= e.cfg.MaxFlows {
		if o := e.t.oldest(); o != nil {
			e.stats.FlowsEvicted++
			e.end(o, EndEvicted)
		}
	}
	senderIsClient := true
	f := &Flow{Proto: p.Proto, First: p.Time, VLAN: p.VLAN, InnerVLAN: p.InnerVLAN, key: k}
	if p.Proto == ProtoTCP {
		switch p.TCPFlags & (FlagSYN | FlagACK) {
		case FlagSYN:
		case FlagSYN | FlagACK:
			senderIsClient = false
		default:
			f.Midstream = true
			senderIsClient = !(p.SrcPort < 1024 && p.DstPort >= 1024)
		}
	}
	f.aIsClient = fromA == senderIsClient
	src, dst := p.SrcIP, p.DstIP
	if senderIsClient {
		f.Client, f.Server = netip.AddrPortFrom(src, p.SrcPort), netip.AddrPortFrom(dst, p.DstPort)
		if p.HasMAC {
			f.ClientMAC, f.ServerMAC = p.SrcMAC, p.DstMAC
		}
	} else {
		f.Client, f.Server = netip.AddrPortFrom(dst, p.DstPort), netip.AddrPortFrom(src, p.SrcPort)
		if p.HasMAC {
			f.ClientMAC, f.ServerMAC = p.DstMAC, p.SrcMAC
		}
	}
	e.t.ids++
	f.ID = e.t.ids
	l := uint8(listOther)
	if p.Proto == ProtoTCP {
		l = listOpen
	}
	f.lastNs = e.nowNs
	e.t.insert(f, l)
	e.stats.FlowsCreated++
	if e.t.n > e.stats.FlowsPeak {
		e.stats.FlowsPeak = e.t.n
	}
	return f
}
