package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/vigil-oss/vigil/internal/core"
)

// writeJSON writes v as the response body. It encodes before writing any
// header, so an encoding failure can still become a clean 500.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return core.Wrap(core.KindInternal, err, "encode response")
	}
	writeBytes(w, status, append(b, '\n'))
	return nil
}

// writeBytes writes b, which is JSON, as the response body.
func writeBytes(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", mediaJSON)
	w.WriteHeader(status)
	// A failed write means the client went away; there is no one to tell.
	_, _ = w.Write(b)
}

// page is the body of every list response.
type page[T any] struct {
	Items []T `json:"items"`
	// NextCursor is passed back as ?cursor= for the next page; absent on
	// the last page.
	NextCursor string `json:"next_cursor,omitempty"`
}

// writeIDPage writes one page of an id-ordered list. A full page may have
// a successor, so it carries the last id as the cursor; a short page is
// the last. (A list whose size is a multiple of the limit thus ends with
// one empty page: cheaper than counting.)
func writeIDPage[T any](w http.ResponseWriter, items []*T, opt core.ListOptions, id func(*T) int64) error {
	p := page[*T]{Items: items}
	if p.Items == nil {
		p.Items = []*T{}
	}
	limit := opt.Limit
	if limit == 0 {
		limit = defaultLimit
	}
	if len(items) >= limit && len(items) > 0 {
		p.NextCursor = strconv.FormatInt(id(items[len(items)-1]), 10)
	}
	return writeJSON(w, http.StatusOK, p)
}

// location is the path of the record with id in collection.
func location(collection string, id int64) string {
	return "/api/v1/" + collection + "/" + strconv.FormatInt(id, 10)
}
