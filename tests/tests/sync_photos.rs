//! 命の宝箱 with photos, end to end: a real server on 127.0.0.1 and devices running the real
//! client. Pages upload in chunks before the sheet that shows them, another phone downloads them
//! on demand, offline saves on two phones merge field by field, and an upload cut off midway
//! continues from the offset the device kept — also after the app was closed; a photo the
//! server released goes again before the sheet that shows it once more.

use std::path::Path;
use techo_core::domain::Profile;
use techo_core::photo::PhotoSettings;
use techo_core::sync::SyncOutcome;
use techo_core::sync::engine::EngineConfig;
use techo_tests::fault_proxy::{Fault, FaultConfig, FaultProxy};
use techo_tests::harness::{Device, TestServer, fast_retries, held_on_device, held_on_server, rt};

const PW: &str = "correct horse battery";
const HM: &str = "34001234";

/// A photo of `w`×`h` grainy pixels (grain makes the JPEG large, as a real photo of paper is).
fn photo(dir: &Path, name: &str, w: u16, h: u16, seed: u32) -> std::path::PathBuf {
    let mut x = seed.wrapping_mul(2_654_435_761).max(1);
    let mut pixels = Vec::with_capacity(usize::from(w) * usize::from(h) * 3);
    for _ in 0..usize::from(w) * usize::from(h) * 3 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        pixels.push((x & 0xff) as u8);
    }
    let mut jpeg = Vec::new();
    jpeg_encoder::Encoder::new(&mut jpeg, 92).encode(&pixels, w, h, jpeg_encoder::ColorType::Rgb).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, jpeg).unwrap();
    path
}

fn complete(d: &Device) -> techo_core::sync::SyncReport {
    let r = d.sync();
    assert_eq!(r.outcome, SyncOutcome::Complete, "{r:?}");
    r
}

fn small_chunks() -> EngineConfig {
    EngineConfig { upload_chunk: 64 * 1024, ..fast_retries(6) }
}

/// A server with one resident, signed in on two phones that send photos in small chunks.
fn two_phones() -> (TestServer, Device, Profile, Device, Profile) {
    let server = TestServer::start();
    server.add_resident(HM, PW);
    let a = Device::with_config(&server.url, small_chunks());
    let b = Device::with_config(&server.url, small_chunks());
    let (pa, pb) = (a.login(HM, PW), b.login(HM, PW));
    (server, a, pa, b, pb)
}

fn edits(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn field<'a>(sheet: &'a techo_core::store::EmergencySheet, key: &str) -> Option<&'a str> {
    sheet.fields.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

#[test]
fn a_sheet_with_pages_reaches_the_other_phone_and_offline_saves_merge() {
    let (server, a, pa, b, pb) = two_phones();
    let tmp = tempfile::tempdir().unwrap();

    a.store.save_emergency_fields(&pa, &edits(&[("identity.name", "山田 花子"), ("medical.blood_type", "A")])).unwrap();
    let sheet =
        a.store.add_emergency_page(&pa, &photo(tmp.path(), "p1.jpg", 900, 1200, 1), &PhotoSettings::default()).unwrap();
    assert_eq!(sheet.pages.len(), 1);
    let page = sheet.pages[0].clone();
    assert!(page.image.size > 128 * 1024, "several chunks: {}", page.image.size);
    let ra = complete(&a);
    assert_eq!((ra.uploaded, ra.rejected), (2, 0), "the page and its preview");
    assert_eq!(a.store.outbox_len().unwrap(), 0);

    complete(&b);
    let on_b = b.store.emergency_sheet(&pb).unwrap().expect("sheet on B");
    assert_eq!(field(&on_b, "identity.name"), Some("山田 花子"));
    assert_eq!(on_b.pages, vec![page.clone()]);
    assert!(b.store.blob_bytes(&pb, &page.image.sha256).unwrap().is_none(), "photos come when asked for");
    let image = rt().block_on(b.client.fetch_blob(&pb, &page.image)).unwrap();
    assert_eq!(techo_core::store::sha256_hex(&image), page.image.sha256);
    assert_eq!(Some(image), a.store.blob_bytes(&pa, &page.image.sha256).unwrap());
    assert!(b.store.blob_bytes(&pb, &page.image.sha256).unwrap().is_some(), "kept, encrypted, on B");

    // Offline on both: different fields, and one field both change differently.
    a.store.save_emergency_fields(&pa, &edits(&[("care.doctor", "田中"), ("medical.blood_type", "AB")])).unwrap();
    b.store.save_emergency_fields(&pb, &edits(&[("notes.language", "日本語"), ("medical.blood_type", "O")])).unwrap();
    b.store.add_emergency_page(&pb, &photo(tmp.path(), "p2.jpg", 600, 800, 2), &PhotoSettings::default()).unwrap();
    complete(&a);
    complete(&b);
    complete(&a);
    let sa = a.store.emergency_sheet(&pa).unwrap().unwrap();
    let sb = b.store.emergency_sheet(&pb).unwrap().unwrap();
    assert_eq!(sa.fields, sb.fields);
    assert_eq!(sa.pages, sb.pages);
    assert_eq!(sa.pages.len(), 2, "both pages kept");
    assert_eq!(field(&sa, "care.doctor"), Some("田中"));
    assert_eq!(field(&sa, "notes.language"), Some("日本語"));
    assert_eq!(field(&sa, "medical.blood_type"), Some("AB"), "the first to reach the server shows");
    assert_eq!(sb.conflicts.len(), 1, "B's value is kept for the person to choose");
    assert_eq!((sb.conflicts[0].ours.as_str(), sb.conflicts[0].theirs.as_str()), ("O", "AB"));
    assert_eq!(held_on_device(&a.store, &pa), held_on_server(server.storage.as_ref(), HM));
    assert_eq!(held_on_device(&b.store, &pb), held_on_server(server.storage.as_ref(), HM));

    // Choosing ours on B is a new version everyone gets.
    b.store.resolve_emergency_conflict(&pb, "medical.blood_type", true).unwrap();
    complete(&b);
    complete(&a);
    let sa = a.store.emergency_sheet(&pa).unwrap().unwrap();
    assert_eq!(field(&sa, "medical.blood_type"), Some("O"));
    assert!(b.store.emergency_sheet(&pb).unwrap().unwrap().conflicts.is_empty());
    let history = a.store.emergency_sheet_history(&pa).unwrap();
    assert!(history.len() >= 4, "{history:?}");
    assert!(history[0].changed_fields.contains(&"medical.blood_type".to_owned()));
}

#[test]
fn an_upload_cut_off_midway_continues_where_it_stopped_after_the_app_is_reopened() {
    let server = TestServer::start();
    server.add_resident(HM, PW);
    let proxy = rt().block_on(FaultProxy::start(server.addr, 7)).unwrap();
    let config = EngineConfig { upload_chunk: 64 * 1024, ..fast_retries(1) };
    let phone = tempfile::tempdir().unwrap();
    let keys = std::sync::Arc::new(techo_core::keys::MemoryKeyStore::new());
    let a = Device::open(phone.path(), keys.clone(), &proxy.url, config);
    let pa: Profile = a.login(HM, PW);
    let tmp = tempfile::tempdir().unwrap();
    let sheet =
        a.store.add_emergency_page(&pa, &photo(tmp.path(), "p.jpg", 1000, 1300, 3), &PhotoSettings::default()).unwrap();
    let size = sheet.pages[0].image.size;
    assert!(size > 4 * 64 * 1024, "{size}");

    // Start, two chunks, then the connection drops: the run gives up (one attempt allowed).
    proxy.script([None, None, None, Some(Fault::Reset)]);
    let r = a.sync();
    assert!(matches!(r.outcome, SyncOutcome::Offline { .. }), "{r:?}");
    let task = a.store.next_upload(&[HM.to_owned()]).unwrap().expect("upload still queued");
    assert_eq!(task.offset, 2 * 64 * 1024, "the acknowledged offset was kept");

    // The app is closed and opened again on the same files.
    drop(a);
    let a = Device::open(phone.path(), keys, &proxy.url, EngineConfig { upload_chunk: 64 * 1024, ..fast_retries(6) });
    let before = proxy.counts();
    let r = complete(&a);
    assert_eq!((r.uploaded, r.pushed), (2, 1));
    let chunks = (size - 2 * 64 * 1024).div_ceil(64 * 1024);
    let sent = proxy.counts().requests - before.requests;
    assert!(sent <= chunks + 6, "resumed, not restarted: {sent} requests for {chunks} remaining chunks");
    let b = Device::new(&server.url);
    let pb = b.login(HM, PW);
    complete(&b);
    let page = b.store.emergency_sheet(&pb).unwrap().unwrap().pages[0].clone();
    let image = rt().block_on(b.client.fetch_blob(&pb, &page.image)).unwrap();
    assert_eq!(techo_core::store::sha256_hex(&image), page.image.sha256);
}

#[test]
fn pages_and_sheets_converge_through_a_flaky_network_with_nothing_lost_or_doubled() {
    let server = TestServer::start();
    server.add_resident(HM, PW);
    let proxy = rt().block_on(FaultProxy::start(server.addr, 11)).unwrap();
    let a = Device::with_config(&proxy.url, small_chunks());
    let b = Device::with_config(&proxy.url, small_chunks());
    let pa = a.login(HM, PW);
    let pb = b.login(HM, PW);
    let tmp = tempfile::tempdir().unwrap();
    proxy.set_faults(FaultConfig::flaky());
    for round in 0..3u32 {
        a.store
            .save_emergency_fields(&pa, &edits(&[("notes.other", &format!("a{round}")), ("care.doctor", "田中")]))
            .unwrap();
        let p = photo(tmp.path(), &format!("a{round}.jpg"), 700, 900, 10 + round);
        a.store.add_emergency_page(&pa, &p, &PhotoSettings::default()).unwrap();
        b.store.save_emergency_fields(&pb, &edits(&[("notes.language", &format!("b{round}"))])).unwrap();
        let _ = a.sync();
        let _ = b.sync();
    }
    proxy.heal();
    for _ in 0..2 {
        complete(&a);
        complete(&b);
    }
    complete(&a);
    assert_eq!(a.store.outbox_counts().unwrap().wedged, 0);
    assert_eq!(a.store.outbox_len().unwrap() + b.store.outbox_len().unwrap(), 0);
    let sa = a.store.emergency_sheet(&pa).unwrap().unwrap();
    let sb = b.store.emergency_sheet(&pb).unwrap().unwrap();
    assert_eq!(sa.pages.len(), 3, "every page once");
    assert_eq!((sa.fields.clone(), sa.pages.clone()), (sb.fields, sb.pages));
    assert_eq!(field(&sa, "notes.language"), Some("b2"));
    assert_eq!(field(&sa, "notes.other"), Some("a2"));
    assert_eq!(held_on_device(&a.store, &pa), held_on_server(server.storage.as_ref(), HM));
    for page in &sa.pages {
        let image = rt().block_on(b.client.fetch_blob(&pb, &page.image)).unwrap();
        assert_eq!(techo_core::store::sha256_hex(&image), page.image.sha256);
    }
    assert!(proxy.counts().requests > 0);
}

/// 健診結果 on two phones: A records a checkup with a page and items, B gets it; both then edit
/// it offline (different items, one item both, a page each, a scalar each) and, after syncing in
/// turn, hold the same checkup as the server, with B's value of the item both changed kept as a
/// conflict B can settle.
#[test]
fn a_checkup_edited_offline_on_two_phones_converges() {
    use techo_core::store::{CheckupKind, NewCheckup};
    const SYSTOLIC: &str = "9A751000000000001";
    const HBA1C: &str = "3D046000001906202";
    const WAIST: &str = "9N016160100000001";
    const LDL: &str = "3F077000002327101";
    let (server, a, pa, b, pb) = two_phones();
    let tmp = tempfile::tempdir().unwrap();
    let s = PhotoSettings::default();
    let new = NewCheckup {
        date: "2026-06-12".into(),
        institution: String::new(),
        kind: CheckupKind::Tokutei,
        note: String::new(),
        photos: vec![photo(tmp.path(), "c1.jpg", 600, 800, 21)],
        items: vec![(SYSTOLIC.into(), "128".into())],
    };
    let id = a.store.add_checkup(&pa, &new, &s).unwrap().id;
    assert_eq!(complete(&a).uploaded, 2);
    complete(&b);
    assert_eq!(b.store.checkups(&pb).unwrap().len(), 1);

    a.store.set_checkup_items(&pa, &id, &[(HBA1C.into(), "5.8".into()), (SYSTOLIC.into(), "135".into())]).unwrap();
    a.store.edit_checkup(&pa, &id, None, Some("駅前クリニック"), None, None).unwrap();
    a.store.add_checkup_page(&pa, &id, &photo(tmp.path(), "c2.jpg", 500, 700, 22), &s).unwrap();
    b.store.set_checkup_items(&pb, &id, &[(WAIST.into(), "84".into()), (SYSTOLIC.into(), "131".into())]).unwrap();
    b.store.edit_checkup(&pb, &id, None, None, None, Some("再検査")).unwrap();
    b.store.add_checkup_page(&pb, &id, &photo(tmp.path(), "c3.jpg", 500, 700, 23), &s).unwrap();
    complete(&a);
    complete(&b);
    complete(&a);

    let ca = a.store.checkup(&pa, &id).unwrap().unwrap();
    let cb = b.store.checkup(&pb, &id).unwrap().unwrap();
    let value = |c: &techo_core::store::CheckupView, code: &str| {
        c.items.iter().find(|i| i.code == code).map(|i| i.value.clone())
    };
    assert_eq!((ca.items.clone(), ca.pages.clone()), (cb.items.clone(), cb.pages.clone()));
    assert_eq!(ca.pages.len(), 3, "every page once");
    assert_eq!((ca.institution.as_str(), ca.note.as_str()), ("駅前クリニック", "再検査"));
    assert_eq!(value(&ca, HBA1C).as_deref(), Some("5.8"));
    assert_eq!(value(&ca, WAIST).as_deref(), Some("84"));
    assert_eq!(value(&ca, SYSTOLIC).as_deref(), Some("135"), "the first to reach the server shows");
    assert_eq!(cb.conflicts.len(), 1, "B's value is kept for the person to choose: {:?}", cb.conflicts);
    assert_eq!((cb.conflicts[0].ours.as_str(), cb.conflicts[0].theirs.as_str()), ("131", "135"));
    assert_eq!(held_on_device(&a.store, &pa), held_on_server(server.storage.as_ref(), HM));
    assert_eq!(held_on_device(&b.store, &pb), held_on_server(server.storage.as_ref(), HM));

    // Settled on B, and a later item typed on A: both phones end the same.
    b.store.resolve_checkup_conflict(&pb, &id, SYSTOLIC, true).unwrap();
    complete(&b);
    complete(&a);
    a.store.set_checkup_items(&pa, &id, &[(LDL.into(), "150".into())]).unwrap();
    complete(&a);
    complete(&b);
    let ca = a.store.checkup(&pa, &id).unwrap().unwrap();
    let cb = b.store.checkup(&pb, &id).unwrap().unwrap();
    assert_eq!(value(&ca, SYSTOLIC).as_deref(), Some("131"));
    assert_eq!(ca.items, cb.items);
    assert!(cb.conflicts.is_empty());
    assert_eq!(b.store.checkup_series(&pb, SYSTOLIC).unwrap().len(), 1);
    for page in &ca.pages {
        let image = rt().block_on(b.client.fetch_blob(&pb, &page.image)).unwrap();
        assert_eq!(techo_core::store::sha256_hex(&image), page.image.sha256);
    }
    assert_eq!(held_on_device(&a.store, &pa), held_on_server(server.storage.as_ref(), HM));
}

/// A page removed, then — after the server released its photo (no record named it for the grace
/// period) — the same photo added again: the phone still holds it as sent, so only the sheet
/// goes; the server refuses a sheet naming a photo it no longer has, the phone sends the photo
/// again and then the sheet, and another phone can open the page. Nothing is set aside.
#[test]
fn a_photo_the_server_released_is_sent_again_before_the_sheet_that_shows_it() {
    let (server, a, pa, b, pb) = two_phones();
    let tmp = tempfile::tempdir().unwrap();
    let file = photo(tmp.path(), "kept.jpg", 600, 800, 7);

    let page = a.store.add_emergency_page(&pa, &file, &PhotoSettings::default()).unwrap().pages[0].clone();
    assert_eq!(complete(&a).uploaded, 2);
    a.store.remove_emergency_page(&pa, &page.image.sha256).unwrap();
    complete(&a);
    let past_the_grace = techo_server::state::now_ms() + 31 * 86_400_000;
    let released = techo_server::blob_service::release_unreferenced_blobs(
        server.storage.as_ref(),
        &techo_domain::FamilySpecs::builtin(),
        &techo_server::blob_service::UploadLocks::default(),
        past_the_grace - i64::try_from(techo_server::state::Limits::default().blob_release_grace.as_millis()).unwrap(),
    )
    .unwrap();
    assert_eq!(released.blobs, 2, "the page and its preview");

    let again = a.store.add_emergency_page(&pa, &file, &PhotoSettings::default()).unwrap().pages[0].clone();
    assert_eq!(again.image.sha256, page.image.sha256, "the same photo");
    let report = complete(&a);
    assert_eq!((report.uploaded, report.rejected), (2, 0), "{report:?}");
    assert_eq!(a.store.outbox_len().unwrap(), 0);
    assert!(a.store.wedged_entries().unwrap().is_empty());

    complete(&b);
    let on_b = b.store.emergency_sheet(&pb).unwrap().unwrap();
    assert_eq!(on_b.pages, vec![again.clone()]);
    let image = rt().block_on(b.client.fetch_blob(&pb, &again.image)).unwrap();
    assert_eq!(techo_core::store::sha256_hex(&image), again.image.sha256);
}
