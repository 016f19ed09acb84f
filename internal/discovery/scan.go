package discovery

import (
	"net/netip"
	"slices"
	"time"
)

// Port-scan detection: connection attempts from one address that were
// refused (answered by a reset) or never answered, counted over distinct
// targets (address and port) in a sliding window.
const (
	scanWindow      = 5 * time.Minute
	scanThreshold   = 25   // distinct failed targets in one window
	maxScanAttempts = 4096 // kept per source
)

type scanState struct {
	attempts []scanAttempt
}

type scanAttempt struct {
	target netip.AddrPort
	t      time.Time
}

func (s *Sensor) scanAttempt(src netip.Addr, target netip.AddrPort, t time.Time) {
	if !src.IsValid() {
		return
	}
	st := s.scans[src]
	if st == nil {
		if len(s.scans) >= maxHosts {
			return
		}
		st = &scanState{}
		s.scans[src] = st
	}
	if len(st.attempts) < maxScanAttempts {
		st.attempts = append(st.attempts, scanAttempt{target, t})
	}
}

// scanFinding is the busiest window of one source's failed attempts.
type scanFinding struct {
	targets, hosts, ports int
	first, last           time.Time
}

func (st *scanState) worst() (scanFinding, bool) {
	a := slices.Clone(st.attempts)
	slices.SortStableFunc(a, func(x, y scanAttempt) int { return x.t.Compare(y.t) })
	counts := make(map[netip.AddrPort]int, len(a))
	bestN, bestLo, bestHi := 0, 0, 0
	lo := 0
	for hi := range a {
		counts[a[hi].target]++
		for a[hi].t.Sub(a[lo].t) > scanWindow {
			if counts[a[lo].target]--; counts[a[lo].target] == 0 {
				delete(counts, a[lo].target)
			}
			lo++
		}
		if len(counts) > bestN {
			bestN, bestLo, bestHi = len(counts), lo, hi
		}
	}
	if bestN < scanThreshold {
		return scanFinding{}, false
	}
	hosts, ports := map[netip.Addr]bool{}, map[uint16]bool{}
	for _, x := range a[bestLo : bestHi+1] {
		hosts[x.target.Addr()] = true
		ports[x.target.Port()] = true
	}
	return scanFinding{targets: bestN, hosts: len(hosts), ports: len(ports), first: a[bestLo].t, last: a[bestHi].t}, true
}
