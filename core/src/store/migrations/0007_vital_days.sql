-- Schema 7: per-day aggregates of the current readings, kept up to date by triggers on every
-- write to "vitals" (recording, corrections, deletes, sync, forgetting a person, starting over),
-- so a chart of ten years reads 3,650 small rows instead of 14,600 readings. A new reading adds
-- to its day; a correction or delete recounts the day from its readings, because min and max
-- cannot be undone by subtraction (a day holds a handful of readings).
-- Diastolic and pulse are in mmHg and /min, as in "vitals"; counts of 0 leave min/max NULL.

CREATE TABLE "vital_days" (
    "profile_id"  TEXT NOT NULL,
    "kind"        TEXT NOT NULL,
    "local_day"   INTEGER NOT NULL,
    "n"           INTEGER NOT NULL,
    "min_milli"   INTEGER NOT NULL,
    "max_milli"   INTEGER NOT NULL,
    "sum_milli"   INTEGER NOT NULL,
    "dia_n"       INTEGER NOT NULL,
    "dia_min"     INTEGER,
    "dia_max"     INTEGER,
    "dia_sum"     INTEGER NOT NULL,
    "pulse_n"     INTEGER NOT NULL,
    "pulse_min"   INTEGER,
    "pulse_max"   INTEGER,
    "pulse_sum"   INTEGER NOT NULL,
    PRIMARY KEY ("profile_id", "kind", "local_day")
) STRICT, WITHOUT ROWID;

INSERT INTO "vital_days"
SELECT "profile_id", "kind", "local_day",
       count(*), min("value_milli"), max("value_milli"), sum("value_milli"),
       count("diastolic"), min("diastolic"), max("diastolic"), coalesce(sum("diastolic"), 0),
       count("pulse"), min("pulse"), max("pulse"), coalesce(sum("pulse"), 0)
FROM "vitals"
WHERE "superseded_by" IS NULL AND "deleted_at_ms" IS NULL
GROUP BY "profile_id", "kind", "local_day";

-- A new current reading only adds to its day (the common write: one upsert, no recount).
CREATE TRIGGER "vital_days_after_insert" AFTER INSERT ON "vitals"
WHEN NEW."superseded_by" IS NULL AND NEW."deleted_at_ms" IS NULL
BEGIN
    INSERT INTO "vital_days" VALUES (
        NEW."profile_id", NEW."kind", NEW."local_day",
        1, NEW."value_milli", NEW."value_milli", NEW."value_milli",
        NEW."diastolic" IS NOT NULL, NEW."diastolic", NEW."diastolic", coalesce(NEW."diastolic", 0),
        NEW."pulse" IS NOT NULL, NEW."pulse", NEW."pulse", coalesce(NEW."pulse", 0))
    ON CONFLICT DO UPDATE SET
        "n" = "n" + 1,
        "min_milli" = min("min_milli", excluded."min_milli"),
        "max_milli" = max("max_milli", excluded."max_milli"),
        "sum_milli" = "sum_milli" + excluded."sum_milli",
        "dia_n" = "dia_n" + excluded."dia_n",
        "dia_min" = coalesce(min("dia_min", excluded."dia_min"), "dia_min", excluded."dia_min"),
        "dia_max" = coalesce(max("dia_max", excluded."dia_max"), "dia_max", excluded."dia_max"),
        "dia_sum" = "dia_sum" + excluded."dia_sum",
        "pulse_n" = "pulse_n" + excluded."pulse_n",
        "pulse_min" = coalesce(min("pulse_min", excluded."pulse_min"), "pulse_min", excluded."pulse_min"),
        "pulse_max" = coalesce(max("pulse_max", excluded."pulse_max"), "pulse_max", excluded."pulse_max"),
        "pulse_sum" = "pulse_sum" + excluded."pulse_sum";
END;

-- Only the columns a day's figures depend on: acknowledging a reading ("server_version") must
-- not recompute anything.
CREATE TRIGGER "vital_days_after_update"
AFTER UPDATE OF "profile_id", "kind", "local_day", "value_milli", "diastolic", "pulse", "superseded_by", "deleted_at_ms"
ON "vitals"
BEGIN
    DELETE FROM "vital_days"
    WHERE ("profile_id" = OLD."profile_id" AND "kind" = OLD."kind" AND "local_day" = OLD."local_day")
       OR ("profile_id" = NEW."profile_id" AND "kind" = NEW."kind" AND "local_day" = NEW."local_day");
    INSERT INTO "vital_days"
    SELECT "profile_id", "kind", "local_day",
           count(*), min("value_milli"), max("value_milli"), sum("value_milli"),
           count("diastolic"), min("diastolic"), max("diastolic"), coalesce(sum("diastolic"), 0),
           count("pulse"), min("pulse"), max("pulse"), coalesce(sum("pulse"), 0)
    FROM "vitals" INDEXED BY "vitals_current"
    WHERE (("profile_id" = OLD."profile_id" AND "kind" = OLD."kind" AND "local_day" = OLD."local_day")
        OR ("profile_id" = NEW."profile_id" AND "kind" = NEW."kind" AND "local_day" = NEW."local_day"))
      AND "superseded_by" IS NULL AND "deleted_at_ms" IS NULL
    GROUP BY "profile_id", "kind", "local_day";
END;

CREATE TRIGGER "vital_days_after_delete" AFTER DELETE ON "vitals"
BEGIN
    DELETE FROM "vital_days"
    WHERE "profile_id" = OLD."profile_id" AND "kind" = OLD."kind" AND "local_day" = OLD."local_day";
    INSERT INTO "vital_days"
    SELECT "profile_id", "kind", "local_day",
           count(*), min("value_milli"), max("value_milli"), sum("value_milli"),
           count("diastolic"), min("diastolic"), max("diastolic"), coalesce(sum("diastolic"), 0),
           count("pulse"), min("pulse"), max("pulse"), coalesce(sum("pulse"), 0)
    FROM "vitals" INDEXED BY "vitals_current"
    WHERE "profile_id" = OLD."profile_id" AND "kind" = OLD."kind" AND "local_day" = OLD."local_day"
      AND "superseded_by" IS NULL AND "deleted_at_ms" IS NULL
    GROUP BY "profile_id", "kind", "local_day";
END;
