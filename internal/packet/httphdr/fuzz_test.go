package httphdr

import (
	"bytes"
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/vigil-oss/vigil/internal/packet/internal/capturetest"
)

// FuzzConn feeds a request stream and a response stream, split at seeded
// random points and interleaved, and checks that the split does not change
// the result and that results keep their bounds.
func FuzzConn(f *testing.F) {
	for _, name := range []string{"http-simple-get.pcap", "http.pcapng"} {
		s := capturetest.Streams(f, name)
		f.Add(s[0].Data, s[1].Data, uint64(len(name)))
	}
	f.Add([]byte("POST /l HTTP/1.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"pw\r\n3\r\n\":1\r\n0\r\n\r\n"),
		[]byte("HTTP/1.1 401 X\r\nWWW-Authenticate: Basic realm=\"r\"\r\nContent-Length: 2\r\n\r\nabHTTP/1.1 100 C\r\n\r\n"), uint64(1))
	f.Add([]byte("HEAD / HTTP/1.1\r\n\r\nGET /?password=1 HTTP/1.0\r\nAuthorization: Digest x\r\n\r\n"),
		[]byte("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nHTTP/1.0 200 OK\r\n\r\nrest"), uint64(2))
	f.Fuzz(func(t *testing.T, req, resp []byte, seed uint64) {
		script := []event{{true, string(req), 0}, {false, string(resp), 0}}
		if seed%3 == 0 && len(resp) > 0 {
			// A gap at a seeded place of the response stream.
			k := int(seed>>8) % len(resp)
			script = []event{script[0], {false, string(resp[:k]), 0}, {false, "", 1 + int(seed>>40)%100}, {false, string(resp[k:]), 0}}
		}
		want, wantOK := run(script, whole)
		got, gotOK := run(script, randomCut(seed))
		if wantOK != gotOK || !equalMessages(got, want) {
			t.Fatalf("split feeding differs:\n got %v %+v\nwant %v %+v", gotOK, got, wantOK, want)
		}
		for _, m := range got {
			var ss []string
			allStrings(reflect.ValueOf(m), &ss)
			if m.Err != nil {
				ss = ss[:len(ss)-1]
			}
			for _, s := range ss {
				if len(s) > MaxValue || !utf8.ValidString(s) || bytes.ContainsAny([]byte(s), "\r\n\x00") {
					t.Fatalf("bad result string %q", s)
				}
			}
			if len(m.Path) > MaxPath {
				t.Fatalf("path of %d bytes", len(m.Path))
			}
			if bytes.ContainsAny([]byte(m.Path), "?#") {
				t.Fatalf("path %q keeps a query or fragment", m.Path)
			}
		}
	})
}
