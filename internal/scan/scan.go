package scan

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"sync"

	"github.com/vigil-oss/vigil/internal/feeds"
	"github.com/vigil-oss/vigil/internal/match"
	"github.com/vigil-oss/vigil/internal/sbom"
	"github.com/vigil-oss/vigil/internal/vex"
)

// Options is one scan.
type Options struct {
	SBOMs      []string // SBOM files
	Advisories []string // files, directories or zip archives of advisory data
	VEX        []string // VEX documents (OpenVEX, CycloneDX VEX, CSAF VEX)
	Schemas    *sbom.Schemas
	Limits     sbom.Limits
	// ToolVersion goes into SARIF and VDR output.
	ToolVersion string
	// CacheDir, when set, holds the index of each advisory zip archive
	// read, so that later scans of the same archive read only the records
	// they need (see feeds.Options.CacheDir).
	CacheDir string
}

// Input is one scanned SBOM.
type Input struct {
	Path string
	Doc  *sbom.Document
}

// Report is the outcome of a scan.
type Report struct {
	Inputs      []Input
	Findings    []match.Finding
	Warnings    []string
	Feeds       *feeds.Bundle
	ToolVersion string
}

// InputError is an SBOM, advisory or VEX file that could not be read or
// decoded; `vigil scan` exits 2 on it.
type InputError struct {
	Path string
	Err  error
}

func (e *InputError) Error() string { return e.Path + ": " + e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// Run reads the SBOMs and the advisory data concurrently, matches every
// component of every SBOM, and applies VEX.
func Run(ctx context.Context, opts Options) (*Report, error) {
	r := &Report{ToolVersion: opts.ToolVersion}
	var (
		wg      sync.WaitGroup
		bundle  *feeds.Bundle
		feedErr error
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		bundle, feedErr = feeds.Load(ctx, append(append([]string(nil), opts.Advisories...), opts.VEX...), feeds.Options{CacheDir: opts.CacheDir})
	}()
	r.Inputs = make([]Input, len(opts.SBOMs))
	errs := make([]error, len(opts.SBOMs))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	docs := &docMemo{m: map[[sha256.Size]byte]*decoded{}}
	for i, p := range opts.SBOMs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			doc, err := readSBOM(p, opts, docs)
			r.Inputs[i], errs[i] = Input{Path: p, Doc: doc}, err
		}()
	}
	wg.Wait()
	if bundle != nil {
		defer bundle.Close()
	}
	for i, err := range errs {
		if err != nil {
			return nil, &InputError{opts.SBOMs[i], err}
		}
	}
	if feedErr != nil {
		return nil, feedErr
	}
	r.Feeds = bundle
	for _, in := range r.Inputs {
		for _, w := range in.Doc.Warnings {
			r.Warnings = append(r.Warnings, in.Path+": "+w)
		}
		// A BOM that carries its own VEX (a maker's SBOM with analysis)
		// applies to itself.
		if in.Doc.CycloneDX != nil {
			st, _ := vex.FromCycloneDX(in.Doc.CycloneDX, in.Path)
			bundle.VEX = append(bundle.VEX, st...)
		}
	}
	for _, s := range bundle.Skipped {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%s: skipped: %s", s.Path, s.Reason))
	}
	for _, w := range bundle.Warnings {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%s: %s", w.Path, w.Reason))
	}
	m := match.New(bundle.Sources())
	per := make([][]match.Finding, len(r.Inputs))
	var mw sync.WaitGroup
	for i, in := range r.Inputs {
		mw.Add(1)
		go func() {
			defer mw.Done()
			per[i] = m.Match(Components(in.Path, in.Doc))
		}()
	}
	mw.Wait()
	n := 0
	for _, fs := range per {
		n += len(fs)
	}
	r.Findings = make([]match.Finding, 0, n) // findings are large: grow once
	for _, fs := range per {
		r.Findings = append(r.Findings, fs...)
	}
	r.Warnings = append(r.Warnings, m.Warnings()...)
	return r, nil
}

// docMemo decodes each distinct SBOM content once: a fleet's device files
// are often the same firmware's SBOM under many names, and decoding is most
// of a scan's work. The documents are only read afterwards, so inputs with
// the same bytes share one.
type docMemo struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]*decoded
}

type decoded struct {
	once sync.Once
	doc  *sbom.Document
	err  error
}

func (dm *docMemo) decode(b []byte, opts Options) (*sbom.Document, error) {
	sum := sha256.Sum256(b)
	dm.mu.Lock()
	d := dm.m[sum]
	if d == nil {
		d = &decoded{}
		dm.m[sum] = d
	}
	dm.mu.Unlock()
	d.once.Do(func() { d.doc, d.err = sbom.DecodeBytes(b, sbom.Options{Limits: opts.Limits, Schemas: opts.Schemas}) })
	return d.doc, d.err
}

func readSBOM(path string, opts Options, docs *docMemo) (*sbom.Document, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// A file of known size is read in one piece rather than grown into.
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() <= 64<<20 {
		b := make([]byte, st.Size())
		if _, err := io.ReadFull(f, b); err != nil {
			return nil, err
		}
		return docs.decode(b, opts)
	}
	return sbom.Decode(f, sbom.Options{Limits: opts.Limits, Schemas: opts.Schemas})
}

// Components turns an SBOM into the components to match: the root (the
// device or product the SBOM describes) first, then every component.
func Components(source string, doc *sbom.Document) []match.Component {
	out := make([]match.Component, 0, len(doc.Components)+1)
	add := func(c sbom.Component) {
		out = append(out, match.Component{Source: source, Ref: c.Ref, Type: c.Type, Supplier: c.Supplier,
			Name: c.Name, Group: c.Group, Version: c.Version, PURL: c.PURL, CPEs: slices.Clone(c.CPEs)})
	}
	if doc.Root != nil {
		add(*doc.Root)
	}
	for _, c := range doc.Components {
		add(c)
	}
	return out
}
