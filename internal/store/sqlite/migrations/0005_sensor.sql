-- What sensors observe from traffic: each sensor's latest account of an
-- inventory device (observations, gone with the device), the flows between
-- endpoints added up across reports, and the alerts sensors raised, counted
-- again rather than stored twice. Flows and alerts outlive the devices they
-- name: the device ids go NULL, the endpoint keys stay. detail is JSON text,
-- kept as the sensor sent it.

CREATE TABLE observations (
    device_id        INTEGER NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    sensor           TEXT    NOT NULL,
    vendor           TEXT    NOT NULL DEFAULT '',
    model            TEXT    NOT NULL DEFAULT '',
    software_version TEXT    NOT NULL DEFAULT '',
    device_type      TEXT    NOT NULL DEFAULT '',
    role             TEXT    NOT NULL DEFAULT '',
    detail           TEXT    NOT NULL DEFAULT '',
    first_seen       INTEGER NOT NULL,
    last_seen        INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    PRIMARY KEY (device_id, sensor)
) STRICT;

-- Endpoints are keys ("device:ID", "ip:ADDR", "ext:ADDR", …);
-- source_device and destination_device are the inventory devices among them.
CREATE TABLE flows (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    sensor             TEXT    NOT NULL,
    source             TEXT    NOT NULL,
    destination        TEXT    NOT NULL,
    source_device      INTEGER REFERENCES devices (id) ON DELETE SET NULL,
    destination_device INTEGER REFERENCES devices (id) ON DELETE SET NULL,
    protocol           TEXT    NOT NULL,
    port               INTEGER NOT NULL DEFAULT 0,
    app                TEXT    NOT NULL DEFAULT '',
    encrypted          INTEGER NOT NULL DEFAULT 0,
    connections        INTEGER NOT NULL DEFAULT 0,
    packets            INTEGER NOT NULL DEFAULT 0,
    bytes              INTEGER NOT NULL DEFAULT 0,
    first_seen         INTEGER NOT NULL,
    last_seen          INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX flows_key ON flows (sensor, source, destination, protocol, port);
-- Each list filter with the id order it pages in (an index on (x) is one
-- on (x, id) in SQLite).
CREATE INDEX flows_source_device ON flows (source_device);
CREATE INDEX flows_destination_device ON flows (destination_device);
CREATE INDEX flows_sensor ON flows (sensor);
CREATE INDEX flows_app ON flows (app);

CREATE TABLE alerts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    sensor     TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    severity   TEXT    NOT NULL DEFAULT '',
    device_id  INTEGER REFERENCES devices (id) ON DELETE SET NULL,
    device_key TEXT    NOT NULL,
    peer       TEXT    NOT NULL DEFAULT '',
    protocol   TEXT    NOT NULL DEFAULT '',
    detail     TEXT    NOT NULL DEFAULT '',
    count      INTEGER NOT NULL DEFAULT 1,
    first_seen INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX alerts_key ON alerts (sensor, kind, device_key, peer, protocol);
-- Alerts list newest first, (last_seen, id) descending, alone or after a
-- filter.
CREATE INDEX alerts_last_seen ON alerts (last_seen);
CREATE INDEX alerts_kind ON alerts (kind, last_seen);
CREATE INDEX alerts_severity ON alerts (severity, last_seen);
CREATE INDEX alerts_device ON alerts (device_id, last_seen);
CREATE INDEX alerts_sensor ON alerts (sensor, last_seen);
