//! Store behaviour: encryption, keys, migrations, the amend/tombstone model, queries, outbox.

use super::test_support::{TestStore, open_test_store};
use super::vitals_read;
use super::*;
use crate::domain::*;
use crate::keys::MemoryKeyStore;
use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};
use proptest::prelude::*;
use uuid::Uuid;

fn jst(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).expect("valid timestamp")
}

fn bp(s: u32, d: u32, ctx: BpContext, at: &str) -> NewVital {
    NewVital::new(VitalValue::BloodPressure { systolic: s, diastolic: d, pulse: Some(70), context: ctx }, jst(at))
}

fn weight(kg: &str, at: &str) -> NewVital {
    NewVital::new(VitalValue::Weight { kg: Milli::parse(kg).unwrap() }, jst(at))
}

fn with_profile() -> (TestStore, Profile) {
    let t = open_test_store();
    let p = t.store.add_profile("34001234", "山田 花子", Relationship::Myself).unwrap();
    (t, p)
}

fn file_bytes(dir: &std::path::Path) -> Vec<u8> {
    let mut all = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        all.extend(std::fs::read(e.unwrap().path()).unwrap());
    }
    all
}

#[test]
fn nothing_written_through_the_api_is_readable_on_disk() {
    let (t, p) = with_profile();
    let canary_note = "CANARY-7f3a9 めまい";
    let mut v = weight("61.2", "2026-11-25T07:10:00+09:00");
    v.note = Some(canary_note.into());
    v.device_name = Some("CANARY-DEVICE-55aa".into());
    t.store.record_vital(p.id, v).unwrap();
    let back = t.store.list_vitals(p.id, &VitalQuery::default()).unwrap();
    assert_eq!(back.items[0].note.as_deref(), Some(canary_note), "the canary really went through the API");
    // Database file, WAL and shared memory all included.
    let bytes = file_bytes(t.dir.path());
    for needle in [
        canary_note.as_bytes(),
        b"CANARY-7f3a9",
        b"CANARY-DEVICE-55aa",
        b"34001234",
        "山田".as_bytes(),
        b"SQLite format 3",
    ] {
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "found {:?} in plaintext",
            String::from_utf8_lossy(needle)
        );
    }
}

#[test]
fn wrong_missing_and_changed_keys_are_typed_errors() {
    let t = open_test_store();
    t.store.add_profile("34001234", "A", Relationship::Myself).unwrap();
    let path = t.store.path().to_path_buf();
    drop(t.store);

    // Missing key with an existing database: refuse, never mint a new key.
    let empty = MemoryKeyStore::new();
    assert!(matches!(Store::open(&path, &empty), Err(Error::KeyUnavailable)));

    // A different key: the canary notices before SQLCipher is asked.
    let other = MemoryKeyStore::new();
    other.save(crate::keys::DATABASE_KEY, &[0x42; 32]).unwrap();
    assert!(matches!(Store::open(&path, &other), Err(Error::KeyChanged)));

    // Without the canary file, SQLCipher itself refuses the wrong key.
    std::fs::remove_file(super::canary_path(&path)).unwrap();
    assert!(matches!(Store::open(&path, &other), Err(Error::WrongKeyOrCorrupt)));

    // The right key still opens it, data intact, and the canary is rewritten.
    let store = Store::open(&path, &t.keys).unwrap();
    assert_eq!(store.profiles().unwrap().len(), 1);
    assert!(super::canary_path(&path).exists());
    assert!(store.integrity_ok().unwrap());
}

#[test]
fn a_key_of_the_wrong_length_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let keys = MemoryKeyStore::new();
    keys.save(crate::keys::DATABASE_KEY, &[1; 16]).unwrap();
    assert!(matches!(Store::open(dir.path().join("x.db"), &keys), Err(Error::Corrupt(_))));
}

#[test]
fn newer_schema_is_refused() {
    let t = open_test_store();
    t.store.writer().pragma_update(None, "user_version", LATEST_SCHEMA + 1).unwrap();
    let path = t.store.path().to_path_buf();
    drop(t.store);
    match Store::open(&path, &t.keys) {
        Err(Error::SchemaTooNew { found, supported }) => {
            assert_eq!((found, supported), (LATEST_SCHEMA + 1, LATEST_SCHEMA));
        }
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
}

fn schema_of(store: &Store) -> Vec<(String, String, Option<String>)> {
    let conn = store.reader();
    let mut stmt = conn.prepare("SELECT \"type\", \"name\", \"sql\" FROM sqlite_master WHERE \"name\" NOT LIKE 'sqlite_%' ORDER BY \"name\"").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().collect::<Result<_, _>>().unwrap()
}

/// Every earlier schema (including an empty file) upgrades to exactly the fresh schema, keeping
/// the data that was in it.
#[test]
fn every_earlier_schema_upgrades_to_the_fresh_one() {
    let fresh = open_test_store();
    let want = schema_of(&fresh.store);
    for version in 0..LATEST_SCHEMA {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        let keys = MemoryKeyStore::new();
        let key = crate::keys::DatabaseKey::generate().unwrap();
        keys.save(crate::keys::DATABASE_KEY, key.bytes()).unwrap();
        {
            let mut conn = connection::open(&path, &key, connection::Role::Writer).unwrap();
            migrations::migrate_to(&mut conn, version).unwrap();
            assert_eq!(migrations::user_version(&conn).unwrap(), version);
            if version == 6 {
                // Readings from before the per-day aggregates are counted into them on upgrade.
                conn.execute_batch(
                    "INSERT INTO \"profiles\" VALUES ('019ab3c2-0000-7000-8000-0000000000aa', '34001234', 'A', 'self', 0);
                     INSERT INTO \"vitals\" (\"id\", \"profile_id\", \"kind\", \"measured_at_ms\", \"utc_offset_s\", \"local_day\",
                        \"value_milli\", \"diastolic\", \"pulse\", \"entered_milli\", \"entered_unit\", \"context\", \"source\",
                        \"origin_device\", \"recorded_at_ms\")
                     VALUES ('v1', '019ab3c2-0000-7000-8000-0000000000aa', 'blood_pressure', 0, 32400, 20412, 130000, 80, 70,
                             130000, 'mmHg', 'morning', 'self', 'd', 0),
                            ('v2', '019ab3c2-0000-7000-8000-0000000000aa', 'blood_pressure', 1, 32400, 20412, 150000, 90, NULL,
                             150000, 'mmHg', 'evening', 'self', 'd', 0);",
                )
                .unwrap();
            }
            if version == 9 {
                // A sheet from before checkups existed stays as it was.
                conn.execute_batch(
                    "INSERT INTO \"profiles\" VALUES ('019ab3c2-0000-7000-8000-0000000000aa', '34001234', 'A', 'self', 0);
                     INSERT INTO \"emergency_sheets\" (\"id\", \"profile_id\", \"record\")
                       VALUES ('s1', '019ab3c2-0000-7000-8000-0000000000aa', '{}');",
                )
                .unwrap();
            }
            if version == 11 {
                // A record queued behind its photo's upload still waits for it.
                conn.execute_batch(
                    "INSERT INTO \"outbox\" (\"seq\", \"mutation_id\", \"entity\", \"entity_id\", \"op\", \"payload\", \"patient\",
                                           \"depends_on\", \"created_at_ms\")
                       VALUES (1, 'm1', 'blob', 'aa', 'create', '{}', '34001234', NULL, 0),
                              (2, 'm2', 'checkup', 'c1', 'create', '{}', '34001234', 1, 0),
                              (3, 'm3', 'checkup', 'c2', 'create', '{}', '34001234', 9, 0);",
                )
                .unwrap();
            }
            if version == 10 {
                // Checkups from before pages could wait for room stay, with none waiting.
                conn.execute_batch(
                    "INSERT INTO \"profiles\" VALUES ('019ab3c2-0000-7000-8000-0000000000aa', '34001234', 'A', 'self', 0);
                     INSERT INTO \"checkups\" (\"id\", \"profile_id\", \"date\", \"record\")
                       VALUES ('c1', '019ab3c2-0000-7000-8000-0000000000aa', '2026-06-12', '{}');",
                )
                .unwrap();
            }
            if version == 1 {
                // A change queued before sync existed must survive the upgrade and learn its patient.
                conn.execute_batch(
                    "INSERT INTO \"profiles\" VALUES ('019ab3c2-0000-7000-8000-0000000000aa', '34001234', 'A', 'self', 0);
                     INSERT INTO \"outbox\" (\"mutation_id\", \"entity\", \"entity_id\", \"op\", \"payload\", \"created_at_ms\")
                       VALUES ('m1', 'vital', 'v1', 'delete', '{\"id\":\"v1\",\"patient\":\"34001234\",\"deleted_at\":\"x\"}', 0);",
                )
                .unwrap();
            }
        }
        let store = Store::open(&path, &keys).unwrap();
        assert_eq!(store.schema_version().unwrap(), LATEST_SCHEMA);
        assert_eq!(schema_of(&store), want, "upgrade from {version}");
        if version == 1 {
            assert_eq!(store.profiles().unwrap().len(), 1, "data kept when upgrading from {version}");
            let patient: Option<String> =
                store.reader().query_row("SELECT \"patient\" FROM \"outbox\"", [], |r| r.get(0)).unwrap();
            assert_eq!(patient.as_deref(), Some("34001234"));
        }
        if version == 9 {
            let sheets: i64 =
                store.reader().query_row("SELECT count(*) FROM \"emergency_sheets\"", [], |r| r.get(0)).unwrap();
            assert_eq!(sheets, 1, "data kept when upgrading from {version}");
            let checkups: i64 =
                store.reader().query_row("SELECT count(*) FROM \"checkups\"", [], |r| r.get(0)).unwrap();
            assert_eq!(checkups, 0);
        }
        if version == 11 {
            let waits: Vec<(i64, i64)> = store
                .reader()
                .prepare("SELECT \"seq\", \"waits_for\" FROM \"outbox_waits\"")
                .unwrap()
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert_eq!(waits, [(2, 1)], "what waited still waits; a wait for nothing queued is gone");
            store.writer().execute("DELETE FROM \"outbox\" WHERE \"seq\" = 1", []).unwrap();
            let left: i64 =
                store.reader().query_row("SELECT count(*) FROM \"outbox_waits\"", [], |r| r.get(0)).unwrap();
            assert_eq!(left, 0, "a delivered entry is waited for no more");
        }
        if version == 10 {
            let count = |table: &str| -> i64 {
                store.reader().query_row(&format!("SELECT count(*) FROM \"{table}\""), [], |r| r.get(0)).unwrap()
            };
            assert_eq!((count("checkups"), count("waiting_pages")), (1, 0), "data kept when upgrading from {version}");
        }
        if version == 6 {
            assert_day_aggregates_match_the_readings(&store);
            let n: i64 = store.reader().query_row("SELECT \"n\" FROM \"vital_days\"", [], |r| r.get(0)).unwrap();
            assert_eq!(n, 2, "data kept and counted when upgrading from {version}");
        }
        assert!(store.integrity_ok().unwrap());
    }
}

#[test]
fn record_writes_one_outbox_row_in_protocol_form() {
    let (t, p) = with_profile();
    let g = NewVital::new(
        VitalValue::Glucose {
            value: Milli::parse("6.1").unwrap(),
            unit: GlucoseUnit::MmolPerL,
            timing: GlucoseTiming::Fasting,
        },
        jst("2026-11-25T06:30:00+09:00"),
    );
    let rec = t.store.record_vital(p.id, g).unwrap();
    assert!(rec.warnings.is_empty());
    let out = t.store.outbox_entries(10).unwrap();
    assert_eq!(out.len(), 1);
    assert_eq!((out[0].entity.as_str(), out[0].op.as_str()), ("vital", "create"));
    assert_eq!(out[0].entity_id, rec.vital.id.to_string());
    let wire: techo_protocol::records::vital::VitalRecord = serde_json::from_str(&out[0].payload).unwrap();
    assert_eq!(wire.patient, "34001234");
    assert_eq!(wire.measured_at, "2026-11-25T06:30:00+09:00");
    assert_eq!(wire.origin_device, t.store.device_id());
    assert_eq!(
        wire.value,
        techo_protocol::records::vital::VitalValue::Glucose {
            mg_dl: "109.8".into(),
            entered_value: "6.1".into(),
            entered_unit: "mmol/L".into(),
            timing: "fasting".into()
        }
    );
    // Stored exactly as entered, shown back in the entered unit.
    let back = t.store.get_vital(rec.vital.id).unwrap();
    assert_eq!(back, rec.vital);
}

#[test]
fn returned_record_equals_the_stored_one_with_sub_millisecond_times() {
    let (t, p) = with_profile();
    let at = jst("2026-11-25T07:10:05.123456789+09:00");
    let rec = t.store.record_vital(p.id, NewVital::new(VitalValue::Steps { count: 10 }, at)).unwrap();
    assert_eq!(rec.vital.measured_at, jst("2026-11-25T07:10:05.123+09:00"));
    assert_eq!(t.store.get_vital(rec.vital.id).unwrap(), rec.vital);
}

#[test]
fn invalid_input_writes_nothing() {
    let (t, p) = with_profile();
    let err = t.store.record_vital(p.id, bp(120, 130, BpContext::Morning, "2026-11-25T07:00:00+09:00")).unwrap_err();
    assert!(matches!(err, Error::Validation { field: Field::Diastolic, .. }));
    let batch = vec![weight("60", "2026-11-24T07:00:00+09:00"), weight("999", "2026-11-25T07:00:00+09:00")];
    match t.store.record_vitals(p.id, batch).unwrap_err() {
        Error::BatchItem { index: 1, error } => {
            assert!(matches!(*error, Error::Validation { field: Field::Weight, .. }))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(t.store.vital_count(p.id).unwrap(), 0);
    assert_eq!(t.store.outbox_len().unwrap(), 0);
    assert!(matches!(
        t.store.record_vital(Uuid::now_v7(), weight("60", "2026-11-25T07:00:00+09:00")),
        Err(Error::NotFound { .. })
    ));
}

#[test]
fn weight_jump_warns_against_the_previous_reading() {
    let (t, p) = with_profile();
    t.store.record_vital(p.id, weight("58.0", "2026-11-24T07:00:00+09:00")).unwrap();
    let r = t.store.record_vital(p.id, weight("61.5", "2026-11-25T07:00:00+09:00")).unwrap();
    assert_eq!(r.warnings.len(), 1);
    assert_eq!(r.warnings[0].code, WarningCode::ChangedByMoreThan);
    // Correcting the jump compares against the day before, not against the reading being replaced.
    let fixed = t.store.amend_vital(r.vital.id, weight("58.5", "2026-11-25T07:00:00+09:00")).unwrap();
    assert!(fixed.warnings.is_empty());
}

#[test]
fn a_correction_keeps_the_offset_the_reading_was_taken_in() {
    let (t, p) = with_profile();
    // Taken in Hawaii, corrected at home in Japan: the same instant, still shown in Hawaii time.
    let r = t.store.record_vital(p.id, weight("58.0", "2026-11-24T07:00:00-10:00")).unwrap();
    let fixed = t.store.amend_vital(r.vital.id, weight("58.5", "2026-11-25T02:00:00+09:00")).unwrap().vital;
    assert_eq!(fixed.measured_at.to_rfc3339(), "2026-11-24T07:00:00-10:00");
}

#[test]
fn amend_and_delete_keep_history_and_show_the_current_view() {
    let (t, p) = with_profile();
    let a = t.store.record_vital(p.id, bp(182, 90, BpContext::Morning, "2026-11-25T07:00:00+09:00")).unwrap().vital;
    let b = t.store.amend_vital(a.id, bp(128, 82, BpContext::Morning, "2026-11-25T07:00:00+09:00")).unwrap().vital;
    assert_eq!(b.amends, Some(a.id));
    let list = t.store.list_vitals(p.id, &VitalQuery::default()).unwrap().items;
    assert_eq!(list.iter().map(|v| v.id).collect::<Vec<_>>(), vec![b.id]);

    // The old version cannot be acted on; the error points to the current one.
    assert!(
        matches!(t.store.amend_vital(a.id, bp(1, 1, BpContext::Morning, "2026-11-25T07:00:00+09:00")), Err(Error::Superseded { current }) if current == b.id)
    );
    assert!(matches!(t.store.delete_vital(a.id), Err(Error::Superseded { current }) if current == b.id));
    // A correction keeps the type.
    assert!(matches!(
        t.store.amend_vital(b.id, weight("60", "2026-11-25T07:00:00+09:00")),
        Err(Error::KindMismatch { .. })
    ));

    let deleted = t.store.delete_vital(b.id).unwrap();
    assert!(deleted.deleted_at.is_some());
    assert!(t.store.list_vitals(p.id, &VitalQuery::default()).unwrap().items.is_empty());
    assert!(matches!(t.store.delete_vital(b.id), Err(Error::Deleted)));

    let history = t.store.vital_history(a.id).unwrap();
    assert_eq!(history.iter().map(|v| v.id).collect::<Vec<_>>(), vec![a.id, b.id]);
    assert_eq!(t.store.vital_history(b.id).unwrap(), history);
    assert!(history[1].deleted_at.is_some());

    let ops: Vec<_> = t.store.outbox_entries(10).unwrap().into_iter().map(|e| e.op).collect();
    assert_eq!(ops, vec![techo_protocol::Op::Create, techo_protocol::Op::Create, techo_protocol::Op::Delete]);
}

#[test]
fn short_ids_resolve_like_git() {
    let (t, p) = with_profile();
    let a = t.store.record_vital(p.id, weight("60", "2026-11-25T07:00:00+09:00")).unwrap().vital;
    let full = a.id.to_string();
    assert_eq!(t.store.resolve_vital_id(p.id, &full[..13]).unwrap(), a.id);
    assert!(matches!(t.store.resolve_vital_id(p.id, "abc"), Err(Error::NotFound { .. })));
    t.store.record_vital(p.id, weight("60.1", "2026-11-25T08:00:00+09:00")).unwrap();
    // Two UUIDv7s made in the same millisecond range share their first characters.
    assert!(matches!(t.store.resolve_vital_id(p.id, &full[..4]), Err(Error::AmbiguousId { .. })));
}

#[test]
fn listing_pages_newest_first_and_filters() {
    let (t, p) = with_profile();
    let base = jst("2026-11-01T07:00:00+09:00");
    let inputs: Vec<_> = (0..23)
        .map(|i| {
            let at = base + Duration::hours(12 * i);
            if i % 2 == 0 {
                NewVital::new(VitalValue::Temperature { celsius: Milli::parse("36.5").unwrap() }, at)
            } else {
                NewVital::new(VitalValue::Steps { count: 1000 * i as u32 }, at)
            }
        })
        .collect();
    t.store.record_vitals(p.id, inputs).unwrap();
    let mut q = VitalQuery { limit: 5, ..Default::default() };
    let mut seen = Vec::new();
    loop {
        let page = t.store.list_vitals(p.id, &q).unwrap();
        seen.extend(page.items.iter().map(|v| v.measured_at));
        match page.next_cursor {
            Some(c) => q.cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen.len(), 23);
    assert!(seen.windows(2).all(|w| w[0] > w[1]), "strictly newest first");
    let temps =
        t.store.list_vitals(p.id, &VitalQuery { kind: Some(VitalKind::Temperature), ..Default::default() }).unwrap();
    assert_eq!(temps.items.len(), 12);
    let ranged = VitalQuery {
        from: Some(base.with_timezone(&Utc)),
        to: Some((base + Duration::days(1)).with_timezone(&Utc)),
        ..Default::default()
    };
    assert_eq!(t.store.list_vitals(p.id, &ranged).unwrap().items.len(), 2);
    assert!(matches!(
        t.store.list_vitals(p.id, &VitalQuery { cursor: Some("junk".into()), ..Default::default() }),
        Err(Error::Validation { field: Field::Cursor, .. })
    ));
    let latest = t.store.latest_vitals(p.id).unwrap();
    assert_eq!(latest.iter().map(|v| v.kind()).collect::<Vec<_>>(), vec![VitalKind::Temperature, VitalKind::Steps]);
}

#[test]
fn profiles_do_not_see_each_others_readings() {
    let (t, me) = with_profile();
    let mother = t.store.add_profile("34005678", "母", Relationship::Family).unwrap();
    t.store.record_vital(me.id, weight("60", "2026-11-25T07:00:00+09:00")).unwrap();
    t.store.record_vital(mother.id, weight("48.5", "2026-11-25T07:00:00+09:00")).unwrap();
    let mine = t.store.list_vitals(me.id, &VitalQuery::default()).unwrap().items;
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].value, VitalValue::Weight { kg: Milli::parse("60").unwrap() });
    let id = t.store.list_vitals(mother.id, &VitalQuery::default()).unwrap().items[0].id;
    assert!(matches!(t.store.resolve_vital_id(me.id, &id.to_string()), Err(Error::NotFound { .. })));
}

#[test]
fn series_and_summary_through_the_store() {
    let (t, p) = with_profile();
    // Seven mornings and evenings ending on 2026-11-25 (JST), plus a corrected and a deleted one.
    let mut inputs = Vec::new();
    for d in 19..=25 {
        inputs.push(bp(138, 80, BpContext::Morning, &format!("2026-11-{d}T07:00:00+09:00")));
        inputs.push(bp(122, 72, BpContext::Evening, &format!("2026-11-{d}T21:30:00+09:00")));
    }
    t.store.record_vitals(p.id, inputs).unwrap();
    let extra =
        t.store.record_vital(p.id, bp(200, 120, BpContext::Morning, "2026-11-25T07:05:00+09:00")).unwrap().vital;
    t.store.delete_vital(extra.id).unwrap();

    let s = t.store.home_bp_summary(p.id, jst("2026-11-25T22:00:00+09:00")).unwrap();
    assert_eq!(s.morning.days, 7);
    assert_eq!(s.morning.mean_systolic, Some(138.0));
    assert_eq!(s.morning.class, Some(HomeBpClass::Grade1));
    assert_eq!(s.evening.class, Some(HomeBpClass::HighNormal));
    assert_eq!(s.class, Some(HomeBpClass::Grade1));
    assert!(s.isolated_systolic);

    let from = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
    let to = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let daily = t.store.vital_series(p.id, VitalKind::BloodPressure, from, to, Bucket::Day).unwrap();
    assert_eq!(daily.len(), 7);
    assert_eq!(daily[0].start, chrono::NaiveDate::from_ymd_opt(2026, 11, 19).unwrap());
    assert_eq!((daily[0].value.min, daily[0].value.max, daily[0].value.mean), (122.0, 138.0, 130.0));
    assert_eq!(daily[0].diastolic.unwrap().mean, 76.0);
    assert_eq!(daily[0].pulse.unwrap().count, 2);
    let monthly = t.store.vital_series(p.id, VitalKind::BloodPressure, from, to, Bucket::Month).unwrap();
    assert_eq!(monthly.len(), 1);
    assert_eq!(monthly[0].value.count, 14, "the deleted reading is not charted");
}

/// A model of the current view under random record / amend / delete sequences.
#[derive(Debug, Clone)]
enum Op {
    Record(u32),
    Amend(usize, u32),
    Delete(usize),
}

fn op_strategy() -> impl Strategy<Value = Op> {
    prop_oneof![
        (100u32..200).prop_map(Op::Record),
        (any::<usize>(), 100u32..200).prop_map(|(i, v)| Op::Amend(i, v)),
        any::<usize>().prop_map(Op::Delete),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    #[test]
    fn current_view_matches_a_model(ops in proptest::collection::vec(op_strategy(), 1..25)) {
        let (t, p) = with_profile();
        // Model: logical readings, each with its current head id and value, or deleted.
        let mut model: Vec<(Uuid, u32, bool)> = Vec::new();
        let mut all_ids = Vec::new();
        for (n, op) in ops.iter().enumerate() {
            // Four days, so corrections move readings between days' aggregates.
            let at = format!("2026-11-{:02}T07:{:02}:00+09:00", 1 + n % 4, n % 50);
            let mk = |v: u32| bp(v, 60, BpContext::Morning, &at);
            match *op {
                Op::Record(v) => {
                    let r = t.store.record_vital(p.id, mk(v)).unwrap();
                    all_ids.push(r.vital.id);
                    model.push((r.vital.id, v, false));
                }
                Op::Amend(i, v) if !model.is_empty() => {
                    let i = i % model.len();
                    let res = t.store.amend_vital(model[i].0, mk(v));
                    if model[i].2 {
                        prop_assert!(matches!(res, Err(Error::Deleted)));
                    } else {
                        let r = res.unwrap();
                        all_ids.push(r.vital.id);
                        model[i] = (r.vital.id, v, false);
                    }
                }
                Op::Delete(i) if !model.is_empty() => {
                    let i = i % model.len();
                    let res = t.store.delete_vital(model[i].0);
                    if model[i].2 { prop_assert!(matches!(res, Err(Error::Deleted))); } else { res.unwrap(); model[i].2 = true; }
                }
                _ => {}
            }
        }
        let mut want: Vec<(Uuid, u32)> = model.iter().filter(|m| !m.2).map(|m| (m.0, m.1)).collect();
        want.sort();
        let mut got: Vec<(Uuid, u32)> = t.store.list_vitals(p.id, &VitalQuery { limit: 500, ..Default::default() }).unwrap().items.into_iter()
            .map(|v| match v.value { VitalValue::BloodPressure { systolic, .. } => (v.id, systolic), _ => unreachable!() }).collect();
        got.sort();
        prop_assert_eq!(got, want);
        // History keeps every version ever written; every change produced one outbox row.
        let history_total: usize = model.iter().map(|m| t.store.vital_history(m.0).unwrap().len()).sum();
        prop_assert_eq!(history_total, all_ids.len());
        let deletes = model.iter().filter(|m| m.2).count();
        prop_assert_eq!(t.store.outbox_len().unwrap() as usize, all_ids.len() + deletes);
        assert_day_aggregates_match_the_readings(&t.store);
    }
}

/// The per-day aggregates the triggers keep equal a recount from the readings themselves.
fn assert_day_aggregates_match_the_readings(store: &Store) {
    let rows = |sql: &str| -> Vec<Vec<rusqlite::types::Value>> {
        let conn = store.reader();
        let mut stmt = conn.prepare(sql).unwrap();
        stmt.query_map([], |r| (0..15).map(|i| r.get(i)).collect()).unwrap().collect::<Result<_, _>>().unwrap()
    };
    let kept = rows("SELECT * FROM \"vital_days\" ORDER BY 1, 2, 3");
    let recounted = rows(
        "SELECT \"profile_id\", \"kind\", \"local_day\", count(*), min(\"value_milli\"), max(\"value_milli\"), \
                sum(\"value_milli\"), count(\"diastolic\"), min(\"diastolic\"), max(\"diastolic\"), \
                coalesce(sum(\"diastolic\"), 0), count(\"pulse\"), min(\"pulse\"), max(\"pulse\"), coalesce(sum(\"pulse\"), 0) \
         FROM \"vitals\" WHERE \"superseded_by\" IS NULL AND \"deleted_at_ms\" IS NULL \
         GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
    );
    assert_eq!(kept, recounted);
}

/// Every way a reading changes keeps the chart's per-day aggregates right: recording,
/// correcting onto another day, deleting, a pulled change from another device, acknowledgement,
/// and removing the person.
#[test]
fn day_aggregates_follow_every_write() {
    let (t, p) = with_profile();
    let a = t.store.record_vital(p.id, bp(130, 80, BpContext::Morning, "2026-11-20T07:00:00+09:00")).unwrap().vital;
    t.store.record_vital(p.id, bp(150, 90, BpContext::Evening, "2026-11-20T21:00:00+09:00")).unwrap();
    t.store.record_vital(p.id, weight("61.2", "2026-11-20T07:05:00+09:00")).unwrap();
    assert_day_aggregates_match_the_readings(&t.store);
    let day = |d: u32| chrono::NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
    let series =
        |t: &TestStore| t.store.vital_series(p.id, VitalKind::BloodPressure, day(1), day(30), Bucket::Day).unwrap();
    let before = series(&t);
    assert_eq!(before.len(), 1);
    assert_eq!((before[0].value.min, before[0].value.max, before[0].value.count), (130.0, 150.0, 2));

    // A correction that moves the reading to the next day empties the old day's share of it.
    let moved = t.store.amend_vital(a.id, bp(128, 78, BpContext::Morning, "2026-11-21T07:00:00+09:00")).unwrap().vital;
    assert_day_aggregates_match_the_readings(&t.store);
    let after = series(&t);
    assert_eq!(after.iter().map(|s| (s.start, s.value.count)).collect::<Vec<_>>(), vec![(day(20), 1), (day(21), 1)]);
    assert_eq!(after[0].value.min, 150.0, "the corrected reading's old value left the minimum");

    t.store.delete_vital(moved.id).unwrap();
    assert_day_aggregates_match_the_readings(&t.store);
    assert_eq!(series(&t).len(), 1);

    // Another device's reading arrives by sync.
    let other = Vital { id: Uuid::now_v7(), origin_device: "other-device".into(), ..t.store.get_vital(a.id).unwrap() };
    let other = Vital { amends: None, superseded_by: None, deleted_at: None, ..other };
    let page = pull_page(vec![change_for(&other, "34001234", 7, false)], "c1");
    assert_eq!(t.store.apply_pull_page(p.id, &page).unwrap().applied, 1);
    assert_day_aggregates_match_the_readings(&t.store);
    assert_eq!(series(&t)[0].value.count, 2);

    t.store.remove_profile(p.id, true).unwrap();
    assert_day_aggregates_match_the_readings(&t.store);
    let left: i64 = t.store.reader().query_row("SELECT count(*) FROM \"vital_days\"", [], |r| r.get(0)).unwrap();
    assert_eq!(left, 0);
}

fn pull_page(changes: Vec<techo_protocol::sync::Change>, cursor: &str) -> techo_protocol::sync::PullResponse {
    techo_protocol::sync::PullResponse {
        changes,
        next_cursor: cursor.into(),
        has_more: false,
        reset: None,
        reset_reason: None,
    }
}

fn change_for(v: &Vital, patient: &str, version: u64, deleted: bool) -> techo_protocol::sync::Change {
    let hm = HmCode::parse(patient).unwrap();
    techo_protocol::sync::Change {
        entity: "vital".into(),
        id: v.id.to_string(),
        version,
        deleted,
        payload: serde_json::to_value(techo_domain::vitals_wire::encode_vital(v, &hm)).unwrap(),
    }
}

#[test]
fn the_pull_vector_applies_as_a_tombstoned_reading() {
    let (t, p) = with_profile();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../protocol/tests/vectors/pull_response.json");
    let page: techo_protocol::sync::PullResponse =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let applied = t.store.apply_pull_page(p.id, &page).unwrap();
    assert_eq!(applied.applied, 1);
    let v = t.store.get_vital(Uuid::parse_str("019ab3c2-5f10-7a3e-9c41-2b7d5e8f0a11").unwrap()).unwrap();
    assert!(v.deleted_at.is_some());
    assert_eq!(v.server_version, Some(2));
    assert_eq!(t.store.sync_cursor(p.id).unwrap().as_deref(), Some("c1.00112233aabbccdd.2"));
    assert!(t.store.list_vitals(p.id, &VitalQuery::default()).unwrap().items.is_empty());
}

/// Write gating: pulled data never overwrites a record with a local change waiting to be sent,
/// nor one whose newer state we sent but have not seen come back yet.
#[test]
fn pulled_changes_never_overwrite_pending_or_newer_local_state() {
    let (t, p) = with_profile();
    let v = t.store.record_vital(p.id, weight("60", "2026-11-25T07:00:00+09:00")).unwrap().vital;
    // Pretend the create went through (version 1), then delete locally: the delete is pending.
    let create = t.store.outbox_entries(1).unwrap().remove(0);
    t.store
        .apply_push_results(
            std::slice::from_ref(&create),
            &[techo_protocol::sync::MutationResult {
                mutation_id: create.mutation_id.to_string(),
                status: techo_protocol::sync::MutationStatus::Applied,
                commit_seq: Some(1),
                error: None,
                server_record: None,
            }],
        )
        .unwrap();
    t.store.delete_vital(v.id).unwrap();
    // A page carrying the live record (version 1) arrives before our delete is sent.
    let applied =
        t.store.apply_pull_page(p.id, &pull_page(vec![change_for(&v, "34001234", 1, false)], "c1.e.1")).unwrap();
    assert_eq!((applied.applied, applied.gated), (0, 1));
    assert!(t.store.get_vital(v.id).unwrap().deleted_at.is_some(), "the pending delete still shows");

    // The delete is acknowledged at version 5; a stale page (version 3) must not resurrect it.
    let delete = t.store.outbox_entries(1).unwrap().remove(0);
    t.store
        .apply_push_results(
            std::slice::from_ref(&delete),
            &[techo_protocol::sync::MutationResult {
                mutation_id: delete.mutation_id.to_string(),
                status: techo_protocol::sync::MutationStatus::Applied,
                commit_seq: Some(5),
                error: None,
                server_record: None,
            }],
        )
        .unwrap();
    let applied =
        t.store.apply_pull_page(p.id, &pull_page(vec![change_for(&v, "34001234", 3, false)], "c1.e.3")).unwrap();
    assert_eq!(applied.gated, 1);
    assert!(t.store.get_vital(v.id).unwrap().deleted_at.is_some());
    // Our own write coming back (version 5) passes the gate and settles the record.
    let applied =
        t.store.apply_pull_page(p.id, &pull_page(vec![change_for(&v, "34001234", 5, true)], "c1.e.5")).unwrap();
    assert_eq!((applied.applied, applied.gated), (1, 0));
    let back = t.store.get_vital(v.id).unwrap();
    assert!(back.deleted_at.is_some());
    assert_eq!(back.server_version, Some(5));
}

/// The server leaves our own acknowledged writes out of our pulls, so none comes back to
/// release its gate: a pull that reaches the end releases this person's gates, and only theirs.
#[test]
fn a_pull_that_reaches_the_end_releases_the_gates_of_what_we_sent() {
    let (t, p) = with_profile();
    let q = t.store.add_profile("34005678", "山田 太郎", Relationship::Family).unwrap();
    t.store.record_vital(p.id, weight("60", "2026-11-25T07:00:00+09:00")).unwrap();
    t.store.record_vital(q.id, weight("70", "2026-11-25T07:00:00+09:00")).unwrap();
    let sent = t.store.outbox_entries(2).unwrap();
    let results: Vec<_> = sent
        .iter()
        .map(|e| techo_protocol::sync::MutationResult {
            mutation_id: e.mutation_id.to_string(),
            status: techo_protocol::sync::MutationStatus::Applied,
            commit_seq: Some(5),
            error: None,
            server_record: None,
        })
        .collect();
    t.store.apply_push_results(&sent, &results).unwrap();
    let gates =
        || -> i64 { t.store.reader().query_row("SELECT COUNT(*) FROM \"sync_gates\"", [], |r| r.get(0)).unwrap() };
    assert_eq!(gates(), 2);
    let more = techo_protocol::sync::PullResponse { has_more: true, ..pull_page(vec![], "c1.e.3") };
    t.store.apply_pull_page(p.id, &more).unwrap();
    assert_eq!(gates(), 2, "not at the end yet");
    t.store.apply_pull_page(p.id, &pull_page(vec![], "c1.e.9")).unwrap();
    assert_eq!(gates(), 1, "the other person's gate stays until their pull ends");
}

#[test]
fn pulled_records_for_another_patient_or_garbage_are_parked_not_fatal() {
    let (t, p) = with_profile();
    let other = NewVital::new(VitalValue::Steps { count: 5 }, jst("2026-11-25T07:00:00+09:00"));
    let stranger = Vital {
        id: Uuid::now_v7(),
        profile_id: p.id,
        value: other.value,
        measured_at: other.measured_at,
        source: Source::SelfEntered,
        device_name: None,
        note: None,
        amends: None,
        superseded_by: None,
        deleted_at: None,
        recorded_at: Utc::now(),
        entered_by: None,
        origin_device: "x".into(),
        server_version: None,
    };
    let mut garbage = change_for(&stranger, "34001234", 2, false);
    garbage.payload = serde_json::json!({ "id": 7 });
    let page = pull_page(vec![change_for(&stranger, "34009999", 1, false), garbage], "c1.e.2");
    let applied = t.store.apply_pull_page(p.id, &page).unwrap();
    assert_eq!((applied.applied, applied.parked), (0, 2));
    assert_eq!(t.store.vital_count(p.id).unwrap(), 0);
    assert_eq!(t.store.sync_cursor(p.id).unwrap().as_deref(), Some("c1.e.2"), "the cursor still moves on");
}

/// Listing pages and charts walk an index in order: no query sorts the whole history.
#[test]
fn reads_of_the_current_view_never_sort_all_rows() {
    let (t, p) = with_profile();
    let conn = t.store.reader();
    let plan = |sql: &str, args: Vec<rusqlite::types::Value>| -> String {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| r.get::<_, String>(3)).unwrap();
        rows.collect::<Result<Vec<_>, _>>().unwrap().join(" | ")
    };
    let cursor = Some((1_700_000_000_000, "019ab3c2-0000-7000-8000-000000000000".to_owned()));
    let at = Some(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap());
    for (kind, from, after) in [
        (None, None, None),
        (Some(VitalKind::Weight), None, None),
        (None, at, cursor.clone()),
        (Some(VitalKind::BloodPressure), at, cursor.clone()),
    ] {
        let q = VitalQuery { kind, from, ..Default::default() };
        let (sql, args) = vitals_read::list_query(p.id, &q, after, 50);
        let text = plan(&sql, args);
        assert!(!text.contains("TEMP B-TREE"), "list sorts: {text}");
        assert!(text.contains("vitals_current_by_time"), "list uses a current-view index: {text}");
    }
    let series = "SELECT \"local_day\", count(*) FROM \"vitals\" INDEXED BY \"vitals_current\" WHERE \"profile_id\" = ?1 \
         AND \"kind\" = 'weight' AND \"superseded_by\" IS NULL AND \"deleted_at_ms\" IS NULL AND \"local_day\" BETWEEN 1 AND 2 \
         GROUP BY \"local_day\" ORDER BY \"local_day\"";
    let text = plan(series, vec![p.id.to_string().into()]);
    assert!(!text.contains("TEMP B-TREE"), "series sorts: {text}");
}

#[test]
fn the_last_complete_sync_is_kept_until_sign_out() {
    let t = open_test_store();
    assert_eq!(t.store.last_sync_complete().unwrap(), None);
    t.store.note_sync_complete().unwrap();
    let at = Utc.with_ymd_and_hms(2026, 11, 26, 0, 0, 0).unwrap();
    assert_eq!(t.store.last_sync_complete().unwrap(), Some(at));
    t.store.set_account(None).unwrap();
    assert_eq!(t.store.last_sync_complete().unwrap(), None, "the next account has not synced yet");
}
