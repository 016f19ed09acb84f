package httpapi

import (
	"net/http"

	"github.com/vigil-oss/vigil/internal/core"
)

func (a *api) listSites(w http.ResponseWriter, r *http.Request) error {
	p, err := parseParams(r, pageParams...)
	if err != nil {
		return err
	}
	opt, err := p.listOptions()
	if err != nil {
		return err
	}
	sites, err := a.store.ListSites(r.Context(), opt)
	if err != nil {
		return err
	}
	return writeIDPage(w, sites, opt, func(s *core.Site) int64 { return int64(s.ID) })
}

func (a *api) getSite(w http.ResponseWriter, r *http.Request) error {
	return getOne(w, r, "site", a.store.GetSite)
}

func (a *api) createSite(w http.ResponseWriter, r *http.Request) error {
	return createOne(a, w, r, "site", "sites", a.inv.CreateSite, func(s *core.Site) int64 { return int64(s.ID) })
}

func (a *api) patchSite(w http.ResponseWriter, r *http.Request) error {
	return patchOne(a, w, r, "site", a.inv.PatchSite)
}

func (a *api) deleteSite(w http.ResponseWriter, r *http.Request) error {
	return deleteOne(w, r, "site", a.store.DeleteSite)
}
