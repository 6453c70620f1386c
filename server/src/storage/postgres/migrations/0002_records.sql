-- PostgreSQL schema 2: synced records, the idempotency ledgers and the versions kept of edited
-- documents (SQLite's schemas 1-3 and 9).

CREATE TABLE "records" (
    -- Current state of each synced entity; "version" is the patient sequence number of its
    -- last change, so a pull is a range scan over ("patient_id", "version").
    "patient_id"      BIGINT NOT NULL REFERENCES "residents"("id"),
    "entity"          TEXT NOT NULL,
    "entity_id"       TEXT NOT NULL,
    "version"         BIGINT NOT NULL,
    "deleted"         BOOLEAN NOT NULL DEFAULT FALSE,
    "payload"         TEXT NOT NULL,           -- JSON as received (TEXT: kept byte for byte, not re-encoded)
    "payload_hash"    TEXT NOT NULL,
    "created_by"      TEXT NOT NULL,           -- the device's id, or the source's name
    "created_by_kind" TEXT NOT NULL,           -- 'device' or 'source'
    "deleted_at"      BIGINT,
    PRIMARY KEY ("patient_id", "entity", "entity_id")
);
CREATE UNIQUE INDEX "records_by_version" ON "records" ("patient_id", "version");
CREATE INDEX "records_tombstones" ON "records" ("deleted_at") WHERE "deleted";

CREATE TABLE "applied_mutations" (
    -- The devices' ledger, per account; kept for as long as a device may stay offline (for ever).
    "resident_id"  BIGINT NOT NULL,
    "device_id"    TEXT NOT NULL,
    "mutation_id"  TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "result"       TEXT NOT NULL,              -- JSON MutationResult as first returned
    "applied_at"   BIGINT NOT NULL,
    PRIMARY KEY ("resident_id", "device_id", "mutation_id")
);

CREATE TABLE "ingested" (
    -- The server-side sources' ledger, apart from the devices'.
    "source"       TEXT NOT NULL,
    "key"          TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "result"       TEXT NOT NULL,
    "applied_at"   BIGINT NOT NULL,
    PRIMARY KEY ("source", "key")
);

CREATE TABLE "record_history" (
    "patient_id"      BIGINT NOT NULL REFERENCES "residents"("id"),
    "entity"          TEXT NOT NULL,
    "entity_id"       TEXT NOT NULL,
    "version"         BIGINT NOT NULL,
    "deleted"         BOOLEAN NOT NULL,
    "payload"         TEXT NOT NULL,
    "written_by_kind" TEXT NOT NULL,
    "written_by"      TEXT NOT NULL,
    "account_id"      BIGINT REFERENCES "residents"("id"),
    "written_at"      BIGINT NOT NULL,
    PRIMARY KEY ("patient_id", "entity", "entity_id", "version")
);
