package inventory

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func addSeeds(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.csv")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		"asset_tag\n\"a\"\"b\"\n", "asset_tag,notes\nA,\"x\r\ny\"\r\n", "asset_tag\n\"open\n",
		"asset_tag;ips\nA;\"1.2.3.4;::1\"\n", "\xEF\xBB\xBFasset_tag\nA\n", "\xFF\xFEa\x00", "asset_tag\na\"b\n",
		"asset_tag,notes\nA,\"x\"y\n", "asset_tag\r\rA\r", ",,,\nasset_tag\n", "macs\n00:11:22:33:44:55\n",
	} {
		f.Add([]byte(s))
	}
}

// FuzzReader checks that no input makes the reader panic, loop, or return
// a record that is neither usable nor explained.
func FuzzReader(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx := context.Background()
		rd, err := NewReader(ctx, bytes.NewReader(data), Options{MaxCell: 64, MaxFields: 16, MaxRecord: 256})
		if err != nil {
			return
		}
		last := 0
		for i := 0; ; i++ {
			if i > len(data)+1 {
				t.Fatalf("more records than input bytes")
			}
			rec, err := rd.Next(ctx)
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
			if rec.Line <= last {
				t.Fatalf("line %d after line %d", rec.Line, last)
			}
			last = rec.Line
			for _, e := range rec.Errs {
				if e.Line != rec.Line || e.Message == "" {
					t.Fatalf("bad row error %+v for line %d", e, rec.Line)
				}
			}
			d := rec.Device
			if len(rec.Errs) == 0 && d.AssetTag == "" && d.Serial == "" && len(d.MACs) == 0 {
				t.Fatalf("line %d: a record without errors and without a key", rec.Line)
			}
			if len(rec.Errs) == 0 {
				if err := d.Validate(); err != nil {
					t.Fatalf("line %d: accepted a device core rejects: %v", rec.Line, err)
				}
			}
		}
	})
}

// FuzzTokenizer compares the tokenizer with encoding/csv on every input
// encoding/csv accepts.
func FuzzTokenizer(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		cr := csv.NewReader(bytes.NewReader(data))
		cr.FieldsPerRecord = -1
		want, err := cr.ReadAll()
		if err != nil {
			return
		}
		tok := newTokenizer(newBufReader(data), ',', 1<<30, 1<<30, 1<<30)
		var got [][]string
		for {
			err := tok.next(nil)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(tok.probs) > 0 {
				t.Fatalf("problems %v on input encoding/csv accepts", tok.probs)
			}
			rec := make([]string, tok.numCells())
			for i := range rec {
				rec[i] = string(tok.cell(i))
			}
			got = append(got, rec)
		}
		if len(want) == 0 && len(got) == 0 {
			return
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("tokenizer = %q\nencoding/csv = %q", got, want)
		}
	})
}

func FuzzEscape(f *testing.F) {
	for _, s := range []string{"", "=1+1", "'", "''", "'=", "-", "@x", "\tx", "abc", "'abc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := escapeCell(s)
		if e != "" && isFormulaStart(e[0]) {
			t.Fatalf("escape(%q) = %q starts a formula", s, e)
		}
		if u := unescapeCell(e); u != s {
			t.Fatalf("unescape(escape(%q)) = %q", s, u)
		}
	})
}

func newBufReader(b []byte) *bufio.Reader { return bufio.NewReaderSize(bytes.NewReader(b), 16) }
