package httpapi

import (
	"net/http"

	"github.com/vigil-oss/vigil/internal/core"
)

func (a *api) listManufacturers(w http.ResponseWriter, r *http.Request) error {
	p, err := parseParams(r, pageParams...)
	if err != nil {
		return err
	}
	opt, err := p.listOptions()
	if err != nil {
		return err
	}
	ms, err := a.store.ListManufacturers(r.Context(), opt)
	if err != nil {
		return err
	}
	return writeIDPage(w, ms, opt, func(m *core.Manufacturer) int64 { return int64(m.ID) })
}

func (a *api) getManufacturer(w http.ResponseWriter, r *http.Request) error {
	return getOne(w, r, "manufacturer", a.store.GetManufacturer)
}

func (a *api) createManufacturer(w http.ResponseWriter, r *http.Request) error {
	return createOne(a, w, r, "manufacturer", "manufacturers", a.inv.CreateManufacturer,
		func(m *core.Manufacturer) int64 { return int64(m.ID) })
}

func (a *api) patchManufacturer(w http.ResponseWriter, r *http.Request) error {
	return patchOne(a, w, r, "manufacturer", a.inv.PatchManufacturer)
}

func (a *api) deleteManufacturer(w http.ResponseWriter, r *http.Request) error {
	return deleteOne(w, r, "manufacturer", a.store.DeleteManufacturer)
}
