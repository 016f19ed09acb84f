package demo

import (
	"archive/zip"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io/fs"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/service"
)

// feedsZip is the advisory data the demo loads, packed by
// internal/mkfeeds from the project's shared data; FEEDS.md says what it
// holds and where each file came from.
//
//go:embed feeds.zip
var feedsZip []byte

// Where things are inside feeds.zip.
const (
	feedsRoot = "feeds"                            // advisory documents only
	sbomEntry = "sbom/case-study-narrow.sbom.json" // the real medical-device SBOM
	feedLabel = "demo feeds"                       // names the data in messages
)

// The release the real SBOM is attached to: an infusion pump with Wi-Fi,
// like the (anonymised) device the SBOM describes. The SBOM is not this
// product's; FEEDS.md says so.
const (
	sbomMaker   = "Baxter"
	sbomModel   = "Spectrum IQ"
	sbomVersion = "9.02.00"
	sbomSource  = "demo:" + sbomEntry
)

// Feeds returns the embedded archive: advisory documents under feeds/
// (CSAF, KEV, NVD) and the SBOM under sbom/.
func Feeds() (*zip.Reader, error) {
	return zip.NewReader(bytes.NewReader(feedsZip), int64(len(feedsZip)))
}

// FeedsRoot is the directory of Feeds that holds advisory documents, the
// root to give service.Vulns.ImportFeedsFS.
const FeedsRoot = feedsRoot

// VulnSummary counts what LoadVulns stored and the findings that follow.
type VulnSummary struct {
	Advisories int `json:"advisories"`  // CSAF documents
	KEV        int `json:"kev_entries"` // entries of the reduced KEV catalog
	NVD        int `json:"nvd_records"`
	SBOMs      int `json:"sboms"`
	// Findings are the active (not suppressed) findings of all releases;
	// Releases how many releases have at least one.
	Findings int `json:"findings"`
	Releases int `json:"releases"`
}

// LoadVulns imports the embedded advisory feeds through vulns and attaches
// the embedded SBOM to its demo release, so the demo hospital's devices
// show real findings. It needs the hospital Load stored and runs after
// Load's transaction has committed (feeds are imported in batches of
// their own). Running it again changes nothing: the documents are
// unchanged and the SBOM replaces itself.
func LoadVulns(ctx context.Context, inv *service.Inventory, vulns *service.Vulns) (VulnSummary, error) {
	var sum VulnSummary
	st := inv.Store()
	rel, err := sbomRelease(ctx, st)
	if err != nil {
		return sum, err
	}
	zr, err := Feeds()
	if err != nil {
		return sum, core.Wrap(core.KindInternal, err, "load demo feeds: open the embedded archive")
	}
	fsum, err := vulns.ImportFeedsFS(ctx, feedLabel, zr, feedsRoot, nil)
	if err != nil {
		return sum, fmt.Errorf("load demo feeds: %w", err)
	}
	if len(fsum.Skipped) > 0 {
		p := fsum.Skipped[0]
		return sum, core.Errorf(core.KindInternal, "load demo feeds: %d embedded documents skipped, first %s: %s", len(fsum.Skipped), p.Path, p.Reason)
	}
	stored := func(kind string) int {
		c := fsum.Kinds[kind]
		if c == nil {
			return 0
		}
		return c.Added + c.Updated + c.Unchanged + c.Older
	}
	sum.Advisories, sum.NVD = stored(core.AdvisoryCSAF), stored(core.AdvisoryNVD)
	if sum.KEV, err = kevEntries(zr); err != nil {
		return sum, core.Wrap(core.KindInternal, err, "load demo feeds: read the KEV catalog")
	}
	data, err := fs.ReadFile(zr, sbomEntry)
	if err != nil {
		return sum, core.Wrap(core.KindInternal, err, "load demo feeds: read %s", sbomEntry)
	}
	if _, err := vulns.ImportSBOM(ctx, rel.ID, sbomSource, data); err != nil {
		return sum, fmt.Errorf("load demo feeds: attach the SBOM to %s %s %s: %w", sbomMaker, sbomModel, sbomVersion, err)
	}
	sum.SBOMs++
	if sum.Findings, sum.Releases, err = countFindings(ctx, st, vulns); err != nil {
		return sum, fmt.Errorf("load demo feeds: count findings: %w", err)
	}
	return sum, nil
}

// sbomRelease finds the release the SBOM belongs to.
func sbomRelease(ctx context.Context, st core.Store) (*core.Release, error) {
	notLoaded := func(err error) error {
		if core.IsKind(err, core.KindNotFound) {
			return core.Wrap(core.KindNotFound, err, "load demo feeds: %s %s %s not found; load the demo hospital first", sbomMaker, sbomModel, sbomVersion)
		}
		return fmt.Errorf("load demo feeds: find %s %s %s: %w", sbomMaker, sbomModel, sbomVersion, err)
	}
	mfr, err := st.FindManufacturerByName(ctx, sbomMaker)
	if err != nil {
		return nil, notLoaded(err)
	}
	model, err := st.FindModelByName(ctx, mfr.ID, sbomModel)
	if err != nil {
		return nil, notLoaded(err)
	}
	rel, err := st.FindRelease(ctx, model.ID, sbomVersion)
	if err != nil {
		return nil, notLoaded(err)
	}
	return rel, nil
}

// kevEntries counts the entries of the embedded KEV catalog.
func kevEntries(fsys fs.FS) (int, error) {
	f, err := fsys.Open(feedsRoot + "/kev/known_exploited_vulnerabilities.json")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var kev struct {
		Vulnerabilities []struct{} `json:"vulnerabilities"`
	}
	if err := json.NewDecoder(f).Decode(&kev); err != nil {
		return 0, err
	}
	return len(kev.Vulnerabilities), nil
}

// countFindings returns the active findings of every release and how many
// releases have one.
func countFindings(ctx context.Context, st core.Store, vulns *service.Vulns) (findings, releases int, err error) {
	var after core.ReleaseID
	for {
		page, err := st.ListReleases(ctx, 0, core.ListOptions{Limit: 1000, After: int64(after)})
		if err != nil {
			return findings, releases, err
		}
		for _, r := range page {
			n, err := vulns.CountFindings(ctx, core.FindingFilter{ReleaseID: r.ID})
			if err != nil {
				return findings, releases, err
			}
			if n > 0 {
				findings += int(n)
				releases++
			}
		}
		if len(page) < 1000 {
			return findings, releases, nil
		}
		after = page[len(page)-1].ID
	}
}
