-- Schema 5: institutions that send records on a patient's behalf (pharmacies first), each with
-- its own credential, and every submission they made kept byte for byte.

CREATE TABLE "institutions" (
    "id"            INTEGER PRIMARY KEY,
    "code"          TEXT NOT NULL UNIQUE,   -- 医療機関等コード with prefecture and fee schedule
    "name"          TEXT NOT NULL,
    "secret_hash"   TEXT NOT NULL,          -- sha256 of the random credential secret
    "created_at"    INTEGER NOT NULL,
    "disabled_at"   INTEGER
);

CREATE TABLE "institution_submissions" (
    -- What an institution posted for a patient, as received: provenance, and input for reading
    -- it again after a parser fix.
    "id"             INTEGER PRIMARY KEY,
    "institution_id" INTEGER NOT NULL REFERENCES "institutions"("id"),
    "resident_id"    INTEGER NOT NULL REFERENCES "residents"("id"),
    "raw"            BLOB NOT NULL,
    "entries"        INTEGER NOT NULL,
    "received_at"    INTEGER NOT NULL
);

CREATE INDEX "institution_submissions_by_resident" ON "institution_submissions" ("resident_id", "received_at");
