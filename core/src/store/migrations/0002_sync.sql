-- Schema 2: per-profile sync position, write gates, and the patient each outbox row is for.

ALTER TABLE "outbox" ADD COLUMN "patient" TEXT;   -- HM code; only linked patients are pushed
UPDATE "outbox" SET "patient" = json_extract("payload", '$.patient');
CREATE INDEX "outbox_pending" ON "outbox" ("state", "patient", "seq");

CREATE TABLE "sync_state" (
    "profile_id"      TEXT PRIMARY KEY NOT NULL REFERENCES "profiles"("id"),
    "cursor"          TEXT,                       -- opaque server cursor; NULL = download everything
    "applied_through" INTEGER NOT NULL DEFAULT 0, -- highest server version applied
    "refetching"      INTEGER NOT NULL DEFAULT 0, -- 1 while a must_refetch download is under way
    "last_synced_ms"  INTEGER
) STRICT;

CREATE TABLE "sync_gates" (
    -- Our own acknowledged writes: pulled versions older than "commit_seq" are stale for this
    -- entity and must not overwrite it.
    "entity"     TEXT NOT NULL,
    "entity_id"  TEXT NOT NULL,
    "commit_seq" INTEGER NOT NULL,
    PRIMARY KEY ("entity", "entity_id")
) STRICT;
