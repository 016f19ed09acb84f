package advisory

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"math/bits"
	"path"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// OSVIndex is a lazily decoded OSV database: IndexOSV reads every file once
// and notes only which packages each record affects; Lookup decodes a
// record fully the first time a scan asks for one of its packages. A scan
// of a few thousand components touches a few hundred records, so most of a
// database is never decoded.
type OSVIndex struct {
	recs    []*indexedOSV      // kept records, in the order first seen
	byID    map[string]int32   // id → recs
	byPkg   map[pkgKey][]int32 // ecosystem and name → recs
	byBase  map[pkgKey][]int32 // base ecosystem ("Debian" for "Debian:12") and name → recs
	skipped []Problem
}

type pkgKey struct{ ecosystem, name string }

type indexedOSV struct {
	path  string
	id    string
	mod   time.Time
	once  sync.Once
	ready atomic.Bool            // set once rec and err are
	data  []byte                 // released once decoded
	load  func() ([]byte, error) // reads data when it was not kept (AddLazy)
	head  OSVHead
	rec   *OSV
	err   error
}

// IndexOSV reads every *.json file under root in fsys (a directory or a zip
// archive) with workers goroutines (0 means GOMAXPROCS). For each file it
// extracts only the id, the modified time and affected[].package with a
// scanner that validates the whole document as JSON but builds nothing
// else. Files that are not JSON, lack an id or modified time, have the wrong
// type where the index looks, or exceed MaxOSVBytes are listed in Skipped;
// files that name no package by ecosystem and name are dropped silently
// (nothing can look them up). Two files with one id keep the newer modified
// time, as ReadOSV does. Only a cancelled ctx or an unreadable root is an
// error.
func IndexOSV(ctx context.Context, fsys fs.FS, root string, workers int) (*OSVIndex, error) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ix := NewOSVIndex()
	files, zfiles, err := osvFiles(fsys, root, &ix.skipped)
	if err != nil {
		return nil, fmt.Errorf("osv index: read %s: %w", root, err)
	}

	type result struct {
		data []byte
		head osvHead
		err  error
	}
	results := make([]result, len(files))
	var next atomic.Int64
	var wg sync.WaitGroup
	if workers > len(files) {
		workers = max(len(files), 1)
	}
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var inf inflater
			for {
				i := int(next.Add(1) - 1)
				if i >= len(files) || ctx.Err() != nil {
					return
				}
				r := &results[i]
				if zfiles != nil {
					r.data, r.err = inf.read(zfiles[i], MaxOSVBytes)
				} else {
					r.data, r.err = readBounded(fsys, files[i], MaxOSVBytes)
				}
				if r.err == nil {
					r.head, r.err = scanOSV(r.data)
				}
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("osv index: %w", err)
	}

	for i, r := range results {
		err := r.err
		if err == nil {
			err = ix.add(files[i], r.data, r.head)
		}
		if err != nil {
			ix.skipped = append(ix.skipped, Problem{files[i], err.Error()})
		}
	}
	return ix, nil
}

// NewOSVIndex returns an empty index for Add, for callers that walk a feed
// themselves (Walk hands over OSV documents one by one). IndexOSV is the
// faster way to index a whole directory or archive.
func NewOSVIndex() *OSVIndex {
	return &OSVIndex{byID: map[string]int32{}, byPkg: map[pkgKey][]int32{}, byBase: map[pkgKey][]int32{}}
}

// Add indexes one OSV document read from path (the name problems will
// carry). It returns the reason a document cannot be indexed, with the
// same checks as IndexOSV, rather than listing it in Skipped. A record that
// names no package is accepted and left out; of two records with one id the
// newer modified time is kept. Add must not run concurrently with Add or
// Lookup.
func (ix *OSVIndex) Add(path string, data []byte) error {
	if len(data) > MaxOSVBytes {
		return fmt.Errorf("larger than %d bytes", MaxOSVBytes)
	}
	h, err := scanOSV(data)
	if err != nil {
		return err
	}
	return ix.add(path, data, h)
}

// OSVHead is what the index keeps of one record before it is decoded: its
// id, its modified time as written, and the packages it names. A caller can
// save the heads of an archive it has indexed and, next time, rebuild the
// index with AddLazy without reading the records again.
type OSVHead struct {
	Path     string       `json:"path"`
	ID       string       `json:"id"`
	Modified string       `json:"modified"`
	Packages []OSVPackage `json:"packages"`
}

// Heads returns the head of every record in the index, in the order added.
func (ix *OSVIndex) Heads() []OSVHead {
	out := make([]OSVHead, len(ix.recs))
	for i, r := range ix.recs {
		out[i] = r.head
	}
	return out
}

// AddLazy indexes a record from its head; load reads its bytes the first
// time a Lookup needs it. The head is checked as Add checks a record.
func (ix *OSVIndex) AddLazy(h OSVHead, load func() ([]byte, error)) error {
	if err := ix.add(h.Path, nil, osvHead{id: h.ID, modified: h.Modified, pkgs: h.Packages}); err != nil {
		return err
	}
	if i, ok := ix.byID[h.ID]; ok && ix.recs[i].head.Path == h.Path {
		ix.recs[i].load = load
	}
	return nil
}

func (ix *OSVIndex) add(path string, data []byte, h osvHead) error {
	if h.id == "" || len(h.id) > 256 || strings.ContainsAny(h.id, " \t\r\n/") {
		return fmt.Errorf("osv: id %q is missing or malformed (not an OSV record?)", clip(h.id))
	}
	mod, err := osvTime(h.modified)
	if err != nil {
		return fmt.Errorf("osv %s: modified %q is not an RFC 3339 time (it is required)", h.id, clip(h.modified))
	}
	named := false
	for _, pk := range h.pkgs {
		named = named || (pk.Name != "" && pk.Ecosystem != "")
	}
	if !named {
		return nil
	}
	rec := &indexedOSV{path: path, id: h.id, mod: mod, data: data,
		head: OSVHead{Path: path, ID: h.id, Modified: h.modified, Packages: h.pkgs}}
	i, dup := ix.byID[h.id]
	switch {
	case dup && !mod.After(ix.recs[i].mod):
		return nil
	case dup:
		// The old record's packages keep pointing here; Lookup checks
		// the decoded record, so they find nothing they should not.
		ix.recs[i] = rec
	default:
		i = int32(len(ix.recs))
		ix.byID[h.id] = i
		ix.recs = append(ix.recs, rec)
	}
	for _, pk := range h.pkgs {
		if pk.Name == "" || pk.Ecosystem == "" {
			continue
		}
		addIndex(ix.byPkg, pkgKey{pk.Ecosystem, pk.Name}, i)
		addIndex(ix.byBase, pkgKey{EcosystemBase(pk.Ecosystem), pk.Name}, i)
	}
	return nil
}

func addIndex(m map[pkgKey][]int32, k pkgKey, i int32) {
	l := m[k]
	if slices.Contains(l, i) { // a record naming a package twice, or replaced
		return
	}
	m[k] = append(l, i)
}

// osvFiles lists the *.json files under root. For a zip archive read from
// its root it lists the archive's entries directly, so that IndexOSV can
// inflate them itself (see inflater).
func osvFiles(fsys fs.FS, root string, skipped *[]Problem) ([]string, []*zip.File, error) {
	var zr *zip.Reader
	switch z := fsys.(type) {
	case *zip.Reader:
		zr = z
	case *zip.ReadCloser:
		zr = &z.Reader
	}
	if zr != nil && root == "." {
		var names []string
		var files []*zip.File
		for _, f := range zr.File {
			if strings.HasSuffix(f.Name, "/") || !f.Mode().IsRegular() || !strings.EqualFold(path.Ext(f.Name), ".json") {
				continue
			}
			if !fs.ValidPath(f.Name) {
				*skipped = append(*skipped, Problem{f.Name, "not a valid path inside an archive"})
				continue
			}
			names = append(names, f.Name)
			files = append(files, f)
		}
		// The order fs.WalkDir would give: lexical, directory by directory.
		order := make([]int, len(names))
		keys := make([]string, len(names))
		for i := range order {
			order[i], keys[i] = i, strings.ReplaceAll(names[i], "/", "\x00")
		}
		sort.SliceStable(order, func(i, j int) bool { return keys[order[i]] < keys[order[j]] })
		sn, sf := make([]string, len(order)), make([]*zip.File, len(order))
		for i, o := range order {
			sn[i], sf[i] = names[o], files[o]
		}
		return sn, sf, nil
	}
	var files []string
	err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root {
				return err
			}
			*skipped = append(*skipped, Problem{p, err.Error()})
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.IsDir() && d.Type().IsRegular() && strings.EqualFold(path.Ext(p), ".json") {
			files = append(files, p)
		}
		return nil
	})
	return files, nil, err
}

// inflater reads zip entries for one worker. archive/zip's own reader
// wraps each entry's section in a new 4 KiB bufio.Reader and reads it in
// small pieces; reading the compressed bytes in one call and inflating
// from memory with a reused decompressor took a quarter to a third less
// CPU on the Go vulnerability database (small records). The size and
// CRC-32 are checked as archive/zip would.
type inflater struct {
	raw []byte
	br  bytes.Reader
	fr  io.ReadCloser
}

func (z *inflater) read(f *zip.File, limit int64) ([]byte, error) {
	if f.UncompressedSize64 > uint64(limit) {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	if (f.Method != zip.Store && f.Method != zip.Deflate) || f.CompressedSize64 > uint64(limit) {
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		return readAllBounded(rc, int64(f.UncompressedSize64), limit)
	}
	rr, err := f.OpenRaw()
	if err != nil {
		return nil, err
	}
	if cap(z.raw) < int(f.CompressedSize64) {
		z.raw = make([]byte, f.CompressedSize64)
	}
	z.raw = z.raw[:f.CompressedSize64]
	if _, err := io.ReadFull(rr, z.raw); err != nil {
		return nil, fmt.Errorf("read archive entry: %w", err)
	}
	var out []byte
	if f.Method == zip.Store {
		out = bytes.Clone(z.raw)
	} else {
		z.br.Reset(z.raw)
		if z.fr == nil {
			z.fr = flate.NewReader(&z.br)
		} else if err := z.fr.(flate.Resetter).Reset(&z.br, nil); err != nil {
			return nil, err
		}
		// Never inflate past the declared size: a zip bomb declares little.
		declared := int64(f.UncompressedSize64)
		if out, err = readAllBounded(z.fr, declared, declared); err != nil {
			return nil, fmt.Errorf("inflate archive entry: %w", err)
		}
	}
	if uint64(len(out)) != f.UncompressedSize64 {
		return nil, fmt.Errorf("archive entry holds %d bytes, its header says %d", len(out), f.UncompressedSize64)
	}
	if f.CRC32 != 0 && crc32.ChecksumIEEE(out) != f.CRC32 {
		return nil, zip.ErrChecksum
	}
	return out, nil
}

// readBounded reads one file of fsys, refusing more than limit bytes
// whatever its stat claims (a zip entry's declared size may lie).
func readBounded(fsys fs.FS, name string, limit int64) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	hint := int64(-1)
	if st, err := f.Stat(); err == nil {
		if st.Size() > limit {
			return nil, fmt.Errorf("larger than %d bytes", limit)
		}
		hint = st.Size()
	}
	return readAllBounded(f, hint, limit)
}

// readAllBounded reads r to its end, failing as soon as it has read more
// than limit bytes. hint, when not negative, is the expected size.
func readAllBounded(r io.Reader, hint, limit int64) ([]byte, error) {
	size := int64(512)
	if hint >= 0 {
		size = min(hint, limit) + 1 // one more, so EOF is seen without growing
	}
	buf := make([]byte, 0, size)
	for {
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > limit {
			return nil, fmt.Errorf("larger than %d bytes", limit)
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
	}
}

// EcosystemBase returns an OSV ecosystem without its release suffix:
// "Debian" for "Debian:12", "Alpine" for "Alpine:v3.19"; others unchanged.
func EcosystemBase(ecosystem string) string {
	if i := strings.IndexByte(ecosystem, ':'); i > 0 {
		return ecosystem[:i]
	}
	return ecosystem
}

// Lookup returns the records that affect the package name in ecosystem,
// sorted by id. The ecosystem is compared exactly as OSV spells it ("Go",
// "PyPI", "npm", "Maven", "Debian:12"); LookupBase matches every release
// of an ecosystem. Each record is decoded with DecodeOSV once and cached;
// the same *OSV is returned to every caller, who must not modify it.
// Withdrawn records are returned too (Withdrawn is set): whether a
// withdrawn advisory still counts is the caller's decision. A record that
// fails to decode is left out and listed in the second result, every time
// it is asked for. Lookup is safe for concurrent use.
func (ix *OSVIndex) Lookup(ecosystem, name string) ([]*OSV, []Problem) {
	return ix.lookup(ix.byPkg[pkgKey{ecosystem, name}], func(e string) bool { return e == ecosystem }, name)
}

// LookupBase is Lookup with ecosystem matched by its base: "Debian" finds
// records for "Debian", "Debian:11" and "Debian:12" alike.
func (ix *OSVIndex) LookupBase(ecosystem, name string) ([]*OSV, []Problem) {
	base := EcosystemBase(ecosystem)
	return ix.lookup(ix.byBase[pkgKey{base, name}], func(e string) bool { return EcosystemBase(e) == base }, name)
}

func (ix *OSVIndex) lookup(idx []int32, eco func(string) bool, name string) ([]*OSV, []Problem) {
	var out []*OSV
	var problems []Problem
	for _, i := range idx {
		r := ix.recs[i]
		rec, err := r.decoded()
		if err != nil {
			problems = append(problems, Problem{r.path, err.Error()})
			continue
		}
		// The scanner and DecodeOSV read the same bytes alike; checking
		// again costs little and keeps a disagreement from becoming a
		// false finding.
		for _, a := range rec.Affected {
			if a.Package.Name == name && eco(a.Package.Ecosystem) {
				out = append(out, rec)
				break
			}
		}
	}
	slices.SortFunc(out, func(a, b *OSV) int { return strings.Compare(a.ID, b.ID) })
	return out, problems
}

// decoded decodes the record once; later calls take the fast path
// without allocating.
func (r *indexedOSV) decoded() (*OSV, error) {
	if !r.ready.Load() {
		r.once.Do(func() {
			if r.data == nil && r.load != nil {
				if r.data, r.err = r.load(); r.err != nil {
					r.ready.Store(true)
					return
				}
			}
			r.rec, _, r.err = DecodeOSV(r.data)
			r.data = nil
			r.ready.Store(true)
		})
	}
	return r.rec, r.err
}

// Len is the number of records indexed: those naming at least one package.
func (ix *OSVIndex) Len() int { return len(ix.recs) }

// Skipped lists the files that could not be indexed, with the reason.
func (ix *OSVIndex) Skipped() []Problem { return ix.skipped }

// Packages is the number of distinct (ecosystem, name) pairs indexed
// (with Add, a pair named only by a record later replaced still counts).
func (ix *OSVIndex) Packages() int { return len(ix.byPkg) }

// osvHead is what the index needs from one OSV file.
type osvHead struct {
	id, modified string
	pkgs         []OSVPackage // affected[].package, in order, where package is an object
}

// maxJSONDepth matches encoding/json's nesting limit, so a document one
// accepts the other accepts too.
const maxJSONDepth = 10000

// scanOSV extracts an OSV record's id, modified and affected packages, with
// the meaning encoding/json gives them when decoding into DecodeOSV's
// structure: member names match case-insensitively, null leaves a field
// unset, invalid UTF-8 becomes U+FFFD. Member names that occur twice where
// the index looks (encoding/json then merges the values) are rare enough to
// be handed to encoding/json itself.
func scanOSV(b []byte) (osvHead, error) {
	var h osvHead
	s := jscan{b: b}
	dup := false
	var seenID, seenMod, seenAff bool
	c := s.peek()
	switch c {
	case '{':
		s.object(func(key []byte, esc bool) bool {
			switch {
			case keyIs(key, esc, "id"):
				dup = dup || seenID
				seenID = true
				return s.strField(&h.id)
			case keyIs(key, esc, "modified"):
				dup = dup || seenMod
				seenMod = true
				return s.strField(&h.modified)
			case keyIs(key, esc, "affected"):
				dup = dup || seenAff
				seenAff = true
				return s.affected(&h.pkgs, &dup)
			}
			return s.value()
		})
	case 'n':
		s.lit("null")
	default:
		if c == '[' || c == '"' || c == 't' || c == 'f' || c == '-' || (c >= '0' && c <= '9') {
			s.value()
			if s.err == "" {
				return h, fmt.Errorf("osv: not a JSON object")
			}
		} else {
			s.value()
		}
	}
	if s.err == "" && (s.peek() != 0 || s.i < len(b)) {
		s.fail("invalid character after top-level value")
	}
	if s.err != "" {
		line, col := lineCol(b, int64(s.at))
		return h, fmt.Errorf("osv: line %d, column %d: %s", line, col, s.err)
	}
	if s.typeErr != "" {
		return h, fmt.Errorf("osv: %s", s.typeErr)
	}
	if dup {
		return scanOSVSlow(b)
	}
	return h, nil
}

// scanOSVSlow is the reference meaning of scanOSV, used when member names
// repeat.
func scanOSVSlow(b []byte) (osvHead, error) {
	var raw struct {
		ID       string `json:"id"`
		Modified string `json:"modified"`
		Affected []struct {
			Package *OSVPackage `json:"package"`
		} `json:"affected"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return osvHead{}, fmt.Errorf("osv: %w", jsonErr(err, b))
	}
	h := osvHead{id: raw.ID, modified: raw.Modified}
	for _, a := range raw.Affected {
		if a.Package != nil {
			h.pkgs = append(h.pkgs, *a.Package)
		}
	}
	return h, nil
}

// affected reads the value of "affected": null or an array of null or
// objects.
func (s *jscan) affected(pkgs *[]OSVPackage, dup *bool) bool {
	switch s.peek() {
	case 'n':
		return s.lit("null")
	case '[':
	default:
		s.typeMismatch("affected is not an array")
		return s.value()
	}
	return s.array(func() bool {
		switch s.peek() {
		case 'n':
			return s.lit("null")
		case '{':
		default:
			s.typeMismatch("an affected entry is not an object")
			return s.value()
		}
		var pkg OSVPackage
		has, seen := false, false
		ok := s.object(func(key []byte, esc bool) bool {
			if !keyIs(key, esc, "package") {
				return s.value()
			}
			*dup = *dup || seen
			seen = true
			switch s.peek() {
			case 'n':
				has = false
				return s.lit("null")
			case '{':
			default:
				s.typeMismatch("affected[].package is not an object")
				return s.value()
			}
			has = true
			var sawEco, sawName, sawPURL bool
			return s.object(func(key []byte, esc bool) bool {
				var dst *string
				switch {
				case keyIs(key, esc, "ecosystem"):
					*dup, sawEco, dst = *dup || sawEco, true, &pkg.Ecosystem
				case keyIs(key, esc, "name"):
					*dup, sawName, dst = *dup || sawName, true, &pkg.Name
				case keyIs(key, esc, "purl"):
					*dup, sawPURL, dst = *dup || sawPURL, true, &pkg.PURL
				default:
					return s.value()
				}
				return s.strField(dst)
			})
		})
		if ok && has {
			*pkgs = append(*pkgs, pkg)
		}
		return ok
	})
}

// strField reads a string or null into dst; null leaves dst as it is.
func (s *jscan) strField(dst *string) bool {
	switch s.peek() {
	case 'n':
		return s.lit("null")
	case '"':
		raw, esc, ok := s.str()
		if ok {
			*dst = unquote(raw, esc)
		}
		return ok
	}
	s.typeMismatch("a member that should be a string is not")
	return s.value()
}

// keyIs reports whether a member name selects the field want the way
// encoding/json does: exactly or under Unicode case folding.
func keyIs(key []byte, esc bool, want string) bool {
	if !esc && len(key) == len(want) && string(key) == want {
		return true
	}
	if esc {
		return strings.EqualFold(unquote(key, true), want)
	}
	return strings.EqualFold(string(key), want)
}

// jscan is a minimal JSON scanner: it validates as it goes and lets the
// caller descend into the members it cares about, skipping the rest
// without building anything.
type jscan struct {
	b       []byte
	i       int
	depth   int
	err     string // first syntax error
	at      int    // its offset
	typeErr string // first type mismatch along the path the caller reads
}

func (s *jscan) fail(msg string) bool {
	if s.i >= len(s.b) {
		msg = "unexpected end of JSON input"
	}
	if s.err == "" {
		s.err, s.at = msg, s.i
	}
	return false
}

func (s *jscan) typeMismatch(msg string) {
	if s.typeErr == "" {
		line, col := lineCol(s.b, int64(s.i))
		s.typeErr = fmt.Sprintf("line %d, column %d: %s", line, col, msg)
	}
}

// peek skips white space and returns the next byte, or 0 at the end.
func (s *jscan) peek() byte {
	for s.i < len(s.b) {
		switch c := s.b[s.i]; c {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return c
		}
	}
	return 0
}

func (s *jscan) lit(word string) bool {
	if len(s.b)-s.i >= len(word) && string(s.b[s.i:s.i+len(word)]) == word {
		s.i += len(word)
		return true
	}
	return s.fail("invalid literal")
}

// str reads a string at s.i and returns its raw contents and whether they
// hold escapes.
func (s *jscan) str() (raw []byte, esc bool, ok bool) {
	start := s.i + 1
	b := s.b
	for j := start; j < len(b); j++ {
		// Skip eight ordinary bytes at a time; most of an advisory is
		// prose inside strings.
		for j+8 <= len(b) {
			m := specialBytes(binary.LittleEndian.Uint64(b[j:]))
			if m != 0 {
				j += bits.TrailingZeros64(m) >> 3
				break
			}
			j += 8
		}
		if j >= len(b) {
			break
		}
		c := b[j]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		switch {
		case c == '"':
			s.i = j + 1
			return b[start:j], esc, true
		case c == '\\':
			esc = true
			j++
			if j >= len(b) {
				s.i = j
				return nil, false, s.fail("unterminated string")
			}
			switch b[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if j+4 >= len(b) {
					s.i = len(b)
					return nil, false, s.fail("unterminated string")
				}
				for k := j + 1; k <= j+4; k++ {
					if hexVal(b[k]) < 0 {
						s.i = k
						return nil, false, s.fail("invalid \\u escape")
					}
				}
				j += 4
			default:
				s.i = j
				return nil, false, s.fail("invalid escape in string")
			}
		default:
			s.i = j
			return nil, false, s.fail("control character in string")
		}
	}
	s.i = len(b)
	return nil, false, s.fail("unterminated string")
}

// specialBytes flags, in the high bit of each byte, the bytes of x (eight
// bytes, little-endian) that end a plain run in a string: '"', '\\' and
// control characters. Bits above the lowest flagged byte may be false
// alarms (borrows); the lowest one is exact.
func specialBytes(x uint64) uint64 {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	ctl := (x - 0x20*lo) &^ x & hi
	q := x ^ ('"' * lo)
	bs := x ^ ('\\' * lo)
	return ctl | (q-lo)&^q&hi | (bs-lo)&^bs&hi
}

func (s *jscan) num() bool {
	b, j := s.b, s.i
	digits := func() bool {
		k := j
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		return j > k
	}
	if j < len(b) && b[j] == '-' {
		j++
	}
	switch {
	case j < len(b) && b[j] == '0':
		j++
	case !digits():
		s.i = j
		return s.fail("invalid number")
	}
	if j < len(b) && b[j] == '.' {
		j++
		if !digits() {
			s.i = j
			return s.fail("invalid number")
		}
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		j++
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		if !digits() {
			s.i = j
			return s.fail("invalid number")
		}
	}
	s.i = j
	return true
}

// value skips one value.
func (s *jscan) value() bool {
	switch c := s.peek(); {
	case c == '{':
		return s.object(nil)
	case c == '[':
		return s.array(nil)
	case c == '"':
		_, _, ok := s.str()
		return ok
	case c == 't':
		return s.lit("true")
	case c == 'f':
		return s.lit("false")
	case c == 'n':
		return s.lit("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return s.num()
	case c == 0 && s.i >= len(s.b):
		return s.fail("unexpected end of JSON input")
	}
	return s.fail("invalid character looking for a value")
}

// object reads an object at s.i; member, if set, must consume each value.
func (s *jscan) object(member func(key []byte, esc bool) bool) bool {
	if s.depth++; s.depth > maxJSONDepth {
		return s.fail("nested too deeply")
	}
	s.i++
	if s.peek() == '}' {
		s.i++
		s.depth--
		return true
	}
	for {
		if s.peek() != '"' {
			return s.fail("expected a member name")
		}
		key, esc, ok := s.str()
		if !ok {
			return false
		}
		if s.peek() != ':' {
			return s.fail("expected ':' after a member name")
		}
		s.i++
		if member != nil {
			ok = member(key, esc)
		} else {
			ok = s.value()
		}
		if !ok {
			return false
		}
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			s.depth--
			return true
		default:
			return s.fail("expected ',' or '}' after an object member")
		}
	}
}

// array reads an array at s.i; elem, if set, must consume each element.
func (s *jscan) array(elem func() bool) bool {
	if s.depth++; s.depth > maxJSONDepth {
		return s.fail("nested too deeply")
	}
	s.i++
	if s.peek() == ']' {
		s.i++
		s.depth--
		return true
	}
	for {
		var ok bool
		if elem != nil {
			ok = elem()
		} else {
			ok = s.value()
		}
		if !ok {
			return false
		}
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			s.i++
			s.depth--
			return true
		default:
			return s.fail("expected ',' or ']' after an array element")
		}
	}
}

func hexVal(c byte) rune {
	switch {
	case c >= '0' && c <= '9':
		return rune(c - '0')
	case c >= 'a' && c <= 'f':
		return rune(c - 'a' + 10)
	case c >= 'A' && c <= 'F':
		return rune(c - 'A' + 10)
	}
	return -1
}

// unquote decodes the raw contents of a string that str accepted, as
// encoding/json does: escapes resolved, an unpaired surrogate and invalid
// UTF-8 replaced by U+FFFD.
func unquote(raw []byte, esc bool) string {
	if !esc && utf8.Valid(raw) {
		return string(raw)
	}
	out := make([]byte, 0, len(raw)+8)
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c == '\\' && i+1 < len(raw):
			e := raw[i+1]
			i += 2
			switch e {
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r := u4(raw[i:])
				i += 4
				if utf16.IsSurrogate(r) {
					if i+1 < len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
						if d := utf16.DecodeRune(r, u4(raw[i+2:])); d != utf8.RuneError {
							out = utf8.AppendRune(out, d)
							i += 6
							continue
						}
					}
					r = utf8.RuneError
				}
				out = utf8.AppendRune(out, r)
			default: // '"', '\\', '/'
				out = append(out, e)
			}
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, n := utf8.DecodeRune(raw[i:])
			out = utf8.AppendRune(out, r)
			i += n
		}
	}
	return string(out)
}

// u4 reads four hex digits, or returns -1.
func u4(b []byte) rune {
	if len(b) < 4 {
		return -1
	}
	var r rune
	for _, c := range b[:4] {
		v := hexVal(c)
		if v < 0 {
			return -1
		}
		r = r<<4 | v
	}
	return r
}
