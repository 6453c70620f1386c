-- PostgreSQL schema 3: institutions writing on a patient's behalf and every submission they made,
-- kept byte for byte (SQLite's schema 5).

CREATE TABLE "institutions" (
    "id"          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    "code"        TEXT NOT NULL UNIQUE,
    "name"        TEXT NOT NULL,
    "secret_hash" TEXT NOT NULL,
    "created_at"  BIGINT NOT NULL,
    "disabled_at" BIGINT
);

CREATE TABLE "institution_submissions" (
    "id"             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    "institution_id" BIGINT NOT NULL REFERENCES "institutions"("id"),
    "resident_id"    BIGINT NOT NULL REFERENCES "residents"("id"),
    "raw"            BYTEA NOT NULL,
    "entries"        BIGINT NOT NULL,
    "received_at"    BIGINT NOT NULL
);
CREATE INDEX "institution_submissions_by_resident" ON "institution_submissions" ("resident_id", "received_at");
