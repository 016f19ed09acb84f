package core

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
)

// Store is everything Vigil keeps. store/sqlite and store/postgres implement
// it; store/storetest holds the conformance suite both must pass.
//
// Conventions for every method:
//   - a missing row is an *Error of KindNotFound, never (nil, nil);
//   - a unique-key clash (asset tag, MAC, manufacturer name, model name per
//     manufacturer, release version per model, site name, zone name per site,
//     token name) is KindConflict naming the field;
//   - deleting a row others still reference is KindConflict;
//   - Create* sets ID, CreatedAt and UpdatedAt (and Version = 1 for devices)
//     on the value passed in.
type Store interface {
	Inventory
	TokenStore
	VulnStore
	SensorStore
	// InTx runs fn inside one transaction: everything fn does through inv
	// commits together when fn returns nil and rolls back otherwise.
	InTx(ctx context.Context, fn func(inv Inventory) error) error
	// SchemaVersion reports the schema version in the database and the
	// newest one this binary knows.
	SchemaVersion(ctx context.Context) (current, latest int, err error)
	// Migrate applies the pending migrations, each in its own transaction,
	// and returns how many it applied.
	Migrate(ctx context.Context) (applied int, err error)
	Close() error
}

// Inventory is the part of the store that a transaction can see.
type Inventory interface {
	SiteStore
	ZoneStore
	ManufacturerStore
	ModelStore
	ReleaseStore
	DeviceStore
}

// ListOptions pages through a small collection ordered by id.
type ListOptions struct {
	Limit int   // 0 means the store's default of 100; at most 1000
	After int64 // return rows with id greater than this
}

type SiteStore interface {
	CreateSite(ctx context.Context, s *Site) error
	GetSite(ctx context.Context, id SiteID) (*Site, error)
	FindSiteByName(ctx context.Context, name string) (*Site, error) // case-insensitive
	ListSites(ctx context.Context, opt ListOptions) ([]*Site, error)
	UpdateSite(ctx context.Context, s *Site) error
	DeleteSite(ctx context.Context, id SiteID) error
}

type ZoneStore interface {
	CreateZone(ctx context.Context, z *Zone) error
	GetZone(ctx context.Context, id ZoneID) (*Zone, error)
	FindZoneByName(ctx context.Context, site SiteID, name string) (*Zone, error)  // case-insensitive
	ListZones(ctx context.Context, site SiteID, opt ListOptions) ([]*Zone, error) // site 0: all
	UpdateZone(ctx context.Context, z *Zone) error
	DeleteZone(ctx context.Context, id ZoneID) error
}

type ManufacturerStore interface {
	CreateManufacturer(ctx context.Context, m *Manufacturer) error
	GetManufacturer(ctx context.Context, id ManufacturerID) (*Manufacturer, error)
	FindManufacturerByName(ctx context.Context, name string) (*Manufacturer, error) // case-insensitive
	ListManufacturers(ctx context.Context, opt ListOptions) ([]*Manufacturer, error)
	UpdateManufacturer(ctx context.Context, m *Manufacturer) error
	DeleteManufacturer(ctx context.Context, id ManufacturerID) error
}

type ModelStore interface {
	CreateModel(ctx context.Context, m *Model) error
	GetModel(ctx context.Context, id ModelID) (*Model, error)
	FindModelByName(ctx context.Context, mfr ManufacturerID, name string) (*Model, error)  // case-insensitive
	ListModels(ctx context.Context, mfr ManufacturerID, opt ListOptions) ([]*Model, error) // mfr 0: all
	UpdateModel(ctx context.Context, m *Model) error
	DeleteModel(ctx context.Context, id ModelID) error
}

type ReleaseStore interface {
	CreateRelease(ctx context.Context, r *Release) error
	GetRelease(ctx context.Context, id ReleaseID) (*Release, error)
	FindRelease(ctx context.Context, model ModelID, version string) (*Release, error)     // exact version
	ListReleases(ctx context.Context, model ModelID, opt ListOptions) ([]*Release, error) // model 0: all
	UpdateRelease(ctx context.Context, r *Release) error
	DeleteRelease(ctx context.Context, id ReleaseID) error
}

type DeviceStore interface {
	CreateDevice(ctx context.Context, d *Device) error
	// CreateDevices inserts many devices at once (imports); all or none.
	CreateDevices(ctx context.Context, ds []*Device) error
	GetDevice(ctx context.Context, id DeviceID) (*Device, error)
	// FindDevices returns every device whose asset tag, serial or any MAC
	// is among the keys given, in id order.
	FindDevices(ctx context.Context, keys DeviceKeys) ([]*Device, error)
	ListDevices(ctx context.Context, f DeviceFilter) (*DevicePage, error)
	// UpdateDevice writes d if the stored version still equals d.Version,
	// then increments d.Version and sets d.UpdatedAt. A stale version is
	// KindPreconditionFailed; nothing is written.
	UpdateDevice(ctx context.Context, d *Device) error
	DeleteDevice(ctx context.Context, id DeviceID) error
	CountDevices(ctx context.Context) (int64, error)
}

// DeviceKeys are the identifying keys an import matches devices by.
type DeviceKeys struct {
	AssetTags []string
	Serials   []string
	MACs      []string // normalised, see NormalizeMAC
}

// Device list sort keys. A leading "-" sorts descending.
var DeviceSorts = []string{"id", "name", "asset_tag", "serial", "updated_at", "last_seen"}

// DeviceFilter selects and orders devices. Zero fields do not filter.
type DeviceFilter struct {
	SiteID         SiteID
	ZoneID         ZoneID
	ModelID        ModelID
	ManufacturerID ManufacturerID
	DeviceType     string // the model's device type, normalised
	Function       Function
	Lifecycle      Lifecycle
	// Query matches, case-insensitively, a substring of the name, asset tag,
	// serial, owner, UDI, notes, or any MAC, IP, hostname or AE title.
	Query string
	Sort  string // one of DeviceSorts, optionally with a leading "-"; "" is "id"
	Limit int    // 1..1000; 0 means 100
	After *DeviceCursor
}

// DevicePage is one page of a device list.
type DevicePage struct {
	Devices []*Device
	Next    *DeviceCursor // nil on the last page
}

// DeviceCursor marks where a page ended: the sort key, the value of that key
// in the last row (as text, times in RFC 3339 with nanoseconds in UTC, empty
// for a NULL last_seen), and the last row's id as tie-breaker.
type DeviceCursor struct {
	Sort  string   `json:"s"`
	Value string   `json:"v"`
	ID    DeviceID `json:"i"`
}

// Encode returns the cursor as an opaque URL-safe token.
func (c DeviceCursor) Encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeDeviceCursor parses a token made by Encode and checks it belongs to sort.
func DecodeDeviceCursor(s, sort string) (*DeviceCursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) > 1024 {
		return nil, Invalid("cursor", "is not a cursor this server issued")
	}
	var c DeviceCursor
	if err := json.Unmarshal(b, &c); err != nil || c.ID <= 0 {
		return nil, Invalid("cursor", "is not a cursor this server issued")
	}
	if c.Sort != sort {
		return nil, Invalid("cursor", "was issued for sort %q, not %q", c.Sort, sort)
	}
	return &c, nil
}

// ValidSort reports whether s is a device sort key, optionally with a leading "-".
func ValidSort(s string) bool {
	s = strings.TrimPrefix(s, "-")
	for _, k := range DeviceSorts {
		if s == k {
			return true
		}
	}
	return false
}

type TokenStore interface {
	CreateToken(ctx context.Context, t *Token) error
	// TokenByHash returns the token with that hash, revoked or not.
	TokenByHash(ctx context.Context, hash []byte) (*Token, error)
	ListTokens(ctx context.Context) ([]*Token, error)
	RevokeToken(ctx context.Context, id TokenID) error
}
