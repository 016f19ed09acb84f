package tlshello

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"math/big"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/vigil-oss/vigil/internal/packet/internal/capturetest"
)

// feedAll runs a connection's two directions through a Conn, client first,
// in chunks of at most size bytes.
func feedAll(t testing.TB, client, server []byte, size int) (Result, bool) {
	t.Helper()
	c := NewConn()
	more := true
	for _, d := range []struct {
		client bool
		b      []byte
	}{{true, client}, {false, server}} {
		b := d.b
		for len(b) > 0 && more {
			k := min(size, len(b))
			more = c.Feed(d.client, b[:k])
			b = b[k:]
		}
	}
	return c.Result(), more
}

func TestCaptureTLS12(t *testing.T) {
	s := capturetest.Streams(t, "openssl-tls1_2.pcap")
	if len(s) != 2 || s[0].Dst.Port() != 443 {
		t.Fatalf("streams %v", s)
	}
	if !Sniff(s[0].Data) || Sniff(s[1].Data) {
		t.Errorf("Sniff(client)=%v Sniff(server)=%v, want true false", Sniff(s[0].Data), Sniff(s[1].Data))
	}
	for _, size := range []int{1 << 20, 1, 3, 7, 100, 1460} {
		t.Run(chunkName(size), func(t *testing.T) {
			r, more := feedAll(t, s[0].Data, s[1].Data, size)
			if more {
				t.Error("Feed still wants bytes after the hellos and certificate")
			}
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			ch := r.Client
			if ch == nil || r.Server == nil || r.Certificate == nil {
				t.Fatalf("missing messages: %+v", r)
			}
			// openssl s_client sent no server_name: JA4 says "i".
			if ch.ServerName != "" || ch.LegacyVersion != VersionTLS12 || len(ch.CipherSuites) != 74 || ch.GREASE {
				t.Errorf("client hello: sni %q version %x ciphers %d grease %v", ch.ServerName, ch.LegacyVersion, len(ch.CipherSuites), ch.GREASE)
			}
			if !slices.Equal(ch.Extensions, []uint16{0x000b, 0x000a, 0x0023, 0x000d, 0x000f}) {
				t.Errorf("extensions %04x", ch.Extensions)
			}
			if !slices.Equal(ch.SupportedGroups, []uint16{0x0018, 0x0017}) || len(ch.SignatureAlgorithms) != 16 || ch.SignatureAlgorithms[0] != 0x0601 {
				t.Errorf("groups %04x sigalgs %04x", ch.SupportedGroups, ch.SignatureAlgorithms)
			}
			if ch.JA4 != "t12i740500_c43983326036_3eafcbe19126" {
				t.Errorf("JA4 %s", ch.JA4)
			}
			if !strings.HasPrefix(ch.JA4R, "t12i740500_0003,0004,0005,") || !strings.HasSuffix(ch.JA4R, "_000a,000b,000d,000f,0023_0601,0602,0603,0501,0502,0503,0401,0402,0403,0301,0302,0303,0201,0202,0203,0101") {
				t.Errorf("JA4_r %s", ch.JA4R)
			}
			if r.Server.Version != VersionTLS12 || r.Server.CipherSuite != 0xc02f || !slices.Equal(r.Server.Extensions, []uint16{0xff01, 0x000b, 0x0023}) {
				t.Errorf("server hello %+v", r.Server)
			}
			c := r.Certificate
			if c.ParseError != "" {
				t.Fatalf("leaf: %s", c.ParseError)
			}
			want := Certificate{
				Chain: 3, SHA256: "821256697c48a076a3c98f057453a6504ebfb7cfa6b2c6bb46fe85ec760043f1",
				SubjectCN: "*.google.com", SubjectO: []string{"Google Inc"},
				IssuerCN: "Google Internet Authority G2", IssuerO: []string{"Google Inc"},
				Serial:    "7a5b0bd895632f87",
				NotBefore: time.Date(2014, 9, 24, 10, 8, 5, 0, time.UTC), NotAfter: time.Date(2014, 12, 23, 0, 0, 0, 0, time.UTC),
				KeyAlgorithm: "RSA", KeyBits: 2048, SignatureAlgorithm: "SHA1-RSA",
			}
			got := *c
			got.DNSNames = nil
			if !reflect.DeepEqual(got, want) {
				t.Errorf("certificate\n got %+v\nwant %+v", got, want)
			}
			if len(c.DNSNames) != 32 || c.DNSNames[0] != "*.google.com" || !slices.Contains(c.DNSNames, "*.android.com") {
				t.Errorf("DNS names %q", c.DNSNames)
			}
			if r.CertificateEncrypted || r.Resumed {
				t.Errorf("encrypted %v resumed %v", r.CertificateEncrypted, r.Resumed)
			}
		})
	}
}

func chunkName(size int) string {
	if size >= 1<<20 {
		return "whole"
	}
	return "chunks of " + strconv.Itoa(size)
}

func TestCaptureTLS13(t *testing.T) {
	s := capturetest.Streams(t, "tls13.pcap")
	if len(s) != 2 || !s[0].Src.Addr().Is6() {
		t.Fatalf("streams %v", s)
	}
	for _, size := range []int{1 << 20, 1, 5, 517} {
		t.Run(chunkName(size), func(t *testing.T) {
			r, more := feedAll(t, s[0].Data, s[1].Data, size)
			if more || r.Err != nil {
				t.Fatalf("more %v err %v", more, r.Err)
			}
			ch := r.Client
			if ch.ServerName != "blog.cloudflare.com" || !slices.Equal(ch.ALPN, []string{"h2", "http/1.1"}) || !ch.GREASE {
				t.Errorf("sni %q alpn %q grease %v", ch.ServerName, ch.ALPN, ch.GREASE)
			}
			// Chrome of 2017 offered GREASE, then TLS 1.3 draft 18 (0x7f12).
			if !slices.Equal(ch.SupportedVersions, []uint16{0xcaca, 0x7f12, 0x0303, 0x0302, 0x0301}) || ch.MaxVersion != 0x7f12 {
				t.Errorf("versions %04x max %04x", ch.SupportedVersions, ch.MaxVersion)
			}
			// The JA4 version table has no drafts, so the version is "00".
			if ch.JA4 != "t00d1815h2_a30347de7a75_2a77702ff8e0" {
				t.Errorf("JA4 %s", ch.JA4)
			}
			if r.Server == nil || r.Server.Version != 0x7f12 || r.Server.CipherSuite != 0x1301 || VersionName(r.Server.Version) != "TLS 1.3 draft 18" {
				t.Errorf("server %+v", r.Server)
			}
			if !r.CertificateEncrypted || r.Certificate != nil {
				t.Errorf("certificate %+v encrypted %v", r.Certificate, r.CertificateEncrypted)
			}
		})
	}
}

func TestJA4SpecExample(t *testing.T) {
	tests := []struct {
		name    string
		body    []byte
		ja4     string
		ja4r    string
		greased bool
	}{
		{
			name: "worked example",
			body: specExample(specSigalgs, false),
			ja4:  "t13d1516h2_8daaf6152771_e5627efa2ab1",
			ja4r: "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601",
		},
		{
			name:    "same with GREASE everywhere",
			body:    specExample(specSigalgs, true),
			ja4:     "t13d1516h2_8daaf6152771_e5627efa2ab1",
			greased: true,
		},
		{
			// The specification's "no signature algorithms" case hashes the
			// extension list alone to 6d807ffa2a79.
			name: "no signature algorithms",
			body: specExample(nil, false),
			ja4:  "t13d1516h2_8daaf6152771_6d807ffa2a79",
			ja4r: "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01",
		},
		{
			name: "no ciphers, no extensions",
			body: clientHelloBody(0x0301, nil, nil),
			ja4:  "t10i000000_000000000000_000000000000",
			ja4r: "t10i000000__",
		},
		{
			name: "only SNI and ALPN",
			body: clientHelloBody(0x0303, []uint16{0x002f}, []ext{sniExt("pacs.example"), alpnExt("\xab\xcd")}),
			ja4:  "t12d0102ad_" + sha12("002f") + "_000000000000",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := ParseClientHello(tt.body)
			if err != nil {
				t.Fatal(err)
			}
			if h.JA4 != tt.ja4 {
				t.Errorf("JA4 %s, want %s", h.JA4, tt.ja4)
			}
			if tt.ja4r != "" && h.JA4R != tt.ja4r {
				t.Errorf("JA4_r\n got %s\nwant %s", h.JA4R, tt.ja4r)
			}
			if h.GREASE != tt.greased {
				t.Errorf("GREASE %v, want %v", h.GREASE, tt.greased)
			}
		})
	}
}

func sha12(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:12]
}

func TestJA4ALPN(t *testing.T) {
	// The examples of the specification's "ALPN Extension Value" section.
	for _, tt := range []struct{ in, want string }{
		{"h2", "h2"}, {"http/1.1", "h1"}, {"h", "hh"}, {"", "00"},
		{"\xab", "ab"}, {"\xab\xcd", "ad"}, {"\x30\xab", "3b"}, {"\x30\x31\xab\xcd", "3d"}, {"\x30\xab\xcd\x31", "01"},
	} {
		if got := ja4ALPN(tt.in); string(got[:]) != tt.want {
			t.Errorf("ja4ALPN(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestIsGREASE(t *testing.T) {
	for v := 0; v <= 0xffff; v++ {
		want := v>>8 == v&0xff && v&0x0f == 0x0a
		if IsGREASE(uint16(v)) != want {
			t.Fatalf("IsGREASE(%04x) = %v", v, !want)
		}
	}
}

func TestCounts(t *testing.T) {
	ciphers := make([]uint16, 120)
	for i := range ciphers {
		ciphers[i] = uint16(0x1000 + i)
	}
	h, err := ParseClientHello(clientHelloBody(0x0303, ciphers, []ext{}))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h.JA4, "t12i990000_") {
		t.Errorf("JA4 %s, want counts capped at 99", h.JA4)
	}
}

func TestSplitRecords(t *testing.T) {
	hello := handshakeMsg(hsClientHello, specExample(specSigalgs, true))
	want, err := ParseClientHello(hello[4:])
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{1, 2, 3, 4, 5, 17, 100} {
		t.Run("records of "+strconv.Itoa(size), func(t *testing.T) {
			stream := records(hello, size)
			for _, chunk := range []int{1, 4, 9, len(stream)} {
				c := NewConn()
				for b := stream; len(b) > 0; {
					k := min(chunk, len(b))
					c.Feed(true, b[:k])
					b = b[k:]
				}
				r := c.Result()
				if r.Err != nil || !reflect.DeepEqual(r.Client, want) {
					t.Fatalf("chunk %d: err %v client %+v", chunk, r.Err, r.Client)
				}
			}
		})
	}
}

func TestServerFlows(t *testing.T) {
	client := record(recHandshake, handshakeMsg(hsClientHello, specExample(specSigalgs, false)))
	sh12 := handshakeMsg(hsServerHello, serverHelloBody(VersionTLS12, [32]byte{1}, 0xc02f, []ext{{0xff01, []byte{0}}}))
	sh13 := handshakeMsg(hsServerHello, serverHelloBody(VersionTLS12, [32]byte{1}, 0x1301, []ext{{extSupportedVersions, be16(VersionTLS13)}}))
	hrr := handshakeMsg(hsServerHello, serverHelloBody(VersionTLS12, helloRetryRandom, 0x1301, []ext{{extSupportedVersions, be16(VersionTLS13)}}))
	der := selfSignedDER(t)
	done := handshakeMsg(14, nil)
	ccs := record(recChangeCipherSpec, []byte{1})

	tests := []struct {
		name      string
		server    []byte
		version   uint16
		encrypted bool
		resumed   bool
		cert      bool
		errHas    string
	}{
		{"tls12 one record holding hello, certificate, done", record(recHandshake, cat(sh12, certificateMsg(der), done)), VersionTLS12, false, false, true, ""},
		{"tls12 certificate split across records", cat(record(recHandshake, sh12), records(certificateMsg(der), 50)), VersionTLS12, false, false, true, ""},
		{"tls12 resumed", cat(record(recHandshake, sh12), ccs), VersionTLS12, false, true, false, ""},
		{"tls12 no certificate", record(recHandshake, cat(sh12, handshakeMsg(12, make([]byte, 300)), done)), VersionTLS12, false, true, false, ""},
		{"tls13", cat(record(recHandshake, sh13), ccs, record(recApplicationData, make([]byte, 40))), VersionTLS13, true, false, false, ""},
		{"tls13 after hello retry", cat(record(recHandshake, hrr), ccs, record(recHandshake, sh13)), VersionTLS13, true, false, false, ""},
		{"alert instead of hello", record(recAlert, []byte{2, 40}), 0, false, false, false, ""},
		{"oversized certificate", record(recHandshake, cat(sh12, []byte{hsCertificate, 0x01, 0x00, 0x01})), VersionTLS12, false, false, false, "Certificate at offset 54: length 65537 exceeds 65536"},
		{"garbage record", []byte("HTTP/1.1 200 OK\r\n"), 0, false, false, false, "server record at offset 0: type 72"},
		{"record too long", []byte{recHandshake, 3, 3, 0xff, 0xff}, 0, false, false, false, "length 65535 exceeds 18432"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, more := feedAll(t, client, tt.server, 1<<20)
			if more {
				t.Error("Feed still wants bytes")
			}
			if tt.errHas == "" && r.Err != nil || tt.errHas != "" && (r.Err == nil || !strings.Contains(r.Err.Error(), tt.errHas)) {
				t.Fatalf("err %v, want %q", r.Err, tt.errHas)
			}
			if r.Client == nil {
				t.Fatal("client hello lost")
			}
			if tt.version != 0 && (r.Server == nil || r.Server.Version != tt.version) {
				t.Errorf("server %+v, want version %04x", r.Server, tt.version)
			}
			if r.CertificateEncrypted != tt.encrypted || r.Resumed != tt.resumed || (r.Certificate != nil) != tt.cert {
				t.Errorf("encrypted %v resumed %v cert %+v", r.CertificateEncrypted, r.Resumed, r.Certificate)
			}
			if tt.cert {
				c := r.Certificate
				if !c.SelfSigned || c.SubjectCN != "infusion-7.local" || !slices.Equal(c.SubjectO, []string{"Example Medical"}) ||
					!slices.Equal(c.SubjectOU, []string{"Pumps"}) || c.IssuerCN != "infusion-7.local" || c.KeyAlgorithm != "ECDSA" ||
					c.KeyBits != 256 || c.SignatureAlgorithm != "ECDSA-SHA256" || c.Serial != "1234" || c.Chain != 1 ||
					!slices.Equal(c.DNSNames, []string{"infusion-7.local"}) {
					t.Errorf("certificate %+v", c)
				}
			}
		})
	}
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func selfSignedDER(t testing.TB) []byte {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	name := pkix.Name{CommonName: "infusion-7.local", Organization: []string{"Example Medical"}, OrganizationalUnit: []string{"Pumps"}}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(0x1234), Subject: name, Issuer: name, DNSNames: []string{"infusion-7.local"},
		NotBefore: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), NotAfter: time.Date(2034, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestCertificateParseError(t *testing.T) {
	c, err := parseCertificates(certificateMsg([]byte{0x30, 0x03, 1, 2, 3}, []byte{0x30, 0})[4:], nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Chain != 2 || c.ParseError == "" || c.SubjectCN != "" || len(c.SHA256) != 64 {
		t.Errorf("%+v", c)
	}
	if _, err := parseCertificates([]byte{0, 0, 9, 0, 0, 5, 1}, nil); err == nil || !strings.Contains(err.Error(), "certificate_list length 9") {
		t.Errorf("err %v", err)
	}
}

func TestClientErrors(t *testing.T) {
	good := specExample(specSigalgs, false)
	tests := []struct {
		name   string
		stream []byte
		sslv2  bool
		errHas string
	}{
		{"http", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), false, "client record at offset 0: type 71"},
		{"sslv2 hello", []byte{0x80, 0x2e, 0x01, 0x00, 0x02, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10}, true, ""},
		{"application data first", record(recApplicationData, []byte{1, 2}), false, "content type 23 before the ClientHello"},
		{"server hello from the client", record(recHandshake, handshakeMsg(hsServerHello, nil)), false, "type 2, want ClientHello"},
		{"hello too big", record(recHandshake, []byte{hsClientHello, 0x00, 0x40, 0x01}), false, "length 16385 exceeds 16384"},
		{"empty handshake record", record(recHandshake, nil), false, "empty handshake record"},
		{"truncated cipher list", record(recHandshake, handshakeMsg(hsClientHello, good[:40])), false, "ClientHello at offset 5: cipher_suites at offset 37"},
		{"bad ALPN", record(recHandshake, handshakeMsg(hsClientHello, clientHelloBody(0x0303, []uint16{1}, []ext{{extALPN, []byte{0, 3, 9, 'h', '2'}}}))), false, "extension 0x0010 at offset 43: protocol_name at offset 1: need 9 bytes, 2 left"},
		{"odd cipher length", record(recHandshake, handshakeMsg(hsClientHello, append(append(be16(0x0303), make([]byte, 33)...), 0, 3, 1, 2, 3, 1, 0))), false, "cipher_suites length 3 at offset 35 is odd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewConn()
			if c.Feed(true, tt.stream) {
				t.Error("Feed wants more of a stream it cannot decode")
			}
			r := c.Result()
			if r.SSLv2 != tt.sslv2 {
				t.Errorf("SSLv2 %v", r.SSLv2)
			}
			if tt.errHas == "" && r.Err != nil || tt.errHas != "" && (r.Err == nil || !strings.Contains(r.Err.Error(), tt.errHas)) {
				t.Fatalf("err %v, want %q", r.Err, tt.errHas)
			}
			if c.Feed(false, record(recHandshake, handshakeMsg(hsServerHello, nil))) {
				t.Error("a stopped Conn accepted more")
			}
		})
	}
	if !Sniff([]byte{0x80, 0x2e, 0x01, 0x03, 0x01, 0x00}) || Sniff([]byte("GET / HTTP/1.1")) || Sniff([]byte{22, 3, 1}) {
		t.Error("Sniff")
	}
}

func TestGap(t *testing.T) {
	hello := record(recHandshake, handshakeMsg(hsClientHello, specExample(specSigalgs, false)))
	sh := record(recHandshake, handshakeMsg(hsServerHello, serverHelloBody(VersionTLS12, [32]byte{}, 0x009c, nil)))

	t.Run("inside a hello abandons the direction", func(t *testing.T) {
		c := NewConn()
		c.Feed(true, hello[:30])
		c.Gap(true, 10)
		if !c.Feed(false, sh) {
			t.Error("the server direction should still be followed")
		}
		r := c.Result()
		if r.Client != nil || r.Err == nil || !strings.Contains(r.Err.Error(), "client stream at offset 30: gap of 10 bytes") {
			t.Errorf("client %v err %v", r.Client, r.Err)
		}
		if r.Server == nil || r.Server.CipherSuite != 0x009c {
			t.Errorf("server %+v", r.Server)
		}
	})
	t.Run("after the hello it is ignored", func(t *testing.T) {
		c := NewConn()
		c.Feed(true, hello)
		c.Gap(true, 1000)
		if c.Result().Err != nil || c.Result().Client == nil {
			t.Errorf("err %v", c.Result().Err)
		}
	})
	t.Run("inside a skipped record is absorbed", func(t *testing.T) {
		c := NewConn()
		c.Feed(true, hello)
		// A change_cipher_spec record before the hello is tolerated and
		// skipped, so losing part of its body loses nothing.
		c.Feed(false, []byte{recChangeCipherSpec, 3, 3, 0, 10, 1, 1, 1, 1})
		c.Gap(false, 6)
		c.Feed(false, sh)
		r := c.Result()
		if r.Err != nil || r.Server == nil || r.Server.CipherSuite != 0x009c {
			t.Errorf("err %v server %+v", r.Err, r.Server)
		}
	})
}

func TestNoAliasing(t *testing.T) {
	s := capturetest.Streams(t, "tls13.pcap")
	client := bytes.Clone(s[0].Data)
	c := NewConn()
	c.Feed(true, client)
	for i := range client {
		client[i] = 'X'
	}
	r := c.Result()
	if r.Client.ServerName != "blog.cloudflare.com" || r.Client.ALPN[0] != "h2" {
		t.Errorf("result changed with the input: %q %q", r.Client.ServerName, r.Client.ALPN)
	}
}

func TestVersionName(t *testing.T) {
	for v, want := range map[uint16]string{0x0300: "SSL 3.0", 0x0301: "TLS 1.0", 0x0304: "TLS 1.3", 0x7f17: "TLS 1.3 draft 23", 0xfefd: "DTLS 1.2", 0x1234: "0x1234"} {
		if got := VersionName(v); got != want {
			t.Errorf("VersionName(%04x) = %q, want %q", v, got, want)
		}
	}
}

// checkResult holds the invariants every Result keeps, whatever the input.
func checkResult(t *testing.T, r Result) {
	t.Helper()
	if h := r.Client; h != nil {
		if !utf8.ValidString(h.ServerName) || len(h.ServerName) > maxNameLen || len(h.ALPN) > maxALPN {
			t.Fatalf("client hello out of bounds: %q %d", h.ServerName, len(h.ALPN))
		}
		if h.JA4 != "" && (len(h.JA4) != 36 || h.JA4[0] != 't' || h.JA4[10] != '_' || h.JA4[23] != '_' || !strings.HasPrefix(h.JA4R, h.JA4[:11])) {
			t.Fatalf("malformed JA4 %q / %q", h.JA4, h.JA4R)
		}
	}
	if c := r.Certificate; c != nil {
		for _, s := range append(append([]string{c.SubjectCN, c.IssuerCN, c.ParseError, c.Serial}, c.SubjectO...), c.DNSNames...) {
			if !utf8.ValidString(s) || len(s) > 512 {
				t.Fatalf("certificate string out of bounds: %q", s)
			}
		}
	}
}

func FuzzConn(f *testing.F) {
	for _, name := range []string{"openssl-tls1_2.pcap", "tls13.pcap"} {
		s := capturetest.Streams(f, name)
		f.Add(s[0].Data, s[1].Data, uint16(7))
		f.Add(s[0].Data[:len(s[0].Data)/2], s[1].Data[:len(s[1].Data)/3], uint16(300))
	}
	client := record(recHandshake, handshakeMsg(hsClientHello, specExample(specSigalgs, true)))
	f.Add(client, record(recHandshake, cat(handshakeMsg(hsServerHello, serverHelloBody(VersionTLS12, helloRetryRandom, 0x1301, nil)))), uint16(1))
	f.Add([]byte{0x80, 0x2e, 0x01, 0x00, 0x02}, []byte{}, uint16(2))
	f.Add(records(handshakeMsg(hsClientHello, specExample(nil, false)), 3), []byte{22, 3, 3, 0, 4, 2, 0, 0, 0}, uint16(5))
	f.Fuzz(func(t *testing.T, client, server []byte, size uint16) {
		whole, _ := feedAll(t, client, server, 1<<30)
		checkResult(t, whole)
		// Framing is independent of how the bytes are cut.
		split, _ := feedAll(t, client, server, int(size%512)+1)
		checkResult(t, split)
		if !reflect.DeepEqual(whole.Client, split.Client) || !reflect.DeepEqual(whole.Server, split.Server) ||
			!reflect.DeepEqual(whole.Certificate, split.Certificate) || whole.SSLv2 != split.SSLv2 ||
			whole.CertificateEncrypted != split.CertificateEncrypted || (whole.Err == nil) != (split.Err == nil) {
			t.Fatalf("split feeding differs:\nwhole %+v\nsplit %+v", whole, split)
		}
	})
}

func FuzzClientHello(f *testing.F) {
	for _, name := range []string{"openssl-tls1_2.pcap", "tls13.pcap"} {
		s := capturetest.Streams(f, name)
		if len(s[0].Data) > 9 {
			f.Add(s[0].Data[9:])
		}
	}
	f.Add(specExample(specSigalgs, true))
	f.Add(specExample(nil, false))
	f.Add(clientHelloBody(0x0301, nil, nil))
	f.Fuzz(func(t *testing.T, body []byte) {
		in := bytes.Clone(body)
		h, err := ParseClientHello(body)
		if !bytes.Equal(in, body) {
			t.Fatal("ParseClientHello modified its input")
		}
		checkResult(t, Result{Client: h})
		if err == nil && h.JA4 == "" {
			t.Fatal("no JA4 on success")
		}
		h2, err2 := ParseClientHello(body)
		if !reflect.DeepEqual(h, h2) || (err == nil) != (err2 == nil) {
			t.Fatal("second parse differs")
		}
	})
}

func BenchmarkClientHello(b *testing.B) {
	s := capturetest.Streams(b, "tls13.pcap")
	b.SetBytes(int64(len(s[0].Data)))
	b.ReportAllocs()
	for b.Loop() {
		c := NewConn()
		c.Feed(true, s[0].Data)
		if c.Result().Client == nil {
			b.Fatal(c.Result().Err)
		}
	}
}

func BenchmarkHandshakeTLS12(b *testing.B) {
	s := capturetest.Streams(b, "openssl-tls1_2.pcap")
	b.SetBytes(int64(len(s[0].Data) + len(s[1].Data)))
	b.ReportAllocs()
	for b.Loop() {
		c := NewConn()
		c.Feed(true, s[0].Data)
		c.Feed(false, s[1].Data)
		if c.Result().Certificate == nil {
			b.Fatal(c.Result().Err)
		}
	}
}

func TestBounds(t *testing.T) {
	if got := boundString(strings.Repeat("é", 200), 9); got != "éééé" {
		t.Errorf("boundString cut inside a rune: %q", got)
	}
	if got := boundString("a\xffb", 10); got != "a\uFFFDb" {
		t.Errorf("boundString kept invalid UTF-8: %q", got)
	}
	h, err := ParseClientHello(clientHelloBody(0x0303, []uint16{0x002f}, []ext{sniExt("pump\xff.icu")}))
	if err != nil || h.ServerName != "pump\uFFFD.icu" {
		t.Errorf("server name %q err %v", h.ServerName, err)
	}
	_, err = ParseClientHello(clientHelloBody(0x0303, []uint16{0x002f}, []ext{sniExt(strings.Repeat("a", 256))}))
	if err == nil || !strings.Contains(err.Error(), "host_name of 256 bytes exceeds 255") {
		t.Errorf("err %v", err)
	}
	for v, want := range map[uint16]string{0x0304: "13", 0x0303: "12", 0x0302: "11", 0x0301: "10", 0x0300: "s3", 0x0002: "s2", 0xfeff: "d1", 0xfefd: "d2", 0xfefc: "d3", 0x7f12: "00"} {
		if got := ja4Version(v); got != want {
			t.Errorf("ja4Version(%04x) = %q, want %q", v, got, want)
		}
	}
}

// A cached certificate reads back the same as a parsed one, with the
// chain length of the message it came in.
func TestCertCache(t *testing.T) {
	streams := capturetest.Streams(t, "openssl-tls1_2.pcap")
	cache := NewCertCache()
	var results []Result
	for range 2 {
		c := NewConnCached(cache)
		for _, s := range streams {
			c.Feed(s.Src.Port() != 443, s.Data)
		}
		results = append(results, c.Result())
	}
	a, b := results[0].Certificate, results[1].Certificate
	if a == nil || b == nil || a == b || !reflect.DeepEqual(*a, *b) || len(cache.m) != 1 {
		t.Fatalf("uncached %+v, cached %+v, %d in the cache", a, b, len(cache.m))
	}
	plain := NewConn()
	for _, s := range streams {
		plain.Feed(s.Src.Port() != 443, s.Data)
	}
	if !reflect.DeepEqual(*plain.Result().Certificate, *a) {
		t.Errorf("a cache changes the result")
	}
}
