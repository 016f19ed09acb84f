package oui

import (
	"cmp"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits on what Parse and Decode accept. The 2022 registry has about 46,000
// assignments and 29,600 distinct names; the limits leave ample room for
// growth while keeping a hostile file from exhausting memory.
const (
	MaxCSVBytes    = 64 << 20
	MaxAssignments = 1 << 18
	MaxNameLen     = 512
)

var header = []string{"Registry", "Assignment", "Organization Name", "Organization Address"}

// Parse reads an IEEE registry CSV (oui.csv, mam.csv, oui36.csv, iab.csv as
// the IEEE and Debian's ieee-data publish them). Several files may be
// concatenated: a repeated header row is skipped, so one stream can hold
// every block. When an assignment appears twice (the IEEE lists a few
// historic MA-L reassignments) the first row wins. Organization addresses are
// not kept. The date of the result is zero; see WithDate.
func Parse(r io.Reader) (*Registry, error) {
	lr := &io.LimitedReader{R: r, N: MaxCSVBytes + 1}
	cr := csv.NewReader(lr)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	b := newBuilder()
	first := true
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if lr.N <= 0 {
			return nil, fmt.Errorf("oui: csv larger than %d bytes", MaxCSVBytes)
		}
		if err != nil {
			return nil, fmt.Errorf("oui: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if first {
			first = false
			if len(rec) > 0 {
				rec[0] = strings.TrimPrefix(rec[0], "\uFEFF")
			}
			if !slices.Equal(rec, header) {
				return nil, fmt.Errorf("oui: line %d: header is not %q", line, strings.Join(header, ","))
			}
			continue
		}
		if slices.Equal(rec, header) {
			continue
		}
		if len(rec) != len(header) {
			return nil, fmt.Errorf("oui: line %d: %d fields, want %d", line, len(rec), len(header))
		}
		blk, ok := parseBlock(rec[0])
		if !ok {
			return nil, fmt.Errorf("oui: line %d: unknown registry %.20q", line, rec[0])
		}
		key, err := parseAssignment(rec[1], blk)
		if err != nil {
			return nil, fmt.Errorf("oui: line %d: %w", line, err)
		}
		name := strings.TrimSpace(rec[2])
		if name == "" || len(name) > MaxNameLen || !utf8.ValidString(name) {
			return nil, fmt.Errorf("oui: line %d: organization name empty, longer than %d bytes or not UTF-8", line, MaxNameLen)
		}
		if b.n >= MaxAssignments {
			return nil, fmt.Errorf("oui: line %d: more than %d assignments", line, MaxAssignments)
		}
		b.add(blk, key, name)
	}
	if first {
		return nil, errors.New("oui: empty csv, no header")
	}
	return b.build(), nil
}

func parseAssignment(s string, b Block) (uint64, error) {
	digits := b.Bits() / 4
	if len(s) != digits {
		return 0, fmt.Errorf("assignment %.20q: want %d hex digits for %v", s, digits, b)
	}
	v, err := strconv.ParseUint(s, 16, 64)
	if err != nil {
		return 0, fmt.Errorf("assignment %.20q is not hexadecimal", s)
	}
	return v, nil
}

type entry struct {
	key  uint64
	name string
}

// builder collects assignments in file order and turns them into the
// sorted, deduplicated tables of a Registry.
type builder struct {
	entries [numBlocks][]entry
	n       int
}

func newBuilder() *builder { return &builder{} }

func (b *builder) add(blk Block, key uint64, name string) {
	b.entries[blk] = append(b.entries[blk], entry{key, name})
	b.n++
}

func (b *builder) build() *Registry {
	var kept [numBlocks][]entry
	for blk := range numBlocks {
		es := b.entries[blk]
		// Stable, so the first of duplicate assignments stays first.
		slices.SortStableFunc(es, func(x, y entry) int { return cmp.Compare(x.key, y.key) })
		for i, e := range es {
			if i == 0 || es[i-1].key != e.key {
				kept[blk] = append(kept[blk], e)
			}
		}
	}
	index := map[string]uint32{}
	var names []string
	for blk := range numBlocks {
		for _, e := range kept[blk] {
			if _, ok := index[e.name]; !ok {
				index[e.name] = 0
				names = append(names, e.name)
			}
		}
	}
	slices.Sort(names)
	for i, n := range names {
		index[n] = uint32(i)
	}
	r := &Registry{names: names}
	for blk := range numBlocks {
		t := table{keys: make([]uint64, len(kept[blk])), names: make([]uint32, len(kept[blk]))}
		for i, e := range kept[blk] {
			t.keys[i] = e.key
			t.names[i] = index[e.name]
		}
		r.blocks[blk] = t
	}
	return r
}

// Merge returns a registry with newer's assignments for every block newer
// has any of, and base's for the others: the IEEE publishes each block as
// its own file, so an update from oui.csv alone replaces MA-L and keeps
// the MA-M, MA-S and IAB assignments base had. The date is newer's.
func Merge(base, newer *Registry) *Registry {
	b := newBuilder()
	for blk := range numBlocks {
		src := base
		if newer.Count(blk) > 0 {
			src = newer
		}
		t := &src.blocks[blk]
		for i, k := range t.keys {
			b.add(blk, k, src.names[t.names[i]])
		}
	}
	r := b.build()
	r.date = newer.date
	return r
}
