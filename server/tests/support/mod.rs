//! What the server's test files share: an example family of edited documents, registered in
//! tests only, and reading the protocol vectors.

use std::sync::Arc;
use techo_domain::{DomainError, FamilySpec, FamilySpecs, HmCode};
use techo_protocol::{Entity, Op};

/// `test_note`: a document that is created, edited (`update`) and deleted, as 命の宝箱 will be.
/// Its payload is any object with the entity's `id` and the `patient`'s HM code.
pub struct TestNote;

impl FamilySpec for TestNote {
    fn entity(&self) -> Entity {
        Entity::parse("test_note")
    }

    fn accepts(&self, _: Op) -> bool {
        true
    }

    fn check_record(&self, entity_id: &str, payload: &serde_json::Value) -> Result<HmCode, DomainError> {
        let bad = |what| DomainError::InvalidPayload { what };
        if payload.get("id").and_then(|v| v.as_str()) != Some(entity_id) {
            return Err(bad("id"));
        }
        HmCode::parse(payload.get("patient").and_then(|v| v.as_str()).ok_or(bad("patient"))?)
    }
}

/// The built-in families plus `test_note`.
pub fn families() -> FamilySpecs {
    FamilySpecs::builtin().with(Arc::new(TestNote))
}

#[allow(dead_code, reason = "not every test file reads vectors")]
pub fn vector<T: serde::de::DeserializeOwned>(name: &str) -> T {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../protocol/tests/vectors").join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).expect("vector file")).expect("vector parses")
}
