-- Schema 1: profiles, vitals, outbox, local settings.
-- Style: identifiers double-quoted, strings single-quoted, comments inside the tables.

CREATE TABLE "local_settings" (
    -- device_id, active_profile, ...
    "key"   TEXT PRIMARY KEY NOT NULL,
    "value" TEXT NOT NULL
) STRICT;

CREATE TABLE "profiles" (
    "id"            TEXT PRIMARY KEY NOT NULL,   -- UUIDv7, local
    "hm_code"       TEXT NOT NULL UNIQUE,        -- normalised HMネット code; identifies the patient
    "display_name"  TEXT NOT NULL,
    "relationship"  TEXT NOT NULL CHECK ("relationship" IN ('self', 'family')),
    "created_at_ms" INTEGER NOT NULL
) STRICT;

CREATE TABLE "vitals" (
    -- Append-only observations. A correction is a new row whose "amends" names the old one (and
    -- the old row's "superseded_by" names the new one); a delete sets "deleted_at_ms".
    "id"             TEXT PRIMARY KEY NOT NULL,  -- UUIDv7 made by the recording device
    "profile_id"     TEXT NOT NULL REFERENCES "profiles"("id"),
    "kind"           TEXT NOT NULL CHECK ("kind" IN ('weight', 'temperature', 'blood_pressure', 'glucose', 'steps')),
    "measured_at_ms" INTEGER NOT NULL,           -- UTC instant
    "utc_offset_s"   INTEGER NOT NULL,           -- offset the reading was taken in
    "local_day"      INTEGER NOT NULL,           -- days since 1970-01-01 in that offset
    "value_milli"    INTEGER NOT NULL,           -- canonical unit x 1000 (kg, degC, mg/dL, steps; systolic for BP)
    "diastolic"      INTEGER,                    -- mmHg, blood pressure only
    "pulse"          INTEGER,                    -- /min, blood pressure only, optional
    "entered_milli"  INTEGER NOT NULL,           -- the value as entered, x 1000, in "entered_unit"
    "entered_unit"   TEXT NOT NULL,
    "context"        TEXT,                       -- BP morning/evening/other; glucose timing
    "source"         TEXT NOT NULL CHECK ("source" IN ('self', 'device', 'proxy')),
    "device_name"    TEXT,
    "note"           TEXT,
    "entered_by"     TEXT,                       -- provenance: proxy account that typed it, if any
    "origin_device"  TEXT NOT NULL,              -- provenance: device that created the record
    "amends"         TEXT,                       -- no FK: a correction may sync before its original
    "superseded_by"  TEXT,
    "deleted_at_ms"  INTEGER,
    "recorded_at_ms" INTEGER NOT NULL,
    "server_version" INTEGER                     -- NULL until the server acknowledges the record
) STRICT;

-- The current view (neither corrected nor deleted), newest first per kind; covering the chart
-- and summary aggregates so they never touch the table.
CREATE INDEX "vitals_current" ON "vitals" (
    "profile_id", "kind", "measured_at_ms", "local_day", "value_milli", "diastolic", "pulse", "context"
) WHERE "superseded_by" IS NULL AND "deleted_at_ms" IS NULL;

CREATE INDEX "vitals_amends" ON "vitals" ("amends") WHERE "amends" IS NOT NULL;

CREATE TABLE "outbox" (
    -- Every local change, written in the same transaction as the change itself, waiting for sync.
    "seq"             INTEGER PRIMARY KEY AUTOINCREMENT,
    "mutation_id"     TEXT NOT NULL UNIQUE,      -- UUIDv7, the server's idempotency key
    "entity"          TEXT NOT NULL,             -- 'vital', ...
    "entity_id"       TEXT NOT NULL,
    "op"              TEXT NOT NULL CHECK ("op" IN ('create', 'delete')),
    "payload"         TEXT NOT NULL,             -- JSON, techo-protocol types
    "depends_on"      TEXT REFERENCES "outbox"("mutation_id"),
    "state"           TEXT NOT NULL DEFAULT 'pending' CHECK ("state" IN ('pending', 'inflight', 'wedged')),
    "attempts"        INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" INTEGER,
    "wedge_reason"    TEXT,                      -- PII-free
    "created_at_ms"   INTEGER NOT NULL
) STRICT;

CREATE INDEX "outbox_entity" ON "outbox" ("entity", "entity_id");
