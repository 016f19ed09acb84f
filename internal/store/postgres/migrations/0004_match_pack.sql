-- The columns of a release's components that matching reads, packed into one
-- value on its SBOM row (see codec.PackMatch): a re-match reads one value per
-- release instead of one row per component. NULL for SBOMs stored before
-- this migration; readers fall back to the components table for those.

ALTER TABLE sboms ADD COLUMN match_pack bytea;

-- Packs are read whole on every re-match and compress little (component
-- names and versions are short, distinct strings): stored uncompressed,
-- PostgreSQL spends no time inflating them.
ALTER TABLE sboms ALTER COLUMN match_pack SET STORAGE EXTERNAL;
