//! The engine's decisions, driven by scripted answers (no network).

use super::engine::*;
use crate::domain::{Milli, NewVital, Relationship, VitalValue};
use crate::store::test_support::open_test_store;
use crate::store::{Account, OutboxCounts, Store};
use techo_protocol::error::ErrorCode;
use techo_protocol::sync::{MutationResult, MutationStatus, PullResponse, PushResponse};

fn signed_in_store() -> (crate::store::test_support::TestStore, crate::domain::Profile) {
    let t = open_test_store();
    let p = t.store.add_profile("34001234", "A", Relationship::Myself).unwrap();
    t.store
        .set_account(Some(&Account {
            server_url: "x".into(),
            hm_code: "34001234".into(),
            patients: vec!["34001234".into()],
        }))
        .unwrap();
    (t, p)
}

fn record(store: &Store, p: &crate::domain::Profile, n: i64) {
    let at = chrono::DateTime::parse_from_rfc3339("2026-11-01T07:00:00+09:00").unwrap() + chrono::Duration::minutes(n);
    store.record_vital(p.id, NewVital::new(VitalValue::Weight { kg: Milli::from_units(60) }, at)).unwrap();
}

fn sent(ins: &[Instruction]) -> Option<&Request> {
    ins.iter().find_map(|i| if let Instruction::Send(r) = i { Some(r) } else { None })
}

fn finished(ins: &[Instruction]) -> Option<&SyncReport> {
    ins.iter().find_map(|i| if let Instruction::Finish(r) = i { Some(r) } else { None })
}

fn applied_all(req: &Request) -> PushResponse {
    let Request::Push(p) = req else { panic!("expected a push") };
    PushResponse {
        results: p
            .mutations
            .iter()
            .enumerate()
            .map(|(i, m)| MutationResult {
                mutation_id: m.mutation_id.clone(),
                status: MutationStatus::Applied,
                commit_seq: Some(i as u64 + 1),
                error: None,
                server_record: None,
            })
            .collect(),
    }
}

fn empty_page() -> PullResponse {
    PullResponse { changes: vec![], next_cursor: "c1.e.0".into(), has_more: false, reset: None, reset_reason: None }
}

#[test]
fn a_poison_change_is_isolated_and_set_aside_while_the_rest_goes_out() {
    let (t, p) = signed_in_store();
    for n in 0..3 {
        record(&t.store, &p, n);
    }
    let poison = t.store.outbox_entries(10).unwrap()[1].mutation_id.to_string();
    let mut e = SyncEngine::new(EngineConfig::default(), 1);
    let mut ins = e.handle(&t.store, Event::Start).unwrap();
    let too_large = || {
        Event::Response(Err(Failure::Http { status: 413, code: Some(ErrorCode::PayloadTooLarge), retry_after: None }))
    };
    // The batch of 3 is refused: the engine retries one at a time.
    assert!(matches!(sent(&ins), Some(Request::Push(r)) if r.mutations.len() == 3));
    ins = e.handle(&t.store, too_large()).unwrap();
    for _ in 0..10 {
        let Some(Request::Push(r)) = sent(&ins).cloned() else { break };
        assert_eq!(r.mutations.len(), 1);
        ins = if r.mutations[0].mutation_id == poison {
            e.handle(&t.store, too_large()).unwrap()
        } else {
            e.handle(&t.store, Event::Response(Ok(Response::Push(applied_all(&Request::Push(r)))))).unwrap()
        };
    }
    assert!(matches!(sent(&ins), Some(Request::Pull(_))));
    let ins = e.handle(&t.store, Event::Response(Ok(Response::Pull(empty_page())))).unwrap();
    let report = finished(&ins).expect("finished");
    assert_eq!(report.outcome, SyncOutcome::Complete);
    assert_eq!((report.pushed, report.rejected, report.wedged, report.pending), (2, 1, 1, 0));
    assert!(t.store.last_sync_complete().unwrap().is_some(), "a complete run is remembered");
    let wedged = t.store.wedged_entries().unwrap();
    assert_eq!(wedged[0].mutation_id.to_string(), poison);
    assert_eq!(wedged[0].wedge_reason.as_deref(), Some("payload_too_large"));
    assert_eq!(t.store.outbox_counts().unwrap(), OutboxCounts { pending: 0, wedged: 1, pending_uploads: 0 });
    // Kept, and can be put back in the queue.
    t.store.retry_wedged(wedged[0].mutation_id).unwrap();
    assert_eq!(t.store.outbox_batch(&["34001234".into()], 10).unwrap().len(), 1);
    assert_eq!(t.store.outbox_counts().unwrap(), OutboxCounts { pending: 1, wedged: 0, pending_uploads: 0 });
}

#[test]
fn transient_failures_back_off_with_jitter_then_give_up_keeping_the_queue() {
    let (t, p) = signed_in_store();
    record(&t.store, &p, 0);
    let cfg = EngineConfig {
        retry: RetryPolicy {
            base: std::time::Duration::from_millis(100),
            max: std::time::Duration::from_secs(1),
            max_attempts: 4,
        },
        ..Default::default()
    };
    let mut e = SyncEngine::new(cfg, 7);
    e.handle(&t.store, Event::Start).unwrap();
    let mut sleeps = vec![];
    let mut ins = e.handle(&t.store, Event::Response(Err(Failure::Network("reset".into())))).unwrap();
    loop {
        if let Some(r) = finished(&ins) {
            assert!(matches!(r.outcome, SyncOutcome::Offline { .. }));
            assert_eq!((r.pending, r.retries), (1, 3));
            assert_eq!(t.store.last_sync_complete().unwrap(), None, "an offline run is not a sync");
            break;
        }
        let (d, at_least) = ins
            .iter()
            .find_map(|i| if let Instruction::Sleep { delay, at_least } = i { Some((*delay, *at_least)) } else { None })
            .expect("sleep");
        // Only the server's Retry-After is a wait a person's "sync now" may not cut short.
        let kept = if sleeps.is_empty() { std::time::Duration::ZERO } else { std::time::Duration::from_millis(700) };
        assert_eq!(at_least, kept, "sleep {}", sleeps.len());
        sleeps.push(d);
        e.handle(&t.store, Event::TimerFired).unwrap();
        // 503 with Retry-After: wait at least that long.
        ins = e
            .handle(
                &t.store,
                Event::Response(Err(Failure::Http {
                    status: 503,
                    code: None,
                    retry_after: Some(std::time::Duration::from_millis(700)),
                })),
            )
            .unwrap();
    }
    assert_eq!(sleeps.len(), 3);
    assert!(
        sleeps[0] >= std::time::Duration::from_millis(50) && sleeps[0] <= std::time::Duration::from_millis(100),
        "{sleeps:?}"
    );
    assert!(sleeps[1] >= std::time::Duration::from_millis(700), "Retry-After honoured: {sleeps:?}");
    assert_eq!(t.store.outbox_entries(5).unwrap()[0].attempts, 4);
}

#[test]
fn credentials_version_and_stale_events() {
    let (t, p) = signed_in_store();
    record(&t.store, &p, 0);
    let unauthorized = || {
        Event::Response(Err(Failure::Http { status: 401, code: Some(ErrorCode::Unauthenticated), retry_after: None }))
    };
    // 401 → one refresh → still 401 → needs login.
    let mut e = SyncEngine::new(EngineConfig::default(), 3);
    e.handle(&t.store, Event::Start).unwrap();
    let ins = e.handle(&t.store, unauthorized()).unwrap();
    assert_eq!(ins, vec![Instruction::RefreshCredentials]);
    let ins = e.handle(&t.store, Event::CredentialsRefreshed { ok: true }).unwrap();
    assert!(matches!(sent(&ins), Some(Request::Push(_))));
    // A good answer in between: a later 401 (the new token expired in a long run) renews again.
    let Some(req) = sent(&ins).cloned() else { panic!("push") };
    let ins = e.handle(&t.store, Event::Response(Ok(Response::Push(applied_all(&req))))).unwrap();
    assert!(matches!(sent(&ins), Some(Request::Pull(_))));
    let ins = e.handle(&t.store, unauthorized()).unwrap();
    assert_eq!(ins, vec![Instruction::RefreshCredentials]);
    // The renewal cannot reach the server: back off like any network failure.
    let ins = e.handle(&t.store, Event::CredentialsUnreachable { reason: "reset".into() }).unwrap();
    assert!(ins.iter().any(|i| matches!(i, Instruction::Sleep { at_least, .. } if at_least.is_zero())));
    let ins = e.handle(&t.store, Event::TimerFired).unwrap();
    assert!(matches!(sent(&ins), Some(Request::Pull(_))));
    // A duplicated, stale event while waiting for an answer is ignored.
    assert!(e.handle(&t.store, Event::TimerFired).unwrap().is_empty());
    let ins = e.handle(&t.store, unauthorized()).unwrap();
    assert_eq!(ins, vec![Instruction::RefreshCredentials]);
    e.handle(&t.store, Event::CredentialsRefreshed { ok: true }).unwrap();
    // Refused again right after a renewal: signed out.
    let ins = e.handle(&t.store, unauthorized()).unwrap();
    assert_eq!(finished(&ins).unwrap().outcome, SyncOutcome::NeedsLogin);
    assert!(e.is_done());
    // A server that speaks a newer protocol: stop and ask for an update, keeping the queue.
    record(&t.store, &p, 1);
    let mut e = SyncEngine::new(EngineConfig::default(), 3);
    e.handle(&t.store, Event::Start).unwrap();
    let ins = e
        .handle(
            &t.store,
            Event::Response(Err(Failure::Http {
                status: 400,
                code: Some(ErrorCode::VersionNotSupported),
                retry_after: None,
            })),
        )
        .unwrap();
    assert_eq!(finished(&ins).unwrap().outcome, SyncOutcome::UpdateRequired);
    assert_eq!(t.store.outbox_len().unwrap(), 1);
    // Signed out: nothing is sent at all.
    t.store.set_account(None).unwrap();
    let ins = SyncEngine::new(EngineConfig::default(), 3).handle(&t.store, Event::Start).unwrap();
    assert!(sent(&ins).is_none());
    assert_eq!(finished(&ins).unwrap().outcome, SyncOutcome::NeedsLogin);
}

#[test]
fn family_profiles_not_linked_to_the_account_are_not_pushed_or_pulled() {
    let (t, p) = signed_in_store();
    let mother = t.store.add_profile("34005678", "母", Relationship::Family).unwrap();
    record(&t.store, &p, 0);
    record(&t.store, &mother, 1);
    let mut e = SyncEngine::new(EngineConfig::default(), 9);
    let ins = e.handle(&t.store, Event::Start).unwrap();
    let req = sent(&ins).unwrap().clone();
    let Request::Push(push) = &req else { panic!() };
    assert_eq!(push.mutations.len(), 1, "only the linked profile's change");
    let ins = e.handle(&t.store, Event::Response(Ok(Response::Push(applied_all(&req))))).unwrap();
    let Some(Request::Pull(q)) = sent(&ins) else { panic!("pull") };
    assert_eq!(q.patient, "34001234");
    let ins = e.handle(&t.store, Event::Response(Ok(Response::Pull(empty_page())))).unwrap();
    let r = finished(&ins).unwrap();
    assert_eq!(r.not_linked, vec!["34005678".to_owned()]);
    assert_eq!(r.pending, 1, "the family member's reading waits, it is not refused");
}

/// A sheet with one photo page (its preview is the same small image, so one upload).
fn sheet_with_a_page(t: &crate::store::test_support::TestStore, p: &crate::domain::Profile) {
    let pixels: Vec<u8> = (0..64 * 48 * 3).map(|i| (i * 31 % 253) as u8).collect();
    let mut jpeg = Vec::new();
    jpeg_encoder::Encoder::new(&mut jpeg, 90).encode(&pixels, 64, 48, jpeg_encoder::ColorType::Rgb).unwrap();
    let path = t.dir.path().join("page.jpg");
    std::fs::write(&path, jpeg).unwrap();
    t.store.add_emergency_page(p, &path, &crate::photo::PhotoSettings::default()).unwrap();
}

fn upload_state(upload_id: Option<&str>, offset: u64, size: u64, done: bool) -> Response {
    use techo_protocol::records::BlobRef;
    Response::Upload(techo_protocol::uploads::UploadState {
        upload_id: upload_id.map(str::to_owned),
        offset,
        size,
        blob: done.then(|| BlobRef {
            id: "x".into(),
            sha256: "x".into(),
            size,
            mime: "image/jpeg".into(),
            extra: Default::default(),
        }),
    })
}

fn http(status: u16, code: ErrorCode) -> Event {
    Event::Response(Err(Failure::Http { status, code: Some(code), retry_after: None }))
}

#[test]
fn a_photo_goes_up_in_chunks_before_the_record_and_a_mismatch_asks_where_to_go_on() {
    let (t, p) = signed_in_store();
    sheet_with_a_page(&t, &p);
    let cfg = EngineConfig { upload_chunk: 1000, ..EngineConfig::default() };
    let mut e = SyncEngine::new(cfg, 1);
    let ins = e.handle(&t.store, Event::Start).unwrap();
    let Some(Request::UploadStart(start)) = sent(&ins) else { panic!("the upload starts first: {ins:?}") };
    let size = start.size;
    assert!(size > 2000, "{size}");
    let ins = e.handle(&t.store, Event::Response(Ok(upload_state(Some("u1"), 0, size, false)))).unwrap();
    assert!(matches!(sent(&ins), Some(Request::UploadChunk { offset: 0, bytes, .. }) if bytes.len() == 1000));
    let ins = e.handle(&t.store, Event::Response(Ok(upload_state(Some("u1"), 1000, size, false)))).unwrap();
    assert!(matches!(sent(&ins), Some(Request::UploadChunk { offset: 1000, .. })));
    let progress = ins.iter().find_map(|i| if let Instruction::Progress(p) = i { Some(p.clone()) } else { None });
    assert_eq!(progress.map(|p| (p.phase, p.upload_sent)), Some((SyncPhase::Uploading, 1000)));
    // The kept offset survives a restart of the app.
    assert_eq!(t.store.next_upload(&["34001234".into()]).unwrap().unwrap().offset, 1000);
    // The server holds something else than we think: ask, then go on from its offset.
    let ins = e.handle(&t.store, http(409, ErrorCode::UploadOffsetMismatch)).unwrap();
    assert!(matches!(sent(&ins), Some(Request::UploadStatus { upload_id }) if upload_id == "u1"));
    let ins = e.handle(&t.store, Event::Response(Ok(upload_state(Some("u1"), 2000, size, false)))).unwrap();
    assert!(matches!(sent(&ins), Some(Request::UploadChunk { offset: 2000, .. })));
    let ins = e.handle(&t.store, Event::Response(Ok(upload_state(None, size, size, true)))).unwrap();
    let Some(Request::Push(push)) = sent(&ins) else { panic!("then the sheet: {ins:?}") };
    assert_eq!(push.mutations[0].entity, techo_protocol::Entity::EmergencySheet);
}

#[test]
fn a_forgotten_upload_starts_over_and_one_that_cannot_be_done_is_set_aside_with_its_record() {
    let (t, p) = signed_in_store();
    sheet_with_a_page(&t, &p);
    let mut e = SyncEngine::new(EngineConfig::default(), 1);
    e.handle(&t.store, Event::Start).unwrap();
    let size = t.store.next_upload(&["34001234".into()]).unwrap().unwrap().start.size;
    e.handle(&t.store, Event::Response(Ok(upload_state(Some("u1"), 0, size, false)))).unwrap();
    // Expired on the server (or lost with a restore): begin again.
    let ins = e.handle(&t.store, http(404, ErrorCode::NotFound)).unwrap();
    assert!(matches!(sent(&ins), Some(Request::UploadStart(_))), "{ins:?}");
    // The account's room is full: the photo and the sheet wait, kept and shown.
    let ins = e.handle(&t.store, http(413, ErrorCode::QuotaExceeded)).unwrap();
    assert!(!matches!(sent(&ins), Some(Request::Push(_))), "the sheet is not sent without its photo");
    let wedged = t.store.wedged_entries().unwrap();
    let reasons: Vec<_> = wedged.iter().map(|w| w.wedge_reason.clone().unwrap()).collect();
    assert_eq!(reasons, ["quota_exceeded", "dependency_refused"]);
    // A later save that still shows the photo is set aside with it at once, shown, not left
    // waiting unseen; it holds everything the earlier one did, and takes its place.
    t.store.save_emergency_fields(&p, &[("care.doctor".into(), "田中".into())]).unwrap();
    assert_eq!(t.store.outbox_counts().unwrap(), OutboxCounts { pending: 0, wedged: 2, pending_uploads: 0 });
    let sheet = t.store.wedged_entries().unwrap().pop().unwrap();
    assert_eq!((sheet.op, sheet.wedge_reason.as_deref()), (techo_protocol::Op::Create, Some("dependency_refused")));
    assert!(sheet.payload.contains("care.doctor"));
    assert_eq!(crate::sync::RefusalReason::from_code(Some("quota_exceeded")), crate::sync::RefusalReason::StorageFull);
}

#[test]
fn a_photo_whose_bytes_are_gone_is_set_aside_with_a_reason_not_retried_forever() {
    let (t, p) = signed_in_store();
    sheet_with_a_page(&t, &p);
    record(&t.store, &p, 1);
    t.store.drop_blob_bytes_for_test();
    let mut e = SyncEngine::new(EngineConfig::default(), 1);
    let ins = e.handle(&t.store, Event::Start).unwrap();
    let Some(Request::Push(push)) = sent(&ins) else { panic!("the reading still goes: {ins:?}") };
    assert_eq!(push.mutations.len(), 1);
    let reasons: Vec<_> = t.store.wedged_entries().unwrap().iter().map(|w| w.wedge_reason.clone().unwrap()).collect();
    assert_eq!(reasons, ["missing_media_content", "dependency_refused"]);
}

fn pull_replica(ins: &[Instruction]) -> Option<String> {
    match sent(ins) {
        Some(Request::Pull(q)) => q.replica.clone(),
        other => panic!("expected a pull, got {other:?}"),
    }
}

fn push_replica(ins: &[Instruction]) -> Option<String> {
    match sent(ins) {
        Some(Request::Push(p)) => p.replica.clone(),
        other => panic!("expected a push, got {other:?}"),
    }
}

/// Pushes and pulls carry this copy's replica id, so the server leaves our own writes out of our
/// pulls; a reset's download carries none (it must see everything), and after a reset or a
/// person removed and added again the copy has a new id, so what the old one wrote comes back.
#[test]
fn the_replica_id_changes_whenever_the_copy_may_lack_what_it_wrote() {
    let (t, p) = signed_in_store();
    record(&t.store, &p, 0);
    let mut e = SyncEngine::new(EngineConfig::default(), 1);
    let ins = e.handle(&t.store, Event::Start).unwrap();
    let Some(Request::Push(push)) = sent(&ins).cloned() else { panic!("expected a push") };
    let first = push.replica.clone().expect("pushes carry the replica");
    let ins = e.handle(&t.store, Event::Response(Ok(Response::Push(applied_all(&Request::Push(push)))))).unwrap();
    assert_eq!(pull_replica(&ins).as_deref(), Some(first.as_str()), "the pull skips what it pushed");

    // The server was restored: the full download leaves nothing out, and the copy is new after it.
    let reset = PullResponse { reset: Some(techo_protocol::sync::Reset::MustRefetch), has_more: true, ..empty_page() };
    let ins = e.handle(&t.store, Event::Response(Ok(Response::Pull(reset)))).unwrap();
    assert_eq!(pull_replica(&ins), None);
    // The download ends without our reading: it is queued again and sent by the new copy.
    let ins = e.handle(&t.store, Event::Response(Ok(Response::Pull(empty_page())))).unwrap();
    let second = push_replica(&ins).expect("a replica once refetched");
    assert_ne!(second, first);

    // The person removed and added again downloads everything, its own old writes included.
    t.store.remove_profile(p.id, true).unwrap();
    t.store.add_profile("34001234", "A", crate::domain::Relationship::Myself).unwrap();
    let mut e = SyncEngine::new(EngineConfig::default(), 3);
    let ins = e.handle(&t.store, Event::Start).unwrap();
    assert!(matches!(sent(&ins), Some(Request::Pull(q)) if q.cursor.is_none()));
    let third = pull_replica(&ins).expect("a replica");
    assert!(third != first && third != second);
}
