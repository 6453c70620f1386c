-- Schema 8: which live records refer to which of their patient's blobs, so a blob no record
-- names any more is released (crate::blob_service::release_unreferenced_blobs) and stops
-- counting against its uploader's quota.
--
-- Kept by the push path in the transaction that writes the record (replaced on create and
-- update, removed on a tombstone). Which JSON paths name blobs is each family's knowledge, which
-- SQL cannot have: references of records stored before this schema are filled once in Rust
-- (crate::blob_service::fill_blob_refs) while the 'blob_refs_pending' marker below is present;
-- nothing is released before that.

CREATE TABLE "blob_refs" (
    "patient_id" INTEGER NOT NULL REFERENCES "residents"("id"),
    "entity"     TEXT NOT NULL,
    "entity_id"  TEXT NOT NULL,
    "sha256"     TEXT NOT NULL,
    PRIMARY KEY ("patient_id", "entity", "entity_id", "sha256")
);
CREATE INDEX "blob_refs_by_blob" ON "blob_refs" ("patient_id", "sha256");

-- When an upload last stored the blob or was told the patient has it already (and so will not
-- send it): the grace period before an unreferenced blob is released runs from here, so a
-- device whose record push is still to come never loses the blob it was promised.
ALTER TABLE "blobs" ADD COLUMN "claimed_at" INTEGER NOT NULL DEFAULT 0;
UPDATE "blobs" SET "claimed_at" = "created_at";
CREATE INDEX "blobs_by_claim" ON "blobs" ("claimed_at");

INSERT INTO "server_meta" ("key", "value") VALUES ('blob_refs_pending', '1')
    ON CONFLICT ("key") DO NOTHING;
