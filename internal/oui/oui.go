// Package oui owns the IEEE MAC address registry: it parses the registry CSV
// files the IEEE publishes (MA-L, MA-M, MA-S, IAB), stores them in a compact
// compressed form embedded into the binary as the default registry, and
// answers which organization a MAC address was assigned to, preferring the
// longest (most specific) assignment.
package oui

import (
	"fmt"
	"iter"
	"slices"
	"time"
)

// Block is the IEEE registry an assignment comes from; it fixes the prefix length.
type Block uint8

const (
	MAL Block = iota // MA-L, 24-bit prefix (the classic OUI)
	MAM              // MA-M, 28-bit prefix
	MAS              // MA-S, 36-bit prefix
	IAB              // Individual Address Block, 36-bit prefix (superseded by MA-S)
	numBlocks
)

// lookupOrder tries the most specific blocks first.
var lookupOrder = [numBlocks]Block{MAS, IAB, MAM, MAL}

// Bits is the prefix length of the block's assignments.
func (b Block) Bits() int {
	switch b {
	case MAL:
		return 24
	case MAM:
		return 28
	case MAS, IAB:
		return 36
	}
	return 0
}

func (b Block) String() string {
	switch b {
	case MAL:
		return "MA-L"
	case MAM:
		return "MA-M"
	case MAS:
		return "MA-S"
	case IAB:
		return "IAB"
	}
	return fmt.Sprintf("Block(%d)", uint8(b))
}

func parseBlock(s string) (Block, bool) {
	for b := range numBlocks {
		if b.String() == s {
			return b, true
		}
	}
	return 0, false
}

// Vendor is the assignment a MAC address falls into.
type Vendor struct {
	Name   string // organization name as published, spaces trimmed
	Block  Block
	Prefix uint64 // the assigned prefix, Block.Bits() wide (0x0050C27D5 for IAB 00-50-C2-7D-5)
}

// String renders the assignment as IEEE writes it, e.g. "00-50-C2-7D-5".
func (v Vendor) String() string {
	digits := v.Block.Bits() / 4
	hex := fmt.Sprintf("%0*X", digits, v.Prefix)
	out := make([]byte, 0, digits+digits/2)
	for i := 0; i < len(hex); i++ {
		if i > 0 && i%2 == 0 {
			out = append(out, '-')
		}
		out = append(out, hex[i])
	}
	return string(out)
}

// table holds one block's assignments sorted by prefix.
type table struct {
	keys  []uint64
	names []uint32 // index into Registry.names
}

// Registry is an immutable set of assignments; it is safe for concurrent use.
type Registry struct {
	date   time.Time
	names  []string // deduplicated, sorted
	blocks [numBlocks]table
}

// Lookup returns the most specific assignment covering mac. It does not
// allocate. A locally administered address (see Local) is looked up like any
// other: a match there is usually a coincidence of a randomised address.
func (r *Registry) Lookup(mac [6]byte) (Vendor, bool) {
	v := uint64(mac[0])<<40 | uint64(mac[1])<<32 | uint64(mac[2])<<24 |
		uint64(mac[3])<<16 | uint64(mac[4])<<8 | uint64(mac[5])
	for _, b := range lookupOrder {
		t := &r.blocks[b]
		key := v >> (48 - b.Bits())
		if i, ok := slices.BinarySearch(t.keys, key); ok {
			return Vendor{Name: r.names[t.names[i]], Block: b, Prefix: key}, true
		}
	}
	return Vendor{}, false
}

// Local reports whether mac is locally administered (the U/L bit of the
// first octet): such addresses are not assigned by the IEEE and are often
// randomised by phones and laptops for privacy.
func Local(mac [6]byte) bool { return mac[0]&0x02 != 0 }

// Multicast reports whether mac is a group address (the I/G bit).
func Multicast(mac [6]byte) bool { return mac[0]&0x01 != 0 }

// Len is the number of assignments.
func (r *Registry) Len() int {
	n := 0
	for i := range r.blocks {
		n += len(r.blocks[i].keys)
	}
	return n
}

// Count is the number of assignments in one block.
func (r *Registry) Count(b Block) int {
	if b >= numBlocks {
		return 0
	}
	return len(r.blocks[b].keys)
}

// Date is the publication date recorded with the registry; zero when unknown
// (the CSV files carry none).
func (r *Registry) Date() time.Time { return r.date }

// WithDate returns a copy of r that records date as its publication date.
// The assignments are shared, not copied: both are immutable.
func (r *Registry) WithDate(date time.Time) *Registry {
	c := *r
	c.date = date.UTC().Truncate(time.Second)
	return &c
}

// All yields every assignment, block by block in prefix order.
func (r *Registry) All() iter.Seq[Vendor] {
	return func(yield func(Vendor) bool) {
		for b := range numBlocks {
			t := &r.blocks[b]
			for i, k := range t.keys {
				if !yield(Vendor{Name: r.names[t.names[i]], Block: b, Prefix: k}) {
					return
				}
			}
		}
	}
}
