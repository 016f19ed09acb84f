package httpapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/vigil-oss/vigil/internal/core"
)

// Vulnerability data: findings, release SBOMs, stored advisory documents
// and the state of the feeds. The service does the work; this file turns
// query strings and bodies into its arguments and its results into JSON.

// findingParams are the query parameters of every findings list; the
// nested lists (a device's, a release's, a component's) drop the one their
// path fixes, so giving it again is an error rather than a silent override.
var findingParams = []string{"release", "device", "component", "severity", "kev", "vex_status",
	"fixed_available", "include_suppressed", "advisory", "limit", "cursor"}

// findingLists are the parameters that may be repeated or given as a
// comma-separated list.
var findingLists = []string{"severity", "vex_status"}

// maxListValues bounds the values of one list parameter; there are six
// severities and five VEX statuses, so more than this is not a real query.
const maxListValues = 16

// findingPage is the body of a findings list.
type findingPage struct {
	Findings   []*core.Finding `json:"findings"`
	NextCursor string          `json:"next_cursor,omitempty"`
	// Total counts every finding the filter selects, not only this page's.
	Total int64 `json:"total"`
}

func (a *api) listFindings(w http.ResponseWriter, r *http.Request) error {
	f, err := findingFilter(r, "")
	if err != nil {
		return err
	}
	return a.writeFindings(w, r, f)
}

func (a *api) listDeviceFindings(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID[core.DeviceID](r, "device")
	if err != nil {
		return err
	}
	f, err := findingFilter(r, "device")
	if err != nil {
		return err
	}
	// A device that does not exist has no findings, but an empty list would
	// hide a wrong id.
	if _, err := a.store.GetDevice(r.Context(), id); err != nil {
		return err
	}
	f.DeviceID = id
	return a.writeFindings(w, r, f)
}

func (a *api) listReleaseFindings(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID[core.ReleaseID](r, "release")
	if err != nil {
		return err
	}
	f, err := findingFilter(r, "release")
	if err != nil {
		return err
	}
	if _, err := a.store.GetRelease(r.Context(), id); err != nil {
		return err
	}
	f.ReleaseID = id
	return a.writeFindings(w, r, f)
}

// listComponentFindings lists the findings on one SBOM component. The
// store has no lookup of a single component, so an unknown id is an empty
// list, not 404.
func (a *api) listComponentFindings(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID[core.ComponentID](r, "component")
	if err != nil {
		return err
	}
	f, err := findingFilter(r, "component")
	if err != nil {
		return err
	}
	f.ComponentID = id
	return a.writeFindings(w, r, f)
}

// writeFindings writes one page of the findings f selects, with their total.
func (a *api) writeFindings(w http.ResponseWriter, r *http.Request, f core.FindingFilter) error {
	pg, err := a.vulns.ListFindings(r.Context(), f)
	if err != nil {
		return err
	}
	// The count is a second query, not a snapshot with the page: under
	// concurrent rematching the two may differ by the findings that changed.
	total, err := a.vulns.CountFindings(r.Context(), f)
	if err != nil {
		return err
	}
	body := findingPage{Findings: pg.Findings, Total: total}
	if body.Findings == nil {
		body.Findings = []*core.Finding{}
	}
	if pg.Next > 0 {
		body.NextCursor = findingCursor{ID: pg.Next}.encode()
	}
	return writeJSON(w, http.StatusOK, body)
}

// findingFilter reads the filter of a findings list from r's query; fixed
// names the parameter the route's path sets ("" for none).
func findingFilter(r *http.Request, fixed string) (core.FindingFilter, error) {
	var f core.FindingFilter
	known := slices.DeleteFunc(slices.Clone(findingParams), func(s string) bool { return s == fixed })
	p, err := parseFindingParams(r, known)
	if err != nil {
		return f, err
	}
	var ids [3]int64
	for i, name := range []string{"release", "device", "component"} {
		if ids[i], err = p.id(name); err != nil {
			return f, err
		}
	}
	f.ReleaseID, f.DeviceID, f.ComponentID = core.ReleaseID(ids[0]), core.DeviceID(ids[1]), core.ComponentID(ids[2])
	if f.Severity, err = p.list("severity", core.Severities); err != nil {
		return f, err
	}
	if f.VEXStatus, err = p.list("vex_status", append(slices.Clone(core.VEXStatuses), core.VEXNone)); err != nil {
		return f, err
	}
	if f.KEV, err = p.boolean("kev"); err != nil {
		return f, err
	}
	if f.FixedAvailable, err = p.boolean("fixed_available"); err != nil {
		return f, err
	}
	sup, err := p.boolean("include_suppressed")
	if err != nil {
		return f, err
	}
	f.IncludeSuppressed = sup != nil && *sup
	if s := p.Get("advisory"); s != "" {
		if len(s) > 256 || !utf8.ValidString(s) {
			return f, core.Invalid("advisory", "must be an advisory id of at most 256 bytes")
		}
		f.AdvisoryID = s
	}
	if f.Limit, err = p.limit(); err != nil {
		return f, err
	}
	if c := p.Get("cursor"); c != "" {
		cur, err := decodeFindingCursor(c)
		if err != nil {
			return f, err
		}
		f.After = cur.ID
	}
	return f, nil
}

// parseFindingParams is parseParams, except that the list parameters may
// be repeated.
func parseFindingParams(r *http.Request, known []string) (params, error) {
	v, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return params{}, core.Errorf(core.KindInvalid, "the query string is malformed: %v", err)
	}
	for k, vs := range v {
		if !slices.Contains(known, k) {
			return params{}, core.Invalid(k, "is not a parameter of this list; known: %s", strings.Join(known, ", "))
		}
		if len(vs) > 1 && !slices.Contains(findingLists, k) {
			return params{}, core.Invalid(k, "is given more than once")
		}
	}
	return params{v}, nil
}

// list returns the values of a repeatable parameter, each also split at
// commas, checked against allowed and without duplicates; nil when absent.
func (p params) list(name string, allowed []string) ([]string, error) {
	var out []string
	for _, v := range p.Values[name] {
		for s := range strings.SplitSeq(v, ",") {
			s = strings.TrimSpace(s)
			if !slices.Contains(allowed, s) {
				return nil, core.Invalid(name, "%q is not one of %s", truncate(s, 40), strings.Join(allowed, ", "))
			}
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
			if len(out) > maxListValues {
				return nil, core.Invalid(name, "has too many values")
			}
		}
	}
	return out, nil
}

// boolean returns a true/false parameter, nil when absent. Only the two
// words are accepted: "1" or "yes" may mean something else to the client.
func (p params) boolean(name string) (*bool, error) {
	if !p.Has(name) {
		return nil, nil
	}
	switch p.Get(name) {
	case "true":
		return new(true), nil
	case "false":
		return new(false), nil
	}
	return nil, core.Invalid(name, "must be true or false, not %q", truncate(p.Get(name), 40))
}

// findingCursor is where a findings page ended. Like the device cursor it
// is opaque JSON in URL-safe base64, so its content can change later; the
// kind member keeps a device cursor from being taken for one.
type findingCursor struct {
	Kind string         `json:"k"`
	ID   core.FindingID `json:"i"`
}

const findingCursorKind = "finding"

func (c findingCursor) encode() string {
	c.Kind = findingCursorKind
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeFindingCursor(s string) (findingCursor, error) {
	var c findingCursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) > 256 || json.Unmarshal(b, &c) != nil || c.Kind != findingCursorKind || c.ID <= 0 {
		return findingCursor{}, core.Invalid("cursor", "is not a cursor of a findings list this server issued")
	}
	return c, nil
}

// sbomBody is the body of GET /releases/{id}/sbom.
type sbomBody struct {
	SBOM       *core.SBOM        `json:"sbom"`
	Components []*core.Component `json:"components"`
}

func (a *api) getSBOM(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID[core.ReleaseID](r, "release")
	if err != nil {
		return err
	}
	// Without this the answer for a release that does not exist would be
	// "release has no SBOM", which suggests it does exist.
	if _, err := a.store.GetRelease(r.Context(), id); err != nil {
		return err
	}
	s, comps, err := a.vulns.GetSBOM(r.Context(), id)
	if err != nil {
		return err
	}
	if comps == nil {
		comps = []*core.Component{}
	}
	return writeJSON(w, http.StatusOK, sbomBody{SBOM: s, Components: comps})
}

// maxSBOMBytes bounds the body of PUT /releases/{id}/sbom, whatever
// Config.MaxBodyBytes says: SBOMs of whole device images run to tens of
// megabytes, and the store takes up to this much.
const maxSBOMBytes = core.MaxAdvisoryDocSize

// sbomSource is what the stored SBOM records as where it came from.
const sbomSource = "api"

// putSBOM replaces a release's SBOM with the raw document in the body. The
// Content-Type is not checked: SBOMs are served under many media types
// (application/json, application/vnd.cyclonedx+json, application/spdx+json,
// application/xml, text/plain for tag-value…) and the service sniffs the
// format from the content.
func (a *api) putSBOM(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID[core.ReleaseID](r, "release")
	if err != nil {
		return err
	}
	// Refuse before reading up to 64 MiB for nothing.
	if _, err := a.store.GetRelease(r.Context(), id); err != nil {
		return err
	}
	if r.ContentLength > maxSBOMBytes {
		return bodyTooLarge(maxSBOMBytes)
	}
	// Each import holds its document, decoded form and match in memory;
	// bounding how many run at once bounds that memory.
	select {
	case a.sbomImports <- struct{}{}:
		defer func() { <-a.sbomImports }()
	case <-r.Context().Done():
		return core.Wrap(core.KindUnavailable, r.Context().Err(), "the request ended while waiting for other SBOM imports")
	}
	body, err := readLimited(w, r, maxSBOMBytes)
	if err != nil {
		return err
	}
	sum, err := a.vulns.ImportSBOM(r.Context(), id, sbomSource, body)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, sum)
}

// readLimited reads r's body, allowing at most limit bytes: a route whose
// bodies are bigger than the API's default sets its own limit here.
func readLimited(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	tooLarge := bodyTooLarge(limit)
	if r.ContentLength > limit {
		return nil, tooLarge
	}
	// Knowing the length saves the buffer's doublings, which for a large
	// body would briefly hold about twice its size.
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, limit)); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, tooLarge
		}
		return nil, core.Wrap(core.KindInvalid, err, "could not read the request body")
	}
	if buf.Len() == 0 {
		return nil, core.Errorf(core.KindInvalid, "the request body is empty; send the SBOM document")
	}
	return buf.Bytes(), nil
}

func bodyTooLarge(limit int64) error {
	return core.Errorf(core.KindTooLarge, "the request body is larger than %d bytes", limit)
}

// advisoryBody is the body of GET /advisories/{kind}/{id}: the stored
// metadata and the document itself.
type advisoryBody struct {
	*core.AdvisoryDoc
	// DocumentFormat says how Document is given: "json" embeds a JSON
	// document as it is, "text" gives any other UTF-8 document (the EPSS
	// CSV) as a string, "base64" anything else as base64 in a string.
	DocumentFormat string `json:"document_format"`
	Document       any    `json:"document"`
}

// advisoryKinds are the kinds GET /advisories/{kind}/{id} knows.
var advisoryKinds = []string{core.AdvisoryOSV, core.AdvisoryNVD, core.AdvisoryCSAF, core.AdvisoryKEV,
	core.AdvisoryEPSS, core.AdvisoryOpenVEX, core.AdvisoryCycloneDXVEX}

func (a *api) getAdvisory(w http.ResponseWriter, r *http.Request) error {
	kind, id := r.PathValue("kind"), r.PathValue("id")
	if !slices.Contains(advisoryKinds, kind) {
		return core.Errorf(core.KindNotFound, "advisory kind %q not found; known kinds: %s",
			truncate(kind, 40), strings.Join(advisoryKinds, ", "))
	}
	if id == "" || len(id) > 1024 {
		return core.Errorf(core.KindNotFound, "%s advisory %q not found", kind, truncate(id, 40))
	}
	doc, err := a.vulns.GetAdvisory(r.Context(), kind, id)
	if err != nil {
		return err
	}
	if doc.Keys == nil {
		doc.Keys = []string{}
	}
	body := advisoryBody{AdvisoryDoc: doc}
	switch {
	case json.Valid(doc.Data):
		body.DocumentFormat, body.Document = "json", json.RawMessage(doc.Data)
	case utf8.Valid(doc.Data):
		body.DocumentFormat, body.Document = "text", string(doc.Data)
	default:
		body.DocumentFormat, body.Document = "base64", doc.Data // encoding/json writes []byte as base64
	}
	return writeJSON(w, http.StatusOK, body)
}

// feedsBody is the body of GET /feeds.
type feedsBody struct {
	Feeds []core.FeedStatus `json:"feeds"`
}

func (a *api) listFeeds(w http.ResponseWriter, r *http.Request) error {
	fs, err := a.vulns.FeedStatus(r.Context())
	if err != nil {
		return err
	}
	if fs == nil {
		fs = []core.FeedStatus{}
	}
	return writeJSON(w, http.StatusOK, feedsBody{Feeds: fs})
}
