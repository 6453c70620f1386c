-- Schema 12: an outbox entry may wait for several others (a document for each photo upload it
-- names) instead of one: a person's uploads no longer form one chain in which a photo that
-- cannot be sent holds back every later photo and document of that person.

CREATE TABLE "outbox_waits" (
    "seq"       INTEGER NOT NULL,               -- the entry that waits
    "waits_for" INTEGER NOT NULL,               -- an entry it waits for (always an earlier one)
    PRIMARY KEY ("seq", "waits_for")
) STRICT, WITHOUT ROWID;

CREATE INDEX "outbox_waits_for" ON "outbox_waits" ("waits_for");

-- What is queued keeps what it waited for (the old chain waits for at least what is needed).
INSERT INTO "outbox_waits" ("seq", "waits_for")
    SELECT "seq", "depends_on" FROM "outbox" o
    WHERE "depends_on" IS NOT NULL AND EXISTS (SELECT 1 FROM "outbox" d WHERE d."seq" = o."depends_on");

ALTER TABLE "outbox" DROP COLUMN "depends_on";

-- A delivered (or dropped) entry waits for nothing more, and nothing waits for it: `seq` is
-- reused once it is the highest again, and a new entry must not inherit old waits.
CREATE TRIGGER "outbox_waits_end" AFTER DELETE ON "outbox" BEGIN
    DELETE FROM "outbox_waits" WHERE "seq" = old."seq";
    DELETE FROM "outbox_waits" WHERE "waits_for" = old."seq";
END;
