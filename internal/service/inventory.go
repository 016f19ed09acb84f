package service

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/vigil-oss/vigil/internal/core"
)

// Inventory is the use-case layer for C1: sites, zones, manufacturers,
// models, releases and devices.
type Inventory struct {
	inv   core.Inventory // the store, or a transaction's view of it
	store core.Store     // nil inside InTx
	clock core.Clock
}

// NewInventory returns the inventory service over store.
func NewInventory(store core.Store, clock core.Clock) *Inventory {
	return &Inventory{inv: store, store: store, clock: clock}
}

// InTx runs fn with an Inventory whose every read and write happens in one
// transaction: all of fn's changes commit together or not at all. Inside a
// transaction, InTx joins it.
func (s *Inventory) InTx(ctx context.Context, fn func(tx *Inventory) error) error {
	if s.store == nil {
		return fn(s)
	}
	return s.store.InTx(ctx, func(inv core.Inventory) error {
		return fn(&Inventory{inv: inv, clock: s.clock})
	})
}

// Inventory returns the store view the service works on (the transaction's
// inside InTx).
func (s *Inventory) Inventory() core.Inventory { return s.inv }

// Store returns the underlying store, for callers that batch their own
// transactions (imports); nil inside InTx.
func (s *Inventory) Store() core.Store { return s.store }

// Clock returns the service's clock.
func (s *Inventory) Clock() core.Clock { return s.clock }

// --- provenance helpers

// stampNonEmpty records src for every top-level JSON member of v that is set.
func (s *Inventory) stampNonEmpty(p *core.Provenance, src core.Source, v any, attrs []string) {
	if *p == nil {
		*p = core.Provenance{}
	}
	doc := toDoc(v)
	now := s.clock.Now()
	for _, a := range attrs {
		if raw, ok := doc[a]; ok && !jsonEqual(raw, nil) {
			p.Set(src, now, a)
		}
	}
}

// validator is a record that can check itself.
type validator[T any] interface {
	*T
	Validate() error
}

// patchRecord applies p to cur, validates the result, runs check (the
// record's references) when given, records src as the provenance of every
// changed member, and stores it with update. An empty change writes nothing.
func patchRecord[T any, P validator[T]](ctx context.Context, s *Inventory, src core.Source, p Patch, what string,
	cur P, prov func(P) *core.Provenance, check func(next P) error, update func(context.Context, P) error) (P, error) {
	n, changed, err := applyPatch((*T)(cur), p, what)
	if err != nil {
		return nil, err
	}
	next := P(n)
	if err := next.Validate(); err != nil {
		return nil, err
	}
	if check != nil {
		if err := check(next); err != nil {
			return nil, err
		}
	}
	if len(changed) == 0 {
		return cur, nil
	}
	*prov(next) = prov(cur).Clone()
	prov(next).Set(src, s.clock.Now(), changed...)
	return next, update(ctx, next)
}

// --- sites

func (s *Inventory) CreateSite(ctx context.Context, src core.Source, x *core.Site) error {
	if err := x.Validate(); err != nil {
		return err
	}
	s.stampNonEmpty(&x.Provenance, src, x, []string{"name", "code", "address"})
	return s.inv.CreateSite(ctx, x)
}

func (s *Inventory) PatchSite(ctx context.Context, src core.Source, id core.SiteID, p Patch) (*core.Site, error) {
	cur, err := s.inv.GetSite(ctx, id)
	if err != nil {
		return nil, err
	}
	return patchRecord(ctx, s, src, p, "site", cur, func(x *core.Site) *core.Provenance { return &x.Provenance },
		nil, s.inv.UpdateSite)
}

// --- zones

func (s *Inventory) CreateZone(ctx context.Context, src core.Source, z *core.Zone) error {
	if err := z.Validate(); err != nil {
		return err
	}
	if err := s.checkSite(ctx, z.SiteID); err != nil {
		return err
	}
	s.stampNonEmpty(&z.Provenance, src, z, []string{"site_id", "name", "cidrs", "vlans", "do_not_probe"})
	return s.inv.CreateZone(ctx, z)
}

func (s *Inventory) PatchZone(ctx context.Context, src core.Source, id core.ZoneID, p Patch) (*core.Zone, error) {
	cur, err := s.inv.GetZone(ctx, id)
	if err != nil {
		return nil, err
	}
	return patchRecord(ctx, s, src, p, "zone", cur, func(x *core.Zone) *core.Provenance { return &x.Provenance },
		func(next *core.Zone) error {
			if next.SiteID == cur.SiteID {
				return nil
			}
			return s.checkSite(ctx, next.SiteID)
		}, s.inv.UpdateZone)
}

// --- manufacturers

func (s *Inventory) CreateManufacturer(ctx context.Context, src core.Source, m *core.Manufacturer) error {
	m.Name = strings.TrimSpace(m.Name)
	if err := m.Validate(); err != nil {
		return err
	}
	s.stampNonEmpty(&m.Provenance, src, m, []string{"name"})
	return s.inv.CreateManufacturer(ctx, m)
}

func (s *Inventory) PatchManufacturer(ctx context.Context, src core.Source, id core.ManufacturerID, p Patch) (*core.Manufacturer, error) {
	cur, err := s.inv.GetManufacturer(ctx, id)
	if err != nil {
		return nil, err
	}
	return patchRecord(ctx, s, src, p, "manufacturer", cur,
		func(x *core.Manufacturer) *core.Provenance { return &x.Provenance }, nil, s.inv.UpdateManufacturer)
}

// --- models

var modelAttrs = []string{"manufacturer_id", "name", "number", "device_type", "fda_class", "function", "handles_phi"}

func (s *Inventory) CreateModel(ctx context.Context, src core.Source, m *core.Model) error {
	if err := m.Validate(); err != nil {
		return err
	}
	if _, err := s.inv.GetManufacturer(ctx, m.ManufacturerID); err != nil {
		return refError(err, "manufacturer_id", "manufacturer", m.ManufacturerID)
	}
	s.stampNonEmpty(&m.Provenance, src, m, modelAttrs)
	return s.inv.CreateModel(ctx, m)
}

func (s *Inventory) PatchModel(ctx context.Context, src core.Source, id core.ModelID, p Patch) (*core.Model, error) {
	cur, err := s.inv.GetModel(ctx, id)
	if err != nil {
		return nil, err
	}
	return patchRecord(ctx, s, src, p, "model", cur, func(x *core.Model) *core.Provenance { return &x.Provenance },
		func(next *core.Model) error {
			if next.ManufacturerID == cur.ManufacturerID {
				return nil
			}
			if _, err := s.inv.GetManufacturer(ctx, next.ManufacturerID); err != nil {
				return refError(err, "manufacturer_id", "manufacturer", next.ManufacturerID)
			}
			return nil
		}, s.inv.UpdateModel)
}

// --- releases

var releaseAttrs = []string{"model_id", "version", "release_date", "support_level", "end_of_support"}

func (s *Inventory) CreateRelease(ctx context.Context, src core.Source, r *core.Release) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if _, err := s.inv.GetModel(ctx, r.ModelID); err != nil {
		return refError(err, "model_id", "model", r.ModelID)
	}
	s.stampNonEmpty(&r.Provenance, src, r, releaseAttrs)
	return s.inv.CreateRelease(ctx, r)
}

func (s *Inventory) PatchRelease(ctx context.Context, src core.Source, id core.ReleaseID, p Patch) (*core.Release, error) {
	cur, err := s.inv.GetRelease(ctx, id)
	if err != nil {
		return nil, err
	}
	return patchRecord(ctx, s, src, p, "release", cur, func(x *core.Release) *core.Provenance { return &x.Provenance },
		func(next *core.Release) error {
			if next.ModelID == cur.ModelID {
				return nil
			}
			if _, err := s.inv.GetModel(ctx, next.ModelID); err != nil {
				return refError(err, "model_id", "model", next.ModelID)
			}
			return nil
		}, s.inv.UpdateRelease)
}

// --- devices

// CreateDevice validates d, checks that the model, release, site and zone it
// names exist and agree with each other, records src as the provenance of
// every attribute given, and stores it.
func (s *Inventory) CreateDevice(ctx context.Context, src core.Source, d *core.Device) error {
	if err := d.Validate(); err != nil {
		return err
	}
	if err := CheckDeviceRefs(ctx, s.inv, d); err != nil {
		return err
	}
	s.stampNonEmpty(&d.Provenance, src, d, core.DeviceAttributes)
	return s.inv.CreateDevice(ctx, d)
}

// PatchDevice applies a merge patch to device id. ifMatch is the version the
// client last saw (from the ETag); 0 means the client sent none, and the
// current version is used. A stale version is KindPreconditionFailed.
func (s *Inventory) PatchDevice(ctx context.Context, src core.Source, id core.DeviceID, ifMatch int64, p Patch) (*core.Device, error) {
	cur, err := s.inv.GetDevice(ctx, id)
	if err != nil {
		return nil, err
	}
	if ifMatch != 0 && ifMatch != cur.Version {
		return nil, core.Errorf(core.KindPreconditionFailed,
			"device %d has changed since version %d (now version %d); fetch it again and reapply your change", id, ifMatch, cur.Version)
	}
	next, changed, err := applyPatch(cur, p, "device")
	if err != nil {
		return nil, err
	}
	if err := next.Validate(); err != nil {
		return nil, err
	}
	if err := CheckDeviceRefs(ctx, s.inv, next); err != nil {
		return nil, err
	}
	if len(changed) == 0 {
		return cur, nil
	}
	next.Provenance = cur.Provenance.Clone()
	next.Provenance.Set(src, s.clock.Now(), changed...)
	next.Version = cur.Version
	if err := s.inv.UpdateDevice(ctx, next); err != nil {
		return nil, err
	}
	return next, nil
}

// CheckDeviceRefs checks that the records d refers to exist and are
// consistent: the release belongs to the model, the zone to the site. A
// zone without a site fills in the site.
func CheckDeviceRefs(ctx context.Context, inv core.Inventory, d *core.Device) error {
	if d.ModelID != 0 {
		if _, err := inv.GetModel(ctx, d.ModelID); err != nil {
			return refError(err, "model_id", "model", d.ModelID)
		}
	}
	if d.ReleaseID != 0 {
		r, err := inv.GetRelease(ctx, d.ReleaseID)
		if err != nil {
			return refError(err, "release_id", "release", d.ReleaseID)
		}
		if r.ModelID != d.ModelID {
			return core.Invalid("release_id", "release %d belongs to model %d, not the device's model %d", r.ID, r.ModelID, d.ModelID)
		}
	}
	if d.SiteID != 0 {
		if _, err := inv.GetSite(ctx, d.SiteID); err != nil {
			return refError(err, "site_id", "site", d.SiteID)
		}
	}
	if d.ZoneID != 0 {
		z, err := inv.GetZone(ctx, d.ZoneID)
		if err != nil {
			return refError(err, "zone_id", "zone", d.ZoneID)
		}
		if d.SiteID == 0 {
			d.SiteID = z.SiteID
		} else if z.SiteID != d.SiteID {
			return core.Invalid("zone_id", "zone %d belongs to site %d, not the device's site %d", z.ID, z.SiteID, d.SiteID)
		}
	}
	return nil
}

func (s *Inventory) checkSite(ctx context.Context, id core.SiteID) error {
	if _, err := s.inv.GetSite(ctx, id); err != nil {
		return refError(err, "site_id", "site", id)
	}
	return nil
}

// refError turns "the referenced row is missing" into a field error: the
// client's input is invalid, it is not the request target that is missing.
func refError(err error, field, what string, id any) error {
	if core.IsKind(err, core.KindNotFound) {
		return core.Invalid(field, "%s %v does not exist", what, id)
	}
	return err
}

// ListDevices checks and normalises the filter, then lists.
func (s *Inventory) ListDevices(ctx context.Context, f core.DeviceFilter) (*core.DevicePage, error) {
	if f.Sort == "" {
		f.Sort = "id"
	}
	if !core.ValidSort(f.Sort) {
		return nil, core.Invalid("sort", "must be one of %s, optionally prefixed with -", strings.Join(core.DeviceSorts, ", "))
	}
	if f.Limit < 0 || f.Limit > 1000 {
		return nil, core.Invalid("limit", "must be between 1 and 1000")
	}
	if f.Function != "" && !f.Function.Valid() {
		return nil, core.Invalid("function", "unknown clinical function %q", f.Function)
	}
	if f.Lifecycle != "" && !f.Lifecycle.Valid() {
		return nil, core.Invalid("lifecycle", "must be active, in-storage or retired")
	}
	if len(f.Query) > core.MaxNameLen {
		return nil, core.Invalid("q", "is longer than %d bytes", core.MaxNameLen)
	}
	f.DeviceType = core.NormalizeDeviceType(f.DeviceType)
	return s.inv.ListDevices(ctx, f)
}

// toDoc encodes v as a JSON object of raw members.
func toDoc(v any) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	if b, err := json.Marshal(v); err == nil {
		_ = json.Unmarshal(b, &out)
	}
	return out
}
