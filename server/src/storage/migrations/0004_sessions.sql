-- Server schema 4: sessions, limits and ledgers that hold against an attacker (issue 10).
--
-- A device belongs to the account that registered it: its key is (resident, device id), so
-- another account naming the same id gets a device of its own and never signs the owner out.
-- The device row is also its sign-in session: access tokens name "session", which login,
-- logout and reuse detection move on for good; the refresh-token family of the session is kept
-- as its current and previous token only (nothing spent piles up).
CREATE TABLE "devices_v4" (
    "resident_id"        INTEGER NOT NULL REFERENCES "residents"("id"),
    "id"                 TEXT NOT NULL,       -- the installation's id, chosen by the device
    "name"               TEXT,
    "created_at"         INTEGER NOT NULL,
    "last_seen_at"       INTEGER NOT NULL,    -- last login or refresh; the least recent goes first at the cap
    "session"            INTEGER NOT NULL,    -- access tokens carry it; only the current one is honoured
    "signed_in"          INTEGER NOT NULL DEFAULT 0,
    "family_hash"        TEXT,                -- sha256 of the refresh-token family's id; NULL when signed out
    "refresh_seq"        INTEGER NOT NULL DEFAULT 0,  -- number of the family's current refresh token
    "refresh_hash"       TEXT,                -- sha256 of the current refresh token
    "previous_hash"      TEXT,                -- sha256 of the token it replaced (the retry grace)
    "previous_used_at"   INTEGER,
    "refresh_expires_at" INTEGER,
    "access_expires_at"  INTEGER,             -- expiry (unix seconds) of the access token last issued
    PRIMARY KEY ("resident_id", "id")
);
CREATE UNIQUE INDEX "devices_by_family" ON "devices_v4" ("family_hash");

-- Signed-in devices keep their newest unused refresh token, as a family of its own (a token of
-- the old format is its own family id), so nobody has to log in again after the upgrade.
INSERT INTO "devices_v4" ("resident_id", "id", "name", "created_at", "last_seen_at", "session", "signed_in",
                          "family_hash", "refresh_seq", "refresh_hash", "refresh_expires_at")
SELECT d."resident_id", d."id", substr(d."name", 1, 100), d."created_at", d."created_at", 1,
       CASE WHEN t."token_hash" IS NULL THEN 0 ELSE d."signed_in" END,
       CASE WHEN d."signed_in" = 1 THEN t."token_hash" END, 0,
       CASE WHEN d."signed_in" = 1 THEN t."token_hash" END,
       CASE WHEN d."signed_in" = 1 THEN t."expires_at" END
FROM "devices" d
LEFT JOIN (
    SELECT "device_id", "resident_id", "token_hash", "expires_at",
           ROW_NUMBER() OVER (PARTITION BY "device_id" ORDER BY "expires_at" DESC) AS "n"
    FROM "refresh_tokens" WHERE "used_at" IS NULL AND "revoked" = 0
) t ON t."device_id" = d."id" AND t."resident_id" = d."resident_id" AND t."n" = 1;

-- The devices' idempotency ledger, scoped to the account as well: one account can never be
-- answered with another's results by naming the same device and mutation ids. Entries of
-- devices no longer known keep resident 0, which no account has.
CREATE TABLE "applied_mutations_v4" (
    "resident_id"  INTEGER NOT NULL,
    "device_id"    TEXT NOT NULL,
    "mutation_id"  TEXT NOT NULL,
    "request_hash" TEXT NOT NULL,
    "result"       TEXT NOT NULL,             -- JSON MutationResult as first returned
    "applied_at"   INTEGER NOT NULL,
    PRIMARY KEY ("resident_id", "device_id", "mutation_id")
);
INSERT INTO "applied_mutations_v4" ("resident_id", "device_id", "mutation_id", "request_hash", "result", "applied_at")
SELECT COALESCE((SELECT d."resident_id" FROM "devices" d WHERE d."id" = a."device_id"), 0),
       a."device_id", a."mutation_id", a."request_hash", a."result", a."applied_at"
FROM "applied_mutations" a;
DROP TABLE "applied_mutations";
ALTER TABLE "applied_mutations_v4" RENAME TO "applied_mutations";

DROP TABLE "refresh_tokens";
DROP TABLE "devices";
ALTER TABLE "devices_v4" RENAME TO "devices";

-- Failed sign-ins, counted in the database so that every server instance sees the same counts:
-- one row per counted key (an account at an address, an address, an account).
CREATE TABLE "login_throttle" (
    "key"             TEXT PRIMARY KEY NOT NULL,
    "failures"        INTEGER NOT NULL,
    "last_failure_at" INTEGER NOT NULL,
    "blocked_until"   INTEGER NOT NULL        -- no attempt is evaluated before this
);
CREATE INDEX "login_throttle_by_age" ON "login_throttle" ("last_failure_at");
