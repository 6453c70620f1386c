-- Schema 7: blobs and uploads found by their content address alone, for the sweep that removes
-- stored files no patient's blob or upload names (crate::blob_service::sweep_orphan_files).

CREATE INDEX "blobs_by_sha256" ON "blobs" ("sha256");
CREATE INDEX "uploads_by_sha256" ON "uploads" ("sha256");
