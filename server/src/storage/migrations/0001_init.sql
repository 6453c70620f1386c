-- Server schema 1. Portable SQL (SQLite now, PostgreSQL later): no AUTOINCREMENT semantics are
-- relied on, timestamps are integer milliseconds, booleans are 0/1 integers.

CREATE TABLE "server_meta" (
    -- epoch (changes when the database is restored), token_secret
    "key"   TEXT PRIMARY KEY NOT NULL,
    "value" TEXT NOT NULL
);

CREATE TABLE "residents" (
    "id"            INTEGER PRIMARY KEY,
    "hm_code"       TEXT NOT NULL UNIQUE,
    "display_name"  TEXT NOT NULL,
    "birth_date"    TEXT NOT NULL,
    "password_hash" TEXT,                 -- NULL until activated; Argon2id PHC string
    "created_at"    INTEGER NOT NULL,
    "activated_at"  INTEGER,
    "last_seq"      INTEGER NOT NULL DEFAULT 0,  -- the patient's gap-free change sequence
    "floor_seq"     INTEGER NOT NULL DEFAULT 0   -- cursors below this must refetch (tombstone GC)
);

CREATE TABLE "activation_codes" (
    "code_hash"   TEXT PRIMARY KEY NOT NULL,  -- sha256 of the code; the code itself is never stored
    "resident_id" INTEGER NOT NULL REFERENCES "residents"("id"),
    "expires_at"  INTEGER NOT NULL,
    "used_at"     INTEGER
);

CREATE TABLE "devices" (
    "id"          TEXT PRIMARY KEY NOT NULL,  -- the installation's id, chosen by the device
    "resident_id" INTEGER NOT NULL REFERENCES "residents"("id"),
    "name"        TEXT,
    "created_at"  INTEGER NOT NULL,
    "signed_in"   INTEGER NOT NULL DEFAULT 1  -- 0 after logout or refresh-token reuse
);

CREATE TABLE "refresh_tokens" (
    "token_hash"  TEXT PRIMARY KEY NOT NULL,
    "device_id"   TEXT NOT NULL REFERENCES "devices"("id"),
    "resident_id" INTEGER NOT NULL REFERENCES "residents"("id"),
    "expires_at"  INTEGER NOT NULL,
    "used_at"     INTEGER,                    -- rotation: each token is good for one refresh
    "revoked"     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX "refresh_tokens_device" ON "refresh_tokens" ("device_id");

CREATE TABLE "records" (
    -- Current state of each synced entity; "version" is the patient sequence number of its
    -- last change, so a pull is a range scan over ("patient_id", "version").
    "patient_id"   INTEGER NOT NULL REFERENCES "residents"("id"),
    "entity"       TEXT NOT NULL,
    "entity_id"    TEXT NOT NULL,
    "version"      INTEGER NOT NULL,
    "deleted"      INTEGER NOT NULL DEFAULT 0,
    "payload"      TEXT NOT NULL,
    "payload_hash" TEXT NOT NULL,
    "created_by"   TEXT NOT NULL,             -- device that first wrote it
    PRIMARY KEY ("patient_id", "entity", "entity_id")
);
CREATE UNIQUE INDEX "records_by_version" ON "records" ("patient_id", "version");

CREATE TABLE "applied_mutations" (
    -- Idempotency ledger, kept for as long as a device may stay offline (no expiry).
    "device_id"    TEXT NOT NULL,
    "mutation_id"  TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "result"       TEXT NOT NULL,             -- JSON MutationResult as first returned
    "applied_at"   INTEGER NOT NULL,
    PRIMARY KEY ("device_id", "mutation_id")
);
