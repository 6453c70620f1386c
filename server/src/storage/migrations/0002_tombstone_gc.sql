-- Server schema 2: when each tombstone was made, so tombstones past the retention period can
-- be collected (and cursors older than what was collected told to refetch).
ALTER TABLE "records" ADD COLUMN "deleted_at" INTEGER;
