// Command mkfeeds packs the advisory data the demo hospital loads at start
// into internal/demo/feeds.zip, from the project's shared test data:
//
//	go run ./internal/demo/internal/mkfeeds -shared ../shared/data -out internal/demo/feeds.zip
//
// The archive holds, under feeds/, every CISA ICS medical advisory
// (csaf/cisa-icsma/*.json, byte for byte), CISA's KEV catalog cut down to
// the CVEs those advisories name, and the NVD records of nvd/; under sbom/,
// the real medical-device SBOM the demo attaches to one release. The output
// depends only on the input files: entries are sorted and carry a fixed
// time, so running it twice gives the same bytes. See internal/demo/FEEDS.md.
package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// modified is the time every entry carries: the CSAF snapshot's day, so an
// unzip shows a date that means something.
var modified = time.Date(2024, 10, 24, 0, 0, 0, 0, time.UTC)

// Paths inside the shared data directory and inside the archive.
const (
	csafDir  = "csaf/cisa-icsma"
	kevFile  = "kev/known_exploited_vulnerabilities.json"
	nvdDir   = "nvd"
	sbomFile = "sbom/medical-device/case-study-narrow.sbom.json"

	// SBOMEntry is where the archive keeps the SBOM, outside feeds/ so a
	// walk of feeds/ sees advisory data only.
	sbomEntry = "sbom/case-study-narrow.sbom.json"
)

func main() {
	shared := flag.String("shared", "../shared/data", "the shared data directory")
	out := flag.String("out", "internal/demo/feeds.zip", "the archive to write")
	flag.Parse()
	b, err := build(*shared)
	if err != nil {
		fmt.Fprintf(os.Stderr, "mkfeeds: %v\n", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, b, 0o644); err != nil {
		fmt.Fprintf(os.Stderr, "mkfeeds: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("wrote %s (%d bytes)\n", *out, len(b))
}

// build returns the archive's bytes.
func build(shared string) ([]byte, error) {
	files := map[string][]byte{}
	advisories, err := readDir(filepath.Join(shared, csafDir))
	if err != nil {
		return nil, err
	}
	if len(advisories) == 0 {
		return nil, fmt.Errorf("no advisories in %s", filepath.Join(shared, csafDir))
	}
	cves := map[string]bool{}
	for name, data := range advisories {
		ids, err := advisoryCVEs(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		for _, id := range ids {
			cves[id] = true
		}
		files[path.Join("feeds", csafDir, name)] = data
	}
	kev, err := os.ReadFile(filepath.Join(shared, kevFile))
	if err != nil {
		return nil, err
	}
	if kev, err = reduceKEV(kev, cves); err != nil {
		return nil, fmt.Errorf("%s: %w", kevFile, err)
	}
	files[path.Join("feeds", kevFile)] = kev
	nvd, err := readDir(filepath.Join(shared, nvdDir))
	if err != nil {
		return nil, err
	}
	for name, data := range nvd {
		files[path.Join("feeds", nvdDir, name)] = data
	}
	if files[sbomEntry], err = os.ReadFile(filepath.Join(shared, sbomFile)); err != nil {
		return nil, err
	}
	return pack(files)
}

// readDir returns the *.json files of dir by name.
func readDir(dir string) (map[string][]byte, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for _, e := range ents {
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out[e.Name()] = b
	}
	return out, nil
}

// advisoryCVEs returns the CVE ids a CSAF document's vulnerabilities carry.
func advisoryCVEs(data []byte) ([]string, error) {
	var doc struct {
		Vulnerabilities []struct {
			CVE string `json:"cve"`
		} `json:"vulnerabilities"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	var out []string
	for _, v := range doc.Vulnerabilities {
		if v.CVE != "" {
			out = append(out, v.CVE)
		}
	}
	return out, nil
}

// reduceKEV keeps the catalog's entries whose CVE is in cves, unchanged
// and in the catalog's order, and the catalog's own fields with count
// updated. The catalog is written the way CISA writes it: four-space
// indentation, field order kept.
func reduceKEV(data []byte, cves map[string]bool) ([]byte, error) {
	var in struct {
		Title           string            `json:"title"`
		CatalogVersion  string            `json:"catalogVersion"`
		DateReleased    string            `json:"dateReleased"`
		Count           int               `json:"count"`
		Vulnerabilities []json.RawMessage `json:"vulnerabilities"`
	}
	if err := json.Unmarshal(data, &in); err != nil {
		return nil, err
	}
	if in.Count != len(in.Vulnerabilities) {
		return nil, fmt.Errorf("count %d, but %d entries", in.Count, len(in.Vulnerabilities))
	}
	kept := in.Vulnerabilities[:0]
	for _, raw := range in.Vulnerabilities {
		var e struct {
			CVE string `json:"cveID"`
		}
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, err
		}
		if cves[e.CVE] {
			kept = append(kept, raw)
		}
	}
	if len(kept) == 0 {
		return nil, errors.New("no entry names a CVE of the advisories")
	}
	in.Vulnerabilities, in.Count = kept, len(kept)
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "    ")
	if err := enc.Encode(in); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// pack zips files in name order with fixed times.
func pack(files map[string][]byte) ([]byte, error) {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, n := range names {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: n, Method: zip.Deflate, Modified: modified})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(files[n]); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
