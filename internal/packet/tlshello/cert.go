package tlshello

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// maxCertStrings bounds the names kept from one certificate.
const maxCertStrings = 32

// Certificate describes the leaf of a TLS 1.2-or-older server Certificate
// message: who the device claims to be and who vouched for it.
type Certificate struct {
	// Chain is the number of certificates the server sent.
	Chain int
	// SHA256 is the hex SHA-256 of the leaf's DER, the usual certificate
	// fingerprint.
	SHA256 string
	// ParseError is set when crypto/x509 refuses the leaf (old devices carry
	// certificates it rejects); the fields below are then empty.
	ParseError string

	SubjectCN          string
	SubjectO           []string
	SubjectOU          []string
	IssuerCN           string
	IssuerO            []string
	Serial             string // lower-case hex
	NotBefore          time.Time
	NotAfter           time.Time
	DNSNames           []string
	SelfSigned         bool
	KeyAlgorithm       string // RSA, ECDSA, Ed25519, DSA or unknown
	KeyBits            int
	SignatureAlgorithm string // e.g. SHA256-RSA
}

// parseCertificates decodes a TLS 1.2 Certificate message body: a 3-byte
// list length, then 3-byte-length-prefixed DER certificates.
func parseCertificates(body []byte, cache *CertCache) (*Certificate, error) {
	r := &reader{b: body}
	n := r.u24("certificate_list length")
	if r.err == nil && n != r.left() {
		return nil, fmt.Errorf("certificate_list length %d at offset 0 does not match the %d bytes left", n, r.left())
	}
	c := &Certificate{}
	var leaf []byte
	for r.err == nil && r.left() > 0 {
		der := r.bytes("certificate", r.u24("certificate length"))
		if r.err != nil {
			break
		}
		if c.Chain == 0 {
			leaf = der
		}
		c.Chain++
	}
	if r.err != nil {
		return nil, r.err
	}
	if leaf == nil {
		return c, nil // an empty list: the server sent no certificate
	}
	sum := sha256.Sum256(leaf)
	if cached, ok := cache.get(sum); ok {
		cp := *cached
		cp.Chain = c.Chain
		return &cp, nil
	}
	defer func() { cache.put(sum, c) }()
	c.SHA256 = hex.EncodeToString(sum[:])
	// x509 keeps references into its input; the certificate is dropped
	// before this returns, so only copied strings escape.
	x, err := x509.ParseCertificate(leaf)
	if err != nil {
		c.ParseError = boundString(err.Error(), 512)
		return c, nil
	}
	c.SubjectCN = boundString(x.Subject.CommonName, 256)
	c.SubjectO = boundStrings(x.Subject.Organization)
	c.SubjectOU = boundStrings(x.Subject.OrganizationalUnit)
	c.IssuerCN = boundString(x.Issuer.CommonName, 256)
	c.IssuerO = boundStrings(x.Issuer.Organization)
	if x.SerialNumber != nil {
		c.Serial = boundString(hex.EncodeToString(x.SerialNumber.Bytes()), 128)
	}
	c.NotBefore, c.NotAfter = x.NotBefore.UTC(), x.NotAfter.UTC()
	c.DNSNames = boundStrings(x.DNSNames)
	c.SignatureAlgorithm = x.SignatureAlgorithm.String()
	c.KeyAlgorithm, c.KeyBits = keyInfo(x)
	c.SelfSigned = selfSigned(x)
	return c, nil
}

// selfSigned: issuer equals subject and the certificate's own key verifies
// its signature. Go refuses to verify SHA-1 and MD5 signatures, which old
// devices still use; for those the name match alone decides.
func selfSigned(x *x509.Certificate) bool {
	if !bytes.Equal(x.RawSubject, x.RawIssuer) {
		return false
	}
	err := x.CheckSignature(x.SignatureAlgorithm, x.RawTBSCertificate, x.Signature)
	var insecure x509.InsecureAlgorithmError
	return err == nil || errors.As(err, &insecure)
}

func keyInfo(x *x509.Certificate) (string, int) {
	switch k := x.PublicKey.(type) {
	case *rsa.PublicKey:
		return "RSA", k.N.BitLen()
	case *ecdsa.PublicKey:
		return "ECDSA", k.Curve.Params().BitSize
	case ed25519.PublicKey:
		return "Ed25519", 256
	}
	switch x.PublicKeyAlgorithm {
	case x509.DSA:
		return "DSA", 0
	case x509.RSA:
		return "RSA", 0
	case x509.ECDSA:
		return "ECDSA", 0
	}
	return "unknown", 0
}

func boundStrings(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	out := make([]string, 0, min(len(in), maxCertStrings))
	for _, s := range in[:min(len(in), maxCertStrings)] {
		out = append(out, boundString(s, 256))
	}
	return out
}

// boundString caps s at n bytes on a rune boundary and forces valid UTF-8.
func boundString(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return strings.Clone(s)
	}
	for n > 0 && s[n]&0xc0 == 0x80 {
		n--
	}
	return strings.Clone(s[:n])
}

// maxCachedCerts bounds a CertCache.
const maxCachedCerts = 4096

// CertCache remembers the server certificates already parsed, by the
// SHA-256 of the leaf, so a sensor that sees one server's certificate on
// thousands of connections runs x509 on it once. It is for one goroutine.
// The zero value and nil are usable (nil caches nothing).
type CertCache struct {
	m map[[32]byte]*Certificate
}

// NewCertCache returns an empty cache.
func NewCertCache() *CertCache { return &CertCache{} }

func (c *CertCache) get(sum [32]byte) (*Certificate, bool) {
	if c == nil {
		return nil, false
	}
	v, ok := c.m[sum]
	return v, ok
}

func (c *CertCache) put(sum [32]byte, cert *Certificate) {
	if c == nil || len(c.m) >= maxCachedCerts {
		return
	}
	if c.m == nil {
		c.m = map[[32]byte]*Certificate{}
	}
	cp := *cert
	c.m[sum] = &cp
}
