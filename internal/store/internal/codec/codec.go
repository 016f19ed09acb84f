// Package codec owns the rules both SQL stores must agree on so that they
// behave identically: the precision times are kept at, how case-insensitive
// names become keys, what text the device Query searches, how lists and
// maps become column text, how limits are clamped, and how device sort keys
// and cursors are interpreted. It holds no SQL.
package codec

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vigil-oss/vigil/internal/core"
)

// TimePrecision is the resolution every stored time is truncated to. It is
// PostgreSQL's timestamptz resolution; SQLite keeps integer microseconds.
const TimePrecision = time.Microsecond

// Time returns t in UTC truncated to TimePrecision.
func Time(t time.Time) time.Time { return t.UTC().Truncate(TimePrecision) }

// TimePtr is Time for optional times; nil stays nil.
func TimePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := Time(*t)
	return &u
}

// NameKey is the key a case-insensitive unique name is indexed and looked up
// by. Folding happens here rather than in SQL because SQLite's lower() only
// knows ASCII.
func NameKey(s string) string { return strings.ToLower(s) }

// fold lower-cases text for the device search column and queries.
func fold(s string) string { return strings.ToLower(s) }

// SearchText is the folded text Query matches a substring of: name, asset
// tag, serial, owner, UDI, notes, MACs (also without separators, as printed
// on labels), IPs, host names and AE titles, one per line.
func SearchText(d *core.Device) string {
	var b strings.Builder
	add := func(s string) {
		if s != "" {
			b.WriteString(fold(s))
			b.WriteByte('\n')
		}
	}
	add(d.Name)
	add(d.AssetTag)
	add(d.Serial)
	add(d.Owner)
	add(d.UDI)
	add(d.Notes)
	for _, m := range d.MACs {
		add(m)
		if compact := strings.ReplaceAll(m, ":", ""); compact != m {
			add(compact)
		}
	}
	for _, l := range [][]string{d.IPs, d.Hostnames, d.AETitles} {
		for _, s := range l {
			add(s)
		}
	}
	return b.String()
}

// SearchQuery folds a device Query the way SearchText folds the columns.
func SearchQuery(q string) string { return fold(strings.TrimSpace(q)) }

// Strings encodes a string list as a JSON array; nil becomes [].
func Strings(l []string) string {
	if len(l) == 0 {
		return "[]"
	}
	b := make([]byte, 0, 2+len(l)*24)
	b = append(b, '[')
	for i, s := range l {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return string(append(b, ']'))
}

// ParseStrings decodes Strings' output; it never returns nil.
func ParseStrings(b []byte) ([]string, error) {
	l := []string{}
	if len(b) == 0 {
		return l, nil
	}
	if err := json.Unmarshal(b, &l); err != nil {
		return nil, err
	}
	if l == nil {
		l = []string{}
	}
	return l, nil
}

// Ints encodes an int list as a JSON array; nil becomes [].
func Ints(l []int) string {
	if len(l) == 0 {
		return "[]"
	}
	b := []byte{'['}
	for i, n := range l {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(n), 10)
	}
	return string(append(b, ']'))
}

// ParseInts decodes Ints' output; it never returns nil.
func ParseInts(b []byte) ([]int, error) {
	l := []int{}
	if len(b) == 0 {
		return l, nil
	}
	if err := json.Unmarshal(b, &l); err != nil {
		return nil, err
	}
	if l == nil {
		l = []int{}
	}
	return l, nil
}

// NonNil returns l, or an empty list when l is nil, so that JSON shows [].
func NonNil[T any](l []T) []T {
	if l == nil {
		return []T{}
	}
	return l
}

// HL7 encodes HL7 endpoints as a JSON array; nil
// becomes [].
func HL7(l []core.HL7Endpoint) string {
	if len(l) == 0 {
		return "[]"
	}
	b := []byte{'['}
	for i, h := range l {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"application":`...)
		b = appendString(b, h.Application)
		if h.Facility != "" {
			b = append(b, `,"facility":`...)
			b = appendString(b, h.Facility)
		}
		b = append(b, '}')
	}
	return string(append(b, ']'))
}

// ParseHL7 decodes HL7's output; it never returns nil.
func ParseHL7(b []byte) ([]core.HL7Endpoint, error) {
	l := []core.HL7Endpoint{}
	if len(b) == 0 {
		return l, nil
	}
	if err := json.Unmarshal(b, &l); err != nil {
		return nil, err
	}
	if l == nil {
		l = []core.HL7Endpoint{}
	}
	return l, nil
}

// Location encodes a location as a JSON object, leaving out empty fields.
func Location(l core.Location) string {
	if l == (core.Location{}) {
		return "{}"
	}
	b := []byte{'{'}
	for _, f := range [...]struct{ key, val string }{
		{"building", l.Building}, {"floor", l.Floor}, {"department", l.Department}, {"room", l.Room},
	} {
		if f.val == "" {
			continue
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = appendString(b, f.key)
		b = append(b, ':')
		b = appendString(b, f.val)
	}
	return string(append(b, '}'))
}

// ParseLocation decodes Location's output.
func ParseLocation(b []byte) (core.Location, error) {
	var l core.Location
	if len(b) == 0 {
		return l, nil
	}
	err := json.Unmarshal(b, &l)
	return l, err
}

// Provenance encodes provenance as a JSON object with sorted keys, its
// times normalised with Time; nil becomes {}. It is JSON encoding/json reads
// back as written, built by hand because imports encode it for every device.
func Provenance(p core.Provenance) string {
	if len(p) == 0 {
		return "{}"
	}
	var stack [32]string
	keys := stack[:0]
	for k := range p {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b := make([]byte, 0, 2+len(p)*72)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		o := p[k]
		b = appendString(b, k)
		b = append(b, `:{"source":`...)
		b = appendString(b, string(o.Source))
		b = append(b, `,"at":"`...)
		b = Time(o.At).AppendFormat(b, time.RFC3339Nano)
		b = append(b, `"}`...)
	}
	return string(append(b, '}'))
}

// appendString appends s as a JSON string. Text the stores write is valid
// UTF-8 without NUL (core validation); anything else goes through
// encoding/json, which replaces what JSON cannot hold.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x80 {
			if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
				q, _ := json.Marshal(s)
				return append(b, q...)
			}
			return appendEscaped(b, s)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendEscaped writes valid UTF-8 with JSON escapes, leaving non-ASCII as is.
func appendEscaped(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// ParseProvenance decodes Provenance's output; it never returns nil, so
// callers may Set on the result.
func ParseProvenance(b []byte) (core.Provenance, error) {
	p := core.Provenance{}
	if len(b) == 0 {
		return p, nil
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, err
	}
	if p == nil {
		p = core.Provenance{}
	}
	return p, nil
}

// Limits of list pages.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// Limit applies the paging rules: 0 is DefaultLimit, more than MaxLimit is
// MaxLimit, negative is invalid.
func Limit(n int) (int, error) {
	switch {
	case n < 0:
		return 0, core.Invalid("limit", "must not be negative")
	case n == 0:
		return DefaultLimit, nil
	case n > MaxLimit:
		return MaxLimit, nil
	}
	return n, nil
}

// Sort is a parsed device sort key.
type Sort struct {
	Key    string // one of core.DeviceSorts
	Column string // the devices column it orders by, as "d.<column>"
	Desc   bool
}

// ParseSort parses a DeviceFilter.Sort value; "" is "id". Every sort key is
// a devices column of the same name in both dialects.
func ParseSort(s string) (Sort, error) {
	if s == "" {
		s = "id"
	}
	if !core.ValidSort(s) {
		return Sort{}, core.Invalid("sort", "must be one of %s, optionally with a leading -",
			strings.Join(core.DeviceSorts, ", "))
	}
	key, desc := strings.CutPrefix(s, "-")
	return Sort{Key: key, Column: "d." + key, Desc: desc}, nil
}

// DevicePlan checks a device filter's sort, limit and cursor, the part of
// ListDevices both dialects share.
func DevicePlan(f core.DeviceFilter) (Sort, int, error) {
	srt, err := ParseSort(f.Sort)
	if err != nil {
		return Sort{}, 0, err
	}
	limit, err := Limit(f.Limit)
	if err != nil {
		return Sort{}, 0, err
	}
	if err := CheckCursor(f.After, f.Sort); err != nil {
		return Sort{}, 0, err
	}
	return srt, limit, nil
}

// SameSort reports whether two sort parameters name the same order.
func SameSort(a, b string) bool {
	norm := func(s string) string {
		if s == "" {
			return "id"
		}
		return s
	}
	return norm(a) == norm(b)
}

// CheckCursor verifies that a cursor was issued for the sort in use.
func CheckCursor(c *core.DeviceCursor, sort string) error {
	if c == nil {
		return nil
	}
	if c.ID <= 0 {
		return core.Invalid("cursor", "is not a cursor this server issued")
	}
	if !SameSort(c.Sort, sort) {
		return core.Invalid("cursor", "was issued for sort %q, not %q", c.Sort, sort)
	}
	return nil
}

// TimeCursorValue returns the cursor value of a time sort key: RFC 3339 with
// nanoseconds in UTC, or "" for NULL.
func TimeCursorValue(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// ParseTimeCursor parses TimeCursorValue's output; "" is NULL (nil), which
// only nullable keys accept.
func ParseTimeCursor(v string, nullable bool) (*time.Time, error) {
	if v == "" {
		if nullable {
			return nil, nil
		}
		return nil, core.Invalid("cursor", "is not a cursor this server issued")
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return nil, core.Invalid("cursor", "is not a cursor this server issued")
	}
	t = Time(t)
	return &t, nil
}

// IDCursorValue returns the cursor value of the id sort key.
func IDCursorValue(id core.DeviceID) string { return strconv.FormatInt(int64(id), 10) }

// CleanKeys drops empty keys and normalises MACs that parse, so that an
// empty asset tag never matches every untagged device.
func CleanKeys(k core.DeviceKeys) (tags, serials, macs []string) {
	for _, s := range k.AssetTags {
		if s != "" {
			tags = append(tags, s)
		}
	}
	for _, s := range k.Serials {
		if s != "" {
			serials = append(serials, s)
		}
	}
	for _, s := range k.MACs {
		if s == "" {
			continue
		}
		if n, err := core.NormalizeMAC(s); err == nil {
			s = n
		}
		macs = append(macs, s)
	}
	return tags, serials, macs
}

// Cursor returns the cursor that resumes a device list after d, for the
// sort parameter as the caller gave it.
func Cursor(sortParam string, s Sort, d *core.Device) *core.DeviceCursor {
	c := &core.DeviceCursor{Sort: sortParam, ID: d.ID}
	switch s.Key {
	case "id":
		c.Value = IDCursorValue(d.ID)
	case "name":
		c.Value = d.Name
	case "asset_tag":
		c.Value = d.AssetTag
	case "serial":
		c.Value = d.Serial
	case "updated_at":
		c.Value = TimeCursorValue(&d.UpdatedAt)
	case "last_seen":
		c.Value = TimeCursorValue(d.LastSeen)
	}
	return c
}

// ConflictMessage is the user-safe message for a unique clash on field of a
// what, the same from every store.
func ConflictMessage(field, what string) string {
	switch field {
	case "name":
		return "another " + what + " already has this name"
	case "version":
		return "this model already has a release with this version"
	case "asset_tag":
		return "another device already has this asset tag"
	case "macs":
		return "a MAC address of this device already belongs to another device"
	case "hash":
		return "another token already has this secret"
	}
	return "another " + what + " has the same key"
}

// MissingRef is the error for a reference to a row that does not exist;
// field is "" when the store cannot tell which reference it was.
func MissingRef(err error, field, what string) error {
	if field == "" {
		return &core.Error{Kind: core.KindInvalid, Err: err,
			Message: "the " + what + " refers to something that does not exist"}
	}
	return &core.Error{Kind: core.KindInvalid, Field: field, Err: err, Message: "invalid " + field,
		Fields: []core.FieldError{{Field: field, Message: "refers to something that does not exist"}}}
}

// StillReferenced is the error for deleting a row others refer to.
func StillReferenced(err error, what string, id int64, referrers string) error {
	e := core.Errorf(core.KindConflict, "%s %d is still referenced by %s", what, id, referrers)
	e.Err = err
	return e
}

// Internal wraps a driver error, saying what was being done: a cancelled or
// timed-out context is KindUnavailable, anything else KindInternal.
func Internal(err error, format string, args ...any) *core.Error {
	kind := core.KindInternal
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		kind = core.KindUnavailable
	}
	return core.Wrap(kind, err, format, args...)
}
