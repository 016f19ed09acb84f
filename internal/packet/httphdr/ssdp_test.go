package httphdr

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/vigil-oss/vigil/internal/packet/internal/capturetest"
)

func TestSSDPCapture(t *testing.T) {
	dgrams := capturetest.Datagrams(t, "ssdp-m-search.pcap")
	if len(dgrams) != 19 {
		t.Fatalf("got %d datagrams, want 19", len(dgrams))
	}
	for _, d := range dgrams {
		// The capture's searches carry their start line only.
		s, err := DecodeSSDP(d.UDP)
		if err != nil || !reflect.DeepEqual(s, SSDP{Kind: "M-SEARCH"}) {
			t.Errorf("datagram %d: %+v, %v", d.Index, s, err)
		}
	}
}

func TestDecodeSSDP(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want SSDP
		err  string
	}{
		{"notify", "NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nCACHE-CONTROL: max-age=1800\r\n" +
			"LOCATION: http://10.1.2.3:49152/description.xml\r\nNT: urn:schemas-upnp-org:device:MediaServer:1\r\n" +
			"NTS: ssdp:alive\r\nSERVER: Linux/3.10 UPnP/1.0 Philips-IntelliSpace/4.1\r\n" +
			"USN: uuid:2f402f80-da50-11e1-9b23-001788255acb::urn:schemas-upnp-org:device:MediaServer:1\r\n" +
			"hue-bridgeid: 001788FFFE255ACB\r\nX-Model-Name: PIIC iX\r\n\r\n",
			SSDP{Kind: "NOTIFY", Server: "Linux/3.10 UPnP/1.0 Philips-IntelliSpace/4.1",
				USN:      "uuid:2f402f80-da50-11e1-9b23-001788255acb::urn:schemas-upnp-org:device:MediaServer:1",
				NT:       "urn:schemas-upnp-org:device:MediaServer:1",
				NTS:      "ssdp:alive",
				Location: "http://10.1.2.3:49152/description.xml",
				Extra:    []Header{{"hue-bridgeid", "001788FFFE255ACB"}, {"X-Model-Name", "PIIC iX"}}}, ""},
		{"search", "M-SEARCH * HTTP/1.1\nHOST: 239.255.255.250:1900\nMAN: \"ssdp:discover\"\nMX: 2\n" +
			"ST: ssdp:all\nUSER-AGENT: Android/14 UPnP/1.1 App/2\nX-User-Agent: redsonic",
			SSDP{Kind: "M-SEARCH", ST: "ssdp:all", UserAgent: "Android/14 UPnP/1.1 App/2",
				Extra: []Header{{"X-User-Agent", "redsonic"}}}, ""},
		{"response", "HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=100\r\nEXT:\r\nLOCATION: http://10.0.0.9:80/desc.xml\r\n" +
			"SERVER: VxWorks/6.9 UPnP/1.0 GE-CARESCAPE/2.0\r\nST: upnp:rootdevice\r\nUSN: uuid:abc::upnp:rootdevice\r\n\r\nbody ignored",
			SSDP{Kind: "response", Status: 200, Location: "http://10.0.0.9:80/desc.xml",
				Server: "VxWorks/6.9 UPnP/1.0 GE-CARESCAPE/2.0", ST: "upnp:rootdevice", USN: "uuid:abc::upnp:rootdevice"}, ""},
		{"long value and many extras", "NOTIFY * HTTP/1.1\r\nSERVER: " + strings.Repeat("s", 400) + "\r\n" +
			strings.Repeat("X-A: 1\r\n", MaxExtra+2),
			SSDP{Kind: "NOTIFY", Server: strings.Repeat("s", MaxValue), Extra: repeatHeader(Header{"X-A", "1"}, MaxExtra), Truncated: true}, ""},
		{"HTTP request is not SSDP", "GET / HTTP/1.1\r\n\r\n", SSDP{}, "ssdp: not an SSDP datagram"},
		{"bad status", "HTTP/1.1 2x0 OK\r\n", SSDP{}, "ssdp: not an SSDP datagram: invalid status line"},
		{"empty", "", SSDP{}, "ssdp: not an SSDP datagram"},
		{"header without colon", "NOTIFY * HTTP/1.1\r\nNT: a\r\ngarbage\r\n",
			SSDP{Kind: "NOTIFY", NT: "a"}, "ssdp: line 3 at offset 26: no colon in header line"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeSSDP([]byte(tc.in))
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || err.Error() != tc.err) {
				t.Errorf("err = %v, want %q", err, tc.err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
	if _, err := DecodeSSDP([]byte("SSH-2.0")); !errors.Is(err, ErrNotSSDP) {
		t.Errorf("err = %v, want ErrNotSSDP", err)
	}
}

func repeatHeader(h Header, n int) []Header {
	out := make([]Header, n)
	for i := range out {
		out[i] = h
	}
	return out
}

func FuzzSSDP(f *testing.F) {
	for _, d := range capturetest.Datagrams(f, "ssdp-m-search.pcap") {
		f.Add(d.UDP)
	}
	f.Add([]byte("NOTIFY * HTTP/1.1\r\nNT: a\r\nX-Y: \xff\x01z\r\nSERVER: s\r\n\r\n"))
	f.Add([]byte("HTTP/1.1 200 OK\r\nUSN: u\r\nST: s\nLOCATION: l\r\n"))
	f.Add([]byte("M-SEARCH * HTTP/1.1\r\nUSER-AGENT:\r\n:\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeSSDP(b)
		s2, err2 := DecodeSSDP(b)
		if !reflect.DeepEqual(s, s2) || (err == nil) != (err2 == nil) {
			t.Fatal("decoding is not stable")
		}
		if len(s.Extra) > MaxExtra {
			t.Fatalf("%d extra headers", len(s.Extra))
		}
		var ss []string
		allStrings(reflect.ValueOf(s), &ss)
		for _, x := range ss {
			if len(x) > MaxValue || !utf8.ValidString(x) || strings.ContainsAny(x, "\r\n\x00") {
				t.Fatalf("bad result string %q", x)
			}
		}
	})
}

func BenchmarkDecodeSSDP(b *testing.B) {
	in := []byte("NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nCACHE-CONTROL: max-age=1800\r\n" +
		"LOCATION: http://10.1.2.3:49152/description.xml\r\nNT: upnp:rootdevice\r\nNTS: ssdp:alive\r\n" +
		"SERVER: Linux/3.10 UPnP/1.0 Product/4.1\r\nUSN: uuid:2f402f80-da50-11e1-9b23-001788255acb::upnp:rootdevice\r\n\r\n")
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeSSDP(in); err != nil {
			b.Fatal(err)
		}
	}
}
