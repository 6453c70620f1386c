//! Sync end to end: a real server on 127.0.0.1 (ephemeral port) and devices running the real
//! client. Two devices converge; replays apply once; one resident never reaches another's data.

use serde_json::json;
use techo_core::domain::{Milli, NewVital, Profile, VitalValue};
use techo_core::sync::SyncOutcome;
use techo_protocol::sync::{MutationStatus, PushResponse};
use techo_protocol::{PROTOCOL_VERSION, SCHEMA_VERSION};
use techo_tests::harness::{Device, TestServer, held_on_device, held_on_server, http, rt, server_view};

const PW: &str = "correct horse battery";

fn complete(d: &Device) -> techo_core::sync::SyncReport {
    let r = d.sync();
    assert_eq!(r.outcome, SyncOutcome::Complete, "{r:?}");
    r
}

/// A server with one resident signed in on two phones.
fn two_devices() -> (TestServer, Device, Profile, Device, Profile) {
    let server = TestServer::start();
    server.add_resident("34001234", PW);
    let a = Device::new(&server.url);
    let b = Device::new(&server.url);
    let pa = a.login("34001234", PW);
    let pb = b.login("34001234", PW);
    (server, a, pa, b, pb)
}

#[test]
fn two_devices_of_one_resident_converge_with_amends_and_deletes() {
    let (server, a, pa, b, pb) = two_devices();

    let a1 = a.record_bp(&pa, 1);
    let a2 = a.record_bp(&pa, 2);
    a.record_bp(&pa, 3);
    let b1 = b.record_weight(&pb, "61.2", 1);
    b.record_weight(&pb, "61.0", 2);

    assert_eq!(complete(&a).pushed, 3);
    let rb = complete(&b);
    assert_eq!((rb.pushed, rb.pulled), (2, 3), "B sends its 2 and receives A's 3, not its own back");
    complete(&a);
    assert_eq!(a.current_view(&pa).len(), 5);
    assert_eq!(a.current_view(&pa), b.current_view(&pb));
    assert_eq!(a.current_view(&pa), server_view(server.storage.as_ref(), "34001234"));
    assert_eq!(a.store.outbox_len().unwrap(), 0);

    // A corrects B's weight and deletes its own reading; B deletes A's other one.
    let fixed = NewVital::new(VitalValue::Weight { kg: Milli::parse("60.8").unwrap() }, b1.measured_at);
    let amended = a.store.amend_vital(b1.id, fixed).unwrap().vital;
    a.store.delete_vital(a1.id).unwrap();
    b.store.delete_vital(a2.id).unwrap();
    complete(&a);
    complete(&b);
    complete(&a);
    let view = a.current_view(&pa);
    assert_eq!(view.len(), 3);
    assert_eq!(view, b.current_view(&pb));
    assert_eq!(view, server_view(server.storage.as_ref(), "34001234"));
    let held = held_on_server(server.storage.as_ref(), "34001234");
    assert_eq!(held_on_device(&a.store, &pa), held, "record by record, corrected and deleted ones too");
    assert_eq!(held_on_device(&b.store, &pb), held);
    let history = b.store.vital_history(b1.id).unwrap();
    assert_eq!(history.iter().map(|v| v.id).collect::<Vec<_>>(), vec![b1.id, amended.id]);
    assert!(b.store.get_vital(a1.id).unwrap().deleted_at.is_some(), "tombstone reached B");

    // A no-op sync is one pull and nothing else.
    let before = a.client.traffic.requests.load(std::sync::atomic::Ordering::Relaxed);
    let r = complete(&a);
    let after = a.client.traffic.requests.load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!((r.pushed, r.pulled), (0, 0));
    assert_eq!(after - before, 1);
}

#[test]
fn offline_writes_wait_and_go_out_later() {
    let server = TestServer::start();
    server.add_resident("34001234", PW);
    let a = Device::new(&server.url);
    let p = a.login("34001234", PW);
    // Point a second client of the same store at a port nothing listens on: the sync ends as
    // offline and keeps everything.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let offline = std::sync::Arc::new(
        techo_core::sync::client::SyncClient::new(
            a.store.clone(),
            a.keys.clone(),
            &dead,
            techo_tests::harness::fast_retries(3),
        )
        .unwrap(),
    );
    for n in 0..4 {
        a.record_bp(&p, n);
    }
    let r = rt().block_on(offline.sync_now(None)).unwrap();
    assert!(matches!(r.outcome, SyncOutcome::Offline { .. }), "{r:?}");
    assert_eq!(r.retries, 2);
    assert_eq!(a.store.outbox_len().unwrap(), 4);
    assert_eq!(complete(&a).pushed, 4);
    assert_eq!(server_view(server.storage.as_ref(), "34001234").len(), 4);
}

async fn login(url: &str, hm: &str, device: &str) -> techo_protocol::auth::Tokens {
    http()
        .post(format!("{url}/v1/auth/login"))
        .json(&json!({ "hm_code": hm, "password": PW, "device_id": device }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// S1: duplicated, reordered and replayed pushes leave the state of applying each mutation once.
#[test]
fn replayed_and_reordered_pushes_apply_once() {
    let server = TestServer::start();
    server.add_resident("34001234", PW);
    let a = Device::new(&server.url);
    let p = a.login("34001234", PW);
    for n in 0..6 {
        a.record_bp(&p, n);
    }
    let victim = a.store.list_vitals(p.id, &Default::default()).unwrap().items[0].id;
    a.store.delete_vital(victim).unwrap();
    let entries = a.store.outbox_entries(100).unwrap();
    let mutations: Vec<_> = entries
        .iter()
        .map(|e| {
            json!({ "mutation_id": e.mutation_id.to_string(), "entity": e.entity, "entity_id": e.entity_id, "op": e.op,
                    "payload": serde_json::from_str::<serde_json::Value>(&e.payload).unwrap() })
        })
        .collect();
    let device = a.store.device_id().to_owned();
    let url = server.url.clone();
    rt().block_on(async move {
        let t = login(&url, "34001234", &device).await;
        let push = |muts: Vec<serde_json::Value>| {
            let (url, token) = (url.clone(), t.access_token.clone());
            async move {
                let body = json!({ "protocol_version": PROTOCOL_VERSION, "schema_version": SCHEMA_VERSION, "mutations": muts });
                let resp = http().post(format!("{url}/v1/sync/push")).bearer_auth(token).json(&body).send().await.unwrap();
                assert_eq!(resp.status(), 200);
                resp.json::<PushResponse>().await.unwrap()
            }
        };
        // Second half first, then everything, then everything again, then the first half.
        let late = push(mutations[3..].to_vec()).await;
        assert!(late.results.iter().all(|r| r.status == MutationStatus::Applied), "{late:?}");
        let all = push(mutations.clone()).await;
        let statuses: Vec<_> = all.results.iter().map(|r| r.status).collect();
        assert_eq!(&statuses[..3], &[MutationStatus::Applied; 3]);
        assert_eq!(&statuses[3..], &[MutationStatus::Duplicate; 4]);
        let again = push(mutations.clone()).await;
        assert!(again.results.iter().all(|r| r.status == MutationStatus::Duplicate));
        // A replay returns the recorded result, commit position included.
        assert_eq!(
            again.results.iter().map(|r| r.commit_seq).collect::<Vec<_>>(),
            all.results.iter().map(|r| r.commit_seq).collect::<Vec<_>>()
        );
        // Same id, different payload: refused, nothing overwritten.
        let mut forged = mutations[0].clone();
        forged["payload"]["note"] = json!("changed");
        let r = push(vec![forged]).await;
        assert_eq!(r.results[0].status, MutationStatus::Rejected);
        assert_eq!(r.results[0].error, Some(techo_protocol::error::ErrorCode::IdempotencyConflict));
    });
    // The raw client signed in as the same device, which revoked the device's earlier tokens (a
    // new login starts a new session): the device signs in again.
    assert_eq!(a.sync().outcome, SyncOutcome::NeedsLogin);
    a.login("34001234", PW);
    // The delete was applied after its create even though it arrived first in the second half
    // of the list... and the device, syncing its own outbox, sees only duplicates.
    let r = complete(&a);
    assert_eq!(r.pushed, 7);
    assert_eq!(r.rejected, 0);
    let view = a.current_view(&p);
    assert_eq!(view.len(), 5);
    assert_eq!(view, server_view(server.storage.as_ref(), "34001234"));
}

/// One resident can neither read nor write another's data by any endpoint; tokens that are
/// expired, revoked or reused stop working.
#[test]
fn residents_are_isolated_and_bad_tokens_are_refused() {
    let server = TestServer::start();
    server.add_resident("34001234", PW);
    server.add_resident("34005678", PW);
    let b = Device::new(&server.url);
    let pb = b.login("34005678", PW);
    b.record_bp(&pb, 1);
    complete(&b);
    let a = Device::new(&server.url);
    let pa = a.login("34001234", PW);
    let own = a.record_bp(&pa, 1);
    let url = server.url.clone();
    let secret = techo_server::token_secret(server.dir.path(), server.storage.as_ref()).unwrap();
    let device_a = a.store.device_id().to_owned();
    let outbox = a.store.outbox_entries(1).unwrap();
    rt().block_on(async move {
        let t = login(&url, "34001234", &device_a).await;
        let get = |patient: &str| {
            http().get(format!("{url}/v1/sync/pull")).query(&[("patient", patient)]).bearer_auth(&t.access_token).send()
        };
        // Reading B's data, or a made-up patient: the same 404.
        for other in ["34005678", "99999999", "DEMO0001"] {
            let r = get(other).await.unwrap();
            assert_eq!(r.status(), 404, "{other}");
            assert_eq!(r.json::<serde_json::Value>().await.unwrap()["code"], "not_found");
        }
        assert_eq!(get("34001234").await.unwrap().status(), 200);
        // Writing into B's record: refused as not found, nothing stored for B.
        let mut payload: serde_json::Value = serde_json::from_str(&outbox[0].payload).unwrap();
        payload["patient"] = json!("34005678");
        let body = json!({ "protocol_version": PROTOCOL_VERSION, "schema_version": SCHEMA_VERSION, "mutations": [
            { "mutation_id": "m-forged", "entity": "vital", "entity_id": own.id.to_string(), "op": "create", "payload": payload }]});
        let r: PushResponse =
            http().post(format!("{url}/v1/sync/push")).bearer_auth(&t.access_token).json(&body).send().await.unwrap().json().await.unwrap();
        assert_eq!(r.results[0].status, MutationStatus::Rejected);
        assert_eq!(r.results[0].error, Some(techo_protocol::error::ErrorCode::NotFound));

        // No token, a forged one, an expired one.
        let anon = http().get(format!("{url}/v1/sync/pull")).query(&[("patient", "34001234")]).send().await.unwrap();
        assert_eq!(anon.status(), 401);
        let expired = techo_server::auth::TokenSigner::new(secret.clone()).sign(&techo_server::auth::AccessClaims {
            resident: 1,
            device_id: device_a.clone(),
            session: 1,
            expires_at: chrono::Utc::now().timestamp() - 1,
        });
        let r = http().get(format!("{url}/v1/sync/pull")).query(&[("patient", "34001234")]).bearer_auth(expired).send().await.unwrap();
        assert_eq!(r.status(), 401);
        let forged = t.access_token.replacen("v2.", "v2.9", 1);
        let r = http().get(format!("{url}/v1/sync/pull")).query(&[("patient", "34001234")]).bearer_auth(forged).send().await.unwrap();
        assert_eq!(r.status(), 401);

        // Refresh rotates; presenting an old token long after is theft: the device is signed out.
        let refresh = |token: String| {
            http().post(format!("{url}/v1/auth/refresh")).json(&json!({ "refresh_token": token, "device_id": device_a })).send()
        };
        let r1 = refresh(t.refresh_token.clone()).await.unwrap();
        assert_eq!(r1.status(), 200);
        let t2: techo_protocol::auth::Tokens = r1.json().await.unwrap();
        let r2 = refresh(t2.refresh_token.clone()).await.unwrap();
        assert_eq!(r2.status(), 200);
        // t.refresh_token was used and a later one too: reuse, not a retry.
        let reuse = refresh(t.refresh_token.clone()).await.unwrap();
        assert_eq!(reuse.status(), 401);
        let r = http().get(format!("{url}/v1/sync/pull")).query(&[("patient", "34001234")]).bearer_auth(&t2.access_token).send().await.unwrap();
        assert_eq!(r.status(), 401, "reuse signed the device out");

        // Logout revokes at once.
        let t3 = login(&url, "34001234", &device_a).await;
        let out = http().post(format!("{url}/v1/auth/logout")).bearer_auth(&t3.access_token).send().await.unwrap();
        assert_eq!(out.status(), 204);
        let r = http().get(format!("{url}/v1/sync/pull")).query(&[("patient", "34001234")]).bearer_auth(&t3.access_token).send().await.unwrap();
        assert_eq!(r.status(), 401);
        assert_eq!(refresh(t3.refresh_token.clone()).await.unwrap().status(), 401);
    });
    assert_eq!(server_view(server.storage.as_ref(), "34005678").len(), 1, "B's data untouched");
}

#[test]
fn bad_input_gets_typed_errors_never_500() {
    let server = TestServer::start();
    server.add_resident("34001234", PW);
    let url = server.url.clone();
    let instance = server.instance_urls[0].clone();
    rt().block_on(async move {
        let t = login(&url, "34001234", "dev-x").await;
        let push = |body: Vec<u8>| {
            http()
                .post(format!("{url}/v1/sync/push"))
                .bearer_auth(&t.access_token)
                .header("content-type", "application/json")
                .body(body)
                .send()
        };
        let r = push(b"{not json".to_vec()).await.unwrap();
        assert_eq!(r.status(), 400);
        assert_eq!(r.json::<serde_json::Value>().await.unwrap()["code"], "malformed_request");
        let r = push(br#"{"protocol_version": 1, "schema_version": 1}"#.to_vec()).await.unwrap();
        assert_eq!(r.status(), 400);
        let r = push(br#"{"protocol_version": 99, "schema_version": 1, "mutations": []}"#.to_vec()).await.unwrap();
        assert_eq!(r.json::<serde_json::Value>().await.unwrap()["code"], "version_not_supported");
        // Oversized: the server answers 413 from the headers alone, before any body byte is sent
        // (a client that keeps writing the body would race the closed connection). Asked of an
        // instance itself: a front that reads whole requests before forwarding (the two-instance
        // run's) would wait for the body first.
        {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let addr = instance.trim_start_matches("http://");
            let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
            let head = format!(
                "POST /v1/sync/push HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\
                 Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                t.access_token,
                2 * 1024 * 1024
            );
            conn.write_all(head.as_bytes()).await.unwrap();
            let mut answer = vec![0u8; 512];
            let n =
                tokio::time::timeout(std::time::Duration::from_secs(5), conn.read(&mut answer)).await.unwrap().unwrap();
            let answer = String::from_utf8_lossy(&answer[..n]);
            assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
        }
        // Garbage in every field of a mutation: rejected per mutation, the batch still answers.
        let body = json!({ "protocol_version": 1, "schema_version": 1, "mutations": [
            { "mutation_id": "m1", "entity": "vital", "entity_id": "x", "op": "create", "payload": { "id": 5 } },
            { "mutation_id": "m2", "entity": "pizza", "entity_id": "x", "op": "create", "payload": {} },
            { "mutation_id": "m3", "entity": "vital", "entity_id": "x", "op": "delete", "payload": [] }]});
        let r: PushResponse = push(serde_json::to_vec(&body).unwrap()).await.unwrap().json().await.unwrap();
        assert!(r.results.iter().all(|r| r.status == MutationStatus::Rejected));
        let r = http()
            .get(format!("{url}/v1/sync/pull"))
            .query(&[("patient", "34001234"), ("cursor", "bogus")])
            .bearer_auth(&t.access_token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        let r = http().get(format!("{url}/nope")).send().await.unwrap();
        assert_eq!(r.status(), 404);
        let r = http().post(format!("{url}/v1/auth/login")).json(&json!({"hm_code": "34001234"})).send().await.unwrap();
        assert_eq!(r.status(), 400);
        let spec: serde_json::Value =
            http().get(format!("{url}/openapi.json")).send().await.unwrap().json().await.unwrap();
        assert!(spec["paths"]["/v1/sync/push"]["post"].is_object());
        assert_eq!(http().get(format!("{url}/healthz")).send().await.unwrap().text().await.unwrap(), "ok");
    });
}

#[test]
fn failed_logins_are_rate_limited_per_account_and_address() {
    let server = TestServer::start();
    server.add_resident("34001234", PW);
    let url = server.url.clone();
    rt().block_on(async move {
        let attempt = |pw: &'static str| {
            http()
                .post(format!("{url}/v1/auth/login"))
                .json(&json!({ "hm_code": "34001234", "password": pw, "device_id": "d" }))
                .send()
        };
        let mut statuses = Vec::new();
        for _ in 0..10 {
            statuses.push(attempt("wrong password").await.unwrap().status().as_u16());
        }
        // A few free failures (the sixth already reserved a delay), then every attempt waits.
        assert_eq!(statuses, [401, 401, 401, 401, 401, 401, 429, 429, 429, 429]);
        let r = attempt(PW).await.unwrap();
        assert_eq!(r.status(), 429, "the guessing address waits even with the right password");
        let wait: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!(wait > 0 && wait <= 900);
    });
}

#[test]
fn must_refetch_after_a_restore_keeps_and_resends_everything() {
    let server = TestServer::start();
    server.add_resident("34001234", PW);
    let a = Device::new(&server.url);
    let p = a.login("34001234", PW);
    for n in 0..3 {
        a.record_bp(&p, n);
    }
    complete(&a);
    // The server "loses" what came after its backup: simulate by a second device's records that
    // the server drops, then an epoch bump as `admin mark-restored` does.
    let b = Device::new(&server.url);
    let pb = b.login("34001234", PW);
    complete(&b);
    assert_eq!(b.current_view(&pb).len(), 3);
    let unsent = a.record_bp(&p, 10);
    techo_server::storage::RecordStore::bump_epoch(server.storage.as_ref()).unwrap();
    let r = complete(&a);
    assert!(r.must_refetch);
    assert_eq!(r.pushed, 1, "the unsent reading was kept and sent");
    assert!(a.store.get_vital(unsent.id).unwrap().server_version.is_some());
    let r = complete(&b);
    assert!(r.must_refetch);
    assert_eq!(a.current_view(&p), b.current_view(&pb));
    assert_eq!(a.current_view(&p).len(), 4);
}

/// P-Y1: after failed syncs the device keeps trying on its own timer; no new local write is
/// needed for the queue to go out once the server is back.
#[test]
fn queue_goes_out_when_the_server_returns_without_a_new_write() {
    let addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let url = format!("http://{addr}");
    let dir = tempfile::tempdir().unwrap();
    let keys = std::sync::Arc::new(techo_core::keys::MemoryKeyStore::new());
    let store =
        std::sync::Arc::new(techo_core::store::Store::open(dir.path().join("techo.db"), keys.as_ref()).unwrap());
    let profile = store.add_profile("34001234", "A", techo_core::domain::Relationship::Myself).unwrap();
    // Signed in earlier; the server is down now.
    store
        .set_account(Some(&techo_core::store::Account {
            server_url: url.clone(),
            hm_code: "34001234".into(),
            patients: vec!["34001234".into()],
        }))
        .unwrap();
    let client = std::sync::Arc::new(
        techo_core::sync::client::SyncClient::new(
            store.clone(),
            keys.clone(),
            &url,
            techo_tests::harness::fast_retries(2),
        )
        .unwrap(),
    );
    let reading = NewVital::new(
        VitalValue::Weight { kg: Milli::parse("60").unwrap() },
        chrono::DateTime::parse_from_rfc3339("2026-11-01T07:00:00+09:00").unwrap(),
    );
    store.record_vital(profile.id, reading).unwrap();
    let scheduler = rt().block_on(async {
        techo_core::sync::client::SyncScheduler::start(client.clone(), std::time::Duration::from_secs(3600), None)
    });
    std::thread::sleep(std::time::Duration::from_millis(400));
    assert_eq!(store.outbox_len().unwrap(), 1, "nothing can go out yet");

    // The server comes back at the same address; the device had been signed in there.
    let server = TestServer::start_at(&addr.to_string(), Default::default());
    server.add_resident("34001234", PW);
    // A fresh server has no session for this device yet: sign in once (no new reading).
    rt().block_on(client.login("34001234", PW)).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while store.outbox_len().unwrap() > 0 {
        assert!(std::time::Instant::now() < deadline, "the queue did not drain without a new write");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    scheduler.stop();
    assert_eq!(server_view(server.storage.as_ref(), "34001234").len(), 1);
}

/// P-Y10: tombstones past retention are collected; a device whose cursor predates them
/// downloads everything again and learns the deletion from what is missing, re-sending nothing.
#[test]
fn an_expired_cursor_refetches_and_learns_deletions_from_absence() {
    let (server, a, pa, b, pb) = two_devices();
    let gone = a.record_bp(&pa, 1);
    a.record_bp(&pa, 2);
    a.record_bp(&pa, 3);
    complete(&a);
    complete(&b);
    assert_eq!(b.current_view(&pb).len(), 3);
    // A deletes while B is away for longer than the retention period.
    a.store.delete_vital(gone.id).unwrap();
    complete(&a);
    let later = chrono::Utc::now().timestamp_millis() + 1;
    let collected = techo_server::storage::RecordStore::collect_tombstones(server.storage.as_ref(), later).unwrap();
    assert_eq!(collected, 1);
    let r = complete(&b);
    assert!(r.must_refetch, "{r:?}");
    assert_eq!(r.requeued, 0, "nothing resurrected");
    assert!(b.store.get_vital(gone.id).unwrap().deleted_at.is_some(), "B learnt the deletion");
    assert_eq!(b.current_view(&pb), server_view(server.storage.as_ref(), "34001234"));
    // A's cursor is past the collected tombstone: it just continues.
    let r = complete(&a);
    assert!(!r.must_refetch);
    assert_eq!(a.current_view(&pa), b.current_view(&pb));
}

/// A pharmacy posts a dispensing to the server; the resident's phones get it by ordinary sync.
/// A phone that scanned the same receipt's QR codes first keeps one copy: the entry's id comes
/// from its content, so the server's copy and the scanned one are the same record.
#[test]
fn a_pharmacys_dispensing_reaches_both_phones_once_however_it_arrived() {
    let (server, a, pa, b, pb) = two_devices();
    let credential = techo_server::pharmacy::add_institution(server.storage.as_ref(), "3441234567", "テスト薬局")
        .expect("register a pharmacy");
    let receipt = techo_jahis::encode_cp932(
        "JAHISTC08,1\r\n5,20261120,1\r\n11,テスト薬局,34,4,1234567,,,,1\r\n\
         201,1,アムロジピン錠５ｍｇ,1,錠,2,999000001,1\r\n301,1,【１日１回 朝食後】,28,日分,1,1,,1\r\n",
    )
    .0;
    // Phone A scanned the receipt before the pharmacy's system sent it, and is offline.
    let scanned = a.store.import_medications(pa.id, &receipt, techo_core::store::ImportSource::Qr).unwrap();
    assert_eq!(scanned.added.len(), 1);

    let sent = rt().block_on(async {
        http()
            .post(format!("{}/v1/pharmacy/medications", server.url))
            .query(&[("patient", "34001234")])
            .bearer_auth(&credential)
            .body(receipt.clone())
            .send()
            .await
            .unwrap()
    });
    assert_eq!(sent.status().as_u16(), 200);

    complete(&b);
    let on_b = b.store.list_medications(pb.id, &Default::default()).unwrap().items;
    assert_eq!(on_b.len(), 1, "phone B got the pharmacy's dispensing");
    assert_eq!(on_b[0].entry.id, scanned.added[0]);
    assert_eq!(on_b[0].arrived_by, techo_core::store::ArrivedBy::Sync);

    // Phone A comes online: its scanned copy is the server's record, not a second one.
    complete(&a);
    complete(&b);
    for (d, p) in [(&a, &pa), (&b, &pb)] {
        let items = d.store.list_medications(p.id, &Default::default()).unwrap().items;
        assert_eq!(items.iter().map(|m| m.entry.id).collect::<Vec<_>>(), scanned.added);
        assert!(d.store.wedged_entries().unwrap().is_empty());
    }
    let held = held_on_server(server.storage.as_ref(), "34001234");
    assert_eq!(held_on_device(&a.store, &pa), held);
    assert_eq!(held_on_device(&b.store, &pb), held);
    let medication_ids: Vec<_> = techo_tests::harness::all_server_ids(server.storage.as_ref(), "34001234")
        .into_iter()
        .filter(|id| *id == scanned.added[0].to_string())
        .collect();
    assert_eq!(medication_ids.len(), 1);
}

/// A phone is not sent back what it uploaded: after 1,200 readings in pushes of 200, its pull
/// is one request with nothing in it. Another phone still gets everything, the first phone gets
/// what the other one changed, and after starting over (a fresh database, the same device) it
/// downloads everything again.
#[test]
fn a_phone_does_not_download_its_own_upload_but_gets_it_back_after_starting_over() {
    const N: u32 = 1_200;
    let config =
        techo_core::sync::EngineConfig { push_batch: 200, pull_limit: 100, ..techo_tests::harness::fast_retries(6) };
    let server = TestServer::start();
    server.add_resident("34001234", PW);
    let dir = tempfile::tempdir().unwrap();
    let keys = std::sync::Arc::new(techo_core::keys::MemoryKeyStore::new());
    let a = Device::open(dir.path(), keys.clone(), &server.url, config.clone());
    let pa = a.login("34001234", PW);
    let at = chrono::DateTime::parse_from_rfc3339("2026-10-01T07:00:00+09:00").unwrap();
    let readings: Vec<NewVital> = (0..N)
        .map(|n| {
            NewVital::new(
                VitalValue::Weight { kg: Milli::from_units(50 + n % 30) },
                at - chrono::Duration::minutes(i64::from(n)),
            )
        })
        .collect();
    a.store.record_vitals(pa.id, readings).unwrap();

    let up = complete(&a);
    assert_eq!((up.pushed, up.pulled), (u64::from(N), 0));
    assert_eq!(up.requests, u64::from(N / 200) + 1, "six pushes and one pull: {up:?}");

    let b = Device::with_config(&server.url, config.clone());
    let pb = b.login("34001234", PW);
    let down = complete(&b);
    assert_eq!(down.pulled, u64::from(N), "the other phone gets everything");
    assert_eq!(b.current_view(&pb), a.current_view(&pa));

    // The other phone deletes one of them and adds one: the first phone gets both, and no more.
    let first = a.current_view(&pa)[0].0.parse().unwrap();
    b.store.delete_vital(first).unwrap();
    b.record_weight(&pb, "61.0", 1);
    complete(&b);
    let r = complete(&a);
    assert_eq!((r.pushed, r.pulled, r.requests), (0, 2, 1));
    assert_eq!(a.current_view(&pa), b.current_view(&pb));
    assert_eq!(a.current_view(&pa), server_view(server.storage.as_ref(), "34001234"));

    // Starting over: what the old database sent comes back to the fresh one.
    drop(a);
    let path = dir.path().join("techo.db");
    techo_core::Store::start_over(&path, keys.as_ref(), techo_core::store::OpenOptions::default()).unwrap();
    let a = Device::open(dir.path(), keys.clone(), &server.url, config);
    let pa = a.store.profile_by_hm_code("34001234").unwrap();
    let again = complete(&a);
    assert_eq!(again.pulled, u64::from(N) + 1, "every live reading and the deletion: {again:?}");
    assert_eq!(a.current_view(&pa), server_view(server.storage.as_ref(), "34001234"));
    assert_eq!(held_on_device(&a.store, &pa), held_on_server(server.storage.as_ref(), "34001234"));
}
