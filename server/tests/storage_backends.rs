//! One suite for every storage backend: accounts and tokens, the record primitives, and the sync
//! rules that `sync_service` builds on them (ledger replays, idempotency conflicts, duplicate
//! and conflicting creates, tombstones for unseen ids, compare-and-swap updates, ingest), pull
//! order and paging, tombstone collection and epoch bumps; blobs (uploads, quota, expiry), their
//! bytes, the records' references to them and their release.
//!
//! A backend joins by adding its constructor to the `backends` list at the bottom; a test joins
//! by adding its name to the `tests` list (an unlisted one fails the build as dead code).

mod support;

use std::sync::Arc;
use techo_protocol::error::ErrorCode;
use techo_protocol::sync::{
    Change, Mutation, MutationResult, MutationStatus, PullQuery, PullResponse, PushRequest, RecordVersion, Reset,
    ResetReason, VersionsQuery,
};
use techo_protocol::{Entity, Op, PROTOCOL_VERSION, SCHEMA_VERSION};
use techo_server::state::Limits;
use techo_server::storage::scratch::{ScratchDatabase, test_cluster_url};
use techo_server::storage::{
    Begun, BlobStore, FsBlobFiles, Head, LedgerEntry, NewRecord, NewSession, NewUpload, NextRefresh, PostgresStorage,
    PresentedRefresh, RecordStore, RefreshOutcome, ResidentId, SqliteStorage, Storage, StorageError, ThrottleRule,
    Writer,
};
use techo_server::sync_service;
use uuid::Uuid;

/// A fresh, empty store, and whatever keeps it alive (a directory, a database to drop).
struct Backend {
    storage: Arc<dyn Storage>,
    _keep: Box<dyn std::any::Any>,
}

fn open_sqlite() -> Option<Backend> {
    let dir = tempfile::tempdir().unwrap();
    let storage = SqliteStorage::open(&dir.path().join("server.db")).unwrap();
    Some(Backend { storage: Arc::new(storage), _keep: Box::new(dir) })
}

/// Blob bytes in the database too, as the server keeps them on PostgreSQL (`FsBlobFiles` is
/// SQLite's, tested there).
fn open_postgres() -> Option<Backend> {
    let db = ScratchDatabase::create(&test_cluster_url()?);
    let storage = PostgresStorage::open_self_contained(&db.url()).unwrap();
    Some(Backend { storage: Arc::new(storage), _keep: Box::new(db) })
}

const NOW: i64 = 1_800_000_000_000;
const HOUR: i64 = 3_600_000;

fn resident(b: &Backend, hm: &str) -> ResidentId {
    b.storage.add_resident(hm, "Suite", "1950-01-01", NOW).unwrap()
}

fn id() -> String {
    Uuid::now_v7().to_string()
}

fn bp(id: &str, patient: &str, systolic: u32) -> serde_json::Value {
    serde_json::json!({
        "id": id, "patient": patient, "measured_at": "2026-11-25T07:10:00+09:00",
        "value": { "kind": "blood_pressure", "systolic": systolic, "diastolic": 80, "context": "morning" },
        "source": "self", "recorded_at": "2026-11-24T22:10:05.123+00:00", "origin_device": "suite"
    })
}

fn note(id: &str, patient: &str, title: &str) -> serde_json::Value {
    serde_json::json!({ "id": id, "patient": patient, "title": title })
}

fn tombstone(id: &str, patient: &str) -> serde_json::Value {
    serde_json::json!({ "id": id, "patient": patient, "deleted_at": "2026-11-25T08:00:00.000+00:00" })
}

fn mutation(entity: &str, op: Op, entity_id: &str, base_version: Option<u64>, payload: serde_json::Value) -> Mutation {
    Mutation {
        mutation_id: id(),
        entity: Entity::parse(entity),
        entity_id: entity_id.into(),
        op,
        base_version,
        payload,
        client_time: None,
    }
}

fn push(b: &Backend, resident: ResidentId, device: &str, mutations: Vec<Mutation>) -> Vec<MutationResult> {
    push_from(b, resident, device, None, mutations)
}

/// A push from one local copy (`replica`) on a device.
fn push_from(
    b: &Backend,
    resident: ResidentId,
    device: &str,
    replica: Option<&str>,
    mutations: Vec<Mutation>,
) -> Vec<MutationResult> {
    let req = PushRequest {
        protocol_version: PROTOCOL_VERSION,
        schema_version: SCHEMA_VERSION,
        mutations,
        replica: replica.map(Into::into),
    };
    sync_service::push_with(b.storage.as_ref(), &support::families(), &Limits::default(), resident, device, req)
        .unwrap()
        .results
}

fn push_one(b: &Backend, resident: ResidentId, device: &str, m: Mutation) -> MutationResult {
    push(b, resident, device, vec![m]).remove(0)
}

fn pull(b: &Backend, resident: ResidentId, hm: &str, cursor: Option<String>, limit: u32) -> PullResponse {
    pull_into(b, (resident, "phone", None), hm, cursor, limit)
}

/// A pull into one local copy: (account, device, replica).
fn pull_into(
    b: &Backend,
    copy: (ResidentId, &str, Option<&str>),
    hm: &str,
    cursor: Option<String>,
    limit: u32,
) -> PullResponse {
    let q = PullQuery { patient: hm.into(), cursor, limit: Some(limit), replica: copy.2.map(Into::into) };
    sync_service::pull(b.storage.as_ref(), &Limits::default(), copy.0, copy.1, &q).unwrap()
}

/// The ids a copy receives pulling from `cursor` to the end, and how many requests it took.
fn ids_pulled_into(
    b: &Backend,
    copy: (ResidentId, &str, Option<&str>),
    hm: &str,
    mut cursor: Option<String>,
    limit: u32,
) -> (Vec<String>, usize, String) {
    let (mut ids, mut requests) = (Vec::new(), 0);
    loop {
        let page = pull_into(b, copy, hm, cursor, limit);
        requests += 1;
        assert!(page.changes.len() <= limit as usize);
        ids.extend(page.changes.into_iter().map(|c| c.id));
        if !page.has_more {
            return (ids, requests, page.next_cursor);
        }
        cursor = Some(page.next_cursor);
    }
}

/// Every change of the patient, page after page, and the cursor at the end.
fn pull_all(b: &Backend, resident: ResidentId, hm: &str) -> (Vec<Change>, String) {
    let (mut changes, mut cursor) = (Vec::new(), None);
    loop {
        let page = pull(b, resident, hm, cursor, 1000);
        assert_eq!(page.reset, None);
        changes.extend(page.changes);
        cursor = Some(page.next_cursor);
        if !page.has_more {
            return (changes, cursor.unwrap());
        }
    }
}

fn status(r: &MutationResult) -> (MutationStatus, Option<u64>, Option<ErrorCode>) {
    (r.status, r.commit_seq, r.error)
}

/// Runs `f` in a write transaction and hands back what it returned.
fn in_tx<T>(
    b: &Backend,
    mut f: impl FnMut(&mut dyn techo_server::storage::RecordTx) -> Result<T, StorageError>,
) -> Result<T, StorageError> {
    let mut out = None;
    b.storage.write_transaction(&mut |tx| {
        out = Some(f(tx)?);
        Ok(())
    })?;
    Ok(out.expect("the transaction ran"))
}

// ---- accounts and tokens ----

fn residents_are_unique_by_hm_code(b: &Backend) {
    let a = resident(b, "34001234");
    let other = resident(b, "34005678");
    assert_ne!(a, other);
    assert!(matches!(b.storage.add_resident("34001234", "x", "1950-01-01", NOW), Err(StorageError::AlreadyExists)));
    let found = b.storage.resident_by_hm_code("34001234").unwrap().unwrap();
    assert_eq!((found.id, found.hm_code.as_str(), found.password_hash), (a, "34001234", None));
    assert!(b.storage.resident_by_hm_code("34009999").unwrap().is_none());
    assert_eq!(b.storage.patients_of(a).unwrap(), vec![(a, "34001234".to_owned())]);
}

fn activation_codes_are_single_use_expire_and_name_one_resident(b: &Backend) {
    let a = resident(b, "34001234");
    let other = resident(b, "34005678");
    b.storage.add_activation_code(a, "code-a", NOW + HOUR).unwrap();
    b.storage.add_activation_code(other, "code-b", NOW + HOUR).unwrap();
    let wrong = b.storage.activate("34001234", "code-b", "phc", NOW);
    assert!(matches!(wrong, Err(StorageError::NotFound)), "someone else's code");
    b.storage.activate("34001234", "code-a", "phc", NOW).unwrap();
    assert_eq!(b.storage.resident_by_hm_code("34001234").unwrap().unwrap().password_hash.as_deref(), Some("phc"));
    assert!(matches!(b.storage.activate("34001234", "code-a", "phc2", NOW), Err(StorageError::NotFound)), "used");
    let late = b.storage.activate("34005678", "code-b", "phc", NOW + HOUR);
    assert!(matches!(late, Err(StorageError::NotFound)), "expired");
    assert_eq!(b.storage.resident_by_hm_code("34005678").unwrap().unwrap().password_hash, None);
}

fn session<'a>(family: &'a str, token: &'a str) -> NewSession<'a> {
    NewSession { family_hash: family, refresh_hash: token, refresh_expires_at_ms: NOW + HOUR, access_expires_at: 99 }
}

fn presented<'a>(family: &'a str, seq: i64, token: &'a str) -> PresentedRefresh<'a> {
    PresentedRefresh { family_hash: family, seq, token_hash: token }
}

fn next(token: &str) -> NextRefresh<'_> {
    NextRefresh { refresh_hash: token, refresh_expires_at_ms: NOW + HOUR, access_expires_at: 100 }
}

const GRACE: i64 = 120_000;

fn devices_sign_in_and_out_and_sessions_end_for_good(b: &Backend) {
    let a = resident(b, "34001234");
    let other = resident(b, "34005678");
    assert!(!b.storage.session_live(a, "phone", 1).unwrap());
    let s1 = b.storage.sign_in_device(a, "phone", Some("Pixel"), &session("f1", "t1"), 20, NOW).unwrap();
    assert!(b.storage.session_live(a, "phone", s1).unwrap());
    assert!(!b.storage.session_live(other, "phone", s1).unwrap(), "a device is signed in for one resident");
    b.storage.sign_out_device(a, "phone").unwrap();
    assert!(!b.storage.session_live(a, "phone", s1).unwrap());
    let s2 = b.storage.sign_in_device(a, "phone", None, &session("f2", "t2"), 20, NOW).unwrap();
    assert!(s2 > s1);
    assert!(b.storage.session_live(a, "phone", s2).unwrap(), "signing in again");
    assert!(!b.storage.session_live(a, "phone", s1).unwrap(), "the session logout ended stays ended");
    // A new login revokes the device's earlier refresh tokens and session.
    let s3 = b.storage.sign_in_device(a, "phone", None, &session("f3", "t3"), 20, NOW).unwrap();
    assert!(!b.storage.session_live(a, "phone", s2).unwrap());
    assert_eq!(
        b.storage.refresh_session("phone", &presented("f2", 0, "t2"), &next("x"), GRACE, NOW).unwrap(),
        RefreshOutcome::Invalid
    );
    assert!(b.storage.session_live(a, "phone", s3).unwrap());
}

fn a_device_id_belongs_to_the_account_that_registered_it(b: &Backend) {
    let a = resident(b, "34001234");
    let taker = resident(b, "34005678");
    let sa = b.storage.sign_in_device(a, "phone", None, &session("fa", "ta"), 20, NOW).unwrap();
    let st = b.storage.sign_in_device(taker, "phone", None, &session("fb", "tb"), 20, NOW).unwrap();
    assert!(b.storage.session_live(a, "phone", sa).unwrap(), "the owner stays signed in");
    assert!(b.storage.session_live(taker, "phone", st).unwrap());
    b.storage.sign_out_device(taker, "phone").unwrap();
    assert!(b.storage.session_live(a, "phone", sa).unwrap(), "the other's logout is its own");
    assert_eq!(
        b.storage.refresh_session("phone", &presented("fa", 0, "ta"), &next("ta1"), GRACE, NOW).unwrap(),
        RefreshOutcome::Rotated { resident: a, session: sa, seq: 1 }
    );
}

fn devices_per_account_are_capped(b: &Backend) {
    let a = resident(b, "34001234");
    for n in 0..5 {
        let (f, t) = (format!("f{n}"), format!("t{n}"));
        b.storage.sign_in_device(a, &format!("d{n}"), None, &session(&f, &t), 3, NOW + n).unwrap();
    }
    assert_eq!(b.storage.devices_of(a).unwrap(), vec!["d2", "d3", "d4"], "the least recently seen go first");
}

fn refresh_tokens_rotate_and_a_reused_one_signs_the_device_out(b: &Backend) {
    let a = resident(b, "34001234");
    let s = b.storage.sign_in_device(a, "phone", None, &session("fam", "t0"), 20, NOW).unwrap();
    let use_ = |seq, token, next_token, at| {
        b.storage.refresh_session("phone", &presented("fam", seq, token), &next(next_token), GRACE, at).unwrap()
    };
    assert_eq!(use_(0, "nope", "x", NOW), RefreshOutcome::Reused, "a forged token of a live family");
    let s = b.storage.sign_in_device(a, "phone", None, &session("fam", "t0"), 20, NOW).unwrap().max(s);
    assert_eq!(
        b.storage.refresh_session("laptop", &presented("fam", 0, "t0"), &next("t1"), GRACE, NOW).unwrap(),
        RefreshOutcome::Invalid,
        "other device"
    );
    assert_eq!(
        b.storage.refresh_session("phone", &presented("unknown", 0, "t0"), &next("t1"), GRACE, NOW).unwrap(),
        RefreshOutcome::Invalid
    );
    assert_eq!(use_(0, "t0", "t1", NOW), RefreshOutcome::Rotated { resident: a, session: s, seq: 1 });
    // The answer was lost: the same token again within the grace gets the same answer, as often
    // as it comes, and changes nothing.
    for k in 1..4 {
        assert_eq!(
            use_(0, "t0", "t1", NOW + k * 1000),
            RefreshOutcome::Repeated { resident: a, session: s, seq: 1, access_expires_at: 100 }
        );
    }
    assert_eq!(use_(1, "t1", "t2", NOW + 5000), RefreshOutcome::Rotated { resident: a, session: s, seq: 2 });
    // t0 again after a later rotation: a copy is in someone else's hands.
    assert_eq!(use_(0, "t0", "t1", NOW + 6000), RefreshOutcome::Reused);
    assert!(!b.storage.session_live(a, "phone", s).unwrap());
    assert_eq!(use_(2, "t2", "t3", NOW + 7000), RefreshOutcome::Invalid, "every token of the device revoked");

    // Past the grace, the replaced token is reuse too.
    let s = b.storage.sign_in_device(a, "phone", None, &session("fam2", "u0"), 20, NOW).unwrap();
    let use2 = |seq, token, next_token, at| {
        b.storage.refresh_session("phone", &presented("fam2", seq, token), &next(next_token), GRACE, at).unwrap()
    };
    assert_eq!(use2(0, "u0", "u1", NOW), RefreshOutcome::Rotated { resident: a, session: s, seq: 1 });
    assert_eq!(use2(0, "u0", "u1", NOW + GRACE), RefreshOutcome::Reused);

    // Expired, and signed out.
    b.storage.sign_in_device(a, "phone", None, &session("fam3", "v0"), 20, NOW).unwrap();
    assert_eq!(
        b.storage.refresh_session("phone", &presented("fam3", 0, "v0"), &next("v1"), GRACE, NOW + HOUR).unwrap(),
        RefreshOutcome::Invalid,
        "expired"
    );
    b.storage.sign_in_device(a, "phone", None, &session("fam4", "w0"), 20, NOW).unwrap();
    b.storage.sign_out_device(a, "phone").unwrap();
    assert_eq!(
        b.storage.refresh_session("phone", &presented("fam4", 0, "w0"), &next("w1"), GRACE, NOW).unwrap(),
        RefreshOutcome::Invalid,
        "signed out"
    );
}

fn rule(key: &str, free: u32) -> ThrottleRule {
    ThrottleRule { key: key.into(), free, base_delay_ms: 1000, max_delay_ms: 4000, window_ms: HOUR }
}

fn login_attempts_are_reserved_and_delayed(b: &Backend) {
    let rules = [rule("pair", 2), rule("address", 100)];
    assert_eq!(b.storage.reserve_login_attempt(&rules, NOW).unwrap(), None);
    assert_eq!(b.storage.reserve_login_attempt(&rules, NOW).unwrap(), None);
    assert_eq!(b.storage.reserve_login_attempt(&rules, NOW).unwrap(), None, "the third is reserved, then delays");
    assert_eq!(b.storage.reserve_login_attempt(&rules, NOW).unwrap(), Some(1000));
    assert_eq!(b.storage.reserve_login_attempt(&rules, NOW + 1000).unwrap(), None);
    assert_eq!(b.storage.reserve_login_attempt(&rules, NOW + 1000).unwrap(), Some(2000), "growing");
    assert_eq!(b.storage.reserve_login_attempt(&rules, NOW + 3000).unwrap(), None);
    assert_eq!(b.storage.reserve_login_attempt(&rules, NOW + 3000).unwrap(), Some(4000));
    assert_eq!(b.storage.reserve_login_attempt(&rules, NOW + 7000).unwrap(), None);
    assert_eq!(b.storage.reserve_login_attempt(&rules, NOW + 7000).unwrap(), Some(4000), "capped");
    // Other keys are not delayed by this one.
    assert_eq!(b.storage.reserve_login_attempt(&[rule("other", 2), rule("address", 100)], NOW + 7000).unwrap(), None);
    // A success clears its own counter and refunds the others' reservation.
    b.storage.login_succeeded("pair", &["address"]).unwrap();
    assert_eq!(b.storage.reserve_login_attempt(&rules, NOW + 7000).unwrap(), None);
    // Failures are forgotten after the window.
    for _ in 0..3 {
        b.storage.reserve_login_attempt(&[rule("late", 2)], NOW).unwrap();
    }
    assert_eq!(b.storage.reserve_login_attempt(&[rule("late", 2)], NOW + 500).unwrap(), Some(500));
    assert_eq!(b.storage.reserve_login_attempt(&[rule("late", 2)], NOW + HOUR).unwrap(), None);
    assert_eq!(b.storage.reserve_login_attempt(&[rule("late", 2)], NOW + HOUR).unwrap(), None);
}

fn a_token_secret_from_before_is_handed_over_once(b: &Backend) {
    // Fresh stores never keep one.
    assert_eq!(b.storage.legacy_token_secret().unwrap(), None);
    b.storage.forget_legacy_token_secret().unwrap();
}

// ---- record primitives ----

fn primitives_see_their_own_writes(b: &Backend) {
    let a = resident(b, "34001234");
    let (entity, rid) = (Entity::parse("test_note"), id());
    let (v1, v2) = (note(&rid, "34001234", "one"), note(&rid, "34001234", "two"));
    let heads = in_tx(b, |tx| {
        assert_eq!(tx.head(a, &entity, &rid)?, None);
        let seq = tx.next_seq(a)?;
        let rec = NewRecord {
            entity: &entity,
            entity_id: &rid,
            version: seq,
            payload: &v1,
            payload_hash: "h1",
            deleted_at_ms: None,
            origin: Writer::Device { resident: a, device: "phone" },
            replica: None,
        };
        tx.insert(a, &rec)?;
        assert!(matches!(tx.insert(a, &rec), Err(StorageError::AlreadyExists)));
        let first = tx.head(a, &entity, &rid)?;
        let seq = tx.next_seq(a)?;
        tx.replace(a, &NewRecord { version: seq, payload: &v2, payload_hash: "h2", ..rec })?;
        let second = tx.head(a, &entity, &rid)?;
        let seq = tx.next_seq(a)?;
        tx.tombstone(a, &entity, &rid, seq, NOW, None)?;
        let third = tx.head(a, &entity, &rid)?;
        let missing = id();
        let elsewhere = NewRecord { entity_id: &missing, version: 9, ..rec };
        assert!(matches!(tx.replace(a, &elsewhere), Err(StorageError::NotFound)));
        assert!(matches!(tx.tombstone(a, &entity, &missing, 9, NOW, None), Err(StorageError::NotFound)));
        Ok((first, second, third))
    })
    .unwrap();
    let head = |version, deleted, hash: &str, payload: &serde_json::Value| {
        Some(Head { version, deleted, payload_hash: hash.into(), payload: payload.clone() })
    };
    assert_eq!(heads.0, head(1, false, "h1", &v1));
    assert_eq!(heads.1, head(2, false, "h2", &v2));
    assert_eq!(heads.2, head(3, true, "h2", &v2), "a tombstone keeps the last payload");
    let (changes, _) = pull_all(b, a, "34001234");
    assert_eq!(changes, vec![Change { entity, id: rid, version: 3, deleted: true, payload: v2 }]);
}

/// A push that comes back to the same records several times, mixing new and stored ones, with
/// a repeated mutation id: answered and stored as if its mutations came one by one (a backend
/// may read the batch ahead and write it at the end, but no answer may tell).
fn one_push_returning_to_its_records_is_answered_as_one_by_one(b: &Backend) {
    let a = resident(b, "34001234");
    let (old, x, y) = (id(), id(), id());
    push_one(b, a, "phone", mutation("test_note", Op::Create, &old, None, note(&old, "34001234", "old")));
    let create_x = mutation("test_note", Op::Create, &x, None, note(&x, "34001234", "x1"));
    let batch = vec![
        create_x.clone(),
        mutation("test_note", Op::Update, &x, Some(2), note(&x, "34001234", "x2")),
        mutation("test_note", Op::Update, &old, Some(1), note(&old, "34001234", "old2")),
        mutation("test_note", Op::Update, &x, Some(2), note(&x, "34001234", "stale")),
        create_x,
        mutation("test_note", Op::Delete, &old, None, tombstone(&old, "34001234")),
        mutation("test_note", Op::Delete, &y, None, tombstone(&y, "34001234")),
        mutation("test_note", Op::Create, &y, None, note(&y, "34001234", "late")),
    ];
    let results = push(b, a, "phone", batch.clone());
    let statuses: Vec<_> = results.iter().map(status).collect();
    assert_eq!(
        statuses,
        vec![
            (MutationStatus::Applied, Some(2), None),
            (MutationStatus::Applied, Some(3), None),
            (MutationStatus::Applied, Some(4), None),
            (MutationStatus::Conflict, None, None),
            (MutationStatus::Duplicate, Some(2), None),
            (MutationStatus::Applied, Some(5), None),
            (MutationStatus::Applied, Some(6), None),
            (MutationStatus::Applied, Some(6), None),
        ]
    );
    let theirs = results[3].server_record.as_ref().expect("the conflict carries the current state");
    assert_eq!(
        (theirs.version, &theirs.payload),
        (3, &note(&x, "34001234", "x2")),
        "the edit made earlier in the push"
    );

    let (changes, _) = pull_all(b, a, "34001234");
    let seen: Vec<_> = changes.iter().map(|c| (c.id.clone(), c.version, c.deleted)).collect();
    assert_eq!(seen, vec![(x.clone(), 3, false), (old.clone(), 5, true), (y.clone(), 6, true)]);
    assert_eq!(changes[1].payload, note(&old, "34001234", "old2"), "a tombstone keeps the last payload");
    let kept: Vec<_> =
        versions(b, a, "34001234", "test_note", &x).iter().map(|v| (v.version, v.payload.clone())).collect();
    assert_eq!(kept, vec![(2, note(&x, "34001234", "x1")), (3, note(&x, "34001234", "x2"))]);

    // The whole push again: every answer from the ledger, nothing written.
    let again: Vec<_> = push(b, a, "phone", batch).iter().map(status).collect();
    let replayed: Vec<_> = statuses
        .iter()
        .map(|s| match s {
            (MutationStatus::Applied, seq, e) => (MutationStatus::Duplicate, *seq, *e),
            other => *other,
        })
        .collect();
    assert_eq!(again, replayed);
    assert_eq!(pull_all(b, a, "34001234").0, changes);
}

fn a_failed_transaction_leaves_nothing_and_no_gap(b: &Backend) {
    let a = resident(b, "34001234");
    let other = resident(b, "34005678");
    let (entity, rid) = (Entity::parse("test_note"), id());
    let payload = note(&rid, "34001234", "x");
    let failed = in_tx(b, |tx| -> Result<(), StorageError> {
        let seq = tx.next_seq(a)?;
        tx.insert(
            a,
            &NewRecord {
                entity: &entity,
                entity_id: &rid,
                version: seq,
                payload: &payload,
                payload_hash: "h",
                deleted_at_ms: None,
                origin: Writer::Device { resident: a, device: "phone" },
                replica: None,
            },
        )?;
        tx.add_ledger_entry(
            Writer::Device { resident: a, device: "phone" },
            "m1",
            &LedgerEntry { request_hash: "q".into(), result: applied("m1", seq) },
            NOW,
        )?;
        Err(StorageError::Unavailable("injected".into()))
    });
    assert!(matches!(failed, Err(StorageError::Unavailable(_))));
    let after = in_tx(b, |tx| {
        Ok((
            tx.head(a, &entity, &rid)?,
            tx.ledger_entry(Writer::Device { resident: a, device: "phone" }, "m1")?,
            tx.next_seq(a)?,
        ))
    })
    .unwrap();
    assert_eq!(after, (None, None, 1), "rolled back, sequence number reused");
    // Sequences are per patient.
    let seqs = in_tx(b, |tx| Ok((tx.next_seq(a)?, tx.next_seq(other)?, tx.next_seq(a)?))).unwrap();
    assert_eq!(seqs, (2, 1, 3));
}

fn applied(mutation_id: &str, seq: u64) -> MutationResult {
    MutationResult {
        mutation_id: mutation_id.into(),
        status: MutationStatus::Applied,
        commit_seq: Some(seq),
        error: None,
        server_record: None,
    }
}

fn ledgers_keep_devices_and_sources_apart(b: &Backend) {
    let mut conflicted = applied("k", 4);
    conflicted.status = MutationStatus::Conflict;
    conflicted.commit_seq = None;
    conflicted.server_record = Some(Change {
        entity: Entity::parse("test_note"),
        id: "n".into(),
        version: 4,
        deleted: false,
        payload: serde_json::json!({"title": "今"}),
    });
    let entry = LedgerEntry { request_hash: "q".into(), result: conflicted };
    let device = Writer::Device { resident: 1, device: "pharmacy-1" };
    let seen = in_tx(b, |tx| {
        tx.add_ledger_entry(device, "k", &entry, NOW)?;
        Ok((
            tx.ledger_entry(device, "k")?,
            tx.ledger_entry(Writer::Source("pharmacy-1"), "k")?,
            tx.ledger_entry(device, "other")?,
            // The same device id and key in another account is another ledger entry.
            tx.ledger_entry(Writer::Device { resident: 2, device: "pharmacy-1" }, "k")?,
        ))
    })
    .unwrap();
    assert_eq!(seen, (Some(entry.clone()), None, None, None));
    let dup = in_tx(b, |tx| tx.add_ledger_entry(device, "k", &entry, NOW));
    assert!(dup.is_err(), "a ledger key is written once");
}

// ---- sync rules over the primitives ----

fn a_replay_gets_the_first_result(b: &Backend) {
    let a = resident(b, "34001234");
    let rid = id();
    let m = mutation("vital", Op::Create, &rid, None, bp(&rid, "34001234", 120));
    assert_eq!(status(&push_one(b, a, "phone", m.clone())), (MutationStatus::Applied, Some(1), None));
    assert_eq!(status(&push_one(b, a, "phone", m.clone())), (MutationStatus::Duplicate, Some(1), None));
    // Refusals are replayed as recorded, too.
    let bad = mutation("vital", Op::Create, &id(), None, bp(&rid, "34001234", 120));
    assert_eq!(push_one(b, a, "phone", bad.clone()).error, Some(ErrorCode::InvalidPayload));
    assert_eq!(push_one(b, a, "phone", bad).error, Some(ErrorCode::InvalidPayload));
    assert_eq!(pull_all(b, a, "34001234").0.len(), 1);
}

fn a_reused_mutation_id_with_another_request_is_refused(b: &Backend) {
    let a = resident(b, "34001234");
    let rid = id();
    let m = mutation("vital", Op::Create, &rid, None, bp(&rid, "34001234", 120));
    push_one(b, a, "phone", m.clone());
    let other = Mutation { payload: bp(&rid, "34001234", 150), ..m.clone() };
    assert_eq!(
        status(&push_one(b, a, "phone", other)),
        (MutationStatus::Rejected, None, Some(ErrorCode::IdempotencyConflict))
    );
    assert_eq!(
        status(&push_one(b, a, "phone", m.clone())),
        (MutationStatus::Duplicate, Some(1), None),
        "first result kept"
    );
    // The same id from another device is another mutation.
    let elsewhere = Mutation { payload: bp(&rid, "34001234", 150), ..m };
    assert_eq!(push_one(b, a, "tablet", elsewhere).error, Some(ErrorCode::ConflictingRecord));
    let changes = pull_all(b, a, "34001234").0;
    assert_eq!(changes[0].payload, bp(&rid, "34001234", 120));
}

fn a_repeated_create_is_success_and_a_different_one_a_conflict(b: &Backend) {
    let a = resident(b, "34001234");
    let rid = id();
    push_one(b, a, "phone", mutation("vital", Op::Create, &rid, None, bp(&rid, "34001234", 120)));
    let relayed = push_one(b, a, "tablet", mutation("vital", Op::Create, &rid, None, bp(&rid, "34001234", 120)));
    assert_eq!(status(&relayed), (MutationStatus::Applied, Some(1), None), "no new version");
    let different = push_one(b, a, "tablet", mutation("vital", Op::Create, &rid, None, bp(&rid, "34001234", 121)));
    assert_eq!(status(&different), (MutationStatus::Rejected, None, Some(ErrorCode::ConflictingRecord)));
    assert_eq!(pull_all(b, a, "34001234").0.len(), 1);
}

fn deleting_what_was_never_seen_leaves_a_tombstone(b: &Backend) {
    let a = resident(b, "34001234");
    let rid = id();
    let del = push_one(b, a, "phone", mutation("vital", Op::Delete, &rid, None, tombstone(&rid, "34001234")));
    assert_eq!(status(&del), (MutationStatus::Applied, Some(1), None));
    // The create arriving late does not bring it back.
    let late = push_one(b, a, "tablet", mutation("vital", Op::Create, &rid, None, bp(&rid, "34001234", 120)));
    assert_eq!(status(&late), (MutationStatus::Applied, Some(1), None));
    let again = push_one(b, a, "tablet", mutation("vital", Op::Delete, &rid, None, tombstone(&rid, "34001234")));
    assert_eq!(status(&again), (MutationStatus::Applied, Some(1), None), "already deleted");
    let changes = pull_all(b, a, "34001234").0;
    assert_eq!((changes.len(), changes[0].deleted, changes[0].version), (1, true, 1));

    // A live record's deletion is a new version.
    let live = id();
    push_one(b, a, "phone", mutation("vital", Op::Create, &live, None, bp(&live, "34001234", 120)));
    let del = push_one(b, a, "phone", mutation("vital", Op::Delete, &live, None, tombstone(&live, "34001234")));
    assert_eq!(status(&del), (MutationStatus::Applied, Some(3), None));
}

fn updates_are_compare_and_swap_on_the_version(b: &Backend) {
    let a = resident(b, "34001234");
    let rid = id();
    let created = push_one(b, a, "phone", mutation("test_note", Op::Create, &rid, None, note(&rid, "34001234", "v1")));
    assert_eq!(created.commit_seq, Some(1));
    let edit = mutation("test_note", Op::Update, &rid, Some(1), note(&rid, "34001234", "v2"));
    assert_eq!(status(&push_one(b, a, "phone", edit)), (MutationStatus::Applied, Some(2), None));

    let stale = mutation("test_note", Op::Update, &rid, Some(1), note(&rid, "34001234", "v2 elsewhere"));
    let conflict = push_one(b, a, "tablet", stale.clone());
    let current = Change {
        entity: Entity::parse("test_note"),
        id: rid.clone(),
        version: 2,
        deleted: false,
        payload: note(&rid, "34001234", "v2"),
    };
    assert_eq!(
        (conflict.status, conflict.commit_seq, &conflict.server_record),
        (MutationStatus::Conflict, None, &Some(current.clone()))
    );
    // A replay gets the same answer, even after the record moved on.
    let merged = mutation("test_note", Op::Update, &rid, Some(2), note(&rid, "34001234", "v3 merged"));
    assert_eq!(push_one(b, a, "tablet", merged).commit_seq, Some(3));
    let replay = push_one(b, a, "tablet", stale);
    assert_eq!((replay.status, replay.server_record), (MutationStatus::Conflict, Some(current)));

    let unknown = id();
    let missing =
        push_one(b, a, "phone", mutation("test_note", Op::Update, &unknown, Some(1), note(&unknown, "34001234", "x")));
    assert_eq!(status(&missing), (MutationStatus::Rejected, None, Some(ErrorCode::NotFound)));
    let no_base = push_one(b, a, "phone", mutation("test_note", Op::Update, &rid, None, note(&rid, "34001234", "x")));
    assert_eq!(no_base.error, Some(ErrorCode::InvalidPayload));

    push_one(b, a, "phone", mutation("test_note", Op::Delete, &rid, None, tombstone(&rid, "34001234")));
    let after_delete =
        push_one(b, a, "tablet", mutation("test_note", Op::Update, &rid, Some(4), note(&rid, "34001234", "x")));
    assert_eq!(after_delete.status, MutationStatus::Conflict);
    assert_eq!(after_delete.server_record.map(|c| (c.version, c.deleted)), Some((4, true)));
    // Vitals are append-only: no update at all.
    let vital = id();
    push_one(b, a, "phone", mutation("vital", Op::Create, &vital, None, bp(&vital, "34001234", 120)));
    let upd = push_one(b, a, "phone", mutation("vital", Op::Update, &vital, Some(5), bp(&vital, "34001234", 121)));
    assert_eq!(upd.error, Some(ErrorCode::UnsupportedEntity));
}

fn another_patients_records_answer_as_missing(b: &Backend) {
    let a = resident(b, "34001234");
    resident(b, "34005678");
    let rid = id();
    let theirs = push_one(b, a, "phone", mutation("vital", Op::Create, &rid, None, bp(&rid, "34005678", 120)));
    assert_eq!(theirs.error, Some(ErrorCode::NotFound));
    let q = PullQuery { patient: "34005678".into(), cursor: None, limit: None, replica: None };
    let err = sync_service::pull(b.storage.as_ref(), &Limits::default(), a, "phone", &q).unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound);
}

// ---- pull ----

fn pulls_follow_the_sequence_in_pages(b: &Backend) {
    let a = resident(b, "34001234");
    let other = resident(b, "34005678");
    let ids: Vec<String> = (0..5).map(|_| id()).collect();
    let mut batch: Vec<Mutation> =
        ids.iter().map(|i| mutation("vital", Op::Create, i, None, bp(i, "34001234", 120))).collect();
    batch.push(mutation("vital", Op::Delete, &ids[0], None, tombstone(&ids[0], "34001234")));
    let results = push(b, a, "phone", batch);
    assert_eq!(results.iter().map(|r| r.commit_seq.unwrap()).collect::<Vec<_>>(), vec![1, 2, 3, 4, 5, 6]);
    let theirs = id();
    push_one(b, other, "their-phone", mutation("vital", Op::Create, &theirs, None, bp(&theirs, "34005678", 120)));

    let (mut seen, mut cursor, mut pages) = (Vec::new(), None, 0);
    loop {
        let page = pull(b, a, "34001234", cursor, 2);
        assert!(page.changes.len() <= 2);
        pages += 1;
        seen.extend(page.changes);
        cursor = Some(page.next_cursor);
        if !page.has_more {
            break;
        }
    }
    assert!(pages >= 3);
    let versions: Vec<u64> = seen.iter().map(|c| c.version).collect();
    assert_eq!(versions, vec![2, 3, 4, 5, 6], "in order, each entity once, at its last change");
    assert_eq!(seen.last().map(|c| (c.id.as_str(), c.deleted)), Some((ids[0].as_str(), true)));
    // Nothing new: an empty page with the same position.
    let end = pull(b, a, "34001234", cursor.clone(), 2);
    assert_eq!((end.changes.len(), end.has_more, Some(end.next_cursor)), (0, false, cursor));
    let (theirs_seen, _) = pull_all(b, other, "34005678");
    assert_eq!(theirs_seen.iter().map(|c| c.version).collect::<Vec<_>>(), vec![1], "their own sequence");
}

fn collected_tombstones_raise_the_floor(b: &Backend) {
    let a = resident(b, "34001234");
    let (keep, gone) = (id(), id());
    push(
        b,
        a,
        "phone",
        vec![
            mutation("vital", Op::Create, &keep, None, bp(&keep, "34001234", 120)),
            mutation("vital", Op::Create, &gone, None, bp(&gone, "34001234", 121)),
        ],
    );
    let (_, early_cursor) = pull_all(b, a, "34001234");
    let first = pull(b, a, "34001234", None, 1).next_cursor;
    push_one(b, a, "phone", mutation("vital", Op::Delete, &gone, None, tombstone(&gone, "34001234")));
    let (_, current_cursor) = pull_all(b, a, "34001234");

    let now = chrono::Utc::now().timestamp_millis();
    assert_eq!(b.storage.collect_tombstones(now - HOUR).unwrap(), 0, "young tombstones stay");
    assert_eq!(b.storage.collect_tombstones(now + HOUR).unwrap(), 1);
    assert_eq!(b.storage.collect_tombstones(now + HOUR).unwrap(), 0);

    for stale in [first, early_cursor] {
        let page = pull(b, a, "34001234", Some(stale), 10);
        assert_eq!((page.reset, page.reset_reason), (Some(Reset::MustRefetch), Some(ResetReason::Expired)));
    }
    let page = pull(b, a, "34001234", Some(current_cursor), 10);
    assert_eq!((page.reset, page.changes.len()), (None, 0), "a cursor past the floor continues");
    let (all, _) = pull_all(b, a, "34001234");
    assert_eq!(all.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), vec![keep.as_str()]);
}

fn versions(b: &Backend, resident: ResidentId, hm: &str, entity: &str, rid: &str) -> Vec<RecordVersion> {
    let q = VersionsQuery { patient: hm.into(), entity: Entity::parse(entity), id: rid.into() };
    sync_service::versions(b.storage.as_ref(), resident, &q).unwrap().versions
}

/// An edited document keeps every version it was written at, with the account whose device
/// wrote it and when; a refused edit is no version; an append-only record keeps none beyond its
/// state.
fn edited_documents_keep_every_version_with_its_writer(b: &Backend) {
    let a = resident(b, "34001234");
    let rid = id();
    push_one(b, a, "phone", mutation("test_note", Op::Create, &rid, None, note(&rid, "34001234", "v1")));
    push_one(b, a, "tablet", mutation("test_note", Op::Update, &rid, Some(1), note(&rid, "34001234", "v2")));
    let stale = push_one(b, a, "phone", mutation("test_note", Op::Update, &rid, Some(1), note(&rid, "34001234", "x")));
    assert_eq!(stale.status, MutationStatus::Conflict);
    push_one(b, a, "phone", mutation("test_note", Op::Delete, &rid, None, tombstone(&rid, "34001234")));

    let kept = versions(b, a, "34001234", "test_note", &rid);
    let summary: Vec<_> = kept
        .iter()
        .map(|v| (v.version, v.deleted, v.payload["title"].as_str(), v.account.as_deref(), v.source.as_deref()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (1, false, Some("v1"), Some("34001234"), None),
            (2, false, Some("v2"), Some("34001234"), None),
            (3, true, None, Some("34001234"), None),
        ]
    );
    assert!(kept.iter().all(|v| v.written_at.as_deref().is_some_and(|t| t.ends_with('Z'))));

    let stranger = resident(b, "34009999");
    let q = VersionsQuery { patient: "34001234".into(), entity: Entity::parse("test_note"), id: rid.clone() };
    assert!(sync_service::versions(b.storage.as_ref(), stranger, &q).is_err(), "not a patient it may read");

    let vital = id();
    push_one(b, a, "phone", mutation("vital", Op::Create, &vital, None, bp(&vital, "34001234", 120)));
    let only = versions(b, a, "34001234", "vital", &vital);
    assert_eq!(only.iter().map(|v| (v.version, v.written_at.is_none())).collect::<Vec<_>>(), vec![(4, true)]);
    let q = VersionsQuery { patient: "34001234".into(), entity: Entity::parse("test_note"), id: id() };
    assert!(sync_service::versions(b.storage.as_ref(), a, &q).is_err(), "no such document");

    // Retention forgets a deleted document's versions with it.
    let now = chrono::Utc::now().timestamp_millis();
    assert_eq!(b.storage.collect_tombstones(now + HOUR).unwrap(), 1);
    assert!(b.storage.versions(a, &Entity::parse("test_note"), &rid).unwrap().is_empty());
}

fn an_epoch_bump_voids_every_cursor(b: &Backend) {
    let a = resident(b, "34001234");
    let rid = id();
    push_one(b, a, "phone", mutation("vital", Op::Create, &rid, None, bp(&rid, "34001234", 120)));
    let (_, cursor) = pull_all(b, a, "34001234");
    let before = b.storage.epoch().unwrap();
    assert_eq!(b.storage.epoch().unwrap(), before, "stable until bumped");
    let after = b.storage.bump_epoch().unwrap();
    assert_ne!(after, before);
    assert_eq!(b.storage.epoch().unwrap(), after);
    let page = pull(b, a, "34001234", Some(cursor), 10);
    assert_eq!((page.reset, page.reset_reason), (Some(Reset::MustRefetch), Some(ResetReason::Restored)));
    assert_eq!(pull_all(b, a, "34001234").0.len(), 1, "a full download still has everything");
}

/// A copy is not sent the records whose latest change it wrote itself; a record someone else
/// changed afterwards comes as usual, and the cursor moves past what is left out in one page.
fn a_copy_is_not_sent_its_own_latest_writes(b: &Backend) {
    let a = resident(b, "34001234");
    let hm = "34001234";
    let phone = (a, "phone", Some("copy-1"));
    let mine: Vec<String> = (0..30).map(|_| id()).collect();
    let batch = mine.iter().map(|i| mutation("vital", Op::Create, i, None, bp(i, hm, 120))).collect();
    assert!(push_from(b, a, "phone", phone.2, batch).iter().all(|r| r.status == MutationStatus::Applied));
    // Thirty of its own writes and nothing else: one request, no changes, the cursor at the end.
    let (got, requests, cursor) = ids_pulled_into(b, phone, hm, None, 5);
    assert_eq!((got.len(), requests), (0, 1));
    assert_eq!(pull(b, a, hm, Some(cursor.clone()), 5).changes.len(), 0, "the cursor moved past them");

    // Written by the phone, then changed by the tablet (an edit, a deletion): sent to the phone.
    let (edited, deleted, theirs) = (id(), id(), id());
    let note_v1 = mutation("test_note", Op::Create, &edited, None, note(&edited, hm, "v1"));
    let vital = mutation("vital", Op::Create, &deleted, None, bp(&deleted, hm, 130));
    let made = push_from(b, a, "phone", phone.2, vec![note_v1, vital]);
    let note_v2 = mutation("test_note", Op::Update, &edited, made[0].commit_seq, note(&edited, hm, "v2"));
    let gone = mutation("vital", Op::Delete, &deleted, None, tombstone(&deleted, hm));
    let other = mutation("vital", Op::Create, &theirs, None, bp(&theirs, hm, 125));
    push_from(b, a, "tablet", Some("copy-2"), vec![note_v2, gone, other]);
    // Written by the tablet and pharmacy, then changed by the phone: the phone's own again.
    let taken = id();
    let pharmacy = Mutation {
        mutation_id: "rx-1".into(),
        ..mutation("test_note", Op::Create, &taken, None, note(&taken, hm, "rx"))
    };
    let seq = ingest(b, "pharmacy-1", vec![pharmacy])[0].commit_seq;
    let phone_edit = mutation("test_note", Op::Update, &taken, seq, note(&taken, hm, "phone's"));
    assert_eq!(push_from(b, a, "phone", phone.2, vec![phone_edit])[0].status, MutationStatus::Applied);
    let (got, _, cursor) = ids_pulled_into(b, phone, hm, Some(cursor), 2);
    assert_eq!(got, vec![edited.clone(), deleted.clone(), theirs.clone()], "other writers' latest changes, in order");
    let last = pull(b, a, hm, Some(cursor), 5);
    assert_eq!((last.changes.len(), last.has_more), (0, false));

    // Pages stay full and `has_more` right across what is left out.
    let more: Vec<String> = (0..3).map(|_| id()).collect();
    for (n, i) in more.iter().enumerate() {
        let own = (0..4).map(|_| id()).map(|j| mutation("vital", Op::Create, &j, None, bp(&j, hm, 110))).collect();
        push_from(b, a, "phone", phone.2, own);
        push_from(
            b,
            a,
            "tablet",
            Some("copy-2"),
            vec![mutation("vital", Op::Create, i, None, bp(i, hm, 100 + n as u32))],
        );
    }
    let first = pull_into(b, phone, hm, Some(last.next_cursor.clone()), 2);
    assert_eq!(
        (first.changes.iter().map(|c| &c.id).collect::<Vec<_>>(), first.has_more),
        (vec![&more[0], &more[1]], true)
    );
    let second = pull_into(b, phone, hm, Some(first.next_cursor), 2);
    assert_eq!((second.changes.iter().map(|c| &c.id).collect::<Vec<_>>(), second.has_more), (vec![&more[2]], false));

    // Everything for a copy that may not hold them: a new replica (a reset, a re-added person),
    // the same replica id from another device, an app that sends none.
    let everything = 30 + 2 + 1 + 1 + 12 + 3;
    for copy in [(a, "phone", Some("copy-1b")), (a, "phone-2", phone.2), (a, "phone", None)] {
        let (got, _, _) = ids_pulled_into(b, copy, hm, None, 500);
        assert_eq!(got.len(), everything, "{copy:?}");
    }
    let (got, _, _) = ids_pulled_into(b, phone, hm, None, 500);
    assert_eq!(got, vec![edited, deleted, theirs, more[0].clone(), more[1].clone(), more[2].clone()]);
}

// ---- ingest ----

fn ingest(b: &Backend, source: &str, records: Vec<Mutation>) -> Vec<MutationResult> {
    sync_service::ingest(b.storage.as_ref(), &support::families(), source, records).unwrap()
}

fn ingest_is_checked_idempotent_per_source_and_pulled_like_any_change(b: &Backend) {
    let a = resident(b, "34001234");
    let rid = id();
    let rec = Mutation {
        mutation_id: "rx-0001".into(),
        ..mutation("vital", Op::Create, &rid, None, bp(&rid, "34001234", 120))
    };
    assert_eq!(status(&ingest(b, "pharmacy-1", vec![rec.clone()])[0]), (MutationStatus::Applied, Some(1), None));
    assert_eq!(status(&ingest(b, "pharmacy-1", vec![rec.clone()])[0]), (MutationStatus::Duplicate, Some(1), None));
    let changed = Mutation { payload: bp(&rid, "34001234", 130), ..rec.clone() };
    assert_eq!(ingest(b, "pharmacy-1", vec![changed])[0].error, Some(ErrorCode::IdempotencyConflict));
    // Another source's key, or a device's mutation id, is not this source's.
    let other = ingest(b, "pharmacy-2", vec![rec.clone()]);
    assert_eq!(status(&other[0]), (MutationStatus::Applied, Some(1), None), "same record: success, no new version");
    let from_device = push_one(
        b,
        a,
        "pharmacy-1",
        Mutation {
            mutation_id: "rx-0001".into(),
            ..mutation("vital", Op::Create, &rid, None, bp(&rid, "34001234", 120))
        },
    );
    assert_eq!(from_device.status, MutationStatus::Applied, "a fresh result, not the source's replayed");

    let unknown = id();
    let refused = ingest(
        b,
        "pharmacy-1",
        vec![
            Mutation {
                mutation_id: "rx-0002".into(),
                ..mutation("vital", Op::Create, &unknown, None, bp(&unknown, "34009999", 120))
            },
            Mutation {
                mutation_id: "rx-0003".into(),
                ..mutation("vital", Op::Create, &unknown, None, bp(&rid, "34001234", 120))
            },
            Mutation {
                mutation_id: "rx-0004".into(),
                ..mutation("future_family", Op::Create, &unknown, None, serde_json::json!({}))
            },
        ],
    );
    let codes: Vec<_> = refused.iter().map(|r| r.error).collect();
    assert_eq!(
        codes,
        vec![Some(ErrorCode::NotFound), Some(ErrorCode::InvalidPayload), Some(ErrorCode::UnsupportedEntity)]
    );

    let (changes, _) = pull_all(b, a, "34001234");
    assert_eq!(
        changes,
        vec![Change {
            entity: Entity::Vital,
            id: rid.clone(),
            version: 1,
            deleted: false,
            payload: bp(&rid, "34001234", 120)
        }]
    );

    let bad_source = sync_service::ingest(b.storage.as_ref(), &support::families(), "", vec![rec]);
    assert!(bad_source.is_err());
}

fn institutions_are_unique_by_code_and_keep_what_they_sent(b: &Backend) {
    let s = b.storage.as_ref();
    let id = s.add_institution("3441234567", "テスト薬局", "hash-1", NOW).unwrap();
    assert!(matches!(s.add_institution("3441234567", "別名", "hash-2", NOW), Err(StorageError::AlreadyExists)));
    let found = s.institution_by_code("3441234567").unwrap().unwrap();
    assert_eq!(
        (found.id, found.name.as_str(), found.secret_hash.as_str(), found.disabled),
        (id, "テスト薬局", "hash-1", false)
    );
    assert!(s.institution_by_code("3440000000").unwrap().is_none());
    let patient = resident(b, "34001234");
    let other = resident(b, "34005678");
    s.record_submission(id, patient, b"JAHISTC08,1\r\n", 0, NOW).unwrap();
    s.record_submission(id, patient, &[0x82, 0xa0], 1, NOW + 1).unwrap();
    assert_eq!(s.submissions_for(patient).unwrap(), vec![(id, b"JAHISTC08,1\r\n".to_vec()), (id, vec![0x82, 0xa0])]);
    assert!(s.submissions_for(other).unwrap().is_empty());
}

// ---- blobs ----

fn new_upload<'a>(id: &'a str, account: ResidentId, patient: ResidentId, sha: &'a str, size: u64) -> NewUpload<'a> {
    NewUpload { id, account, patient, sha256: sha, size, mime: "image/jpeg" }
}

fn upload_id(n: u8) -> String {
    format!("{n:032x}")
}

fn uploads_resume_per_account_and_complete_once(b: &Backend) {
    let s = b.storage.as_ref();
    let (a, other) = (resident(b, "34001234"), resident(b, "34005678"));
    let sha = "ab".repeat(32);
    let Begun::Created(up) = s.begin_upload(&new_upload(&upload_id(1), a, a, &sha, 10), 1000, NOW).unwrap() else {
        panic!("a new upload")
    };
    assert_eq!((up.id.as_str(), up.offset, up.size), (upload_id(1).as_str(), 0, 10));
    // The same blob again: the same upload, whatever id was offered.
    assert_eq!(
        s.begin_upload(&new_upload(&upload_id(2), a, a, &sha, 10), 1000, NOW).unwrap(),
        Begun::Resumed(up.clone())
    );
    assert!(s.upload(other, &up.id).unwrap().is_none(), "another account's upload is unknown to it");
    assert!(s.set_upload_offset(&up.id, 0, 4, NOW).unwrap());
    assert!(!s.set_upload_offset(&up.id, 0, 8, NOW).unwrap(), "only from the offset stored");
    assert_eq!(s.upload(a, &up.id).unwrap().unwrap().offset, 4);
    let blob = s.complete_upload(&up.id, NOW).unwrap();
    assert_eq!(
        (blob.patient, blob.sha256.as_str(), blob.size, blob.mime.as_str(), blob.uploaded_by),
        (a, sha.as_str(), 10, "image/jpeg", a)
    );
    assert!(s.upload(a, &up.id).unwrap().is_none());
    assert!(matches!(s.complete_upload(&up.id, NOW), Err(StorageError::NotFound)), "completed once");
    assert_eq!(s.blob(a, &sha).unwrap(), Some(blob.clone()));
    assert_eq!(s.blob(other, &sha).unwrap(), None, "blobs are per patient");
    assert_eq!(s.begin_upload(&new_upload(&upload_id(3), a, a, &sha, 10), 1000, NOW).unwrap(), Begun::Stored(blob));
    // The same bytes for another patient are that patient's own upload.
    assert!(matches!(
        s.begin_upload(&new_upload(&upload_id(4), other, other, &sha, 10), 1000, NOW).unwrap(),
        Begun::Created(_)
    ));
}

fn the_quota_counts_blobs_and_uploads_in_progress(b: &Backend) {
    let s = b.storage.as_ref();
    let (a, other) = (resident(b, "34001234"), resident(b, "34005678"));
    let (x, y, z) = ("01".repeat(32), "02".repeat(32), "03".repeat(32));
    let Begun::Created(first) = s.begin_upload(&new_upload(&upload_id(1), a, a, &x, 60), 100, NOW).unwrap() else {
        panic!("within the quota")
    };
    s.complete_upload(&first.id, NOW).unwrap();
    assert_eq!(s.begin_upload(&new_upload(&upload_id(2), a, a, &y, 41), 100, NOW).unwrap(), Begun::OverQuota);
    assert!(matches!(s.begin_upload(&new_upload(&upload_id(3), a, a, &y, 40), 100, NOW).unwrap(), Begun::Created(_)));
    assert_eq!(s.storage_used(a).unwrap(), 100);
    assert_eq!(s.begin_upload(&new_upload(&upload_id(4), a, a, &z, 1), 100, NOW).unwrap(), Begun::OverQuota);
    assert_eq!(s.storage_used(other).unwrap(), 0, "each account has its own");
    s.discard_upload(&upload_id(3)).unwrap();
    assert_eq!(s.storage_used(a).unwrap(), 60, "a discarded upload frees its share");
}

fn stale_uploads_expire_and_fresh_ones_stay(b: &Backend) {
    let s = b.storage.as_ref();
    let a = resident(b, "34001234");
    for (n, at) in [(1u8, NOW - 30 * HOUR), (2, NOW - 25 * HOUR), (3, NOW)] {
        let sha = format!("{n:064x}");
        s.begin_upload(&new_upload(&upload_id(n), a, a, &sha, 5), 1000, at).unwrap();
    }
    // A chunk keeps an old upload alive.
    assert!(s.set_upload_offset(&upload_id(2), 0, 1, NOW).unwrap());
    let cutoff = NOW - 24 * HOUR;
    assert_eq!(s.stale_uploads(cutoff).unwrap(), vec![upload_id(1)]);
    assert!(!s.expire_upload(&upload_id(2), cutoff).unwrap(), "written to since");
    assert!(s.expire_upload(&upload_id(1), cutoff).unwrap());
    assert!(!s.expire_upload(&upload_id(1), cutoff).unwrap(), "gone already");
    assert!(s.upload(a, &upload_id(1)).unwrap().is_none());
    assert!(s.upload(a, &upload_id(2)).unwrap().is_some() && s.upload(a, &upload_id(3)).unwrap().is_some());
}

fn blob_files_write_at_offsets_cut_surplus_and_promote_whole(b: &Backend) {
    let f = b.storage.blob_files();
    let id = upload_id(7);
    assert_eq!(f.part_len(&id).unwrap(), 0);
    f.write_part(&id, 0, b"hello ").unwrap();
    f.write_part(&id, 6, b"wxyz").unwrap();
    assert_eq!(f.part_len(&id).unwrap(), 10);
    // What a crash leaves past the durable offset goes.
    f.truncate_part(&id, 6).unwrap();
    assert_eq!(f.part_len(&id).unwrap(), 6);
    assert!(f.write_part(&id, 8, b"gap").is_err(), "no gap of bytes never sent");
    f.write_part(&id, 6, b"world").unwrap();
    let sha = techo_server::storage::sha256_hex(b"hello world");
    assert_eq!(f.part_sha256(&id).unwrap(), sha);
    assert_eq!(f.blob_len(&sha).unwrap(), None);
    f.promote(&id, &sha).unwrap();
    assert_eq!(f.part_len(&id).unwrap(), 0, "the part became the blob");
    assert_eq!(f.blob_len(&sha).unwrap(), Some(11));
    assert_eq!(f.read_blob(&sha).unwrap(), b"hello world");
    f.remove_part(&id).unwrap();
    // Names are checked here too: nothing else ever becomes a path.
    for bad in ["../server.db", "", "ABCDEF0123456789ABCDEF0123456789", "x/y"] {
        assert!(f.part_len(bad).is_err() && f.write_part(bad, 0, b"x").is_err(), "{bad}");
        assert!(f.read_blob(bad).is_err(), "{bad}");
    }
}

fn uploads_and_blobs_are_found_by_id_and_by_name(b: &Backend) {
    let s = b.storage.as_ref();
    let (a, other) = (resident(b, "34001234"), resident(b, "34005678"));
    let (stored, pending, unknown) = ("0a".repeat(32), "0b".repeat(32), "0c".repeat(32));
    s.begin_upload(&new_upload(&upload_id(1), a, a, &stored, 5), 1000, NOW).unwrap();
    s.complete_upload(&upload_id(1), NOW).unwrap();
    s.begin_upload(&new_upload(&upload_id(2), other, other, &pending, 5), 1000, NOW).unwrap();
    assert!(s.upload_exists(&upload_id(2)).unwrap(), "whoever's it is");
    assert!(!s.upload_exists(&upload_id(1)).unwrap(), "completed");
    assert!(!s.upload_exists(&upload_id(3)).unwrap());
    assert!(s.blob_named(&stored).unwrap() && s.blob_named(&pending).unwrap());
    assert!(!s.blob_named(&unknown).unwrap());
    s.discard_upload(&upload_id(2)).unwrap();
    assert!(!s.blob_named(&pending).unwrap());
}

fn blob_files_are_listed_and_removed(b: &Backend) {
    let f = b.storage.blob_files();
    assert!(f.part_ids().unwrap().is_empty() && f.stored_blobs().unwrap().is_empty(), "nothing yet");
    let before = std::time::SystemTime::now() - std::time::Duration::from_secs(1);
    for n in [1, 2] {
        f.write_part(&upload_id(n), 0, &[n; 3]).unwrap();
    }
    let sha = techo_server::storage::sha256_hex(&[2; 3]);
    f.promote(&upload_id(2), &sha).unwrap();
    assert_eq!(f.part_ids().unwrap(), vec![upload_id(1)]);
    let listed = f.stored_blobs().unwrap();
    assert_eq!(listed.iter().map(|(name, _)| name.as_str()).collect::<Vec<_>>(), vec![sha.as_str()]);
    assert!(listed[0].1 >= before, "when its bytes were written");
    f.remove_blob(&sha).unwrap();
    f.remove_blob(&sha).unwrap();
    assert_eq!(f.blob_len(&sha).unwrap(), None);
    assert!(f.stored_blobs().unwrap().is_empty());
    assert!(f.remove_blob("../server.db").is_err(), "names are checked");
}

// ---- blob references and release ----

/// Stores `sha` for the patient as an upload claimed at `at` would.
fn stored_blob(b: &Backend, n: u8, patient: ResidentId, sha: &str, size: u64, at: i64) {
    let up_id = upload_id(n);
    let up = new_upload(&up_id, patient, patient, sha, size);
    assert!(matches!(b.storage.begin_upload(&up, u64::MAX, at).unwrap(), Begun::Created(_)));
    b.storage.complete_upload(&upload_id(n), at).unwrap();
}

/// A checkup of the patient whose pages are (image, thumbnail) pairs.
fn checkup(id: &str, patient: &str, pages: &[(&str, &str)]) -> serde_json::Value {
    let blob = |sha: &str| serde_json::json!({"id": sha, "sha256": sha, "size": 10, "mime": "image/jpeg"});
    let mut c: serde_json::Value = support::vector("checkup_create_tokutei.json");
    c["id"] = id.into();
    c["patient"] = patient.into();
    c["pages"] = pages
        .iter()
        .map(|(image, thumb)| {
            serde_json::json!({"image": blob(image), "thumbnail": blob(thumb), "width": 1, "height": 1,
                "added_at": "2026-06-20T10:02:00+09:00"})
        })
        .collect();
    c
}

fn fill(b: &Backend) -> Option<u64> {
    techo_server::blob_service::fill_blob_refs(b.storage.as_ref(), &support::families()).unwrap()
}

fn unreferenced(b: &Backend, before: i64) -> Vec<String> {
    let mut shas: Vec<String> = b.storage.unreferenced_blobs(before).unwrap().into_iter().map(|(_, s)| s).collect();
    shas.sort();
    shas
}

fn blob_references_follow_the_records_that_name_them(b: &Backend) {
    let a = resident(b, "34001234");
    assert_eq!(fill(b), Some(0), "a fresh store has nothing to fill, once");
    assert_eq!(fill(b), None);
    let (x, y, z) = ("0a".repeat(32), "0b".repeat(32), "0c".repeat(32));
    for (n, sha) in [(1, &x), (2, &y), (3, &z)] {
        stored_blob(b, n, a, sha, 10, NOW);
    }
    assert_eq!(unreferenced(b, NOW + 1), vec![x.clone(), y.clone(), z.clone()]);
    assert!(unreferenced(b, NOW).is_empty(), "claimed at the cut-off is not before it");
    let rid = id();
    let created =
        push_one(b, a, "phone", mutation("checkup", Op::Create, &rid, None, checkup(&rid, "34001234", &[(&x, &y)])));
    assert_eq!(created.status, MutationStatus::Applied);
    assert_eq!(unreferenced(b, NOW + 1), vec![z.clone()]);
    // An update naming other pages moves the references with it.
    let v = created.commit_seq;
    let updated =
        push_one(b, a, "phone", mutation("checkup", Op::Update, &rid, v, checkup(&rid, "34001234", &[(&z, &y)])));
    assert_eq!(updated.status, MutationStatus::Applied);
    assert_eq!(unreferenced(b, NOW + 1), vec![x.clone()]);
    // A refused update changes nothing.
    let stale = push_one(b, a, "phone", mutation("checkup", Op::Update, &rid, v, checkup(&rid, "34001234", &[])));
    assert_eq!(stale.status, MutationStatus::Conflict);
    assert_eq!(unreferenced(b, NOW + 1), vec![x.clone()]);
    push_one(b, a, "phone", mutation("checkup", Op::Delete, &rid, None, tombstone(&rid, "34001234")));
    assert_eq!(unreferenced(b, NOW + 1), vec![x.clone(), y.clone(), z.clone()], "a tombstone names nothing");
    // The primitive itself: exactly the set given.
    let entity = Entity::Checkup;
    in_tx(b, |tx| tx.set_blob_refs(a, &entity, "doc", &[x.clone(), y.clone()])).unwrap();
    in_tx(b, |tx| tx.set_blob_refs(a, &entity, "doc", std::slice::from_ref(&y))).unwrap();
    assert_eq!(unreferenced(b, NOW + 1), vec![x.clone(), z.clone()]);
    // References are per patient: another patient's record protects only their own blob.
    let other = resident(b, "34005678");
    stored_blob(b, 4, other, &x, 10, NOW);
    in_tx(b, |tx| tx.set_blob_refs(other, &entity, "theirs", std::slice::from_ref(&x))).unwrap();
    let pairs = b.storage.unreferenced_blobs(NOW + 1).unwrap();
    assert!(pairs.contains(&(a, x.clone())) && !pairs.contains(&(other, x.clone())), "{pairs:?}");
}

fn a_blob_is_released_only_when_filled_unreferenced_and_unclaimed(b: &Backend) {
    let s = b.storage.as_ref();
    let a = resident(b, "34001234");
    let (x, y) = ("0a".repeat(32), "0b".repeat(32));
    stored_blob(b, 1, a, &x, 60, NOW);
    stored_blob(b, 2, a, &y, 30, NOW);
    assert_eq!(s.storage_used(a).unwrap(), 90);
    assert!(!s.release_blob(a, &x, NOW + 1).unwrap(), "never before older records' references are filled");
    fill(b);
    in_tx(b, |tx| tx.set_blob_refs(a, &Entity::Checkup, "doc", std::slice::from_ref(&y))).unwrap();
    assert!(!s.release_blob(a, &y, NOW + 1).unwrap(), "a record names it");
    assert!(!s.release_blob(a, &x, NOW).unwrap(), "within the grace");
    // An upload told the patient has it already claims it again: a record naming it may follow.
    let again_id = upload_id(3);
    let again = new_upload(&again_id, a, a, &x, 60);
    assert!(matches!(s.begin_upload(&again, u64::MAX, NOW + HOUR).unwrap(), Begun::Stored(_)));
    assert!(!s.release_blob(a, &x, NOW + 1).unwrap(), "claimed since");
    assert!(s.unreferenced_blobs(NOW + 1).unwrap().is_empty());
    assert!(s.release_blob(a, &x, NOW + HOUR + 1).unwrap());
    assert!(!s.release_blob(a, &x, NOW + HOUR + 1).unwrap(), "released once");
    assert_eq!(s.blob(a, &x).unwrap(), None);
    assert_eq!(s.storage_used(a).unwrap(), 30, "the quota is freed");
    assert!(!s.blob_named(&x).unwrap(), "nothing names the bytes any more");
    // Stored again later: a new blob with a new claim.
    stored_blob(b, 4, a, &x, 60, NOW + 2 * HOUR);
    assert!(!s.release_blob(a, &x, NOW + 2 * HOUR).unwrap());
}

// ---- concurrent writers ----

/// Several devices push to one patient at once while another device pulls over and over: every
/// change is seen exactly once, in sequence order, with no gap, however the backend interleaves
/// the transactions (a number taken first but committed last must not be skipped by a cursor).
fn concurrent_pushes_are_pulled_once_each_in_order(b: &Backend) {
    const WRITERS: usize = 4;
    const PUSHES: usize = 15;
    const PER_PUSH: usize = 3;
    let a = resident(b, "34001234");
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let storage = Arc::clone(&b.storage);
            std::thread::spawn(move || {
                let (families, limits, device) = (support::families(), Limits::default(), format!("phone-{w}"));
                let mut ids = Vec::new();
                for _ in 0..PUSHES {
                    let mutations = (0..PER_PUSH)
                        .map(|_| {
                            let rid = id();
                            ids.push(rid.clone());
                            mutation("vital", Op::Create, &rid, None, bp(&rid, "34001234", 120))
                        })
                        .collect();
                    let req = PushRequest {
                        protocol_version: PROTOCOL_VERSION,
                        schema_version: SCHEMA_VERSION,
                        mutations,
                        replica: None,
                    };
                    let results =
                        sync_service::push_with(storage.as_ref(), &families, &limits, a, &device, req).unwrap().results;
                    assert!(results.iter().all(|r| r.status == MutationStatus::Applied), "{results:?}");
                }
                ids
            })
        })
        .collect();
    let (mut seen, mut cursor, mut pulls) = (Vec::<Change>::new(), None, 0);
    let pull_page = |cursor: &mut Option<String>, seen: &mut Vec<Change>| {
        let page = pull(b, a, "34001234", cursor.take(), 7);
        assert_eq!(page.reset, None);
        seen.extend(page.changes);
        *cursor = Some(page.next_cursor);
        page.has_more
    };
    while !writers.iter().all(|w| w.is_finished()) {
        pull_page(&mut cursor, &mut seen);
        pulls += 1;
    }
    let mut pushed: Vec<String> = writers.into_iter().flat_map(|w| w.join().unwrap()).collect();
    while pull_page(&mut cursor, &mut seen) {}
    let total = (WRITERS * PUSHES * PER_PUSH) as u64;
    let versions: Vec<u64> = seen.iter().map(|c| c.version).collect();
    assert_eq!(versions, (1..=total).collect::<Vec<_>>(), "each change once, in order, none skipped ({pulls} pulls)");
    let mut seen_ids: Vec<String> = seen.into_iter().map(|c| c.id).collect();
    seen_ids.sort();
    pushed.sort();
    assert_eq!(seen_ids, pushed);
}

/// What one device thread of `concurrent_pushes_to_several_patients_answer_what_is_stored`
/// sent and was answered.
type Answered = Vec<(Mutation, MutationResult)>;

/// Several devices per patient push to several patients at once (SQLite commits such pushes in
/// groups, each request in a savepoint of the shared transaction), mixing new records, whole
/// replays, creates of one id by several devices (alike and different), racing edits of one
/// document, and refusals. Every answer is what the store holds; every sequence number handed
/// out was answered to exactly one new write; each patient's changes are pulled once, in order.
fn concurrent_pushes_to_several_patients_answer_what_is_stored(b: &Backend) {
    const PATIENTS: usize = 3;
    const DEVICES: usize = 3;
    const ROUNDS: usize = 12;
    let patients: Vec<(ResidentId, String)> = (0..PATIENTS)
        .map(|p| {
            let hm = format!("3400{p:04}");
            (resident(b, &hm), hm)
        })
        .collect();
    let notes: Vec<String> = patients
        .iter()
        .map(|(a, hm)| {
            let rid = id();
            let created = push_one(b, *a, "setup", mutation("test_note", Op::Create, &rid, None, note(&rid, hm, "v0")));
            assert_eq!(created.commit_seq, Some(1));
            rid
        })
        .collect();
    // Per patient and round: an id every device creates alike, and one each creates differently.
    let shared: Vec<Vec<(String, String)>> =
        (0..PATIENTS).map(|_| (0..ROUNDS).map(|_| (id(), id())).collect()).collect();
    let start = Arc::new(std::sync::Barrier::new(PATIENTS * DEVICES));
    let threads: Vec<_> = (0..PATIENTS * DEVICES)
        .map(|t| {
            let (p, d) = (t % PATIENTS, t / PATIENTS);
            let (storage, start) = (Arc::clone(&b.storage), Arc::clone(&start));
            let ((a, hm), other_hm) = (patients[p].clone(), patients[(p + 1) % PATIENTS].1.clone());
            let (note_id, shared) = (notes[p].clone(), shared[p].clone());
            std::thread::spawn(move || {
                let (families, limits, device) = (support::families(), Limits::default(), format!("phone-{d}"));
                let send = |mutations: Vec<Mutation>| {
                    let req = PushRequest {
                        protocol_version: PROTOCOL_VERSION,
                        schema_version: SCHEMA_VERSION,
                        mutations,
                        replica: None,
                    };
                    sync_service::push_with(storage.as_ref(), &families, &limits, a, &device, req).unwrap().results
                };
                let (mut answered, mut known_note_version, mut last): (Answered, u64, Vec<Mutation>) =
                    (Vec::new(), 1, Vec::new());
                start.wait();
                for (round, (alike, contested)) in shared.iter().enumerate() {
                    let (fresh, elsewhere, invalid) = (id(), id(), id());
                    let mutations = vec![
                        mutation("vital", Op::Create, &fresh, None, bp(&fresh, &hm, 120)),
                        mutation("vital", Op::Create, alike, None, bp(alike, &hm, 130)),
                        mutation("vital", Op::Create, contested, None, bp(contested, &hm, 100 + d as u32)),
                        mutation(
                            "test_note",
                            Op::Update,
                            &note_id,
                            Some(known_note_version),
                            note(&note_id, &hm, &format!("device {d} round {round}")),
                        ),
                        mutation("vital", Op::Create, &elsewhere, None, bp(&elsewhere, &other_hm, 120)),
                        mutation("vital", Op::Create, &invalid, None, bp(&id(), &hm, 120)),
                    ];
                    let results = send(mutations.clone());
                    assert_eq!(results.len(), mutations.len());
                    let edit = &results[3];
                    known_note_version = match (&edit.server_record, edit.commit_seq) {
                        (Some(current), _) => current.version,
                        (None, Some(seq)) => seq,
                        (None, None) => panic!("an edit is applied or a conflict: {edit:?}"),
                    };
                    answered.extend(mutations.iter().cloned().zip(results));
                    // Every third round the previous request comes again: the first answers, replayed.
                    if round % 3 == 2 {
                        let replayed = send(last.clone());
                        let firsts: Vec<_> = answered.iter().filter(|(m, _)| last.contains(m)).collect();
                        for ((_, first), again) in firsts.into_iter().zip(&replayed) {
                            let mut want = first.clone();
                            if want.status == MutationStatus::Applied {
                                want.status = MutationStatus::Duplicate;
                            }
                            assert_eq!(again, &want, "a replay gets the first answer");
                        }
                    }
                    last = mutations;
                }
                (p, answered)
            })
        })
        .collect();
    let mut by_patient: Vec<Answered> = vec![Vec::new(); PATIENTS];
    for t in threads {
        let (p, answered) = t.join().unwrap();
        by_patient[p].extend(answered);
    }
    for (p, answered) in by_patient.iter().enumerate() {
        let (a, hm) = &patients[p];
        let (changes, _) = pull_all(b, *a, hm);
        let pulled: Vec<u64> = changes.iter().map(|c| c.version).collect();
        assert!(pulled.windows(2).all(|w| w[0] < w[1]), "pulled once each, in order: {pulled:?}");
        let stored: std::collections::HashMap<&str, &Change> = changes.iter().map(|c| (c.id.as_str(), c)).collect();
        let note_versions = versions(b, *a, hm, "test_note", &notes[p]);
        let note_at = |v: u64| note_versions.iter().find(|n| n.version == v).map(|n| &n.payload);
        // Every number of the sequence went to exactly one new write, and was answered.
        let mut new_writes: Vec<u64> = vec![1];
        for (m, r) in answered {
            let here = stored.get(m.entity_id.as_str());
            match (r.status, r.error) {
                (MutationStatus::Applied, None) if m.op == Op::Update => {
                    let seq = r.commit_seq.unwrap();
                    assert_eq!(note_at(seq), Some(&m.payload), "an applied edit is a kept version");
                    new_writes.push(seq);
                }
                (MutationStatus::Applied, None) => {
                    let change = here.expect("an applied create is stored");
                    assert_eq!((change.version, &change.payload), (r.commit_seq.unwrap(), &m.payload));
                    if !answered.iter().any(|(o, or)| {
                        o.entity_id == m.entity_id && o.mutation_id < m.mutation_id && or.commit_seq == r.commit_seq
                    }) {
                        new_writes.push(change.version);
                    }
                }
                (MutationStatus::Conflict, None) => {
                    let current = r.server_record.as_ref().expect("a conflict carries the current state");
                    assert_ne!(m.base_version, Some(current.version));
                    assert_eq!(note_at(current.version), Some(&current.payload), "the state it was shown was stored");
                }
                (MutationStatus::Rejected, Some(ErrorCode::ConflictingRecord)) => {
                    assert_ne!(here.map(|c| &c.payload), Some(&m.payload), "a refused create is not stored");
                    assert!(here.is_some(), "another device's create of the id won");
                }
                (MutationStatus::Rejected, Some(ErrorCode::NotFound | ErrorCode::InvalidPayload)) => {
                    assert!(here.is_none(), "a refused mutation leaves nothing");
                }
                other => panic!("unexpected answer {other:?} to {m:?}"),
            }
        }
        new_writes.sort_unstable();
        let last = *pulled.iter().max().unwrap();
        assert_eq!(new_writes, (1..=last).collect::<Vec<_>>(), "patient {p}: every number answered once");
    }
    for (p, (a, _)) in patients.iter().enumerate() {
        let others: Vec<String> = by_patient
            .iter()
            .flatten()
            .filter(|(_, r)| r.error == Some(ErrorCode::NotFound))
            .map(|(m, _)| m.entity_id.clone())
            .collect();
        let (changes, _) = pull_all(b, *a, &patients[p].1);
        assert!(changes.iter().all(|c| !others.contains(&c.id)), "nothing written to another patient");
    }
}

/// A write transaction that fails after writing (an injected storage error) leaves nothing of
/// itself, not even a sequence number, while the pushes running beside it (on SQLite: in the
/// same group commit) are all kept and pulled once each, in order.
fn a_failing_write_beside_concurrent_pushes_leaves_nothing_of_itself(b: &Backend) {
    const PUSHERS: usize = 6;
    const FAILERS: usize = 2;
    const ROUNDS: usize = 15;
    let patients: Vec<(ResidentId, String)> =
        ["34001234", "34005678"].iter().map(|hm| (resident(b, hm), hm.to_string())).collect();
    let start = Arc::new(std::sync::Barrier::new(PUSHERS + FAILERS));
    let pushers: Vec<_> = (0..PUSHERS)
        .map(|t| {
            let (storage, start, (a, hm)) = (Arc::clone(&b.storage), Arc::clone(&start), patients[t % 2].clone());
            std::thread::spawn(move || {
                let (families, limits, device) = (support::families(), Limits::default(), format!("phone-{t}"));
                start.wait();
                let mut kept = Vec::new();
                for _ in 0..ROUNDS {
                    let ids = [id(), id()];
                    let mutations =
                        ids.iter().map(|rid| mutation("vital", Op::Create, rid, None, bp(rid, &hm, 120))).collect();
                    let req = PushRequest {
                        protocol_version: PROTOCOL_VERSION,
                        schema_version: SCHEMA_VERSION,
                        mutations,
                        replica: None,
                    };
                    let results =
                        sync_service::push_with(storage.as_ref(), &families, &limits, a, &device, req).unwrap().results;
                    for (rid, r) in ids.into_iter().zip(results) {
                        assert_eq!(r.status, MutationStatus::Applied, "{r:?}");
                        kept.push((a, rid, r.commit_seq.unwrap()));
                    }
                }
                kept
            })
        })
        .collect();
    let failers: Vec<_> = (0..FAILERS)
        .map(|t| {
            let (storage, start, (a, _)) = (Arc::clone(&b.storage), Arc::clone(&start), patients[t % 2].clone());
            std::thread::spawn(move || {
                let entity = Entity::parse("vital");
                start.wait();
                let mut attempted = Vec::new();
                for round in 0..ROUNDS {
                    let (rid, key) = (id(), format!("failing-{t}-{round}"));
                    let payload = serde_json::json!({});
                    let writer = Writer::Device { resident: a, device: "failing" };
                    let failed = storage.write_transaction(&mut |tx| {
                        let seq = tx.next_seq(a)?;
                        let record = NewRecord {
                            entity: &entity,
                            entity_id: &rid,
                            version: seq,
                            payload: &payload,
                            payload_hash: "h",
                            deleted_at_ms: None,
                            origin: writer,
                            replica: None,
                        };
                        tx.insert(a, &record)?;
                        tx.add_ledger_entry(
                            writer,
                            &key,
                            &LedgerEntry { request_hash: "q".into(), result: applied(&key, seq) },
                            NOW,
                        )?;
                        Err(StorageError::Unavailable("injected".into()))
                    });
                    assert!(matches!(failed, Err(StorageError::Unavailable(_))), "{failed:?}");
                    attempted.push((a, rid, key));
                }
                attempted
            })
        })
        .collect();
    let kept: Vec<(ResidentId, String, u64)> = pushers.into_iter().flat_map(|t| t.join().unwrap()).collect();
    let attempted: Vec<(ResidentId, String, String)> = failers.into_iter().flat_map(|t| t.join().unwrap()).collect();
    for (a, hm) in &patients {
        let (changes, _) = pull_all(b, *a, hm);
        let mut want: Vec<(String, u64)> = kept.iter().filter(|k| k.0 == *a).map(|k| (k.1.clone(), k.2)).collect();
        want.sort_by_key(|w| w.1);
        let got: Vec<(String, u64)> = changes.into_iter().map(|c| (c.id, c.version)).collect();
        assert_eq!(got, want, "every push kept as answered, nothing of the failed ones");
        assert_eq!(got.iter().map(|g| g.1).collect::<Vec<_>>(), (1..=got.len() as u64).collect::<Vec<_>>(), "no gap");
    }
    for (a, rid, key) in &attempted {
        let left = in_tx(b, |tx| {
            Ok((
                tx.head(*a, &Entity::parse("vital"), rid)?,
                tx.ledger_entry(Writer::Device { resident: *a, device: "failing" }, key)?,
            ))
        })
        .unwrap();
        assert_eq!(left, (None, None), "a failed write leaves nothing");
    }
}

// ---- PostgreSQL only ----

/// An empty database gets the whole schema at open, recorded once; opening again (two servers
/// at once, too) changes nothing; a database newer than this server is refused.
#[test]
fn postgres_schema_is_migrated_from_an_empty_database_once() {
    let Some(url) = test_cluster_url() else { return };
    let db = ScratchDatabase::create(&url);
    let dir = tempfile::tempdir().unwrap();
    let open = || PostgresStorage::open(&db.url(), Arc::new(FsBlobFiles::new(dir.path())));
    let mut c = ::postgres::Client::connect(&db.url(), ::postgres::NoTls).unwrap();
    let mut tables = || -> i64 {
        c.query_one("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'", &[]).unwrap().get(0)
    };
    assert_eq!(tables(), 0, "empty");
    let epoch = {
        let (first, second) = std::thread::scope(|s| {
            let one = s.spawn(open);
            let two = s.spawn(open);
            (one.join().unwrap().unwrap(), two.join().unwrap().unwrap())
        });
        assert_eq!(first.epoch().unwrap(), second.epoch().unwrap(), "one epoch");
        first.epoch().unwrap()
    };
    let created = tables();
    assert!(created > 10, "{created} tables");
    let mut c = ::postgres::Client::connect(&db.url(), ::postgres::NoTls).unwrap();
    let mut applied = || -> Vec<i64> {
        c.query("SELECT \"version\" FROM \"schema_migrations\" ORDER BY 1", &[])
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect()
    };
    assert_eq!(applied(), vec![1, 2, 3, 4, 5, 6], "each once, in order");
    let again = open().unwrap();
    assert_eq!(again.epoch().unwrap(), epoch, "reopened as it was");
    assert_eq!(applied(), vec![1, 2, 3, 4, 5, 6]);
    drop(again);
    ::postgres::Client::connect(&db.url(), ::postgres::NoTls)
        .unwrap()
        .batch_execute("INSERT INTO \"schema_migrations\" VALUES (99, 0)")
        .unwrap();
    match open() {
        Err(StorageError::Unavailable(why)) => assert!(why.contains("newer"), "{why}"),
        other => panic!("a newer schema must be refused: {:?}", other.err()),
    }
}

/// Two instances over one database: a turn one holds (an upload's, a blob's inside it) is not
/// given to the other until the holder lets go, and the bytes one wrote are the other's to read.
#[test]
fn postgres_turns_and_blob_bytes_are_shared_by_instances() {
    use techo_server::storage::TurnOn;
    let Some(url) = test_cluster_url() else { return };
    let db = ScratchDatabase::create(&url);
    let one = PostgresStorage::open_self_contained(&db.url()).unwrap();
    let two = PostgresStorage::open_self_contained(&db.url()).unwrap();
    let (t1, t2) = (one.shared_turns().unwrap(), two.shared_turns().unwrap());
    let id = upload_id(1);
    let sha = "ab".repeat(32);
    let mut held = t1.take(TurnOn::Upload(&id)).unwrap();
    held.take(TurnOn::BlobBytes(&sha)).unwrap();
    let other = upload_id(2);
    drop(t2.take(TurnOn::Upload(&other)).unwrap());
    let released = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        let waiter = s.spawn(|| {
            let upload = t2.take(TurnOn::Upload(&id)).unwrap();
            assert!(released.load(std::sync::atomic::Ordering::SeqCst), "the upload's turn was still held");
            drop(upload);
            let blob = t2.take(TurnOn::BlobBytes(&sha)).unwrap();
            drop(blob);
        });
        std::thread::sleep(std::time::Duration::from_millis(300));
        held.give_back(TurnOn::BlobBytes(&sha)).unwrap();
        released.store(true, std::sync::atomic::Ordering::SeqCst);
        drop(held);
        waiter.join().unwrap();
    });
    one.blob_files().write_part(&id, 0, b"written by one").unwrap();
    assert_eq!(two.blob_files().part_len(&id).unwrap(), 14);
    let hash = techo_server::storage::sha256_hex(b"written by one");
    two.blob_files().promote(&id, &hash).unwrap();
    assert_eq!(one.blob_files().read_blob(&hash).unwrap(), b"written by one");
}

/// A blob is read back whole across pieces, and cutting a part inside a piece keeps its head.
#[test]
fn postgres_blob_bytes_span_pieces() {
    let Some(url) = test_cluster_url() else { return };
    let db = ScratchDatabase::create(&url);
    let s = PostgresStorage::open_self_contained(&db.url()).unwrap();
    let f = s.blob_files();
    let id = upload_id(3);
    let big: Vec<u8> = (0..(2 * 1024 * 1024 + 17)).map(|i| (i % 251) as u8).collect();
    f.write_part(&id, 0, &big[..1_500_000]).unwrap();
    f.truncate_part(&id, 1_200_000).unwrap();
    assert_eq!(f.part_len(&id).unwrap(), 1_200_000);
    f.write_part(&id, 1_200_000, &big[1_200_000..]).unwrap();
    let sha = techo_server::storage::sha256_hex(&big);
    assert_eq!(f.part_sha256(&id).unwrap(), sha);
    f.promote(&id, &sha).unwrap();
    assert_eq!(f.blob_len(&sha).unwrap(), Some(big.len() as u64));
    assert!(f.read_blob(&sha).unwrap() == big, "the same bytes, in order");
}

/// An unreachable database is a clear error at open, naming no more than what failed.
#[test]
fn postgres_unreachable_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let nowhere = format!("postgres://techo@{}/techo", dir.path().display().to_string().replace('/', "%2F"));
    match PostgresStorage::open(&nowhere, Arc::new(FsBlobFiles::new(dir.path()))) {
        Err(StorageError::Unavailable(why)) => assert!(why.contains("unreachable"), "{why}"),
        other => panic!("no database there: {:?}", other.err()),
    }
    assert!(PostgresStorage::open("not a url", Arc::new(FsBlobFiles::new(dir.path()))).is_err());
}

// ---- every test against every backend ----

macro_rules! every_backend {
    (backends: [$($backend:ident => $open:path),+ $(,)?], tests: $tests:tt $(,)?) => {
        $(suite_for!($backend, $open, $tests);)+
    };
}

macro_rules! suite_for {
    ($backend:ident, $open:path, [$($test:ident),+ $(,)?]) => {
        mod $backend {
            $(#[test]
            fn $test() {
                if let Some(backend) = $open() {
                    super::$test(&backend);
                }
            })+
        }
    };
}

every_backend! {
    backends: [sqlite => super::open_sqlite, postgres => super::open_postgres],
    tests: [
        residents_are_unique_by_hm_code,
        activation_codes_are_single_use_expire_and_name_one_resident,
        devices_sign_in_and_out_and_sessions_end_for_good,
        a_device_id_belongs_to_the_account_that_registered_it,
        devices_per_account_are_capped,
        refresh_tokens_rotate_and_a_reused_one_signs_the_device_out,
        login_attempts_are_reserved_and_delayed,
        a_token_secret_from_before_is_handed_over_once,
        primitives_see_their_own_writes,
        one_push_returning_to_its_records_is_answered_as_one_by_one,
        a_failed_transaction_leaves_nothing_and_no_gap,
        ledgers_keep_devices_and_sources_apart,
        a_replay_gets_the_first_result,
        a_reused_mutation_id_with_another_request_is_refused,
        a_repeated_create_is_success_and_a_different_one_a_conflict,
        deleting_what_was_never_seen_leaves_a_tombstone,
        updates_are_compare_and_swap_on_the_version,
        another_patients_records_answer_as_missing,
        pulls_follow_the_sequence_in_pages,
        a_copy_is_not_sent_its_own_latest_writes,
        collected_tombstones_raise_the_floor,
        edited_documents_keep_every_version_with_its_writer,
        an_epoch_bump_voids_every_cursor,
        ingest_is_checked_idempotent_per_source_and_pulled_like_any_change,
        institutions_are_unique_by_code_and_keep_what_they_sent,
        uploads_resume_per_account_and_complete_once,
        the_quota_counts_blobs_and_uploads_in_progress,
        stale_uploads_expire_and_fresh_ones_stay,
        blob_files_write_at_offsets_cut_surplus_and_promote_whole,
        uploads_and_blobs_are_found_by_id_and_by_name,
        blob_files_are_listed_and_removed,
        blob_references_follow_the_records_that_name_them,
        a_blob_is_released_only_when_filled_unreferenced_and_unclaimed,
        concurrent_pushes_are_pulled_once_each_in_order,
        concurrent_pushes_to_several_patients_answer_what_is_stored,
        a_failing_write_beside_concurrent_pushes_leaves_nothing_of_itself,
    ],
}
