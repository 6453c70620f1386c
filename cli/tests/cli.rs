//! The `techo` binary as a person uses it: every vital type round-trips, mistakes get one clear
//! line and a non-zero exit, warnings are shown while the reading is kept.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn techo(dir: &Path, args: &[&str]) -> Run {
    let out: Output = Command::new(env!("CARGO_BIN_EXE_techo"))
        .args(args)
        .env("TECHO_DATA_DIR", dir)
        .env("TECHO_KEYSTORE", "file")
        .env("TZ", "Asia/Tokyo")
        .output()
        .expect("run techo");
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(!run.stderr.contains("panicked") && !run.stderr.contains("RUST_BACKTRACE"), "{}", run.stderr);
    run
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let r = techo(dir, args);
    assert_eq!(r.code, 0, "techo {args:?} failed: {}", r.stderr);
    r.stdout
}

fn json(dir: &Path, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    serde_json::from_str(&ok(dir, &all)).expect("valid JSON output")
}

fn error_line(r: &Run) -> &str {
    let lines: Vec<&str> = r.stderr.lines().filter(|l| !l.starts_with("note:")).collect();
    assert_eq!(lines.len(), 1, "expected one error line, got: {}", r.stderr);
    lines[0]
}

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    ok(dir.path(), &["profile", "add", "3400-1234", "--name", "山田 花子"]);
    dir
}

#[test]
fn every_vital_type_round_trips() {
    let dir = setup();
    let d = dir.path();
    let at = ["--at", "2026-11-20 07:10"];
    ok(d, &["vitals", "add", "bp", "128/82", "--pulse", "70", "--morning", at[0], at[1]]);
    ok(d, &["vitals", "add", "weight", "61.2", at[0], at[1]]);
    ok(d, &["vitals", "add", "temp", "36.6", at[0], at[1]]);
    ok(d, &["vitals", "add", "glucose", "6.1mmol", "--fasting", at[0], at[1]]);
    ok(d, &["vitals", "add", "glucose", "104", "--after-meal-2h", "--at", "2026-11-20 09:00"]);
    ok(
        d,
        &["vitals", "add", "steps", "8,123", "--at", "2026-11-20 23:00", "--source", "device", "--device", "pedometer"],
    );

    let page = json(d, &["vitals", "list"]);
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 6);
    let find = |kind: &str| items.iter().filter(|i| i["kind"] == kind).cloned().collect::<Vec<_>>();
    let bp = &find("blood_pressure")[0];
    assert_eq!(
        (bp["systolic"].as_u64(), bp["diastolic"].as_u64(), bp["pulse"].as_u64()),
        (Some(128), Some(82), Some(70))
    );
    assert_eq!(bp["context"], "morning");
    assert_eq!(bp["measured_at"], "2026-11-20T07:10:00+09:00");
    assert_eq!(find("weight")[0]["kg"], "61.2");
    assert_eq!(find("temperature")[0]["celsius"], "36.6");
    let glucose = find("glucose");
    assert_eq!(glucose.len(), 2);
    assert!(glucose.iter().any(|g| g["value"] == "6.1" && g["unit"] == "mmol/L" && g["timing"] == "fasting"));
    assert!(glucose.iter().any(|g| g["value"] == "104" && g["unit"] == "mg/dL" && g["timing"] == "after_meal_2h"));
    let steps = &find("steps")[0];
    assert_eq!(
        (steps["count"].as_u64(), steps["source"].as_str(), steps["device_name"].as_str()),
        (Some(8123), Some("device"), Some("pedometer"))
    );

    let text = ok(d, &["vitals", "list"]);
    assert!(text.contains("6.1 mmol/L = 109.8 mg/dL (fasting)"), "{text}");
    assert!(text.contains("128/82 mmHg, pulse 70/min (morning)"), "{text}");
    assert_eq!(json(d, &["vitals", "latest"]).as_array().unwrap().len(), 5);
    assert_eq!(json(d, &["status"])["pending_changes"], 6);
    assert_eq!(json(d, &["status"])["refused_changes"], 0);
}

#[test]
fn mistakes_get_one_clear_line_and_nothing_is_saved() {
    let dir = setup();
    let d = dir.path();
    let cases: &[(&[&str], &str)] = &[
        (&["vitals", "add", "bp", "120/130"], "diastolic: must be lower than the systolic value"),
        (&["vitals", "add", "bp", "400/80"], "systolic: must be between 40 and 300 mmHg"),
        (&["vitals", "add", "bp", "120"], "expected systolic/diastolic"),
        (&["vitals", "add", "weight", "abc"], "weight: must be a number"),
        (&["vitals", "add", "temp", "45"], "temperature: must be between 30 and 43 °C"),
        (&["vitals", "add", "glucose", "60mmol"], "glucose: must be between 10 and 900 mg/dL"),
        // Once a panic ("multiply with overflow", exit 101): too large even to convert.
        (&["vitals", "add", "glucose", "999999999999999mmol"], "glucose: must be between 10 and 900 mg/dL"),
        (&["vitals", "add", "steps", "12.5"], "steps: must be a whole number"),
        (&["vitals", "add", "weight", "60", "--at", "2099-01-01 07:00"], "measured_at: is in the future"),
        (&["vitals", "add", "weight", "60", "--at", "sometime"], "--at: expected"),
        (&["vitals", "add", "weight", "60", "--pulse", "70"], "blood pressure only"),
        (&["vitals", "delete", "ffffffff"], "no reading with that id"),
    ];
    for (args, expected) in cases {
        let r = techo(d, args);
        // Input mistakes exit 2; a reading that does not exist is 1.
        let want = if expected.starts_with("no reading") { 1 } else { 2 };
        assert_eq!(r.code, want, "{args:?}");
        let line = error_line(&r);
        assert!(line.starts_with("techo: error: ") && line.contains(expected), "{args:?}: {line}");
    }
    assert_eq!(json(d, &["vitals", "list"])["items"].as_array().unwrap().len(), 0);
    assert_eq!(json(d, &["status"])["pending_changes"], 0);
    // Usage errors from the argument parser also exit non-zero without a backtrace.
    assert_eq!(techo(d, &["vitals", "add", "oxygen", "97"]).code, 2);
}

#[test]
fn warnings_are_shown_and_the_reading_is_kept() {
    let dir = setup();
    let d = dir.path();
    let r = techo(d, &["vitals", "add", "bp", "185/95", "--evening", "--at", "2026-11-20 21:00"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("warning: please check: systolic is at or above 180 mmHg (saved anyway)"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.contains("Saved for 山田 花子"), "{}", r.stdout);
    let out = json(d, &["vitals", "add", "temp", "38.5", "--at", "2026-11-20 21:05"]);
    assert_eq!(out["warnings"][0], "temperature is at or above 38 °C");
    assert_eq!(json(d, &["vitals", "list"])["items"].as_array().unwrap().len(), 2);
}

#[test]
fn amend_delete_and_history() {
    let dir = setup();
    let d = dir.path();
    let first = json(d, &["vitals", "add", "weight", "61.2", "--at", "2026-11-20 07:00", "--note", "after breakfast"]);
    let id = first["vital"]["id"].as_str().unwrap().to_owned();
    // A unique prefix is enough; the correction keeps the time and note unless told otherwise.
    let fixed = json(d, &["vitals", "amend", &id[..23], "60.8"]);
    let new_id = fixed["vital"]["id"].as_str().unwrap().to_owned();
    assert_eq!(fixed["vital"]["amends"], id.as_str());
    assert_eq!(fixed["vital"]["measured_at"], "2026-11-20T07:00:00+09:00");
    assert_eq!(fixed["vital"]["note"], "after breakfast");
    let r = techo(d, &["vitals", "amend", &id, "60"]);
    assert!(error_line(&r).contains(&format!("act on the current version {new_id}")));
    let r = techo(d, &["vitals", "amend", &new_id, "128/82"]);
    assert!(error_line(&r).contains("weight: must be a number"), "{}", r.stderr);

    ok(d, &["vitals", "delete", &new_id]);
    assert_eq!(json(d, &["vitals", "list"])["items"].as_array().unwrap().len(), 0);
    let history = json(d, &["vitals", "history", &id]);
    let versions = history.as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["kg"], "61.2");
    assert_eq!(versions[1]["kg"], "60.8");
    assert!(versions[1]["deleted_at"].is_string());
    let text = ok(d, &["vitals", "history", &id]);
    assert!(text.contains("[corrected]") && text.contains("[deleted"), "{text}");
    assert_eq!(json(d, &["status"])["pending_changes"], 3);
}

#[test]
fn chart_and_home_bp_summary() {
    let dir = setup();
    let d = dir.path();
    // Seven days of morning and evening readings ending yesterday, in the machine's (Tokyo) time.
    let today = chrono::Utc::now().with_timezone(&chrono::FixedOffset::east_opt(9 * 3600).unwrap()).date_naive();
    for back in 1..=7 {
        let day = today - chrono::Duration::days(back);
        ok(d, &["vitals", "add", "bp", "142/84", "--pulse", "72", "--morning", "--at", &format!("{day} 06:30")]);
        ok(d, &["vitals", "add", "bp", "126/78", "--evening", "--at", &format!("{day} 22:00")]);
    }
    let summary = json(d, &["vitals", "bp-summary"]);
    assert_eq!(summary["morning"]["days"], 6, "the window is the 7 days ending today");
    assert_eq!(summary["morning"]["class"], "grade1");
    assert_eq!(summary["evening"]["class"], "elevated");
    assert_eq!(summary["class"], "grade1");
    assert_eq!(summary["isolated_systolic"], true);
    let text = ok(d, &["vitals", "bp-summary"]);
    assert!(text.contains("Ⅰ度高血圧") && text.contains("not a diagnosis"), "{text}");

    let chart = ok(d, &["vitals", "chart", "--days", "30"]);
    assert_eq!(chart.lines().filter(|l| l.contains("n=2")).count(), 7, "{chart}");
    assert!(chart.contains("142/84") || chart.contains("134/81"), "{chart}");
    let weekly = json(d, &["vitals", "chart", "--days", "30", "--by", "week"]);
    let total: u64 = weekly.as_array().unwrap().iter().map(|p| p["value"]["count"].as_u64().unwrap()).sum();
    assert_eq!(total, 14);
}

#[test]
fn profiles_and_the_demo() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let r = techo(d, &["vitals", "list"]);
    assert!(error_line(&r).contains("no profile selected"));
    ok(d, &["profile", "add", "34001234", "--name", "本人"]);
    ok(d, &["profile", "add", "34005678", "--name", "母", "--family"]);
    ok(d, &["vitals", "add", "weight", "48.5", "--profile", "34005678", "--at", "2026-11-20 07:00"]);
    assert_eq!(json(d, &["vitals", "list"])["items"].as_array().unwrap().len(), 0, "went to the mother's profile");
    ok(d, &["profile", "use", "３４００５６７８"]);
    assert!(error_line(&techo(d, &["profile", "use", "34009999"])).contains("no profile with that HM code"));
    assert_eq!(json(d, &["vitals", "list"])["items"].as_array().unwrap().len(), 1);
    let profiles = json(d, &["profile", "list"]);
    assert_eq!(profiles.as_array().unwrap().iter().filter(|p| p["active"] == true).count(), 1);
    assert!(error_line(&techo(d, &["profile", "add", "34001234", "--name", "x"])).contains("already exists"));
    ok(d, &["profile", "rename", "34005678", "--name", "母 トメ"]);
    assert!(ok(d, &["profile", "list"]).contains("母 トメ"));
    // The mother's reading was never sent: removing her needs a confirmation that it is lost.
    let refused = techo(d, &["profile", "remove", "34005678"]);
    assert!(error_line(&refused).contains("not sent yet"), "{}", refused.stderr);
    // With no server to send to, sending first removes nothing.
    let refused = techo(d, &["profile", "remove", "34005678", "--send-first"]);
    assert!(error_line(&refused).contains("no server"), "{}", refused.stderr);
    assert_eq!(json(d, &["profile", "list"]).as_array().unwrap().len(), 2);
    assert_eq!(json(d, &["profile", "remove", "34005678", "--discard-unsent"])["removed_records"], 1);
    assert_eq!(json(d, &["profile", "list"]).as_array().unwrap().len(), 1);

    let demo = ok(d, &["demo"]);
    assert!(demo.contains("Home blood pressure") && demo.contains("Blood pressure (mmHg) · daily"), "{demo}");
    // Running it again reuses the demo profile instead of doubling its readings.
    let before = json(d, &["vitals", "list", "--limit", "500"])["items"].as_array().unwrap().len();
    ok(d, &["demo"]);
    assert_eq!(json(d, &["vitals", "list", "--limit", "500"])["items"].as_array().unwrap().len(), before);
}

#[test]
fn a_missing_key_is_reported_not_replaced() {
    let dir = setup();
    let d = dir.path();
    ok(d, &["vitals", "add", "weight", "60", "--at", "2026-11-20 07:00"]);
    std::fs::remove_file(d.join("database-key.key")).unwrap();
    let r = techo(d, &["vitals", "list"]);
    assert_eq!(r.code, 1);
    assert!(error_line(&r).contains("database key is missing"), "{}", r.stderr);
    assert!(error_line(&r).contains("techo start-over"), "{}", r.stderr);

    // Starting over asks first, then keeps the old file and opens a fresh one.
    let r = techo(d, &["start-over"]);
    assert_eq!(r.code, 2);
    assert!(error_line(&r).contains("--yes"), "{}", r.stderr);
    let report = json(d, &["start-over", "--yes"]);
    assert_eq!((report["profiles"].as_u64(), report["unsent_changes"].as_u64()), (Some(0), Some(0)));
    assert!(Path::new(report["set_aside"].as_str().unwrap()).exists());
    assert_eq!(json(d, &["profile", "list"]).as_array().map(Vec::len), Some(0));
}

/// A receipt's JAHIS data (domain.md §2.8 V1, dated recently enough to be current).
fn receipt() -> Vec<u8> {
    let text = "JAHISTC08,1\r\n\
1,広島 花子,2,19450720,730-0011,広島県広島市中区基町１－１,082-000-0000,090-0000-0000,O+,48.5,ヒロシマ ハナコ\r\n\
2,1,ペニシリン系で発疹,1\r\n\
5,20261120,1\r\n\
11,テスト薬局 本通店,34,4,0123456,730-0035,広島県広島市中区本通１－１,082-111-1111,1\r\n\
15,薬剤 一郎,082-111-1111,1\r\n\
201,1,アムロジピン錠５ｍｇ「テスト」,1,錠,2,999000001,1\r\n\
201,1,ﾒﾄﾎﾙﾐﾝ塩酸塩錠250mg,2,錠,2,999000002,1\r\n\
281,1,朝１錠、夕１錠,1\r\n\
301,1,【１日２回 朝夕食後】,28,日分,1,1,,1\r\n";
    techo_jahis::encode_cp932(text).0
}

#[test]
fn medication_notebook_from_receipt_qr_codes_and_files() {
    let dir = setup();
    let d = dir.path();
    let bytes = receipt();
    let parity = bytes.iter().fold(0u8, |a, b| a ^ b);
    // Split inside a double-byte character: the lead byte ends the first symbol.
    let cut = (bytes.len() / 2..bytes.len()).find(|&i| bytes[i] >= 0x81).unwrap() + 1;
    let (a, b) = (hex(&bytes[..cut]), hex(&bytes[cut..]));
    let second = format!("1/2/{parity:02x}:{b}");
    let waiting = techo(d, &["meds", "import", "--symbol", &second]);
    assert_eq!(waiting.code, 3, "{}", waiting.stderr);
    assert!(waiting.stdout.contains("1 of 2"), "{}", waiting.stdout);
    let first = format!("0/2/{parity:02x}:{a}");
    let done = json(d, &["meds", "import", "--symbol", &second, "--symbol", &first]);
    assert_eq!(done["added"], 3, "{done}");
    // The same data as a file adds nothing.
    let file = d.join("receipt.jahis");
    std::fs::write(&file, &bytes).unwrap();
    assert_eq!(json(d, &["meds", "import", file.to_str().unwrap()])["already_present"], 3);

    let list = json(d, &["meds", "list", "--type", "dispensing"]);
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["title"], "テスト薬局 本通店");
    let id = items[0]["id"].as_str().unwrap()[..8].to_owned();
    let shown = ok(d, &["meds", "show", &id]);
    assert!(shown.contains("1日量 2錠") && shown.contains("28日分") && shown.contains("※ 朝１錠、夕１錠"), "{shown}");
    assert_eq!(json(d, &["meds", "search", "めとほるみん"]).as_array().unwrap().len(), 1);
    assert_eq!(json(d, &["meds", "pharmacies"])[0]["code"], "0123456");

    let out = d.join("export.jahis");
    ok(d, &["meds", "export", "--jahis", out.to_str().unwrap()]);
    assert!(std::fs::read(&out).unwrap().starts_with(b"JAHISTC08,2\r\n"));

    ok(d, &["meds", "delete", &id]);
    assert_eq!(json(d, &["meds", "list", "--type", "dispensing"])["items"].as_array().unwrap().len(), 0);
    let rx = d.join("rx.txt");
    std::fs::write(&rx, b"JAHIS10\r\n1,1,1234567\r\n").unwrap();
    let refused = techo(d, &["meds", "import", rx.to_str().unwrap()]);
    assert_eq!(refused.code, 2);
    assert!(error_line(&refused).contains("prescription symbol"), "{}", refused.stderr);
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
