package httpapi

import (
	"net/http"

	"github.com/vigil-oss/vigil/internal/core"
)

// listModels lists device models, optionally of one manufacturer
// (?manufacturer=ID).
func (a *api) listModels(w http.ResponseWriter, r *http.Request) error {
	p, err := parseParams(r, append([]string{"manufacturer"}, pageParams...)...)
	if err != nil {
		return err
	}
	mfr, err := p.id("manufacturer")
	if err != nil {
		return err
	}
	opt, err := p.listOptions()
	if err != nil {
		return err
	}
	ms, err := a.store.ListModels(r.Context(), core.ManufacturerID(mfr), opt)
	if err != nil {
		return err
	}
	return writeIDPage(w, ms, opt, func(m *core.Model) int64 { return int64(m.ID) })
}

func (a *api) getModel(w http.ResponseWriter, r *http.Request) error {
	return getOne(w, r, "model", a.store.GetModel)
}

func (a *api) createModel(w http.ResponseWriter, r *http.Request) error {
	return createOne(a, w, r, "model", "models", a.inv.CreateModel, func(m *core.Model) int64 { return int64(m.ID) })
}

func (a *api) patchModel(w http.ResponseWriter, r *http.Request) error {
	return patchOne(a, w, r, "model", a.inv.PatchModel)
}

func (a *api) deleteModel(w http.ResponseWriter, r *http.Request) error {
	return deleteOne(w, r, "model", a.store.DeleteModel)
}

// listModelReleases lists the releases of one model. Unlike ?model= on
// /releases, an unknown model here is 404: the path names it.
func (a *api) listModelReleases(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID[core.ModelID](r, "model")
	if err != nil {
		return err
	}
	p, err := parseParams(r, pageParams...)
	if err != nil {
		return err
	}
	opt, err := p.listOptions()
	if err != nil {
		return err
	}
	if _, err := a.store.GetModel(r.Context(), id); err != nil {
		return err
	}
	return a.writeReleases(w, r, id, opt)
}
