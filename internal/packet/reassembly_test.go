package packet

import (
	"bytes"
	"strings"
	"testing"
)

// seg is one hand-made TCP segment of the A(client):40000 ↔ B:104 connection.
type seg struct {
	fromA bool
	seq   uint32
	flags TCPFlags
	data  string
}

func TestReassembly(t *testing.T) {
	const isnA, isnB = 1000, 5000
	open := []seg{{true, isnA, FlagSYN, ""}, {false, isnB, FlagSYN | FlagACK, ""}, {true, isnA + 1, FlagACK, ""}}
	withOpen := func(s ...seg) []seg { return append(append([]seg{}, open...), s...) }
	c := func(off uint32, d string) seg { return seg{true, isnA + 1 + off, FlagACK, d} }
	s := func(off uint32, d string) seg { return seg{false, isnB + 1 + off, FlagACK, d} }
	fin := func(fromA bool, off uint32) seg {
		if fromA {
			return seg{true, isnA + 1 + off, FlagFIN | FlagACK, ""}
		}
		return seg{false, isnB + 1 + off, FlagFIN | FlagACK, ""}
	}
	tests := []struct {
		name       string
		cfg        Config
		segs       []seg
		client     string // bytes delivered, '#' for each byte of a gap
		server     string
		first      string
		dup, gaps  uint64
		closedByFn bool // Close came before the flow ended
	}{
		{name: "in order with FIN both ways", segs: withOpen(c(0, "hello"), s(0, "world"), fin(true, 5), fin(false, 5)),
			client: "hello", server: "world", first: "hello", closedByFn: true},
		{name: "server speaks first", segs: withOpen(s(0, "220 ready"), c(0, "HELO")), client: "HELO", server: "220 ready", first: "220 ready"},
		{name: "reordered", segs: withOpen(c(6, "ghi"), c(0, "abc"), c(3, "def")), client: "abcdefghi", first: "abc"},
		{name: "duplicated", segs: withOpen(c(0, "abc"), c(0, "abc"), c(3, "de"), c(3, "de")), client: "abcde", first: "abc", dup: 5},
		{name: "overlapping in order", segs: withOpen(c(0, "abcd"), c(2, "cdef")), client: "abcdef", first: "abcd", dup: 2},
		{name: "overlapping held", segs: withOpen(c(4, "efg"), c(5, "fgh"), c(0, "abcdef")), client: "abcdefgh", first: "abcdef", dup: 4},
		{name: "missing segment becomes a gap at flow end", segs: withOpen(c(0, "abc"), c(9, "xyz")), client: "abc######xyz", first: "abc", gaps: 1},
		{name: "one-byte segments in reverse", segs: withOpen(c(4, "o"), c(3, "l"), c(2, "l"), c(1, "e"), c(0, "h")), client: "hello", first: "h"},
		{name: "sequence wrap-around", segs: []seg{
			{true, 0xfffffffc, FlagSYN, ""},
			{true, 1, FlagACK, "ef"}, {true, 0xfffffffd, FlagACK, "ab"}, {true, 0xffffffff, FlagACK, "cd"}, {true, 3, FlagACK, "gh"},
		}, client: "abcdefgh", first: "ab"},
		{name: "picked up mid-connection", segs: []seg{{true, 777, FlagACK | FlagPSH, "xy"}, {true, 779, FlagACK, "z"}, {false, 9, FlagACK, "ok"}},
			client: "xyz", server: "ok", first: "xy"},
		{name: "new SYN before any data restarts the sequence", segs: []seg{{true, 50, FlagSYN, ""}, {true, 70, FlagACK, "zz"}, {true, isnA, FlagSYN, ""}, {true, isnA + 1, FlagACK, "ok"}},
			client: "ok", first: "ok"},
		{name: "SYN with data (TFO)", segs: []seg{{true, isnA, FlagSYN, "GET"}, {true, isnA + 4, FlagACK, " /"}}, client: "GET /", first: "GET"},
		{name: "per-stream bound skips ahead", cfg: Config{MaxStreamBuffer: 8},
			segs: withOpen(c(3, "abcdef"), c(9, "ghijk"), c(0, "lat")), client: "###abcdefghijk", first: "abcdef", gaps: 1, dup: 3},
		{name: "per-stream bound skips ahead in a stream", cfg: Config{MaxStreamBuffer: 8},
			segs: withOpen(c(0, "a"), c(3, "abcdef"), c(9, "ghijk")), client: "a##abcdefghijk", first: "a", gaps: 1},
		{name: "global bound skips ahead", cfg: Config{MaxBuffer: 4},
			segs: withOpen(c(0, "a"), c(2, "cd"), c(5, "fgh")), client: "a#cd#fgh", first: "a", gaps: 2},
		{name: "RST closes", segs: withOpen(c(0, "abc"), c(5, "held"), seg{false, isnB + 1, FlagRST, ""}, c(3, "de")),
			client: "abc", first: "abc", closedByFn: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &recorder{}
			f := newFeeder(tt.cfg, h)
			for _, sg := range tt.segs {
				f.frame(LinkEthernet, tcpFrame(sg.fromA, sg.seq, sg.flags, []byte(sg.data)))
			}
			if len(h.streams) != 1 {
				t.Fatalf("%d streams", len(h.streams))
			}
			st := h.streams[0]
			if tt.closedByFn != (st.closed == 1) {
				t.Errorf("closed %d times before the flow ended", st.closed)
			}
			f.e.finish()
			if st.closed != 1 || st.fedAfterStop {
				t.Errorf("Close called %d times; fed after close: %v", st.closed, st.fedAfterStop)
			}
			if string(st.data[0]) != tt.client || string(st.data[1]) != tt.server {
				t.Errorf("client %q server %q, want %q %q", st.data[0], st.data[1], tt.client, tt.server)
			}
			if string(st.first) != tt.first {
				t.Errorf("NewStream saw %q, want %q", st.first, tt.first)
			}
			stats := f.e.stats
			if stats.DuplicateBytes != tt.dup || stats.Gaps != tt.gaps {
				t.Errorf("duplicate bytes %d, gaps %d; want %d, %d", stats.DuplicateBytes, stats.Gaps, tt.dup, tt.gaps)
			}
			if want := uint64(len(strings.ReplaceAll(tt.client+tt.server, "#", ""))); stats.ReassembledBytes != want {
				t.Errorf("reassembled %d bytes, want %d", stats.ReassembledBytes, want)
			}
			if f.e.buffered != 0 {
				t.Errorf("%d bytes still counted as buffered", f.e.buffered)
			}
		})
	}
}

func TestReassemblyStopsWhenFeedDeclines(t *testing.T) {
	h := &stopper{}
	f := newFeeder(Config{}, h)
	f.frame(LinkEthernet, tcpFrame(true, 1, FlagSYN, nil))
	f.frame(LinkEthernet, tcpFrame(true, 2, FlagACK, []byte("abc")))
	f.frame(LinkEthernet, tcpFrame(true, 8, FlagACK, []byte("held")))
	f.frame(LinkEthernet, tcpFrame(true, 5, FlagACK, []byte("def")))
	f.frame(LinkEthernet, tcpFrame(true, 12, FlagACK, []byte("more")))
	f.e.finish()
	s := h.s
	if string(s.data[0]) != "abcdef" || s.closed != 1 || s.fedAfterStop {
		t.Errorf("data %q closed %d fed after stop %v", s.data[0], s.closed, s.fedAfterStop)
	}
	if st := f.e.stats; st.DroppedBytes != 4 || st.ReassembledBytes != 6 {
		t.Errorf("stats %+v", st)
	}
	if fl := h.ended[0]; fl.ClientPackets != 5 {
		t.Errorf("flow still counted: %d client packets", fl.ClientPackets)
	}
}

type stopper struct {
	recorder
	s *recStream
}

func (h *stopper) NewStream(f *Flow, client bool, first []byte) Stream {
	h.s = &recStream{stopAfter: 6}
	return h.s
}

func TestReassemblyDeclined(t *testing.T) {
	h := &recorder{decline: true}
	f := newFeeder(Config{}, h)
	f.frame(LinkEthernet, tcpFrame(true, 1, FlagACK, []byte("abc")))
	f.frame(LinkEthernet, tcpFrame(true, 10, FlagACK, []byte("later")))
	f.e.finish()
	if st := f.e.stats; st.Streams != 0 || st.ReassembledBytes != 0 || st.BufferedPeak != 0 {
		t.Errorf("stats %+v", st)
	}
}

// Out-of-order bytes never exceed the bounds, whatever arrives.
func TestReassemblyBounded(t *testing.T) {
	h := &recorder{}
	f := newFeeder(Config{MaxStreamBuffer: 1000, MaxBuffer: 1500}, h)
	chunk := bytes.Repeat([]byte{'x'}, 100)
	for i := range 50 {
		f.frame(LinkEthernet, tcpFrame(true, uint32(1000+i*200), FlagACK, chunk))  // every other chunk missing
		f.frame(LinkEthernet, tcpFrame(false, uint32(9000+i*200), FlagACK, chunk)) // the other direction too
	}
	if st := f.e.stats; st.BufferedPeak > 1500 {
		t.Errorf("buffered peak %d over the global bound", st.BufferedPeak)
	}
	for _, d := range f.e.t.m {
		for _, hf := range d.stream.half {
			if hf.buffered > 1000 {
				t.Errorf("direction holds %d bytes", hf.buffered)
			}
		}
	}
	f.e.finish()
	s := h.streams[0]
	if len(s.data[0]) != 50*200-100 || s.gaps[0] != 49*100 {
		t.Errorf("client delivered %d bytes with %d gap bytes", len(s.data[0]), s.gaps[0])
	}
}
