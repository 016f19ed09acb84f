package discovery

import (
	"context"
	"io"

	"github.com/vigil-oss/vigil/internal/packet"
)

// Read runs the packet engine over one capture (pcap or pcapng, gzipped or
// not) into the sensor. Several captures can be read into one sensor in
// turn; call Result after the last. The statistics add up across calls.
// On a damaged capture it returns the error, having kept everything before
// the damage.
func (s *Sensor) Read(ctx context.Context, r io.Reader, cfg packet.Config, progress func(*packet.Reader)) error {
	rd, err := packet.NewReader(r)
	if err != nil {
		return err
	}
	if progress != nil {
		progress(rd)
	}
	st, err := packet.New(cfg).Run(ctx, rd, s)
	s.addStats(st)
	return err
}

func (s *Sensor) addStats(st packet.Stats) {
	e := &s.engine
	e.Packets += st.Packets
	e.Bytes += st.Bytes
	for i := range st.DecodeErrors {
		e.DecodeErrors[i] += st.DecodeErrors[i]
	}
	e.UnknownLinkType += st.UnknownLinkType
	e.NonFirstFragments += st.NonFirstFragments
	e.FlowsCreated += st.FlowsCreated
	e.FlowsExpired += st.FlowsExpired
	e.FlowsEvicted += st.FlowsEvicted
	e.FlowsPeak = max(e.FlowsPeak, st.FlowsPeak)
	e.Streams += st.Streams
	e.ReassembledBytes += st.ReassembledBytes
	e.Gaps += st.Gaps
	e.GapBytes += st.GapBytes
	e.DuplicateBytes += st.DuplicateBytes
	e.DroppedBytes += st.DroppedBytes
	e.BufferedPeak = max(e.BufferedPeak, st.BufferedPeak)
	if !st.First.IsZero() && (e.First.IsZero() || st.First.Before(e.First)) {
		e.First = st.First
	}
	if st.Last.After(e.Last) {
		e.Last = st.Last
	}
}
