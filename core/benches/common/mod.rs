//! Fixtures shared by the store benchmarks: an encrypted store, a plain SQLite baseline with the
//! same schema and pragmas, and ten years of home blood-pressure readings.

use chrono::{DateTime, Duration, FixedOffset, NaiveTime, TimeZone, Utc};
use rusqlite::{Connection, OpenFlags, TransactionBehavior, params};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration as StdDuration;
use techo_core::Store;
use techo_core::clock::FixedClock;
use techo_core::domain::{BpContext, Bucket, NewVital, Relationship, VitalKind, VitalValue};
use techo_core::keys::{DATABASE_KEY, KeyStore, MemoryKeyStore};
use techo_core::store::OpenOptions;
use uuid::Uuid;

/// Synthetic HM code of the benchmark profile; no patient has it.
const HM_CODE: &str = "BENCH0001";

/// The store's "now"; every fixture reading is in the past of it.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 0, 0, 0).single().expect("valid instant")
}

fn jst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("valid offset")
}

/// A directory on the build's own disk: `/tmp` may be tmpfs, where fsync is free and the write
/// comparison would measure CPU work only. `TECHO_BENCH_DIR=/dev/shm` asks for exactly that: on a
/// disk whose fsync takes milliseconds, every write variant measures the same fsync.
pub fn bench_dir() -> tempfile::TempDir {
    let dir = std::env::var_os("TECHO_BENCH_DIR").map_or_else(|| env!("CARGO_TARGET_TMPDIR").into(), PathBuf::from);
    tempfile::Builder::new().prefix("techo-bench-").tempdir_in(dir).expect("bench dir")
}

/// A small deterministic spread of plausible values, so that rows are not all identical.
fn spread(i: u64, modulo: u64) -> u32 {
    (i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) as u32 % modulo as u32
}

fn bp(i: u64, context: BpContext, at: DateTime<FixedOffset>) -> NewVital {
    let systolic = 108 + spread(i, 40);
    let diastolic = 64 + spread(i + 7, 24);
    NewVital::new(VitalValue::BloodPressure { systolic, diastolic, pulse: Some(58 + spread(i + 3, 30)), context }, at)
}

/// The encrypted store as the apps use it, keyed with a key we know so a raw SQLCipher
/// connection can open the same file for the baseline aggregate.
pub struct EncryptedStore {
    pub store: Store,
    pub profile_id: Uuid,
    key_hex: String,
    next: u64,
}

impl EncryptedStore {
    pub fn create(dir: &Path) -> Self {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).expect("system randomness");
        let keys = MemoryKeyStore::new();
        keys.save(DATABASE_KEY, &key).expect("memory key store");
        let clock = Arc::new(FixedClock::new(now()));
        let store = Store::open_with(dir.join("techo.db"), &keys, OpenOptions { clock, ..OpenOptions::default() })
            .expect("open store");
        let profile_id = store.add_profile(HM_CODE, "Bench synthetic", Relationship::Myself).expect("profile").id;
        Self { store, profile_id, key_hex: hex::encode_upper(key), next: 0 }
    }

    /// One reading through the public API: validation, data row and outbox row in one
    /// synchronous=FULL transaction.
    pub fn record_one(&mut self) {
        self.next += 1;
        let at = (now() - Duration::hours(1)).with_timezone(&jst());
        let recorded = self.store.record_vital(self.profile_id, bp(self.next, BpContext::Other, at)).expect("record");
        black_box(recorded);
    }

    /// JSH practice: two readings each morning and evening, for `days` days ending yesterday
    /// (as seen from [`now`]), saved through `record_vitals` one month per transaction.
    pub fn fill_home_bp(&self, days: u32) -> BpRange {
        let last_day = (now() - Duration::days(1)).with_timezone(&jst()).date_naive();
        let first_day = last_day - Duration::days(i64::from(days) - 1);
        let at = |day: chrono::NaiveDate, h, m| {
            let t = NaiveTime::from_hms_opt(h, m, 0).expect("valid time");
            jst().from_local_datetime(&day.and_time(t)).single().expect("fixed offsets are unambiguous")
        };
        let mut batch = Vec::new();
        let mut i = 0u64;
        for d in 0..days {
            let day = first_day + Duration::days(i64::from(d));
            for (h, m, ctx) in [
                (7, 0, BpContext::Morning),
                (7, 2, BpContext::Morning),
                (21, 0, BpContext::Evening),
                (21, 2, BpContext::Evening),
            ] {
                i += 1;
                batch.push(bp(i, ctx, at(day, h, m)));
            }
            if batch.len() >= 120 {
                self.store.record_vitals(self.profile_id, std::mem::take(&mut batch)).expect("fill");
            }
        }
        if !batch.is_empty() {
            self.store.record_vitals(self.profile_id, batch).expect("fill");
        }
        BpRange {
            from: at(first_day, 0, 0).with_timezone(&Utc),
            as_of: at(last_day, 22, 0),
            readings: u64::from(days) * 4,
        }
    }

    /// What a chart screen loads: the day-bucketed series over the whole range plus the
    /// home-BP summary card.
    pub fn day_series_and_summary(&self, r: &BpRange) {
        black_box(self.series(r, Bucket::Day));
        self.summary(r);
    }

    pub fn summary(&self, r: &BpRange) {
        black_box(self.store.home_bp_summary(self.profile_id, r.as_of).expect("summary"));
    }

    pub fn series(&self, r: &BpRange, bucket: Bucket) -> usize {
        let (first, last) = (r.from.with_timezone(r.as_of.offset()).date_naive(), r.as_of.date_naive());
        let points =
            self.store.vital_series(self.profile_id, VitalKind::BloodPressure, first, last, bucket).expect("series");
        black_box(points).len()
    }

    /// A second, raw SQLCipher connection to the same file, configured like the store's reader.
    pub fn raw_reader(&self) -> RawAggregate {
        let conn = Connection::open_with_flags(
            self.store.path(),
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
        )
        .expect("open raw");
        conn.pragma_update(None, "key", format!("x'{}'", self.key_hex)).expect("key");
        conn.pragma_update(None, "temp_store", "MEMORY").expect("pragma");
        conn.pragma_update(None, "cache_size", -8000).expect("pragma");
        conn.pragma_update(None, "query_only", "ON").expect("pragma");
        RawAggregate { conn, profile_id: self.profile_id.to_string() }
    }

    /// The store's schema as it stands after all migrations, so a baseline built from it
    /// keeps matching when migrations are added. Without the triggers: the baseline is a bare
    /// insert, and what the store keeps up to date on each write (the per-day aggregates) is
    /// part of the cost being measured.
    pub fn schema(&self) -> Schema {
        let raw = self.raw_reader();
        let mut stmt = raw
            .conn
            .prepare("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' AND type != 'trigger' \
                 ORDER BY rowid")
            .expect("schema query");
        let ddl = stmt.query_map([], |r| r.get(0)).expect("schema").collect::<Result<_, _>>().expect("schema rows");
        Schema { ddl, key_hex: self.key_hex.clone() }
    }
}

/// DDL copied from a live store, plus its key for an encrypted baseline.
pub struct Schema {
    ddl: Vec<String>,
    key_hex: String,
}

/// The readings [`EncryptedStore::fill_home_bp`] wrote.
pub struct BpRange {
    pub from: DateTime<Utc>,
    pub as_of: DateTime<FixedOffset>,
    pub readings: u64,
}

pub struct RawAggregate {
    conn: Connection,
    profile_id: String,
}

impl RawAggregate {
    /// The cheapest honest answer to "what are this person's blood-pressure numbers": one
    /// aggregate over the same current rows the chart reads.
    pub fn run(&self) -> i64 {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT count(*), min(value_milli), max(value_milli), avg(value_milli) FROM vitals \
                 WHERE profile_id = ?1 AND kind = 'blood_pressure' AND superseded_by IS NULL AND deleted_at_ms IS NULL",
            )
            .expect("prepare");
        let (count, min, max, avg): (i64, Option<i64>, Option<i64>, Option<f64>) = stmt
            .query_row([&self.profile_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .expect("aggregate");
        black_box((min, max, avg));
        count
    }
}

/// Raw SQLite with the store's schema and the writer's pragmas (WAL, synchronous=FULL, ...),
/// inserting a reading row one transaction at a time: no validation, no API. The reference is
/// the plain, unencrypted variant; the others split the store's overhead into its parts.
pub struct BareDb {
    conn: Connection,
    profile_id: String,
    with_outbox: bool,
    next: u64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Cipher {
    Plain,
    /// SQLCipher with the store's raw-key setup.
    Encrypted,
}

impl BareDb {
    pub fn create(dir: &Path, name: &str, schema: &Schema, cipher: Cipher, with_outbox: bool) -> Self {
        let conn = Connection::open(dir.join(name)).expect("open bare");
        if cipher == Cipher::Encrypted {
            conn.pragma_update(None, "key", format!("x'{}'", schema.key_hex)).expect("key");
        }
        conn.busy_timeout(StdDuration::from_secs(5)).expect("pragma");
        conn.pragma_update(None, "foreign_keys", "ON").expect("pragma");
        conn.pragma_update(None, "temp_store", "MEMORY").expect("pragma");
        conn.pragma_update(None, "cache_size", -8000).expect("pragma");
        let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0)).expect("wal");
        assert!(mode.eq_ignore_ascii_case("wal"), "baseline must run in WAL mode");
        conn.pragma_update(None, "synchronous", "FULL").expect("pragma");
        conn.pragma_update(None, "secure_delete", "ON").expect("pragma");
        for ddl in &schema.ddl {
            conn.execute_batch(ddl).expect("schema");
        }
        let profile_id = Uuid::now_v7().to_string();
        conn.execute(
            "INSERT INTO profiles (id, hm_code, display_name, relationship, created_at_ms) VALUES (?1, ?2, 'Bench', 'self', 0)",
            params![profile_id, HM_CODE],
        )
        .expect("profile");
        Self { conn, profile_id, with_outbox, next: 0 }
    }

    pub fn insert_one(&mut self) {
        self.next += 1;
        let i = self.next;
        let at = (now() - Duration::hours(1)).with_timezone(&jst());
        let local_day = (at.timestamp() + 9 * 3600).div_euclid(86_400);
        let (id, systolic, diastolic, pulse) =
            (Uuid::now_v7().to_string(), 108 + spread(i, 40), 64 + spread(i + 7, 24), 58 + spread(i + 3, 30));
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).expect("begin");
        tx.prepare_cached(
            "INSERT INTO vitals (id, profile_id, kind, measured_at_ms, utc_offset_s, local_day, value_milli, diastolic, \
               pulse, entered_milli, entered_unit, context, source, origin_device, recorded_at_ms) \
             VALUES (?1, ?2, 'blood_pressure', ?3, 32400, ?4, ?5, ?6, ?7, ?5, 'mm[Hg]', 'other', 'self', 'bench', ?8)",
        )
        .expect("prepare")
        .execute(params![
            id,
            self.profile_id,
            at.timestamp_millis(),
            local_day,
            i64::from(systolic) * 1000,
            diastolic,
            pulse,
            now().timestamp_millis(),
        ])
        .expect("insert");
        if self.with_outbox {
            // Same shape and size as the store's wire record, formatted by hand instead of serde.
            let payload = format!(
                "{{\"id\":\"{id}\",\"patient\":\"{HM_CODE}\",\"measured_at\":\"{}\",\"value\":{{\"kind\":\"blood_pressure\",\
                 \"systolic\":{systolic},\"diastolic\":{diastolic},\"pulse\":{pulse},\"context\":\"other\"}},\
                 \"source\":\"self\",\"recorded_at\":\"{}\",\"origin_device\":\"{}\"}}",
                at.to_rfc3339(),
                now().to_rfc3339(),
                Uuid::nil(),
            );
            tx.prepare_cached(
                "INSERT INTO outbox (mutation_id, entity, entity_id, op, payload, created_at_ms, patient) \
                 VALUES (?1, 'vital', ?2, 'create', ?3, ?4, ?5)",
            )
            .expect("prepare")
            .execute(params![Uuid::now_v7().to_string(), id, payload, now().timestamp_millis(), HM_CODE])
            .expect("outbox");
        }
        tx.commit().expect("commit");
    }
}
