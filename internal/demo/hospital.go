package demo

import "github.com/vigil-oss/vigil/internal/core"

// The demo hospital's layout: who the sites are, how their networks are cut
// into zones, and which devices stand where. The names are invented; the
// makers and models are the catalog's.

type siteSpec struct {
	code    string // asset-tag prefix, DICOM AE prefix, HL7 facility
	name    string
	address string
	zones   []zoneSpec
}

type zoneSpec struct {
	key        string // referred to by the fleet table
	name       string
	cidr       string
	vlan       int
	doNotProbe bool // fragile clinical networks: no active scanning
	building   string
	floors     []string
	department string
	// roomFmt formats a room from the floor (argument 1, a string) and a
	// room number 1..rooms (argument 2, an int).
	roomFmt string
	rooms   int
	owner   string
}

var sites = []siteSpec{
	{
		code:    "NGH",
		name:    "Northbridge General Hospital",
		address: "1200 Harbor Road, Northbridge",
		zones: []zoneSpec{
			{"icu", "ICU", "10.10.10.0/24", 110, true, "Main Tower", []string{"4"}, "Intensive Care Unit", "ICU-%02[2]d", 16, "Clinical Engineering"},
			{"ed", "Emergency", "10.10.20.0/24", 120, true, "Main Tower", []string{"1"}, "Emergency Department", "ED-%02[2]d", 24, "Clinical Engineering"},
			{"or", "Surgery", "10.10.30.0/24", 130, true, "Main Tower", []string{"2"}, "Perioperative Services", "OR-%02[2]d", 8, "Clinical Engineering"},
			{"ward", "General Wards", "10.10.40.0/24", 140, false, "Main Tower", []string{"5", "6", "7"}, "Medical-Surgical Units", "%[1]s%02[2]d", 30, "Clinical Engineering"},
			{"rad", "Radiology", "10.10.50.0/24", 150, false, "Imaging Pavilion", []string{"1"}, "Radiology", "RAD-%02[2]d", 12, "Imaging Services"},
			{"imgit", "Imaging IT", "10.10.51.0/24", 151, false, "Imaging Pavilion", []string{"2"}, "Reading Rooms", "RR-%02[2]d", 8, "Imaging Informatics"},
			{"cardio", "Cardiology", "10.10.60.0/24", 160, false, "Heart & Vascular Institute", []string{"3"}, "Cardiology", "HV-3%02[2]d", 20, "Heart & Vascular Services"},
			{"neuro", "Neurodiagnostics", "10.10.65.0/24", 165, false, "Main Tower", []string{"3"}, "Neurodiagnostics & Sleep Lab", "NDX-%02[2]d", 6, "Neurology"},
			{"lab", "Laboratory", "10.10.70.0/24", 170, false, "Main Tower", []string{"G"}, "Core Laboratory", "LAB-%02[2]d", 10, "Laboratory Services"},
			{"pharm", "Pharmacy", "10.10.80.0/24", 180, false, "Main Tower", []string{"G"}, "Inpatient Pharmacy", "RX-%02[2]d", 4, "Pharmacy"},
			{"biomed", "Biomed", "10.10.90.0/24", 190, false, "Service Building", []string{"1"}, "Clinical Engineering", "CE-%02[2]d", 6, "Clinical Engineering"},
			{"srv", "Clinical Servers", "10.10.100.0/24", 200, false, "Main Tower", []string{"B1"}, "Data Center", "DC1 Rack A%02[2]d", 12, "Clinical Applications"},
			{"fac", "Facilities", "10.10.110.0/24", 210, false, "Central Plant", []string{"1"}, "Plant Operations", "CP-%02[2]d", 6, "Facilities Management"},
		},
	},
	{
		code:    "NCC",
		name:    "Northbridge Cancer & Outpatient Center",
		address: "45 Elm Park Avenue, Northbridge",
		zones: []zoneSpec{
			{"inf", "Oncology Infusion", "10.20.10.0/24", 310, true, "Cancer Center", []string{"2"}, "Infusion Center", "INF-%02[2]d", 24, "Clinical Engineering"},
			{"radonc", "Radiation Oncology", "10.20.20.0/24", 320, false, "Cancer Center", []string{"LL"}, "Radiation Oncology", "RO-%02[2]d", 6, "Radiation Oncology"},
			{"img", "Oncology Imaging", "10.20.30.0/24", 330, false, "Cancer Center", []string{"1"}, "Breast & Oncology Imaging", "IMG-%02[2]d", 8, "Imaging Services"},
			{"clinic", "Outpatient Clinics", "10.20.40.0/24", 340, false, "Cancer Center", []string{"3"}, "Oncology Clinics", "EXAM-%02[2]d", 20, "Clinical Engineering"},
			{"lab", "Laboratory", "10.20.50.0/24", 350, false, "Cancer Center", []string{"4"}, "Molecular Pathology", "MP-%02[2]d", 6, "Laboratory Services"},
			{"pharm", "Pharmacy", "10.20.60.0/24", 360, false, "Cancer Center", []string{"2"}, "Oncology Pharmacy", "RX-%02[2]d", 3, "Pharmacy"},
			{"it", "Clinical IT", "10.20.90.0/24", 390, false, "Cancer Center", []string{"LL"}, "IT Services", "IDF-%02[2]d", 3, "Clinical Applications"},
		},
	},
}

// fleetEntry places n devices of one catalog model in one zone.
type fleetEntry struct {
	site, zone   string // site code, zone key
	maker, model string // catalog names
	n            int
	lifecycle    core.Lifecycle // "" is active
	note         string
}

// fleet is the hospital's device list: pumps and monitors at the bedside,
// imaging in radiology, analyzers in the labs, servers in the data center,
// and a few spares and retirees in the biomed depot. Order matters: it is
// the order the generator draws random numbers in.
var fleet = []fleetEntry{
	// Main hospital: intensive care.
	{"NGH", "icu", "BD", "Alaris PC Unit", 14, "", ""},
	{"NGH", "icu", "BD", "Pyxis MedStation ES", 2, "", ""},
	{"NGH", "icu", "Baxter", "PrisMax", 2, "", ""},
	{"NGH", "icu", "B. Braun", "SpaceStation with SpaceCom", 2, "", "Docks the cardiac surgery unit's Space pumps."},
	{"NGH", "icu", "Smiths Medical", "Medfusion 4000 Wireless Syringe Infusion Pump", 6, "", ""},
	{"NGH", "icu", "Philips", "IntelliVue MX800", 16, "", ""},
	{"NGH", "icu", "Philips", "IntelliVue X3", 4, "", ""},
	{"NGH", "icu", "Philips", "Patient Information Center iX", 1, "", ""},
	{"NGH", "icu", "Philips", "IntelliBridge EC40 Hub", 3, "", ""},
	{"NGH", "icu", "Hamilton Medical", "HAMILTON-T1", 3, "", ""},
	{"NGH", "icu", "Stryker", "InTouch ICU Bed", 6, "", ""},
	{"NGH", "icu", "Capsule Technologies", "SmartLinx Neuron 2", 8, "", ""},
	// Emergency department.
	{"NGH", "ed", "BD", "Alaris PC Unit", 8, "", ""},
	{"NGH", "ed", "BD", "Pyxis MedStation ES", 1, "", ""},
	{"NGH", "ed", "Smiths Medical", "Medfusion 4000 Wireless Syringe Infusion Pump", 2, "", ""},
	{"NGH", "ed", "Philips", "IntelliVue MX700", 8, "", ""},
	{"NGH", "ed", "Philips", "IntelliVue X3", 1, "", ""},
	{"NGH", "ed", "Philips", "Patient Information Center iX", 1, "", ""},
	{"NGH", "ed", "Philips", "PageWriter TC70", 3, "", ""},
	{"NGH", "ed", "GE Healthcare", "LOGIQ 9", 1, "", "Point-of-care ultrasound cart for the trauma bays."},
	{"NGH", "ed", "Hillrom", "Welch Allyn Connex Spot Monitor", 2, "", ""},
	{"NGH", "ed", "Hamilton Medical", "HAMILTON-T1", 3, "", ""},
	// Operating theatres.
	{"NGH", "or", "BD", "Alaris PC Unit", 4, "", ""},
	{"NGH", "or", "BD", "Pyxis MedStation ES", 1, "", ""},
	{"NGH", "or", "Fresenius Kabi", "Agilia Connect", 6, "", ""},
	{"NGH", "or", "Philips", "IntelliVue MX800", 4, "", ""},
	{"NGH", "or", "Philips", "Veradius Unity", 2, "", ""},
	{"NGH", "or", "Medtronic", "Valleylab FT10 Energy Platform", 3, "", ""},
	{"NGH", "or", "Spacelabs", "Arkon Anesthesia Delivery System", 6, "", ""},
	{"NGH", "or", "Ethicon", "Endo-Surgery Generator Gen11", 2, "", ""},
	// Medical-surgical wards.
	{"NGH", "ward", "BD", "Alaris PC Unit", 26, "", ""},
	{"NGH", "ward", "BD", "Pyxis MedStation ES", 3, "", ""},
	{"NGH", "ward", "Baxter", "Sigma Spectrum", 4, "", "Last Spectrum pumps on the wards; scheduled for replacement by Alaris."},
	{"NGH", "ward", "Philips", "IntelliVue MX40", 12, "", ""},
	{"NGH", "ward", "Philips", "Patient Information Center iX", 1, "", ""},
	{"NGH", "ward", "Philips", "PageWriter TC70", 1, "", ""},
	{"NGH", "ward", "Hillrom", "Welch Allyn Connex Vital Signs Monitor", 10, "", ""},
	{"NGH", "ward", "Hillrom", "Welch Allyn Connex Central Station", 1, "", ""},
	{"NGH", "ward", "Stryker", "S3 MedSurg Bed", 12, "", ""},
	// Radiology modalities.
	{"NGH", "rad", "Philips", "Brilliance iCT", 1, "", ""},
	{"NGH", "rad", "Philips", "MRI 1.5T", 1, "", ""},
	{"NGH", "rad", "GE Healthcare", "Revolution CT", 1, "", ""},
	{"NGH", "rad", "GE Healthcare", "Signa HDxt 3.0T", 1, "", ""},
	{"NGH", "rad", "GE Healthcare", "LOGIQ 9", 2, "", ""},
	{"NGH", "rad", "GE Healthcare", "Definium 8000", 2, "", ""},
	{"NGH", "rad", "Siemens", "SPECT/CT System", 1, "", "Console still on Windows XP; an isolated VLAN has been requested."},
	// Imaging IT: archive and reading.
	{"NGH", "imgit", "Philips", "IntelliSpace PACS", 2, "", ""},
	{"NGH", "imgit", "GE Healthcare", "Advantage Workstation", 2, "", ""},
	{"NGH", "imgit", "Santesoft", "Sante DICOM Viewer Pro", 2, "", ""},
	{"NGH", "imgit", "MicroDicom", "DICOM Viewer", 1, "", ""},
	// Heart and vascular: cath lab, echo, ECG, device clinic.
	{"NGH", "cardio", "Philips", "Interventional Workspot", 2, "", ""},
	{"NGH", "cardio", "Philips", "PageWriter TC70", 3, "", ""},
	{"NGH", "cardio", "GE Healthcare", "Innova IGS 530", 1, "", ""},
	{"NGH", "cardio", "GE Healthcare", "Vivid 7", 1, "", ""},
	{"NGH", "cardio", "Hillrom", "Welch Allyn ELI 380", 1, "", ""},
	{"NGH", "cardio", "Hillrom", "Welch Allyn Q-Stress", 1, "", ""},
	{"NGH", "cardio", "Medtronic", "CareLink 2090 Programmer", 2, "", ""},
	{"NGH", "cardio", "Boston Scientific", "ZOOM LATITUDE Programmer/Recorder/Monitor", 1, "", ""},
	{"NGH", "neuro", "Natus", "Xltek NeuroWorks", 2, "", ""},
	{"NGH", "lab", "BD", "FACSLyric", 1, "", ""},
	{"NGH", "lab", "BD", "Viper LT", 1, "", ""},
	{"NGH", "pharm", "Baxter", "ExactaMix EM2400", 1, "", ""},
	{"NGH", "srv", "BD", "Alaris Systems Manager", 2, "", ""},
	{"NGH", "srv", "BD", "Synapsys", 1, "", ""},
	{"NGH", "srv", "Philips", "IntelliSpace Cardiovascular", 1, "", ""},
	{"NGH", "srv", "Medtronic", "Paceart Optima", 1, "", ""},
	{"NGH", "srv", "Carestream", "Vue RIS", 1, "", ""},
	// Biomed depot: spares and retirees.
	{"NGH", "biomed", "BD", "Alaris PC Unit", 4, core.LifecycleInStorage, "Biomed spare pool."},
	{"NGH", "biomed", "Hillrom", "Welch Allyn Connex Vital Signs Monitor", 2, core.LifecycleInStorage, "Spare; awaiting preventive maintenance."},
	{"NGH", "biomed", "Baxter", "Sigma Spectrum", 2, core.LifecycleRetired, "Replaced by Alaris; awaiting data wipe before disposal."},
	{"NGH", "biomed", "Philips", "HDI 4000", 1, core.LifecycleRetired, "Retired; kept to read archived studies. Vendor support ended 2013-12-31."},
	{"NGH", "biomed", "ZOLL", "Defibrillator Dashboard", 1, "", ""},
	{"NGH", "fac", "BeaconMedaes", "TotalAlert Scroll Medical Air System", 2, "", ""},
	{"NGH", "fac", "Swisslog Healthcare", "Translogic Nexus Control Panel", 3, "", ""},

	// Cancer and outpatient center.
	{"NCC", "inf", "BD", "Alaris Gateway Workstation", 3, "", "Came with the cancer center in 2019, which kept its own Alaris Gateway fleet."},
	{"NCC", "inf", "BD", "Alaris GH Syringe Pump", 8, "", ""},
	{"NCC", "inf", "BD", "BodyGuard 323 Color Vision", 6, "", ""},
	{"NCC", "inf", "BD", "Pyxis MedStation ES", 1, "", ""},
	{"NCC", "inf", "Baxter", "Spectrum IQ", 9, "", ""},
	{"NCC", "inf", "Baxter", "Spectrum IQ", 1, core.LifecycleInStorage, "Spare in the clean utility room."},
	{"NCC", "radonc", "Philips", "Brilliance CT Big Bore", 1, "", ""},
	{"NCC", "radonc", "GE Healthcare", "Discovery CT590 RT", 1, "", ""},
	{"NCC", "img", "Siemens", "PET/CT System", 1, "", ""},
	{"NCC", "img", "GE Healthcare", "Senographe Pristina", 2, "", ""},
	{"NCC", "img", "GE Healthcare", "LOGIQ 9", 1, "", ""},
	{"NCC", "clinic", "Hillrom", "Welch Allyn Connex Vital Signs Monitor", 4, "", ""},
	{"NCC", "clinic", "Hillrom", "Welch Allyn Connex Spot Monitor", 6, "", ""},
	{"NCC", "clinic", "Hillrom", "Welch Allyn ELI 380", 1, "", ""},
	{"NCC", "clinic", "MicroDicom", "DICOM Viewer", 1, "", "Installed by a user; not on the approved software list."},
	{"NCC", "lab", "BD", "FACSLyric", 1, "", ""},
	{"NCC", "lab", "BD", "Totalys MultiProcessor", 1, "", ""},
	{"NCC", "lab", "Illumina", "MiSeqDx", 1, "", ""},
	{"NCC", "lab", "Illumina", "NextSeq 550Dx", 1, "", ""},
	{"NCC", "pharm", "BD", "Pyxis MedStation ES", 1, "", ""},
	{"NCC", "pharm", "Baxter", "ExactaMix EM2400", 1, "", ""},
	{"NCC", "it", "Philips", "Vue PACS", 1, "", ""},
	{"NCC", "it", "Santesoft", "Sante DICOM Viewer Pro", 1, "", ""},
}

// assetCodes abbreviates a device type for asset tags and host names.
var assetCodes = map[string]string{
	"infusion-pump":                 "IP",
	"infusion-gateway":              "IG",
	"infusion-server":               "SRV",
	"patient-monitor":               "PM",
	"central-station":               "CS",
	"device-integration-hub":        "DI",
	"ct-scanner":                    "CT",
	"mri-scanner":                   "MR",
	"ultrasound":                    "US",
	"x-ray":                         "XR",
	"mammography":                   "MG",
	"angiography-system":            "XA",
	"pet-ct":                        "PT",
	"spect-ct":                      "NM",
	"pacs":                          "SRV",
	"ris":                           "SRV",
	"lab-informatics":               "SRV",
	"cardiology-information-system": "SRV",
	"imaging-workstation":           "WS",
	"dicom-viewer":                  "WS",
	"clinical-workstation":          "WS",
	"lab-analyzer":                  "LA",
	"ecg":                           "EKG",
	"cardiac-stress-system":         "EKG",
	"cardiac-device-programmer":     "PG",
	"electrosurgical-generator":     "ESU",
	"anesthesia-workstation":        "AN",
	"ventilator":                    "VT",
	"crrt-system":                   "RRT",
	"hospital-bed":                  "BED",
	"medication-dispensing-cabinet": "ADC",
	"pharmacy-compounder":           "RX",
	"eeg-system":                    "EEG",
	"medical-air-system":            "FAC",
	"pneumatic-tube-station":        "FAC",
}

// aeCodes gives DICOM AE titles a modality-like middle part.
var aeCodes = map[string]string{
	"ct-scanner":                    "CT",
	"mri-scanner":                   "MR",
	"ultrasound":                    "US",
	"x-ray":                         "DX",
	"mammography":                   "MG",
	"angiography-system":            "XA",
	"pet-ct":                        "PT",
	"spect-ct":                      "NM",
	"pacs":                          "PACS",
	"imaging-workstation":           "WS",
	"dicom-viewer":                  "VIEW",
	"cardiology-information-system": "CVIS",
}

// Hardware vendors for software that runs on the hospital's own machines:
// its MAC belongs to the PC or the hypervisor, not to the software maker.
const (
	vmwareOUI = "005056" // VMware, Inc.
	dellOUI   = "98E743" // Dell Inc.
)
