package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/vigil-oss/vigil/internal/core"
	"github.com/vigil-oss/vigil/internal/service"
)

// Media types a write may carry.
const (
	mediaJSON       = "application/json"
	mediaMergePatch = "application/merge-patch+json"
)

// readBody checks r's Content-Type against accept and reads its body,
// allowing at most a.maxBody bytes.
func (a *api) readBody(w http.ResponseWriter, r *http.Request, accept ...string) ([]byte, error) {
	if err := checkMediaType(r.Header.Get("Content-Type"), accept); err != nil {
		// Tell the client what would have worked (RFC 5789, RFC 9110 15.5.16).
		if r.Method == http.MethodPatch {
			w.Header().Set("Accept-Patch", strings.Join(accept, ", "))
		} else {
			w.Header().Set("Accept-Post", strings.Join(accept, ", "))
		}
		return nil, err
	}
	if r.ContentLength > a.maxBody {
		return nil, a.tooLarge()
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.maxBody))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, a.tooLarge()
		}
		return nil, core.Wrap(core.KindInvalid, err, "could not read the request body")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, core.Errorf(core.KindInvalid, "the request body is empty; send a JSON object")
	}
	return body, nil
}

func (a *api) tooLarge() error {
	return core.Errorf(core.KindTooLarge, "the request body is larger than %d bytes", a.maxBody)
}

// checkMediaType accepts one of the given media types, with an optional
// charset parameter that must be UTF-8 (JSON has no other).
func checkMediaType(ct string, accept []string) error {
	mt, params, err := mime.ParseMediaType(ct)
	if err == nil && slices.Contains(accept, mt) {
		if cs, ok := params["charset"]; !ok || strings.EqualFold(cs, "utf-8") {
			return nil
		}
	}
	return core.Errorf(kindUnsupportedMediaType, "Content-Type must be %s", strings.Join(accept, " or "))
}

// readOnly are the members a client may not send: the server assigns them.
// The service rejects them in a patch; decodeNew does the same for a new
// record, so a client that posts back what it fetched hears about it
// rather than wondering why its id was ignored. "version" is the change
// counter of a device, but a release's software version is the client's.
var readOnly = []string{"id", "version", "created_at", "updated_at", "provenance"}

// decodeNew reads a new record of kind what from a JSON body into v.
func (a *api) decodeNew(w http.ResponseWriter, r *http.Request, what string, v any) error {
	body, err := a.readBody(w, r, mediaJSON)
	if err != nil {
		return err
	}
	if err := service.DecodeJSON(body, v, what); err != nil {
		return err
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(body, &members); err != nil {
		return core.Errorf(core.KindInvalid, "invalid %s: the body must be a JSON object", what)
	}
	for _, k := range readOnly {
		if k == "version" && what == "release" {
			continue
		}
		if _, ok := members[k]; ok {
			return core.Invalid(k, "is read-only; the server sets it")
		}
	}
	return nil
}

// readPatch reads a JSON merge patch (RFC 7396). Plain application/json is
// accepted too, since that is what most clients send by default.
func (a *api) readPatch(w http.ResponseWriter, r *http.Request) (service.Patch, error) {
	body, err := a.readBody(w, r, mediaMergePatch, mediaJSON)
	if err != nil {
		return nil, err
	}
	return service.DecodePatch(body)
}

// pathID parses the {id} of r's path. An id that is not a positive integer
// names nothing, so it is 404 like an id that does not exist.
func pathID[ID ~int64](r *http.Request, what string) (ID, error) {
	raw := r.PathValue("id")
	n, err := core.ParseID(raw)
	if err != nil {
		return 0, core.Errorf(core.KindNotFound, "%s %q not found", what, truncate(raw, 40))
	}
	return ID(n), nil
}

// params are the query parameters of a list request.
type params struct{ url.Values }

// parseParams parses r's query, refusing parameters outside known and
// repeated ones, so a typo ("site_id=3") is an error and not a silently
// unfiltered list.
func parseParams(r *http.Request, known ...string) (params, error) {
	v, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return params{}, core.Errorf(core.KindInvalid, "the query string is malformed: %v", err)
	}
	for k, vs := range v {
		if !slices.Contains(known, k) {
			return params{}, core.Invalid(k, "is not a parameter of this list; known: %s", strings.Join(known, ", "))
		}
		if len(vs) > 1 {
			return params{}, core.Invalid(k, "is given more than once")
		}
	}
	return params{v}, nil
}

// id returns the id parameter name, 0 when absent.
func (p params) id(name string) (int64, error) {
	s := p.Get(name)
	if s == "" {
		return 0, nil
	}
	n, err := core.ParseID(s)
	if err != nil {
		return 0, core.Invalid(name, "must be a positive integer id, not %q", truncate(s, 40))
	}
	return n, nil
}

// limit returns the page size, 0 when absent (the store's default of 100).
func (p params) limit() (int, error) {
	s := p.Get("limit")
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxLimit {
		return 0, core.Invalid("limit", "must be an integer from 1 to %d", maxLimit)
	}
	return n, nil
}

// Page sizes, as core.ListOptions and core.DeviceFilter define them.
const (
	defaultLimit = 100
	maxLimit     = 1000
)

// listOptions reads limit and the position after which the page starts:
// "after" (an id) or "cursor" (the next_cursor of the previous page, which
// for these lists is also the last id).
func (p params) listOptions() (core.ListOptions, error) {
	limit, err := p.limit()
	if err != nil {
		return core.ListOptions{}, err
	}
	if p.Has("after") && p.Has("cursor") {
		return core.ListOptions{}, core.Invalid("cursor", "give after or cursor, not both")
	}
	name := "after"
	if p.Has("cursor") {
		name = "cursor"
	}
	after, err := p.id(name)
	if err != nil {
		return core.ListOptions{}, err
	}
	return core.ListOptions{Limit: limit, After: after}, nil
}

// pageParams are the parameters every id-ordered list takes.
var pageParams = []string{"limit", "after", "cursor"}

// ifMatch returns the device version an If-Match header requires: 0 when
// the header is absent or "*" (any current version will do). A list of
// tags is resolved against the current version; when nothing in it can
// match, the answer is a precondition failure (or not found, for a device
// that does not exist). Weak tags never match: If-Match compares strongly
// (RFC 9110, section 13.1.1).
func (a *api) ifMatch(r *http.Request, id core.DeviceID) (int64, error) {
	vals := r.Header.Values("If-Match")
	if len(vals) == 0 {
		return 0, nil
	}
	var versions []int64
	for _, v := range vals {
		for tag := range strings.SplitSeq(v, ",") {
			tag = strings.TrimSpace(tag)
			switch {
			case tag == "":
			case tag == "*":
				return 0, nil
			case strings.HasPrefix(tag, "W/"):
			default:
				n, ok := parseETag(tag)
				if !ok {
					return 0, core.Invalid("If-Match", "%q is not an entity tag; send the ETag of a device response, such as \"3\"", truncate(tag, 40))
				}
				versions = append(versions, n)
			}
		}
	}
	if len(versions) == 1 {
		return versions[0], nil
	}
	d, err := a.store.GetDevice(r.Context(), id)
	if err != nil {
		return 0, err
	}
	if slices.Contains(versions, d.Version) {
		return d.Version, nil
	}
	return 0, core.Errorf(core.KindPreconditionFailed,
		"If-Match names no current version of device %d (now version %d); fetch it again and reapply your change", id, d.Version)
}

// etag is a device version as a strong entity tag.
func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// parseETag reads a strong tag made by etag.
func parseETag(tag string) (int64, bool) {
	if len(tag) < 3 || tag[0] != '"' || tag[len(tag)-1] != '"' {
		return 0, false
	}
	n, err := strconv.ParseInt(tag[1:len(tag)-1], 10, 64)
	return n, err == nil && n > 0
}

// noneMatch reports whether an If-None-Match header names version, or is
// "*"; If-None-Match compares weakly, so W/"3" matches "3".
func noneMatch(r *http.Request, version int64) bool {
	for _, v := range r.Header.Values("If-None-Match") {
		for tag := range strings.SplitSeq(v, ",") {
			tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
			if tag == "*" {
				return true
			}
			if n, ok := parseETag(tag); ok && n == version {
				return true
			}
		}
	}
	return false
}

// truncate shortens s, which came from a client, before it is echoed.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return fmt.Sprintf("%s…", s[:n])
}
