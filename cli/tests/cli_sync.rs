//! The CLI against a real server on 127.0.0.1: log in, record offline, sync, see it on a second
//! "phone"; an unreachable server keeps everything and says so.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

fn techo(dir: &Path, args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_techo"))
        .args(args)
        .env("TECHO_DATA_DIR", dir)
        .env("TECHO_KEYSTORE", "file")
        .env("TZ", "Asia/Tokyo")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run techo");
    if let Some(input) = stdin {
        child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write stdin");
    }
    let out = child.wait_with_output().expect("wait");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ok(dir: &Path, args: &[&str], stdin: Option<&str>) -> String {
    let (code, out, err) = techo(dir, args, stdin);
    assert_eq!(code, 0, "techo {args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    out
}

/// A server on 127.0.0.1 with HM 34001234 registered: (its runtime, its directory, its URL, the
/// one-time activation code).
fn server() -> (tokio::runtime::Runtime, tempfile::TempDir, String, String) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server_dir = tempfile::tempdir().unwrap();
    let storage = techo_server::open_storage(server_dir.path()).unwrap();
    let issued = techo_server::add_resident(
        storage.as_ref(),
        "34001234",
        "山田 花子",
        "1950-04-01",
        std::time::Duration::from_secs(600),
    )
    .unwrap();
    let secret = techo_server::token_secret(server_dir.path(), storage.as_ref()).unwrap();
    let state = techo_server::app_state(storage.clone(), secret, Default::default());
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    rt.spawn(techo_server::serve(listener, state, std::future::pending()));
    (rt, server_dir, url, issued.activation_code)
}

#[test]
fn login_record_offline_sync_and_see_it_elsewhere() {
    let (rt, _server_dir, url, activation_code) = server();

    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let (code, _, err) = techo(
        a.path(),
        &["--server", &url, "activate", "34001234", "--code", "WRONG-CODE", "--password-stdin"],
        Some("long enough pw\n"),
    );
    assert_eq!(code, 3);
    assert!(err.contains("activation code is not valid"), "{err}");
    ok(
        a.path(),
        &["--server", &url, "activate", "34001234", "--code", &activation_code.to_lowercase(), "--password-stdin"],
        Some("long enough pw\n"),
    );
    let (code, _, err) = techo(a.path(), &["--server", &url, "login", "34001234", "--password-stdin"], Some("wrong\n"));
    assert_eq!(code, 3);
    assert!(err.contains("HM code or password is not correct"), "{err}");
    let out = ok(
        a.path(),
        &["--server", &url, "login", "34001234", "--name", "山田 花子", "--password-stdin"],
        Some("long enough pw\n"),
    );
    assert!(out.contains("Signed in as HM 34001234"), "{out}");

    ok(a.path(), &["vitals", "add", "bp", "128/82", "--pulse", "70", "--at", "2026-11-20 07:10"], None);
    ok(a.path(), &["vitals", "add", "weight", "61.2", "--at", "2026-11-20 07:15"], None);
    let status: serde_json::Value = serde_json::from_str(&ok(a.path(), &["--json", "sync", "status"], None)).unwrap();
    assert_eq!(status["pending"], 2);
    assert_eq!(status["last_complete_sync"], serde_json::Value::Null);
    assert_eq!((status["state"]["kind"].as_str(), status["state"]["count"].as_u64()), (Some("pending"), Some(2)));
    assert!(ok(a.path(), &["sync", "status"], None).contains("2 change(s) wait for the next sync."));
    let report: serde_json::Value = serde_json::from_str(&ok(a.path(), &["--json", "sync"], None)).unwrap();
    assert_eq!((report["outcome"].as_str(), report["pushed"].as_u64()), (Some("complete"), Some(2)));
    // Each CLI call is a fresh process: the time comes from the store, not from memory.
    let status: serde_json::Value = serde_json::from_str(&ok(a.path(), &["--json", "sync", "status"], None)).unwrap();
    assert!(status["last_complete_sync"].as_str().is_some_and(|t| t.ends_with('Z')), "{status}");
    assert!(ok(a.path(), &["sync", "status"], None).contains("Last complete sync: 20"));
    assert_eq!(status["state"]["kind"], "up_to_date", "{status}");

    ok(b.path(), &["--server", &url, "login", "34001234", "--password-stdin"], Some("long enough pw\n"));
    let out = ok(b.path(), &["sync"], None);
    assert!(out.contains("received 2 record(s)"), "{out}");
    let list: serde_json::Value = serde_json::from_str(&ok(b.path(), &["--json", "vitals", "list"], None)).unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 2);

    // The server goes away: a reading still saves, sync says it is kept, exit code 3.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    ok(b.path(), &["vitals", "add", "temp", "36.6", "--at", "2026-11-20 08:00"], None);
    let (code, _, err) = techo(b.path(), &["--server", &dead, "sync"], None);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("could not be reached") && err.contains("kept"), "{err}");
    let report: serde_json::Value = serde_json::from_str(&ok(b.path(), &["--json", "sync"], None)).unwrap();
    assert_eq!(report["pushed"], 1);
    // Removing the person after sending first loses nothing: the new reading goes, then they go.
    ok(b.path(), &["vitals", "add", "weight", "60.1", "--at", "2026-11-20 08:30"], None);
    let removed: serde_json::Value =
        serde_json::from_str(&ok(b.path(), &["--json", "profile", "remove", "34001234", "--send-first"], None))
            .unwrap();
    assert_eq!(removed["removed_records"], 4, "{removed}");
    ok(a.path(), &["sync"], None);
    let list: serde_json::Value = serde_json::from_str(&ok(a.path(), &["--json", "vitals", "list"], None)).unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 4, "both of b's readings reached a");
    ok(b.path(), &["logout"], None);
    let (code, _, _) = techo(b.path(), &["sync"], None);
    assert_ne!(code, 0, "signed out: sync needs a login again");
    drop(rt);
}

/// 命の宝箱 from the terminal: fields and a photo page saved offline, sent by `sync` (the page
/// before the sheet), and on a second device the sheet, its history and the photo on demand.
#[test]
fn emergency_box_with_a_photo_reaches_another_device() {
    let (rt, _server_dir, url, activation_code) = server();
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let code = activation_code;
    ok(
        a.path(),
        &["--server", &url, "activate", "34001234", "--code", &code, "--password-stdin"],
        Some("long enough pw\n"),
    );
    ok(a.path(), &["--server", &url, "login", "34001234", "--password-stdin"], Some("long enough pw\n"));

    let (code, _, err) = techo(a.path(), &["box", "edit", "medical.blood_type=C"], None);
    assert_ne!(code, 0);
    assert!(err.contains("medical.blood_type") && !err.contains("=C"), "{err}");
    let (code, _, err) = techo(a.path(), &["box", "edit", "no.such=1"], None);
    assert_ne!(code, 0);
    assert!(err.contains("box fields"), "{err}");
    ok(a.path(), &["box", "edit", "identity.name=山田 花子", "medical.blood_type=A", "care.doctor=田中 一郎"], None);
    let photo = concat!(env!("CARGO_MANIFEST_DIR"), "/../bindings/tests/fixtures/receipt-qr-1.png");
    ok(a.path(), &["box", "add-photo", photo], None);
    let shown = ok(a.path(), &["box", "show"], None);
    assert!(shown.contains("血液型: A") && shown.contains("page 1:") && shown.contains("not sent yet"), "{shown}");
    let report: serde_json::Value = serde_json::from_str(&ok(a.path(), &["--json", "sync"], None)).unwrap();
    // Two saves (the fields, then the page); a small photo is its own preview, sent once.
    assert_eq!((report["uploaded"].as_u64(), report["pushed"].as_u64()), (Some(1), Some(2)), "{report}");

    ok(b.path(), &["--server", &url, "login", "34001234", "--password-stdin"], Some("long enough pw\n"));
    ok(b.path(), &["sync"], None);
    let sheet: serde_json::Value = serde_json::from_str(&ok(b.path(), &["--json", "box", "show"], None)).unwrap();
    assert_eq!(sheet["fields"].as_array().unwrap().len(), 3, "{sheet}");
    assert_eq!(sheet["pages"].as_array().unwrap().len(), 1);
    let out = b.path().join("page1.jpg");
    ok(b.path(), &["box", "photo", "1", "--out", out.to_str().unwrap()], None);
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(&bytes[..2], &[0xff, 0xd8], "a JPEG, as the pipeline stores it");
    ok(b.path(), &["box", "edit", "care.doctor="], None);
    ok(b.path(), &["sync"], None);
    let on_b = ok(b.path(), &["box", "history"], None);
    assert_eq!(on_b.lines().count(), 3, "the first version, which B never received, comes from the server: {on_b}");
    assert!(on_b.lines().last().unwrap().contains("血液型"), "{on_b}");
    ok(a.path(), &["sync"], None);
    let history = ok(a.path(), &["box", "history"], None);
    assert_eq!(history.lines().count(), 3, "fields, the page, the doctor cleared on B: {history}");
    let printed = a.path().join("sheet.html");
    ok(a.path(), &["box", "print", "--out", printed.to_str().unwrap()], None);
    let html = std::fs::read_to_string(&printed).unwrap();
    assert!(html.contains("山田 花子 さん") && html.contains("<th>血液型</th><td>A型</td>"), "{html}");
    assert!(html.contains("<th>主治医</th><td></td>") && html.contains("写真が1枚"), "{html}");
    assert!(history.lines().next().unwrap().contains("主治医"), "{history}");
    drop(rt);
}

/// A distinct small photo per `n`, as a JPEG file in `dir`.
fn photo(dir: &Path, n: u16) -> String {
    let (w, h) = (48 + n, 64);
    let pixels: Vec<u8> = (0..usize::from(w) * usize::from(h) * 3).map(|i| (i * 7919 % 251) as u8).collect();
    let mut jpeg = Vec::new();
    jpeg_encoder::Encoder::new(&mut jpeg, 90).encode(&pixels, w, h, jpeg_encoder::ColorType::Rgb).unwrap();
    let path = dir.join(format!("photo-{n}.jpg"));
    std::fs::write(&path, jpeg).unwrap();
    path.to_str().unwrap().to_owned()
}

fn pages(dir: &Path) -> Vec<serde_json::Value> {
    let sheet: serde_json::Value = serde_json::from_str(&ok(dir, &["--json", "box", "show"], None)).unwrap();
    sheet["pages"].as_array().unwrap().clone()
}

/// Both phones add photos of the sheet offline, together more than the 12 it holds: after the
/// merge the server has 12 and the phone that merged keeps its extra photos waiting (none lost);
/// removing a page lets one in on every device, and a waiting photo can be discarded.
#[test]
fn box_photos_beyond_twelve_after_a_merge_wait_for_room() {
    let (rt, _server_dir, url, code) = server();
    let (a, b, photos) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let pw = Some("long enough pw\n");
    ok(a.path(), &["--server", &url, "activate", "34001234", "--code", &code, "--password-stdin"], pw);
    for dir in [a.path(), b.path()] {
        ok(dir, &["--server", &url, "login", "34001234", "--password-stdin"], pw);
    }
    ok(a.path(), &["box", "add-photo", &photo(photos.path(), 0)], None);
    ok(a.path(), &["sync"], None);
    ok(b.path(), &["sync"], None);
    for n in 1..12 {
        ok(a.path(), &["box", "add-photo", &photo(photos.path(), n)], None);
    }
    let (code, _, err) = techo(a.path(), &["box", "add-photo", &photo(photos.path(), 12)], None);
    assert_ne!(code, 0, "a 13th page is refused where it is added");
    assert!(err.contains("12"), "{err}");
    ok(a.path(), &["sync"], None);
    for n in 20..22 {
        ok(b.path(), &["box", "add-photo", &photo(photos.path(), n)], None);
    }
    ok(b.path(), &["sync"], None);

    let on_b = pages(b.path());
    let waiting = |p: &[serde_json::Value]| p.iter().filter(|p| p["waiting"] == true).count();
    assert_eq!((on_b.len(), waiting(&on_b)), (14, 2), "{on_b:?}");
    let shown = ok(b.path(), &["box", "show"], None);
    assert!(shown.contains("page 14:") && shown.contains("waiting for room"), "{shown}");
    ok(a.path(), &["sync"], None);
    assert_eq!(pages(a.path()).len(), 12, "the server holds the 12 it accepts");

    ok(b.path(), &["box", "remove-photo", "1"], None);
    let on_b = pages(b.path());
    assert_eq!((on_b.len(), waiting(&on_b)), (13, 1), "the first waiting photo took the room");
    ok(b.path(), &["box", "remove-photo", "13"], None);
    assert_eq!(pages(b.path()).len(), 12, "the other waiting photo discarded");
    ok(b.path(), &["sync"], None);
    ok(a.path(), &["sync"], None);
    let (on_a, on_b) = (pages(a.path()), pages(b.path()));
    assert_eq!(on_a.len(), 12);
    assert_eq!(
        on_a.iter().map(|p| (&p["width"], &p["bytes"])).collect::<Vec<_>>(),
        on_b.iter().map(|p| (&p["width"], &p["bytes"])).collect::<Vec<_>>(),
        "both phones show the same pages"
    );
    assert!(on_a.iter().any(|p| p["width"] == 68), "B's first extra photo (48 + 20 px wide) reached A");
    drop(rt);
}

/// 健診結果 from the terminal: two checkups typed in on A before any sync (one with a photo of
/// the result), sent by `sync` (the photo before the checkup), and on B the same list, items
/// judged and the item's trend across the two years.
#[test]
fn checkups_with_a_photo_and_items_reach_another_device_with_their_trend() {
    let (rt, _server_dir, url, activation_code) = server();
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    ok(
        a.path(),
        &["--server", &url, "activate", "34001234", "--code", &activation_code, "--password-stdin"],
        Some("long enough pw\n"),
    );
    ok(a.path(), &["--server", &url, "login", "34001234", "--password-stdin"], Some("long enough pw\n"));

    const SYSTOLIC: &str = "9A751000000000001";
    let (code, _, err) =
        techo(a.path(), &["checkup", "add", "--date", "2026-06-12", "--item", &format!("{SYSTOLIC}=999")], None);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("item_value") && !err.contains("999"), "{err}");
    let photo = concat!(env!("CARGO_MANIFEST_DIR"), "/../bindings/tests/fixtures/receipt-qr-1.png");
    ok(
        a.path(),
        &["checkup", "add", "--date", "2025-06-10", "--kind", "teiki", "--item", &format!("{SYSTOLIC}=126")],
        None,
    );
    let added: serde_json::Value = serde_json::from_str(&ok(
        a.path(),
        &[
            "--json",
            "checkup",
            "add",
            "--date",
            "2026-06-12",
            "--institution",
            "駅前クリニック",
            "--photo",
            photo,
            "--item",
            &format!("{SYSTOLIC}=142"),
            "--item",
            "3D046000001906202=5.8",
            "--note",
            "再検査",
        ],
        None,
    ))
    .unwrap();
    assert_eq!(added["pages"].as_array().unwrap().len(), 1, "{added}");
    let id = added["id"].as_str().unwrap().to_owned();
    let report: serde_json::Value = serde_json::from_str(&ok(a.path(), &["--json", "sync"], None)).unwrap();
    assert_eq!((report["uploaded"].as_u64(), report["pushed"].as_u64()), (Some(1), Some(2)), "{report}");

    ok(b.path(), &["--server", &url, "login", "34001234", "--password-stdin"], Some("long enough pw\n"));
    ok(b.path(), &["sync"], None);
    let list: serde_json::Value = serde_json::from_str(&ok(b.path(), &["--json", "checkup", "list"], None)).unwrap();
    let dates: Vec<&str> = list.as_array().unwrap().iter().map(|c| c["date"].as_str().unwrap()).collect();
    assert_eq!(dates, vec!["2026-06-12", "2025-06-10"], "{list}");
    let shown: serde_json::Value =
        serde_json::from_str(&ok(b.path(), &["--json", "checkup", "show", &id[..13]], None)).unwrap();
    assert_eq!(shown["institution"], "駅前クリニック");
    assert_eq!(shown["pages"].as_array().unwrap().len(), 1);
    let judgements: Vec<(&str, &str)> = shown["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["code"].as_str().unwrap(), i["judgement"].as_str().unwrap()))
        .collect();
    assert_eq!(judgements, vec![(SYSTOLIC, "see_doctor"), ("3D046000001906202", "guidance")]);
    let text = ok(b.path(), &["checkup", "show", &id[..13]], None);
    assert!(text.contains("上の血圧") && text.contains("142 mmHg") && text.contains("please see a doctor"), "{text}");
    let trend: serde_json::Value =
        serde_json::from_str(&ok(b.path(), &["--json", "checkup", "trend", SYSTOLIC], None)).unwrap();
    let points: Vec<(&str, &str, &str)> = trend
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["date"].as_str().unwrap(), p["value"].as_str().unwrap(), p["judgement"].as_str().unwrap()))
        .collect();
    assert_eq!(points, vec![("2025-06-10", "126", "normal"), ("2026-06-12", "142", "see_doctor")]);
    assert!(ok(b.path(), &["checkup", "trend", SYSTOLIC], None).contains("2025-06-10  126 mmHg"));

    // Deleted on B, gone from A after both sync.
    ok(b.path(), &["checkup", "delete", &id[..13]], None);
    ok(b.path(), &["sync"], None);
    ok(a.path(), &["sync"], None);
    let list: serde_json::Value = serde_json::from_str(&ok(a.path(), &["--json", "checkup", "list"], None)).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    drop(rt);
}
