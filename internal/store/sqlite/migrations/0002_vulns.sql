-- Vulnerability data: advisory documents as imported, the SBOM of each
-- release with its components, and the findings matched from them. An SBOM,
-- its components and its findings go with their release (ON DELETE
-- CASCADE); devices still keep a release from being deleted.

CREATE TABLE advisory_docs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT    NOT NULL,
    doc_id      TEXT    NOT NULL,
    revision    TEXT    NOT NULL DEFAULT '',
    modified    INTEGER NOT NULL,
    source      TEXT    NOT NULL DEFAULT '',
    sha256      TEXT    NOT NULL,
    data        BLOB    NOT NULL,
    keys        TEXT    NOT NULL DEFAULT '[]',
    imported_at INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX advisory_docs_kind_doc ON advisory_docs (kind, doc_id);

-- The match keys of each document, for finding the documents a component touches.
CREATE TABLE advisory_doc_keys (
    key    TEXT    NOT NULL,
    doc_id INTEGER NOT NULL REFERENCES advisory_docs (id) ON DELETE CASCADE,
    PRIMARY KEY (key, doc_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX advisory_doc_keys_doc ON advisory_doc_keys (doc_id);

-- One current SBOM per release.
CREATE TABLE sboms (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    release_id   INTEGER NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
    format       TEXT    NOT NULL DEFAULT '',
    spec_version TEXT    NOT NULL DEFAULT '',
    name         TEXT    NOT NULL DEFAULT '',
    source       TEXT    NOT NULL DEFAULT '',
    sha256       TEXT    NOT NULL DEFAULT '',
    components   INTEGER NOT NULL DEFAULT 0,
    imported_at  INTEGER NOT NULL,
    data         BLOB    NOT NULL
) STRICT;
CREATE UNIQUE INDEX sboms_release ON sboms (release_id);

CREATE TABLE components (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    sbom_id          INTEGER NOT NULL REFERENCES sboms (id) ON DELETE CASCADE,
    release_id       INTEGER NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
    ref              TEXT    NOT NULL DEFAULT '',
    parent           TEXT    NOT NULL DEFAULT '',
    type             TEXT    NOT NULL DEFAULT '',
    grp              TEXT    NOT NULL DEFAULT '',
    name             TEXT    NOT NULL DEFAULT '',
    version          TEXT    NOT NULL DEFAULT '',
    purl             TEXT    NOT NULL DEFAULT '',
    cpes             TEXT    NOT NULL DEFAULT '[]',
    supplier         TEXT    NOT NULL DEFAULT '',
    hashes           TEXT    NOT NULL DEFAULT '{}',
    level_of_support TEXT    NOT NULL DEFAULT '',
    end_of_support   TEXT    NOT NULL DEFAULT '',
    keys             TEXT    NOT NULL DEFAULT '[]'
) STRICT;
CREATE INDEX components_release ON components (release_id);
CREATE INDEX components_sbom ON components (sbom_id);

-- The match keys of each release's components, once per release.
CREATE TABLE component_keys (
    key        TEXT    NOT NULL,
    release_id INTEGER NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
    PRIMARY KEY (key, release_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX component_keys_release ON component_keys (release_id);

-- A finding is identified by (release_id, component_ref, advisory_id)
-- across recomputations; component_id goes NULL when the SBOM is replaced,
-- until the findings are recomputed. digest fingerprints the content (see
-- codec.FindingDigest) so that a replace can keep updated_at.
-- findings_key serves lookups by release: a release has at most a few
-- thousand findings, cheap to sort by id, and one index fewer speeds up
-- ReplaceFindings.
CREATE TABLE findings (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    release_id        INTEGER NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
    component_id      INTEGER REFERENCES components (id) ON DELETE SET NULL,
    component_ref     TEXT    NOT NULL DEFAULT '',
    component_name    TEXT    NOT NULL DEFAULT '',
    component_version TEXT    NOT NULL DEFAULT '',
    purl              TEXT    NOT NULL DEFAULT '',
    cpe               TEXT    NOT NULL DEFAULT '',
    advisory_id       TEXT    NOT NULL,
    aliases           TEXT    NOT NULL DEFAULT '[]',
    summary           TEXT    NOT NULL DEFAULT '',
    severity          TEXT    NOT NULL DEFAULT 'unknown',
    score             REAL    NOT NULL DEFAULT 0,
    vector            TEXT    NOT NULL DEFAULT '',
    fixed_versions    TEXT    NOT NULL DEFAULT '[]',
    kev               INTEGER NOT NULL DEFAULT 0,
    kev_due_date      TEXT,
    epss              REAL    NOT NULL DEFAULT 0,
    epss_percentile   REAL    NOT NULL DEFAULT 0,
    vex_status        TEXT    NOT NULL DEFAULT '',
    vex_justification TEXT    NOT NULL DEFAULT '',
    suppressed        INTEGER NOT NULL DEFAULT 0,
    evidence          TEXT    NOT NULL DEFAULT '',
    digest            INTEGER NOT NULL DEFAULT 0,
    first_seen        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX findings_key ON findings (release_id, component_ref, advisory_id);
CREATE INDEX findings_component ON findings (component_id);
CREATE INDEX findings_advisory ON findings (advisory_id);
