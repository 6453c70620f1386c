-- Server schema 3: records the server writes for a patient (ingest: pharmacy systems, the demo
-- seed) beside those the patient's devices push. "created_by" names the writer within its
-- kind: the device's id for 'device' (every earlier row), the source's name for 'source'.
ALTER TABLE "records" ADD COLUMN "created_by_kind" TEXT NOT NULL DEFAULT 'device';

CREATE TABLE "ingested" (
    -- Idempotency ledger of server-side sources, apart from the devices' ("applied_mutations")
    -- so that neither can replay a result of the other by choosing the same names.
    "source"       TEXT NOT NULL,
    "key"          TEXT NOT NULL,             -- chosen by the source, unique per source forever
    "request_hash" TEXT NOT NULL,
    "result"       TEXT NOT NULL,             -- JSON MutationResult as first returned
    "applied_at"   INTEGER NOT NULL,
    PRIMARY KEY ("source", "key")
);
