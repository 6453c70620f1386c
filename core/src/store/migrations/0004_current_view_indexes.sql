-- Schema 4: indexes that let the current view be read in order instead of sorted.
-- Charts and the home-BP summary select by local calendar day, so "local_day" leads after the
-- kind and GROUP BY "local_day" streams; listing pages walk ("measured_at_ms", "id") in order.
DROP INDEX "vitals_current";
CREATE INDEX "vitals_current" ON "vitals" (
    "profile_id", "kind", "local_day", "measured_at_ms", "value_milli", "diastolic", "pulse", "context"
) WHERE "superseded_by" IS NULL AND "deleted_at_ms" IS NULL;
CREATE INDEX "vitals_current_by_time" ON "vitals" ("profile_id", "measured_at_ms", "id")
    WHERE "superseded_by" IS NULL AND "deleted_at_ms" IS NULL;
