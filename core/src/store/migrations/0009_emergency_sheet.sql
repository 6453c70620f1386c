-- Schema 9: 命の宝箱, the emergency information sheet: one per person, and every version of it
-- this device saved or received.

CREATE TABLE "emergency_sheets" (
    -- A person's sheet has the id derived from their HM code; a record with another id (from a
    -- newer app) is kept and synced, not shown.
    "id"            TEXT PRIMARY KEY NOT NULL,
    "profile_id"    TEXT NOT NULL REFERENCES "profiles"("id"),
    "record"        TEXT NOT NULL,              -- the current state, JSON as it travels
    "base"          TEXT,                       -- the server's last known state: the merge base
    "conflicts"     TEXT,                       -- fields saved differently on two devices, JSON
    "deleted_at_ms" INTEGER
) STRICT;

CREATE TABLE "emergency_sheet_versions" (
    "sheet_id"       TEXT NOT NULL,
    "number"         INTEGER NOT NULL,          -- order on this device
    "record"         TEXT NOT NULL,             -- JSON as it travels
    "origin"         TEXT NOT NULL CHECK ("origin" IN ('here', 'server')),
    "server_version" INTEGER,
    PRIMARY KEY ("sheet_id", "number")
) STRICT;
