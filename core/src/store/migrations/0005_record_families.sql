-- Schema 5: record families. Acknowledgement moves off the family tables into one generic
-- table, pulled changes this build cannot apply are parked instead of skipped, and the outbox is
-- rebuilt for the write path (one table row and one index entry per change).

CREATE TABLE "record_versions" (
    -- The server's acknowledgement of a record of any family: the patient-sequence version of its
    -- latest change we know the server holds. A record without a row here has not been seen by
    -- the server since the last full download.
    "entity"         TEXT NOT NULL,
    "entity_id"      TEXT NOT NULL,
    "patient"        TEXT NOT NULL,            -- HM code, so a full download resets one person
    "server_version" INTEGER NOT NULL,
    PRIMARY KEY ("entity", "entity_id")
) STRICT, WITHOUT ROWID;

INSERT INTO "record_versions" ("entity", "entity_id", "patient", "server_version")
    SELECT 'vital', v."id", p."hm_code", v."server_version"
    FROM "vitals" v JOIN "profiles" p ON p."id" = v."profile_id"
    WHERE v."server_version" IS NOT NULL;

ALTER TABLE "vitals" DROP COLUMN "server_version";
-- Wire fields a newer app added that this build does not know (a JSON object), kept so a
-- reading sent again carries them.
ALTER TABLE "vitals" ADD COLUMN "extra" TEXT;

CREATE TABLE "parked_changes" (
    -- Pulled changes this build could not apply: a family it does not know, or a record it cannot
    -- read. The cursor moves past them, so they are kept here (newest version per record) and
    -- applied when an updated app can; never dropped.
    "entity"     TEXT NOT NULL,
    "entity_id"  TEXT NOT NULL,
    "profile_id" TEXT NOT NULL REFERENCES "profiles"("id"),
    "version"    INTEGER NOT NULL,
    "deleted"    INTEGER NOT NULL,
    "payload"    TEXT NOT NULL,             -- JSON as pulled
    PRIMARY KEY ("entity", "entity_id")
) STRICT;

CREATE TABLE "outbox_v5" (
    -- Every local change, written in the same transaction as the change itself, waiting for sync.
    "seq"           INTEGER PRIMARY KEY,       -- delivery order of what is queued now
    "mutation_id"   TEXT NOT NULL,             -- UUIDv7, the server's idempotency key
    "entity"        TEXT NOT NULL,             -- the record family, e.g. 'vital'
    "entity_id"     TEXT NOT NULL,
    "op"            TEXT NOT NULL CHECK ("op" IN ('create', 'update', 'delete')),
    "base_version"  INTEGER,                   -- update: the server version it was made from
    "payload"       TEXT NOT NULL,             -- JSON, techo-protocol types
    "patient"       TEXT,                      -- HM code; only linked patients are pushed
    "depends_on"    INTEGER,                   -- "seq" of the entry this one waits for
    "state"         TEXT NOT NULL DEFAULT 'pending' CHECK ("state" IN ('pending', 'wedged')),
    "attempts"      INTEGER NOT NULL DEFAULT 0,
    "wedge_reason"  TEXT,                      -- PII-free
    "created_at_ms" INTEGER NOT NULL
) STRICT;

INSERT INTO "outbox_v5" ("seq", "mutation_id", "entity", "entity_id", "op", "payload", "patient", "state",
                         "attempts", "wedge_reason", "created_at_ms")
    SELECT "seq", "mutation_id", "entity", "entity_id", "op", "payload", "patient",
           CASE "state" WHEN 'wedged' THEN 'wedged' ELSE 'pending' END,
           "attempts", "wedge_reason", "created_at_ms"
    FROM "outbox" ORDER BY "seq";

DROP TABLE "outbox";
ALTER TABLE "outbox_v5" RENAME TO "outbox";
DELETE FROM "sqlite_sequence" WHERE "name" = 'outbox';

-- Pull gating asks whether an entity has changes of ours still queued.
CREATE INDEX "outbox_entity" ON "outbox" ("entity", "entity_id");
