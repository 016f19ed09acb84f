package feeds

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/vigil-oss/vigil/internal/advisory"
	"github.com/vigil-oss/vigil/internal/csaf"
	"github.com/vigil-oss/vigil/internal/match"
	"github.com/vigil-oss/vigil/internal/vex"
)

// CSAFDoc is one CSAF advisory and where it was read from.
type CSAFDoc struct {
	Path string
	Doc  *csaf.Document
}

// Bundle is everything Load (or Add) read.
type Bundle struct {
	osv  *advisory.OSVIndex // OSV records, decoded when looked up
	NVD  []*advisory.NVDRecord
	CSAF []CSAFDoc
	KEV  *advisory.KEVCatalog
	EPSS *advisory.EPSS
	VEX  []vex.Statement
	// Skipped lists every file not read, with the reason; Warnings the
	// files read leniently.
	Skipped  []advisory.Problem
	Warnings []advisory.Problem

	closers []func() error
}

// Options tune Load.
type Options struct {
	Limits advisory.Limits
	// Progress, when set, is called after each document with the count so
	// far.
	Progress func(docs int)
	// CacheDir, when set, keeps an index of each zip archive read, so the
	// next read of the same archive inflates only the records it needs.
	CacheDir string
}

// InputError is a path that could not be opened at all; the caller reports
// it as a usage error rather than a skipped document.
type InputError struct {
	Path string
	Err  error
}

func (e *InputError) Error() string { return e.Path + ": " + e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// Walk finds every advisory document under the paths and hands each to fn
// with a name for messages (the path given, plus the entry inside a
// directory or archive). Files that are not documents are returned as
// skipped; a path that cannot be opened is an *InputError.
func Walk(ctx context.Context, paths []string, lim advisory.Limits, fn func(name string, e advisory.Entry) error) ([]advisory.Problem, error) {
	var skipped []advisory.Problem
	for _, p := range paths {
		fsys, root, closer, err := open(p)
		if err != nil {
			return skipped, &InputError{p, err}
		}
		s, err := WalkFS(ctx, p, fsys, root, lim, fn)
		skipped = append(skipped, s...)
		if closer != nil {
			closer()
		}
		if err != nil {
			return skipped, err
		}
	}
	return skipped, nil
}

// WalkFS is Walk over one file system (a directory, an archive, or data
// built into the binary); label names it in messages.
func WalkFS(ctx context.Context, label string, fsys fs.FS, root string, lim advisory.Limits, fn func(name string, e advisory.Entry) error) ([]advisory.Problem, error) {
	skipped, err := advisory.Walk(ctx, fsys, root, lim, func(e advisory.Entry) error {
		return fn(display(label, root, e.Path), e)
	})
	for i := range skipped {
		skipped[i].Path = display(label, root, skipped[i].Path)
	}
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		err = &InputError{label, err}
	}
	return skipped, err
}

// Load reads every path into memory. With Options.CacheDir set, zip
// archives are indexed through the archive index cache (see cache.go).
// Close the bundle when done with it: lazily read archives stay open.
func Load(ctx context.Context, paths []string, opts Options) (*Bundle, error) {
	b := NewBundle()
	docs := 0
	for _, p := range paths {
		if err := b.loadPath(ctx, p, opts, &docs); err != nil {
			return b, err
		}
	}
	sort.SliceStable(b.Skipped, func(i, j int) bool { return b.Skipped[i].Path < b.Skipped[j].Path })
	return b, nil
}

// Close releases the archives the bundle still reads from.
func (b *Bundle) Close() error {
	for _, c := range b.closers {
		c()
	}
	b.closers = nil
	return nil
}

func (b *Bundle) loadPath(ctx context.Context, p string, opts Options, docs *int) error {
	var (
		key     string
		entries *archiveIndex
	)
	if opts.CacheDir != "" && isZip(p) {
		if k, err := cacheKey(p); err == nil {
			key = k
			if ai, ok := readArchiveIndex(cachePath(opts.CacheDir, key)); ok {
				return b.loadCachedZip(p, ai, opts, docs)
			}
			entries = &archiveIndex{Version: cacheVersion}
		}
	}
	osvAt := map[string]int{} // display name → entries index, for OSV heads
	skipped, err := Walk(ctx, []string{p}, opts.Limits, func(name string, e advisory.Entry) error {
		if err := b.Add(name, e); err != nil {
			b.Skipped = append(b.Skipped, advisory.Problem{Path: name, Reason: err.Error()})
			if entries != nil {
				entries.Entries = append(entries.Entries, archiveEntry{Name: e.Path, Skip: err.Error()})
			}
		} else {
			if entries != nil {
				if e.Kind == advisory.KindOSV {
					osvAt[name] = len(entries.Entries)
				}
				entries.Entries = append(entries.Entries, archiveEntry{Name: e.Path, Kind: e.Kind})
			}
		}
		*docs++
		if opts.Progress != nil {
			opts.Progress(*docs)
		}
		return nil
	})
	b.Skipped = append(b.Skipped, skipped...)
	if err != nil {
		return err
	}
	if entries != nil {
		for _, s := range skipped {
			entries.Entries = append(entries.Entries, archiveEntry{Name: relEntry(p, s.Path), Skip: s.Reason})
		}
		for _, h := range b.osv.Heads() {
			if i, ok := osvAt[h.Path]; ok {
				h := h
				h.Path = ""
				entries.Entries[i].OSV = &h
			}
		}
		if err := writeArchiveIndex(opts.CacheDir, key, entries); err != nil {
			b.Warnings = append(b.Warnings, advisory.Problem{Path: p, Reason: "archive index not cached: " + err.Error()})
		}
	}
	return nil
}

// relEntry turns a display name back into the path inside the archive.
func relEntry(archive, name string) string {
	if r, err := filepath.Rel(archive, name); err == nil {
		return filepath.ToSlash(r)
	}
	return name
}

// display names a document for messages: the path the user gave, plus the
// entry inside a directory or archive.
func display(given, root, entry string) string {
	if entry == root { // a single file: root is its name
		return given
	}
	return filepath.Join(given, strings.TrimPrefix(entry, root+"/"))
}

// open turns a path into a file system and the root to walk in it: a
// directory, a zip archive, or the directory holding a single file.
func open(p string) (fs.FS, string, func(), error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, "", nil, err
	}
	if st.IsDir() {
		return os.DirFS(p), ".", nil, nil
	}
	if isZip(p) {
		z, err := zip.OpenReader(p)
		if err != nil {
			return nil, "", nil, fmt.Errorf("open zip: %w", err)
		}
		return z, ".", func() { z.Close() }, nil
	}
	return os.DirFS(filepath.Dir(p)), filepath.Base(p), nil, nil
}

func isZip(p string) bool {
	f, err := os.Open(p)
	if err != nil {
		return false
	}
	defer f.Close()
	var head [4]byte
	n, _ := f.Read(head[:])
	return n == 4 && bytes.Equal(head[:], []byte("PK\x03\x04"))
}

// NewBundle returns an empty bundle for Add.
func NewBundle() *Bundle { return &Bundle{osv: advisory.NewOSVIndex()} }

// Add decodes one advisory document into the bundle; name says where it
// came from in evidence and messages. The error says why it was not taken.
// Add must not run concurrently with itself or with matching.
func (b *Bundle) Add(name string, e advisory.Entry) error {
	switch e.Kind {
	case advisory.KindOSV:
		return b.osv.Add(name, e.Data)
	case advisory.KindNVD:
		recs, warns, err := advisory.DecodeNVD(e.Data)
		if err != nil {
			return err
		}
		b.warn(name, warns)
		b.NVD = append(b.NVD, recs...)
	case advisory.KindCSAF:
		doc, warns, err := csaf.Decode(e.Data)
		if err != nil {
			return err
		}
		b.warn(name, warns)
		b.CSAF = append(b.CSAF, CSAFDoc{name, doc})
		b.VEX = append(b.VEX, match.CSAFStatements(name, doc)...)
	case advisory.KindKEV:
		kev, err := advisory.ReadKEV(bytes.NewReader(e.Data))
		if err != nil {
			return err
		}
		if b.KEV == nil || kev.DateReleased.After(b.KEV.DateReleased) {
			b.KEV = kev
		}
	case advisory.KindEPSS:
		ep, err := advisory.ReadEPSS(bytes.NewReader(e.Data))
		if err != nil {
			return err
		}
		if b.EPSS == nil || ep.ScoreDate.After(b.EPSS.ScoreDate) {
			b.EPSS = ep
		}
	case advisory.KindOpenVEX:
		st, err := vex.DecodeOpenVEX(e.Data, name)
		if err != nil {
			return err
		}
		b.VEX = append(b.VEX, st...)
	case advisory.KindCycloneDX:
		st, warns, err := vex.DecodeCycloneDX(e.Data, name)
		if err != nil {
			return err
		}
		if len(st) == 0 {
			return errors.New("a CycloneDX BOM without vulnerabilities is an SBOM, not advisory data")
		}
		b.warn(name, warns)
		b.VEX = append(b.VEX, st...)
	default:
		return fmt.Errorf("not advisory data (%s)", e.Kind)
	}
	return nil
}

// Sources hands what the bundle holds to the matcher.
func (b *Bundle) Sources() match.Sources {
	src := match.Sources{NVD: b.NVD, VEX: b.VEX, KEV: b.KEV, EPSS: b.EPSS}
	if b.osv.Len() > 0 {
		src.OSV = []match.OSVLookup{b.osv}
	}
	for _, d := range b.CSAF {
		src.CSAF = append(src.CSAF, match.CSAFSource{Path: d.Path, Doc: d.Doc})
	}
	return src
}

func (b *Bundle) warn(name string, warns []string) {
	for _, w := range warns {
		b.Warnings = append(b.Warnings, advisory.Problem{Path: name, Reason: w})
	}
}
