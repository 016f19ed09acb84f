package httpapi

import (
	"net/http"

	"github.com/vigil-oss/vigil/internal/core"
)

// listZones lists zones, optionally of one site (?site=ID).
func (a *api) listZones(w http.ResponseWriter, r *http.Request) error {
	p, err := parseParams(r, append([]string{"site"}, pageParams...)...)
	if err != nil {
		return err
	}
	site, err := p.id("site")
	if err != nil {
		return err
	}
	opt, err := p.listOptions()
	if err != nil {
		return err
	}
	zones, err := a.store.ListZones(r.Context(), core.SiteID(site), opt)
	if err != nil {
		return err
	}
	return writeIDPage(w, zones, opt, func(z *core.Zone) int64 { return int64(z.ID) })
}

func (a *api) getZone(w http.ResponseWriter, r *http.Request) error {
	return getOne(w, r, "zone", a.store.GetZone)
}

func (a *api) createZone(w http.ResponseWriter, r *http.Request) error {
	return createOne(a, w, r, "zone", "zones", a.inv.CreateZone, func(z *core.Zone) int64 { return int64(z.ID) })
}

func (a *api) patchZone(w http.ResponseWriter, r *http.Request) error {
	return patchOne(a, w, r, "zone", a.inv.PatchZone)
}

func (a *api) deleteZone(w http.ResponseWriter, r *http.Request) error {
	return deleteOne(w, r, "zone", a.store.DeleteZone)
}
