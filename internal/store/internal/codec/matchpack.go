package codec

import (
	"encoding/binary"
	"fmt"

	"github.com/vigil-oss/vigil/internal/core"
)

// A match pack holds, in one value on the release's SBOM row, the columns of
// its components that matching reads (core.VulnStore.ListMatchComponents):
// re-matching a thousand releases then reads a thousand values rather than a
// million and a half rows, which was most of its time. The components table
// stays the record; the pack is derived from it, written in the same
// transaction, and a missing pack (an SBOM stored before the pack existed)
// sends the reader back to the rows.
//
// Layout: a version byte, the component count, then per component the id as
// a delta from the previous one (zig-zag), then ref, type, group, name,
// version, purl and supplier as length-prefixed strings, then the CPE count
// and each CPE. Integers are uvarints.
const matchPackVersion = 1

// matchPackMaxComponents bounds what a corrupt count can make the reader allocate.
const matchPackMaxComponents = 1 << 22

// PackMatch encodes comps, with ids[i] the ID of comps[i] (nil: the
// components' own), for UnpackMatch.
func PackMatch[ID ~int64](comps []*core.Component, ids []ID) []byte {
	n := 8
	for _, c := range comps {
		n += 24 + len(c.Ref) + len(c.Type) + len(c.Group) + len(c.Name) + len(c.Version) + len(c.PURL) + len(c.Supplier)
		for _, p := range c.CPEs {
			n += 2 + len(p)
		}
	}
	b := make([]byte, 0, n)
	b = append(b, matchPackVersion)
	b = binary.AppendUvarint(b, uint64(len(comps)))
	prev := int64(0)
	for i, c := range comps {
		id := int64(c.ID)
		if ids != nil {
			id = int64(ids[i])
		}
		b = binary.AppendVarint(b, id-prev)
		prev = id
		for _, s := range [...]string{c.Ref, c.Type, c.Group, c.Name, c.Version, c.PURL, c.Supplier} {
			b = binary.AppendUvarint(b, uint64(len(s)))
			b = append(b, s...)
		}
		b = binary.AppendUvarint(b, uint64(len(c.CPEs)))
		for _, p := range c.CPEs {
			b = binary.AppendUvarint(b, uint64(len(p)))
			b = append(b, p...)
		}
	}
	return b
}

// UnpackMatch decodes a pack of release's components. The strings share one
// copy of data, and the components one allocation.
func UnpackMatch(data []byte, release core.ReleaseID) ([]*core.Component, error) {
	if len(data) == 0 || data[0] != matchPackVersion {
		return nil, fmt.Errorf("match pack of release %d: unknown version", release)
	}
	s := string(data)
	r := packReader{s: s, off: 1}
	count := r.uvarint()
	if r.err != nil || count > matchPackMaxComponents || count > uint64(len(s)) {
		return nil, fmt.Errorf("match pack of release %d: bad component count", release)
	}
	block := make([]core.Component, count)
	out := make([]*core.Component, count)
	prev := int64(0)
	var noCPEs = []string{}
	for i := range block {
		c := &block[i]
		prev += r.varint()
		c.ID, c.ReleaseID = core.ComponentID(prev), release
		c.Ref, c.Type, c.Group, c.Name = r.str(), r.str(), r.str(), r.str()
		c.Version, c.PURL, c.Supplier = r.str(), r.str(), r.str()
		n := r.uvarint()
		if n > uint64(len(s)-r.off) {
			r.fail()
		}
		if r.err != nil {
			return nil, fmt.Errorf("match pack of release %d: component %d: %w", release, i, r.err)
		}
		c.CPEs = noCPEs
		if n > 0 {
			c.CPEs = make([]string, n)
			for j := range c.CPEs {
				c.CPEs[j] = r.str()
			}
		}
		out[i] = c
	}
	if r.err != nil {
		return nil, fmt.Errorf("match pack of release %d: %w", release, r.err)
	}
	if r.off != len(s) {
		return nil, fmt.Errorf("match pack of release %d: %d bytes left over", release, len(s)-r.off)
	}
	return out, nil
}

// AddMatchPack puts the components of release id, from the pack stored on
// its SBOM row (n components), into out. It reports rows when there is no
// pack but there are components: an SBOM stored before packs existed,
// whose component rows must be read instead.
func AddMatchPack(out map[core.ReleaseID][]*core.Component, id core.ReleaseID, n int, pack []byte) (rows bool, err error) {
	if pack == nil {
		return n > 0, nil
	}
	comps, err := UnpackMatch(pack, id)
	if err != nil {
		return false, err
	}
	if len(comps) > 0 {
		out[id] = comps
	}
	return false, nil
}

type packReader struct {
	s   string
	off int
	err error
}

var errPackTruncated = fmt.Errorf("truncated")

func (r *packReader) fail() {
	if r.err == nil {
		r.err = errPackTruncated
	}
	r.off = len(r.s)
}

func (r *packReader) uvarint() uint64 {
	var x uint64
	for shift := uint(0); shift < 64; shift += 7 {
		if r.off >= len(r.s) {
			r.fail()
			return 0
		}
		c := r.s[r.off]
		r.off++
		x |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return x
		}
	}
	r.fail()
	return 0
}

func (r *packReader) varint() int64 {
	u := r.uvarint()
	return int64(u>>1) ^ -int64(u&1)
}

func (r *packReader) str() string {
	n := r.uvarint()
	if n > uint64(len(r.s)-r.off) {
		r.fail()
		return ""
	}
	v := r.s[r.off : r.off+int(n)]
	r.off += int(n)
	return v
}
