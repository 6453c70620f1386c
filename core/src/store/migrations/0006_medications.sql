-- Schema 6: the medication notebook. One row per synced entry (a dispensing, an OTC medicine, a
-- patient note, memo, family pharmacist or the patient details); the JAHIS text is the record,
-- the other columns are read from it for listing and search. Imports keep what arrived as is.

CREATE TABLE "medications" (
    "id"               TEXT PRIMARY KEY NOT NULL,   -- derived from the patient and the content
    "profile_id"       TEXT NOT NULL REFERENCES "profiles"("id"),
    "kind"             TEXT NOT NULL,               -- dispensing, otc, patient_note, memo, pharmacist, patient_info
    "jahis"            TEXT NOT NULL,               -- canonical JAHIS TC records, as synced
    "day"              INTEGER,                     -- dispensing / start / entry date, days since 1970-01-01
    "until_day"        INTEGER,                     -- first day no longer taken (dispensings, OTC)
    "institution"      TEXT,                        -- dispensing pharmacy or clinic (record 11 name)
    "institution_code" TEXT,                        -- its 医療機関等コード, leading zeros kept
    "search_text"      TEXT NOT NULL,               -- names folded for search (techo_domain::medication::search_key)
    "arrived_by"       TEXT NOT NULL CHECK ("arrived_by" IN ('qr', 'file', 'sync')),
    "first_seen_ms"    INTEGER NOT NULL,
    "deleted_at_ms"    INTEGER,
    "extra"            TEXT                         -- wire fields a newer app added, kept for re-sending
) STRICT;

CREATE INDEX "medications_by_day" ON "medications" ("profile_id", "day" DESC, "id")
    WHERE "deleted_at_ms" IS NULL;

CREATE TABLE "medication_imports" (
    -- Everything imported on this device, byte for byte, so a parser fix can read it again.
    "id"             TEXT PRIMARY KEY NOT NULL,
    "profile_id"     TEXT NOT NULL REFERENCES "profiles"("id"),
    "source"         TEXT NOT NULL CHECK ("source" IN ('qr', 'file')),
    "raw"            BLOB NOT NULL,
    "imported_at_ms" INTEGER NOT NULL
) STRICT;

CREATE TABLE "medication_import_entries" (
    "import_id" TEXT NOT NULL REFERENCES "medication_imports"("id"),
    "entry_id"  TEXT NOT NULL,
    PRIMARY KEY ("import_id", "entry_id")
) STRICT, WITHOUT ROWID;
