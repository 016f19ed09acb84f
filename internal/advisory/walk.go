package advisory

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
)

// Kind is the kind of a document found in a feed.
type Kind string

// The kinds SniffKind tells apart.
const (
	KindOSV       Kind = "osv"
	KindNVD       Kind = "nvd"
	KindCSAF      Kind = "csaf"
	KindKEV       Kind = "kev"
	KindEPSS      Kind = "epss"
	KindCycloneDX Kind = "cyclonedx"
	KindSPDX      Kind = "spdx"
	KindOpenVEX   Kind = "openvex"
	KindUnknown   Kind = "unknown"
)

// sniffBytes is how much of a file Walk hands SniffKind first.
const sniffBytes = 16 << 10

// SniffKind tells a document's kind from its content: head may be the
// first few KB of a file or all of it. JSON is told by its top-level
// member names (in any order) and a peek into a few of their values,
// without decoding: OSV by "id" with "affected" or "modified" and another
// OSV member; NVD by "vulnerabilities" whose first item has "cve", by a
// "cve" object, or by an "id" of "CVE-…" with NVD members
// ("sourceIdentifier", "descriptions", "configurations", "vulnStatus");
// CSAF by "document" holding "csaf_version"; KEV by "catalogVersion" with
// "vulnerabilities"; CycloneDX by "bomFormat"; SPDX by "spdxVersion" (2.x)
// or an "@context" at spdx.org/rdf/3 (3.0); OpenVEX by an "@context"
// naming openvex. Text is told by its first line: EPSS's "#model_version"
// comment or "cve,epss,percentile" header, KEV's "cveID,vendorProject,…"
// header, SPDX tag-value's "SPDXVersion:", a CycloneDX XML <bom>. The name
// is only a tie-break: a header starting "cve,epss" with other columns is
// taken as EPSS in a *.csv file only.
func SniffKind(name string, head []byte) Kind {
	b := bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	s := jscan{b: b}
	switch s.peek() {
	case '{':
		return sniffJSON(&s)
	case '<':
		h := b[s.i:min(len(b), s.i+4096)]
		if bytes.Contains(h, []byte("<bom")) && bytes.Contains(h, []byte("cyclonedx")) {
			return KindCycloneDX
		}
		return KindUnknown
	}
	line := b[s.i:]
	if i := bytes.IndexAny(line, "\r\n"); i >= 0 {
		line = line[:i]
	}
	l := string(line)
	switch {
	case strings.HasPrefix(l, "#model_version"), strings.HasPrefix(l, "cve,epss,percentile"):
		return KindEPSS
	case strings.HasPrefix(l, "cveID,vendorProject"):
		return KindKEV
	case strings.HasPrefix(l, "SPDXVersion:"):
		return KindSPDX
	case strings.HasPrefix(l, "cve,epss") && strings.EqualFold(path.Ext(name), ".csv"):
		return KindEPSS
	}
	return KindUnknown
}

func sniffJSON(s *jscan) Kind {
	var (
		hasID, osvCore, nvdMember bool
		catalog, vulns            bool
		idCVE                     bool
		nvdItem                   bool
		csafDoc                   bool
		openvex                   bool
		bomFormat                 bool
		spdx                      bool
		cveIsObject               bool
		osvTypical                bool
	)
	// A truncated head ends the scan with an error; what was seen counts.
	s.object(func(key []byte, esc bool) bool {
		k := string(key)
		switch k {
		case "id":
			hasID = true
		case "affected", "modified":
			osvCore = true
		case "sourceIdentifier", "descriptions", "configurations", "vulnStatus":
			nvdMember = true
		case "catalogVersion":
			catalog = true
		case "vulnerabilities":
			vulns = true
		}
		switch k {
		case "schema_version", "aliases", "summary", "details", "published", "withdrawn", "related", "database_specific", "severity":
			osvTypical = true
		}
		switch k {
		case "id":
			if s.peek() == '"' {
				raw, _, ok := s.str()
				idCVE = ok && bytes.HasPrefix(raw, []byte("CVE-"))
				return ok
			}
		case "@context":
			if s.peek() == '"' {
				raw, _, ok := s.str()
				raw = bytes.ToLower(raw)
				openvex = ok && bytes.Contains(raw, []byte("openvex"))
				spdx = spdx || ok && bytes.Contains(raw, []byte("spdx.org/rdf/3"))
				return ok
			}
		case "bomFormat":
			bomFormat = true
		case "spdxVersion":
			spdx = true
		case "cve":
			cveIsObject = s.peek() == '{'
		case "document":
			if s.peek() == '{' {
				return s.object(func(key []byte, esc bool) bool {
					csafDoc = csafDoc || string(key) == "csaf_version"
					return s.value()
				})
			}
		case "vulnerabilities":
			if s.peek() == '[' {
				first := true
				return s.array(func() bool {
					if first && s.peek() == '{' {
						first = false
						return s.object(func(key []byte, esc bool) bool {
							nvdItem = nvdItem || string(key) == "cve"
							return s.value()
						})
					}
					first = false
					return s.value()
				})
			}
		}
		return s.value()
	})
	switch {
	case csafDoc:
		return KindCSAF
	case catalog && vulns:
		return KindKEV
	case nvdItem, cveIsObject && !hasID, idCVE && nvdMember:
		return KindNVD
	case bomFormat:
		return KindCycloneDX
	case spdx:
		return KindSPDX
	case openvex:
		return KindOpenVEX
	case hasID && osvCore && osvTypical:
		return KindOSV
	}
	return KindUnknown
}

// Entry is one document Walk found.
type Entry struct {
	Path string // slash-separated; inside a nested archive "dir/feed.zip/inner/path"
	Kind Kind
	Data []byte
}

// Limits bounds what Walk reads. Zero fields take the defaults.
type Limits struct {
	MaxFileBytes  int64 // one file or archive entry, after decompression; default 64 MiB
	MaxTotalBytes int64 // everything read, archives' entries counted inflated; default 4 GiB
	MaxFiles      int   // files visited, archive entries included; default 2,000,000
}

// ErrLimit is wrapped by the error Walk returns when MaxTotalBytes or
// MaxFiles is reached.
var ErrLimit = errors.New("feed limit reached")

func (l Limits) withDefaults() Limits {
	if l.MaxFileBytes <= 0 {
		l.MaxFileBytes = 64 << 20
	}
	if l.MaxTotalBytes <= 0 {
		l.MaxTotalBytes = 4 << 30
	}
	if l.MaxFiles <= 0 {
		l.MaxFiles = 2_000_000
	}
	return l
}

// sideFile reports files that accompany documents (signatures, hashes):
// skipped without comment.
func sideFile(p string) bool {
	switch strings.ToLower(path.Ext(p)) {
	case ".asc", ".sha256", ".sha512", ".sig":
		return true
	}
	return false
}

// Walk visits every regular file under root in fsys in lexical order. root
// may name a directory or a single file; fsys is typically os.DirFS or a
// *zip.Reader. A file named *.zip is opened as an archive and its entries
// visited too, one level deep: a zip inside that is reported, not opened.
// Signatures and hashes (.asc, .sha256, .sha512, .sig) are passed over
// silently; anything SniffKind cannot place, such as a README, is listed in
// skipped with the reason "not an advisory document", as is a file or
// entry larger than MaxFileBytes (never read past the limit) or one that
// cannot be read. fn is called once per document, with Data holding the
// whole file; an error from fn stops the walk and is returned. Reaching
// MaxTotalBytes or MaxFiles stops the walk with an error wrapping ErrLimit.
func Walk(ctx context.Context, fsys fs.FS, root string, lim Limits, fn func(Entry) error) (skipped []Problem, err error) {
	w := &walker{ctx: ctx, lim: lim.withDefaults(), fn: fn}
	err = w.walk(fsys, root, "", true)
	return w.skipped, err
}

type walker struct {
	ctx     context.Context
	lim     Limits
	fn      func(Entry) error
	skipped []Problem
	files   int
	total   int64
}

func (w *walker) skip(p, reason string) { w.skipped = append(w.skipped, Problem{p, reason}) }

// readAhead bounds how many files the readers may hold ahead of fn.
const readAhead = 64

// walk lists the files under root, then reads (and inflates) them on
// GOMAXPROCS goroutines while handing them to fn one by one in lexical
// order: a zip of thousands of small records is inflation-bound, and this
// keeps both cores busy without giving up the deterministic order.
func (w *walker) walk(fsys fs.FS, root, prefix string, top bool) error {
	var files []string
	err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		full := prefix + p
		if err != nil {
			if p == root && top {
				return fmt.Errorf("walk %s: %w", root, err)
			}
			w.skip(full, err.Error())
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if err := w.ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() || sideFile(p) {
			return nil
		}
		if !d.Type().IsRegular() {
			w.skip(full, "not a regular file")
			return nil
		}
		if w.files++; w.files > w.lim.MaxFiles {
			return fmt.Errorf("walk %s: more than %d files: %w", full, w.lim.MaxFiles, ErrLimit)
		}
		files = append(files, p)
		return nil
	})
	if err != nil {
		return err
	}
	var zfiles map[string]*zip.File
	if zr, ok := fsys.(*zip.Reader); ok {
		zfiles = make(map[string]*zip.File, len(zr.File))
		for _, f := range zr.File {
			zfiles[f.Name] = f
		}
	} else if zr, ok := fsys.(*zip.ReadCloser); ok {
		zfiles = make(map[string]*zip.File, len(zr.File))
		for _, f := range zr.File {
			zfiles[f.Name] = f
		}
	}

	type slot struct {
		data []byte
		err  error
		done chan struct{}
	}
	slots := make([]slot, len(files))
	for i := range slots {
		slots[i].done = make(chan struct{})
	}
	ctx, cancel := context.WithCancel(w.ctx)
	defer cancel()
	tokens := make(chan struct{}, readAhead)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(len(files), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var inf inflater
			for {
				// Take a token before an index, so the files holding tokens
				// are always the earliest not yet handed over.
				select {
				case tokens <- struct{}{}:
				case <-ctx.Done():
					return
				}
				i := int(next.Add(1) - 1)
				if i >= len(files) {
					return
				}
				s := &slots[i]
				if zf := zfiles[files[i]]; zf != nil {
					s.data, s.err = inf.read(zf, w.lim.MaxFileBytes)
				} else {
					s.data, s.err = readBounded(fsys, files[i], w.lim.MaxFileBytes)
				}
				close(s.done)
			}
		}()
	}
	defer wg.Wait()
	for i, p := range files {
		select {
		case <-slots[i].done:
		case <-ctx.Done():
			return ctx.Err()
		}
		data, err := slots[i].data, slots[i].err
		slots[i].data = nil
		<-tokens
		if err := w.entry(fsys, p, prefix, data, err); err != nil {
			return err
		}
	}
	return nil
}

// entry hands one file read by walk to fn: a nested archive is walked, a
// document sniffed, anything else listed as skipped.
func (w *walker) entry(fsys fs.FS, p, prefix string, data []byte, err error) error {
	full := prefix + p
	if err != nil {
		if errors.Is(err, zip.ErrFormat) || errors.Is(err, zip.ErrChecksum) {
			// archive/zip says this when an entry inflates to more than its
			// header declared, as a zip bomb's does.
			err = fmt.Errorf("damaged archive entry (or larger than its header says): %w", err)
		}
		w.skip(full, err.Error())
		return nil
	}
	if w.total += int64(len(data)); w.total > w.lim.MaxTotalBytes {
		return fmt.Errorf("walk %s: more than %d bytes in all: %w", full, w.lim.MaxTotalBytes, ErrLimit)
	}
	if strings.EqualFold(path.Ext(p), ".zip") {
		if prefix != "" {
			w.skip(full, "archive inside an archive: only one level is opened")
			return nil
		}
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			w.skip(full, "not a readable zip archive: "+err.Error())
			return nil
		}
		return w.walk(zr, ".", full+"/", false)
	}
	kind := SniffKind(p, data[:min(len(data), sniffBytes)])
	if kind == KindUnknown && len(data) > sniffBytes {
		kind = SniffKind(p, data)
	}
	if kind == KindUnknown {
		w.skip(full, "not an advisory document")
		return nil
	}
	return w.fn(Entry{Path: full, Kind: kind, Data: data})
}
