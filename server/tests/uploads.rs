//! Resumable photo uploads and blob downloads over HTTP on 127.0.0.1: chunks in and the same
//! bytes out, resuming after a lost answer, offsets and hashes checked, dedupe, quota and size
//! limits, other accounts kept out, repairs after crashes (simulated on disk, and a real
//! SIGKILL of the server binary between chunks), and blobs released once no record names them.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Arc;
use techo_protocol::uploads::{CHUNK_CONTENT_TYPE, MAX_BLOB_BYTES, MAX_CHUNK_BYTES, UPLOAD_OFFSET_HEADER};
use techo_server::state::Limits;
use techo_server::storage::{AccountStore, BlobStore, SqliteStorage};

const ME: (&str, &str) = ("DEMO0001", "kenko-demo-1");
const OTHER: (&str, &str) = ("DEMO0002", "kenko-demo-2");

struct Server {
    url: String,
    storage: Arc<SqliteStorage>,
    state: techo_server::state::SharedState,
    dir: tempfile::TempDir,
}

async fn start_with(limits: Limits) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let storage = techo_server::open_storage(dir.path()).unwrap();
    techo_server::demo::seed(storage.as_ref()).unwrap();
    let secret = techo_server::token_secret(dir.path(), storage.as_ref()).unwrap();
    let state = techo_server::app_state(storage.clone(), secret, limits);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(techo_server::serve(listener, state.clone(), std::future::pending()));
    Server { url, storage, state, dir }
}

async fn start() -> Server {
    start_with(Limits::default()).await
}

fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

async fn login(url: &str, (hm, password): (&str, &str)) -> String {
    let r = client()
        .post(format!("{url}/v1/auth/login"))
        .json(&json!({"hm_code": hm, "password": password, "device_id": format!("phone-{hm}")}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let tokens: Value = r.json().await.unwrap();
    tokens["access_token"].as_str().unwrap().to_owned()
}

/// Bytes that differ everywhere, so a chunk in the wrong place changes the hash.
fn photo(len: usize, seed: u8) -> Vec<u8> {
    let mut x = u32::from(seed).wrapping_mul(2_654_435_761) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

fn sha(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

async fn answer(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn begin(url: &str, token: &str, patient: &str, sha256: &str, size: u64) -> (u16, Value) {
    let body = json!({"patient": patient, "sha256": sha256, "size": size, "mime": "image/jpeg"});
    answer(client().post(format!("{url}/v1/uploads")).bearer_auth(token).json(&body).send().await.unwrap()).await
}

async fn send_chunk(url: &str, token: &str, id: &str, offset: u64, chunk: &[u8]) -> (u16, Value) {
    let r = client()
        .patch(format!("{url}/v1/uploads/{id}"))
        .bearer_auth(token)
        .header(UPLOAD_OFFSET_HEADER, offset.to_string())
        .header("content-type", CHUNK_CONTENT_TYPE)
        .body(chunk.to_vec())
        .send()
        .await
        .unwrap();
    answer(r).await
}

async fn upload_state(url: &str, token: &str, id: &str) -> (u16, Value) {
    answer(client().get(format!("{url}/v1/uploads/{id}")).bearer_auth(token).send().await.unwrap()).await
}

async fn download(url: &str, token: &str, patient: &str, sha256: &str) -> reqwest::Response {
    client().get(format!("{url}/v1/blobs/{patient}/{sha256}")).bearer_auth(token).send().await.unwrap()
}

/// Starts an upload of `bytes` and returns its id.
async fn new_upload(url: &str, token: &str, bytes: &[u8]) -> String {
    let (status, state) = begin(url, token, ME.0, &sha(bytes), bytes.len() as u64).await;
    assert_eq!(status, 200, "{state}");
    assert_eq!(state["offset"], 0);
    state["upload_id"].as_str().unwrap().to_owned()
}

/// Sends `bytes[from..]` in chunks of `chunk` and returns the final answer.
async fn send_rest(url: &str, token: &str, id: &str, bytes: &[u8], from: usize, chunk: usize) -> Value {
    let mut at = from;
    loop {
        let end = (at + chunk).min(bytes.len());
        let (status, state) = send_chunk(url, token, id, at as u64, &bytes[at..end]).await;
        assert_eq!(status, 200, "{state}");
        assert_eq!(state["offset"], end as u64);
        if end == bytes.len() {
            return state;
        }
        assert!(state["blob"].is_null());
        at = end;
    }
}

fn files_in(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() { out.extend(files_in(&p)) } else { out.push(p) }
        }
    }
    out
}

#[tokio::test]
async fn chunks_go_up_and_the_same_bytes_come_down() {
    let s = start().await;
    let token = login(&s.url, ME).await;
    let bytes = photo(2 * MAX_CHUNK_BYTES + 12_345, 1);
    let id = new_upload(&s.url, &token, &bytes).await;
    assert_eq!(id.len(), 32, "128 random bits");
    let done = send_rest(&s.url, &token, &id, &bytes, 0, MAX_CHUNK_BYTES).await;
    assert!(done["upload_id"].is_null());
    assert_eq!(
        done["blob"],
        json!({"id": sha(&bytes), "sha256": sha(&bytes), "size": bytes.len(), "mime": "image/jpeg"})
    );
    let r = download(&s.url, &token, ME.0, &sha(&bytes)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    assert_eq!(r.headers()["cache-control"], "private, no-store");
    assert_eq!(r.bytes().await.unwrap().as_ref(), bytes.as_slice());
    // A finished upload is gone; starting it again answers with the blob.
    assert_eq!(upload_state(&s.url, &token, &id).await.0, 404);
    let resident = s.storage.resident_by_hm_code(ME.0).unwrap().unwrap().id;
    assert_eq!(s.storage.storage_used(resident).unwrap(), bytes.len() as u64, "stored once");
}

#[tokio::test]
async fn a_lost_answer_is_recovered_from_the_offset_the_server_gives() {
    let s = start().await;
    let token = login(&s.url, ME).await;
    let bytes = photo(300_000, 2);
    let id = new_upload(&s.url, &token, &bytes).await;
    // The answer to this chunk is lost: the device does not know whether it arrived.
    assert_eq!(send_chunk(&s.url, &token, &id, 0, &bytes[..100_000]).await.0, 200);
    let (status, state) = upload_state(&s.url, &token, &id).await;
    assert_eq!((status, state["offset"].as_u64()), (200, Some(100_000)));
    // After a restart of the app, starting the same blob again finds the same upload.
    let (status, again) = begin(&s.url, &token, ME.0, &sha(&bytes), bytes.len() as u64).await;
    assert_eq!(
        (status, again["upload_id"].as_str(), again["offset"].as_u64()),
        (200, Some(id.as_str()), Some(100_000))
    );
    // The chunk sent again at its old offset is refused without effect.
    let (status, refused) = send_chunk(&s.url, &token, &id, 0, &bytes[..100_000]).await;
    assert_eq!((status, refused["code"].as_str()), (409, Some("upload_offset_mismatch")));
    let (status, refused) = send_chunk(&s.url, &token, &id, 150_000, &bytes[150_000..]).await;
    assert_eq!((status, refused["code"].as_str()), (409, Some("upload_offset_mismatch")), "no gaps either");
    let done = send_rest(&s.url, &token, &id, &bytes, 100_000, 64 * 1024).await;
    assert_eq!(done["blob"]["sha256"], sha(&bytes));
    let r = download(&s.url, &token, ME.0, &sha(&bytes)).await;
    assert_eq!(r.bytes().await.unwrap().as_ref(), bytes.as_slice());
}

#[tokio::test]
async fn bytes_with_another_hash_are_refused_and_nothing_is_kept() {
    let s = start().await;
    let token = login(&s.url, ME).await;
    let bytes = photo(200_000, 3);
    let mut sent = bytes.clone();
    sent[150_000] ^= 1;
    let id = new_upload(&s.url, &token, &bytes).await;
    assert_eq!(send_chunk(&s.url, &token, &id, 0, &sent[..100_000]).await.0, 200);
    let (status, refused) = send_chunk(&s.url, &token, &id, 100_000, &sent[100_000..]).await;
    assert_eq!((status, refused["code"].as_str()), (422, Some("blob_hash_mismatch")), "{refused}");
    assert_eq!(upload_state(&s.url, &token, &id).await.0, 404, "the upload was discarded");
    assert_eq!(download(&s.url, &token, ME.0, &sha(&bytes)).await.status(), 404);
    let resident = s.storage.resident_by_hm_code(ME.0).unwrap().unwrap().id;
    assert_eq!(s.storage.storage_used(resident).unwrap(), 0);
    assert!(files_in(&s.dir.path().join("uploads")).is_empty() && files_in(&s.dir.path().join("blobs")).is_empty());
    // Starting again begins from nothing.
    let again = new_upload(&s.url, &token, &bytes).await;
    assert_ne!(again, id);
}

#[tokio::test]
async fn a_stored_blob_is_not_sent_again() {
    let s = start().await;
    let token = login(&s.url, ME).await;
    let bytes = photo(5_000, 4);
    let id = new_upload(&s.url, &token, &bytes).await;
    let done = send_rest(&s.url, &token, &id, &bytes, 0, MAX_CHUNK_BYTES).await;
    let (status, state) = begin(&s.url, &token, ME.0, &sha(&bytes), bytes.len() as u64).await;
    assert_eq!(status, 200);
    assert!(state["upload_id"].is_null(), "nothing to send: {state}");
    assert_eq!((state["offset"].as_u64(), state["size"].as_u64()), (Some(5_000), Some(5_000)));
    assert_eq!(state["blob"], done["blob"]);
}

#[tokio::test]
async fn the_quota_and_the_size_limit_are_kept_and_bad_starts_refused() {
    let s = start_with(Limits { blob_quota_bytes: 10_000, ..Limits::default() }).await;
    let token = login(&s.url, ME).await;
    let (a, b) = (photo(6_000, 5), photo(5_000, 6));
    let id = new_upload(&s.url, &token, &a).await;
    // The upload in progress counts with its declared size.
    let (status, refused) = begin(&s.url, &token, ME.0, &sha(&b), b.len() as u64).await;
    assert_eq!((status, refused["code"].as_str()), (413, Some("quota_exceeded")), "{refused}");
    assert!(!refused.to_string().contains(ME.0), "no HM code in the message");
    send_rest(&s.url, &token, &id, &a, 0, MAX_CHUNK_BYTES).await;
    // And so does the stored blob.
    assert_eq!(begin(&s.url, &token, ME.0, &sha(&b), b.len() as u64).await.0, 413);
    assert_eq!(begin(&s.url, &token, ME.0, &sha(&b), 4_000).await.0, 200, "what still fits");

    let big = "cd".repeat(32);
    let (status, refused) = begin(&s.url, &token, ME.0, &big, MAX_BLOB_BYTES + 1).await;
    assert_eq!((status, refused["code"].as_str()), (413, Some("payload_too_large")));
    assert_eq!(begin(&s.url, &token, ME.0, &big, 0).await.0, 400, "empty");
    assert_eq!(begin(&s.url, &token, ME.0, &"CD".repeat(32), 10).await.0, 400, "upper-case hex");
    assert_eq!(begin(&s.url, &token, ME.0, "cd", 10).await.0, 400, "short hash");
    let png = json!({"patient": ME.0, "sha256": big, "size": 10, "mime": "image/png"});
    let r = client().post(format!("{}/v1/uploads", s.url)).bearer_auth(&token).json(&png).send().await.unwrap();
    assert_eq!(r.status(), 400, "not a blob media type");
    assert_eq!(begin(&s.url, "", ME.0, &big, 10).await.0, 401);
}

#[tokio::test]
async fn a_chunk_is_at_most_one_mib_and_never_past_the_size() {
    let s = start().await;
    let token = login(&s.url, ME).await;
    let bytes = photo(MAX_CHUNK_BYTES + 10, 7);
    let id = new_upload(&s.url, &token, &bytes).await;
    let (status, refused) = send_chunk(&s.url, &token, &id, 0, &bytes).await;
    assert_eq!((status, refused["code"].as_str()), (413, Some("payload_too_large")));
    assert_eq!(send_chunk(&s.url, &token, &id, 0, &bytes[..MAX_CHUNK_BYTES]).await.0, 200, "exactly 1 MiB");
    let mut past = bytes[MAX_CHUNK_BYTES..].to_vec();
    past.push(0);
    assert_eq!(send_chunk(&s.url, &token, &id, MAX_CHUNK_BYTES as u64, &past).await.0, 413);
    let wrong_type = client()
        .patch(format!("{}/v1/uploads/{id}", s.url))
        .bearer_auth(&token)
        .header(UPLOAD_OFFSET_HEADER, MAX_CHUNK_BYTES.to_string())
        .header("content-type", "application/octet-stream")
        .body(bytes[MAX_CHUNK_BYTES..].to_vec());
    assert_eq!(wrong_type.send().await.unwrap().status(), 400);
    let no_offset = client()
        .patch(format!("{}/v1/uploads/{id}", s.url))
        .bearer_auth(&token)
        .header("content-type", CHUNK_CONTENT_TYPE)
        .body(bytes[MAX_CHUNK_BYTES..].to_vec());
    assert_eq!(no_offset.send().await.unwrap().status(), 400);
    let done = send_rest(&s.url, &token, &id, &bytes, MAX_CHUNK_BYTES, MAX_CHUNK_BYTES).await;
    assert_eq!(done["blob"]["size"], bytes.len());
}

#[tokio::test]
async fn another_resident_can_neither_see_nor_continue_my_uploads_nor_read_my_blobs() {
    let s = start().await;
    let (mine, theirs) = (login(&s.url, ME).await, login(&s.url, OTHER).await);
    let stored = photo(3_000, 8);
    let id = new_upload(&s.url, &mine, &stored).await;
    send_rest(&s.url, &mine, &id, &stored, 0, MAX_CHUNK_BYTES).await;
    let pending = photo(3_000, 9);
    let id = new_upload(&s.url, &mine, &pending).await;
    assert_eq!(send_chunk(&s.url, &mine, &id, 0, &pending[..1_000]).await.0, 200);

    let unknown = "0".repeat(32);
    let (_, unknown_answer) = upload_state(&s.url, &theirs, &unknown).await;
    let (status, answer) = upload_state(&s.url, &theirs, &id).await;
    assert_eq!((status, &answer), (404, &unknown_answer), "answered exactly like an unknown id");
    let (status, answer) = send_chunk(&s.url, &theirs, &id, 1_000, &pending[1_000..]).await;
    assert_eq!((status, &answer), (404, &unknown_answer));
    assert_eq!(upload_state(&s.url, &mine, &id).await.1["offset"], 1_000, "untouched");
    assert_eq!(download(&s.url, &theirs, ME.0, &sha(&stored)).await.status(), 404);
    assert_eq!(begin(&s.url, &theirs, ME.0, &sha(&pending), 3_000).await.0, 404, "not a patient they may write");
    assert_eq!(download(&s.url, &mine, OTHER.0, &sha(&stored)).await.status(), 404);
    for odd in ["../../server.db", "%2e%2e%2fserver.db", "ZZ"] {
        assert_eq!(upload_state(&s.url, &mine, odd).await.0, 404, "{odd}");
        assert_eq!(download(&s.url, &mine, ME.0, odd).await.status(), 404, "{odd}");
    }
}

#[tokio::test]
async fn bytes_past_the_durable_offset_are_cut_off() {
    let s = start().await;
    let token = login(&s.url, ME).await;
    let bytes = photo(250_000, 10);
    let id = new_upload(&s.url, &token, &bytes).await;
    assert_eq!(send_chunk(&s.url, &token, &id, 0, &bytes[..100_000]).await.0, 200);
    // A crash after the next chunk was made durable and before its offset was stored: the file
    // holds bytes the database does not count (here different ones, as a later retry may send).
    let part = s.dir.path().join("uploads").join(format!("{id}.part"));
    let mut f = std::fs::OpenOptions::new().append(true).open(&part).unwrap();
    std::io::Write::write_all(&mut f, &photo(70_000, 99)).unwrap();
    drop(f);
    let (status, state) = upload_state(&s.url, &token, &id).await;
    assert_eq!((status, state["offset"].as_u64()), (200, Some(100_000)));
    assert_eq!(std::fs::metadata(&part).unwrap().len(), 100_000, "cut to the durable offset");
    let done = send_rest(&s.url, &token, &id, &bytes, 100_000, 100_000).await;
    assert_eq!(done["blob"]["sha256"], sha(&bytes));
    assert_eq!(download(&s.url, &token, ME.0, &sha(&bytes)).await.bytes().await.unwrap().as_ref(), bytes.as_slice());
}

#[tokio::test]
async fn a_blob_promoted_before_a_crash_is_recorded_when_the_upload_is_next_touched() {
    let s = start().await;
    let token = login(&s.url, ME).await;
    let bytes = photo(150_000, 11);
    let digest = sha(&bytes);
    let id = new_upload(&s.url, &token, &bytes).await;
    assert_eq!(send_chunk(&s.url, &token, &id, 0, &bytes[..100_000]).await.0, 200);
    // The last chunk arrived, matched and was moved into place; then the server died before
    // the transaction that records the blob.
    let part = s.dir.path().join("uploads").join(format!("{id}.part"));
    std::fs::remove_file(&part).unwrap();
    let dir = s.dir.path().join("blobs").join(&digest[..2]);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(&digest), &bytes).unwrap();
    let (status, state) = upload_state(&s.url, &token, &id).await;
    assert_eq!(status, 200);
    assert!(state["upload_id"].is_null());
    assert_eq!(state["blob"]["sha256"], digest);
    assert_eq!(download(&s.url, &token, ME.0, &digest).await.bytes().await.unwrap().as_ref(), bytes.as_slice());
}

#[tokio::test]
async fn abandoned_uploads_expire_with_their_bytes() {
    let s = start().await;
    let token = login(&s.url, ME).await;
    let bytes = photo(10_000, 12);
    let id = new_upload(&s.url, &token, &bytes).await;
    assert_eq!(send_chunk(&s.url, &token, &id, 0, &bytes[..4_000]).await.0, 200);
    let locks = techo_server::blob_service::UploadLocks::new();
    let now = techo_server::state::now_ms();
    let storage = s.storage.as_ref();
    assert_eq!(techo_server::blob_service::expire_uploads(storage, &locks, now - 60_000).unwrap(), 0, "still fresh");
    assert_eq!(techo_server::blob_service::expire_uploads(storage, &locks, now + 1).unwrap(), 1);
    assert_eq!(upload_state(&s.url, &token, &id).await.0, 404);
    assert!(files_in(&s.dir.path().join("uploads")).is_empty());
    let resident = s.storage.resident_by_hm_code(ME.0).unwrap().unwrap().id;
    assert_eq!(s.storage.storage_used(resident).unwrap(), 0, "the quota is freed");
}

#[tokio::test]
async fn bytes_nothing_names_are_swept_and_everything_named_is_kept() {
    use std::time::{Duration, SystemTime};
    let s = start().await;
    let token = login(&s.url, ME).await;
    let (uploads, blobs) = (s.dir.path().join("uploads"), s.dir.path().join("blobs"));
    let blob_file = |digest: &str| blobs.join(&digest[..2]).join(digest);
    let day_ago = SystemTime::now() - Duration::from_secs(25 * 3600);
    let write_blob = |bytes: &[u8], written: SystemTime| {
        let path = blob_file(&sha(bytes));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        std::fs::File::options().write(true).open(&path).unwrap().set_modified(written).unwrap();
    };

    // Kept: a stored blob, an upload in progress, and an upload whose bytes were promoted before
    // a crash (its row still names them).
    let stored = photo(20_000, 13);
    let id = new_upload(&s.url, &token, &stored).await;
    send_rest(&s.url, &token, &id, &stored, 0, 20_000).await;
    std::fs::File::options().write(true).open(blob_file(&sha(&stored))).unwrap().set_modified(day_ago).unwrap();
    let pending = photo(30_000, 14);
    let pending_id = new_upload(&s.url, &token, &pending).await;
    assert_eq!(send_chunk(&s.url, &token, &pending_id, 0, &pending[..10_000]).await.0, 200);
    let promoted = photo(15_000, 15);
    let promoted_id = new_upload(&s.url, &token, &promoted).await;
    assert_eq!(send_chunk(&s.url, &token, &promoted_id, 0, &promoted[..5_000]).await.0, 200);
    std::fs::remove_file(uploads.join(format!("{promoted_id}.part"))).unwrap();
    write_blob(&promoted, day_ago);
    // Removed: partial bytes of an upload that is gone, and an old stored file nobody names.
    // Kept for now: a fresh file nobody names (a request of another instance may be recording it).
    let gone = "0123456789abcdef0123456789abcdef";
    std::fs::write(uploads.join(format!("{gone}.part")), b"left by a crash").unwrap();
    let orphan = photo(5_000, 16);
    write_blob(&orphan, day_ago);
    let fresh_orphan = photo(6_000, 17);
    write_blob(&fresh_orphan, SystemTime::now());
    // Not laid out as ours: never judged.
    std::fs::write(uploads.join("notes.txt"), b"x").unwrap();

    let locks = techo_server::blob_service::UploadLocks::new();
    let cutoff = SystemTime::now() - Duration::from_secs(24 * 3600);
    let swept = techo_server::blob_service::sweep_orphan_files(s.storage.as_ref(), &locks, cutoff).unwrap();
    assert_eq!((swept.parts, swept.blobs), (1, 1));
    assert!(!uploads.join(format!("{gone}.part")).exists());
    assert!(!blob_file(&sha(&orphan)).exists());
    for kept in [blob_file(&sha(&stored)), blob_file(&sha(&promoted)), blob_file(&sha(&fresh_orphan))] {
        assert!(kept.exists(), "{kept:?}");
    }
    assert!(uploads.join(format!("{pending_id}.part")).exists() && uploads.join("notes.txt").exists());
    // What was kept still works: the download, the upload continuing, the promoted upload recorded.
    assert_eq!(download(&s.url, &token, ME.0, &sha(&stored)).await.bytes().await.unwrap().as_ref(), stored.as_slice());
    assert_eq!(send_rest(&s.url, &token, &pending_id, &pending, 10_000, 10_000).await["blob"]["sha256"], sha(&pending));
    assert_eq!(upload_state(&s.url, &token, &promoted_id).await.1["blob"]["sha256"], sha(&promoted));
    let again = techo_server::blob_service::sweep_orphan_files(s.storage.as_ref(), &locks, cutoff).unwrap();
    assert_eq!((again.parts, again.blobs), (0, 0), "nothing more to remove");
}

// ---- blobs released once no live record names them ----

/// Stores `bytes` for `patient` in one go; the blob as the upload answered it.
async fn store(url: &str, token: &str, patient: &str, bytes: &[u8]) -> Value {
    let (status, state) = begin(url, token, patient, &sha(bytes), bytes.len() as u64).await;
    assert_eq!(status, 200, "{state}");
    let id = state["upload_id"].as_str().expect("a new upload").to_owned();
    send_rest(url, token, &id, bytes, 0, MAX_CHUNK_BYTES).await["blob"].clone()
}

/// A photographed page as records carry it.
fn page(image: &[u8], thumbnail: &[u8]) -> Value {
    let blob = |b: &[u8]| json!({"id": sha(b), "sha256": sha(b), "size": b.len(), "mime": "image/jpeg"});
    json!({"image": blob(image), "thumbnail": blob(thumbnail), "width": 2480, "height": 3508,
        "added_at": "2026-06-20T10:02:00+09:00"})
}

fn checkup(id: &str, patient: &str, pages: Vec<Value>) -> Value {
    json!({"id": id, "patient": patient, "date": "2026-06-12", "kind": "tokutei", "pages": pages, "items": []})
}

fn sheet(patient: &str, pages: Vec<Value>) -> (String, Value) {
    let id = techo_domain::emergency_sheet::sheet_id(&techo_domain::HmCode::parse(patient).unwrap()).to_string();
    let record = json!({"id": id, "patient": patient, "fields": {}, "pages": pages,
        "saved_at": "2026-12-04T09:00:00+09:00", "saved_by": {"device": "phone"}});
    (id, record)
}

fn tombstone(id: &str, patient: &str) -> Value {
    json!({"id": id, "patient": patient, "deleted_at": "2026-12-05T09:00:00.000+00:00"})
}

/// Pushes one mutation and returns its result, which must be `applied`.
async fn push(url: &str, token: &str, entity: &str, op: &str, base: Option<u64>, payload: Value) -> Value {
    let result = push_as(url, token, &uuid::Uuid::now_v7().to_string(), entity, op, base, payload).await;
    assert_eq!(result["status"], "applied", "{result}");
    result
}

/// Pushes one mutation with its id and returns its result.
async fn push_as(
    url: &str,
    token: &str,
    mutation_id: &str,
    entity: &str,
    op: &str,
    base: Option<u64>,
    payload: Value,
) -> Value {
    let mut m = json!({"mutation_id": mutation_id, "entity": entity,
        "entity_id": payload["id"], "op": op, "payload": payload});
    if let Some(base) = base {
        m["base_version"] = base.into();
    }
    let body = json!({"protocol_version": techo_protocol::PROTOCOL_VERSION,
        "schema_version": techo_protocol::SCHEMA_VERSION, "mutations": [m]});
    let (status, answer) =
        answer(client().post(format!("{url}/v1/sync/push")).bearer_auth(token).json(&body).send().await.unwrap()).await;
    assert_eq!(status, 200, "{answer}");
    answer["results"][0].clone()
}

const DAY_MS: i64 = 86_400_000;

/// Releases what the server's daily round would if its clock read `now_ms`.
fn release_at(s: &Server, now_ms: i64) -> techo_server::blob_service::Released {
    let grace = i64::try_from(s.state.limits.blob_release_grace.as_millis()).unwrap();
    let st = &s.state;
    techo_server::blob_service::release_unreferenced_blobs(
        st.storage.as_ref(),
        &st.families,
        &st.uploads,
        now_ms - grace,
    )
    .unwrap()
}

/// The server's clock a day past the grace: everything stored so far is old enough.
fn past_the_grace() -> i64 {
    techo_server::state::now_ms() + 30 * DAY_MS + DAY_MS
}

fn released(blobs: usize, files: usize) -> techo_server::blob_service::Released {
    techo_server::blob_service::Released { blobs, files }
}

#[tokio::test]
async fn a_deleted_checkups_photos_are_released_and_free_the_quota() {
    let s = start_with(Limits { blob_quota_bytes: 20_000, ..Limits::default() }).await;
    let token = login(&s.url, ME).await;
    let (image, thumbnail, next) = (photo(9_000, 30), photo(1_000, 31), photo(12_000, 32));
    store(&s.url, &token, ME.0, &image).await;
    store(&s.url, &token, ME.0, &thumbnail).await;
    let id = uuid::Uuid::now_v7().to_string();
    push(&s.url, &token, "checkup", "create", None, checkup(&id, ME.0, vec![page(&image, &thumbnail)])).await;
    let (status, refused) = begin(&s.url, &token, ME.0, &sha(&next), next.len() as u64).await;
    assert_eq!((status, refused["code"].as_str()), (413, Some("quota_exceeded")));
    assert_eq!(release_at(&s, past_the_grace()), released(0, 0), "named by a live checkup");

    push(&s.url, &token, "checkup", "delete", None, tombstone(&id, ME.0)).await;
    assert_eq!(release_at(&s, techo_server::state::now_ms()), released(0, 0), "within the grace");
    assert_eq!(download(&s.url, &token, ME.0, &sha(&image)).await.status(), 200);
    assert_eq!(release_at(&s, past_the_grace()), released(2, 2));
    for gone in [&image, &thumbnail] {
        assert_eq!(download(&s.url, &token, ME.0, &sha(gone)).await.status(), 404);
    }
    assert!(files_in(&s.dir.path().join("blobs")).is_empty(), "the files went with them");
    let resident = s.storage.resident_by_hm_code(ME.0).unwrap().unwrap().id;
    assert_eq!(s.storage.storage_used(resident).unwrap(), 0);
    assert_eq!(store(&s.url, &token, ME.0, &next).await["sha256"], sha(&next), "what did not fit now fits");
    assert_eq!(release_at(&s, techo_server::state::now_ms()), released(0, 0), "the new one is within its grace");
}

#[tokio::test]
async fn a_photo_another_live_checkup_names_stays() {
    let s = start().await;
    let token = login(&s.url, ME).await;
    let (shared, first_thumb, second_thumb) = (photo(4_000, 33), photo(500, 34), photo(500, 35));
    for bytes in [&shared, &first_thumb, &second_thumb] {
        store(&s.url, &token, ME.0, bytes).await;
    }
    let (first, second) = (uuid::Uuid::now_v7().to_string(), uuid::Uuid::now_v7().to_string());
    push(&s.url, &token, "checkup", "create", None, checkup(&first, ME.0, vec![page(&shared, &first_thumb)])).await;
    push(&s.url, &token, "checkup", "create", None, checkup(&second, ME.0, vec![page(&shared, &second_thumb)])).await;
    push(&s.url, &token, "checkup", "delete", None, tombstone(&first, ME.0)).await;
    assert_eq!(release_at(&s, past_the_grace()), released(1, 1), "only the deleted checkup's own thumbnail");
    assert_eq!(download(&s.url, &token, ME.0, &sha(&first_thumb)).await.status(), 404);
    for kept in [&shared, &second_thumb] {
        let r = download(&s.url, &token, ME.0, &sha(kept)).await;
        assert_eq!(r.bytes().await.unwrap().as_ref(), kept.as_slice());
    }
}

#[tokio::test]
async fn a_page_removed_from_the_sheet_releases_its_photos_and_the_kept_page_stays() {
    let s = start().await;
    let token = login(&s.url, ME).await;
    let (kept_image, kept_thumb, removed_image, removed_thumb) =
        (photo(3_000, 36), photo(300, 37), photo(3_500, 38), photo(350, 39));
    for bytes in [&kept_image, &kept_thumb, &removed_image, &removed_thumb] {
        store(&s.url, &token, ME.0, bytes).await;
    }
    let (_, both) = sheet(ME.0, vec![page(&kept_image, &kept_thumb), page(&removed_image, &removed_thumb)]);
    let created = push(&s.url, &token, "emergency_sheet", "create", None, both).await;
    assert_eq!(release_at(&s, past_the_grace()), released(0, 0));
    let (_, one) = sheet(ME.0, vec![page(&kept_image, &kept_thumb)]);
    push(&s.url, &token, "emergency_sheet", "update", created["commit_seq"].as_u64(), one).await;
    assert_eq!(release_at(&s, past_the_grace()), released(2, 2));
    for gone in [&removed_image, &removed_thumb] {
        assert_eq!(download(&s.url, &token, ME.0, &sha(gone)).await.status(), 404);
    }
    for kept in [&kept_image, &kept_thumb] {
        assert_eq!(download(&s.url, &token, ME.0, &sha(kept)).await.status(), 200);
    }
}

#[tokio::test]
async fn a_photo_whose_record_is_still_to_come_is_kept_through_the_grace() {
    let s = start().await;
    let token = login(&s.url, ME).await;
    let bytes = photo(2_000, 40);
    store(&s.url, &token, ME.0, &bytes).await;
    let later = techo_server::state::now_ms() + 29 * DAY_MS;
    assert_eq!(release_at(&s, later), released(0, 0), "uploaded, its record not pushed yet");
    // The device is told the blob is there and so will not send it: the grace starts again.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let told_at = techo_server::state::now_ms();
    let (status, state) = begin(&s.url, &token, ME.0, &sha(&bytes), bytes.len() as u64).await;
    assert!(status == 200 && state["upload_id"].is_null(), "{state}");
    let grace = i64::try_from(s.state.limits.blob_release_grace.as_millis()).unwrap();
    assert_eq!(release_at(&s, told_at + grace), released(0, 0), "claimed again when it was found");
    assert_eq!(release_at(&s, past_the_grace()), released(1, 1), "never named after all");
}

/// A save set aside on a phone for longer than the grace names photos the server released: it
/// is refused until they are there again, and the refusal is not remembered, so the same
/// mutation goes through once the phone has sent them.
#[tokio::test]
async fn a_record_naming_a_photo_the_server_no_longer_has_waits_for_it() {
    let s = start().await;
    let token = login(&s.url, ME).await;
    let (image, thumbnail) = (photo(2_000, 42), photo(200, 43));
    store(&s.url, &token, ME.0, &image).await;
    store(&s.url, &token, ME.0, &thumbnail).await;
    assert_eq!(release_at(&s, past_the_grace()), released(2, 2), "never named in time");
    let (mutation, id) = (uuid::Uuid::now_v7().to_string(), uuid::Uuid::now_v7().to_string());
    let record = checkup(&id, ME.0, vec![page(&image, &thumbnail)]);
    for _ in 0..2 {
        let refused = push_as(&s.url, &token, &mutation, "checkup", "create", None, record.clone()).await;
        assert_eq!((refused["status"].as_str(), refused["error"].as_str()), (Some("rejected"), Some("blob_missing")));
    }
    store(&s.url, &token, ME.0, &image).await;
    let half = push_as(&s.url, &token, &mutation, "checkup", "create", None, record.clone()).await;
    assert_eq!(half["error"], "blob_missing", "the preview is still missing");
    store(&s.url, &token, ME.0, &thumbnail).await;
    let applied = push_as(&s.url, &token, &mutation, "checkup", "create", None, record.clone()).await;
    assert_eq!(applied["status"], "applied", "{applied}");
    assert_eq!(release_at(&s, past_the_grace()), released(0, 0), "named now");
}

#[tokio::test]
async fn bytes_two_patients_have_keep_their_file_while_one_still_holds_them() {
    let s = start().await;
    let (mine, theirs) = (login(&s.url, ME).await, login(&s.url, OTHER).await);
    let bytes = photo(2_500, 41);
    store(&s.url, &mine, ME.0, &bytes).await;
    store(&s.url, &theirs, OTHER.0, &bytes).await;
    assert_eq!(files_in(&s.dir.path().join("blobs")).len(), 1, "one file for both");
    let id = uuid::Uuid::now_v7().to_string();
    push(&s.url, &theirs, "checkup", "create", None, checkup(&id, OTHER.0, vec![page(&bytes, &bytes)])).await;
    assert_eq!(release_at(&s, past_the_grace()), released(1, 0), "mine goes, the file stays for them");
    assert_eq!(download(&s.url, &mine, ME.0, &sha(&bytes)).await.status(), 404);
    let r = download(&s.url, &theirs, OTHER.0, &sha(&bytes)).await;
    assert_eq!(r.bytes().await.unwrap().as_ref(), bytes.as_slice());
    let me = s.storage.resident_by_hm_code(ME.0).unwrap().unwrap().id;
    assert_eq!(s.storage.storage_used(me).unwrap(), 0, "my quota is freed");
    push(&s.url, &theirs, "checkup", "delete", None, tombstone(&id, OTHER.0)).await;
    assert_eq!(release_at(&s, past_the_grace()), released(1, 1));
    assert!(files_in(&s.dir.path().join("blobs")).is_empty());
}

/// Sends a request by hand with its body held back for `pause`, as a weak signal does; the
/// status of the answer.
async fn slow_request(url: &str, head: &str, body: &[u8], pause: std::time::Duration) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut socket = tokio::net::TcpStream::connect(url.trim_start_matches("http://")).await.unwrap();
    let head = format!("{head}\r\nhost: test\r\ncontent-length: {}\r\nconnection: close\r\n\r\n", body.len());
    socket.write_all(head.as_bytes()).await.unwrap();
    socket.write_all(&body[..body.len() / 2]).await.unwrap();
    tokio::time::sleep(pause).await;
    // The server may have answered and closed already.
    let _ = socket.write_all(&body[body.len() / 2..]).await;
    let mut answer = Vec::new();
    let _ = socket.read_to_end(&mut answer).await;
    let status_line = String::from_utf8_lossy(&answer).lines().next().unwrap_or_default().to_owned();
    status_line.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0)
}

#[tokio::test]
async fn a_slow_chunk_has_the_transfer_time_and_other_requests_the_request_time() {
    use std::time::Duration;
    // Long enough for the sign-in's password hash on a loaded machine.
    let limits = Limits {
        request_timeout: Duration::from_secs(2),
        transfer_timeout: Duration::from_secs(60),
        ..Limits::default()
    };
    let s = start_with(limits).await;
    let token = login(&s.url, ME).await;
    let bytes = photo(40_000, 18);
    let id = new_upload(&s.url, &token, &bytes).await;
    let pause = Duration::from_secs(3);
    let chunk_head = format!(
        "PATCH /v1/uploads/{id} HTTP/1.1\r\nauthorization: Bearer {token}\r\ncontent-type: {CHUNK_CONTENT_TYPE}\r\n{UPLOAD_OFFSET_HEADER}: 0"
    );
    assert_eq!(slow_request(&s.url, &chunk_head, &bytes[..20_000], pause).await, 200, "a chunk may take its time");
    assert_eq!(upload_state(&s.url, &token, &id).await.1["offset"], 20_000);
    let start = json!({"patient": ME.0, "sha256": sha(&photo(9, 19)), "size": 9, "mime": "image/jpeg"}).to_string();
    let json_head =
        format!("POST /v1/uploads HTTP/1.1\r\nauthorization: Bearer {token}\r\ncontent-type: application/json");
    assert_eq!(slow_request(&s.url, &json_head, start.as_bytes(), pause).await, 503, "a JSON request may not");
}

#[tokio::test]
async fn the_routes_are_in_the_openapi_document() {
    let s = start().await;
    let doc: Value = client().get(format!("{}/openapi.json", s.url)).send().await.unwrap().json().await.unwrap();
    let paths = &doc["paths"];
    assert!(paths["/v1/uploads"]["post"].is_object());
    assert!(
        paths["/v1/uploads/{upload_id}"]["patch"].is_object() && paths["/v1/uploads/{upload_id}"]["get"].is_object()
    );
    assert!(paths["/v1/blobs/{patient}/{sha256}"]["get"].is_object());
    assert!(doc["components"]["schemas"]["UploadState"].is_object(), "{}", doc["components"]);
}

/// The real server binary on a data directory, killed with SIGKILL (no shutdown, no flush).
struct ServerProcess {
    child: std::process::Child,
    url: String,
}

impl ServerProcess {
    fn start(dir: &Path) -> Self {
        use std::io::BufRead;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_techo-server"))
            .args(["--data-dir", &dir.to_string_lossy(), "--bind", "127.0.0.1:0", "--demo"])
            .env("RUST_LOG", "error")
            .env_remove("TECHO_SERVER_TOKEN_SECRET")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn the server");
        let stdout = child.stdout.take().expect("stdout");
        // Owned before anything can fail, so that Drop reaps it.
        let mut server = Self { child, url: String::new() };
        let mut out = std::io::BufReader::new(stdout);
        let mut line = String::new();
        loop {
            line.clear();
            assert!(out.read_line(&mut line).expect("server output") > 0, "the server exited before listening");
            if let Some(url) = line.trim().strip_prefix("listening on ") {
                server.url = url.to_owned();
                return server;
            }
        }
    }

    fn kill(mut self) {
        // SIGKILL on Unix.
        self.child.kill().expect("kill");
        self.child.wait().expect("reaped");
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn a_server_killed_between_and_during_chunks_resumes_at_the_durable_offset_and_stores_once() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = photo(3 * MAX_CHUNK_BYTES + 54_321, 13);
    let digest = sha(&bytes);
    let server = ServerProcess::start(dir.path());
    let token = login(&server.url, ME).await;
    let id = new_upload(&server.url, &token, &bytes).await;
    let one = MAX_CHUNK_BYTES;
    assert_eq!(send_chunk(&server.url, &token, &id, 0, &bytes[..one]).await.0, 200);
    assert_eq!(send_chunk(&server.url, &token, &id, one as u64, &bytes[one..2 * one]).await.0, 200);
    server.kill();

    // Between chunks: everything acknowledged is there.
    let server = ServerProcess::start(dir.path());
    let (status, state) = upload_state(&server.url, &token, &id).await;
    assert_eq!((status, state["offset"].as_u64()), (200, Some(2 * one as u64)), "{state}");

    // During a chunk: killed at some point while the chunk is written, fsync'd or counted.
    let (url, t, i, chunk) = (server.url.clone(), token.clone(), id.clone(), bytes[2 * one..3 * one].to_vec());
    let in_flight = tokio::spawn(async move {
        let r = client()
            .patch(format!("{url}/v1/uploads/{i}"))
            .bearer_auth(t)
            .header(UPLOAD_OFFSET_HEADER, (2 * one).to_string())
            .header("content-type", CHUNK_CONTENT_TYPE)
            .body(chunk)
            .send()
            .await;
        r.map(|r| r.status().as_u16()).ok()
    });
    tokio::time::sleep(std::time::Duration::from_millis(15)).await;
    server.kill();
    let acknowledged = in_flight.await.unwrap() == Some(200);

    let server = ServerProcess::start(dir.path());
    let (status, state) = upload_state(&server.url, &token, &id).await;
    assert_eq!(status, 200, "{state}");
    let offset = state["offset"].as_u64().unwrap();
    assert!(offset == 2 * one as u64 || offset == 3 * one as u64, "a chunk is counted whole or not at all: {offset}");
    if acknowledged {
        assert_eq!(offset, 3 * one as u64, "an acknowledged chunk survives");
    }
    let part = dir.path().join("uploads").join(format!("{id}.part"));
    assert_eq!(std::fs::metadata(&part).unwrap().len(), offset, "nothing past the durable offset is kept");
    let done = send_rest(&server.url, &token, &id, &bytes, offset as usize, one).await;
    assert_eq!(done["blob"]["sha256"], digest);
    let got = download(&server.url, &token, ME.0, &digest).await.bytes().await.unwrap();
    assert_eq!(sha(&got), digest);
    let (_, again) = begin(&server.url, &token, ME.0, &digest, bytes.len() as u64).await;
    assert!(again["upload_id"].is_null() && again["blob"]["sha256"] == digest, "{again}");
    server.kill();

    // Stored exactly once: one blob counted, no upload left, one file.
    let storage = techo_server::open_storage(dir.path()).unwrap();
    let resident = storage.resident_by_hm_code(ME.0).unwrap().unwrap().id;
    assert_eq!(storage.storage_used(resident).unwrap(), bytes.len() as u64);
    assert!(storage.stale_uploads(i64::MAX).unwrap().is_empty());
    assert!(files_in(&dir.path().join("uploads")).is_empty());
    let stored = files_in(&dir.path().join("blobs"));
    assert_eq!(stored.len(), 1);
    assert_eq!(sha(&std::fs::read(&stored[0]).unwrap()), digest);
}
