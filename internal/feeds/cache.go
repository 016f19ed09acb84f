package feeds

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/vigil-oss/vigil/internal/advisory"
)

// The archive index cache: a zip of thousands of OSV records (an OSV
// ecosystem export, the Go vulnerability database) costs most of a scan to
// inflate, though a scan needs only the records of its SBOMs' packages.
// After the first read of an archive, Load saves each entry's kind, and for
// OSV records their id, modified time and packages, in the cache directory
// under the archive's SHA-256; the next Load of the same bytes rebuilds the
// index from that file and inflates only the records a lookup asks for.
// A different archive has a different hash, so nothing goes stale; a cache
// file that cannot be read is ignored and written again.

const cacheVersion = 1

type archiveIndex struct {
	Version int
	Entries []archiveEntry
}

type archiveEntry struct {
	Name string            // path inside the archive
	Kind advisory.Kind     // "" for a skipped entry
	Skip string            // why it was skipped
	OSV  *advisory.OSVHead // for OSV records
}

// cacheKey hashes the archive's bytes.
func cacheKey(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func cachePath(dir, key string) string {
	return filepath.Join(dir, "archive-index-"+key+".txt")
}

// The index file is line-based text, quicker to read than JSON: a header
// line, then one line per entry of tab-separated fields — kind, skip
// reason, name, and for OSV records id, modified and packages (each
// ecosystem, name and purl joined by \x1f, packages joined by \x1e).
const indexHeader = "vigil-archive-index 1"

func readArchiveIndex(path string) (*archiveIndex, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, false
	}
	text := string(b)
	head, rest, ok := strings.Cut(text, "\n")
	if !ok || head != indexHeader {
		return nil, false
	}
	ai := &archiveIndex{Version: cacheVersion, Entries: make([]archiveEntry, 0, strings.Count(rest, "\n"))}
	for line := range strings.Lines(rest) {
		line = strings.TrimSuffix(line, "\n")
		var f [6]string
		for i := range 5 {
			var ok bool
			if f[i], line, ok = strings.Cut(line, "\t"); !ok {
				return nil, false
			}
		}
		if f[5] = line; strings.Contains(line, "\t") {
			return nil, false
		}
		e := archiveEntry{Kind: advisory.Kind(f[0]), Skip: f[1], Name: f[2]}
		if f[3] != "" {
			h := &advisory.OSVHead{ID: f[3], Modified: f[4]}
			for pk := range strings.SplitSeq(f[5], "\x1e") {
				if pk == "" && f[5] == "" {
					break
				}
				eco, rest, ok1 := strings.Cut(pk, "\x1f")
				name, purl, ok2 := strings.Cut(rest, "\x1f")
				if !ok1 || !ok2 || strings.Contains(purl, "\x1f") {
					return nil, false
				}
				h.Packages = append(h.Packages, advisory.OSVPackage{Ecosystem: eco, Name: name, PURL: purl})
			}
			e.OSV = h
		}
		ai.Entries = append(ai.Entries, e)
	}
	return ai, true
}

// writeArchiveIndex saves the index atomically. Failing to is not worth
// stopping a scan for, so the caller only reports it; an archive whose
// names hold the separators is simply not cached.
func writeArchiveIndex(dir, key string, ai *archiveIndex) error {
	var b strings.Builder
	b.WriteString(indexHeader + "\n")
	clean := func(fields ...string) bool {
		for _, f := range fields {
			if strings.ContainsAny(f, "\t\n\r\x1e\x1f") {
				return false
			}
		}
		return true
	}
	for _, e := range ai.Entries {
		id, mod, pkgs := "", "", ""
		if e.OSV != nil {
			id, mod = e.OSV.ID, e.OSV.Modified
			var ps []string
			for _, p := range e.OSV.Packages {
				if !clean(p.Ecosystem, p.Name, p.PURL) {
					return fmt.Errorf("entry %q: package names hold separators", e.Name)
				}
				ps = append(ps, p.Ecosystem+"\x1f"+p.Name+"\x1f"+p.PURL)
			}
			pkgs = strings.Join(ps, "\x1e")
		}
		if !clean(string(e.Kind), e.Skip, e.Name, id, mod) {
			return fmt.Errorf("entry %q: names hold separators", e.Name)
		}
		fmt.Fprintf(&b, "%s\t%s\t%s\t%s\t%s\t%s\n", e.Kind, e.Skip, e.Name, id, mod, pkgs)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "archive-index-*.tmp")
	if err != nil {
		return err
	}
	if _, err := tmp.WriteString(b.String()); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), cachePath(dir, key))
}

// loadCachedZip reads an archive whose index is cached: OSV records are
// indexed from their heads and read only when looked up; other documents
// are read and decoded as usual. The archive stays open until the bundle
// is closed.
func (b *Bundle) loadCachedZip(p string, ai *archiveIndex, opts Options, docs *int) error {
	z, err := zip.OpenReader(p)
	if err != nil {
		return &InputError{p, fmt.Errorf("open zip: %w", err)}
	}
	b.closers = append(b.closers, z.Close)
	files := make(map[string]*zip.File, len(z.File))
	for _, f := range z.File {
		files[f.Name] = f
	}
	for _, e := range ai.Entries {
		name := display(p, ".", e.Name)
		f := files[e.Name]
		switch {
		case e.Skip != "":
			b.Skipped = append(b.Skipped, advisory.Problem{Path: name, Reason: e.Skip})
			continue
		case f == nil:
			return fmt.Errorf("%s: cached index names %s, which the archive lacks", p, e.Name)
		case e.Kind == advisory.KindOSV && e.OSV != nil:
			h := *e.OSV
			h.Path = name
			if err := b.osv.AddLazy(h, func() ([]byte, error) { return readZipEntry(f) }); err != nil {
				b.Skipped = append(b.Skipped, advisory.Problem{Path: name, Reason: err.Error()})
			}
		default:
			data, err := readZipEntry(f)
			if err != nil {
				b.Skipped = append(b.Skipped, advisory.Problem{Path: name, Reason: err.Error()})
				continue
			}
			if err := b.Add(name, advisory.Entry{Path: e.Name, Kind: e.Kind, Data: data}); err != nil {
				b.Skipped = append(b.Skipped, advisory.Problem{Path: name, Reason: err.Error()})
			}
		}
		*docs++
		if opts.Progress != nil {
			opts.Progress(*docs)
		}
	}
	return nil
}

func readZipEntry(f *zip.File) ([]byte, error) {
	const limit = 64 << 20 // as advisory.Walk's default per file
	if f.UncompressedSize64 > limit {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	// The header gives the size: read into a buffer of exactly that, then
	// make sure nothing follows.
	b := make([]byte, f.UncompressedSize64)
	n, err := io.ReadFull(rc, b)
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		return nil, fmt.Errorf("archive entry holds %d bytes, its header says %d", n, f.UncompressedSize64)
	}
	if err != nil {
		return nil, err
	}
	var one [1]byte
	if m, _ := rc.Read(one[:]); m > 0 {
		return nil, fmt.Errorf("archive entry holds more than the %d bytes its header says", f.UncompressedSize64)
	}
	return b, nil
}
