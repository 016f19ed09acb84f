package service

import (
	"testing"
	"time"

	"github.com/vigil-oss/vigil/internal/core"
)

// FuzzApplyPatch feeds arbitrary request bodies through the merge-patch path
// a PATCH takes: it must never panic, must reject what it cannot apply with
// an invalid error, and must never let a read-only member through.
func FuzzApplyPatch(f *testing.F) {
	for _, s := range []string{`{"owner":"x"}`, `{"location":{"room":"1","floor":null}}`, `{"macs":["00:11:22:33:44:55"]}`,
		`{"hl7":[{"application":"A"}]}`, `{"id":3}`, `{"version":1}`, `null`, `[]`, `{"first_seen":"2026-01-01T00:00:00Z"}`,
		`{"location":"flat"}`, `{"a":{"b":{"c":null}}}`} {
		f.Add([]byte(s))
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		cur := &core.Device{ID: 7, Version: 3, AssetTag: "A-1", Location: core.Location{Building: "B"},
			MACs: []string{}, IPs: []string{}, Hostnames: []string{}, AETitles: []string{}, HL7: []core.HL7Endpoint{},
			CreatedAt: now, UpdatedAt: now, Lifecycle: core.LifecycleActive}
		p, err := DecodePatch(body)
		if err != nil {
			if !core.IsKind(err, core.KindInvalid) {
				t.Fatalf("DecodePatch error of kind %s: %v", core.KindOf(err), err)
			}
			return
		}
		next, _, err := applyPatch(cur, p, "device")
		if err != nil {
			if !core.IsKind(err, core.KindInvalid) {
				t.Fatalf("applyPatch error of kind %s: %v", core.KindOf(err), err)
			}
			return
		}
		if next.ID != cur.ID || next.Version != cur.Version || !next.CreatedAt.Equal(cur.CreatedAt) {
			t.Fatalf("a patch changed a read-only member: %+v", next)
		}
		_ = next.Validate()
	})
}
