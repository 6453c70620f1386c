-- Schema 10: health checkup results (健診結果): photographed pages and typed items, one row per
-- checkup, kept as it travels with the server's last known state as the merge base.

CREATE TABLE "checkups" (
    "id"            TEXT PRIMARY KEY NOT NULL,
    "profile_id"    TEXT NOT NULL REFERENCES "profiles"("id"),
    "date"          TEXT NOT NULL,              -- YYYY-MM-DD from the record, for newest-first lists
    "record"        TEXT NOT NULL,              -- the current state, JSON as it travels
    "base"          TEXT,                       -- the server's last known state: the merge base
    "conflicts"     TEXT,                       -- values two devices saved differently, JSON
    "deleted_at_ms" INTEGER
) STRICT;

CREATE INDEX "checkups_by_date" ON "checkups" ("profile_id", "date");
