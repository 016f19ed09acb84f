package demo_test

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/demo"
	"github.com/vigil-oss/vigil/internal/service"
	"github.com/vigil-oss/vigil/internal/store/sqlite"
)

var clock = core.FixedClock{T: time.Date(2025, 6, 30, 9, 0, 0, 0, time.UTC)}

// openStore returns a migrated SQLite store in a fresh file.
func openStore(t testing.TB) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "vigil.db"), sqlite.Options{Clock: clock})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	if _, err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return s
}

func load(t testing.TB) (*sqlite.Store, demo.Summary) {
	t.Helper()
	s := openStore(t)
	start := time.Now()
	sum, err := demo.Load(t.Context(), service.NewInventory(s, clock))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	t.Logf("loaded %+v in %v", sum, time.Since(start).Round(time.Millisecond))
	return s, sum
}

// inventory is everything in a store, with references resolved to names so
// two stores can be compared whatever ids they assigned.
type inventory struct {
	sites   map[core.SiteID]*core.Site
	zones   map[core.ZoneID]*core.Zone
	makers  map[core.ManufacturerID]*core.Manufacturer
	models  map[core.ModelID]*core.Model
	rels    map[core.ReleaseID]*core.Release
	devices []*core.Device
}

func readAll(t *testing.T, s core.Store) *inventory {
	t.Helper()
	ctx := t.Context()
	all := core.ListOptions{Limit: 1000}
	inv := &inventory{
		sites: map[core.SiteID]*core.Site{}, zones: map[core.ZoneID]*core.Zone{},
		makers: map[core.ManufacturerID]*core.Manufacturer{}, models: map[core.ModelID]*core.Model{},
		rels: map[core.ReleaseID]*core.Release{},
	}
	sites, err := s.ListSites(ctx, all)
	must(t, err)
	for _, x := range sites {
		inv.sites[x.ID] = x
	}
	zones, err := s.ListZones(ctx, 0, all)
	must(t, err)
	for _, x := range zones {
		inv.zones[x.ID] = x
	}
	makers, err := s.ListManufacturers(ctx, all)
	must(t, err)
	for _, x := range makers {
		inv.makers[x.ID] = x
	}
	models, err := s.ListModels(ctx, 0, all)
	must(t, err)
	for _, x := range models {
		inv.models[x.ID] = x
	}
	rels, err := s.ListReleases(ctx, 0, all)
	must(t, err)
	for _, x := range rels {
		inv.rels[x.ID] = x
	}
	page, err := s.ListDevices(ctx, core.DeviceFilter{Limit: 1000})
	must(t, err)
	if page.Next != nil {
		t.Fatal("more than 1000 devices")
	}
	inv.devices = page.Devices
	return inv
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// portable is a device without store-assigned ids and stamps.
type portable struct {
	core.Device
	Maker, Model, Release, Site, Zone string
}

func (inv *inventory) portable() []portable {
	out := make([]portable, 0, len(inv.devices))
	for _, d := range inv.devices {
		p := portable{Device: *d}
		m := inv.models[d.ModelID]
		p.Maker, p.Model = inv.makers[m.ManufacturerID].Name, m.Name
		p.Release = inv.rels[d.ReleaseID].Version
		p.Site, p.Zone = inv.sites[d.SiteID].Name, inv.zones[d.ZoneID].Name
		p.ID, p.ModelID, p.ReleaseID, p.SiteID, p.ZoneID = 0, 0, 0, 0, 0
		p.CreatedAt, p.UpdatedAt, p.Provenance = time.Time{}, time.Time{}, nil
		out = append(out, p)
	}
	return out
}

func TestLoad(t *testing.T) {
	s, sum := load(t)
	inv := readAll(t, s)
	cat, err := demo.ReadCatalog()
	must(t, err)

	if len(inv.sites) != 2 || sum.Sites != 2 {
		t.Errorf("%d sites stored, summary says %d; want 2", len(inv.sites), sum.Sites)
	}
	if n := len(inv.devices); n < 280 || n > 320 || n != sum.Devices {
		t.Errorf("%d devices stored, summary says %d; want 280-320", n, sum.Devices)
	}
	if len(inv.zones) != sum.Zones || len(inv.makers) != sum.Manufacturers ||
		len(inv.models) != sum.Models || len(inv.rels) != sum.Releases {
		t.Errorf("summary %+v does not match the store", sum)
	}

	// Every maker and model stored comes from the catalog, and every catalog
	// model traces to at least one advisory.
	catModels := map[string]*demo.CatalogModel{}
	for i, m := range cat.Models {
		catModels[m.Manufacturer+"\x00"+m.Name] = &cat.Models[i]
	}
	catMakers := map[string]bool{}
	for _, m := range cat.Manufacturers {
		catMakers[m.Name] = true
	}
	for _, m := range inv.makers {
		if !catMakers[m.Name] {
			t.Errorf("manufacturer %q is not in the catalog", m.Name)
		}
		if m.Provenance["name"].Source != core.SourceDemo {
			t.Errorf("manufacturer %q: provenance %v", m.Name, m.Provenance)
		}
	}
	for _, m := range inv.models {
		cm := catModels[inv.makers[m.ManufacturerID].Name+"\x00"+m.Name]
		if cm == nil {
			t.Errorf("model %q is not in the catalog", m.Name)
			continue
		}
		if len(cm.Advisories) == 0 {
			t.Errorf("model %q has no advisory", m.Name)
		}
	}

	types := map[string]int{}
	macs := map[string]bool{}
	for _, d := range inv.devices {
		where := fmt.Sprintf("device %d %s", d.ID, d.AssetTag)
		c := *d
		if err := c.Validate(); err != nil {
			t.Errorf("%s does not validate: %v", where, err)
		}
		m, r, site, z := inv.models[d.ModelID], inv.rels[d.ReleaseID], inv.sites[d.SiteID], inv.zones[d.ZoneID]
		if m == nil || r == nil || site == nil || z == nil {
			t.Errorf("%s: dangling reference model=%d release=%d site=%d zone=%d", where, d.ModelID, d.ReleaseID, d.SiteID, d.ZoneID)
			continue
		}
		if r.ModelID != m.ID {
			t.Errorf("%s: release %s belongs to model %d, not %d", where, r.Version, r.ModelID, m.ID)
		}
		if z.SiteID != site.ID {
			t.Errorf("%s: zone %s is not at site %s", where, z.Name, site.Name)
		}
		types[m.DeviceType]++
		for _, mac := range d.MACs {
			if macs[mac] {
				t.Errorf("%s: MAC %s is used twice", where, mac)
			}
			macs[mac] = true
		}
		for _, ip := range d.IPs {
			a := netip.MustParseAddr(ip)
			inside := false
			for _, c := range z.CIDRs {
				inside = inside || netip.MustParsePrefix(c).Contains(a)
			}
			if !inside {
				t.Errorf("%s: IP %s is outside zone %s %v", where, ip, z.Name, z.CIDRs)
			}
		}
		if d.Provenance["asset_tag"].Source != core.SourceDemo {
			t.Errorf("%s: asset tag provenance %v", where, d.Provenance["asset_tag"])
		}
	}
	for _, want := range [][]string{
		{"infusion-pump"},
		{"patient-monitor"},
		{"ct-scanner", "mri-scanner", "x-ray", "ultrasound", "mammography"},
		{"lab-analyzer"},
		{"imaging-workstation", "clinical-workstation", "dicom-viewer"},
	} {
		n := 0
		for _, k := range want {
			n += types[k]
		}
		if n == 0 {
			t.Errorf("no device of type %v; types: %v", want, types)
		}
	}
	if types["infusion-pump"] < 50 || types["patient-monitor"] < 40 {
		t.Errorf("a hospital's fleet is mostly pumps and monitors; got %v", types)
	}

	// Fragile clinical networks must not be scanned.
	for _, z := range inv.zones {
		if (z.Name == "ICU" || z.Name == "Emergency") && !z.DoNotProbe {
			t.Errorf("zone %s allows probing", z.Name)
		}
	}
}

func TestLoadIsDeterministic(t *testing.T) {
	s1, _ := load(t)
	s2, _ := load(t)
	a, b := readAll(t, s1).portable(), readAll(t, s2).portable()
	if len(a) != len(b) {
		t.Fatalf("%d and %d devices", len(a), len(b))
	}
	for i := range a {
		if !reflect.DeepEqual(a[i], b[i]) {
			t.Fatalf("device %d differs between two loads:\n%+v\n%+v", i, a[i], b[i])
		}
	}
}

func TestLoadTwiceConflicts(t *testing.T) {
	s, first := load(t)
	_, err := demo.Load(t.Context(), service.NewInventory(s, clock))
	if !core.IsKind(err, core.KindConflict) {
		t.Fatalf("second Load: %v, want a conflict", err)
	}
	n, err := s.CountDevices(t.Context())
	must(t, err)
	if n != int64(first.Devices) {
		t.Errorf("second Load changed the device count from %d to %d", first.Devices, n)
	}
}

// TestLoadIsAtomic makes the last device clash with one already stored: the
// load must fail and leave nothing of the demo behind.
func TestLoadIsAtomic(t *testing.T) {
	ctx := t.Context()
	scratch, _ := load(t)
	all := readAll(t, scratch)
	last := all.devices[len(all.devices)-1].AssetTag

	s := openStore(t)
	inv := service.NewInventory(s, clock)
	site := &core.Site{Name: "Elsewhere"}
	must(t, inv.CreateSite(ctx, core.SourceAPI, site))
	// Asset tags are unique store-wide, so the demo's last device will clash.
	must(t, inv.CreateDevice(ctx, core.SourceAPI, &core.Device{AssetTag: last, SiteID: site.ID}))

	_, err := demo.Load(ctx, inv)
	if !core.IsKind(err, core.KindConflict) {
		t.Fatalf("Load over a clashing asset tag: %v, want a conflict", err)
	}
	sites, err := s.ListSites(ctx, core.ListOptions{})
	must(t, err)
	makers, err := s.ListManufacturers(ctx, core.ListOptions{})
	must(t, err)
	n, err := s.CountDevices(ctx)
	must(t, err)
	if len(sites) != 1 || len(makers) != 0 || n != 1 {
		t.Errorf("after a failed load: %d sites, %d manufacturers, %d devices; want only what was there (1, 0, 1)", len(sites), len(makers), n)
	}
}

// BenchmarkLoad measures a whole demo load into a fresh SQLite file, the
// cost `vigil demo` pays at start-up (target: under a second).
func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		s := openStore(b)
		inv := service.NewInventory(s, clock)
		b.StartTimer()
		if _, err := demo.Load(b.Context(), inv); err != nil {
			b.Fatal(err)
		}
	}
}
