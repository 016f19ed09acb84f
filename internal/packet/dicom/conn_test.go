package dicom

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-oss/vigil/internal/packet/internal/capturetest"
)

const (
	verification = "1.2.840.10008.1.1"
	ctImage      = "1.2.840.10008.5.1.4.1.1.2"
	mrImage      = "1.2.840.10008.5.1.4.1.1.4"
	usImage      = "1.2.840.10008.5.1.4.1.1.6.1"
	dcmtkUID     = "1.2.276.0.7230010.3.0.3.6.7"
	dcmtkVersion = "OFFIS_DCMTK_367"
	implicitTS   = "1.2.840.10008.1.2"
	explicitTS   = "1.2.840.10008.1.2.1"
	appContext   = "1.2.840.10008.3.1.1.1"
)

// identity flattens the attributes a client sent into tag → value.
func identity(a *Association) map[Tag]string {
	m := map[Tag]string{}
	for _, x := range a.Identity {
		if x.FromClient && x.Command == CStore {
			m[x.Tag] = x.Value
		}
	}
	return m
}

func TestCaptures(t *testing.T) {
	type op struct {
		cmd    Command
		sop    string
		status uint16
	}
	tests := []struct {
		capture          string
		conn             int
		calling, called  string
		ops              []op
		identity         map[Tag]string
		phi              []Tag
		proposedAbstract string // one abstract syntax the requestor proposed
	}{
		{
			capture: "dicom-echo-store-ct.pcap", conn: 0, calling: "CT01_RAD", called: "PACS_MAIN",
			ops:              []op{{CEcho, verification, 0}},
			proposedAbstract: verification,
		},
		{
			capture: "dicom-echo-store-ct.pcap", conn: 1, calling: "CT01_RAD", called: "PACS_MAIN",
			ops: []op{{CStore, ctImage, 0}},
			identity: map[Tag]string{
				0x00080016: ctImage, 0x00080060: "CT", 0x00080070: "SIEMENS", 0x00081010: "CT01",
				0x00081090: "SOMATOM Definition AS", 0x00181000: "40001", 0x00181020: "syngo CT VA48A",
			},
			phi:              []Tag{0x00100010, 0x00100020},
			proposedAbstract: ctImage,
		},
		{
			capture: "dicom-store-mr-us.pcap", conn: 0, calling: "MR02_NEURO", called: "ARCHIVE2",
			ops: []op{{CStore, mrImage, 0}},
			identity: map[Tag]string{
				0x00080016: mrImage, 0x00080060: "MR", 0x00080070: "GE MEDICAL SYSTEMS", 0x00081010: "MR02",
				0x00081090: "SIGNA Explorer", 0x00181000: "50002", 0x00181020: "DV26.0_R03",
			},
			phi:              []Tag{0x00100010, 0x00100020},
			proposedAbstract: mrImage,
		},
		{
			capture: "dicom-store-mr-us.pcap", conn: 1, calling: "US03_CARDIO", called: "ARCHIVE2",
			ops: []op{{CStore, usImage, 0}},
			identity: map[Tag]string{
				0x00080016: usImage, 0x00080060: "US", 0x00080070: "Philips", 0x00081010: "US03",
				0x00081090: "EPIQ 7G", 0x00181000: "60003", 0x00181020: "7.0.5.1030",
			},
			phi:              []Tag{0x00100010, 0x00100020},
			proposedAbstract: usImage,
		},
	}
	for _, chunk := range []int{0, 1, 7} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/%d/chunk%d", tt.capture, tt.conn, chunk), func(t *testing.T) {
				conns := replay(t, tt.capture, chunk)
				if tt.conn >= len(conns) {
					t.Fatalf("capture has %d connections", len(conns))
				}
				c := conns[tt.conn]
				a := c.Association()
				if c.Err() != nil {
					t.Fatalf("Err = %v", c.Err())
				}
				if a.CallingAE != tt.calling || a.CalledAE != tt.called {
					t.Errorf("AE titles %q → %q, want %q → %q", a.CallingAE, a.CalledAE, tt.calling, tt.called)
				}
				if a.ApplicationContext != appContext {
					t.Errorf("application context %q", a.ApplicationContext)
				}
				if a.State != Released {
					t.Errorf("state %v, want released", a.State)
				}
				for _, ui := range []UserInfo{a.Requestor, a.Acceptor} {
					if ui.ImplementationClassUID != dcmtkUID || ui.ImplementationVersion != dcmtkVersion || ui.MaxPDULength != 16384 {
						t.Errorf("user info %+v", ui)
					}
				}
				found := false
				for _, pc := range a.Contexts {
					if pc.AbstractSyntax == tt.proposedAbstract && pc.Answered && pc.Result == 0 && pc.TransferSyntax != "" {
						found = true
					}
				}
				if !found {
					t.Errorf("no accepted context for %s among %d", tt.proposedAbstract, len(a.Contexts))
				}
				var got []op
				for _, o := range a.Operations {
					if !o.FromClient || !o.Responded {
						t.Errorf("operation %+v: want a requestor operation with its response", o)
					}
					got = append(got, op{o.Command, o.SOPClass, o.Status})
				}
				if !reflect.DeepEqual(got, tt.ops) {
					t.Errorf("operations %v, want %v", got, tt.ops)
				}
				if id := identity(a); len(id) != len(tt.identity) || (len(id) > 0 && !reflect.DeepEqual(id, tt.identity)) {
					t.Errorf("identity %v, want %v", id, tt.identity)
				}
				if a.PHI != (len(tt.phi) > 0) || !slices.Equal(a.PHITags, tt.phi) {
					t.Errorf("PHI %v %v, want %v", a.PHI, a.PHITags, tt.phi)
				}
				if len(a.Warnings) != 0 {
					t.Errorf("warnings %q", a.Warnings)
				}
			})
		}
	}
}

func TestSoftwareVersionsMultiValued(t *testing.T) {
	a := Attribute{Tag: 0x00181020, Value: `VA48A\SP2`}
	if got := a.Values(); !slices.Equal(got, []string{"VA48A", "SP2"}) {
		t.Fatalf("Values = %q", got)
	}
}

// TestSplitInvariance feeds each capture whole, one byte at a time and in
// odd chunks: the records must be identical.
func TestSplitInvariance(t *testing.T) {
	for _, name := range []string{"dicom-echo-store-ct.pcap", "dicom-store-mr-us.pcap"} {
		t.Run(name, func(t *testing.T) {
			whole := replay(t, name, 0)
			for _, chunk := range []int{1, 2, 5, 6, 1000} {
				split := replay(t, name, chunk)
				for i := range whole {
					if !reflect.DeepEqual(whole[i].Association(), split[i].Association()) {
						t.Errorf("chunk %d conn %d: record differs:\n%+v\n%+v", chunk, i, *whole[i].Association(), *split[i].Association())
					}
				}
			}
		})
	}
}

// patientValues reads the patient attributes out of every dataset in a
// capture with a parser independent of the package's.
func patientValues(t *testing.T, name string) []string {
	var vals []string
	for _, s := range capturetest.Streams(t, name) {
		for _, ds := range datasets(t, s.Data) {
			for tag, v := range explicitElements(t, ds) {
				if tag.Group() == 0x0010 {
					v = strings.Trim(v, " \x00")
					if v != "" {
						vals = append(vals, v)
						// Parts of a person name leak the person too.
						vals = append(vals, strings.FieldsFunc(v, func(r rune) bool { return r == '^' || r == ' ' })...)
					}
				}
			}
		}
	}
	return vals
}

// TestNoPatientValues proves no patient value of the captures reaches any
// string the decoder produces, whatever the split of the input.
func TestNoPatientValues(t *testing.T) {
	for _, name := range []string{"dicom-echo-store-ct.pcap", "dicom-store-mr-us.pcap"} {
		t.Run(name, func(t *testing.T) {
			vals := patientValues(t, name)
			if !slices.Contains(vals, "TEST^SYNTHETIC") || !slices.Contains(vals, "SYN0001") {
				t.Fatalf("the test helper did not find the capture's patient values: %q", vals)
			}
			for _, chunk := range []int{0, 1, 3} {
				for _, c := range replay(t, name, chunk) {
					a := c.Association()
					out := fmt.Sprintf("%+v %v %v", *a, c.Err(), a.PHITags)
					for _, x := range a.Identity {
						out += x.Tag.String() + x.Value
					}
					for _, v := range vals {
						if strings.Contains(out, v) {
							t.Errorf("patient value %q leaked into the results", v)
						}
					}
				}
			}
		})
	}
}

func TestRejected(t *testing.T) {
	rq := pdu(pduAssociateRQ, associate("PACS", "ROGUE_WS",
		item(0x10, []byte(appContext)),
		rqContext(1, ctImage, explicitTS, implicitTS),
		userInfoItem(32768, "1.2.3.4", "ROGUE_1", item(0x58, []byte{2, 0, 0, 5}, []byte("admin"), []byte{0, 6}, []byte("secret")))))
	rj := pdu(pduAssociateRJ, []byte{0, 1, 1, 7})
	c := NewConn()
	if !Sniff(rq) {
		t.Fatal("Sniff rejected a valid A-ASSOCIATE-RQ")
	}
	if !c.Feed(true, rq) {
		t.Fatalf("Feed(RQ) = false: %v", c.Err())
	}
	if c.Feed(false, rj) {
		t.Error("Feed(RJ) = true, want false: the association is over")
	}
	a := c.Association()
	if a.State != Rejected || a.Reject != (Reject{1, 1, 7}) {
		t.Errorf("state %v reject %+v", a.State, a.Reject)
	}
	if got := a.Reject.String(); got != "rejected-permanent by service-user: called-AE-title-not-recognized" {
		t.Errorf("Reject.String() = %q", got)
	}
	if a.CallingAE != "ROGUE_WS" || a.CalledAE != "PACS" || a.Requestor.ImplementationVersion != "ROGUE_1" ||
		a.Requestor.MaxPDULength != 32768 || a.Requestor.UserIdentity != 2 {
		t.Errorf("association %+v", *a)
	}
	if len(a.Contexts) != 1 || a.Contexts[0].AbstractSyntax != ctImage ||
		!slices.Equal(a.Contexts[0].TransferSyntaxes, []string{explicitTS, implicitTS}) || a.Contexts[0].Answered {
		t.Errorf("contexts %+v", a.Contexts)
	}
	if s := fmt.Sprintf("%+v", *a); strings.Contains(s, "secret") || strings.Contains(s, "admin") {
		t.Errorf("user identity credentials kept: %s", s)
	}
}

// handAssociation is an accepted association over one implicit VR context
// (ctx 1) and one explicit VR context (ctx 3).
func handAssociation() (rq, ac []byte) {
	rq = pdu(pduAssociateRQ, associate("FINDSCP", "WORKLIST_SCU", item(0x10, []byte(appContext)),
		rqContext(1, "1.2.840.10008.5.1.4.31", implicitTS), rqContext(3, ctImage, explicitTS),
		userInfoItem(16384, "1.2.3", "SCU_1")))
	ac = pdu(pduAssociateAC, associate("FINDSCP", "WORKLIST_SCU", item(0x10, []byte(appContext)),
		acContext(1, 0, implicitTS), acContext(3, 0, explicitTS), userInfoItem(65536, "1.2.4", "SCP_2")))
	return rq, ac
}

func TestOperations(t *testing.T) {
	rq, ac := handAssociation()
	const worklist = "1.2.840.10008.5.1.4.31"
	query := cat(implicit(0x00100010, nil), implicit(0x00080060, []byte("CT")))
	match := cat(implicit(0x00080060, []byte("CT")), implicit(0x00100010, []byte("DOE^JANE")))
	c := NewConn()
	feeds := []struct {
		client bool
		b      []byte
	}{
		{true, rq}, {false, ac},
		{true, pdu(pduData, pdv(1, mchCommandLast, command(CFind, 7, worklist)), pdv(1, mchDataLast, query))},
		{false, pdu(pduData, pdv(1, mchCommandLast, command(CFind|responseFlag, 7, worklist, implicit(tagStatus, le16(0xFF00)))),
			pdv(1, mchDataLast, match))},
		{false, pdu(pduData, pdv(1, mchCommandLast, command(CFind|responseFlag, 7, worklist, implicit(tagStatus, le16(0)))))},
		// A response whose request came before the capture.
		{false, pdu(pduData, pdv(3, mchCommandLast, command(CStore|responseFlag, 99, ctImage, implicit(tagStatus, le16(0xA700)))))},
		{true, pdu(pduReleaseRQ, make([]byte, 4))},
		{false, pdu(pduReleaseRP, make([]byte, 4))},
	}
	for i, f := range feeds {
		ok := c.Feed(f.client, f.b)
		if want := i < len(feeds)-1; ok != want {
			t.Fatalf("feed %d returned %v (err %v)", i, ok, c.Err())
		}
	}
	a := c.Association()
	want := []Operation{
		{Command: CFind, ContextID: 1, MessageID: 7, SOPClass: worklist, FromClient: true, Responded: true, Status: 0},
		{Command: CStore, ContextID: 3, MessageID: 99, SOPClass: ctImage, FromClient: true, Responded: true, Status: 0xA700},
	}
	if !reflect.DeepEqual(a.Operations, want) {
		t.Errorf("operations\n%+v\nwant\n%+v", a.Operations, want)
	}
	// The empty query key is no PHI; the server's match is.
	if !a.PHI || !slices.Equal(a.PHITags, []Tag{0x00100010}) {
		t.Errorf("PHI %v %v", a.PHI, a.PHITags)
	}
	if got := a.Identity; len(got) != 2 || got[0] != (Attribute{Tag: 0x00080060, Value: "CT", FromClient: true, Command: CFind}) ||
		got[1] != (Attribute{Tag: 0x00080060, Value: "CT", FromClient: false, Command: CFind | responseFlag}) {
		t.Errorf("identity %+v", got)
	}
	if a.State != Released || a.Acceptor.ImplementationVersion != "SCP_2" || a.Acceptor.MaxPDULength != 65536 {
		t.Errorf("association %+v", *a)
	}
	if s := fmt.Sprintf("%+v", *a); strings.Contains(s, "DOE") || strings.Contains(s, "JANE") {
		t.Errorf("patient value leaked: %s", s)
	}
}

func TestAbort(t *testing.T) {
	rq, ac := handAssociation()
	c := NewConn()
	c.Feed(true, rq)
	c.Feed(false, ac)
	if c.Feed(false, pdu(pduAbort, []byte{0, 0, 2, 6})) {
		t.Error("Feed(A-ABORT) = true")
	}
	a := c.Association()
	if a.State != Aborted || a.Abort != (Abort{Source: 2, Reason: 6}) || a.Abort.String() != "aborted by service-provider: invalid-PDU-parameter-value" {
		t.Errorf("state %v abort %+v %q", a.State, a.Abort, a.Abort.String())
	}
}

func TestMalformed(t *testing.T) {
	rq, _ := handAssociation()
	badItem := slices.Clone(rq)
	badItem[6+68+2], badItem[6+68+3] = 0x03, 0x84 // application context item claims 900 bytes
	tests := []struct {
		name    string
		b       []byte
		wantErr string
	}{
		{"not DICOM", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), "not DICOM"},
		{"item overruns PDU", badItem, "A-ASSOCIATE-RQ item 0x10 at offset 74: length 900 exceeds PDU"},
		{"huge association PDU", append([]byte{pduAssociateRQ, 0, 0, 2, 0, 0}, rq[6:]...), "not DICOM"},
		{"PDV overruns PDU", cat(rq, pdu(pduData, []byte{0, 0, 0, 50, 1, 3, 0, 0})),
			fmt.Sprintf("PDV length 50 does not fit the 4 bytes left in the PDU (requestor stream, PDU at byte %d)", len(rq))},
		{"bad release length", cat(rq, []byte{pduReleaseRQ, 0, 0, 0, 0, 9}), "A-RELEASE-RQ length 9, want 4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewConn()
			if c.Feed(true, tt.b) {
				t.Fatal("Feed = true on malformed input")
			}
			if c.Err() == nil || !strings.Contains(c.Err().Error(), tt.wantErr) {
				t.Fatalf("Err = %v, want %q", c.Err(), tt.wantErr)
			}
			if c.Feed(true, rq) {
				t.Error("Feed after an error = true")
			}
		})
	}
}

func TestSniff(t *testing.T) {
	rq, ac := handAssociation()
	bigLen := slices.Clone(rq)
	bigLen[2] = 1
	badVersion := slices.Clone(rq)
	badVersion[7] = 2
	binaryAE := slices.Clone(rq)
	binaryAE[12] = 0x01
	tests := []struct {
		name string
		b    []byte
		want bool
	}{
		{"A-ASSOCIATE-RQ", rq, true},
		{"first 10 bytes", rq[:10], true},
		{"too short", rq[:9], false},
		{"A-ASSOCIATE-AC", ac, false},
		{"length out of bounds", bigLen, false},
		{"protocol version 2", badVersion, false},
		{"control byte in AE title", binaryAE, false},
		{"HTTP", []byte("GET / HTTP/1.1\r\n"), false},
		{"empty", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Sniff(tt.b); got != tt.want {
				t.Errorf("Sniff = %v, want %v", got, tt.want)
			}
		})
	}
}

// storeFeeds returns the CT capture's C-STORE connection as whole PDUs per
// direction.
func storeFeeds(t *testing.T) (client, server [][]byte) {
	streams := capturetest.Streams(t, "dicom-echo-store-ct.pcap")
	if len(streams) != 4 {
		t.Fatalf("%d streams", len(streams))
	}
	return pdus(t, streams[2].Data), pdus(t, streams[3].Data)
}

func TestGap(t *testing.T) {
	client, server := storeFeeds(t)
	// client: RQ, P-DATA (command), P-DATA (dataset)…, A-RELEASE-RQ.
	if client[0][0] != pduAssociateRQ || client[1][0] != pduData || client[len(client)-1][0] != pduReleaseRQ {
		t.Fatalf("unexpected PDU sequence")
	}
	dsPDU := 2 // first dataset PDU
	tests := []struct {
		name     string
		pdu      int // client PDU index to hole
		at, n    int // the hole: bytes [at, at+n) of that PDU are lost
		identity bool
		state    State
		wantWarn string
	}{
		{"inside the dataset PDV, before the identity", dsPDU, 14, 100, false, Released, "inside a PDV of presentation context"},
		{"inside the dataset PDV, after the identity", dsPDU, 1000, 100, true, Released, "inside a PDV of presentation context"},
		{"inside the A-ASSOCIATE-RQ", 0, 100, 50, true, Released, "inside A-ASSOCIATE-RQ; PDU dropped"},
		{"across a PDV header", 1, 8, 10, false, Released, "across PDVs"},
		{"across the PDU boundary", 1, 20, 200, false, Released, "lost the PDU framing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewConn()
			feedClient := func(i int) {
				p := client[i]
				if i != tt.pdu {
					c.Feed(true, p)
					return
				}
				c.Feed(true, p[:tt.at])
				c.Gap(true, tt.n)
				if tt.at+tt.n < len(p) {
					c.Feed(true, p[tt.at+tt.n:])
				}
			}
			skip := -1
			if tt.at+tt.n > len(client[tt.pdu]) {
				skip = tt.pdu + 1 // swallowed by the hole (only its start, but framing is lost anyway)
			}
			feedClient(0)
			c.Feed(false, server[0])
			for i := 1; i < len(client)-1; i++ {
				if i != skip {
					feedClient(i)
				}
			}
			for _, p := range server[1 : len(server)-1] {
				c.Feed(false, p)
			}
			feedClient(len(client) - 1)
			c.Feed(false, server[len(server)-1])
			a := c.Association()
			if c.Err() != nil {
				t.Fatalf("Err = %v", c.Err())
			}
			if got := len(identity(a)) > 0; got != tt.identity {
				t.Errorf("identity found = %v, want %v: %+v", got, tt.identity, a.Identity)
			}
			if len(a.Operations) != 1 || a.Operations[0].Command != CStore || !a.Operations[0].Responded || a.Operations[0].Status != 0 {
				t.Errorf("operations %+v, want the C-STORE and its response", a.Operations)
			}
			if a.State != tt.state {
				t.Errorf("state %v, want %v", a.State, tt.state)
			}
			if !slices.ContainsFunc(a.Warnings, func(w string) bool { return strings.Contains(w, tt.wantWarn) }) {
				t.Errorf("warnings %q, want one containing %q", a.Warnings, tt.wantWarn)
			}
		})
	}
}

func TestGapLosesFraming(t *testing.T) {
	rq, ac := handAssociation()
	c := NewConn()
	c.Feed(true, rq[:3])
	c.Gap(true, 5) // inside the PDU header: the requestor's framing is gone
	if !c.Feed(true, rq[8:]) {
		t.Fatal("Feed = false while the acceptor direction is still decodable")
	}
	if !c.Feed(false, ac) {
		t.Fatalf("Feed(AC) = false: %v", c.Err())
	}
	a := c.Association()
	if a.State != Accepted || a.CallingAE != "" || a.Acceptor.ImplementationVersion != "SCP_2" {
		t.Errorf("association %+v", *a)
	}
	c.Gap(false, 1) // at a PDU boundary: framing lost too
	if c.Feed(false, pdu(pduReleaseRP, make([]byte, 4))) {
		t.Error("Feed = true with both directions lost")
	}
	if len(a.Warnings) != 2 || !strings.Contains(a.Warnings[0], "requestor direction no longer decoded") {
		t.Errorf("warnings %q", a.Warnings)
	}
	if c.Err() != nil {
		t.Errorf("a gap is not a decode error: %v", c.Err())
	}
}
