package storetest

import (
	"fmt"
	"testing"

	"github.com/vigil-oss/vigil/internal/core"
)

func testSites(t *testing.T, s core.Store) {
	ctx := t.Context()
	a := &core.Site{Name: "Acme General", Code: "AG", Address: "1 Main St\nSpringfield", Provenance: prov(1)}
	ok(t, s.CreateSite(ctx, a), "create site")
	if a.ID <= 0 {
		t.Fatalf("CreateSite set ID %d", a.ID)
	}
	checkStamp(t, "CreatedAt", a.CreatedAt)
	if !a.UpdatedAt.Equal(a.CreatedAt) {
		t.Errorf("UpdatedAt %v != CreatedAt %v on create", a.UpdatedAt, a.CreatedAt)
	}
	want := *a
	want.Provenance = normProv(a.Provenance)

	t.Run("Get", func(t *testing.T) {
		got, err := s.GetSite(ctx, a.ID)
		ok(t, err, "get site")
		same(t, "site", got, want)
		checkStamp(t, "CreatedAt", got.CreatedAt)
		_, err = s.GetSite(ctx, a.ID+1000)
		wantErr(t, err, core.KindNotFound, "", "get missing site")
	})
	t.Run("FindByName", func(t *testing.T) {
		got, err := s.FindSiteByName(ctx, "ACME general")
		ok(t, err, "find site")
		same(t, "site", got, want)
		_, err = s.FindSiteByName(ctx, "Acme")
		wantErr(t, err, core.KindNotFound, "", "find missing site")
	})
	t.Run("NameConflict", func(t *testing.T) {
		err := s.CreateSite(ctx, &core.Site{Name: "acme GENERAL"})
		wantErr(t, err, core.KindConflict, "name", "create site with a taken name")
	})
	var ids []int64
	ids = append(ids, int64(a.ID))
	for i := range 6 {
		x := &core.Site{Name: fmt.Sprintf("Site %d", i)}
		ok(t, s.CreateSite(ctx, x), "create site")
		ids = append(ids, int64(x.ID))
	}
	t.Run("List", func(t *testing.T) {
		list := func(opt core.ListOptions) ([]*core.Site, error) { return s.ListSites(ctx, opt) }
		id := func(x *core.Site) int64 { return int64(x.ID) }
		for _, size := range []int{1, 2, 7, 100} {
			if got := pagedIDs(t, "sites", size, list, id); !equalIDs(got, ids) {
				t.Errorf("pages of %d: ids %v, want %v", size, got, ids)
			}
		}
		all, err := s.ListSites(ctx, core.ListOptions{})
		ok(t, err, "list sites")
		if len(all) != len(ids) {
			t.Errorf("default limit listed %d sites, want %d", len(all), len(ids))
		}
		same(t, "first listed site", all[0], want)
		_, err = s.ListSites(ctx, core.ListOptions{Limit: -1})
		wantErr(t, err, core.KindInvalid, "limit", "negative limit")
	})
	t.Run("Update", func(t *testing.T) {
		u := *a
		u.Name, u.Code, u.Address, u.Provenance = "Acme Central", "", "", core.Provenance{}
		ok(t, s.UpdateSite(ctx, &u), "update site")
		if !u.CreatedAt.Equal(a.CreatedAt) || u.UpdatedAt.Before(a.UpdatedAt) {
			t.Errorf("update stamps: created %v updated %v, before %v %v", u.CreatedAt, u.UpdatedAt, a.CreatedAt, a.UpdatedAt)
		}
		checkStamp(t, "UpdatedAt", u.UpdatedAt)
		got, err := s.GetSite(ctx, a.ID)
		ok(t, err, "get site")
		same(t, "updated site", got, u)
		// The old name is free again; a taken one is not.
		ok(t, s.CreateSite(ctx, &core.Site{Name: "Acme General"}), "reuse old name")
		u.Name = "site 3"
		wantErr(t, s.UpdateSite(ctx, &u), core.KindConflict, "name", "rename site to a taken name")
		got, _ = s.GetSite(ctx, a.ID)
		if got.Name != "Acme Central" {
			t.Errorf("failed update changed the name to %q", got.Name)
		}
		wantErr(t, s.UpdateSite(ctx, &core.Site{ID: a.ID + 1000, Name: "x"}), core.KindNotFound, "", "update missing site")
	})
	t.Run("Delete", func(t *testing.T) {
		x := &core.Site{Name: "Doomed"}
		ok(t, s.CreateSite(ctx, x), "create site")
		ok(t, s.DeleteSite(ctx, x.ID), "delete site")
		_, err := s.GetSite(ctx, x.ID)
		wantErr(t, err, core.KindNotFound, "", "get deleted site")
		wantErr(t, s.DeleteSite(ctx, x.ID), core.KindNotFound, "", "delete site twice")
	})
}

func testZones(t *testing.T, s core.Store) {
	ctx := t.Context()
	s1 := &core.Site{Name: "North"}
	s2 := &core.Site{Name: "South"}
	ok(t, s.CreateSite(ctx, s1), "create site")
	ok(t, s.CreateSite(ctx, s2), "create site")
	a := &core.Zone{SiteID: s1.ID, Name: "ICU Devices", CIDRs: []string{"10.1.0.0/16", "2001:db8::/32"},
		VLANs: []int{10, 4094}, DoNotProbe: true, Provenance: prov(3)}
	ok(t, s.CreateZone(ctx, a), "create zone")
	if a.ID <= 0 {
		t.Fatalf("CreateZone set ID %d", a.ID)
	}
	checkStamp(t, "CreatedAt", a.CreatedAt)
	want := *a
	want.Provenance = normProv(a.Provenance)

	t.Run("Get", func(t *testing.T) {
		got, err := s.GetZone(ctx, a.ID)
		ok(t, err, "get zone")
		same(t, "zone", got, want)
		_, err = s.GetZone(ctx, a.ID+1000)
		wantErr(t, err, core.KindNotFound, "", "get missing zone")
	})
	t.Run("EmptyLists", func(t *testing.T) {
		z := &core.Zone{SiteID: s2.ID, Name: "Bare"}
		ok(t, s.CreateZone(ctx, z), "create zone")
		got, err := s.GetZone(ctx, z.ID)
		ok(t, err, "get zone")
		w := *z
		w.CIDRs, w.VLANs = []string{}, []int{}
		same(t, "zone", got, w)
		if got.Provenance == nil {
			t.Errorf("Provenance is nil; want an empty map callers can Set on")
		}
	})
	t.Run("FindByName", func(t *testing.T) {
		got, err := s.FindZoneByName(ctx, s1.ID, "icu devices")
		ok(t, err, "find zone")
		same(t, "zone", got, want)
		_, err = s.FindZoneByName(ctx, s2.ID, "ICU Devices")
		wantErr(t, err, core.KindNotFound, "", "find zone in the wrong site")
	})
	t.Run("NameConflict", func(t *testing.T) {
		err := s.CreateZone(ctx, &core.Zone{SiteID: s1.ID, Name: "icu DEVICES"})
		wantErr(t, err, core.KindConflict, "name", "create zone with a taken name")
		ok(t, s.CreateZone(ctx, &core.Zone{SiteID: s2.ID, Name: "ICU Devices"}), "same name in another site")
	})
	t.Run("MissingSite", func(t *testing.T) {
		err := s.CreateZone(ctx, &core.Zone{SiteID: s2.ID + 1000, Name: "Orphan"})
		wantErr(t, err, core.KindInvalid, "site_id", "create zone in a missing site")
	})
	t.Run("List", func(t *testing.T) {
		all, err := s.ListZones(ctx, 0, core.ListOptions{})
		ok(t, err, "list zones")
		var want1, wantAll []int64
		for _, z := range all {
			wantAll = append(wantAll, int64(z.ID))
			if z.SiteID == s1.ID {
				want1 = append(want1, int64(z.ID))
			}
		}
		if len(all) != 3 || len(want1) != 1 {
			t.Fatalf("listed %d zones, %d in site 1; want 3, 1", len(all), len(want1))
		}
		id := func(z *core.Zone) int64 { return int64(z.ID) }
		got := pagedIDs(t, "zones", 1, func(opt core.ListOptions) ([]*core.Zone, error) { return s.ListZones(ctx, 0, opt) }, id)
		if !equalIDs(got, wantAll) {
			t.Errorf("all zones %v, want %v", got, wantAll)
		}
		got = pagedIDs(t, "zones", 1, func(opt core.ListOptions) ([]*core.Zone, error) { return s.ListZones(ctx, s1.ID, opt) }, id)
		if !equalIDs(got, want1) {
			t.Errorf("site 1 zones %v, want %v", got, want1)
		}
	})
	t.Run("Update", func(t *testing.T) {
		u := *a
		u.Name, u.CIDRs, u.VLANs, u.DoNotProbe, u.SiteID = "ICU", []string{"10.2.0.0/24"}, nil, false, s2.ID
		ok(t, s.UpdateZone(ctx, &u), "update zone")
		got, err := s.GetZone(ctx, a.ID)
		ok(t, err, "get zone")
		w := u
		w.VLANs, w.Provenance = []int{}, normProv(u.Provenance)
		same(t, "updated zone", got, w)
		u.Name = "bare"
		wantErr(t, s.UpdateZone(ctx, &u), core.KindConflict, "name", "rename zone to a taken name")
		u.Name, u.SiteID = "ICU", s2.ID+1000
		wantErr(t, s.UpdateZone(ctx, &u), core.KindInvalid, "site_id", "move zone to a missing site")
		wantErr(t, s.UpdateZone(ctx, &core.Zone{ID: a.ID + 1000, SiteID: s1.ID, Name: "x"}), core.KindNotFound, "", "update missing zone")
	})
	t.Run("Delete", func(t *testing.T) {
		ok(t, s.DeleteZone(ctx, a.ID), "delete zone")
		_, err := s.GetZone(ctx, a.ID)
		wantErr(t, err, core.KindNotFound, "", "get deleted zone")
		wantErr(t, s.DeleteZone(ctx, a.ID), core.KindNotFound, "", "delete zone twice")
	})
}

func testManufacturers(t *testing.T, s core.Store) {
	ctx := t.Context()
	a := &core.Manufacturer{Name: "Medixa GmbH", Provenance: prov(5)}
	ok(t, s.CreateManufacturer(ctx, a), "create manufacturer")
	if a.ID <= 0 {
		t.Fatalf("CreateManufacturer set ID %d", a.ID)
	}
	checkStamp(t, "CreatedAt", a.CreatedAt)
	want := *a
	want.Provenance = normProv(a.Provenance)

	got, err := s.GetManufacturer(ctx, a.ID)
	ok(t, err, "get manufacturer")
	same(t, "manufacturer", got, want)
	_, err = s.GetManufacturer(ctx, a.ID+1000)
	wantErr(t, err, core.KindNotFound, "", "get missing manufacturer")

	// Case-insensitive beyond ASCII: SQLite's own lower() would miss this.
	u := &core.Manufacturer{Name: "Ärztebedarf Öst"}
	ok(t, s.CreateManufacturer(ctx, u), "create manufacturer")
	got, err = s.FindManufacturerByName(ctx, "ärztebedarf öST")
	ok(t, err, "find manufacturer by folded name")
	if got.ID != u.ID {
		t.Errorf("found manufacturer %d, want %d", got.ID, u.ID)
	}
	_, err = s.FindManufacturerByName(ctx, "Medixa")
	wantErr(t, err, core.KindNotFound, "", "find missing manufacturer")
	wantErr(t, s.CreateManufacturer(ctx, &core.Manufacturer{Name: "MEDIXA gmbh"}), core.KindConflict, "name", "duplicate name")
	wantErr(t, s.CreateManufacturer(ctx, &core.Manufacturer{Name: "ÄRZTEBEDARF ÖST"}), core.KindConflict, "name", "duplicate non-ASCII name")

	ids := []int64{int64(a.ID), int64(u.ID)}
	for i := range 3 {
		m := &core.Manufacturer{Name: fmt.Sprintf("Maker %d", i)}
		ok(t, s.CreateManufacturer(ctx, m), "create manufacturer")
		ids = append(ids, int64(m.ID))
	}
	gotIDs := pagedIDs(t, "manufacturers", 2, func(opt core.ListOptions) ([]*core.Manufacturer, error) {
		return s.ListManufacturers(ctx, opt)
	}, func(m *core.Manufacturer) int64 { return int64(m.ID) })
	if !equalIDs(gotIDs, ids) {
		t.Errorf("listed %v, want %v", gotIDs, ids)
	}

	a.Name, a.Provenance = "Medixa AG", nil
	ok(t, s.UpdateManufacturer(ctx, a), "update manufacturer")
	got, err = s.GetManufacturer(ctx, a.ID)
	ok(t, err, "get manufacturer")
	same(t, "updated manufacturer", got, a)
	a.Name = "maker 1"
	wantErr(t, s.UpdateManufacturer(ctx, a), core.KindConflict, "name", "rename to a taken name")
	wantErr(t, s.UpdateManufacturer(ctx, &core.Manufacturer{ID: a.ID + 1000, Name: "x"}), core.KindNotFound, "", "update missing manufacturer")
	ok(t, s.DeleteManufacturer(ctx, u.ID), "delete manufacturer")
	wantErr(t, s.DeleteManufacturer(ctx, u.ID), core.KindNotFound, "", "delete manufacturer twice")
}

func testModels(t *testing.T, s core.Store) {
	ctx := t.Context()
	m1 := &core.Manufacturer{Name: "Medixa"}
	m2 := &core.Manufacturer{Name: "Pumpco"}
	ok(t, s.CreateManufacturer(ctx, m1), "create manufacturer")
	ok(t, s.CreateManufacturer(ctx, m2), "create manufacturer")
	a := &core.Model{ManufacturerID: m1.ID, Name: "Infusa 300", Number: "IF-300", DeviceType: "infusion-pump",
		FDAClass: "II", Function: core.FunctionTherapy, HandlesPHI: true, Provenance: prov(7)}
	ok(t, s.CreateModel(ctx, a), "create model")
	if a.ID <= 0 {
		t.Fatalf("CreateModel set ID %d", a.ID)
	}
	checkStamp(t, "CreatedAt", a.CreatedAt)
	want := *a
	want.Provenance = normProv(a.Provenance)
	got, err := s.GetModel(ctx, a.ID)
	ok(t, err, "get model")
	same(t, "model", got, want)
	_, err = s.GetModel(ctx, a.ID+1000)
	wantErr(t, err, core.KindNotFound, "", "get missing model")

	got, err = s.FindModelByName(ctx, m1.ID, "INFUSA 300")
	ok(t, err, "find model")
	same(t, "model", got, want)
	_, err = s.FindModelByName(ctx, m2.ID, "Infusa 300")
	wantErr(t, err, core.KindNotFound, "", "find model under another manufacturer")

	wantErr(t, s.CreateModel(ctx, &core.Model{ManufacturerID: m1.ID, Name: "infusa 300", Function: core.FunctionTherapy}),
		core.KindConflict, "name", "duplicate model name")
	b := &core.Model{ManufacturerID: m2.ID, Name: "Infusa 300", Function: core.FunctionNonClinical}
	ok(t, s.CreateModel(ctx, b), "same model name under another manufacturer")
	wantErr(t, s.CreateModel(ctx, &core.Model{ManufacturerID: m2.ID + 1000, Name: "Orphan", Function: core.FunctionTherapy}),
		core.KindInvalid, "manufacturer_id", "model of a missing manufacturer")

	c := &core.Model{ManufacturerID: m1.ID, Name: "Vitals 5", DeviceType: "patient-monitor", Function: core.FunctionMonitoring}
	ok(t, s.CreateModel(ctx, c), "create model")
	id := func(m *core.Model) int64 { return int64(m.ID) }
	if got := pagedIDs(t, "models", 1, func(opt core.ListOptions) ([]*core.Model, error) { return s.ListModels(ctx, 0, opt) }, id); !equalIDs(got, []int64{int64(a.ID), int64(b.ID), int64(c.ID)}) {
		t.Errorf("all models %v", got)
	}
	if got := pagedIDs(t, "models", 1, func(opt core.ListOptions) ([]*core.Model, error) { return s.ListModels(ctx, m1.ID, opt) }, id); !equalIDs(got, []int64{int64(a.ID), int64(c.ID)}) {
		t.Errorf("manufacturer 1 models %v", got)
	}

	a.Name, a.Number, a.DeviceType, a.FDAClass, a.Function, a.HandlesPHI = "Infusa 400", "", "", "", core.FunctionLifeSustaining, false
	ok(t, s.UpdateModel(ctx, a), "update model")
	got, err = s.GetModel(ctx, a.ID)
	ok(t, err, "get model")
	w := *a
	w.Provenance = normProv(a.Provenance)
	same(t, "updated model", got, w)
	a.Name = "VITALS 5"
	wantErr(t, s.UpdateModel(ctx, a), core.KindConflict, "name", "rename model to a taken name")
	a.Name, a.ManufacturerID = "Infusa 400", m2.ID+1000
	wantErr(t, s.UpdateModel(ctx, a), core.KindInvalid, "manufacturer_id", "move model to a missing manufacturer")
	wantErr(t, s.UpdateModel(ctx, &core.Model{ID: c.ID + 1000, ManufacturerID: m1.ID, Name: "x", Function: core.FunctionTherapy}),
		core.KindNotFound, "", "update missing model")
	ok(t, s.DeleteModel(ctx, c.ID), "delete model")
	wantErr(t, s.DeleteModel(ctx, c.ID), core.KindNotFound, "", "delete model twice")
}

func testReleases(t *testing.T, s core.Store) {
	ctx := t.Context()
	m := &core.Manufacturer{Name: "Medixa"}
	ok(t, s.CreateManufacturer(ctx, m), "create manufacturer")
	mo1 := &core.Model{ManufacturerID: m.ID, Name: "Infusa", Function: core.FunctionTherapy}
	mo2 := &core.Model{ManufacturerID: m.ID, Name: "Vitals", Function: core.FunctionMonitoring}
	ok(t, s.CreateModel(ctx, mo1), "create model")
	ok(t, s.CreateModel(ctx, mo2), "create model")
	d1, _ := core.ParseDate("2021-06-30")
	d2, _ := core.ParseDate("2030-01-01")
	a := &core.Release{ModelID: mo1.ID, Version: "4.2.1", ReleaseDate: &d1, SupportLevel: core.SupportLimited,
		EndOfSupport: &d2, Provenance: prov(9)}
	ok(t, s.CreateRelease(ctx, a), "create release")
	if a.ID <= 0 {
		t.Fatalf("CreateRelease set ID %d", a.ID)
	}
	checkStamp(t, "CreatedAt", a.CreatedAt)
	want := *a
	want.Provenance = normProv(a.Provenance)
	got, err := s.GetRelease(ctx, a.ID)
	ok(t, err, "get release")
	same(t, "release", got, want)
	if got.ReleaseDate == nil || got.ReleaseDate.String() != "2021-06-30" {
		t.Errorf("release date %v", got.ReleaseDate)
	}
	_, err = s.GetRelease(ctx, a.ID+1000)
	wantErr(t, err, core.KindNotFound, "", "get missing release")

	got, err = s.FindRelease(ctx, mo1.ID, "4.2.1")
	ok(t, err, "find release")
	same(t, "release", got, want)
	for _, v := range []string{"4.2", "4.2.1 ", "v4.2.1"} {
		_, err = s.FindRelease(ctx, mo1.ID, v)
		wantErr(t, err, core.KindNotFound, "", fmt.Sprintf("find release %q (versions match exactly)", v))
	}
	_, err = s.FindRelease(ctx, mo2.ID, "4.2.1")
	wantErr(t, err, core.KindNotFound, "", "find release of another model")

	wantErr(t, s.CreateRelease(ctx, &core.Release{ModelID: mo1.ID, Version: "4.2.1"}), core.KindConflict, "version", "duplicate version")
	b := &core.Release{ModelID: mo2.ID, Version: "4.2.1"}
	ok(t, s.CreateRelease(ctx, b), "same version of another model")
	got, err = s.GetRelease(ctx, b.ID)
	ok(t, err, "get release")
	if got.ReleaseDate != nil || got.EndOfSupport != nil || got.SupportLevel != "" {
		t.Errorf("unset dates came back as %v, %v, %q", got.ReleaseDate, got.EndOfSupport, got.SupportLevel)
	}
	wantErr(t, s.CreateRelease(ctx, &core.Release{ModelID: mo2.ID + 1000, Version: "1"}), core.KindInvalid, "model_id", "release of a missing model")

	c := &core.Release{ModelID: mo1.ID, Version: "5.0"}
	ok(t, s.CreateRelease(ctx, c), "create release")
	id := func(r *core.Release) int64 { return int64(r.ID) }
	if got := pagedIDs(t, "releases", 2, func(opt core.ListOptions) ([]*core.Release, error) { return s.ListReleases(ctx, 0, opt) }, id); !equalIDs(got, []int64{int64(a.ID), int64(b.ID), int64(c.ID)}) {
		t.Errorf("all releases %v", got)
	}
	if got := pagedIDs(t, "releases", 1, func(opt core.ListOptions) ([]*core.Release, error) { return s.ListReleases(ctx, mo1.ID, opt) }, id); !equalIDs(got, []int64{int64(a.ID), int64(c.ID)}) {
		t.Errorf("model 1 releases %v", got)
	}

	a.Version, a.ReleaseDate, a.EndOfSupport, a.SupportLevel = "4.2.2", nil, &d1, core.SupportUnsupported
	ok(t, s.UpdateRelease(ctx, a), "update release")
	got, err = s.GetRelease(ctx, a.ID)
	ok(t, err, "get release")
	w := *a
	w.Provenance = normProv(a.Provenance)
	same(t, "updated release", got, w)
	a.Version = "5.0"
	wantErr(t, s.UpdateRelease(ctx, a), core.KindConflict, "version", "change to a taken version")
	a.Version, a.ModelID = "4.2.2", mo2.ID+1000
	wantErr(t, s.UpdateRelease(ctx, a), core.KindInvalid, "model_id", "move release to a missing model")
	wantErr(t, s.UpdateRelease(ctx, &core.Release{ID: c.ID + 1000, ModelID: mo1.ID, Version: "x"}), core.KindNotFound, "", "update missing release")
	ok(t, s.DeleteRelease(ctx, c.ID), "delete release")
	wantErr(t, s.DeleteRelease(ctx, c.ID), core.KindNotFound, "", "delete release twice")
}

func testTokens(t *testing.T, s core.Store) {
	ctx := t.Context()
	hash := func(b byte) []byte {
		h := make([]byte, 32)
		for i := range h {
			h[i] = b + byte(i)
		}
		return h
	}
	list, err := s.ListTokens(ctx)
	ok(t, err, "list tokens")
	if list == nil || len(list) != 0 {
		t.Errorf("ListTokens on an empty store = %v, want an empty slice", list)
	}
	a := &core.Token{Name: "ci-bot", Role: core.RoleAnalyst, Hash: hash(1)}
	ok(t, s.CreateToken(ctx, a), "create token")
	if a.ID <= 0 {
		t.Fatalf("CreateToken set ID %d", a.ID)
	}
	checkStamp(t, "CreatedAt", a.CreatedAt)
	got, err := s.TokenByHash(ctx, hash(1))
	ok(t, err, "token by hash")
	same(t, "token", got, a)
	if string(got.Hash) != string(a.Hash) {
		t.Errorf("hash came back as %x", got.Hash)
	}
	_, err = s.TokenByHash(ctx, hash(2))
	wantErr(t, err, core.KindNotFound, "", "token by unknown hash")

	wantErr(t, s.CreateToken(ctx, &core.Token{Name: "CI-Bot", Role: core.RoleAdmin, Hash: hash(3)}), core.KindConflict, "name", "duplicate token name")
	wantErr(t, s.CreateToken(ctx, &core.Token{Name: "other", Role: core.RoleAdmin, Hash: hash(1)}), core.KindConflict, "hash", "duplicate token hash")

	b := &core.Token{Name: "auditor", Role: core.RoleAuditor, Hash: hash(4)}
	ok(t, s.CreateToken(ctx, b), "create token")
	ok(t, s.RevokeToken(ctx, b.ID), "revoke token")
	got, err = s.TokenByHash(ctx, hash(4))
	ok(t, err, "revoked token by hash")
	if got.RevokedAt == nil {
		t.Fatalf("revoked token has no RevokedAt")
	}
	checkStamp(t, "RevokedAt", *got.RevokedAt)
	first := *got.RevokedAt
	ok(t, s.RevokeToken(ctx, b.ID), "revoke token again")
	got, _ = s.TokenByHash(ctx, hash(4))
	if got.RevokedAt == nil || !got.RevokedAt.Equal(first) {
		t.Errorf("second revoke changed RevokedAt from %v to %v", first, got.RevokedAt)
	}
	wantErr(t, s.RevokeToken(ctx, b.ID+1000), core.KindNotFound, "", "revoke missing token")

	list, err = s.ListTokens(ctx)
	ok(t, err, "list tokens")
	if len(list) != 2 || list[0].ID != a.ID || list[1].ID != b.ID || list[0].RevokedAt != nil || list[1].RevokedAt == nil {
		t.Errorf("ListTokens = %+v, %+v", list[0], list[len(list)-1])
	}
}

// testReferences checks that rows others refer to cannot be deleted, and
// can once the referrers are gone.
func testReferences(t *testing.T, s core.Store) {
	ctx := t.Context()
	site := &core.Site{Name: "North"}
	ok(t, s.CreateSite(ctx, site), "create site")
	zone := &core.Zone{SiteID: site.ID, Name: "ICU"}
	ok(t, s.CreateZone(ctx, zone), "create zone")
	mfr := &core.Manufacturer{Name: "Medixa"}
	ok(t, s.CreateManufacturer(ctx, mfr), "create manufacturer")
	model := &core.Model{ManufacturerID: mfr.ID, Name: "Infusa", Function: core.FunctionTherapy}
	ok(t, s.CreateModel(ctx, model), "create model")
	rel := &core.Release{ModelID: model.ID, Version: "1.0"}
	ok(t, s.CreateRelease(ctx, rel), "create release")
	dev := &core.Device{AssetTag: "A-1", ModelID: model.ID, ReleaseID: rel.ID, SiteID: site.ID, ZoneID: zone.ID,
		Lifecycle: core.LifecycleActive, MACs: []string{"02:00:00:00:00:01"}}
	ok(t, s.CreateDevice(ctx, dev), "create device")

	steps := []struct {
		name string
		del  func() error
	}{
		{"site with zone and device", func() error { return s.DeleteSite(ctx, site.ID) }},
		{"zone with device", func() error { return s.DeleteZone(ctx, zone.ID) }},
		{"manufacturer with model", func() error { return s.DeleteManufacturer(ctx, mfr.ID) }},
		{"model with release and device", func() error { return s.DeleteModel(ctx, model.ID) }},
		{"release with device", func() error { return s.DeleteRelease(ctx, rel.ID) }},
	}
	for _, st := range steps {
		wantErr(t, st.del(), core.KindConflict, "", "delete "+st.name)
	}
	if _, err := s.GetSite(ctx, site.ID); err != nil {
		t.Errorf("site gone after refused delete: %v", err)
	}
	ok(t, s.DeleteDevice(ctx, dev.ID), "delete device")
	wantErr(t, s.DeleteModel(ctx, model.ID), core.KindConflict, "", "delete model with release")
	ok(t, s.DeleteRelease(ctx, rel.ID), "delete release")
	ok(t, s.DeleteModel(ctx, model.ID), "delete model")
	ok(t, s.DeleteManufacturer(ctx, mfr.ID), "delete manufacturer")
	wantErr(t, s.DeleteSite(ctx, site.ID), core.KindConflict, "", "delete site with zone")
	ok(t, s.DeleteZone(ctx, zone.ID), "delete zone")
	ok(t, s.DeleteSite(ctx, site.ID), "delete site")
}
