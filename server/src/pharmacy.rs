//! Pharmacy ingestion: a pharmacy system posts a patient's dispensings as JAHIS TC (direction 1)
//! with its institution credential. The data is read with the same parser and cut into the same
//! entries as a receipt scanned on a phone (`techo_domain::medication`), so a dispensing that
//! arrives both ways has one id and is stored once. Entries are written through ingest, under the
//! pharmacy's own source, and reach the patient's devices by ordinary sync.
//!
//! Strict where the phone is lenient: a file with any error is refused whole (400, with every
//! problem by position), so the pharmacy fixes its export instead of the patient missing a block.

use crate::error::{ApiError, ApiResult};
use crate::storage::{InstitutionId, Storage, StorageError};
use crate::sync_service;
use axum::http::StatusCode;
use techo_domain::FamilySpecs;
use techo_domain::medication::split;
use techo_jahis::{Direction, Level};
use techo_protocol::error::{DataProblem, ErrorCode};
use techo_protocol::pharmacy::PharmacySubmission;
use techo_protocol::records::medication::MedicationRecord;
use techo_protocol::sync::{Mutation, MutationStatus};
use techo_protocol::{Entity, Op};

/// Registers a pharmacy (or other institution) by its code; returns its credential, which is
/// shown once: only its hash is kept.
pub fn add_institution(storage: &dyn Storage, code: &str, name: &str) -> Result<String, String> {
    let code = code.trim();
    if code.is_empty() || code.len() > 16 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err("institution code: 1 to 16 digits".into());
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        return Err("name: 1 to 120 characters".into());
    }
    let (credential, hash) =
        crate::auth::new_institution_credential(code).map_err(|_| "no system randomness".to_owned())?;
    storage.add_institution(code, name, &hash, crate::state::now_ms()).map_err(|e| match e {
        StorageError::AlreadyExists => "an institution with that code already exists".to_owned(),
        other => other.to_string(),
    })?;
    Ok(credential)
}

fn problem(i: &techo_jahis::Issue) -> DataProblem {
    DataProblem {
        level: match i.level {
            Level::Error => "error",
            Level::Warning => "warning",
        }
        .into(),
        code: i.code.as_str().into(),
        line: i.line,
        record: i.record_no,
        field: i.field,
    }
}

fn refused(message: &str, problems: Vec<DataProblem>) -> ApiError {
    ApiError { problems, ..ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::MalformedRequest, message) }
}

/// Stores what `institution` sent for the patient with `hm_code`.
pub fn submit(
    storage: &dyn Storage,
    families: &FamilySpecs,
    institution: InstitutionId,
    hm_code: &str,
    body: &[u8],
) -> ApiResult<PharmacySubmission> {
    let patient = techo_domain::HmCode::parse(hm_code).map_err(|_| ApiError::malformed("patient: not an HM code"))?;
    let resident = storage.resident_by_hm_code(patient.as_str())?.ok_or_else(ApiError::not_found)?;
    let parsed = techo_jahis::parse(body).map_err(|e| refused(&format!("body: {e}"), Vec::new()))?;
    if parsed.document.direction != Direction::PharmacyToPatient {
        return Err(refused("body: a pharmacy sends output direction 1 (JAHISTC..,1)", Vec::new()));
    }
    if parsed.has_errors() {
        return Err(refused(
            "body: the data has errors; nothing was stored",
            parsed.issues.iter().map(problem).collect(),
        ));
    }
    let split = split(&parsed, &patient);
    if split.skipped_blocks > 0 {
        return Err(refused("body: a dispensing is larger than a record may be; nothing was stored", Vec::new()));
    }
    let entries = split.entries;
    let source = format!("pharmacy:{institution}");
    let mutations: Vec<Mutation> = entries
        .iter()
        .map(|e| {
            let record: MedicationRecord = e.to_wire();
            Ok(Mutation {
                // Content-derived: the same entry sent again is the same ingest, answered alike.
                mutation_id: e.id.to_string(),
                entity: Entity::Medication,
                entity_id: e.id.to_string(),
                op: Op::Create,
                base_version: None,
                payload: serde_json::to_value(record).map_err(|_| ApiError::unavailable())?,
                client_time: None,
            })
        })
        .collect::<ApiResult<_>>()?;
    let results = sync_service::ingest(storage, families, &source, mutations)?;
    if results.iter().any(|r| !matches!(r.status, MutationStatus::Applied | MutationStatus::Duplicate)) {
        // Every entry passed the same checks the family registry runs, so this is our bug.
        tracing::error!("an ingested medication entry was refused");
        return Err(ApiError::unavailable());
    }
    storage.record_submission(institution, resident.id, body, results.len() as u32, crate::state::now_ms())?;
    Ok(PharmacySubmission {
        entries: entries.iter().map(|e| e.id.to_string()).collect(),
        warnings: parsed.issues.iter().map(problem).collect(),
    })
}
