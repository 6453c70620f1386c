-- Schema 6: photo blobs. The bytes live outside the database (files under the data directory
-- now); these tables say which patient has which blob, which account's quota pays for it, and
-- how far each upload in progress has durably come.

CREATE TABLE "blobs" (
    "patient_id"  INTEGER NOT NULL REFERENCES "residents"("id"),
    "sha256"      TEXT NOT NULL,            -- lower-case hex: the blob's name and content address
    "size"        INTEGER NOT NULL,
    "mime"        TEXT NOT NULL,
    "uploaded_by" INTEGER NOT NULL REFERENCES "residents"("id"),
    "created_at"  INTEGER NOT NULL,
    PRIMARY KEY ("patient_id", "sha256")
);
CREATE INDEX "blobs_by_uploader" ON "blobs" ("uploaded_by");

CREATE TABLE "uploads" (
    "id"          TEXT PRIMARY KEY NOT NULL, -- 128 random bits, hex: never guessable
    "account_id"  INTEGER NOT NULL REFERENCES "residents"("id"),
    "patient_id"  INTEGER NOT NULL REFERENCES "residents"("id"),
    "sha256"      TEXT NOT NULL,
    "size"        INTEGER NOT NULL,          -- declared; counted against the quota until done
    "mime"        TEXT NOT NULL,
    "offset"      INTEGER NOT NULL DEFAULT 0, -- bytes durably received
    "created_at"  INTEGER NOT NULL,
    "updated_at"  INTEGER NOT NULL,          -- last chunk: abandoned uploads expire from here
    UNIQUE ("account_id", "patient_id", "sha256")
);
CREATE INDEX "uploads_by_age" ON "uploads" ("updated_at");
