-- Schema 8: photo pages and their previews, kept inside the encrypted database (so they are
-- encrypted at rest with the database key from the platform key store, and written in the same
-- transaction as the record that shows them and its outbox entries).

CREATE TABLE "blobs" (
    "sha256"          TEXT NOT NULL,            -- content address, lower-case hex
    "profile_id"      TEXT NOT NULL REFERENCES "profiles"("id"),
    "mime"            TEXT NOT NULL,
    "size"            INTEGER NOT NULL,
    "bytes"           BLOB,                     -- NULL until downloaded (a page added on another device)
    -- Upload progress, written after every acknowledged chunk so a killed app resumes there.
    "upload_id"       TEXT,
    "uploaded_offset" INTEGER NOT NULL DEFAULT 0,
    "stored_at_ms"    INTEGER NOT NULL,
    PRIMARY KEY ("profile_id", "sha256")
) STRICT;
