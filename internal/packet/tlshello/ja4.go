package tlshello

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
)

// ja4 computes FoxIO's JA4 TLS client fingerprint and its raw form, following
// technical_details/JA4.md in github.com/FoxIO-LLC/ja4:
//
//	a: "t" (TLS over TCP), two-character version, "d" with SNI else "i",
//	   two-digit counts of ciphers and extensions (GREASE excluded, capped at
//	   99, SNI and ALPN counted), first and last character of the first ALPN.
//	b: first 12 hex digits of SHA-256 over the sorted, comma-joined,
//	   four-digit lower-case cipher list, GREASE excluded.
//	c: the same over the sorted extension list without GREASE, SNI (0000)
//	   and ALPN (0010), then "_" and the signature algorithms in the order
//	   sent (no "_" when there are none).
//
// An empty list hashes to "000000000000" rather than SHA-256 of nothing.
func ja4(h *ClientHello) (fp, raw string) {
	var a [10]byte
	a[0] = 't'
	v := ja4Version(h.MaxVersion)
	a[1], a[2] = v[0], v[1]
	a[3] = 'i'
	if slices.Contains(h.Extensions, extServerName) {
		a[3] = 'd'
	}

	var cipherBuf, extBuf [128]uint16
	ciphers := appendNonGREASE(cipherBuf[:0], h.CipherSuites)
	exts := extBuf[:0]
	nExt := 0
	for _, e := range h.Extensions {
		if IsGREASE(e) {
			continue
		}
		nExt++
		if e != extServerName && e != extALPN {
			exts = append(exts, e)
		}
	}
	twoDigits(a[4:6], len(ciphers))
	twoDigits(a[6:8], nExt)
	alpn := [2]byte{'0', '0'}
	if len(h.ALPN) > 0 {
		alpn = ja4ALPN(h.ALPN[0])
	}
	a[8], a[9] = alpn[0], alpn[1]

	slices.Sort(ciphers)
	slices.Sort(exts)
	var sigBuf [64]uint16
	sigs := appendNonGREASE(sigBuf[:0], h.SignatureAlgorithms)

	var sb [1024]byte
	cList := appendHexList(sb[:0], ciphers)
	var eb [1024]byte
	eList := appendHexList(eb[:0], exts)
	if len(sigs) > 0 {
		eList = append(eList, '_')
		eList = appendHexList(eList, sigs)
	}

	var ob [36]byte
	out := append(ob[:0], a[:]...)
	out = append(out, '_')
	out = appendHash(out, cList, len(ciphers) == 0)
	out = append(out, '_')
	out = appendHash(out, eList, len(exts) == 0)

	var rb [2048]byte
	r := append(rb[:0], a[:]...)
	r = append(r, '_')
	r = append(r, cList...)
	r = append(r, '_')
	r = append(r, eList...)
	return string(out), string(r)
}

func appendNonGREASE(dst, src []uint16) []uint16 {
	for _, v := range src {
		if !IsGREASE(v) {
			dst = append(dst, v)
		}
	}
	return dst
}

func appendHexList(dst []byte, list []uint16) []byte {
	const hexdig = "0123456789abcdef"
	for i, v := range list {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, hexdig[v>>12], hexdig[v>>8&0xf], hexdig[v>>4&0xf], hexdig[v&0xf])
	}
	return dst
}

func appendHash(dst, list []byte, empty bool) []byte {
	if empty {
		return append(dst, "000000000000"...)
	}
	sum := sha256.Sum256(list)
	var h [64]byte
	hex.Encode(h[:], sum[:])
	return append(dst, h[:12]...)
}

func twoDigits(dst []byte, n int) {
	n = min(n, 99)
	dst[0], dst[1] = byte('0'+n/10), byte('0'+n%10)
}

func ja4Version(v uint16) string {
	switch v {
	case VersionTLS13:
		return "13"
	case VersionTLS12:
		return "12"
	case VersionTLS11:
		return "11"
	case VersionTLS10:
		return "10"
	case VersionSSL30:
		return "s3"
	case 0x0002:
		return "s2"
	case 0xfeff:
		return "d1"
	case 0xfefd:
		return "d2"
	case 0xfefc:
		return "d3"
	}
	return "00"
}

// ja4ALPN takes the first and last byte of the first ALPN value; when either
// is not alphanumeric it takes the first and last digit of the value's hex
// form instead, and an empty value gives "00".
func ja4ALPN(p string) [2]byte {
	if p == "" {
		return [2]byte{'0', '0'}
	}
	first, last := p[0], p[len(p)-1]
	if alnum(first) && alnum(last) {
		return [2]byte{first, last}
	}
	const hexdig = "0123456789abcdef"
	return [2]byte{hexdig[first>>4], hexdig[last&0xf]}
}

func alnum(c byte) bool {
	return '0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z'
}
