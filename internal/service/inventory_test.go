package service_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/service"
	"github.com/vigil-oss/vigil/internal/store/sqlite"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

func newInventory(t *testing.T) (*service.Inventory, *clock) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "v.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	c := &clock{t0}
	return service.NewInventory(st, c), c
}

// fixture creates a site with two zones, a manufacturer with two models
// and a release of each.
type fixture struct {
	site            *core.Site
	zone, otherZone *core.Zone
	model, other    *core.Model
	rel, otherRel   *core.Release
}

func setup(t *testing.T, inv *service.Inventory) fixture {
	t.Helper()
	ctx := context.Background()
	var f fixture
	f.site = &core.Site{Name: "Main"}
	must(t, inv.CreateSite(ctx, core.SourceAPI, f.site))
	other := &core.Site{Name: "Clinic"}
	must(t, inv.CreateSite(ctx, core.SourceAPI, other))
	f.zone = &core.Zone{SiteID: f.site.ID, Name: "ICU", CIDRs: []string{"10.1.0.0/24"}}
	must(t, inv.CreateZone(ctx, core.SourceAPI, f.zone))
	f.otherZone = &core.Zone{SiteID: other.ID, Name: "Lab"}
	must(t, inv.CreateZone(ctx, core.SourceAPI, f.otherZone))
	m := &core.Manufacturer{Name: "BD"}
	must(t, inv.CreateManufacturer(ctx, core.SourceAPI, m))
	f.model = &core.Model{ManufacturerID: m.ID, Name: "Alaris 8015", DeviceType: "infusion pump", Function: core.FunctionTherapy}
	must(t, inv.CreateModel(ctx, core.SourceAPI, f.model))
	f.other = &core.Model{ManufacturerID: m.ID, Name: "FACSLyric", DeviceType: "lab analyzer", Function: core.FunctionDiagnostic}
	must(t, inv.CreateModel(ctx, core.SourceAPI, f.other))
	f.rel = &core.Release{ModelID: f.model.ID, Version: "12.1.0"}
	must(t, inv.CreateRelease(ctx, core.SourceAPI, f.rel))
	f.otherRel = &core.Release{ModelID: f.other.ID, Version: "1.0"}
	must(t, inv.CreateRelease(ctx, core.SourceAPI, f.otherRel))
	return f
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestCreateDeviceReferencesAndProvenance(t *testing.T) {
	ctx := context.Background()
	inv, _ := newInventory(t)
	f := setup(t, inv)

	d := &core.Device{AssetTag: "P-1", ModelID: f.model.ID, ReleaseID: f.rel.ID, ZoneID: f.zone.ID,
		MACs: []string{"00:1A:2B:3C:4D:5E"}}
	must(t, inv.CreateDevice(ctx, core.SourceImport, d))
	if d.SiteID != f.site.ID {
		t.Errorf("site not filled in from the zone: %d", d.SiteID)
	}
	for _, a := range []string{"asset_tag", "model_id", "release_id", "zone_id", "macs", "lifecycle"} {
		if o := d.Provenance[a]; o.Source != core.SourceImport || !o.At.Equal(t0) {
			t.Errorf("provenance[%s] = %+v", a, o)
		}
	}
	if _, ok := d.Provenance["owner"]; ok {
		t.Errorf("an attribute never set has provenance")
	}

	bad := []struct {
		name  string
		d     core.Device
		field string
	}{
		{"missing model", core.Device{AssetTag: "x1", ModelID: 999}, "model_id"},
		{"release of another model", core.Device{AssetTag: "x2", ModelID: f.model.ID, ReleaseID: f.otherRel.ID}, "release_id"},
		{"zone of another site", core.Device{AssetTag: "x3", SiteID: f.site.ID, ZoneID: f.otherZone.ID}, "zone_id"},
		{"missing site", core.Device{AssetTag: "x4", SiteID: 999}, "site_id"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.d
			err := inv.CreateDevice(ctx, core.SourceAPI, &d)
			var e *core.Error
			if !core.IsKind(err, core.KindInvalid) || !asError(err, &e) || e.Field != tt.field {
				t.Fatalf("want invalid %s, got %v", tt.field, err)
			}
		})
	}
}

func TestPatchDevice(t *testing.T) {
	ctx := context.Background()
	inv, clk := newInventory(t)
	f := setup(t, inv)
	d := &core.Device{AssetTag: "P-1", Owner: "Biomed", Location: core.Location{Building: "A", Room: "101"}}
	must(t, inv.CreateDevice(ctx, core.SourceImport, d))
	v1 := d.Version

	clk.t = t0.Add(time.Hour)
	p, err := service.DecodePatch([]byte(`{"location":{"room":"102","floor":null},"owner":"Biomed","model_id":` +
		itoa(int64(f.model.ID)) + `}`))
	must(t, err)
	got, err := inv.PatchDevice(ctx, core.SourceAPI, d.ID, v1, p)
	must(t, err)
	if got.Location.Building != "A" || got.Location.Room != "102" {
		t.Errorf("nested merge lost data: %+v", got.Location)
	}
	if got.Version != v1+1 {
		t.Errorf("version %d, want %d", got.Version, v1+1)
	}
	if o := got.Provenance["location"]; o.Source != core.SourceAPI || !o.At.Equal(clk.t) {
		t.Errorf("changed attribute provenance: %+v", o)
	}
	if o := got.Provenance["owner"]; o.Source != core.SourceImport {
		t.Errorf("unchanged owner's provenance was overwritten: %+v", o)
	}
	stored, err := inv.Store().GetDevice(ctx, d.ID)
	must(t, err)
	if stored.Location.Room != "102" || stored.ModelID != f.model.ID {
		t.Errorf("patch not stored: %+v", stored)
	}

	// A stale version is refused and nothing is written.
	p2, _ := service.DecodePatch([]byte(`{"owner":"IT"}`))
	if _, err := inv.PatchDevice(ctx, core.SourceAPI, d.ID, v1, p2); !core.IsKind(err, core.KindPreconditionFailed) {
		t.Fatalf("stale If-Match: %v", err)
	}
	stored, _ = inv.Store().GetDevice(ctx, d.ID)
	if stored.Owner != "Biomed" {
		t.Errorf("stale patch was written")
	}

	for _, body := range []string{`{"id":5}`, `{"version":9}`, `{"provenance":{}}`, `{"colour":"red"}`,
		`{"macs":"not-a-list"}`, `{"macs":["zz"]}`, `{"lifecycle":"lost"}`, `[1]`} {
		p, err := service.DecodePatch([]byte(body))
		if err == nil {
			_, err = inv.PatchDevice(ctx, core.SourceAPI, d.ID, 0, p)
		}
		if !core.IsKind(err, core.KindInvalid) {
			t.Errorf("patch %s: want invalid, got %v", body, err)
		}
	}
	if _, err := inv.PatchDevice(ctx, core.SourceAPI, 9999, 0, p2); !core.IsKind(err, core.KindNotFound) {
		t.Errorf("unknown device: %v", err)
	}
}

func TestListDevicesValidatesFilter(t *testing.T) {
	inv, _ := newInventory(t)
	ctx := context.Background()
	for _, f := range []core.DeviceFilter{{Sort: "colour"}, {Limit: 5000}, {Function: "magic"}, {Lifecycle: "lost"}} {
		if _, err := inv.ListDevices(ctx, f); !core.IsKind(err, core.KindInvalid) {
			t.Errorf("filter %+v: want invalid, got %v", f, err)
		}
	}
	if _, err := inv.ListDevices(ctx, core.DeviceFilter{DeviceType: "Infusion Pump"}); err != nil {
		t.Errorf("valid filter: %v", err)
	}
}

func TestTokens(t *testing.T) {
	ctx := context.Background()
	inv, _ := newInventory(t)
	tokens := service.NewTokens(inv.Store(), core.SystemClock{})
	secret, tok, err := tokens.Create(ctx, "soc", core.RoleAuditor)
	must(t, err)
	p, err := tokens.Authenticate(ctx, secret)
	if err != nil || p.Role != core.RoleAuditor || p.Name != "soc" {
		t.Fatalf("authenticate: %+v %v", p, err)
	}
	for _, bad := range []string{"", "vgl_", secret + "x", "Bearer " + secret, secret[:len(secret)-1]} {
		if _, err := tokens.Authenticate(ctx, bad); !core.IsKind(err, core.KindUnauthorized) {
			t.Errorf("token %q: want unauthorized, got %v", bad, err)
		}
	}
	must(t, tokens.Revoke(ctx, tok.ID))
	if _, err := tokens.Authenticate(ctx, secret); !core.IsKind(err, core.KindUnauthorized) {
		t.Errorf("revoked token still works: %v", err)
	}
	if _, _, err := tokens.Create(ctx, "x", "root"); !core.IsKind(err, core.KindInvalid) {
		t.Errorf("bad role accepted: %v", err)
	}
}
