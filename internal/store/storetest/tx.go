package storetest

import (
	"errors"
	"testing"

	"github.com/vigil-oss/vigil/internal/core"
)

func testInTx(t *testing.T, s core.Store) {
	ctx := t.Context()
	countDevices := func() int64 {
		n, err := s.CountDevices(ctx)
		ok(t, err, "count devices")
		return n
	}

	t.Run("Commit", func(t *testing.T) {
		var site *core.Site
		err := s.InTx(ctx, func(inv core.Inventory) error {
			site = &core.Site{Name: "Committed"}
			if err := inv.CreateSite(ctx, site); err != nil {
				return err
			}
			// The transaction sees its own writes.
			if _, err := inv.GetSite(ctx, site.ID); err != nil {
				return err
			}
			z := &core.Zone{SiteID: site.ID, Name: "Z"}
			if err := inv.CreateZone(ctx, z); err != nil {
				return err
			}
			return inv.CreateDevice(ctx, &core.Device{AssetTag: "tx-1", SiteID: site.ID, ZoneID: z.ID,
				Lifecycle: core.LifecycleActive, MACs: []string{"04:00:00:00:00:01"}})
		})
		ok(t, err, "InTx")
		if _, err := s.FindSiteByName(ctx, "committed"); err != nil {
			t.Errorf("committed site: %v", err)
		}
		if ids := findIDs(t, s, core.DeviceKeys{MACs: []string{"04:00:00:00:00:01"}}); len(ids) != 1 {
			t.Errorf("committed device: found %v", ids)
		}
	})

	t.Run("Rollback", func(t *testing.T) {
		before := countDevices()
		boom := errors.New("boom")
		err := s.InTx(ctx, func(inv core.Inventory) error {
			site := &core.Site{Name: "Rolled back"}
			if err := inv.CreateSite(ctx, site); err != nil {
				return err
			}
			d := &core.Device{AssetTag: "tx-2", SiteID: site.ID, Lifecycle: core.LifecycleActive, MACs: []string{"04:00:00:00:00:02"}}
			if err := inv.CreateDevice(ctx, d); err != nil {
				return err
			}
			d.Name = "changed"
			if err := inv.UpdateDevice(ctx, d); err != nil {
				return err
			}
			if err := inv.CreateDevices(ctx, []*core.Device{{AssetTag: "tx-3", Lifecycle: core.LifecycleActive}}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx returned %v, want fn's error", err)
		}
		_, err = s.FindSiteByName(ctx, "rolled back")
		wantErr(t, err, core.KindNotFound, "", "find rolled-back site")
		if n := countDevices(); n != before {
			t.Errorf("device count %d after rollback, want %d", n, before)
		}
		if ids := findIDs(t, s, core.DeviceKeys{AssetTags: []string{"tx-2", "tx-3"}, MACs: []string{"04:00:00:00:00:02"}}); len(ids) != 0 {
			t.Errorf("rolled-back devices found: %v", ids)
		}
	})

	t.Run("FailedWriteLeavesNoTrace", func(t *testing.T) {
		// A method that fails inside a transaction undoes its own partial
		// work (here: a device row whose MAC clashes) and the transaction
		// can go on and commit.
		before := countDevices()
		err := s.InTx(ctx, func(inv core.Inventory) error {
			err := inv.CreateDevice(ctx, &core.Device{AssetTag: "tx-4", Lifecycle: core.LifecycleActive,
				MACs: []string{"04:00:00:00:00:04", "04:00:00:00:00:01"}})
			if !core.IsKind(err, core.KindConflict) {
				t.Errorf("clashing MAC inside a transaction: %v, want a conflict", err)
			}
			err = inv.CreateDevices(ctx, []*core.Device{
				{AssetTag: "tx-5", Lifecycle: core.LifecycleActive},
				{AssetTag: "tx-1", Lifecycle: core.LifecycleActive},
			})
			if !core.IsKind(err, core.KindConflict) {
				t.Errorf("clashing batch inside a transaction: %v, want a conflict", err)
			}
			if _, err := inv.GetDevice(ctx, 1<<40); !core.IsKind(err, core.KindNotFound) {
				t.Errorf("get missing device inside a transaction: %v", err)
			}
			return inv.CreateDevice(ctx, &core.Device{AssetTag: "tx-6", Lifecycle: core.LifecycleActive,
				MACs: []string{"04:00:00:00:00:04"}})
		})
		ok(t, err, "InTx after failed writes")
		if n := countDevices(); n != before+1 {
			t.Errorf("device count %d, want %d", n, before+1)
		}
		if ids := findIDs(t, s, core.DeviceKeys{AssetTags: []string{"tx-4", "tx-5"}}); len(ids) != 0 {
			t.Errorf("failed writes left devices %v", ids)
		}
	})

	t.Run("Panic", func(t *testing.T) {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("InTx swallowed fn's panic")
				}
			}()
			_ = s.InTx(ctx, func(inv core.Inventory) error {
				if err := inv.CreateSite(ctx, &core.Site{Name: "Panicked"}); err != nil {
					return err
				}
				panic("boom")
			})
		}()
		_, err := s.FindSiteByName(ctx, "panicked")
		wantErr(t, err, core.KindNotFound, "", "find site of a panicked transaction")
		// The store still works.
		ok(t, s.CreateSite(ctx, &core.Site{Name: "After panic"}), "create site after panic")
	})
}
