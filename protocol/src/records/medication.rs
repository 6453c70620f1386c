//! Medication history: what pharmacies dispensed and what the notebook holds besides (OTC
//! medicines, allergies and side effects, memos, the family pharmacist), one record per entry.
//!
//! A record carries the entry as JAHIS TC text (電子版お薬手帳データフォーマット), the format every
//! pharmacy system and e-お薬手帳 app speaks, rather than a field-by-field copy of it: the device
//! and the server read it with the same parser (`techo-jahis`), nothing a pharmacy wrote is lost
//! in a mapping, and a parser fix re-reads every entry already synced. Entries are append-only;
//! hiding a wrong import is a tombstone.
//!
//! The id is derived from the patient and the entry's canonical text, so the same dispensing
//! scanned from a receipt on one phone and sent by the pharmacy to the server is one record: the
//! second create is the server's idempotent "same record again".

use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MedicationRecord {
    /// A UUID derived from `patient` and `jahis` (see `techo_domain::medication`).
    pub id: String,
    /// The patient's HM code.
    pub patient: String,
    /// The entry's JAHIS TC records in canonical form, without the version header: one 調剤
    /// block (record 5 and what follows it), one OTC medicine (3 with its 31s), one patient note
    /// (2), memo (4), family pharmacist (701) or patient details (1). Lines end in CRLF.
    pub jahis: String,
    /// Fields added by newer versions survive a round trip through an older client.
    #[cfg_attr(feature = "openapi", schema(ignore))]
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}
