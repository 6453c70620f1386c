-- Schema 3: "depends_on" references "outbox"; with foreign keys on, every outbox delete looks
-- for dependants, which without this index scans the whole queue (slow with 10,000 queued).
CREATE INDEX "outbox_depends_on" ON "outbox" ("depends_on");
