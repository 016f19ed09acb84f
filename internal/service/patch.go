package service

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"

	"github.com/vigil-oss/vigil/internal/core"
)

// Patch is a JSON merge patch (RFC 7396): the members present replace the
// current values, nested objects merge, and null resets a member to its
// empty value.
type Patch map[string]json.RawMessage

// readOnly are members a client may never set; the store owns them.
var readOnly = map[string]bool{"id": true, "version": true, "created_at": true,
	"updated_at": true, "provenance": true}

// isReadOnly reports whether member k of a what is read-only. "version" is
// the store's change counter on a device but the software version, which a
// client sets, on a release.
func isReadOnly(k, what string) bool {
	return readOnly[k] && !(k == "version" && what == "release")
}

// applyPatch merges p into a copy of cur and returns it with the sorted list
// of top-level members whose value changed. Unknown and read-only members
// are rejected with the member named.
func applyPatch[T any](cur *T, p Patch, what string) (*T, []string, error) {
	for k := range p {
		if isReadOnly(k, what) {
			return nil, nil, core.Invalid(k, "is read-only")
		}
	}
	before, err := json.Marshal(cur)
	if err != nil {
		return nil, nil, core.Wrap(core.KindInternal, err, "encode %s", what)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(before, &doc); err != nil {
		return nil, nil, core.Wrap(core.KindInternal, err, "encode %s", what)
	}
	var changed []string
	for k, v := range p {
		merged, err := mergeValue(doc[k], v)
		if err != nil {
			return nil, nil, core.Invalid(k, "%v", err)
		}
		if merged == nil {
			delete(doc, k)
		} else {
			doc[k] = merged
		}
	}
	after, err := json.Marshal(doc)
	if err != nil {
		return nil, nil, core.Wrap(core.KindInternal, err, "encode %s", what)
	}
	next := new(T)
	dec := json.NewDecoder(bytes.NewReader(after))
	dec.DisallowUnknownFields()
	if err := dec.Decode(next); err != nil {
		return nil, nil, decodeError(err, what)
	}
	// Compare member by member on the re-encoded value, so "changed" means a
	// real difference after normalisation by the Go types.
	nowJSON, _ := json.Marshal(next)
	var nowDoc, oldDoc map[string]json.RawMessage
	_ = json.Unmarshal(nowJSON, &nowDoc)
	_ = json.Unmarshal(before, &oldDoc)
	for k := range p {
		if !jsonEqual(oldDoc[k], nowDoc[k]) {
			changed = append(changed, k)
		}
	}
	sort.Strings(changed)
	return next, changed, nil
}

// mergeValue applies one RFC 7396 member: objects merge recursively, null
// removes, anything else replaces.
func mergeValue(cur, patch json.RawMessage) (json.RawMessage, error) {
	patch = bytes.TrimSpace(patch)
	if bytes.Equal(patch, []byte("null")) {
		return nil, nil
	}
	if len(patch) == 0 || patch[0] != '{' {
		return patch, nil
	}
	var pm map[string]json.RawMessage
	if err := json.Unmarshal(patch, &pm); err != nil {
		return nil, err
	}
	cm := map[string]json.RawMessage{}
	if c := bytes.TrimSpace(cur); len(c) > 0 && c[0] == '{' {
		if err := json.Unmarshal(c, &cm); err != nil {
			return nil, err
		}
	}
	for k, v := range pm {
		m, err := mergeValue(cm[k], v)
		if err != nil {
			return nil, err
		}
		if m == nil {
			delete(cm, k)
		} else {
			cm[k] = m
		}
	}
	return json.Marshal(cm)
}

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if len(a) > 0 {
		_ = json.Unmarshal(a, &x)
	}
	if len(b) > 0 {
		_ = json.Unmarshal(b, &y)
	}
	if isEmpty(x) && isEmpty(y) {
		return true
	}
	return reflect.DeepEqual(x, y)
}

func isEmpty(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case string:
		return t == ""
	case float64:
		return t == 0
	case bool:
		return !t
	case []any:
		return len(t) == 0
	case map[string]any:
		for _, e := range t {
			if !isEmpty(e) {
				return false
			}
		}
		return true
	}
	return false
}

// decodeError turns a json decoding error into a KindInvalid error naming
// the offending member where encoding/json tells us.
func decodeError(err error, what string) error {
	var ute *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case asErr(err, &ute):
		field := ute.Field
		if field == "" {
			field = what
		}
		return core.Invalid(field, "has the wrong type (got JSON %s, want %s)", ute.Value, ute.Type)
	case asErr(err, &se):
		return core.Errorf(core.KindInvalid, "malformed JSON at byte %d: %v", se.Offset, se)
	}
	msg := err.Error()
	const unknown = "json: unknown field "
	if len(msg) > len(unknown) && msg[:len(unknown)] == unknown {
		f := msg[len(unknown):]
		if len(f) > 2 {
			f = f[1 : len(f)-1]
		}
		return core.Invalid(f, "is not a field of %s", what)
	}
	return core.Errorf(core.KindInvalid, "invalid %s: %v", what, err)
}

// DecodeJSON decodes a request body into v, rejecting unknown fields and
// trailing data, with errors naming the member.
func DecodeJSON(data []byte, v any, what string) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err, what)
	}
	if dec.More() {
		return core.Errorf(core.KindInvalid, "invalid %s: trailing data after the JSON value", what)
	}
	return nil
}

// DecodePatch parses a merge-patch body.
func DecodePatch(data []byte) (Patch, error) {
	var p Patch
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, decodeError(fmt.Errorf("%w", err), "patch")
	}
	if p == nil {
		return nil, core.Errorf(core.KindInvalid, "a patch must be a JSON object")
	}
	return p, nil
}
