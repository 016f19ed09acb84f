package httpapi

import (
	"net/http"
	"strings"

	"github.com/vigil-oss/vigil/internal/core"
)

// deviceParams are the query parameters of GET /api/v1/devices.
var deviceParams = []string{"site", "zone", "model", "manufacturer", "type", "function",
	"lifecycle", "q", "sort", "limit", "cursor"}

func (a *api) listDevices(w http.ResponseWriter, r *http.Request) error {
	p, err := parseParams(r, deviceParams...)
	if err != nil {
		return err
	}
	f := core.DeviceFilter{
		DeviceType: p.Get("type"),
		Function:   core.Function(p.Get("function")),
		Lifecycle:  core.Lifecycle(p.Get("lifecycle")),
		Query:      p.Get("q"),
		Sort:       p.Get("sort"),
	}
	var ids [4]int64
	for i, name := range []string{"site", "zone", "model", "manufacturer"} {
		if ids[i], err = p.id(name); err != nil {
			return err
		}
	}
	f.SiteID, f.ZoneID, f.ModelID, f.ManufacturerID = core.SiteID(ids[0]), core.ZoneID(ids[1]),
		core.ModelID(ids[2]), core.ManufacturerID(ids[3])
	if f.Limit, err = p.limit(); err != nil {
		return err
	}
	if f.Sort == "" {
		f.Sort = "id"
	}
	// The service checks sort too, but the cursor is decoded against it
	// first, and a bad sort should be reported as one, not as a bad cursor.
	if !core.ValidSort(f.Sort) {
		return core.Invalid("sort", "must be one of %s, optionally prefixed with - for descending order",
			strings.Join(core.DeviceSorts, ", "))
	}
	if c := p.Get("cursor"); c != "" {
		if f.After, err = core.DecodeDeviceCursor(c, f.Sort); err != nil {
			return err
		}
	}
	pg, err := a.inv.ListDevices(r.Context(), f)
	if err != nil {
		return err
	}
	return writeDevicePage(w, pg)
}

func (a *api) getDevice(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID[core.DeviceID](r, "device")
	if err != nil {
		return err
	}
	d, err := a.store.GetDevice(r.Context(), id)
	if err != nil {
		return err
	}
	if noneMatch(r, d.Version) {
		w.Header().Set("ETag", etag(d.Version))
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	return writeDevice(w, http.StatusOK, d)
}

func (a *api) createDevice(w http.ResponseWriter, r *http.Request) error {
	var d core.Device
	if err := a.decodeNew(w, r, "device", &d); err != nil {
		return err
	}
	if err := a.inv.CreateDevice(r.Context(), core.SourceAPI, &d); err != nil {
		return err
	}
	w.Header().Set("Location", location("devices", int64(d.ID)))
	return writeDevice(w, http.StatusCreated, &d)
}

// patchRetries bounds how often a patch without If-Match is tried when it
// keeps losing races with other writers. Each loss means another write got
// through, so this only matters for a device under a storm of writes.
const patchRetries = 10

func (a *api) patchDevice(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID[core.DeviceID](r, "device")
	if err != nil {
		return err
	}
	p, err := a.readPatch(w, r)
	if err != nil {
		return err
	}
	version, err := a.ifMatch(r, id)
	if err != nil {
		return err
	}
	var d *core.Device
	for attempt := 1; ; attempt++ {
		d, err = a.inv.PatchDevice(r.Context(), core.SourceAPI, id, version, p)
		// A client that sent no If-Match asked for its patch to apply to
		// whatever is current. Losing the race between the service's read
		// and its conditional write is then no reason to fail it: merge
		// the patch into the newer version instead. Nothing is lost, since
		// the store's write is conditional on the version just read.
		if version == 0 && core.IsKind(err, core.KindPreconditionFailed) && attempt < patchRetries {
			continue
		}
		break
	}
	if err != nil {
		return err
	}
	return writeDevice(w, http.StatusOK, d)
}

func (a *api) deleteDevice(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID[core.DeviceID](r, "device")
	if err != nil {
		return err
	}
	version, err := a.ifMatch(r, id)
	if err != nil {
		return err
	}
	if version == 0 {
		if err := a.store.DeleteDevice(r.Context(), id); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	err = a.store.InTx(r.Context(), func(inv core.Inventory) error {
		d, err := inv.GetDevice(r.Context(), id)
		if err != nil {
			return err
		}
		if d.Version != version {
			return core.Errorf(core.KindPreconditionFailed,
				"device %d has changed since version %d (now version %d); fetch it again before deleting it", id, version, d.Version)
		}
		// The store deletes by id alone. Rewriting the device unchanged
		// first is a compare-and-swap on its version inside this
		// transaction: it fails if another writer got in after the read
		// above and, on PostgreSQL, holds the row lock until the delete
		// commits, so a change acknowledged to someone else is never
		// deleted unseen.
		if err := inv.UpdateDevice(r.Context(), d); err != nil {
			return err
		}
		return inv.DeleteDevice(r.Context(), id)
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
