package httpapi

import (
	"net/http"

	"github.com/vigil-oss/vigil/internal/core"
)

// listReleases lists software releases, optionally of one model (?model=ID).
func (a *api) listReleases(w http.ResponseWriter, r *http.Request) error {
	p, err := parseParams(r, append([]string{"model"}, pageParams...)...)
	if err != nil {
		return err
	}
	model, err := p.id("model")
	if err != nil {
		return err
	}
	opt, err := p.listOptions()
	if err != nil {
		return err
	}
	return a.writeReleases(w, r, core.ModelID(model), opt)
}

func (a *api) writeReleases(w http.ResponseWriter, r *http.Request, model core.ModelID, opt core.ListOptions) error {
	rs, err := a.store.ListReleases(r.Context(), model, opt)
	if err != nil {
		return err
	}
	return writeIDPage(w, rs, opt, func(x *core.Release) int64 { return int64(x.ID) })
}

func (a *api) getRelease(w http.ResponseWriter, r *http.Request) error {
	return getOne(w, r, "release", a.store.GetRelease)
}

func (a *api) createRelease(w http.ResponseWriter, r *http.Request) error {
	return createOne(a, w, r, "release", "releases", a.inv.CreateRelease, func(x *core.Release) int64 { return int64(x.ID) })
}

func (a *api) patchRelease(w http.ResponseWriter, r *http.Request) error {
	return patchOne(a, w, r, "release", a.inv.PatchRelease)
}

func (a *api) deleteRelease(w http.ResponseWriter, r *http.Request) error {
	return deleteOne(w, r, "release", a.store.DeleteRelease)
}
