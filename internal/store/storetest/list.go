package storetest

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-oss/vigil/internal/core"
)

// listFixture is a set of devices whose attributes tie and repeat, so that
// sorting and paging meet equal sort values, NULL last_seen and empty text.
type listFixture struct {
	r       *refs
	devices []*core.Device // as stored, in id order
	models  map[core.ModelID]*core.Model
}

const fixtureSize = 41 // prime, so page sizes rarely divide it

func makeListFixture(t *testing.T, s core.Store) *listFixture {
	ctx := t.Context()
	f := &listFixture{r: makeRefs(t, s), models: map[core.ModelID]*core.Model{}}
	for _, m := range f.r.models {
		f.models[m.ID] = m
	}
	names := []string{"alpha", "Bravo", "charlie", "", "delta", "Echo", "alpha"}
	lifecycles := []core.Lifecycle{core.LifecycleActive, core.LifecycleActive, core.LifecycleInStorage, core.LifecycleRetired}
	base := time.Date(2025, 5, 1, 8, 0, 0, 0, time.UTC)
	var all []*core.Device
	for i := range fixtureSize {
		d := &core.Device{
			Name:      names[i%len(names)],
			Lifecycle: lifecycles[i%len(lifecycles)],
			Owner:     "Ward " + string(rune('A'+i%3)),
			SiteID:    f.r.sites[i%2].ID,
		}
		if i%4 != 3 {
			d.AssetTag = fmt.Sprintf("AT-%03d", (i*17)%fixtureSize)
		}
		if i%5 != 0 {
			d.Serial = fmt.Sprintf("SN-%d", i%6)
		}
		if i%3 == 0 || (d.AssetTag == "" && d.Serial == "") {
			d.MACs = []string{fmt.Sprintf("0a:00:00:00:00:%02x", i)}
		}
		if i%8 != 7 {
			d.ModelID = f.r.models[i%3].ID
		}
		switch {
		case i%2 == 0:
			d.ZoneID = f.r.zones[(i/2)%2].ID
		case i%6 == 1:
			d.ZoneID = f.r.zones[2].ID
		}
		if i%5 != 1 {
			last := base.Add(time.Duration(i%4) * time.Hour)
			first := base.Add(-24 * time.Hour)
			d.LastSeen, d.FirstSeen = &last, &first
		}
		all = append(all, d)
	}
	// Odd-one-out values for the Query tests.
	all[5].Notes = "Needle-free CONNECTOR replaced"
	all[6].UDI = "(01)00812345678901"
	all[7].IPs = []string{"10.1.2.7", "2001:db8::7"}
	all[8].Hostnames = []string{"pump-8.icu.example.org"}
	all[9].AETitles = []string{"PACS_NINE"}
	all[10].Owner = "Biomedical Engineering"
	all[10].Location = core.Location{Room: "Needle room"}     // location is not searched
	all[11].HL7 = []core.HL7Endpoint{{Application: "Needle"}} // nor is HL7
	all[12].Name = "Ünïcode Pump"

	// Three batches, so that updated_at both ties (within a batch) and
	// differs (between batches).
	ok(t, s.CreateDevices(ctx, all[:15]), "create devices")
	ok(t, s.CreateDevices(ctx, all[15:30]), "create devices")
	ok(t, s.CreateDevices(ctx, all[30:]), "create devices")
	// Updates move a few early devices to the end of updated_at order.
	for _, i := range []int{2, 3, 20} {
		all[i].Notes += " checked"
		ok(t, s.UpdateDevice(ctx, all[i]), "update device")
	}
	f.devices = all
	return f
}

func (f *listFixture) model(d *core.Device) *core.Model { return f.models[d.ModelID] }

// matches is the reference implementation of DeviceFilter's selection.
func (f *listFixture) matches(d *core.Device, flt core.DeviceFilter) bool {
	m := f.model(d)
	switch {
	case flt.SiteID != 0 && d.SiteID != flt.SiteID,
		flt.ZoneID != 0 && d.ZoneID != flt.ZoneID,
		flt.ModelID != 0 && d.ModelID != flt.ModelID,
		flt.Lifecycle != "" && d.Lifecycle != flt.Lifecycle:
		return false
	case flt.ManufacturerID != 0 && (m == nil || m.ManufacturerID != flt.ManufacturerID),
		flt.DeviceType != "" && (m == nil || m.DeviceType != core.NormalizeDeviceType(flt.DeviceType)),
		flt.Function != "" && (m == nil || m.Function != flt.Function):
		return false
	}
	if q := strings.ToLower(strings.TrimSpace(flt.Query)); q != "" {
		fields := []string{d.Name, d.AssetTag, d.Serial, d.Owner, d.UDI, d.Notes}
		for _, mac := range d.MACs {
			fields = append(fields, mac, strings.ReplaceAll(mac, ":", ""))
		}
		fields = append(fields, d.IPs...)
		fields = append(fields, d.Hostnames...)
		fields = append(fields, d.AETitles...)
		found := false
		for _, x := range fields {
			if strings.Contains(strings.ToLower(x), q) {
				found = true
			}
		}
		return found
	}
	return true
}

// compare is the reference implementation of the sort orders: text
// byte-wise, NULL last_seen before any time, ties broken by id; descending
// reverses the whole order.
func compare(key string, a, b *core.Device) int {
	var c int
	switch key {
	case "id":
	case "name":
		c = strings.Compare(a.Name, b.Name)
	case "asset_tag":
		c = strings.Compare(a.AssetTag, b.AssetTag)
	case "serial":
		c = strings.Compare(a.Serial, b.Serial)
	case "updated_at":
		c = a.UpdatedAt.Compare(b.UpdatedAt)
	case "last_seen":
		switch {
		case a.LastSeen == nil && b.LastSeen == nil:
		case a.LastSeen == nil:
			c = -1
		case b.LastSeen == nil:
			c = 1
		default:
			c = a.LastSeen.Compare(*b.LastSeen)
		}
	}
	return cmp.Or(c, cmp.Compare(a.ID, b.ID))
}

func (f *listFixture) want(flt core.DeviceFilter) []int64 {
	var sel []*core.Device
	for _, d := range f.devices {
		if f.matches(d, flt) {
			sel = append(sel, d)
		}
	}
	key, desc := strings.CutPrefix(flt.Sort, "-")
	if key == "" {
		key = "id"
	}
	slices.SortFunc(sel, func(a, b *core.Device) int {
		if desc {
			return compare(key, b, a)
		}
		return compare(key, a, b)
	})
	ids := []int64{}
	for _, d := range sel {
		ids = append(ids, int64(d.ID))
	}
	return ids
}

// pages lists every page of flt, passing each cursor through its opaque
// token form as an HTTP client would, and checks page sizes and the end.
func pages(t *testing.T, s core.Store, flt core.DeviceFilter) ([]int64, []*core.Device) {
	t.Helper()
	limit := flt.Limit
	if limit == 0 {
		limit = 100
	}
	var (
		ids []int64
		ds  []*core.Device
	)
	for n := 0; ; n++ {
		if n > 200 {
			t.Fatalf("%+v: too many pages", flt)
		}
		p, err := s.ListDevices(t.Context(), flt)
		ok(t, err, fmt.Sprintf("list devices %+v", flt))
		if p.Devices == nil {
			t.Fatalf("page %d: Devices is nil", n)
		}
		if len(p.Devices) > limit {
			t.Fatalf("page %d: %d devices, limit %d", n, len(p.Devices), limit)
		}
		for _, d := range p.Devices {
			ids = append(ids, int64(d.ID))
			ds = append(ds, d)
		}
		if p.Next == nil {
			return ids, ds
		}
		if len(p.Devices) != limit {
			t.Fatalf("page %d: short page of %d (limit %d) with a next cursor", n, len(p.Devices), limit)
		}
		sortParam := flt.Sort
		c, err := core.DecodeDeviceCursor(p.Next.Encode(), sortParam)
		ok(t, err, "decode cursor")
		flt.After = c
	}
}

func testListDevices(t *testing.T, s core.Store) {
	f := makeListFixture(t, s)
	r := f.r

	t.Run("SortAndPage", func(t *testing.T) {
		for _, key := range core.DeviceSorts {
			for _, srt := range []string{key, "-" + key} {
				for _, limit := range []int{1, 4, fixtureSize, 0} {
					flt := core.DeviceFilter{Sort: srt, Limit: limit}
					got, _ := pages(t, s, flt)
					if want := f.want(flt); !equalIDs(got, want) {
						t.Errorf("sort %q limit %d:\n got %v\nwant %v", srt, limit, got, want)
					}
				}
			}
		}
		// "" and "id" are the same order, but each cursor names its own.
		got, _ := pages(t, s, core.DeviceFilter{Limit: 6})
		if want := f.want(core.DeviceFilter{}); !equalIDs(got, want) {
			t.Errorf("default sort:\n got %v\nwant %v", got, want)
		}
	})

	t.Run("RoundTrip", func(t *testing.T) {
		_, ds := pages(t, s, core.DeviceFilter{Limit: 7})
		if len(ds) != len(f.devices) {
			t.Fatalf("listed %d devices, want %d", len(ds), len(f.devices))
		}
		for i, d := range ds {
			same(t, fmt.Sprintf("listed device %d", i), d, wantDevice(f.devices[i]))
		}
	})

	t.Run("Filters", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			flt  core.DeviceFilter
		}{
			{"site", core.DeviceFilter{SiteID: r.sites[1].ID}},
			{"zone", core.DeviceFilter{ZoneID: r.zones[1].ID}},
			{"model", core.DeviceFilter{ModelID: r.models[1].ID}},
			{"manufacturer", core.DeviceFilter{ManufacturerID: r.mfrs[0].ID}},
			{"device type", core.DeviceFilter{DeviceType: "infusion-pump"}},
			{"device type as typed", core.DeviceFilter{DeviceType: "Infusion Pump"}},
			{"function", core.DeviceFilter{Function: core.FunctionLifeSustaining}},
			{"lifecycle", core.DeviceFilter{Lifecycle: core.LifecycleInStorage}},
			{"site and device type", core.DeviceFilter{SiteID: r.sites[0].ID, DeviceType: "infusion-pump"}},
			{"site, zone, manufacturer, lifecycle", core.DeviceFilter{SiteID: r.sites[0].ID, ZoneID: r.zones[0].ID,
				ManufacturerID: r.mfrs[0].ID, Lifecycle: core.LifecycleActive}},
			{"site and query, by name descending", core.DeviceFilter{SiteID: r.sites[1].ID, Query: "ward b", Sort: "-name"}},
			{"device type by last seen", core.DeviceFilter{DeviceType: "infusion-pump", Sort: "last_seen"}},
			{"function by updated descending", core.DeviceFilter{Function: core.FunctionMonitoring, Sort: "-updated_at"}},
			{"no match", core.DeviceFilter{SiteID: r.sites[1].ID, ZoneID: r.zones[0].ID}},
			{"unknown device type", core.DeviceFilter{DeviceType: "mri"}},
			{"missing site", core.DeviceFilter{SiteID: r.sites[1].ID + 1000}},
			{"query name", core.DeviceFilter{Query: "BRAVO"}},
			{"query non-ASCII", core.DeviceFilter{Query: "ÜNÏCODE"}},
			{"query asset tag", core.DeviceFilter{Query: "at-01"}},
			{"query serial", core.DeviceFilter{Query: "sn-4"}},
			{"query owner", core.DeviceFilter{Query: "biomedical"}},
			{"query udi", core.DeviceFilter{Query: "(01)0081234"}},
			{"query notes", core.DeviceFilter{Query: "needle-free connector"}},
			{"query notes, not location or HL7", core.DeviceFilter{Query: "needle"}},
			{"query mac", core.DeviceFilter{Query: "0A:00:00:00:00:1"}},
			{"query mac without separators", core.DeviceFilter{Query: "0a000000000f"}},
			{"query ip", core.DeviceFilter{Query: "2001:DB8::7"}},
			{"query hostname", core.DeviceFilter{Query: "ICU.Example"}},
			{"query ae title", core.DeviceFilter{Query: "pacs_n"}},
			{"query spaces trimmed", core.DeviceFilter{Query: "  bravo "}},
			{"query no match", core.DeviceFilter{Query: "zzz"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				want := f.want(tc.flt)
				if len(want) == 0 && !strings.Contains(tc.name, "no match") && !strings.Contains(tc.name, "unknown") &&
					!strings.Contains(tc.name, "missing") {
					t.Fatalf("fixture gives no rows for %+v; the case tests nothing", tc.flt)
				}
				for _, limit := range []int{3, 0} {
					flt := tc.flt
					flt.Limit = limit
					got, _ := pages(t, s, flt)
					if !equalIDs(got, want) {
						t.Errorf("limit %d:\n got %v\nwant %v", limit, got, want)
					}
				}
			})
		}
	})

	t.Run("Invalid", func(t *testing.T) {
		ctx := t.Context()
		_, err := s.ListDevices(ctx, core.DeviceFilter{Sort: "owner"})
		wantErr(t, err, core.KindInvalid, "sort", "unknown sort")
		_, err = s.ListDevices(ctx, core.DeviceFilter{Limit: -1})
		wantErr(t, err, core.KindInvalid, "limit", "negative limit")
		p, err := s.ListDevices(ctx, core.DeviceFilter{Sort: "name", Limit: 2})
		ok(t, err, "list devices")
		_, err = s.ListDevices(ctx, core.DeviceFilter{Sort: "-name", Limit: 2, After: p.Next})
		wantErr(t, err, core.KindInvalid, "cursor", "cursor of another sort")
		_, err = s.ListDevices(ctx, core.DeviceFilter{Sort: "updated_at", After: &core.DeviceCursor{Sort: "updated_at", Value: "yesterday", ID: 1}})
		wantErr(t, err, core.KindInvalid, "cursor", "cursor with a bad time")
		_, err = s.ListDevices(ctx, core.DeviceFilter{Sort: "updated_at", After: &core.DeviceCursor{Sort: "updated_at", Value: "", ID: 1}})
		wantErr(t, err, core.KindInvalid, "cursor", "cursor with no time for a NOT NULL key")
	})

	t.Run("Limits", func(t *testing.T) {
		ctx := t.Context()
		p, err := s.ListDevices(ctx, core.DeviceFilter{Limit: 5000})
		ok(t, err, "list with a limit above the maximum")
		if len(p.Devices) != fixtureSize || p.Next != nil {
			t.Errorf("got %d devices, next %v", len(p.Devices), p.Next)
		}
		p, err = s.ListDevices(ctx, core.DeviceFilter{Limit: fixtureSize})
		ok(t, err, "list exactly all")
		if len(p.Devices) != fixtureSize || p.Next != nil {
			t.Errorf("a page holding exactly the rest has next cursor %v", p.Next)
		}
	})
}
