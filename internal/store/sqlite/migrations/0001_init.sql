-- Vigil's first SQLite schema. Migrations are append-only: never edit a file
-- that has shipped; add the next number instead.
--
-- Times are INTEGER microseconds since the Unix epoch (UTC); calendar dates
-- are TEXT 'YYYY-MM-DD'. Text columns are NOT NULL DEFAULT '' so that keyset
-- pagination never meets a NULL. name_key columns hold the case-folded name
-- (folded in Go, since SQLite's lower() only knows ASCII) and carry the
-- case-insensitive unique keys. Lists and maps are JSON text.

CREATE TABLE sites (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT    NOT NULL,
    name_key   TEXT    NOT NULL,
    code       TEXT    NOT NULL DEFAULT '',
    address    TEXT    NOT NULL DEFAULT '',
    provenance TEXT    NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX sites_name_key ON sites (name_key);

CREATE TABLE zones (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id      INTEGER NOT NULL REFERENCES sites (id),
    name         TEXT    NOT NULL,
    name_key     TEXT    NOT NULL,
    cidrs        TEXT    NOT NULL DEFAULT '[]',
    vlans        TEXT    NOT NULL DEFAULT '[]',
    do_not_probe INTEGER NOT NULL DEFAULT 0,
    provenance   TEXT    NOT NULL DEFAULT '{}',
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX zones_site_name_key ON zones (site_id, name_key);

CREATE TABLE manufacturers (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT    NOT NULL,
    name_key   TEXT    NOT NULL,
    provenance TEXT    NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX manufacturers_name_key ON manufacturers (name_key);

CREATE TABLE models (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    manufacturer_id INTEGER NOT NULL REFERENCES manufacturers (id),
    name            TEXT    NOT NULL,
    name_key        TEXT    NOT NULL,
    number          TEXT    NOT NULL DEFAULT '',
    device_type     TEXT    NOT NULL DEFAULT '',
    fda_class       TEXT    NOT NULL DEFAULT '',
    function        TEXT    NOT NULL DEFAULT '',
    handles_phi     INTEGER NOT NULL DEFAULT 0,
    provenance      TEXT    NOT NULL DEFAULT '{}',
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX models_manufacturer_name_key ON models (manufacturer_id, name_key);
CREATE INDEX models_device_type ON models (device_type);

CREATE TABLE releases (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    model_id       INTEGER NOT NULL REFERENCES models (id),
    version        TEXT    NOT NULL,
    release_date   TEXT,
    support_level  TEXT    NOT NULL DEFAULT '',
    end_of_support TEXT,
    provenance     TEXT    NOT NULL DEFAULT '{}',
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX releases_model_version ON releases (model_id, version);

CREATE TABLE devices (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    asset_tag  TEXT    NOT NULL DEFAULT '',
    serial     TEXT    NOT NULL DEFAULT '',
    name       TEXT    NOT NULL DEFAULT '',
    model_id   INTEGER REFERENCES models (id),
    release_id INTEGER REFERENCES releases (id),
    site_id    INTEGER REFERENCES sites (id),
    zone_id    INTEGER REFERENCES zones (id),
    location   TEXT    NOT NULL DEFAULT '{}',
    owner      TEXT    NOT NULL DEFAULT '',
    lifecycle  TEXT    NOT NULL DEFAULT 'active',
    macs       TEXT    NOT NULL DEFAULT '[]',
    ips        TEXT    NOT NULL DEFAULT '[]',
    hostnames  TEXT    NOT NULL DEFAULT '[]',
    ae_titles  TEXT    NOT NULL DEFAULT '[]',
    hl7        TEXT    NOT NULL DEFAULT '[]',
    udi        TEXT    NOT NULL DEFAULT '',
    first_seen INTEGER,
    last_seen  INTEGER,
    notes      TEXT    NOT NULL DEFAULT '',
    provenance TEXT    NOT NULL DEFAULT '{}',
    version    INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
-- An index on (x) is an index on (x, id) in SQLite, which is what keyset
-- pagination by x needs.
CREATE UNIQUE INDEX devices_asset_tag ON devices (asset_tag) WHERE asset_tag <> '';
CREATE INDEX devices_serial ON devices (serial);
CREATE INDEX devices_name ON devices (name);
CREATE INDEX devices_updated_at ON devices (updated_at);
CREATE INDEX devices_last_seen ON devices (last_seen);
-- Site filters mostly come with a model, device type, function or
-- manufacturer filter, which become model ids: (site_id, model_id) finds
-- those rows without reading them, however rare the type.
CREATE INDEX devices_site_model ON devices (site_id, model_id);
CREATE INDEX devices_zone ON devices (zone_id);
CREATE INDEX devices_model ON devices (model_id);
CREATE INDEX devices_release ON devices (release_id);

-- A MAC belongs to at most one device.
CREATE TABLE device_macs (
    mac       TEXT    NOT NULL PRIMARY KEY,
    device_id INTEGER NOT NULL REFERENCES devices (id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
CREATE INDEX device_macs_device ON device_macs (device_id);

-- The folded text the device Query matches (see codec.SearchText), apart
-- from the wide devices rows so that a search scans a few megabytes.
CREATE TABLE device_search (
    device_id INTEGER PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
    text      TEXT    NOT NULL
) STRICT;

CREATE TABLE tokens (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT    NOT NULL,
    name_key   TEXT    NOT NULL,
    role       TEXT    NOT NULL,
    hash       BLOB    NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
) STRICT;
CREATE UNIQUE INDEX tokens_name_key ON tokens (name_key);
CREATE UNIQUE INDEX tokens_hash ON tokens (hash);
