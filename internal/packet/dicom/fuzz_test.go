package dicom

import (
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/vigil-oss/vigil/internal/packet/internal/capturetest"
)

// checkAssociation asserts the bounds every record must respect whatever
// the input.
func checkAssociation(t *testing.T, a *Association) {
	t.Helper()
	if len(a.Contexts) > MaxContexts || len(a.Operations) > MaxOperations || len(a.Identity) > MaxIdentity ||
		len(a.PHITags) > MaxPHITags || len(a.Warnings) > MaxWarnings {
		t.Fatalf("bounds exceeded: %d contexts, %d operations, %d identity, %d PHI tags, %d warnings",
			len(a.Contexts), len(a.Operations), len(a.Identity), len(a.PHITags), len(a.Warnings))
	}
	if a.PHI != (len(a.PHITags) > 0) {
		t.Fatalf("PHI %v with tags %v", a.PHI, a.PHITags)
	}
	strs := []string{a.CallingAE, a.CalledAE, a.ApplicationContext,
		a.Requestor.ImplementationClassUID, a.Requestor.ImplementationVersion,
		a.Acceptor.ImplementationClassUID, a.Acceptor.ImplementationVersion}
	for _, pc := range a.Contexts {
		strs = append(strs, pc.AbstractSyntax, pc.TransferSyntax)
		strs = append(strs, pc.TransferSyntaxes...)
		if len(pc.TransferSyntaxes) > MaxTransferSyntaxes {
			t.Fatalf("%d transfer syntaxes", len(pc.TransferSyntaxes))
		}
	}
	for _, o := range a.Operations {
		strs = append(strs, o.SOPClass)
	}
	for _, x := range a.Identity {
		if !identityTag(x.Tag) || phiTag(x.Tag) {
			t.Fatalf("identity holds tag %v", x.Tag)
		}
		strs = append(strs, x.Value)
	}
	for _, tag := range a.PHITags {
		if !phiTag(tag) {
			t.Fatalf("PHI lists non-patient tag %v", tag)
		}
	}
	for _, s := range strs {
		if len(s) > MaxValue || !utf8.ValidString(s) {
			t.Fatalf("string out of bounds or invalid UTF-8: %q", s)
		}
	}
}

func feedAll(c *Conn, client, server []byte, chunk int) {
	for _, dir := range []struct {
		client bool
		b      []byte
	}{{true, client}, {false, server}} {
		for b := dir.b; len(b) > 0; {
			k := min(len(b), chunk)
			if !c.Feed(dir.client, b[:k]) {
				break
			}
			b = b[k:]
		}
	}
}

// FuzzConn feeds a client and a server byte stream, split at a
// fuzzer-chosen chunk size: the record must respect its bounds and not
// depend on where the bytes were split.
func FuzzConn(f *testing.F) {
	for _, name := range []string{"dicom-echo-store-ct.pcap", "dicom-store-mr-us.pcap"} {
		s := capturetest.Streams(f, name)
		for i := 0; i+1 < len(s); i += 2 {
			f.Add(s[i].Data, s[i+1].Data, uint16(1000))
			f.Add(s[i].Data[:min(len(s[i].Data), 400)], s[i+1].Data, uint16(3))
		}
	}
	rq, ac := handAssociation()
	f.Add(rq, ac, uint16(1))
	f.Add(rq, pdu(pduAssociateRJ, []byte{0, 2, 3, 1}), uint16(5))
	f.Add(cat(rq, pdu(pduData, pdv(1, mchCommandLast, command(CFind, 1, "1.2")), pdv(1, 0, implicitUndefined(0x00081115)))),
		cat(ac, pdu(pduAbort, []byte{0, 0, 2, 1})), uint16(7))
	f.Add([]byte{pduData, 0, 0, 0, 0, 6, 0, 0, 0, 2, 1, 2}, []byte{}, uint16(2))
	f.Fuzz(func(t *testing.T, client, server []byte, chunk uint16) {
		whole := NewConn()
		feedAll(whole, client, server, len(client)+len(server)+1)
		checkAssociation(t, whole.Association())
		split := NewConn()
		feedAll(split, client, server, int(chunk%512)+1)
		checkAssociation(t, split.Association())
		if !reflect.DeepEqual(whole.Association(), split.Association()) {
			t.Fatalf("record depends on the split:\n%+v\n%+v", *whole.Association(), *split.Association())
		}
		if (whole.Err() == nil) != (split.Err() == nil) {
			t.Fatalf("error depends on the split: %v / %v", whole.Err(), split.Err())
		}
		// A gap must never panic or break the bounds.
		gapped := NewConn()
		half := len(client) / 2
		gapped.Feed(true, client[:half])
		gapped.Gap(true, int(chunk))
		gapped.Feed(true, client[min(len(client), half+int(chunk)):])
		gapped.Feed(false, server)
		checkAssociation(t, gapped.Association())
	})
}

// FuzzDataset runs the dataset peek alone on every syntax.
func FuzzDataset(f *testing.F) {
	for _, name := range []string{"dicom-echo-store-ct.pcap", "dicom-store-mr-us.pcap"} {
		for _, s := range capturetest.Streams(f, name) {
			for _, ds := range datasets(f, s.Data) {
				f.Add(ds, uint8(ExplicitLE))
				f.Add(ds[:len(ds)/3], uint8(SyntaxUnknown))
			}
		}
	}
	f.Add(cat(implicitUndefined(0x00081115), implicitUndefined(0xFFFEE000), implicit(0x00100010, []byte("X")),
		implicit(0xFFFEE00D, nil), implicit(0xFFFEE0DD, nil), implicit(0x00080070, []byte("M"))), uint8(ImplicitLE))
	f.Add(explicit(be, 0x00080070, "LO", []byte("BE")), uint8(ExplicitBE))
	f.Add([]byte{0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF}, uint8(ImplicitLE))
	f.Fuzz(func(t *testing.T, b []byte, syntax uint8) {
		s := Syntax(syntax % 5)
		d, err := PeekDataset(b, s)
		checkAssociation(t, &Association{Identity: d.Identity, PHITags: d.PHI, PHI: len(d.PHI) > 0})
		again, err2 := PeekDataset(b, s)
		if !reflect.DeepEqual(d, again) || (err == nil) != (err2 == nil) {
			t.Fatal("peek is not deterministic")
		}
		for _, a := range d.Identity {
			if a.FromClient {
				t.Fatal("PeekDataset set FromClient")
			}
		}
	})
}

func BenchmarkFeed(b *testing.B) {
	segs, n := segments(b, "dicom-echo-store-ct.pcap")
	total := 0
	for _, s := range segs {
		total += len(s.data)
	}
	b.SetBytes(int64(total))
	b.ReportAllocs()
	conns := make([]*Conn, n)
	for b.Loop() {
		for i := range conns {
			conns[i] = NewConn()
		}
		for _, s := range segs {
			conns[s.conn].Feed(s.client, s.data)
		}
	}
	if conns[1].Association().State != Released {
		b.Fatal("benchmark did not decode the capture")
	}
}

func BenchmarkPeekDataset(b *testing.B) {
	s := capturetest.Streams(b, "dicom-echo-store-ct.pcap")
	ds := datasets(b, s[2].Data)[0]
	b.SetBytes(int64(len(ds)))
	b.ReportAllocs()
	var p peeker
	ids := make([]Attribute, 0, MaxIdentity)
	phi := make([]Tag, 0, MaxPHITags)
	for b.Loop() {
		ids, phi = ids[:0], phi[:0]
		if err := p.run(ds, ExplicitLE, false, &ids, &phi, true, CStore); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStore measures the steady state of a long association: one
// C-STORE (command, 4.5 KB dataset, response) per iteration.
func BenchmarkStore(b *testing.B) {
	s := capturetest.Streams(b, "dicom-echo-store-ct.pcap")
	client, server := pdus(b, s[2].Data), pdus(b, s[3].Data)
	c := NewConn()
	c.Feed(true, client[0])
	c.Feed(false, server[0])
	req, rsp := client[1:len(client)-1], server[1:len(server)-1]
	n := 0
	for _, p := range append(req, rsp...) {
		n += len(p)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range req {
			c.Feed(true, p)
		}
		for _, p := range rsp {
			c.Feed(false, p)
		}
	}
	if a := c.Association(); len(a.Identity) != 7 || len(a.Operations) == 0 || c.Err() != nil {
		b.Fatalf("benchmark did not decode: %d identity, %v", len(a.Identity), c.Err())
	}
}
