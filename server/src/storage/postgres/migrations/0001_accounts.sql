-- PostgreSQL schema 1: accounts and sessions, the shape SQLite reached by its schema 4 (the
-- SQLite migrations in ../../migrations/ say why each column is there). Integers that are ids,
-- sequence numbers or millisecond times are BIGINT; flags are BOOLEAN; hashes are lower-case
-- hex TEXT, as SQLite stores them.

CREATE TABLE "server_meta" (
    -- epoch (changes when the database is restored); blob_refs_pending (schema 4)
    "key"   TEXT PRIMARY KEY,
    "value" TEXT NOT NULL
);

CREATE TABLE "residents" (
    "id"            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    "hm_code"       TEXT NOT NULL UNIQUE,
    "display_name"  TEXT NOT NULL,
    "birth_date"    TEXT NOT NULL,
    "password_hash" TEXT,                      -- NULL until activated; Argon2id PHC string
    "created_at"    BIGINT NOT NULL,
    "activated_at"  BIGINT,
    -- The patient's gap-free change sequence. Its row is the patient's lock: every write
    -- transaction touching the patient holds it (FOR NO KEY UPDATE) until it commits.
    "last_seq"      BIGINT NOT NULL DEFAULT 0,
    "floor_seq"     BIGINT NOT NULL DEFAULT 0  -- cursors below this must refetch (tombstone GC)
);

CREATE TABLE "activation_codes" (
    "code_hash"   TEXT PRIMARY KEY,             -- sha256 of the code; the code itself is never stored
    "resident_id" BIGINT NOT NULL REFERENCES "residents"("id"),
    "expires_at"  BIGINT NOT NULL,
    "used_at"     BIGINT
);

CREATE TABLE "devices" (
    -- A device is its account's own (another account's device of the same id is another row),
    -- and its row is its sign-in session with the current and previous refresh token.
    "resident_id"        BIGINT NOT NULL REFERENCES "residents"("id"),
    "id"                 TEXT NOT NULL,
    "name"               TEXT,
    "created_at"         BIGINT NOT NULL,
    "last_seen_at"       BIGINT NOT NULL,
    "session"            BIGINT NOT NULL,
    "signed_in"          BOOLEAN NOT NULL DEFAULT FALSE,
    "family_hash"        TEXT,
    "refresh_seq"        BIGINT NOT NULL DEFAULT 0,
    "refresh_hash"       TEXT,
    "previous_hash"      TEXT,
    "previous_used_at"   BIGINT,
    "refresh_expires_at" BIGINT,
    "access_expires_at"  BIGINT,                -- unix seconds
    PRIMARY KEY ("resident_id", "id")
);
CREATE UNIQUE INDEX "devices_by_family" ON "devices" ("family_hash");

CREATE TABLE "login_throttle" (
    "key"             TEXT PRIMARY KEY,
    "failures"        BIGINT NOT NULL,
    "last_failure_at" BIGINT NOT NULL,
    "blocked_until"   BIGINT NOT NULL
);
CREATE INDEX "login_throttle_by_age" ON "login_throttle" ("last_failure_at");
