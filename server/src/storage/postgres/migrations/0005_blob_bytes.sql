-- PostgreSQL schema 5: blob bytes in the database itself (DbBlobFiles), so every server instance
-- over it reaches them with nothing else shared. Bytes are kept in pieces of at most 1 MiB (one
-- upload chunk), so a blob is hashed or served a piece at a time. Photos are compressed already:
-- EXTERNAL storage skips TOAST's compression attempt.

-- The partial bytes of an upload, as the chunks that were written; no reference to "uploads":
-- as with files, bytes may outlive their row after a crash, and the sweep removes them.
CREATE TABLE "part_pieces" (
    "upload_id" TEXT NOT NULL,
    "start"     BIGINT NOT NULL,
    "bytes"     BYTEA NOT NULL,
    PRIMARY KEY ("upload_id", "start")
);
ALTER TABLE "part_pieces" ALTER COLUMN "bytes" SET STORAGE EXTERNAL;

-- A stored blob's bytes, once per content (every patient's blob with this sha256 names them).
CREATE TABLE "blob_files" (
    "sha256"     TEXT PRIMARY KEY,
    "size"       BIGINT NOT NULL,
    "written_at" BIGINT NOT NULL
);
CREATE TABLE "blob_file_pieces" (
    "sha256" TEXT NOT NULL REFERENCES "blob_files"("sha256") ON DELETE CASCADE,
    "start"  BIGINT NOT NULL,
    "bytes"  BYTEA NOT NULL,
    PRIMARY KEY ("sha256", "start")
);
ALTER TABLE "blob_file_pieces" ALTER COLUMN "bytes" SET STORAGE EXTERNAL;
