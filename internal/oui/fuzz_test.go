package oui

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func FuzzParse(f *testing.F) {
	f.Add([]byte(mixedCSV))
	if b, err := readSharedHead(40); err == nil {
		f.Add(b)
	}
	f.Add([]byte("Registry,Assignment,Organization Name,Organization Address\nMA-L,002272,\"A, \"\"B\"\"\",\"x\ny\"\n"))
	f.Add([]byte("Registry,Assignment,Organization Name,Organization Address\nIAB,0050C27A5,Q,\nIAB,0050C27A5,R,\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := Parse(bytes.NewReader(in))
		if err != nil {
			if !strings.HasPrefix(err.Error(), "oui: ") {
				t.Fatalf("error without package prefix: %v", err)
			}
			return
		}
		// Every parsed registry survives the compact form unchanged and
		// answers for each of its own prefixes.
		var buf bytes.Buffer
		if err := r.Encode(&buf); err != nil {
			t.Fatal(err)
		}
		got, err := Decode(&buf)
		if err != nil {
			t.Fatalf("decode of encoded registry: %v", err)
		}
		if !reflect.DeepEqual(normal(got), normal(r)) {
			t.Fatal("round trip changed the registry")
		}
		for v := range r.All() {
			var m [6]byte
			p := v.Prefix << (48 - v.Block.Bits())
			for i := range m {
				m[i] = byte(p >> (40 - 8*i))
			}
			if w, ok := r.Lookup(m); !ok || w.Block.Bits() < v.Block.Bits() {
				t.Fatalf("Lookup(%x) = %+v %v, want at least as specific as %+v", m, w, ok, v)
			}
		}
	})
}

func FuzzDecode(f *testing.F) {
	f.Add(encode(f, mustParse(f, mixedCSV)))
	f.Add(encode(f, mustParse(f, "Registry,Assignment,Organization Name,Organization Address\n")))
	if len(embedded) > 0 {
		f.Add(embedded[:min(len(embedded), 4096)])
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := Decode(bytes.NewReader(in))
		if err != nil {
			return
		}
		// A registry that decodes re-encodes to an equal one, and every
		// name index it holds is in range.
		got, err := Decode(bytes.NewReader(encode(t, r)))
		if err != nil || !reflect.DeepEqual(normal(got), normal(r)) {
			t.Fatalf("re-decode: %v", err)
		}
		for b := range r.blocks {
			for _, n := range r.blocks[b].names {
				if int(n) >= len(r.names) {
					t.Fatalf("name index %d out of %d", n, len(r.names))
				}
			}
		}
	})
}

func readSharedHead(lines int) ([]byte, error) {
	b, err := readFileQuiet(sharedCSV)
	if err != nil {
		return nil, err
	}
	parts := bytes.SplitAfterN(b, []byte("\n"), lines+1)
	return bytes.Join(parts[:min(lines, len(parts))], nil), nil
}
