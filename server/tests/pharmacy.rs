//! Pharmacy ingestion over HTTP: a pharmacy system posts a patient's JAHIS data with its own
//! credential; the entries reach the patient's pull like any change; bad data is refused whole
//! with its problems; the credential opens nothing else.

use serde_json::Value;
use std::sync::Arc;
use techo_server::storage::Storage;
use techo_server::storage::scratch::{TestStore, off_runtime};

const PATIENT: &str = "DEMO0001";

struct Server {
    url: String,
    storage: Arc<dyn Storage>,
    _store: TestStore,
    credential: String,
    _dir: tempfile::TempDir,
}

async fn start() -> Server {
    let dir = tempfile::tempdir().unwrap();
    // SQLite, or PostgreSQL with TECHO_TEST_SERVER_BACKEND=postgres (scripts/test.sh runs both).
    let store = TestStore::open(dir.path());
    let storage = store.storage.clone();
    let seeded = off_runtime(|| techo_server::demo::seed(storage.as_ref())).unwrap();
    let secret = off_runtime(|| techo_server::token_secret(dir.path(), storage.as_ref())).unwrap();
    let state = techo_server::app_state(storage.clone(), secret, techo_server::state::Limits::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(techo_server::serve(listener, state, std::future::pending()));
    Server { url, storage, _store: store, credential: seeded.pharmacy_credential.unwrap(), _dir: dir }
}

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

fn cp932(text: &str) -> Vec<u8> {
    techo_jahis::encode_cp932(&text.replace('\n', "\r\n")).0
}

const DISPENSING: &str = "JAHISTC08,1
1,デモ 花子,2,19500401
5,20261120,1
11,デモ薬局 紙屋町店,34,4,1234567,,,,1
201,1,アムロジピン錠５ｍｇ,1,錠,2,999000001,1
301,1,【１日１回 朝食後】,28,日分,1,1,,1
";

async fn send(s: &Server, credential: &str, patient: &str, body: Vec<u8>) -> (u16, Value) {
    let r = client()
        .post(format!("{}/v1/pharmacy/medications", s.url))
        .query(&[("patient", patient)])
        .bearer_auth(credential)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn medication_changes(s: &Server) -> Vec<techo_protocol::sync::Change> {
    let resident = off_runtime(|| s.storage.resident_by_hm_code(PATIENT)).unwrap().unwrap().id;
    let page = off_runtime(|| s.storage.pull(resident, 0, 1000, None)).unwrap();
    page.changes.into_iter().filter(|c| c.entity == techo_protocol::Entity::Medication).collect()
}

#[tokio::test]
async fn a_pharmacys_file_is_stored_once_and_reaches_the_patients_pull() {
    let s = start().await;
    let (status, body) = send(&s, &s.credential, PATIENT, cp932(DISPENSING)).await;
    assert_eq!(status, 200, "{body}");
    let entries: Vec<String> =
        body["entries"].as_array().unwrap().iter().map(|e| e.as_str().unwrap().to_owned()).collect();
    assert_eq!(entries.len(), 2, "patient details and one dispensing: {body}");
    assert_eq!(medication_changes(&s).len(), 2);
    // Sent again (a retry after a lost answer, or a resend): the same entries, nothing new.
    let (status, again) = send(&s, &s.credential, PATIENT, cp932(DISPENSING)).await;
    assert_eq!(status, 200);
    assert_eq!(again["entries"], body["entries"]);
    assert_eq!(medication_changes(&s).len(), 2);
    // The same dispensing written by another printer (older header, LF, trailing commas) is
    // the same content: one record.
    let other_printer = DISPENSING.replace("JAHISTC08", "JAHISTC06").replace(",1\n", ",1,\n");
    let (status, third) = send(&s, &s.credential, PATIENT, techo_jahis::encode_cp932(&other_printer).0).await;
    assert_eq!(status, 200);
    assert_eq!(third["entries"], body["entries"]);
    assert_eq!(medication_changes(&s).len(), 2);
    let resident = off_runtime(|| s.storage.resident_by_hm_code(PATIENT)).unwrap().unwrap().id;
    let kept = off_runtime(|| s.storage.submissions_for(resident)).unwrap();
    assert_eq!(kept.len(), 3, "every submission is kept as received");
    assert_eq!(kept[0].1, cp932(DISPENSING));
}

#[tokio::test]
async fn bad_data_is_refused_whole_with_its_problems_and_nothing_is_stored() {
    let s = start().await;
    // Code type 2 without a code, and an RP with no usage.
    let broken = DISPENSING.replace("2,999000001,1", "2,,1").replace("301,1,【１日１回 朝食後】,28,日分,1,1,,1\n", "");
    let (status, body) = send(&s, &s.credential, PATIENT, cp932(&broken)).await;
    assert_eq!(status, 400, "{body}");
    let problems = body["problems"].as_array().unwrap();
    assert!(problems.iter().any(|p| p["code"] == "conditional_field_missing" && p["record"] == 201 && p["field"] == 6));
    assert!(problems.iter().any(|p| p["code"] == "rp_without_usage"));
    let text = body.to_string();
    assert!(!text.contains("アムロジピン") && !text.contains(PATIENT), "problems name positions, never values");
    for (body, why) in [
        (b"JAHIS10\r\n1,1,1234567\r\n".to_vec(), "a prescription symbol"),
        (cp932(&DISPENSING.replace("JAHISTC08,1", "JAHISTC08,2")), "patient-to-pharmacy data"),
        (b"\x00\x01garbage".to_vec(), "not JAHIS at all"),
    ] {
        let (status, answer) = send(&s, &s.credential, PATIENT, body).await;
        assert_eq!(status, 400, "{why}: {answer}");
    }
    assert!(medication_changes(&s).is_empty());
    let resident = off_runtime(|| s.storage.resident_by_hm_code(PATIENT)).unwrap().unwrap().id;
    assert!(off_runtime(|| s.storage.submissions_for(resident)).unwrap().is_empty());
}

#[tokio::test]
async fn the_credential_writes_only_here_and_only_for_known_patients() {
    let s = start().await;
    let (status, _) = send(&s, &s.credential, "34999999", cp932(DISPENSING)).await;
    assert_eq!(status, 404, "an unknown HM code");
    assert!(medication_changes(&s).is_empty());
    // Wrong or forged credentials.
    let tampered = format!("{}x", &s.credential[..s.credential.len() - 1]);
    for bad in [tampered.as_str(), "ph1.3441234567.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "v2.x.y", ""] {
        assert_eq!(send(&s, bad, PATIENT, cp932(DISPENSING)).await.0, 401, "{bad}");
    }
    // It reads nothing and is nobody's session.
    let r = client()
        .get(format!("{}/v1/sync/pull", s.url))
        .query(&[("patient", PATIENT)])
        .bearer_auth(&s.credential)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let push = client().post(format!("{}/v1/sync/push", s.url)).bearer_auth(&s.credential).json(&serde_json::json!({}));
    assert_eq!(push.send().await.unwrap().status().as_u16(), 401);
    // A resident's access token does not open the pharmacy route.
    let login = client()
        .post(format!("{}/v1/auth/login", s.url))
        .json(&serde_json::json!({"hm_code": PATIENT, "password": "kenko-demo-1", "device_id": "phone-1"}))
        .send()
        .await
        .unwrap();
    let tokens: Value = login.json().await.unwrap();
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(send(&s, access, PATIENT, cp932(DISPENSING)).await.0, 401);
}
