package demo

import (
	"context"
	"fmt"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/service"
)

// Summary counts what Load created.
type Summary struct {
	Sites         int `json:"sites"`
	Zones         int `json:"zones"`
	Manufacturers int `json:"manufacturers"`
	Models        int `json:"models"`
	Releases      int `json:"releases"`
	Devices       int `json:"devices"`
}

// Load builds the demo hospital and stores it through inv, every record
// with provenance core.SourceDemo. Times are offsets from inv's clock.
//
// It all happens in one transaction: a failed load leaves nothing behind,
// and a store that already holds the demo's main site gets a KindConflict
// error rather than a second copy.
func Load(ctx context.Context, inv *service.Inventory) (Summary, error) {
	cat, err := ReadCatalog()
	if err != nil {
		return Summary{}, fmt.Errorf("load demo: %w", err)
	}
	h, err := build(cat, inv.Clock().Now())
	if err != nil {
		return Summary{}, core.Wrap(core.KindInternal, err, "load demo: build the hospital")
	}
	mainSite := h.sites[0].site.Name
	var sum Summary
	err = inv.InTx(ctx, func(tx *service.Inventory) error {
		switch _, err := tx.Inventory().FindSiteByName(ctx, mainSite); {
		case err == nil:
			return core.Errorf(core.KindConflict, "the demo hospital is already loaded (site %q exists)", mainSite)
		case !core.IsKind(err, core.KindNotFound):
			return fmt.Errorf("load demo: look for site %q: %w", mainSite, err)
		}
		// The same use cases inside the transaction, so validation,
		// reference checks and provenance are exactly those of any write.
		got, err := store(ctx, tx, h)
		sum = got
		return err
	})
	if err != nil {
		return Summary{}, err
	}
	return sum, nil
}

// store writes the drafts parents first, filling each child's references
// with the ids its parents were given.
func store(ctx context.Context, inv *service.Inventory, h *hospital) (Summary, error) {
	var sum Summary
	src := core.SourceDemo
	for _, s := range h.sites {
		if err := inv.CreateSite(ctx, src, &s.site); err != nil {
			return sum, fmt.Errorf("load demo: create site %q: %w", s.site.Name, err)
		}
		sum.Sites++
		for _, z := range s.zones {
			z.zone.SiteID = s.site.ID
			if err := inv.CreateZone(ctx, src, &z.zone); err != nil {
				return sum, fmt.Errorf("load demo: create zone %q: %w", z.zone.Name, err)
			}
			sum.Zones++
		}
	}
	for _, m := range h.makers {
		if err := inv.CreateManufacturer(ctx, src, &m.mfr); err != nil {
			return sum, fmt.Errorf("load demo: create manufacturer %q: %w", m.mfr.Name, err)
		}
		sum.Manufacturers++
		for _, md := range m.models {
			md.model.ManufacturerID = m.mfr.ID
			if err := inv.CreateModel(ctx, src, &md.model); err != nil {
				return sum, fmt.Errorf("load demo: create model %q: %w", md.model.Name, err)
			}
			sum.Models++
			for _, r := range md.releases {
				r.ModelID = md.model.ID
				if err := inv.CreateRelease(ctx, src, r); err != nil {
					return sum, fmt.Errorf("load demo: create release %s %s: %w", md.model.Name, r.Version, err)
				}
				sum.Releases++
			}
		}
	}
	for _, d := range h.devices {
		d.dev.ModelID = d.model.model.ID
		d.dev.ReleaseID = d.release.ID
		d.dev.SiteID = d.zone.site.site.ID
		d.dev.ZoneID = d.zone.zone.ID
		if err := inv.CreateDevice(ctx, src, &d.dev); err != nil {
			return sum, fmt.Errorf("load demo: create device %s: %w", d.dev.AssetTag, err)
		}
		sum.Devices++
	}
	return sum, nil
}
