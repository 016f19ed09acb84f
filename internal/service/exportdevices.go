package service

import (
	"context"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/inventory"
)

// exportPage is how many devices an export reads per query.
const exportPage = 1000

// ExportDevices calls fn for every device in id order, with the records it
// refers to resolved, and returns how many it exported. It reads page by
// page, so memory stays flat however large the inventory; devices changed
// while it runs appear as they were when their page was read.
func (s *Inventory) ExportDevices(ctx context.Context, fn func(inventory.ExportRow) error) (int, error) {
	r := refReader{inv: s.store,
		mfrs: map[core.ManufacturerID]*core.Manufacturer{}, models: map[core.ModelID]*core.Model{},
		releases: map[core.ReleaseID]*core.Release{}, sites: map[core.SiteID]*core.Site{},
		zones: map[core.ZoneID]*core.Zone{}}
	n := 0
	f := core.DeviceFilter{Sort: "id", Limit: exportPage}
	for {
		page, err := s.store.ListDevices(ctx, f)
		if err != nil {
			return n, err
		}
		for _, d := range page.Devices {
			row, err := r.row(ctx, d)
			if err != nil {
				return n, err
			}
			if err := fn(row); err != nil {
				return n, err
			}
			n++
		}
		if page.Next == nil {
			return n, nil
		}
		f.After = page.Next
	}
}

// refReader looks up, once each, the records devices refer to.
type refReader struct {
	inv      core.Inventory
	mfrs     map[core.ManufacturerID]*core.Manufacturer
	models   map[core.ModelID]*core.Model
	releases map[core.ReleaseID]*core.Release
	sites    map[core.SiteID]*core.Site
	zones    map[core.ZoneID]*core.Zone
}

func (r *refReader) row(ctx context.Context, d *core.Device) (inventory.ExportRow, error) {
	row := inventory.ExportRow{Device: d}
	var err error
	if d.ModelID != 0 {
		if row.Model, err = lookup(ctx, r.models, d.ModelID, r.inv.GetModel); err != nil {
			return row, err
		}
		if row.Manufacturer, err = lookup(ctx, r.mfrs, row.Model.ManufacturerID, r.inv.GetManufacturer); err != nil {
			return row, err
		}
	}
	if d.ReleaseID != 0 {
		if row.Release, err = lookup(ctx, r.releases, d.ReleaseID, r.inv.GetRelease); err != nil {
			return row, err
		}
	}
	if d.SiteID != 0 {
		if row.Site, err = lookup(ctx, r.sites, d.SiteID, r.inv.GetSite); err != nil {
			return row, err
		}
	}
	if d.ZoneID != 0 {
		if row.Zone, err = lookup(ctx, r.zones, d.ZoneID, r.inv.GetZone); err != nil {
			return row, err
		}
	}
	return row, nil
}

func lookup[K comparable, V any](ctx context.Context, cache map[K]*V, id K, get func(context.Context, K) (*V, error)) (*V, error) {
	if v, ok := cache[id]; ok {
		return v, nil
	}
	v, err := get(ctx, id)
	if err != nil {
		return nil, err
	}
	cache[id] = v
	return v, nil
}
