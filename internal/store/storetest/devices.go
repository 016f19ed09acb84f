package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/vigil-oss/vigil/internal/core"
)

// refs is a small catalogue devices can point into.
type refs struct {
	sites  []*core.Site
	zones  []*core.Zone // zones[0], zones[1] in sites[0]; zones[2] in sites[1]
	mfrs   []*core.Manufacturer
	models []*core.Model // models[0] mfrs[0] infusion-pump therapy; [1] mfrs[0] patient-monitor monitoring; [2] mfrs[1] infusion-pump life-sustaining
	rels   []*core.Release
}

func makeRefs(t *testing.T, s core.Store) *refs {
	t.Helper()
	ctx := t.Context()
	r := &refs{}
	for _, n := range []string{"North", "South"} {
		x := &core.Site{Name: n}
		ok(t, s.CreateSite(ctx, x), "create site")
		r.sites = append(r.sites, x)
	}
	for i, n := range []string{"ICU", "Radiology", "Lab"} {
		x := &core.Zone{SiteID: r.sites[i/2].ID, Name: n}
		ok(t, s.CreateZone(ctx, x), "create zone")
		r.zones = append(r.zones, x)
	}
	for _, n := range []string{"Medixa", "Pumpco"} {
		x := &core.Manufacturer{Name: n}
		ok(t, s.CreateManufacturer(ctx, x), "create manufacturer")
		r.mfrs = append(r.mfrs, x)
	}
	for i, m := range []struct {
		name, typ string
		fn        core.Function
	}{
		{"Infusa", "infusion-pump", core.FunctionTherapy},
		{"Vitals", "patient-monitor", core.FunctionMonitoring},
		{"Lifeline", "infusion-pump", core.FunctionLifeSustaining},
	} {
		x := &core.Model{ManufacturerID: r.mfrs[i/2].ID, Name: m.name, DeviceType: m.typ, Function: m.fn}
		ok(t, s.CreateModel(ctx, x), "create model")
		r.models = append(r.models, x)
		rel := &core.Release{ModelID: x.ID, Version: "1.0"}
		ok(t, s.CreateRelease(ctx, rel), "create release")
		r.rels = append(r.rels, rel)
	}
	return r
}

// fullDevice sets every attribute.
func fullDevice(r *refs) *core.Device {
	first, last := odd(2), odd(20)
	return &core.Device{
		AssetTag: "BME-00017", Serial: "SN 4711", Name: "Pump ICU bed 4",
		ModelID: r.models[0].ID, ReleaseID: r.rels[0].ID, SiteID: r.sites[0].ID, ZoneID: r.zones[0].ID,
		Location: core.Location{Building: "B", Floor: "3", Department: "ICU", Room: "3.014"},
		Owner:    "Biomed", Lifecycle: core.LifecycleInStorage,
		MACs:      []string{"00:50:c2:00:00:01", "00:50:c2:00:00:02"},
		IPs:       []string{"10.1.2.3", "2001:db8::17"},
		Hostnames: []string{"pump-4.icu.example.org"},
		AETitles:  []string{"INFUSA_4"},
		HL7:       []core.HL7Endpoint{{Application: "PUMPGW", Facility: "ICU"}, {Application: "ADT"}},
		UDI:       "(01)00812345678901(21)4711", FirstSeen: &first, LastSeen: &last,
		Notes:      "Seen on VLAN 10.\nÜberprüft.",
		Provenance: prov(11),
	}
}

// wantDevice is what a store gives back for d.
func wantDevice(d *core.Device) *core.Device {
	w := *d
	w.MACs, w.IPs, w.Hostnames, w.AETitles, w.HL7 = nonNil(d.MACs), nonNil(d.IPs), nonNil(d.Hostnames), nonNil(d.AETitles), nonNil(d.HL7)
	w.FirstSeen, w.LastSeen = normPtr(d.FirstSeen), normPtr(d.LastSeen)
	w.Provenance = normProv(d.Provenance)
	return &w
}

func findIDs(t *testing.T, s core.Store, keys core.DeviceKeys) []int64 {
	t.Helper()
	ds, err := s.FindDevices(t.Context(), keys)
	ok(t, err, "find devices")
	if ds == nil {
		t.Fatalf("FindDevices returned a nil slice")
	}
	ids := []int64{}
	for _, d := range ds {
		ids = append(ids, int64(d.ID))
	}
	return ids
}

func testDevices(t *testing.T, s core.Store) {
	ctx := t.Context()
	r := makeRefs(t, s)
	d := fullDevice(r)
	ok(t, s.CreateDevice(ctx, d), "create device")
	if d.ID <= 0 || d.Version != 1 {
		t.Fatalf("CreateDevice set ID %d, Version %d; want > 0, 1", d.ID, d.Version)
	}
	checkStamp(t, "CreatedAt", d.CreatedAt)
	if !d.UpdatedAt.Equal(d.CreatedAt) {
		t.Errorf("UpdatedAt %v != CreatedAt %v on create", d.UpdatedAt, d.CreatedAt)
	}

	t.Run("RoundTrip", func(t *testing.T) {
		got, err := s.GetDevice(ctx, d.ID)
		ok(t, err, "get device")
		same(t, "device", got, wantDevice(d))
		checkStamp(t, "CreatedAt", got.CreatedAt)
		checkStamp(t, "LastSeen", *got.LastSeen)
		checkStamp(t, "provenance time", got.Provenance["name"].At)
		_, err = s.GetDevice(ctx, d.ID+1000)
		wantErr(t, err, core.KindNotFound, "", "get missing device")
	})
	t.Run("Minimal", func(t *testing.T) {
		m := &core.Device{Serial: "ONLY-SERIAL", Lifecycle: core.LifecycleActive}
		ok(t, s.CreateDevice(ctx, m), "create device")
		got, err := s.GetDevice(ctx, m.ID)
		ok(t, err, "get device")
		same(t, "device", got, wantDevice(m))
		if got.Provenance == nil {
			t.Errorf("Provenance is nil; want an empty map callers can Set on")
		}
	})
	t.Run("EmptyAssetTagsDoNotClash", func(t *testing.T) {
		for i := range 3 {
			ok(t, s.CreateDevice(ctx, &core.Device{Serial: fmt.Sprintf("untagged-%d", i), Lifecycle: core.LifecycleActive}), "create untagged device")
		}
	})
	t.Run("Conflicts", func(t *testing.T) {
		before, err := s.CountDevices(ctx)
		ok(t, err, "count")
		wantErr(t, s.CreateDevice(ctx, &core.Device{AssetTag: "BME-00017", Lifecycle: core.LifecycleActive}),
			core.KindConflict, "asset_tag", "duplicate asset tag")
		wantErr(t, s.CreateDevice(ctx, &core.Device{AssetTag: "other", Lifecycle: core.LifecycleActive, MACs: []string{"00:50:c2:00:00:09", "00:50:c2:00:00:02"}}),
			core.KindConflict, "macs", "MAC of another device")
		after, err := s.CountDevices(ctx)
		ok(t, err, "count")
		if after != before {
			t.Errorf("failed creates changed the count from %d to %d", before, after)
		}
		if ids := findIDs(t, s, core.DeviceKeys{AssetTags: []string{"other"}, MACs: []string{"00:50:c2:00:00:09"}}); len(ids) != 0 {
			t.Errorf("a failed create left devices %v behind", ids)
		}
	})
	t.Run("MissingReferences", func(t *testing.T) {
		for _, c := range []struct {
			field string
			mod   func(x *core.Device)
		}{
			{"model_id", func(x *core.Device) { x.ModelID = r.models[2].ID + 1000 }},
			{"release_id", func(x *core.Device) { x.ReleaseID = r.rels[2].ID + 1000 }},
			{"site_id", func(x *core.Device) { x.SiteID = r.sites[1].ID + 1000 }},
			{"zone_id", func(x *core.Device) { x.ZoneID = r.zones[2].ID + 1000 }},
		} {
			x := &core.Device{AssetTag: "orphan-" + c.field, Lifecycle: core.LifecycleActive, ModelID: r.models[0].ID}
			c.mod(x)
			wantErr(t, s.CreateDevice(ctx, x), core.KindInvalid, c.field, "create device with a missing "+c.field)
			y := *d
			c.mod(&y)
			wantErr(t, s.UpdateDevice(ctx, &y), core.KindInvalid, c.field, "update device to a missing "+c.field)
		}
	})
	t.Run("Update", func(t *testing.T) {
		cur, err := s.GetDevice(ctx, d.ID)
		ok(t, err, "get device")
		u := *cur
		seen := time.Date(2025, 1, 2, 3, 4, 5, 999, time.UTC)
		u.AssetTag, u.Serial, u.Name = "BME-00018", "", "Pump ICU bed 5"
		u.ModelID, u.ReleaseID, u.SiteID, u.ZoneID = r.models[2].ID, 0, r.sites[1].ID, 0
		u.Location, u.Owner, u.Lifecycle = core.Location{Room: "X"}, "", core.LifecycleRetired
		u.MACs = []string{"00:50:c2:00:00:02", "00:50:c2:00:00:03"} // drops ...:01, keeps ...:02
		u.IPs, u.Hostnames, u.AETitles, u.HL7 = nil, []string{"a.example"}, nil, nil
		u.UDI, u.FirstSeen, u.LastSeen, u.Notes = "", nil, &seen, ""
		u.Provenance = core.Provenance{"name": {Source: core.SourceAPI, At: seen}}
		ok(t, s.UpdateDevice(ctx, &u), "update device")
		if u.Version != 2 {
			t.Errorf("Version after update = %d, want 2", u.Version)
		}
		if !u.CreatedAt.Equal(d.CreatedAt) || u.UpdatedAt.Before(d.UpdatedAt) {
			t.Errorf("update stamps: created %v updated %v, before %v %v", u.CreatedAt, u.UpdatedAt, d.CreatedAt, d.UpdatedAt)
		}
		checkStamp(t, "UpdatedAt", u.UpdatedAt)
		got, err := s.GetDevice(ctx, d.ID)
		ok(t, err, "get device")
		same(t, "updated device", got, wantDevice(&u))

		if ids := findIDs(t, s, core.DeviceKeys{MACs: []string{"00:50:c2:00:00:01"}}); len(ids) != 0 {
			t.Errorf("dropped MAC still finds %v", ids)
		}
		if ids := findIDs(t, s, core.DeviceKeys{MACs: []string{"00:50:c2:00:00:03"}}); len(ids) != 1 || ids[0] != int64(d.ID) {
			t.Errorf("added MAC finds %v", ids)
		}
		// The dropped MAC is free for another device.
		ok(t, s.CreateDevice(ctx, &core.Device{AssetTag: "takes-01", Lifecycle: core.LifecycleActive, MACs: []string{"00:50:c2:00:00:01"}}), "reuse dropped MAC")

		stale := *cur // still at version 1
		stale.Name, stale.MACs = "stale", []string{"00:50:c2:00:00:04"}
		wantErr(t, s.UpdateDevice(ctx, &stale), core.KindPreconditionFailed, "", "update with a stale version")
		if stale.Version != 1 {
			t.Errorf("a failed update changed Version to %d", stale.Version)
		}
		got, _ = s.GetDevice(ctx, d.ID)
		same(t, "device after a stale update", got, wantDevice(&u))
		if ids := findIDs(t, s, core.DeviceKeys{MACs: []string{"00:50:c2:00:00:04"}}); len(ids) != 0 {
			t.Errorf("a stale update wrote MACs: %v", ids)
		}

		other := &core.Device{AssetTag: "other-1", Lifecycle: core.LifecycleActive, MACs: []string{"00:50:c2:00:00:05"}}
		ok(t, s.CreateDevice(ctx, other), "create device")
		o := *other
		o.AssetTag = "BME-00018"
		wantErr(t, s.UpdateDevice(ctx, &o), core.KindConflict, "asset_tag", "update to a taken asset tag")
		o = *other
		o.Name, o.MACs = "grabber", []string{"00:50:c2:00:00:06", "00:50:c2:00:00:03"}
		wantErr(t, s.UpdateDevice(ctx, &o), core.KindConflict, "macs", "update to a taken MAC")
		got, _ = s.GetDevice(ctx, other.ID)
		same(t, "device after failed updates", got, wantDevice(other))
		if ids := findIDs(t, s, core.DeviceKeys{MACs: []string{"00:50:c2:00:00:05"}}); len(ids) != 1 {
			t.Errorf("a failed update lost the device's MAC: %v", ids)
		}
		if ids := findIDs(t, s, core.DeviceKeys{MACs: []string{"00:50:c2:00:00:06"}}); len(ids) != 0 {
			t.Errorf("a failed update wrote MACs: %v", ids)
		}
		missing := *other
		missing.ID = d.ID + 1000
		wantErr(t, s.UpdateDevice(ctx, &missing), core.KindNotFound, "", "update missing device")
	})
	t.Run("Delete", func(t *testing.T) {
		x := &core.Device{AssetTag: "doomed", Lifecycle: core.LifecycleActive, MACs: []string{"00:50:c2:00:00:0a"}}
		ok(t, s.CreateDevice(ctx, x), "create device")
		n, err := s.CountDevices(ctx)
		ok(t, err, "count devices")
		ok(t, s.DeleteDevice(ctx, x.ID), "delete device")
		_, err = s.GetDevice(ctx, x.ID)
		wantErr(t, err, core.KindNotFound, "", "get deleted device")
		wantErr(t, s.DeleteDevice(ctx, x.ID), core.KindNotFound, "", "delete device twice")
		if m, _ := s.CountDevices(ctx); m != n-1 {
			t.Errorf("count after delete = %d, want %d", m, n-1)
		}
		ok(t, s.CreateDevice(ctx, &core.Device{AssetTag: "doomed", Lifecycle: core.LifecycleActive, MACs: []string{"00:50:c2:00:00:0a"}}),
			"reuse a deleted device's asset tag and MAC")
	})
}

// testDeviceConcurrency races two updates of the same version: exactly one
// must win, and the stored device must be the winner's.
func testDeviceConcurrency(t *testing.T, s core.Store) {
	ctx := t.Context()
	d := &core.Device{AssetTag: "race", Lifecycle: core.LifecycleActive, MACs: []string{"02:00:00:00:00:01"}}
	ok(t, s.CreateDevice(ctx, d), "create device")
	for round := range 8 {
		base, err := s.GetDevice(ctx, d.ID)
		ok(t, err, "get device")
		var (
			wg    sync.WaitGroup
			errs  [2]error
			start = make(chan struct{})
		)
		for g := range 2 {
			u := *base
			u.Name = fmt.Sprintf("round %d writer %d", round, g)
			u.MACs = []string{fmt.Sprintf("02:00:00:00:%02x:%02x", round, g)}
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs[g] = s.UpdateDevice(ctx, &u)
			}()
		}
		close(start)
		wg.Wait()
		winner := -1
		for g, err := range errs {
			switch {
			case err == nil:
				if winner >= 0 {
					t.Fatalf("round %d: both updates of version %d succeeded", round, base.Version)
				}
				winner = g
			case core.IsKind(err, core.KindPreconditionFailed):
			default:
				t.Fatalf("round %d: update: %v", round, err)
			}
		}
		if winner < 0 {
			t.Fatalf("round %d: neither update succeeded: %v", round, errs)
		}
		got, err := s.GetDevice(ctx, d.ID)
		ok(t, err, "get device")
		if got.Version != base.Version+1 || got.Name != fmt.Sprintf("round %d writer %d", round, winner) {
			t.Fatalf("round %d: stored version %d name %q; want %d and writer %d's", round, got.Version, got.Name, base.Version+1, winner)
		}
		mac := fmt.Sprintf("02:00:00:00:%02x:%02x", round, 1-winner)
		if ids := findIDs(t, s, core.DeviceKeys{MACs: []string{mac}}); len(ids) != 0 {
			t.Fatalf("round %d: the losing update wrote its MAC", round)
		}
	}
}

func testCreateDevices(t *testing.T, s core.Store) {
	ctx := t.Context()
	r := makeRefs(t, s)
	ok(t, s.CreateDevices(ctx, nil), "create no devices")
	existing := &core.Device{AssetTag: "EXISTING", Lifecycle: core.LifecycleActive, MACs: []string{"02:00:00:00:99:99"}}
	ok(t, s.CreateDevice(ctx, existing), "create device")

	batch := func(n int, tag string) []*core.Device {
		var ds []*core.Device
		for i := range n {
			ds = append(ds, &core.Device{
				AssetTag: fmt.Sprintf("%s-%03d", tag, i), Name: fmt.Sprintf("%s %d", tag, i), Lifecycle: core.LifecycleActive,
				SiteID: r.sites[i%2].ID, ModelID: r.models[i%3].ID,
				MACs: []string{fmt.Sprintf("02:%02x:00:00:00:%02x", len(tag), i)},
				LastSeen: func() *time.Time {
					x := odd(i%28 + 1)
					return &x
				}(),
				Provenance: prov(i%20 + 1),
			})
		}
		return ds
	}
	// Two sizes, because a store may take another path for big batches
	// (PostgreSQL uses COPY).
	for _, size := range []int{10, 40} {
		for _, c := range []struct {
			name  string
			field string
			spoil func(ds []*core.Device)
		}{
			{"asset tag of an existing device", "asset_tag", func(ds []*core.Device) { ds[3].AssetTag = "EXISTING" }},
			{"MAC of an existing device", "macs", func(ds []*core.Device) { ds[5].MACs = append(ds[5].MACs, "02:00:00:00:99:99") }},
			{"asset tag twice in the batch", "asset_tag", func(ds []*core.Device) { ds[7].AssetTag = ds[2].AssetTag }},
			{"MAC twice in the batch", "macs", func(ds []*core.Device) { ds[8].MACs = ds[1].MACs }},
			{"missing zone", "zone_id", func(ds []*core.Device) { ds[6].ZoneID = r.zones[2].ID + 1000 }},
			{"missing model", "model_id", func(ds []*core.Device) { ds[9].ModelID = r.models[2].ID + 1000 }},
		} {
			t.Run(fmt.Sprintf("%s/%d", c.name, size), func(t *testing.T) {
				before, err := s.CountDevices(ctx)
				ok(t, err, "count devices")
				ds := batch(size, "bad")
				c.spoil(ds)
				kind := core.KindConflict
				if c.field == "zone_id" || c.field == "model_id" {
					kind = core.KindInvalid
				}
				wantErr(t, s.CreateDevices(ctx, ds), kind, c.field, "create batch")
				after, err := s.CountDevices(ctx)
				ok(t, err, "count devices")
				if after != before {
					t.Errorf("a failed batch changed the count from %d to %d", before, after)
				}
				for _, d := range ds {
					if d.ID != 0 {
						t.Errorf("a failed batch set ID %d", d.ID)
					}
				}
				if ids := findIDs(t, s, core.DeviceKeys{AssetTags: []string{"bad-000"}, MACs: ds[0].MACs}); len(ids) != 0 {
					t.Errorf("a failed batch left devices %v behind", ids)
				}
			})
		}
	}
	t.Run("Success", func(t *testing.T) {
		before, err := s.CountDevices(ctx)
		ok(t, err, "count devices")
		ds := batch(250, "good")
		ok(t, s.CreateDevices(ctx, ds), "create batch")
		after, err := s.CountDevices(ctx)
		ok(t, err, "count devices")
		if after != before+250 {
			t.Errorf("count after batch = %d, want %d", after, before+250)
		}
		for i, d := range ds {
			if d.ID <= 0 || d.Version != 1 || d.CreatedAt.IsZero() || !d.UpdatedAt.Equal(d.CreatedAt) {
				t.Fatalf("device %d: ID %d Version %d CreatedAt %v UpdatedAt %v", i, d.ID, d.Version, d.CreatedAt, d.UpdatedAt)
			}
			if i > 0 && d.ID <= ds[i-1].ID {
				t.Fatalf("batch ids not ascending in input order: %d after %d", d.ID, ds[i-1].ID)
			}
		}
		for _, i := range []int{0, 99, 249} {
			got, err := s.GetDevice(ctx, ds[i].ID)
			ok(t, err, "get device")
			same(t, fmt.Sprintf("batch device %d", i), got, wantDevice(ds[i]))
		}
	})
	t.Run("InsideTransaction", func(t *testing.T) {
		ds := batch(20, "tx")
		ok(t, s.InTx(ctx, func(inv core.Inventory) error { return inv.CreateDevices(ctx, ds) }), "batch in a transaction")
		got, err := s.GetDevice(ctx, ds[19].ID)
		ok(t, err, "get device")
		same(t, "device", got, wantDevice(ds[19]))
	})
}

func testFindDevices(t *testing.T, s core.Store) {
	ctx := t.Context()
	mk := func(tag, serial string, macs ...string) int64 {
		d := &core.Device{AssetTag: tag, Serial: serial, MACs: macs, Lifecycle: core.LifecycleActive}
		ok(t, s.CreateDevice(ctx, d), "create device")
		return int64(d.ID)
	}
	a := mk("T-1", "S-1", "02:00:00:00:00:01")
	b := mk("T-2", "S-shared", "02:00:00:00:00:02", "02:00:00:00:00:03")
	c := mk("", "S-shared")
	e := mk("", "", "02:00:00:00:00:04")
	mk("T-5", "")
	for _, tc := range []struct {
		name string
		keys core.DeviceKeys
		want []int64
	}{
		{"nothing", core.DeviceKeys{}, []int64{}},
		{"empty keys match nothing", core.DeviceKeys{AssetTags: []string{""}, Serials: []string{""}, MACs: []string{""}}, []int64{}},
		{"asset tag", core.DeviceKeys{AssetTags: []string{"T-2"}}, []int64{b}},
		{"asset tag is exact", core.DeviceKeys{AssetTags: []string{"t-2", "T-"}}, []int64{}},
		{"serial shared by two", core.DeviceKeys{Serials: []string{"S-shared"}}, []int64{b, c}},
		{"second MAC", core.DeviceKeys{MACs: []string{"02:00:00:00:00:03"}}, []int64{b}},
		{"unknown keys", core.DeviceKeys{AssetTags: []string{"nope"}, Serials: []string{"nope"}, MACs: []string{"02:00:00:00:ff:ff"}}, []int64{}},
		{"mixed, in id order, each once", core.DeviceKeys{
			AssetTags: []string{"T-2", "T-1"}, Serials: []string{"S-1", "S-shared"},
			MACs: []string{"02:00:00:00:00:04", "02:00:00:00:00:02", "02:00:00:00:00:01"}}, []int64{a, b, c, e}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := findIDs(t, s, tc.keys); !equalIDs(got, tc.want) {
				t.Errorf("found %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("ManyKeys", func(t *testing.T) {
		var keys core.DeviceKeys
		for i := range 3000 {
			keys.AssetTags = append(keys.AssetTags, fmt.Sprintf("absent-%d", i))
			keys.MACs = append(keys.MACs, fmt.Sprintf("06:00:00:00:%02x:%02x", i/256, i%256))
		}
		keys.AssetTags = append(keys.AssetTags, "T-1")
		if got := findIDs(t, s, keys); !equalIDs(got, []int64{a}) {
			t.Errorf("found %v, want [%d]", got, a)
		}
	})
}
