-- PostgreSQL schema 4: photo blobs per patient, uploads in progress and the records' references
-- to blobs (SQLite's schemas 6-8). The bytes live outside the database (BlobFiles).

CREATE TABLE "blobs" (
    "patient_id"  BIGINT NOT NULL REFERENCES "residents"("id"),
    "sha256"      TEXT NOT NULL,
    "size"        BIGINT NOT NULL,
    "mime"        TEXT NOT NULL,
    "uploaded_by" BIGINT NOT NULL REFERENCES "residents"("id"),
    "created_at"  BIGINT NOT NULL,
    "claimed_at"  BIGINT NOT NULL,
    PRIMARY KEY ("patient_id", "sha256")
);
CREATE INDEX "blobs_by_uploader" ON "blobs" ("uploaded_by");
CREATE INDEX "blobs_by_sha256" ON "blobs" ("sha256");
CREATE INDEX "blobs_by_claim" ON "blobs" ("claimed_at");

CREATE TABLE "uploads" (
    "id"         TEXT PRIMARY KEY,
    "account_id" BIGINT NOT NULL REFERENCES "residents"("id"),
    "patient_id" BIGINT NOT NULL REFERENCES "residents"("id"),
    "sha256"     TEXT NOT NULL,
    "size"       BIGINT NOT NULL,
    "mime"       TEXT NOT NULL,
    "offset"     BIGINT NOT NULL DEFAULT 0,
    "created_at" BIGINT NOT NULL,
    "updated_at" BIGINT NOT NULL,
    UNIQUE ("account_id", "patient_id", "sha256")
);
CREATE INDEX "uploads_by_age" ON "uploads" ("updated_at");
CREATE INDEX "uploads_by_sha256" ON "uploads" ("sha256");

CREATE TABLE "blob_refs" (
    "patient_id" BIGINT NOT NULL REFERENCES "residents"("id"),
    "entity"     TEXT NOT NULL,
    "entity_id"  TEXT NOT NULL,
    "sha256"     TEXT NOT NULL,
    PRIMARY KEY ("patient_id", "entity", "entity_id", "sha256")
);
CREATE INDEX "blob_refs_by_blob" ON "blob_refs" ("patient_id", "sha256");

-- The one-time fill of references (BlobStore::fill_blob_refs) is part of the contract every
-- backend keeps: on a fresh database it finds nothing to fill, and nothing is released before it.
INSERT INTO "server_meta" ("key", "value") VALUES ('blob_refs_pending', '1') ON CONFLICT ("key") DO NOTHING;
