package codec

import (
	"reflect"
	"testing"

	"github.com/vigil-oss/vigil/internal/core"
)

func TestMatchPackRoundTrip(t *testing.T) {
	comps := []*core.Component{
		{ID: 40, Ref: "a", Type: "library", Group: "org.x", Name: "a", Version: "1.0", PURL: "pkg:maven/org.x/a@1.0",
			CPEs: []string{"cpe:2.3:a:x:a:1.0:*:*:*:*:*:*:*", "cpe:/a:x:a:1.0"}, Supplier: "X Inc."},
		{ID: 7, Ref: "b", Name: "b", CPEs: []string{}}, // ids need not ascend
		{ID: 1 << 40, Ref: "ü", Name: "\x00"},
	}
	got, err := UnpackMatch(PackMatch[core.ComponentID](comps, nil), 9)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range comps {
		want := *c
		want.ReleaseID = 9
		if want.CPEs == nil {
			want.CPEs = []string{}
		}
		if !reflect.DeepEqual(*got[i], want) {
			t.Errorf("component %d: got %+v, want %+v", i, *got[i], want)
		}
	}
	if got, err := UnpackMatch(PackMatch[core.ComponentID](nil, nil), 1); err != nil || len(got) != 0 {
		t.Errorf("empty pack: %v, %v", got, err)
	}
}

func TestMatchPackRejectsDamage(t *testing.T) {
	p := PackMatch[core.ComponentID]([]*core.Component{{ID: 3, Ref: "r", Name: "n", CPEs: []string{"c"}}}, nil)
	for cut := 0; cut < len(p); cut++ {
		if _, err := UnpackMatch(p[:cut], 1); err == nil {
			t.Errorf("pack cut to %d of %d bytes decoded", cut, len(p))
		}
	}
	if _, err := UnpackMatch(append(p, 0), 1); err == nil {
		t.Error("pack with a trailing byte decoded")
	}
	if _, err := UnpackMatch([]byte{matchPackVersion, 0xff, 0xff, 0xff, 0xff, 0x0f}, 1); err == nil {
		t.Error("pack claiming 4 G components decoded")
	}
}

func FuzzUnpackMatch(f *testing.F) {
	f.Add(PackMatch[core.ComponentID]([]*core.Component{{ID: 3, Ref: "r", Name: "n", CPEs: []string{"c"}}, {ID: 1, Name: "x"}}, nil))
	f.Add([]byte{matchPackVersion, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		comps, err := UnpackMatch(b, 1)
		if err != nil {
			return
		}
		// What decodes survives a round trip unchanged.
		again, err := UnpackMatch(PackMatch[core.ComponentID](comps, nil), 1)
		if err != nil {
			t.Fatalf("re-encoded pack does not decode: %v", err)
		}
		if !reflect.DeepEqual(again, comps) {
			t.Fatalf("round trip changed the components:\n%+v\n%+v", comps, again)
		}
	})
}
