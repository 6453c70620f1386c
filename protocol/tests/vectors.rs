//! Every vector under tests/vectors/ parses into the wire types and serialises back to the same
//! JSON value, unknown fields included.

use serde::Serialize;
use serde::de::DeserializeOwned;
use techo_protocol::auth::Tokens;
use techo_protocol::error::ErrorBody;
use techo_protocol::records::Tombstone;
use techo_protocol::records::checkup::Checkup;
use techo_protocol::records::vital::VitalRecord;
use techo_protocol::sync::{PullResponse, PushRequest, PushResponse};

fn round_trip<T: DeserializeOwned + Serialize>(name: &str, json: &serde_json::Value) -> serde_json::Value {
    let parsed: T = serde_json::from_value(json.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
    serde_json::to_value(parsed).unwrap()
}

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
    assert!(all.len() >= 16, "expected the vital, checkup and sync vectors, found {}", all.len());
    for (name, json) in all {
        let back = match name.split('.').next().unwrap_or_default() {
            n if n.starts_with("vital_create") => round_trip::<VitalRecord>(&name, &json),
            n if n.starts_with("vital_delete") => round_trip::<Tombstone>(&name, &json),
            n if n.starts_with("checkup_create") => round_trip::<Checkup>(&name, &json),
            n if n.ends_with("push_request") => round_trip::<PushRequest>(&name, &json),
            n if n.ends_with("push_response") => round_trip::<PushResponse>(&name, &json),
            n if n.starts_with("pull_response") => round_trip::<PullResponse>(&name, &json),
            "error_body" => round_trip::<ErrorBody>(&name, &json),
            "tokens" => round_trip::<Tokens>(&name, &json),
            other => panic!("unknown vector kind: {other}"),
        };
        assert_eq!(back, json, "{name}");
    }
}

#[test]
fn unknown_kind_is_an_error_not_a_panic() {
    let json = r#"{"id":"x","patient":"P","measured_at":"2026-11-25T07:10:00+09:00","value":{"kind":"oxygen","spo2":97},"source":"self","recorded_at":"2026-11-25T07:10:01Z","origin_device":"d"}"#;
    assert!(serde_json::from_str::<VitalRecord>(json).is_err());
}
