package dicom

import "fmt"

// Tag is a DICOM attribute tag, group in the high 16 bits.
type Tag uint32

// Group is the tag's group number.
func (t Tag) Group() uint16 { return uint16(t >> 16) }

// Element is the tag's element number.
func (t Tag) Element() uint16 { return uint16(t) }

// String gives the tag and, when known, its keyword: "(0010,0010) PatientName".
func (t Tag) String() string {
	if n := tagNames[t]; n != "" {
		return t.short() + " " + n
	}
	if t.Group() == 0x0010 {
		return t.short() + " patient attribute"
	}
	return t.short()
}

func (t Tag) short() string { return fmt.Sprintf("(%04X,%04X)", t.Group(), t.Element()) }

// tagNames holds the keywords of the attributes this package reports.
var tagNames = map[Tag]string{
	0x00080016: "SOPClassUID",
	0x00080060: "Modality",
	0x00080070: "Manufacturer",
	0x00081010: "StationName",
	0x00081090: "ManufacturerModelName",
	0x00181000: "DeviceSerialNumber",
	0x00181016: "SecondaryCaptureDeviceManufacturer",
	0x00181018: "SecondaryCaptureDeviceManufacturerModelName",
	0x00181019: "SecondaryCaptureDeviceSoftwareVersions",
	0x00181020: "SoftwareVersions",

	0x00080050: "AccessionNumber",
	0x00080090: "ReferringPhysicianName",
	0x00080092: "ReferringPhysicianAddress",
	0x00080094: "ReferringPhysicianTelephoneNumbers",
	0x00081048: "PhysiciansOfRecord",
	0x00081050: "PerformingPhysicianName",
	0x00081060: "NameOfPhysiciansReadingStudy",
	0x00081070: "OperatorsName",
	0x00321032: "RequestingPhysician",
	0x00380010: "AdmissionID",
	0x00400006: "ScheduledPerformingPhysicianName",
	0x0040A123: "PersonName",

	0x00100010: "PatientName",
	0x00100020: "PatientID",
	0x00100021: "IssuerOfPatientID",
	0x00100030: "PatientBirthDate",
	0x00100032: "PatientBirthTime",
	0x00100040: "PatientSex",
	0x00100050: "PatientInsurancePlanCodeSequence",
	0x00101000: "OtherPatientIDs",
	0x00101001: "OtherPatientNames",
	0x00101002: "OtherPatientIDsSequence",
	0x00101005: "PatientBirthName",
	0x00101010: "PatientAge",
	0x00101020: "PatientSize",
	0x00101030: "PatientWeight",
	0x00101040: "PatientAddress",
	0x00101060: "PatientMotherBirthName",
	0x00102154: "PatientTelephoneNumbers",
	0x00102160: "EthnicGroup",
	0x001021B0: "AdditionalPatientHistory",
	0x00104000: "PatientComments",
}

// Command is a DIMSE command field (0000,0100).
type Command uint16

// Request command fields; a response is the request with bit 15 set.
const (
	CStore       Command = 0x0001
	CGet         Command = 0x0010
	CFind        Command = 0x0020
	CMove        Command = 0x0021
	CEcho        Command = 0x0030
	NEventReport Command = 0x0100
	NGet         Command = 0x0110
	NSet         Command = 0x0120
	NAction      Command = 0x0130
	NCreate      Command = 0x0140
	NDelete      Command = 0x0150
	CCancel      Command = 0x0FFF
	responseFlag Command = 0x8000
)

// Response reports whether the command field is a response.
func (c Command) Response() bool { return c&responseFlag != 0 && c != CCancel }

func (c Command) String() string {
	var s string
	switch c &^ responseFlag {
	case CStore:
		s = "C-STORE"
	case CGet:
		s = "C-GET"
	case CFind:
		s = "C-FIND"
	case CMove:
		s = "C-MOVE"
	case CEcho:
		s = "C-ECHO"
	case NEventReport:
		s = "N-EVENT-REPORT"
	case NGet:
		s = "N-GET"
	case NSet:
		s = "N-SET"
	case NAction:
		s = "N-ACTION"
	case NCreate:
		s = "N-CREATE"
	case NDelete:
		s = "N-DELETE"
	case CCancel:
		return "C-CANCEL"
	default:
		return fmt.Sprintf("command 0x%04X", uint16(c))
	}
	if c.Response() {
		return s + "-RSP"
	}
	return s
}

// Reject is the A-ASSOCIATE-RJ answer (PS3.8 9.3.4).
type Reject struct {
	Result uint8 // 1 rejected-permanent, 2 rejected-transient
	Source uint8 // 1 service-user, 2 service-provider (ACSE), 3 service-provider (presentation)
	Reason uint8 // meaning depends on Source
}

func (r Reject) String() string {
	result := "rejected"
	switch r.Result {
	case 1:
		result = "rejected-permanent"
	case 2:
		result = "rejected-transient"
	}
	source, reason := fmt.Sprintf("source %d", r.Source), fmt.Sprintf("reason %d", r.Reason)
	switch r.Source {
	case 1:
		source = "service-user"
		switch r.Reason {
		case 1:
			reason = "no-reason-given"
		case 2:
			reason = "application-context-name-not-supported"
		case 3:
			reason = "calling-AE-title-not-recognized"
		case 7:
			reason = "called-AE-title-not-recognized"
		}
	case 2:
		source = "service-provider (ACSE)"
		switch r.Reason {
		case 1:
			reason = "no-reason-given"
		case 2:
			reason = "protocol-version-not-supported"
		}
	case 3:
		source = "service-provider (presentation)"
		switch r.Reason {
		case 1:
			reason = "temporary-congestion"
		case 2:
			reason = "local-limit-exceeded"
		}
	}
	return result + " by " + source + ": " + reason
}

// Abort is an A-ABORT (PS3.8 9.3.8).
type Abort struct {
	Source     uint8 // 0 service-user, 2 service-provider
	Reason     uint8 // provider reasons: 1 unrecognized PDU, 2 unexpected PDU, 4 unrecognized parameter…
	FromClient bool
}

func (a Abort) String() string {
	switch a.Source {
	case 0:
		return "aborted by service-user"
	case 2:
		reasons := [...]string{"reason-not-specified", "unrecognized-PDU", "unexpected-PDU", "reserved", "unrecognized-PDU-parameter", "unexpected-PDU-parameter", "invalid-PDU-parameter-value"}
		if int(a.Reason) < len(reasons) {
			return "aborted by service-provider: " + reasons[a.Reason]
		}
	}
	return fmt.Sprintf("aborted (source %d, reason %d)", a.Source, a.Reason)
}
