package httpapi

import (
	"context"
	"net/http"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/service"
)

// The helpers below serve the records without a version (sites, zones,
// manufacturers, models, releases); devices have their own handlers for
// ETags and If-Match.

func getOne[T any, ID ~int64](w http.ResponseWriter, r *http.Request, what string,
	get func(context.Context, ID) (*T, error)) error {
	id, err := pathID[ID](r, what)
	if err != nil {
		return err
	}
	v, err := get(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

func createOne[T any](a *api, w http.ResponseWriter, r *http.Request, what, collection string,
	create func(context.Context, core.Source, *T) error, id func(*T) int64) error {
	v := new(T)
	if err := a.decodeNew(w, r, what, v); err != nil {
		return err
	}
	if err := create(r.Context(), core.SourceAPI, v); err != nil {
		return err
	}
	w.Header().Set("Location", location(collection, id(v)))
	return writeJSON(w, http.StatusCreated, v)
}

func patchOne[T any, ID ~int64](a *api, w http.ResponseWriter, r *http.Request, what string,
	patch func(context.Context, core.Source, ID, service.Patch) (*T, error)) error {
	id, err := pathID[ID](r, what)
	if err != nil {
		return err
	}
	p, err := a.readPatch(w, r)
	if err != nil {
		return err
	}
	v, err := patch(r.Context(), core.SourceAPI, id, p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

func deleteOne[ID ~int64](w http.ResponseWriter, r *http.Request, what string,
	del func(context.Context, ID) error) error {
	id, err := pathID[ID](r, what)
	if err != nil {
		return err
	}
	if err := del(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
