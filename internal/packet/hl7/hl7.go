// Package hl7 owns the sensor's HL7 v2 decoder: it follows MLLP-framed TCP
// streams and extracts what identifies the systems and devices that exchange
// messages (MSH header, MSA acknowledgment, OBX-18 equipment identifiers, PRT
// UDI fields). Of patient segments (PID, NK1, GT1, IN1, ...) it records only
// that they were present: their bytes are never copied, so no patient value
// can reach a result, an error or a log.
package hl7

import "strings"

// Limits. A Conn holds at most two parsers, each buffering at most MaxField
// bytes plus a few header bytes, whatever the traffic.
const (
	// MaxMessage is the longest message decoded; past it the rest of the
	// frame is skipped without being buffered, and the message is reported
	// with what was extracted before the limit.
	MaxMessage = 1 << 20
	// MaxField is how many raw bytes of an extracted field are kept; the
	// rest of the field is skipped.
	MaxField = 1024
	// MaxValue bounds every result string (bytes, after unescaping).
	MaxValue = 256
	// MaxJunk is how many bytes outside any MLLP frame a direction may carry
	// before the stream is declared not HL7.
	MaxJunk = 64 << 10
	// MaxRepetitions bounds the repetitions kept of a repeating field.
	MaxRepetitions = 8
	// MaxObservations and MaxParticipants bound the OBX and PRT records kept
	// per message; MaxSegmentNames the distinct segment names listed.
	MaxObservations = 32
	MaxParticipants = 16
	MaxSegmentNames = 64
)

// HD is a hierarchic designator (MSH-3..6): an application or facility.
type HD struct {
	Namespace       string
	UniversalID     string
	UniversalIDType string
}

// EI is an entity identifier (MSH-21, OBX-18, PRT-10/16/21).
type EI struct {
	Entity          string
	Namespace       string
	UniversalID     string
	UniversalIDType string
}

// Code is the first triplet of a coded element (CWE/CNE).
type Code struct {
	Identifier string
	Text       string
	System     string
}

// Observation is what is kept of an OBX segment. The observation value
// (OBX-5) is patient data and is never read; the identifier says what kind
// of device produced it (e.g. an MDC code of a pulse oximeter).
type Observation struct {
	Identifier Code // OBX-3
	Equipment  []EI // OBX-18 equipment instance identifiers, often an EUI-64
}

// Participant is what is kept of a PRT segment (HL7 2.7+). PRT-5 (person)
// and the other person, organisation and contact fields are not read.
type Participant struct {
	Role             Code   // PRT-4 role of participation ("EQUIP" for a device)
	Device           []EI   // PRT-10 participation device (the UDI carrier)
	DeviceIdentifier EI     // PRT-16 participant device identifier (UDI-DI)
	ManufactureDate  string // PRT-17 participant device manufacture date
	ExpiryDate       string // PRT-18 participant device expiry date
	LotNumber        string // PRT-19 participant device lot number
	SerialNumber     string // PRT-20 participant device serial number
	DonationID       EI     // PRT-21 participant device donation identification
	DeviceType       Code   // PRT-22 participation device type
}

// Message is what one HL7 v2 message reveals about its sender and receiver.
// Its slices and strings are its own: nothing aliases the bytes fed.
type Message struct {
	// FromClient is true when the connection's opener sent the message.
	FromClient bool
	// Offset is where the start block was in its direction of the stream.
	Offset int64
	// Length is the number of bytes between the start and end blocks.
	Length int

	SendingApplication   HD     // MSH-3
	SendingFacility      HD     // MSH-4
	ReceivingApplication HD     // MSH-5
	ReceivingFacility    HD     // MSH-6
	Time                 string // MSH-7, as sent (e.g. "20110613083617")
	MessageCode          string // MSH-9.1 (e.g. "ADT")
	TriggerEvent         string // MSH-9.2 (e.g. "A01")
	MessageStructure     string // MSH-9.3 (e.g. "ADT_A01")
	ControlID            string // MSH-10
	ProcessingID         string // MSH-11.1: P production, T training, D debugging
	Version              string // MSH-12.1 (e.g. "2.3")
	Profiles             []EI   // MSH-21 message profile identifiers

	AckCode      string // MSA-1: AA, AE, AR (CA, CE, CR)
	AckControlID string // MSA-2: MSH-10 of the acknowledged message

	Observations []Observation
	Participants []Participant

	// Segments lists the distinct segment names in order of first
	// appearance. Only standard names and Z-segments are listed, so that a
	// stray line break inside a patient field cannot surface its text here;
	// other lines are counted in UnknownSegments.
	Segments        []string
	UnknownSegments int
	SegmentCount    int
	// PHISegments lists the patient segments present (the cleartext-PHI
	// fact); nothing of their content is read.
	PHISegments []string

	// Truncated reports that a value or a list was cut to the limits above.
	Truncated bool
	// Err is set when the message did not end normally (gap, size limit,
	// start block inside the message, end of stream); what was extracted
	// before that point is still reported.
	Err error
}

// Type returns the message type as written in MSH-9, e.g. "ADT^A01".
func (m *Message) Type() string {
	if m.TriggerEvent == "" {
		return m.MessageCode
	}
	return m.MessageCode + "^" + m.TriggerEvent
}

// HasPHI reports whether any patient segment was present.
func (m *Message) HasPHI() bool { return len(m.PHISegments) > 0 }

// HasSegment reports whether a segment of that name was present.
func (m *Message) HasSegment(name string) bool {
	for _, s := range m.Segments {
		if s == name {
			return true
		}
	}
	return false
}

// Sniff reports whether b, the first bytes a client sent, start an MLLP
// frame holding an HL7 message: 0x0B then "MSH". It needs four bytes.
func Sniff(b []byte) bool {
	return len(b) >= 4 && b[0] == startBlock && string(b[1:4]) == "MSH"
}

// Segment names of HL7 v2 (2.1–2.9) used to tell a real segment from a line
// of text, and the ones that carry patient data.
const standardSegments = "ABS ACC ADD ADJ AFF AIG AIL AIP AIS AL1 APR ARQ ARV AUT BHS BLC BLG BPO BPX BTS BTX BUI CDM CDO CER CM0 CM1 CM2 CNS CON CSP CSR CSS CTD CTI DB1 DEV DG1 DMI DON DRG DSC DSP ECD ECR EDU EQL EQP EQU ERQ ERR EVN FAC FHS FT1 FTS GOL GP1 GP2 GT1 IAM IAR IIM ILT IN1 IN2 IN3 INV IPC IPR ISD ITM IVC IVT LAN LCC LCH LDP LOC LRL MFA MFE MFI MRG MSA MSH NCK NDS NK1 NPU NSC NST NTE OBR OBX ODS ODT OM1 OM2 OM3 OM4 OM5 OM6 OM7 ORC ORG OVR PAC PCE PCR PD1 PDA PDC PEO PES PID PKG PMT PR1 PRA PRB PRC PRD PRT PSG PSH PSL PSS PTH PV1 PV2 PYE QAK QID QPD QRD QRF QRI RCP RDF RDT REL RF1 RFI RGS RMI ROL RQ1 RQD RXA RXC RXD RXE RXG RXO RXR RXV SAC SCD SCH SCP SDD SFT SGH SGT SHP SID SLT SPM STF STZ TCC TCD TQ1 TQ2 TXA UAC UB1 UB2 URD URS VAR VND"

// Patient identity, visit, next of kin, guarantor, insurance, merge,
// allergy, diagnosis, procedure, accident and disability segments.
const phiSegments = "PID PD1 PV1 PV2 NK1 GT1 IN1 IN2 IN3 MRG AL1 IAM DG1 DRG PR1 ACC DB1 UB1 UB2"

type segInfo struct {
	name string // a substring of the constants above, so listing it costs nothing
	phi  bool
}

// segTable maps a three-letter name, packed into an int, to its info. It is
// built once and only read.
var segTable = func() map[uint32]segInfo {
	m := make(map[uint32]segInfo, 200)
	for i := 0; i+3 <= len(standardSegments); i += 4 {
		n := standardSegments[i : i+3]
		m[pack(n[0], n[1], n[2])] = segInfo{name: n, phi: strings.Contains(phiSegments, n)}
	}
	return m
}()

func pack(a, b, c byte) uint32 { return uint32(a)<<16 | uint32(b)<<8 | uint32(c) }
