//! Two server instances over one PostgreSQL database, each asked directly: what one instance
//! answered or started, the other honours, because everything that must hold across requests
//! lives in the database. A refresh-token rotation retried at the other instance gets the same
//! answer; one push sent to both at once is applied once; an upload started at one continues at
//! the other, a chunk sent to both at once is written once, and the blob comes out whole at
//! either; a phone behind the round-robin front alternates between them and converges. Needs
//! the test cluster (`TECHO_TEST_POSTGRES_URL`, set by `scripts/postgres.sh`):
//! skipped with a note without it, a failure in CI.

use serde_json::json;
use techo_protocol::auth::Tokens;
use techo_protocol::sync::{MutationStatus, PushResponse};
use techo_protocol::uploads::{CHUNK_CONTENT_TYPE, UPLOAD_OFFSET_HEADER, UploadState};
use techo_protocol::{PROTOCOL_VERSION, SCHEMA_VERSION};
use techo_server::storage::scratch::test_cluster_url;
use techo_tests::harness::{Backend, Device, TestServer, all_server_ids, http, rt};

const PW: &str = "correct horse battery";
const HM: &str = "34001234";

fn two_instances() -> Option<TestServer> {
    test_cluster_url()?;
    let server = TestServer::start_on(Backend::TwoPostgres, "127.0.0.1:0", Default::default());
    assert_eq!(server.instance_urls.len(), 2);
    server.add_resident(HM, PW);
    Some(server)
}

async fn login(url: &str, device: &str) -> Tokens {
    let r = http()
        .post(format!("{url}/v1/auth/login"))
        .json(&json!({ "hm_code": HM, "password": PW, "device_id": device }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

async fn refresh(url: &str, token: &str, device: &str) -> reqwest::Response {
    http()
        .post(format!("{url}/v1/auth/refresh"))
        .json(&json!({ "refresh_token": token, "device_id": device }))
        .send()
        .await
        .unwrap()
}

async fn pull_status(url: &str, access: &str) -> u16 {
    http()
        .get(format!("{url}/v1/sync/pull"))
        .query(&[("patient", HM)])
        .bearer_auth(access)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// A renewal whose answer was lost at one instance is retried at the other and gets the same
/// tokens; a token either instance issued works at both; reuse after a later rotation is caught
/// whichever instance sees it.
#[test]
fn a_refresh_answered_by_one_instance_and_retried_at_the_other_gets_the_same_answer() {
    let Some(server) = two_instances() else { return };
    let (one, two) = (server.instance_urls[0].clone(), server.instance_urls[1].clone());
    rt().block_on(async move {
        let t = login(&one, "phone").await;
        assert_eq!(pull_status(&two, &t.access_token).await, 200, "signed by one, accepted by two");
        let first = refresh(&one, &t.refresh_token, "phone").await;
        assert_eq!(first.status(), 200);
        let first: Tokens = first.json().await.unwrap();
        // The answer "was lost": the device retries the same token, at the other instance.
        let retried = refresh(&two, &t.refresh_token, "phone").await;
        assert_eq!(retried.status(), 200, "a retry within the grace, not a reuse");
        let retried: Tokens = retried.json().await.unwrap();
        assert_eq!(retried.refresh_token, first.refresh_token, "the same successor");
        assert_eq!(retried.patients, first.patients);
        for url in [&one, &two] {
            assert_eq!(pull_status(url, &retried.access_token).await, 200);
        }
        // The family moves on at instance two; the first token presented again at instance one
        // is now a reuse, and signs the device out everywhere.
        let next = refresh(&two, &first.refresh_token, "phone").await;
        assert_eq!(next.status(), 200);
        let next: Tokens = next.json().await.unwrap();
        assert_eq!(refresh(&one, &t.refresh_token, "phone").await.status(), 401);
        for url in [&one, &two] {
            assert_eq!(pull_status(url, &next.access_token).await, 401, "signed out at {url}");
        }
    });
}

/// One push (the same mutation ids), sent to both instances at the same moment, several times:
/// each mutation is applied once, and both answers give it the same position.
#[test]
fn the_same_push_sent_to_both_instances_at_once_is_applied_once() {
    let Some(server) = two_instances() else { return };
    let phone = Device::new(&server.url);
    let profile = phone.login(HM, PW);
    let rounds = 4;
    let per_round = 5;
    let mut batches = Vec::new();
    for round in 0..rounds {
        for n in 0..per_round {
            phone.record_bp(&profile, round * per_round + n);
        }
        let entries = phone.store.outbox_entries(1000).unwrap();
        let fresh: Vec<_> = entries
            .iter()
            .skip((round * per_round) as usize)
            .map(|e| {
                json!({ "mutation_id": e.mutation_id.to_string(), "entity": e.entity, "entity_id": e.entity_id,
                        "op": e.op, "payload": serde_json::from_str::<serde_json::Value>(&e.payload).unwrap() })
            })
            .collect();
        assert_eq!(fresh.len(), per_round as usize);
        batches.push(fresh);
    }
    let device = phone.store.device_id().to_owned();
    let urls = server.instance_urls.clone();
    rt().block_on(async move {
        let t = login(&urls[0], &device).await;
        let push = |url: String, mutations: Vec<serde_json::Value>| {
            let token = t.access_token.clone();
            async move {
                let body = json!({ "protocol_version": PROTOCOL_VERSION, "schema_version": SCHEMA_VERSION,
                                   "mutations": mutations });
                let r = http().post(format!("{url}/v1/sync/push")).bearer_auth(token).json(&body).send().await.unwrap();
                assert_eq!(r.status(), 200);
                r.json::<PushResponse>().await.unwrap()
            }
        };
        for batch in batches {
            let (a, b) = tokio::join!(push(urls[0].clone(), batch.clone()), push(urls[1].clone(), batch.clone()));
            for (x, y) in a.results.iter().zip(&b.results) {
                let applied = [x.status, y.status].iter().filter(|s| **s == MutationStatus::Applied).count();
                assert_eq!(applied, 1, "applied by exactly one instance: {x:?} {y:?}");
                assert!([x.status, y.status].contains(&MutationStatus::Duplicate), "{x:?} {y:?}");
                assert_eq!(x.commit_seq, y.commit_seq, "the replay answers with the recorded position");
            }
        }
    });
    assert_eq!(all_server_ids(server.storage.as_ref(), HM).len(), (rounds * per_round) as usize, "each once");
}

async fn chunk(url: &str, access: &str, id: &str, offset: u64, bytes: &[u8]) -> reqwest::Response {
    http()
        .patch(format!("{url}/v1/uploads/{id}"))
        .bearer_auth(access)
        .header("content-type", CHUNK_CONTENT_TYPE)
        .header(UPLOAD_OFFSET_HEADER, offset.to_string())
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap()
}

/// A photo upload started at one instance continues at the other; one chunk sent to both at once
/// is written once (the other is told where the upload stands); the last chunk at the first
/// instance completes it with the right hash, and either instance serves the same bytes.
#[test]
fn an_upload_started_at_one_instance_completes_at_the_other_with_the_right_hash() {
    let Some(server) = two_instances() else { return };
    let (one, two) = (server.instance_urls[0].clone(), server.instance_urls[1].clone());
    const MIB: usize = 1024 * 1024;
    let photo: Vec<u8> = (0..(2 * MIB + 12_345)).map(|i| (i * 7 % 253) as u8).collect();
    let sha = techo_server::storage::sha256_hex(&photo);
    rt().block_on(async move {
        let t = login(&one, "phone").await;
        let start = json!({ "patient": HM, "sha256": sha, "size": photo.len(), "mime": "image/jpeg" });
        let r =
            http().post(format!("{one}/v1/uploads")).bearer_auth(&t.access_token).json(&start).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let state: UploadState = r.json().await.unwrap();
        let id = state.upload_id.expect("a new upload");
        assert_eq!(state.offset, 0);

        let r = chunk(&two, &t.access_token, &id, 0, &photo[..MIB]).await;
        assert_eq!(r.status(), 200, "continued at the other instance");
        assert_eq!(r.json::<UploadState>().await.unwrap().offset, MIB as u64);

        // A retry racing its first attempt, each at another instance: they take turns, so one
        // writes and the other finds the offset moved.
        let (a, b) = tokio::join!(
            chunk(&one, &t.access_token, &id, MIB as u64, &photo[MIB..2 * MIB]),
            chunk(&two, &t.access_token, &id, MIB as u64, &photo[MIB..2 * MIB])
        );
        let mut statuses = [a.status().as_u16(), b.status().as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 409], "one written, the other told the upload moved on");

        let r = http().get(format!("{two}/v1/uploads/{id}")).bearer_auth(&t.access_token).send().await.unwrap();
        assert_eq!(r.json::<UploadState>().await.unwrap().offset, 2 * MIB as u64, "both see the same offset");
        let r = chunk(&one, &t.access_token, &id, 2 * MIB as u64, &photo[2 * MIB..]).await;
        assert_eq!(r.status(), 200);
        let done: UploadState = r.json().await.unwrap();
        assert_eq!(done.blob.expect("stored").sha256, sha);

        for url in [&one, &two] {
            let r = http().get(format!("{url}/v1/blobs/{HM}/{sha}")).bearer_auth(&t.access_token).send().await.unwrap();
            assert_eq!(r.status(), 200);
            let bytes = r.bytes().await.unwrap();
            assert_eq!(techo_server::storage::sha256_hex(&bytes), sha, "the same bytes from {url}");
        }
    });
}

/// Through the round-robin front, one phone's sync crosses instances request by request (its
/// pooled keep-alive connection is not pinned to one), and it converges as with one server.
#[test]
fn a_phone_behind_the_front_alternates_between_instances_and_converges() {
    let Some(server) = two_instances() else { return };
    let front = server.front.as_ref().expect("a front before two instances");
    let phone = Device::new(&server.url);
    let profile = phone.login(HM, PW);
    for n in 0..30 {
        phone.record_bp(&profile, n);
    }
    let other = Device::new(&server.url);
    let other_profile = other.login(HM, PW);
    for d in [&phone, &other, &phone] {
        assert_eq!(d.sync().outcome, techo_core::sync::SyncOutcome::Complete);
    }
    assert_eq!(phone.current_view(&profile), other.current_view(&other_profile));
    assert_eq!(all_server_ids(server.storage.as_ref(), HM).len(), 30);
    let sent = front.counts().by_upstream;
    assert_eq!(sent.len(), 2);
    assert!(sent[0].abs_diff(sent[1]) <= 1 && sent[0] >= 3, "requests alternate: {sent:?}");
}
