package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strings"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/match"
	"github.com/vigil-oss/vigil/internal/sbom"
)

// SBOMSummary reports an SBOM import.
type SBOMSummary struct {
	SBOM     *core.SBOM `json:"sbom"`
	Findings int        `json:"findings"`
	Warnings []string   `json:"warnings"`
}

// ImportSBOM decodes an SBOM (any supported format, sniffed from the
// content), makes it the release's current SBOM, and matches the release
// at once. A malformed SBOM is KindInvalid naming where it went wrong, and
// nothing stored changes.
func (v *Vulns) ImportSBOM(ctx context.Context, release core.ReleaseID, source string, data []byte) (*SBOMSummary, error) {
	if _, err := v.store.GetRelease(ctx, release); err != nil {
		return nil, err
	}
	if len(data) > core.MaxAdvisoryDocSize {
		return nil, core.Errorf(core.KindTooLarge, "SBOM larger than %d bytes", core.MaxAdvisoryDocSize)
	}
	doc, err := sbom.DecodeBytes(data, sbom.Options{Schemas: v.schemas})
	if err != nil {
		var de *sbom.DecodeError
		if errors.As(err, &de) {
			return nil, core.Wrap(core.KindInvalid, err, "%s", err.Error())
		}
		return nil, core.Wrap(core.KindInvalid, err, "SBOM: %s", err.Error())
	}
	sum := sha256.Sum256(data)
	format := "cyclonedx"
	if strings.HasPrefix(string(doc.Format), "spdx") {
		format = "spdx"
	}
	s := &core.SBOM{ReleaseID: release, Format: format, SpecVersion: doc.SpecVersion, Name: doc.Name, Source: source,
		SHA256: hex.EncodeToString(sum[:]), Data: data}
	comps := make([]*core.Component, 0, len(doc.Components)+1)
	add := func(c sbom.Component) {
		hashes := map[string]string{}
		for _, h := range c.Hashes {
			hashes[h.Alg] = h.Value
		}
		mc := match.Component{Type: c.Type, Supplier: c.Supplier, Group: c.Group, Name: c.Name, Version: c.Version, PURL: c.PURL, CPEs: c.CPEs}
		comps = append(comps, &core.Component{Ref: c.Ref, Parent: c.Parent, Type: c.Type, Group: c.Group, Name: c.Name,
			Version: c.Version, PURL: c.PURL, CPEs: nonNil(c.CPEs), Supplier: c.Supplier, Hashes: hashes,
			LevelOfSupport: c.LevelOfSupport, EndOfSupport: c.EndOfSupport, Keys: match.ComponentKeys(mc)})
	}
	if doc.Root != nil {
		add(*doc.Root)
	}
	for _, c := range doc.Components {
		add(c)
	}
	if err := v.store.PutSBOM(ctx, s, comps); err != nil {
		return nil, err
	}
	n, err := v.Rematch(ctx, []core.ReleaseID{release})
	if err != nil {
		return nil, err
	}
	return &SBOMSummary{SBOM: s, Findings: n, Warnings: nonNil(doc.Warnings)}, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// ListFindings returns one page of findings, checking the filter's values.
func (v *Vulns) ListFindings(ctx context.Context, f core.FindingFilter) (*core.FindingPage, error) {
	if err := checkFindingFilter(f); err != nil {
		return nil, err
	}
	return v.store.ListFindings(ctx, f)
}

// CountFindings counts the findings a filter selects.
func (v *Vulns) CountFindings(ctx context.Context, f core.FindingFilter) (int64, error) {
	if err := checkFindingFilter(f); err != nil {
		return 0, err
	}
	return v.store.CountFindings(ctx, f)
}

func checkFindingFilter(f core.FindingFilter) error {
	var val core.Validation
	val.What = "finding filter"
	for _, s := range f.Severity {
		if !slices.Contains(core.Severities, s) {
			val.Add("severity", "must be one of %s", strings.Join(core.Severities, ", "))
		}
	}
	for _, s := range f.VEXStatus {
		if s != core.VEXNone && !slices.Contains(core.VEXStatuses, s) {
			val.Add("vex_status", "must be one of %s or %s", strings.Join(core.VEXStatuses, ", "), core.VEXNone)
		}
	}
	if f.Limit < 0 || f.Limit > 1000 {
		val.Add("limit", "must be between 1 and 1000")
	}
	return val.Err()
}

// FeedStatus summarises the stored advisory documents per kind.
func (v *Vulns) FeedStatus(ctx context.Context) ([]core.FeedStatus, error) {
	return v.store.FeedStatus(ctx)
}

// GetAdvisory returns one stored advisory document.
func (v *Vulns) GetAdvisory(ctx context.Context, kind, id string) (*core.AdvisoryDoc, error) {
	return v.store.GetAdvisoryDoc(ctx, kind, id)
}

// GetSBOM returns a release's SBOM and its components.
func (v *Vulns) GetSBOM(ctx context.Context, release core.ReleaseID) (*core.SBOM, []*core.Component, error) {
	s, err := v.store.GetSBOM(ctx, release)
	if err != nil {
		return nil, nil, err
	}
	comps, err := v.store.ListComponents(ctx, release)
	return s, comps, err
}
