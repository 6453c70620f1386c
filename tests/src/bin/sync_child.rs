//! A device as a separate process, for kill tests: records readings (printing `ACK <id>` after
//! each commit), now and then adds a photo page to the 命の宝箱 (`PAGE <sha256>` after the
//! commit; its upload goes in small chunks, so kills land mid-upload), and syncs every few
//! records, forever, until killed.
//!
//! `sync_child <dir> <server-url> <hm-code> <password>`

use std::io::Write;
use std::sync::Arc;
use techo_core::domain::{BpContext, NewVital, Relationship, VitalValue};
use techo_core::keys::{FileKeyStore, KeyStore};
use techo_core::store::Store;
use techo_core::sync::client::SyncClient;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, dir, url, hm, password] = args.as_slice() else {
        eprintln!("usage: sync_child <dir> <server-url> <hm-code> <password>");
        std::process::exit(2);
    };
    let dir = std::path::Path::new(dir);
    let keys: Arc<dyn KeyStore> = Arc::new(FileKeyStore::new(dir));
    let store = Arc::new(Store::open(dir.join("techo.db"), keys.as_ref()).expect("open store"));
    let config =
        techo_core::sync::engine::EngineConfig { upload_chunk: 16 * 1024, ..techo_tests::harness::fast_retries(3) };
    let client = Arc::new(SyncClient::new(store.clone(), keys, url, config).expect("client"));
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    if store.account().expect("account").is_none() {
        rt.block_on(client.login(hm, password)).expect("login");
    }
    let profile = match store.profile_by_hm_code(hm) {
        Ok(p) => p,
        Err(_) => store.add_profile(hm, "Kill test", Relationship::Myself).expect("profile"),
    };
    let mut out = std::io::stdout().lock();
    let base = chrono::DateTime::parse_from_rfc3339("2026-01-01T07:00:00+09:00").expect("time");
    let start = store.vital_count(profile.id).expect("count") as i64;
    for n in start.. {
        let v = NewVital::new(
            VitalValue::BloodPressure {
                systolic: 100 + (n % 80) as u32,
                diastolic: 60,
                pulse: None,
                context: BpContext::Morning,
            },
            base + chrono::Duration::minutes(n),
        );
        let rec = store.record_vital(profile.id, v).expect("record");
        writeln!(out, "ACK {}", rec.vital.id).expect("stdout");
        out.flush().expect("stdout");
        if n % 7 == 3 {
            let photo = dir.join("photo.jpg");
            std::fs::write(&photo, techo_tests::sim::grainy_jpeg(n as u32)).expect("photo");
            let sheet =
                store.add_emergency_page(&profile, &photo, &techo_core::photo::PhotoSettings::default()).expect("page");
            let page = sheet.pages.last().expect("the page");
            writeln!(out, "PAGE {}", page.image.sha256).expect("stdout");
            out.flush().expect("stdout");
        }
        if n % 5 == 4 {
            let report = rt.block_on(client.sync_now(None)).expect("sync ran");
            writeln!(out, "SYNC {:?}", report.outcome).expect("stdout");
            out.flush().expect("stdout");
        }
    }
}
