-- Schema 9: every version of an edited document (命の宝箱, a checkup), not only its current
-- state: a new version never destroys an older one, and a new phone can show the history.
-- Appended to in the transaction that writes the version; forgotten with the document when
-- tombstone retention forgets it.

CREATE TABLE "record_history" (
    "patient_id"      INTEGER NOT NULL REFERENCES "residents"("id"),
    "entity"          TEXT NOT NULL,
    "entity_id"       TEXT NOT NULL,
    "version"         INTEGER NOT NULL,         -- the patient sequence number it was written at
    "deleted"         INTEGER NOT NULL,
    "payload"         TEXT NOT NULL,
    "written_by_kind" TEXT NOT NULL,            -- 'device' or 'source'
    "written_by"      TEXT NOT NULL,            -- the device's id, or the source's name
    "account_id"      INTEGER REFERENCES "residents"("id"),  -- the account a device was signed in to
    "written_at"      INTEGER NOT NULL,         -- ms since the epoch
    PRIMARY KEY ("patient_id", "entity", "entity_id", "version")
);
