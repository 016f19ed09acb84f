// Package tlshello follows the cleartext start of a TLS connection: the
// client's ClientHello (server name, ALPN, offered versions and algorithms,
// and its JA4 fingerprint), the server's ServerHello (chosen version and
// cipher) and, up to TLS 1.2, the server's certificate (subject, issuer,
// validity, key). It owns the TLS record and handshake framing needed for
// that and nothing past it: once both hellos (and the certificate) are seen
// the connection is of no further interest. It knows nothing of captures or
// TCP; the sensor's engine feeds it reassembled bytes.
package tlshello

import (
	"fmt"
)

// Bounds on what one connection may make this package buffer. A Conn holds
// at most MaxClientHello + MaxCertificate bytes plus a few headers.
const (
	// MaxClientHello bounds a ClientHello (and ServerHello) message; real
	// ones are under 2 KiB, post-quantum key shares included.
	MaxClientHello = 16 << 10
	// MaxCertificate bounds the server's Certificate message (the whole
	// chain); a larger one is reported, not buffered.
	MaxCertificate = 64 << 10
	// maxRecord is the largest TLSPlaintext/TLSCiphertext record
	// (2^14 plus expansion, RFC 5246 6.2.3).
	maxRecord = 1<<14 + 2048
)

// Record content types.
const (
	recChangeCipherSpec = 20
	recAlert            = 21
	recHandshake        = 22
	recApplicationData  = 23
	recHeartbeat        = 24
)

// Handshake message types.
const (
	hsClientHello = 1
	hsServerHello = 2
	hsCertificate = 11
)

// Sniff reports whether b, the first bytes a client sent, start a TLS
// handshake record carrying a ClientHello, or an SSLv2-compatible
// ClientHello. It needs 6 bytes to be sure and answers false on fewer.
func Sniff(b []byte) bool {
	if len(b) < 6 {
		return false
	}
	if isSSLv2Hello(b) {
		return true
	}
	n := int(b[3])<<8 | int(b[4])
	return b[0] == recHandshake && b[1] == 3 && b[2] <= 4 && n > 0 && n <= maxRecord && b[5] == hsClientHello
}

// isSSLv2Hello recognises the SSLv2 record header (two-byte length with the
// top bit set) followed by CLIENT-HELLO (1) and a version of SSL 2.0 or 3.x.
func isSSLv2Hello(b []byte) bool {
	return len(b) >= 5 && b[0]&0x80 != 0 && b[2] == 1 && (b[3] == 0 && b[4] == 2 || b[3] == 3)
}

// Result is what a Conn has learned so far. Every pointer is nil until the
// message was seen; strings and slices are copies, never the fed bytes.
type Result struct {
	Client *ClientHello
	Server *ServerHello
	// Certificate is the server's leaf, TLS 1.2 and older only.
	Certificate *Certificate
	// CertificateEncrypted is set when the server chose TLS 1.3, whose
	// Certificate message is encrypted: nothing about it can be seen.
	CertificateEncrypted bool
	// Resumed is set when a TLS 1.2 server went straight to
	// ChangeCipherSpec after its ServerHello (an abbreviated handshake), or
	// sent no Certificate for another reason (anonymous or PSK suites).
	Resumed bool
	// SSLv2 is set when the client opened with an SSLv2-compatible hello;
	// such hellos are recognised, not decoded.
	SSLv2 bool
	// Err says why decoding stopped before the end: malformed or non-TLS
	// bytes, a bound exceeded, or a gap. Decoded messages stay in Result.
	Err error
}

// Conn follows one TCP connection. It is not safe for concurrent use.
type Conn struct {
	res    Result
	client dir
	server dir
	stop   bool
	certs  *CertCache
}

// dir is the framing state of one direction.
type dir struct {
	off int64 // stream bytes consumed, for error positions

	hdr     [5]byte // record header being collected
	hdrN    int
	recType uint8
	recLeft int // body bytes of the current record still to come
	records int

	// Handshake layer, which runs across record boundaries.
	hsHdr  [4]byte
	hsHdrN int
	hsType uint8
	hsLen  int
	hsAt   int64  // stream offset of the current handshake header
	hsBuf  []byte // body collected so far when a message spans Feed calls

	done bool
}

// NewConn starts following a connection.
func NewConn() *Conn { return &Conn{} }

// NewConnCached starts following a connection whose server certificate is
// looked up in, and added to, cache.
func NewConnCached(cache *CertCache) *Conn { return &Conn{certs: cache} }

// Result returns what has been decoded so far.
func (c *Conn) Result() Result { return c.res }

// Feed takes the next in-order bytes of one direction (client is the side
// that opened the connection). It does not keep b. It returns false once
// nothing more is needed: both hellos and, below TLS 1.3, the certificate
// were seen, or the bytes are not TLS, or decoding failed (see Result.Err).
func (c *Conn) Feed(client bool, b []byte) bool {
	if c.stop {
		return false
	}
	d := &c.server
	if client {
		d = &c.client
	}
	if !d.done {
		if err := c.feed(d, client, b); err != nil {
			c.fail(err)
			return false
		}
	}
	if c.client.done && c.server.done {
		c.stop = true
	}
	return !c.stop
}

// Gap reports n lost bytes in one direction. A gap inside a record this
// package skips anyway is absorbed; anywhere else the direction is given up,
// since record and handshake boundaries can no longer be trusted.
func (c *Conn) Gap(client bool, n int) {
	if c.stop || n <= 0 {
		return
	}
	d, side := &c.server, "server"
	if client {
		d, side = &c.client, "client"
	}
	if d.done {
		return
	}
	if d.hdrN == 0 && d.recLeft >= n && d.recType != recHandshake {
		d.recLeft -= n
		d.off += int64(n)
		return
	}
	d.done = true
	d.hsBuf = nil
	if c.res.Err == nil {
		c.res.Err = fmt.Errorf("tlshello: %s stream at offset %d: gap of %d bytes, direction abandoned", side, d.off, n)
	}
	if c.client.done && c.server.done {
		c.stop = true
	}
}

func (c *Conn) fail(err error) {
	if c.res.Err == nil {
		c.res.Err = err
	}
	c.stop = true
	c.client.hsBuf, c.server.hsBuf = nil, nil
}

func (c *Conn) feed(d *dir, client bool, b []byte) error {
	side := "server"
	if client {
		side = "client"
	}
	for len(b) > 0 && !d.done {
		if d.recLeft == 0 {
			// Collect a record header, possibly across calls.
			k := min(5-d.hdrN, len(b))
			copy(d.hdr[d.hdrN:], b[:k])
			d.hdrN += k
			b = b[k:]
			d.off += int64(k)
			if d.hdrN < 5 {
				return nil
			}
			d.hdrN = 0
			if err := c.record(d, client, side); err != nil || d.done {
				return err
			}
			continue
		}
		k := min(d.recLeft, len(b))
		chunk := b[:k]
		b = b[k:]
		d.recLeft -= k
		if d.recType == recHandshake {
			if err := c.handshake(d, client, chunk); err != nil {
				return err
			}
		}
		d.off += int64(k)
	}
	return nil
}

// record checks a complete record header and decides what its body means.
func (c *Conn) record(d *dir, client bool, side string) error {
	at := d.off - 5
	h := d.hdr
	if client && d.records == 0 && isSSLv2Hello(h[:]) {
		c.res.SSLv2 = true
		c.stop = true
		d.done = true
		return nil
	}
	typ, n := h[0], int(h[3])<<8|int(h[4])
	if typ < recChangeCipherSpec || typ > recHeartbeat || h[1] != 3 {
		return fmt.Errorf("tlshello: %s record at offset %d: type %d version 0x%02x%02x is not TLS", side, at, typ, h[1], h[2])
	}
	if n > maxRecord {
		return fmt.Errorf("tlshello: %s record at offset %d: length %d exceeds %d", side, at, n, maxRecord)
	}
	d.records++
	d.recType, d.recLeft = typ, n
	if typ == recHandshake {
		if n == 0 {
			return fmt.Errorf("tlshello: %s record at offset %d: empty handshake record", side, at)
		}
		return nil
	}
	if client {
		if c.res.Client == nil {
			return fmt.Errorf("tlshello: client record at offset %d: content type %d before the ClientHello", at, typ)
		}
		return nil
	}
	// Server side: anything but handshake after the ServerHello means the
	// cleartext part is over.
	switch {
	case c.res.Server == nil:
		if typ == recAlert {
			d.done = true // the server refused the hello; nothing more in clear
			return nil
		}
		if typ == recChangeCipherSpec { // middlebox-compatibility CCS after an HRR
			return nil
		}
		return fmt.Errorf("tlshello: server record at offset %d: content type %d before the ServerHello", at, typ)
	case c.res.Server.HelloRetry && typ == recChangeCipherSpec:
		return nil
	default:
		c.res.Resumed = typ == recChangeCipherSpec
		d.done = true
		d.hsBuf = nil
		return nil
	}
}

// handshake consumes handshake-layer bytes of one record.
func (c *Conn) handshake(d *dir, client bool, p []byte) error {
	base := d.off // stream offset of p[0]
	for len(p) > 0 && !d.done {
		if d.hsHdrN < 4 {
			if d.hsHdrN == 0 {
				d.hsAt = base
			}
			k := min(4-d.hsHdrN, len(p))
			copy(d.hsHdr[d.hsHdrN:], p[:k])
			d.hsHdrN += k
			p = p[k:]
			base += int64(k)
			if d.hsHdrN < 4 {
				return nil
			}
			d.hsType = d.hsHdr[0]
			d.hsLen = int(d.hsHdr[1])<<16 | int(d.hsHdr[2])<<8 | int(d.hsHdr[3])
			if err := c.begin(d, client); err != nil || d.done {
				return err
			}
			// The common case: the whole message is in this record and
			// this call, so it is parsed in place without a copy.
			if len(p) >= d.hsLen {
				body := p[:d.hsLen]
				p = p[d.hsLen:]
				base += int64(d.hsLen)
				d.hsHdrN = 0
				if err := c.message(d, client, body); err != nil {
					return err
				}
				continue
			}
			if cap(d.hsBuf) < d.hsLen {
				d.hsBuf = make([]byte, 0, d.hsLen)
			}
			d.hsBuf = d.hsBuf[:0]
		}
		k := min(d.hsLen-len(d.hsBuf), len(p))
		d.hsBuf = append(d.hsBuf, p[:k]...)
		p = p[k:]
		base += int64(k)
		if len(d.hsBuf) == d.hsLen {
			d.hsHdrN = 0
			body := d.hsBuf
			if err := c.message(d, client, body); err != nil {
				return err
			}
			d.hsBuf = d.hsBuf[:0]
		}
	}
	return nil
}

// begin checks a handshake header: the message is either wanted (and
// within its bound) or it ends this direction.
func (c *Conn) begin(d *dir, client bool) error {
	typ, n := d.hsType, d.hsLen
	if client {
		if c.res.Client != nil {
			d.done = true // a second ClientHello after an HRR: the first one fingerprints
			return nil
		}
		if typ != hsClientHello {
			return fmt.Errorf("tlshello: client handshake at offset %d: type %d, want ClientHello", d.hsAt, typ)
		}
		if n > MaxClientHello {
			return fmt.Errorf("tlshello: ClientHello at offset %d: length %d exceeds %d", d.hsAt, n, MaxClientHello)
		}
		return nil
	}
	if c.res.Server == nil || c.res.Server.HelloRetry {
		if typ != hsServerHello {
			return fmt.Errorf("tlshello: server handshake at offset %d: type %d, want ServerHello", d.hsAt, typ)
		}
		if n > MaxClientHello {
			return fmt.Errorf("tlshello: ServerHello at offset %d: length %d exceeds %d", d.hsAt, n, MaxClientHello)
		}
		return nil
	}
	if typ != hsCertificate {
		// ServerKeyExchange, ServerHelloDone, NewSessionTicket...: this
		// handshake has no certificate in it.
		c.res.Resumed = true
		d.done = true
		return nil
	}
	if n > MaxCertificate {
		d.done = true
		return fmt.Errorf("tlshello: Certificate at offset %d: length %d exceeds %d", d.hsAt, n, MaxCertificate)
	}
	return nil
}

// message handles one complete wanted handshake message.
func (c *Conn) message(d *dir, client bool, body []byte) error {
	switch {
	case client:
		h, err := ParseClientHello(body)
		if err != nil {
			return fmt.Errorf("tlshello: ClientHello at offset %d: %w", d.hsAt, err)
		}
		c.res.Client = h
		d.done = true
		d.hsBuf = nil
	case d.hsType == hsServerHello:
		s, err := ParseServerHello(body)
		if err != nil {
			return fmt.Errorf("tlshello: ServerHello at offset %d: %w", d.hsAt, err)
		}
		c.res.Server = s
		if s.HelloRetry {
			return nil
		}
		if s.Version == VersionTLS13 || s.Version>>8 == 0x7f {
			c.res.CertificateEncrypted = true
			d.done = true
			d.hsBuf = nil
		}
	default:
		cert, err := parseCertificates(body, c.certs)
		if err != nil {
			return fmt.Errorf("tlshello: Certificate at offset %d: %w", d.hsAt, err)
		}
		c.res.Certificate = cert
		d.done = true
		d.hsBuf = nil
	}
	return nil
}
