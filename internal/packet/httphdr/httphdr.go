// Package httphdr owns the sensor's HTTP/1.x header decoder and its SSDP
// datagram decoder: it follows a TCP stream of requests and responses and
// keeps what identifies the two ends (Host, User-Agent, Server, status) and
// the facts of a cleartext login (an Authorization scheme, a password-like
// form field), never a credential, a query string or a body.
package httphdr

import (
	"bytes"
	"unicode/utf8"
)

// Limits. A Conn buffers at most 2 × (MaxLine + 16) + MaxPeek bytes.
const (
	// MaxHeader bounds a header block (start line included); past it the
	// direction is given up.
	MaxHeader = 16 << 10
	// MaxLine is how many bytes of one header line are kept; the rest is
	// skipped but still counts towards MaxHeader.
	MaxLine = 1024
	// MaxValue bounds every result string, MaxPath the request path.
	MaxValue = 256
	MaxPath  = 256
	// MaxPeek is how much of a form body is read to find a password-like
	// field name.
	MaxPeek = 4096
	// MaxPending bounds the requests remembered while their responses are
	// awaited (to know which answer a HEAD and carries no body).
	MaxPending = 32
)

// Message is one request or response header block. Only the fields of its
// kind are set. Its strings are its own: nothing aliases the bytes fed.
type Message struct {
	// Response is false for a request (sent by the connection's opener).
	Response bool
	// Offset is where the message starts in its direction of the stream.
	Offset int64

	Method  string // request method
	Path    string // request target without query string or fragment
	Version string // "HTTP/1.1"
	Status  int    // response status code

	Host        string // request Host
	UserAgent   string // request User-Agent
	Server      string // response Server
	PoweredBy   string // response X-Powered-By, a frequent framework banner
	ContentType string // media type without parameters

	// ContentLength is the declared body length, -1 when none was given.
	ContentLength int64
	Chunked       bool

	// AuthScheme is the scheme of a request's Authorization header (Basic,
	// Digest, Bearer, NTLM, Negotiate, or "other"); the credential itself
	// is never read.
	AuthScheme string
	// Challenge is the scheme of a response's WWW-Authenticate header and
	// Realm its realm, which often names the device or its vendor.
	Challenge string
	Realm     string
	// PasswordField reports a password-like field name in the query string
	// or in the first MaxPeek bytes of a URL-encoded, multipart or JSON
	// request body. Only the fact is kept.
	PasswordField bool

	// Truncated reports that a value was cut to the limits.
	Truncated bool
	// Err is set when the message could not be decoded to its end (gap,
	// header block over MaxHeader); what was read before is reported.
	Err error
}

var methods = []string{"GET", "POST", "PUT", "HEAD", "DELETE", "OPTIONS", "PATCH", "CONNECT",
	"TRACE", "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "REPORT"}

// Sniff reports whether b, the first bytes a client sent, start an HTTP/1.x
// request (a method and a space) or, for a stream seen from its middle, a
// response ("HTTP/1.").
func Sniff(b []byte) bool {
	if bytes.HasPrefix(b, []byte("HTTP/1.")) {
		return true
	}
	for _, m := range methods {
		if len(b) > len(m) && b[len(m)] == ' ' && string(b[:len(m)]) == m {
			return true
		}
	}
	return false
}

// clean returns b as a bounded, valid UTF-8 string without control
// characters, and whether it had to be cut.
func clean(b []byte, limit int) (string, bool) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return "", false
	}
	var buf [MaxValue]byte
	out := buf[:0]
	if limit > len(buf) {
		limit = len(buf)
	}
	cut := false
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		i += size
		if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 {
			continue
		}
		if len(out)+utf8.RuneLen(r) > limit {
			cut = true
			break
		}
		out = utf8.AppendRune(out, r)
	}
	return string(out), cut
}

// equalFold compares an ASCII header name with a lower-case constant.
func equalFold[T string | []byte](b T, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

func hasPrefixFold(b []byte, lower string) bool {
	return len(b) >= len(lower) && equalFold(b[:len(lower)], lower)
}

// indexFold finds a lower-case ASCII needle in b, ignoring case.
func indexFold(b []byte, lower string) int {
	for i := 0; i+len(lower) <= len(b); i++ {
		if equalFold(b[i:i+len(lower)], lower) {
			return i
		}
	}
	return -1
}

// scheme names an authentication scheme without keeping anything else of
// the header: a header with no known scheme may be a bare credential.
func scheme(v []byte) string {
	v = bytes.TrimSpace(v)
	if i := bytes.IndexAny(v, " \t,"); i >= 0 {
		v = v[:i]
	}
	for _, s := range schemes {
		if equalFold(v, s.lower) {
			return s.name
		}
	}
	return "other"
}

var schemes = []struct{ lower, name string }{
	{"basic", "Basic"}, {"digest", "Digest"}, {"bearer", "Bearer"}, {"ntlm", "NTLM"}, {"negotiate", "Negotiate"},
}

// realm returns the realm parameter of a challenge.
func realm(v []byte) []byte {
	i := indexFold(v, "realm=")
	if i < 0 {
		return nil
	}
	v = v[i+len("realm="):]
	if len(v) > 0 && v[0] == '"' {
		v = v[1:]
		if j := bytes.IndexByte(v, '"'); j >= 0 {
			return v[:j]
		}
		return v
	}
	if j := bytes.IndexAny(v, " \t,"); j >= 0 {
		return v[:j]
	}
	return v
}

// passwordName reports whether a form field name looks like a password.
func passwordName(name []byte) bool {
	var buf [64]byte
	n := 0
	for _, c := range name {
		if n == len(buf) {
			break
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[n] = c
		n++
	}
	s := buf[:n]
	return bytes.Contains(s, []byte("pass")) || bytes.Contains(s, []byte("pwd")) ||
		string(s) == "pw" || string(s) == "pin"
}

// formPassword looks for a password-like field name in a URL-encoded list
// (a query string or a form body).
func formPassword(b []byte) bool {
	for len(b) > 0 {
		pair := b
		b = nil
		if i := bytes.IndexByte(pair, '&'); i >= 0 {
			pair, b = pair[:i], pair[i+1:]
		}
		if i := bytes.IndexByte(pair, '='); i >= 0 {
			pair = pair[:i]
		}
		var buf [64]byte
		if passwordName(unescapeForm(pair, buf[:0])) {
			return true
		}
	}
	return false
}

// unescapeForm percent-decodes a form name into dst, up to its capacity.
func unescapeForm(s, dst []byte) []byte {
	for i := 0; i < len(s) && len(dst) < cap(dst); i++ {
		c := s[i]
		switch {
		case c == '+':
			c = ' '
		case c == '%' && i+2 < len(s):
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if ok1 && ok2 {
				c = hi<<4 | lo
				i += 2
			}
		}
		dst = append(dst, c)
	}
	return dst
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// multipartPassword looks for name="..." parameters of multipart parts.
func multipartPassword(b []byte) bool {
	for {
		i := indexFold(b, `name="`)
		if i < 0 {
			return false
		}
		param := i == 0 || b[i-1] == ' ' || b[i-1] == ';' || b[i-1] == '\t' // not filename="
		b = b[i+len(`name="`):]
		j := bytes.IndexByte(b, '"')
		if j < 0 {
			j = len(b)
		}
		if param && passwordName(b[:j]) {
			return true
		}
		b = b[j:]
	}
}

// jsonPassword looks for an object key ("key" followed by a colon).
func jsonPassword(b []byte) bool {
	for {
		i := bytes.IndexByte(b, '"')
		if i < 0 {
			return false
		}
		b = b[i+1:]
		j := 0
		for j < len(b) && b[j] != '"' {
			if b[j] == '\\' {
				j++
			}
			j++
		}
		if j >= len(b) {
			return false
		}
		key := b[:j]
		b = b[j+1:]
		rest := bytes.TrimLeft(b, " \t\r\n")
		if len(rest) > 0 && rest[0] == ':' && passwordName(key) {
			return true
		}
	}
}
