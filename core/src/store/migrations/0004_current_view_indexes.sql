-- Schema 4: indexes that let paging and charts read the current view in order instead of
-- sorting it. "id" follows "measured_at_ms" so the (time, id) keyset of a page is an index range.
DROP INDEX "vitals_current";
CREATE INDEX "vitals_current" ON "vitals" (
    "profile_id", "kind", "measured_at_ms", "id", "local_day", "value_milli", "diastolic", "pulse", "context"
) WHERE "superseded_by" IS NULL AND "deleted_at_ms" IS NULL;
CREATE INDEX "vitals_current_by_time" ON "vitals" ("profile_id", "measured_at_ms", "id")
    WHERE "superseded_by" IS NULL AND "deleted_at_ms" IS NULL;
