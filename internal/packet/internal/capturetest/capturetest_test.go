package capturetest

import (
	"bytes"
	"testing"
)

func TestStreamsReassembleDICOM(t *testing.T) {
	streams := Streams(t, "dicom-echo-store-ct.pcap")
	if len(streams) == 0 {
		t.Fatal("no TCP streams")
	}
	// The first direction is the SCU's: it must open with an A-ASSOCIATE-RQ
	// PDU (type 1) naming the calling AE title from the capture's notes.
	first := streams[0].Data
	if len(first) < 74 || first[0] != 0x01 {
		t.Fatalf("first stream does not start with A-ASSOCIATE-RQ: % x", first[:min(len(first), 8)])
	}
	if !bytes.Contains(first[:74], []byte("CT01_RAD")) {
		t.Errorf("calling AE title CT01_RAD not in the A-ASSOCIATE-RQ header")
	}
}

func TestDatagramsDHCP(t *testing.T) {
	d := Datagrams(t, "dhcp.pcap")
	if len(d) != 9 {
		t.Fatalf("dhcp.pcap: %d UDP datagrams, want 9", len(d))
	}
	for _, f := range d {
		if f.Dst.Port() != 67 && f.Dst.Port() != 68 {
			t.Errorf("packet %d: UDP to port %d, want 67/68", f.Index, f.Dst.Port())
		}
	}
}
