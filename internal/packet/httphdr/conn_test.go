package httphdr

import (
	"bytes"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/vigil-oss/vigil/internal/packet/internal/capturetest"
)

// event is one Feed call of a scripted connection.
type event struct {
	client bool
	data   string
	gap    int // when > 0, a Gap of that size instead of data
}

// run plays a script into a fresh Conn, cutting every Feed into pieces with
// cut, and returns the messages and the last Feed result.
func run(script []event, cut func(int) int) ([]Message, bool) {
	var got []Message
	c := NewConn(func(m Message) { got = append(got, m) })
	ok := true
	for _, e := range script {
		if e.gap > 0 {
			c.Gap(e.client, e.gap)
			continue
		}
		data := []byte(e.data)
		for len(data) > 0 {
			n := min(cut(len(data)), len(data))
			buf := bytes.Clone(data[:n])
			ok = c.Feed(e.client, buf)
			for i := range buf {
				buf[i] = 'X' // the Conn must not keep it
			}
			data = data[n:]
		}
	}
	c.Close()
	return got, ok
}

func whole(n int) int { return n }
func oneByte(int) int { return 1 }
func randomCut(seed uint64) func(int) int {
	r := rand.New(rand.NewPCG(seed, 1))
	return func(n int) int { return 1 + r.IntN(min(n, 23)) }
}

// allStrings collects every string in v, error texts included.
func allStrings(v reflect.Value, out *[]string) {
	switch v.Kind() {
	case reflect.String:
		*out = append(*out, v.String())
	case reflect.Struct:
		for i := range v.NumField() {
			allStrings(v.Field(i), out)
		}
	case reflect.Slice:
		for i := range v.Len() {
			allStrings(v.Index(i), out)
		}
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return
		}
		if err, ok := v.Interface().(error); ok {
			*out = append(*out, err.Error())
			return
		}
		allStrings(v.Elem(), out)
	}
}

func TestCaptures(t *testing.T) {
	cases := []struct {
		file          string
		req, resp     Message
		respBodyBytes int
	}{
		{"http-simple-get.pcap",
			Message{Method: "GET", Path: "/", Version: "HTTP/1.1", Host: "xxxxxxxxxxxxx.xxx.com",
				UserAgent: "curl/7.24.0 (x86_64-apple-darwin12.0) libcurl/7.24.0 OpenSSL/0.9.8y zlib/1.2.5", ContentLength: -1},
			Message{Response: true, Version: "HTTP/1.1", Status: 403, Server: "Apache/2.2.15 (CentOS)",
				ContentType: "text/html", ContentLength: 5039}, 5039},
		{"http.pcapng",
			Message{Method: "GET", Path: "/", Version: "HTTP/1.1", Host: "google.com", UserAgent: "curl/7.68.0", ContentLength: -1},
			Message{Response: true, Version: "HTTP/1.1", Status: 301, Server: "gws", ContentType: "text/html", ContentLength: 219}, 219},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			streams := capturetest.Streams(t, tc.file)
			if len(streams) != 2 || !Sniff(streams[0].Data) || !Sniff(streams[1].Data) {
				t.Fatalf("want two HTTP streams, got %d", len(streams))
			}
			script := []event{{client: true, data: string(streams[0].Data)}, {data: string(streams[1].Data)}}
			for name, cut := range map[string]func(int) int{"whole": whole, "one byte": oneByte, "random": randomCut(3)} {
				got, ok := run(script, cut)
				if !ok {
					t.Errorf("%s: Feed returned false", name)
				}
				want := []Message{tc.req, tc.resp}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s:\n got %+v\nwant %+v", name, got, want)
				}
			}
		})
	}
}

func TestConn(t *testing.T) {
	cases := []struct {
		name   string
		script []event
		want   []Message
		wantOK bool
		secret string // must appear in no result string
	}{
		{"basic auth", []event{{true, "GET /admin HTTP/1.1\r\nHost: pump-7\r\nAuthorization: Basic dXNlcjpodW50ZXIy\r\n\r\n", 0}},
			[]Message{{Method: "GET", Path: "/admin", Version: "HTTP/1.1", Host: "pump-7", AuthScheme: "Basic", ContentLength: -1}},
			true, "dXNlcjpodW50ZXIy"},
		{"bare credential is not a scheme", []event{{true, "GET / HTTP/1.1\r\nauthorization: s3cr3t-api-key\r\n\r\n", 0}},
			[]Message{{Method: "GET", Path: "/", Version: "HTTP/1.1", AuthScheme: "other", ContentLength: -1}},
			true, "s3cr3t"},
		{"form login", []event{{true, "POST /login.cgi HTTP/1.0\r\nContent-Type: application/x-www-form-urlencoded; charset=UTF-8\r\nContent-Length: 30\r\n\r\nuser=admin&pass%77ord=hunter2x", 0},
			{false, "HTTP/1.0 302 Found\r\nLocation: /\r\nContent-Length: 0\r\n\r\n", 0}},
			[]Message{{Method: "POST", Path: "/login.cgi", Version: "HTTP/1.0", ContentType: "application/x-www-form-urlencoded",
				ContentLength: 30, PasswordField: true},
				{Response: true, Version: "HTTP/1.0", Status: 302, ContentLength: 0}},
			true, "hunter2"},
		{"form without password", []event{{true, "POST /search HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 11\r\n\r\nq=passenger", 0}},
			[]Message{{Method: "POST", Path: "/search", Version: "HTTP/1.1", ContentType: "application/x-www-form-urlencoded", ContentLength: 11}},
			true, ""},
		{"JSON login, chunked", []event{{true, "POST /api/session HTTP/1.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"10\r\n{\"user\":\"a\", \"pw\r\na;ext=1\r\nd\" : \"z9\"}\r\n0\r\nX-Trailer: 1\r\n\r\nGET /next HTTP/1.1\r\n\r\n", 0}},
			[]Message{{Method: "POST", Path: "/api/session", Version: "HTTP/1.1", ContentType: "application/json", ContentLength: -1, Chunked: true, PasswordField: true},
				{Offset: 152, Method: "GET", Path: "/next", Version: "HTTP/1.1", ContentLength: -1}},
			true, "z9"},
		{"multipart login", []event{{true, "PUT /cfg HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 67\r\n\r\n" +
			"--b\r\nContent-Disposition: form-data; name=\"PASSWD\"\r\n\r\nqwerty\r\n--b--", 0}},
			[]Message{{Method: "PUT", Path: "/cfg", Version: "HTTP/1.1", ContentType: "multipart/form-data", ContentLength: 67, PasswordField: true}},
			true, "qwerty"},
		{"file named like a password is not a field", []event{{true, "POST /up HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 73\r\n\r\n" +
			"--b\r\nContent-Disposition: form-data; filename=\"passwords.txt\"\r\n\r\nx\r\n--b--", 0}},
			[]Message{{Method: "POST", Path: "/up", Version: "HTTP/1.1", ContentType: "multipart/form-data", ContentLength: 73}},
			true, ""},
		{"password in the query, which is dropped", []event{{true, "GET /cgi-bin/login?user=a&pwd=letmein&id=PATIENT42#frag HTTP/1.1\r\n\r\n", 0}},
			[]Message{{Method: "GET", Path: "/cgi-bin/login", Version: "HTTP/1.1", ContentLength: -1, PasswordField: true}},
			true, "letmein"},
		{"long request line", []event{{true, "GET /" + strings.Repeat("a", 300) + "?" + strings.Repeat("q", 2000) + " HTTP/1.1\r\nHost: h\r\n\r\n", 0}},
			[]Message{{Method: "GET", Path: "/" + strings.Repeat("a", MaxPath-1), Version: "HTTP/1.1", Host: "h", ContentLength: -1, Truncated: true}},
			true, "qqq"},
		{"pipelined with HEAD, interim and chunked responses", []event{
			{true, "HEAD /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\n\r\n", 0},
			{false, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" +
				"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n" +
				"HTTP/1.1 404 Not Found\r\nServer: Mongoose/6.1\r\nContent-Length: 3\r\n\r\nno!", 0}},
			[]Message{
				{Method: "HEAD", Path: "/a", Version: "HTTP/1.1", Host: "x", ContentLength: -1},
				{Offset: 29, Method: "GET", Path: "/b", Version: "HTTP/1.1", Host: "x", ContentLength: -1},
				{Offset: 57, Method: "GET", Path: "/c", Version: "HTTP/1.1", ContentLength: -1},
				{Response: true, Version: "HTTP/1.1", Status: 200, ContentLength: 1000},
				{Response: true, Offset: 66, Version: "HTTP/1.1", Status: 200, ContentLength: -1, Chunked: true},
				{Response: true, Offset: 134, Version: "HTTP/1.1", Status: 404, Server: "Mongoose/6.1", ContentLength: 3}},
			true, ""},
		{"challenge with realm", []event{{false, "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Digest realm=\"IntelliVue MX800\", nonce=\"abc\"\r\n" +
			"WWW-Authenticate: Basic realm=x\r\nX-Powered-By: PHP/5.2.17\r\nContent-Length: 0\r\n\r\n", 0}},
			[]Message{{Response: true, Version: "HTTP/1.1", Status: 401, Challenge: "Digest", Realm: "IntelliVue MX800",
				PoweredBy: "PHP/5.2.17", ContentLength: 0}},
			true, ""},
		{"switching protocols ends decoding", []event{{true, "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n", 0},
			{false, "HTTP/1.1 101 Switching Protocols\r\n\r\n\x81\x05hello", 0}},
			[]Message{{Method: "GET", Path: "/ws", Version: "HTTP/1.1", ContentLength: -1},
				{Response: true, Version: "HTTP/1.1", Status: 101, ContentLength: -1}},
			false, ""},
		{"body to close ends decoding", []event{{false, "HTTP/1.0 200 OK\r\nServer: GoAhead-Webs\r\n\r\n<html>", 0}},
			[]Message{{Response: true, Version: "HTTP/1.0", Status: 200, Server: "GoAhead-Webs", ContentLength: -1}},
			false, ""},
		{"capture started mid-body on the client side", []event{{false, "HTTP/1.1 204 No Content\r\n\r\n", 0},
			{true, "\x00\x01binary body tail", 0}, {false, "HTTP/1.1 200 OK\r\nServer: s\r\nContent-Length: 0\r\n\r\n", 0}},
			[]Message{{Response: true, Version: "HTTP/1.1", Status: 204, ContentLength: -1},
				{Response: true, Offset: 27, Version: "HTTP/1.1", Status: 200, Server: "s", ContentLength: 0}},
			true, ""},
		{"not HTTP", []event{{true, "SSH-2.0-OpenSSH_8.9\r\n", 0}}, nil, false, ""},
		{"binary", []event{{true, "\x16\x03\x01\x02\x00", 0}}, nil, false, ""},
		{"header block too long", []event{{true, "GET / HTTP/1.1\r\nHost: a\r\n" + strings.Repeat("Cookie: c=1\r\n", MaxHeader/13+1), 0},
			{false, "HTTP/1.1 204 No Content\r\n\r\n", 0}},
			[]Message{{Method: "GET", Path: "/", Version: "HTTP/1.1", Host: "a", ContentLength: -1,
				Err: errText("httphdr: request 1 at offset 0: header block exceeds 16384 bytes")},
				{Response: true, Version: "HTTP/1.1", Status: 204, ContentLength: -1}},
			true, ""},
		{"conflicting lengths", []event{{false, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 0}},
			[]Message{{Response: true, Version: "HTTP/1.1", Status: 200, ContentLength: -1,
				Err: errText("httphdr: response 1 at offset 0: invalid or conflicting Content-Length")}},
			true, ""},
		{"gap inside a body is skipped", []event{{false, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab", 0}, {false, "", 5},
			{false, "cde" + "HTTP/1.1 304 Not Modified\r\n\r\n", 0}},
			[]Message{{Response: true, Version: "HTTP/1.1", Status: 200, ContentLength: 10},
				{Response: true, Offset: 49, Version: "HTTP/1.1", Status: 304, ContentLength: -1}},
			true, ""},
		{"gap inside headers gives the direction up", []event{{true, "GET / HTTP/1.1\r\nHo", 0}, {true, "", 7}, {true, "GET /x HTTP/1.1\r\n\r\n", 0},
			{false, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0}},
			[]Message{{Method: "GET", Path: "/", Version: "HTTP/1.1", ContentLength: -1, Err: errText("httphdr: request 1 at offset 0: gap of 7 bytes")},
				{Response: true, Version: "HTTP/1.1", Status: 200, ContentLength: 0}},
			true, ""},
		{"stream ends inside headers", []event{{true, "GET / HTTP/1.1\r\nHost: a\r\n", 0}},
			[]Message{{Method: "GET", Path: "/", Version: "HTTP/1.1", Host: "a", ContentLength: -1,
				Err: errText("httphdr: request 1 at offset 0: stream ended inside the header block")}},
			true, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for name, cut := range map[string]func(int) int{"whole": whole, "one byte": oneByte, "random": randomCut(11)} {
				got, ok := run(tc.script, cut)
				if ok != tc.wantOK {
					t.Errorf("%s: Feed = %v, want %v", name, ok, tc.wantOK)
				}
				if !equalMessages(got, tc.want) {
					t.Errorf("%s:\n got %+v\nwant %+v", name, got, tc.want)
				}
				if tc.secret != "" {
					var ss []string
					allStrings(reflect.ValueOf(got), &ss)
					for _, s := range ss {
						if strings.Contains(s, tc.secret) {
							t.Errorf("%s: result %q holds %q", name, s, tc.secret)
						}
					}
				}
			}
		})
	}
}

type errText string

func (e errText) Error() string { return string(e) }

// equalMessages compares messages, errors by their text.
func equalMessages(a, b []Message) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if (x.Err == nil) != (y.Err == nil) || x.Err != nil && x.Err.Error() != y.Err.Error() {
			return false
		}
		x.Err, y.Err = nil, nil
		if !reflect.DeepEqual(x, y) {
			return false
		}
	}
	return true
}

func TestSniff(t *testing.T) {
	for in, want := range map[string]bool{
		"GET / HTTP/1.1": true, "OPTIONS * HTTP/1.1": true, "PROPFIND /d HTTP/1.1": true, "HTTP/1.1 200 OK": true,
		"GET": false, "GETX / HTTP/1.1": false, "get / HTTP/1.1": false, "HTTP/2 200": false, "\x0bMSH": false, "": false,
	} {
		if got := Sniff([]byte(in)); got != want {
			t.Errorf("Sniff(%q) = %v, want %v", in, got, want)
		}
	}
}

func BenchmarkConn(b *testing.B) {
	streams := capturetest.Streams(b, "http-simple-get.pcap")
	b.SetBytes(int64(len(streams[0].Data) + len(streams[1].Data)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		c := NewConn(func(Message) { n++ })
		c.Feed(true, streams[0].Data)
		c.Feed(false, streams[1].Data)
	}
	if n == 0 {
		b.Fatal("no message")
	}
}

// Request lines around MaxLine: the version must be found whether it lies in
// the kept part, the dropped part or across both.
func TestLongRequestLine(t *testing.T) {
	for n := MaxLine - 20; n <= MaxLine+20; n++ {
		target := "/" + strings.Repeat("b", n-len("GET  HTTP/1.1\r\n")-1)
		got, ok := run([]event{{true, "GET " + target + " HTTP/1.1\r\n\r\n", 0}}, whole)
		if !ok || len(got) != 1 || got[0].Version != "HTTP/1.1" || got[0].Path != target[:MaxPath] {
			t.Errorf("line of %d bytes: ok %v, %+v", n, ok, got)
		}
	}
}

// The sensor engine drives decoders through this method set.
var _ interface {
	Feed(client bool, b []byte) bool
	Gap(client bool, n int)
	Close()
} = (*Conn)(nil)
