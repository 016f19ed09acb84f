package tlshello

import "encoding/binary"

// Builders for hand-made handshakes in tests.

type ext struct {
	typ  uint16
	data []byte
}

func be16(v int) []byte { return binary.BigEndian.AppendUint16(nil, uint16(v)) }

func u16list(prefix int, vals []uint16) []byte {
	var b []byte
	if prefix == 1 {
		b = append(b, byte(2*len(vals)))
	} else {
		b = be16(2 * len(vals))
	}
	for _, v := range vals {
		b = binary.BigEndian.AppendUint16(b, v)
	}
	return b
}

func sniExt(name string) ext {
	entry := append([]byte{0}, be16(len(name))...)
	entry = append(entry, name...)
	return ext{extServerName, append(be16(len(entry)), entry...)}
}

func alpnExt(protos ...string) ext {
	var list []byte
	for _, p := range protos {
		list = append(list, byte(len(p)))
		list = append(list, p...)
	}
	return ext{extALPN, append(be16(len(list)), list...)}
}

func clientHelloBody(legacy uint16, ciphers []uint16, exts []ext) []byte {
	b := be16(int(legacy))
	b = append(b, make([]byte, 32)...) // random
	b = append(b, 0)                   // session id
	b = append(b, u16list(2, ciphers)...)
	b = append(b, 1, 0) // compression: null
	if exts == nil {
		return b
	}
	var e []byte
	for _, x := range exts {
		e = append(e, be16(int(x.typ))...)
		e = append(e, be16(len(x.data))...)
		e = append(e, x.data...)
	}
	b = append(b, be16(len(e))...)
	return append(b, e...)
}

func serverHelloBody(legacy uint16, random [32]byte, cipher uint16, exts []ext) []byte {
	b := be16(int(legacy))
	b = append(b, random[:]...)
	b = append(b, 0)
	b = append(b, be16(int(cipher))...)
	b = append(b, 0)
	if exts == nil {
		return b
	}
	var e []byte
	for _, x := range exts {
		e = append(e, be16(int(x.typ))...)
		e = append(e, be16(len(x.data))...)
		e = append(e, x.data...)
	}
	b = append(b, be16(len(e))...)
	return append(b, e...)
}

func handshakeMsg(typ uint8, body []byte) []byte {
	n := len(body)
	return append([]byte{typ, byte(n >> 16), byte(n >> 8), byte(n)}, body...)
}

func record(typ uint8, payload []byte) []byte {
	return append([]byte{typ, 3, 3, byte(len(payload) >> 8), byte(len(payload))}, payload...)
}

// records splits a handshake stream into records of at most size bytes.
func records(payload []byte, size int) []byte {
	var out []byte
	for len(payload) > 0 {
		k := min(size, len(payload))
		out = append(out, record(recHandshake, payload[:k])...)
		payload = payload[k:]
	}
	return out
}

func certificateMsg(ders ...[]byte) []byte {
	var list []byte
	for _, d := range ders {
		list = append(list, byte(len(d)>>16), byte(len(d)>>8), byte(len(d)))
		list = append(list, d...)
	}
	body := append([]byte{byte(len(list) >> 16), byte(len(list) >> 8), byte(len(list))}, list...)
	return handshakeMsg(hsCertificate, body)
}

// specExample is the ClientHello behind the worked example of FoxIO's JA4
// specification (github.com/FoxIO-LLC/ja4, technical_details/JA4.md,
// sections "Example" and "Raw Output"): the cipher, extension and
// signature algorithm lists of its JA4_ro line, in their original order.
func specExample(sigalgs []uint16, grease bool) []byte {
	ciphers := []uint16{0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035}
	exts := []ext{
		{0x001b, nil}, sniExt("example.org"), {0x0033, nil}, alpnExt("h2", "http/1.1"), {0x4469, nil},
		{0x0017, nil}, {0x002d, nil}, {extSignatureAlgorithms, u16list(2, sigalgs)}, {0x0005, nil},
		{0x0023, nil}, {0x0012, nil}, {extSupportedVersions, u16list(1, []uint16{0x0304, 0x0303})},
		{0xff01, nil}, {0x000b, nil}, {extSupportedGroups, u16list(2, []uint16{0x001d, 0x0017})}, {0x0015, nil},
	}
	if grease {
		ciphers = append([]uint16{0x3a3a}, ciphers...)
		exts = append([]ext{{0x8a8a, nil}}, exts...)
		exts = append(exts, ext{0xfafa, []byte{0}})
		exts[8] = ext{extSignatureAlgorithms, u16list(2, append([]uint16{0x5a5a}, sigalgs...))}
		exts[12] = ext{extSupportedVersions, u16list(1, []uint16{0x6a6a, 0x0304, 0x0303})}
		exts[15] = ext{extSupportedGroups, u16list(2, []uint16{0x7a7a, 0x001d, 0x0017})}
	}
	return clientHelloBody(0x0303, ciphers, exts)
}

var specSigalgs = []uint16{0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601}
