-- The local copy on a phone (its replica id, keyed with the account and device) that wrote each
-- record's latest change. Pulls from that copy leave the record out, as the phone holds it
-- already; a record another writer changed since is sent as before. Rows from before have none
-- and are sent to everyone.

ALTER TABLE "records" ADD COLUMN "written_by_replica" TEXT;
