-- The digest (core.FindingSetDigest) and size of the finding list each
-- release was last given, so that a re-match can skip the releases whose
-- findings did not change without reading them. PutSBOM deletes a
-- release's row: its findings lose their components until recomputed.

CREATE TABLE release_findings (
    release_id bigint  NOT NULL CONSTRAINT release_findings_pkey PRIMARY KEY
                       CONSTRAINT release_findings_release_id_fkey REFERENCES releases (id) ON DELETE CASCADE,
    digest     text    NOT NULL,
    count      integer NOT NULL
);
