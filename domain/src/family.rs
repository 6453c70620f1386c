//! What the device and the server both know about each family of records, behind one trait, and
//! the check every pushed mutation passes before anything is stored.
//!
//! The server looks a mutation's family up here and never names one; the device's store has its
//! own per-family half (how records are kept locally) in `techo-core`.

use crate::error::{DomainError, Result};
use crate::profile::HmCode;
use std::sync::Arc;
use techo_protocol::records::Tombstone;
use techo_protocol::sync::Mutation;
use techo_protocol::{Entity, Op};

/// The longest entity id a record may have (every family uses UUIDs today).
pub const MAX_ENTITY_ID_BYTES: usize = 64;
/// The largest record payload, as JSON (pictures travel as blobs, not inside records).
pub const MAX_RECORD_BYTES: usize = 32 * 1024;
/// The largest tombstone payload, as JSON, fields it does not know included.
pub const MAX_TOMBSTONE_BYTES: usize = 1024;

/// One family's wire rules.
pub trait FamilySpec: Send + Sync {
    fn entity(&self) -> Entity;

    /// Whether the family has this operation (append-only families never `update`).
    fn accepts(&self, op: Op) -> bool;

    /// Checks the payload of a `create` or `update` for shape and content and that it describes
    /// `entity_id`; returns the patient it belongs to.
    fn check_record(&self, entity_id: &str, payload: &serde_json::Value) -> Result<HmCode>;

    /// The blobs (lower-case hex sha256s, each once) a checked `create` or `update` payload
    /// refers to: the server keeps a patient's blob for as long as a live record names it, and
    /// releases it after that. Families without photos name none.
    fn blobs(&self, _payload: &serde_json::Value) -> Vec<String> {
        Vec::new()
    }
}

/// The blobs of a record that carries photographed pages (`pages[].image` and
/// `pages[].thumbnail`), for families whose [`FamilySpec::blobs`] is that. A payload of another
/// shape names none (it was refused by `check_record` anyway).
pub fn page_blobs(payload: &serde_json::Value) -> Vec<String> {
    #[derive(serde::Deserialize)]
    struct Paged {
        #[serde(default)]
        pages: Vec<techo_protocol::records::PhotoPage>,
    }
    let Ok(paged) = serde_json::from_value::<Paged>(payload.clone()) else { return Vec::new() };
    let mut shas: Vec<String> = paged
        .pages
        .into_iter()
        .flat_map(|p| [p.image.sha256, p.thumbnail.sha256])
        // Only content addresses: anything else could never name a stored blob.
        .filter(|s| techo_protocol::uploads::is_sha256_hex(s))
        .collect();
    shas.sort_unstable();
    shas.dedup();
    shas
}

/// Why a pushed mutation is refused before storage sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No such family, or the family has no such operation.
    Unsupported,
    Invalid(DomainError),
}

impl From<DomainError> for Refusal {
    fn from(e: DomainError) -> Self {
        Self::Invalid(e)
    }
}

/// The families a build knows, looked up by entity name.
#[derive(Clone)]
pub struct FamilySpecs {
    specs: Vec<Arc<dyn FamilySpec>>,
}

impl std::fmt::Debug for FamilySpecs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.specs.iter().map(|s| s.entity())).finish()
    }
}

impl FamilySpecs {
    /// Every family this build ships. A new family is registered here, once.
    pub fn builtin() -> Self {
        Self {
            specs: vec![
                Arc::new(crate::vitals_wire::VitalSpec),
                Arc::new(crate::medication::MedicationSpec),
                Arc::new(crate::checkup::CheckupSpec),
                Arc::new(crate::emergency_sheet::EmergencySheetSpec),
            ],
        }
    }

    /// These families plus `spec` (tests register example families this way).
    pub fn with(mut self, spec: Arc<dyn FamilySpec>) -> Self {
        self.specs.retain(|s| s.entity() != spec.entity());
        self.specs.push(spec);
        self
    }

    pub fn get(&self, entity: &Entity) -> Option<&dyn FamilySpec> {
        self.specs.iter().find(|s| &s.entity() == entity).map(|s| s.as_ref())
    }

    /// The patient a mutation writes to, or why it must be refused.
    pub fn check_mutation(&self, m: &Mutation) -> std::result::Result<HmCode, Refusal> {
        let spec = self.get(&m.entity).filter(|s| s.accepts(m.op)).ok_or(Refusal::Unsupported)?;
        // Bounds for every family, before anything is stored: ids, and the whole payload
        // (which bounds the fields a family does not know, kept verbatim).
        if m.entity_id.is_empty() || m.entity_id.len() > MAX_ENTITY_ID_BYTES {
            return Err(DomainError::payload("entity_id: 1 to 64 bytes").into());
        }
        let limit = if m.op == Op::Delete { MAX_TOMBSTONE_BYTES } else { MAX_RECORD_BYTES };
        if serde_json::to_string(&m.payload).map_or(true, |s| s.len() > limit) {
            return Err(DomainError::payload("payload: too large").into());
        }
        match m.op {
            Op::Create => Ok(spec.check_record(&m.entity_id, &m.payload)?),
            Op::Update => {
                if m.base_version.is_none() {
                    return Err(DomainError::payload("an update needs the version it was edited from").into());
                }
                Ok(spec.check_record(&m.entity_id, &m.payload)?)
            }
            Op::Delete => Ok(check_tombstone(&m.entity_id, &m.payload)?),
        }
    }
}

/// Deletions look the same in every family.
fn check_tombstone(entity_id: &str, payload: &serde_json::Value) -> Result<HmCode> {
    let t: Tombstone = serde_json::from_value(payload.clone()).map_err(|_| DomainError::payload("tombstone"))?;
    if t.id != entity_id || uuid::Uuid::parse_str(&t.id).is_err() {
        return Err(DomainError::payload("tombstone id"));
    }
    chrono::DateTime::parse_from_rfc3339(&t.deleted_at).map_err(|_| DomainError::payload("deleted_at"))?;
    HmCode::parse(&t.patient).map_err(|_| DomainError::payload("patient"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mutation(entity: &str, op: Op, payload: serde_json::Value) -> Mutation {
        Mutation {
            mutation_id: "m".into(),
            entity: Entity::parse(entity),
            entity_id: "019ab3c2-5f10-7a3e-9c41-2b7d5e8f0a11".into(),
            op,
            base_version: None,
            payload,
            client_time: None,
        }
    }

    #[test]
    fn unknown_families_and_operations_are_unsupported() {
        let specs = FamilySpecs::builtin();
        assert_eq!(
            specs.check_mutation(&mutation("care_plan", Op::Create, serde_json::json!({}))),
            Err(Refusal::Unsupported)
        );
        assert_eq!(
            specs.check_mutation(&mutation("vital", Op::Update, serde_json::json!({}))),
            Err(Refusal::Unsupported),
            "readings are corrected by new records, never updated"
        );
    }

    #[test]
    fn oversized_payloads_and_ids_are_refused_for_every_family() {
        let specs = FamilySpecs::builtin();
        let big = "x".repeat(MAX_RECORD_BYTES);
        let tomb = serde_json::json!({"id": "019ab3c2-5f10-7a3e-9c41-2b7d5e8f0a11", "patient": "34001234",
            "deleted_at": "2026-11-25T08:00:00.000+00:00", "junk": big});
        assert_eq!(
            specs.check_mutation(&mutation("vital", Op::Delete, tomb.clone())),
            Err(Refusal::Invalid(DomainError::payload("payload: too large")))
        );
        let mut create = tomb;
        create["junk"] = serde_json::json!("x".repeat(2 * MAX_RECORD_BYTES));
        assert!(matches!(specs.check_mutation(&mutation("vital", Op::Create, create)), Err(Refusal::Invalid(_))));
        let mut m = mutation("vital", Op::Delete, serde_json::json!({}));
        m.entity_id = "y".repeat(MAX_ENTITY_ID_BYTES + 1);
        assert!(matches!(specs.check_mutation(&m), Err(Refusal::Invalid(_))));
    }

    #[test]
    fn photo_families_name_each_page_blob_once_and_others_none() {
        let specs = FamilySpecs::builtin();
        let blob = |c: char| {
            let sha = c.to_string().repeat(64);
            serde_json::json!({"id": sha, "sha256": sha, "size": 10, "mime": "image/jpeg"})
        };
        let page = |image, thumb| {
            serde_json::json!({"image": blob(image), "thumbnail": blob(thumb), "width": 1, "height": 1,
                "added_at": "2026-12-04T09:00:00+09:00"})
        };
        let payload = serde_json::json!({"pages": [page('b', 'a'), page('c', 'a')]});
        let want: Vec<String> = ["a", "b", "c"].iter().map(|c| c.repeat(64)).collect();
        for family in ["checkup", "emergency_sheet"] {
            assert_eq!(specs.get(&Entity::parse(family)).unwrap().blobs(&payload), want, "{family}");
        }
        assert!(specs.get(&Entity::Vital).unwrap().blobs(&payload).is_empty());
        assert!(page_blobs(&serde_json::json!({"pages": "none"})).is_empty());
        assert!(page_blobs(&serde_json::json!({})).is_empty());
    }

    #[test]
    fn tombstones_are_checked_the_same_for_every_family() {
        let specs = FamilySpecs::builtin();
        let ok = serde_json::json!({"id": "019ab3c2-5f10-7a3e-9c41-2b7d5e8f0a11", "patient": "34001234",
            "deleted_at": "2026-11-25T08:00:00.000+00:00"});
        assert_eq!(specs.check_mutation(&mutation("vital", Op::Delete, ok)).unwrap().as_str(), "34001234");
        let other_id = serde_json::json!({"id": "019ab3c2-0000-7a3e-9c41-2b7d5e8f0a11", "patient": "34001234",
            "deleted_at": "2026-11-25T08:00:00.000+00:00"});
        assert!(matches!(
            specs.check_mutation(&mutation("vital", Op::Delete, other_id)),
            Err(Refusal::Invalid(DomainError::InvalidPayload { .. }))
        ));
    }
}
