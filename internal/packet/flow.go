package packet

import (
	"bytes"
	"net/netip"
	"time"
)

// Label is the handler's slot on a flow: the engine never reads it.
type Label struct {
	App       string // application protocol, e.g. "dicom"
	Encrypted bool
	Data      any // the handler's per-flow state
}

// EndReason says why a flow ended.
type EndReason uint8

// Reasons a flow ends.
const (
	EndNone    EndReason = iota // still open
	EndIdle                     // no packet for Config.IdleTimeout or DatagramTimeout
	EndClosed                   // TCP closed (FIN both ways or RST) and quiet for Config.ClosedTimeout, or its ports reused by a new SYN
	EndEvicted                  // the table was full and this flow was the least recently seen
	EndCapture                  // the capture ended (or the run was cancelled)
)

var endNames = [...]string{"open", "idle", "closed", "evicted", "capture_end"}

func (r EndReason) String() string {
	if int(r) < len(endNames) {
		return endNames[r]
	}
	return "unknown"
}

// Flow is one conversation: an IP protocol between two endpoints (ports are
// zero for protocols without them), both directions together. The engine
// owns the fields above Label and updates them before each Handler call;
// they are final when FlowEnd is called. The pointer stays valid after
// FlowEnd (flows are not reused), so a handler may keep it.
type Flow struct {
	ID                   uint64 // 1-based, in order of creation
	Proto                IPProto
	Client, Server       netip.AddrPort
	ClientMAC, ServerMAC MAC // zero when the link has no MACs
	VLAN, InnerVLAN      uint16
	First, Last          time.Time
	ClientPackets        uint64
	ServerPackets        uint64
	ClientBytes          uint64 // captured frame bytes
	ServerBytes          uint64
	// ClientFlags and ServerFlags are every TCP flag each side has sent.
	ClientFlags, ServerFlags TCPFlags
	// Midstream is set when the TCP connection's opening was not seen, so
	// Client is a guess: the first sender, unless only the other side uses
	// a port below 1024.
	Midstream bool
	End       EndReason

	Label Label

	key        flowKey
	aIsClient  bool
	list       uint8
	lastNs     int64 // newest capture time seen by the engine when last touched
	prev, next *Flow
	stream     streamState
}

// Refused reports a TCP connection attempt answered by a reset: the
// signature of a closed port.
func (f *Flow) Refused() bool {
	return f.ClientFlags&FlagSYN != 0 && f.ServerFlags&FlagSYN == 0 && f.ServerFlags&FlagRST != 0
}

// Unanswered reports a TCP connection attempt the server never answered.
func (f *Flow) Unanswered() bool {
	return f.ClientFlags&FlagSYN != 0 && f.ServerPackets == 0
}

// Closed reports a TCP flow that ended with a reset or a FIN in each direction.
func (f *Flow) Closed() bool { return f.list == listClosed }

// flowKey orders the endpoints so both directions find the same flow.
type flowKey struct {
	a, b   [16]byte
	ap, bp uint16
	proto  IPProto
}

// makeKey returns the key of p's flow and whether p's source is side a.
func makeKey(p *Packet) (flowKey, bool) {
	s, d := p.SrcIP.As16(), p.DstIP.As16()
	sp, dp := p.SrcPort, p.DstPort
	c := bytes.Compare(s[:], d[:])
	if c < 0 || (c == 0 && sp <= dp) {
		return flowKey{a: s, b: d, ap: sp, bp: dp, proto: p.Proto}, true
	}
	return flowKey{a: d, b: s, ap: dp, bp: sp, proto: p.Proto}, false
}

// The flow lists, each ordered by last activity (most recent at head) and
// each with a single timeout, so expiry only ever looks at tails.
const (
	listOpen   = iota // TCP not yet closed
	listClosed        // TCP after RST or FIN both ways
	listOther         // UDP, ICMP and other protocols
	numLists
)

type flowList struct{ head, tail *Flow }

func (l *flowList) pushFront(f *Flow) {
	f.prev, f.next = nil, l.head
	if l.head != nil {
		l.head.prev = f
	} else {
		l.tail = f
	}
	l.head = f
}

func (l *flowList) remove(f *Flow) {
	if f.prev != nil {
		f.prev.next = f.next
	} else {
		l.head = f.next
	}
	if f.next != nil {
		f.next.prev = f.prev
	} else {
		l.tail = f.prev
	}
	f.prev, f.next = nil, nil
}

type flowTable struct {
	m     map[flowKey]*Flow
	lists [numLists]flowList
	n     int
	ids   uint64
}

// touch moves f to the head of list l.
func (t *flowTable) touch(f *Flow, l uint8, now int64) {
	f.lastNs = now
	if t.lists[f.list].head == f && f.list == l {
		return
	}
	t.lists[f.list].remove(f)
	f.list = l
	t.lists[l].pushFront(f)
}

func (t *flowTable) insert(f *Flow, l uint8) {
	t.m[f.key] = f
	f.list = l
	t.lists[l].pushFront(f)
	t.n++
}

func (t *flowTable) delete(f *Flow) {
	t.lists[f.list].remove(f)
	delete(t.m, f.key)
	t.n--
}

// oldest returns the least recently seen flow of all lists.
func (t *flowTable) oldest() *Flow {
	var o *Flow
	for i := range t.lists {
		if f := t.lists[i].tail; f != nil && (o == nil || f.lastNs < o.lastNs) {
			o = f
		}
	}
	return o
}
