package service

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/inventory"
)

// refCache resolves the names an import's rows use (manufacturer, model,
// software version, site, zone) to ids, creating missing records with
// provenance "import". A 100,000-row file names a few dozen records, so
// each is looked up once per import rather than once per row.
//
// Entries added inside a transaction are provisional: commit keeps them,
// rollback removes them, since a rolled-back record no longer exists and
// its id may be handed out again.
type refCache struct {
	mfrs     map[string]core.ManufacturerID
	models   map[modelKey]core.ModelID
	releases map[releaseKey]core.ReleaseID
	sites    map[string]core.SiteID
	zones    map[zoneKey]core.ZoneID

	// By id, for CheckDeviceRefs.
	modelByID   map[core.ModelID]*core.Model
	releaseByID map[core.ReleaseID]*core.Release
	siteByID    map[core.SiteID]*core.Site
	zoneByID    map[core.ZoneID]*core.Zone

	undo []func()

	// created holds a key per record created (or, in a dry run, that would
	// be), by kind; txCreated the open transaction's.
	created   [numRefKinds]map[string]bool
	txCreated [numRefKinds][]string
}

type refKind int

const (
	refManufacturer refKind = iota
	refModel
	refRelease
	refSite
	refZone
	numRefKinds
)

type modelKey struct {
	mfr  core.ManufacturerID
	name string
}

type releaseKey struct {
	model   core.ModelID
	version string
}

type zoneKey struct {
	site core.SiteID
	name string
}

func newRefCache() *refCache {
	c := &refCache{
		mfrs:        map[string]core.ManufacturerID{},
		models:      map[modelKey]core.ModelID{},
		releases:    map[releaseKey]core.ReleaseID{},
		sites:       map[string]core.SiteID{},
		zones:       map[zoneKey]core.ZoneID{},
		modelByID:   map[core.ModelID]*core.Model{},
		releaseByID: map[core.ReleaseID]*core.Release{},
		siteByID:    map[core.SiteID]*core.Site{},
		zoneByID:    map[core.ZoneID]*core.Zone{},
	}
	for i := range c.created {
		c.created[i] = map[string]bool{}
	}
	return c
}

// nameKey folds a name the way the stores compare names; the store stays
// the judge, this only decides what is asked of it again.
func nameKey(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// put records m[k] = v and how to undo it.
func put[K comparable, V any](c *refCache, m map[K]V, k K, v V) {
	m[k] = v
	c.undo = append(c.undo, func() { delete(m, k) })
}

func (c *refCache) commit() {
	c.undo = c.undo[:0]
	for k, keys := range c.txCreated {
		for _, key := range keys {
			c.created[k][key] = true
		}
		c.txCreated[k] = nil
	}
}

// rollback forgets what the transaction added. In a dry run the records it
// would have created are still counted.
func (c *refCache) rollback(dryRun bool) {
	for i := len(c.undo) - 1; i >= 0; i-- {
		c.undo[i]()
	}
	c.undo = c.undo[:0]
	for k, keys := range c.txCreated {
		if dryRun {
			for _, key := range keys {
				c.created[k][key] = true
			}
		}
		c.txCreated[k] = nil
	}
}

func (c *refCache) createdCounts() (mfrs, models, releases, sites, zones int) {
	return len(c.created[refManufacturer]), len(c.created[refModel]), len(c.created[refRelease]),
		len(c.created[refSite]), len(c.created[refZone])
}

// badRefName is a name a row gives that cannot become a record.
type badRefName struct {
	col inventory.Column
	msg string
}

func (e *badRefName) Error() string { return e.msg }

func invalidRef(col inventory.Column, what string, err error) error {
	msg := "is not a valid " + what
	if ce, ok := err.(*core.Error); ok && len(ce.Fields) > 0 {
		msg = "cannot be a " + what + ": " + ce.Fields[0].Field + " " + ce.Fields[0].Message
	}
	return &badRefName{col: col, msg: msg}
}

func stamp(now time.Time, attrs ...string) core.Provenance {
	p := core.Provenance{}
	p.Set(core.SourceImport, now, attrs...)
	return p
}

// manufacturer returns the id of the manufacturer called name, creating it
// when create is set; 0 when it does not exist and create is not set.
func (c *refCache) manufacturer(ctx context.Context, inv core.Inventory, now time.Time, name string, create bool) (core.ManufacturerID, error) {
	k := nameKey(name)
	if id, ok := c.mfrs[k]; ok {
		return id, nil
	}
	m, err := inv.FindManufacturerByName(ctx, name)
	switch {
	case err == nil:
		put(c, c.mfrs, k, m.ID)
		return m.ID, nil
	case !core.IsKind(err, core.KindNotFound):
		return 0, err
	case !create:
		return 0, nil
	}
	m = &core.Manufacturer{Name: strings.TrimSpace(name)}
	if err := m.Validate(); err != nil {
		return 0, invalidRef(inventory.ColManufacturer, "manufacturer", err)
	}
	m.Provenance = stamp(now, "name")
	if err := inv.CreateManufacturer(ctx, m); err != nil {
		return 0, err
	}
	put(c, c.mfrs, k, m.ID)
	c.txCreated[refManufacturer] = append(c.txCreated[refManufacturer], k)
	return m.ID, nil
}

// model returns the id of the row's model, creating it (and its
// manufacturer) when create is set. A model the import creates takes the
// row's model attributes; an existing model is never changed by a device
// row, since many devices share it (edit it through the API).
func (c *refCache) model(ctx context.Context, inv core.Inventory, now time.Time, rec *inventory.Record, create bool) (core.ModelID, error) {
	mfr, err := c.manufacturer(ctx, inv, now, rec.Manufacturer, create)
	if err != nil || mfr == 0 {
		return 0, err
	}
	k := modelKey{mfr, nameKey(rec.Model)}
	if id, ok := c.models[k]; ok {
		return id, nil
	}
	m, err := inv.FindModelByName(ctx, mfr, rec.Model)
	switch {
	case err == nil:
		put(c, c.models, k, m.ID)
		put(c, c.modelByID, m.ID, m)
		return m.ID, nil
	case !core.IsKind(err, core.KindNotFound):
		return 0, err
	case !create:
		return 0, nil
	}
	m = &core.Model{ManufacturerID: mfr, Name: strings.TrimSpace(rec.Model), Number: rec.ModelNumber,
		DeviceType: rec.DeviceType, FDAClass: rec.FDAClass, Function: rec.Function, HandlesPHI: rec.HandlesPHI}
	if err := m.Validate(); err != nil {
		return 0, invalidRef(inventory.ColModel, "model", err)
	}
	attrs := []string{"manufacturer_id", "name"}
	for _, a := range []struct {
		col  inventory.Column
		attr string
	}{{inventory.ColModelNumber, "number"}, {inventory.ColDeviceType, "device_type"},
		{inventory.ColFDAClass, "fda_class"}, {inventory.ColFunction, "function"}, {inventory.ColHandlesPHI, "handles_phi"}} {
		if rec.Has(a.col) {
			attrs = append(attrs, a.attr)
		}
	}
	m.Provenance = stamp(now, attrs...)
	if err := inv.CreateModel(ctx, m); err != nil {
		return 0, err
	}
	put(c, c.models, k, m.ID)
	put(c, c.modelByID, m.ID, m)
	c.txCreated[refModel] = append(c.txCreated[refModel], nameKey(rec.Manufacturer)+"\x00"+k.name)
	return m.ID, nil
}

// release returns the id of the model's release with this exact version.
func (c *refCache) release(ctx context.Context, inv core.Inventory, now time.Time, model core.ModelID, version string, create bool) (core.ReleaseID, error) {
	k := releaseKey{model, version}
	if id, ok := c.releases[k]; ok {
		return id, nil
	}
	r, err := inv.FindRelease(ctx, model, version)
	switch {
	case err == nil:
		put(c, c.releases, k, r.ID)
		put(c, c.releaseByID, r.ID, r)
		return r.ID, nil
	case !core.IsKind(err, core.KindNotFound):
		return 0, err
	case !create:
		return 0, nil
	}
	r = &core.Release{ModelID: model, Version: version}
	if err := r.Validate(); err != nil {
		return 0, invalidRef(inventory.ColSoftwareVersion, "software version", err)
	}
	r.Provenance = stamp(now, "model_id", "version")
	if err := inv.CreateRelease(ctx, r); err != nil {
		return 0, err
	}
	put(c, c.releases, k, r.ID)
	put(c, c.releaseByID, r.ID, r)
	c.txCreated[refRelease] = append(c.txCreated[refRelease], strconv.FormatInt(int64(model), 10)+"\x00"+version)
	return r.ID, nil
}

func (c *refCache) site(ctx context.Context, inv core.Inventory, now time.Time, name string, create bool) (core.SiteID, error) {
	k := nameKey(name)
	if id, ok := c.sites[k]; ok {
		return id, nil
	}
	s, err := inv.FindSiteByName(ctx, name)
	switch {
	case err == nil:
		put(c, c.sites, k, s.ID)
		put(c, c.siteByID, s.ID, s)
		return s.ID, nil
	case !core.IsKind(err, core.KindNotFound):
		return 0, err
	case !create:
		return 0, nil
	}
	s = &core.Site{Name: strings.TrimSpace(name)}
	if err := s.Validate(); err != nil {
		return 0, invalidRef(inventory.ColSite, "site", err)
	}
	s.Provenance = stamp(now, "name")
	if err := inv.CreateSite(ctx, s); err != nil {
		return 0, err
	}
	put(c, c.sites, k, s.ID)
	put(c, c.siteByID, s.ID, s)
	c.txCreated[refSite] = append(c.txCreated[refSite], k)
	return s.ID, nil
}

func (c *refCache) zone(ctx context.Context, inv core.Inventory, now time.Time, site core.SiteID, name string, create bool) (core.ZoneID, error) {
	k := zoneKey{site, nameKey(name)}
	if id, ok := c.zones[k]; ok {
		return id, nil
	}
	z, err := inv.FindZoneByName(ctx, site, name)
	switch {
	case err == nil:
		put(c, c.zones, k, z.ID)
		put(c, c.zoneByID, z.ID, z)
		return z.ID, nil
	case !core.IsKind(err, core.KindNotFound):
		return 0, err
	case !create:
		return 0, nil
	}
	z = &core.Zone{SiteID: site, Name: strings.TrimSpace(name), CIDRs: []string{}, VLANs: []int{}}
	if err := z.Validate(); err != nil {
		return 0, invalidRef(inventory.ColZone, "zone", err)
	}
	z.Provenance = stamp(now, "site_id", "name")
	if err := inv.CreateZone(ctx, z); err != nil {
		return 0, err
	}
	put(c, c.zones, k, z.ID)
	put(c, c.zoneByID, z.ID, z)
	c.txCreated[refZone] = append(c.txCreated[refZone], strconv.FormatInt(int64(site), 10)+"\x00"+k.name)
	return z.ID, nil
}

// cachedRefs answers CheckDeviceRefs' lookups from the cache, so checking
// 100,000 devices costs a handful of queries.
type cachedRefs struct {
	core.Inventory
	c *refCache
}

func (r cachedRefs) GetModel(ctx context.Context, id core.ModelID) (*core.Model, error) {
	if m, ok := r.c.modelByID[id]; ok {
		return m, nil
	}
	m, err := r.Inventory.GetModel(ctx, id)
	if err == nil {
		put(r.c, r.c.modelByID, id, m)
	}
	return m, err
}

func (r cachedRefs) GetRelease(ctx context.Context, id core.ReleaseID) (*core.Release, error) {
	if x, ok := r.c.releaseByID[id]; ok {
		return x, nil
	}
	x, err := r.Inventory.GetRelease(ctx, id)
	if err == nil {
		put(r.c, r.c.releaseByID, id, x)
	}
	return x, err
}

func (r cachedRefs) GetSite(ctx context.Context, id core.SiteID) (*core.Site, error) {
	if x, ok := r.c.siteByID[id]; ok {
		return x, nil
	}
	x, err := r.Inventory.GetSite(ctx, id)
	if err == nil {
		put(r.c, r.c.siteByID, id, x)
	}
	return x, err
}

func (r cachedRefs) GetZone(ctx context.Context, id core.ZoneID) (*core.Zone, error) {
	if x, ok := r.c.zoneByID[id]; ok {
		return x, nil
	}
	x, err := r.Inventory.GetZone(ctx, id)
	if err == nil {
		put(r.c, r.c.zoneByID, id, x)
	}
	return x, err
}
