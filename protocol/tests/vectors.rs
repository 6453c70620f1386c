//! Every vector under tests/vectors/ parses into the wire types and serialises back to the same
//! JSON value, unknown fields included.

use techo_protocol::{VitalDelete, VitalRecord};

fn vectors() -> Vec<(String, serde_json::Value)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors");
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .expect("vectors directory")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("readable vector");
            (p.file_name().unwrap().to_string_lossy().into_owned(), serde_json::from_str(&text).expect("valid JSON"))
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn vectors_round_trip() {
    let all = vectors();
    assert!(all.len() >= 6, "expected the vital vectors, found {}", all.len());
    for (name, json) in all {
        let back = if name.starts_with("vital_create") {
            let rec: VitalRecord = serde_json::from_value(json.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
            serde_json::to_value(rec).unwrap()
        } else if name.starts_with("vital_delete") {
            let rec: VitalDelete = serde_json::from_value(json.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
            serde_json::to_value(rec).unwrap()
        } else {
            panic!("unknown vector kind: {name}");
        };
        assert_eq!(back, json, "{name}");
    }
}

#[test]
fn unknown_kind_is_an_error_not_a_panic() {
    let json = r#"{"id":"x","patient":"P","measured_at":"2026-11-25T07:10:00+09:00","value":{"kind":"oxygen","spo2":97},"source":"self","recorded_at":"2026-11-25T07:10:01Z","origin_device":"d"}"#;
    assert!(serde_json::from_str::<VitalRecord>(json).is_err());
}
