//! The shared protocol vectors, checked against the server's push/pull logic: the push request
//! vector produces exactly the push response vector, and the following pull matches the pull
//! vector (cursor epochs aside), or the own-writes vector when the pushing copy asks; the update
//! vectors, for the example family `test_note`, likewise.

mod support;

use support::vector;
use techo_protocol::sync::{PullQuery, PullResponse, PushRequest, PushResponse};
use techo_server::state::Limits;
use techo_server::storage::{AccountStore, RecordStore};
use techo_server::sync_service;

#[test]
fn push_and_pull_vectors_match_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let storage = techo_server::open_storage(dir.path()).unwrap();
    let resident = storage.add_resident("34001234", "Vector", "1950-01-01", 0).unwrap();
    storage.add_resident("34009999", "Someone else", "1950-01-01", 0).unwrap();
    let limits = Limits::default();

    let request: PushRequest = vector("push_request.json");
    let expected: PushResponse = vector("push_response.json");
    let got = sync_service::push(storage.as_ref(), &limits, resident, "device-1", request.clone()).unwrap();
    assert_eq!(got, expected);

    // Replaying the same request: applied ones come back as duplicates with the same positions,
    // refusals are repeated as recorded.
    let again = sync_service::push(storage.as_ref(), &limits, resident, "device-1", request).unwrap();
    for (a, e) in again.results.iter().zip(&expected.results) {
        assert_eq!(a.commit_seq, e.commit_seq);
        assert_eq!(a.error, e.error);
    }

    let query = PullQuery { patient: "34001234".into(), cursor: None, limit: None, replica: None };
    let mut pulled = sync_service::pull(storage.as_ref(), &limits, resident, "device-1", &query).unwrap();
    let mut want: PullResponse = vector("pull_response.json");
    let epoch = storage.epoch().unwrap();
    want.next_cursor = want.next_cursor.replace("00112233aabbccdd", &epoch);
    assert_eq!(pulled, want);
    // The copy that pushed them (same replica, device and account) is sent none of its own
    // writes back, and its cursor still reaches the end.
    let own = PullQuery { replica: Some("019ab3c2-0000-7000-8000-00000000c0b1".into()), ..query.clone() };
    let mut own_want: PullResponse = vector("pull_response_own_writes.json");
    own_want.next_cursor = own_want.next_cursor.replace("00112233aabbccdd", &epoch);
    assert_eq!(sync_service::pull(storage.as_ref(), &limits, resident, "device-1", &own).unwrap(), own_want);
    assert_eq!(sync_service::pull(storage.as_ref(), &limits, resident, "device-2", &own).unwrap(), want);

    // After a restore the same cursor must refetch, as the must_refetch vector shows.
    storage.bump_epoch().unwrap();
    pulled = sync_service::pull(
        storage.as_ref(),
        &limits,
        resident,
        "device-1",
        &PullQuery { cursor: Some(pulled.next_cursor), ..query },
    )
    .unwrap();
    let mut reset: PullResponse = vector("pull_response_must_refetch.json");
    reset.next_cursor = reset.next_cursor.replace("99887766aabbccdd", &storage.epoch().unwrap());
    assert_eq!(pulled, reset);
}

#[test]
fn update_vectors_match_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let storage = techo_server::open_storage(dir.path()).unwrap();
    let resident = storage.add_resident("34001234", "Vector", "1950-01-01", 0).unwrap();
    let (families, limits) = (support::families(), Limits::default());

    let request: PushRequest = vector("update_push_request.json");
    let expected: PushResponse = vector("update_push_response.json");
    let got =
        sync_service::push_with(storage.as_ref(), &families, &limits, resident, "device-1", request.clone()).unwrap();
    assert_eq!(got, expected);

    // A replay gets the same answers, the conflict with the same server record.
    let again = sync_service::push_with(storage.as_ref(), &families, &limits, resident, "device-1", request).unwrap();
    for (a, e) in again.results.iter().zip(&expected.results) {
        assert_eq!((a.commit_seq, a.error, &a.server_record), (e.commit_seq, e.error, &e.server_record));
    }

    // Without the family registered, the same pushes are unsupported.
    let plain: PushRequest = vector("update_push_request.json");
    let refused = sync_service::push(storage.as_ref(), &limits, resident, "device-2", plain).unwrap();
    assert!(refused.results.iter().all(|r| r.error == Some(techo_protocol::error::ErrorCode::UnsupportedEntity)));
}
