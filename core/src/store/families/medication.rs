//! The medication family on the device: how the `medications` table takes pulled entries, which
//! entries a restored server lost, and how entries and imports are carried into a fresh database.
//! Reading and importing are in `store/medications.rs`.

use super::{Applied, Family, HeldRecord, not_a_record, tombstone_unlisted, unacknowledged_ids};
use crate::domain::Profile;
use crate::error::{Error, Result};
use crate::store::outbox::{NewEntry, enqueue};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Transaction, params};
use techo_domain::medication::{
    EntryKind, MedicationEntry, decode_entry, naive_date, otc_current_on, search_key, supply_ends,
};
use techo_domain::vitals_wire::rfc3339_utc;
use techo_protocol::records::Tombstone;
use techo_protocol::records::medication::MedicationRecord;
use techo_protocol::sync::Change;
use techo_protocol::{Entity, Op};

pub struct MedicationFamily;

/// How an entry first reached this device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArrivedBy {
    /// Scanned from a receipt's QR codes (or a photo of them).
    Qr,
    /// A JAHIS file shared to the app.
    File,
    /// Pulled from the server: a pharmacy sent it, or another device of the household imported it.
    Sync,
}

impl ArrivedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Qr => "qr",
            Self::File => "file",
            Self::Sync => "sync",
        }
    }

    pub(crate) fn from_str_opt(s: &str) -> Option<Self> {
        [Self::Qr, Self::File, Self::Sync].into_iter().find(|a| a.as_str() == s)
    }
}

const EPOCH: NaiveDate = NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");

pub(crate) fn day_number(d: NaiveDate) -> i64 {
    (d - EPOCH).num_days()
}

pub(crate) fn day_from_number(n: i64) -> Option<NaiveDate> {
    EPOCH.checked_add_signed(chrono::Duration::days(n))
}

/// The columns read from an entry for listing, "currently taking" and search.
struct Derived {
    day: Option<i64>,
    until_day: Option<i64>,
    institution: Option<String>,
    institution_code: Option<String>,
    search_text: String,
}

fn derive(entry: &MedicationEntry) -> Derived {
    let d = &entry.document;
    let mut names: Vec<&str> = Vec::new();
    let mut out =
        Derived { day: None, until_day: None, institution: None, institution_code: None, search_text: String::new() };
    match entry.kind {
        EntryKind::Dispensing => {
            if let Some(disp) = d.dispensings.first() {
                out.day = disp.dispensed_on().and_then(naive_date).map(day_number);
                out.until_day = supply_ends(disp).map(day_number);
                if let Some(inst) = &disp.institution {
                    out.institution = Some(inst.name().to_owned()).filter(|s| !s.is_empty());
                    out.institution_code = Some(inst.code().to_owned()).filter(|s| !s.is_empty());
                    names.push(inst.name());
                }
                if let Some(p) = &disp.prescriber_institution {
                    names.push(p.name());
                }
                for rp in &disp.rps {
                    for drug in &rp.drugs {
                        names.push(drug.name());
                        names.push(drug.generic_name());
                    }
                }
            }
        }
        EntryKind::Otc => {
            if let Some(o) = d.otc.first() {
                out.day = o.start_date().and_then(naive_date).map(day_number);
                out.until_day = o.end_date().and_then(naive_date).map(|e| day_number(e) + 1);
                names.push(o.name());
                names.extend(o.ingredients.iter().map(|i| i.name()));
            }
        }
        EntryKind::PatientNote => names.extend(d.patient_notes.iter().map(|n| n.text())),
        EntryKind::Memo => {
            if let Some(m) = d.memos.first() {
                out.day =
                    techo_jahis::CalendarDate::parse_jahis(m.entry_date_raw()).and_then(naive_date).map(day_number);
                names.push(m.text());
            }
        }
        EntryKind::Pharmacist => {
            if let Some(p) = d.pharmacists.first() {
                out.day =
                    techo_jahis::CalendarDate::parse_jahis(p.start_date_raw()).and_then(naive_date).map(day_number);
                names.push(p.name());
                names.push(p.pharmacy_name());
            }
        }
        EntryKind::PatientInfo => {}
    }
    // One space between names, so a search cannot match across two of them.
    out.search_text = names.iter().filter(|n| !n.is_empty()).map(|n| search_key(n)).collect::<Vec<_>>().join(" ");
    out
}

/// Whether an OTC entry counts as current on `day` (dispensings use the stored `until_day`).
pub(crate) fn otc_is_current(entry: &MedicationEntry, day: NaiveDate) -> bool {
    entry.document.otc.first().is_some_and(|o| otc_current_on(o, day))
}

/// Stores `entry` for `profile_id` unless it is already there; true when it was new.
pub(crate) fn insert_entry(
    tx: &Transaction<'_>,
    profile_id: &str,
    entry: &MedicationEntry,
    arrived_by: ArrivedBy,
    extra: Option<&serde_json::Map<String, serde_json::Value>>,
    deleted_at_ms: Option<i64>,
    now_ms: i64,
) -> Result<bool> {
    let d = derive(entry);
    let extra = extra.filter(|e| !e.is_empty()).map(|e| serde_json::Value::Object(e.clone()).to_string());
    let n = tx
        .prepare_cached(
            "INSERT INTO \"medications\" (\"id\", \"profile_id\", \"kind\", \"jahis\", \"day\", \"until_day\", \
             \"institution\", \"institution_code\", \"search_text\", \"arrived_by\", \"first_seen_ms\", \
             \"deleted_at_ms\", \"extra\") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) \
             ON CONFLICT (\"id\") DO NOTHING",
        )?
        .execute(params![
            entry.id.to_string(),
            profile_id,
            entry.kind.as_str(),
            entry.text,
            d.day,
            d.until_day,
            d.institution,
            d.institution_code,
            d.search_text,
            arrived_by.as_str(),
            now_ms,
            deleted_at_ms,
            extra,
        ])?;
    Ok(n == 1)
}

/// Reads an entry back from its stored text; the text was checked when stored.
pub(crate) fn entry_from_stored(id: &str, patient: &str, jahis: String) -> Result<MedicationEntry> {
    let record = MedicationRecord { id: id.to_owned(), patient: patient.to_owned(), jahis, extra: Default::default() };
    decode_entry(&record).map_err(|_| Error::Corrupt("medication entry"))
}

impl Family for MedicationFamily {
    fn entity(&self) -> Entity {
        Entity::Medication
    }

    /// Entries never change: a pulled one is added once, and a tombstone hides it.
    fn apply_change(
        &self,
        tx: &Transaction<'_>,
        profile: &Profile,
        change: &Change,
        now: DateTime<Utc>,
    ) -> Result<Applied> {
        let Ok(record) = serde_json::from_value::<MedicationRecord>(change.payload.clone()) else {
            return Ok(not_a_record(change));
        };
        let Ok(entry) = decode_entry(&record) else { return Ok(Applied::Unreadable) };
        if entry.patient != profile.hm_code || entry.id.to_string() != change.id {
            return Ok(Applied::Unreadable);
        }
        let now_ms = now.timestamp_millis();
        let deleted = change.deleted.then_some(now_ms);
        let profile_id = profile.id.to_string();
        if !insert_entry(tx, &profile_id, &entry, ArrivedBy::Sync, Some(&record.extra), deleted, now_ms)? {
            tx.prepare_cached(
                "UPDATE \"medications\" SET \"deleted_at_ms\" = ?2 WHERE \"id\" = ?1 AND ?3 AND \"deleted_at_ms\" IS NULL",
            )?
            .execute(params![change.id, now_ms, change.deleted])?;
        }
        Ok(Applied::Applied)
    }

    fn held(&self, conn: &rusqlite::Connection, profile: &Profile) -> Result<Vec<HeldRecord>> {
        let mut stmt = conn.prepare_cached(
            "SELECT \"id\", \"jahis\", \"extra\", \"deleted_at_ms\" IS NOT NULL FROM \"medications\" \
             WHERE \"profile_id\" = ?1 ORDER BY \"id\"",
        )?;
        let rows = stmt.query_map([profile.id.to_string()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<String>>(2)?, r.get::<_, bool>(3)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, jahis, extra, deleted) = row?;
            let record = MedicationRecord {
                id: id.clone(),
                patient: profile.hm_code.to_string(),
                jahis,
                extra: extra.and_then(|e| serde_json::from_str(&e).ok()).unwrap_or_default(),
            };
            let payload = serde_json::to_value(record).map_err(|_| Error::Corrupt("medication entry"))?;
            out.push(HeldRecord { entity: Entity::Medication, id, deleted, payload });
        }
        Ok(out)
    }

    fn tombstone_absent(&self, tx: &Transaction<'_>, profile: &Profile, now: DateTime<Utc>) -> Result<u64> {
        tombstone_unlisted(tx, &Entity::Medication, "medications", profile, now)
    }

    fn requeue_lost(&self, tx: &Transaction<'_>, profile: &Profile, now: DateTime<Utc>) -> Result<u64> {
        let ids = unacknowledged_ids(tx, &Entity::Medication, "medications", profile, "")?;
        let mut stmt = tx.prepare_cached(
            "SELECT \"jahis\", \"extra\", \"deleted_at_ms\", \"first_seen_ms\" FROM \"medications\" WHERE \"id\" = ?1",
        )?;
        let patient = &profile.hm_code;
        for id in &ids {
            let (jahis, extra, deleted_at, _first_seen): (String, Option<String>, Option<i64>, i64) =
                stmt.query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
            let record = MedicationRecord {
                id: id.clone(),
                patient: patient.to_string(),
                jahis,
                extra: extra.and_then(|e| serde_json::from_str(&e).ok()).unwrap_or_default(),
            };
            enqueue(
                tx,
                NewEntry::new(patient, Entity::Medication, id.clone(), Op::Create),
                &record,
                now.timestamp_millis(),
            )?;
            if let Some(ms) = deleted_at {
                let at = DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or(now);
                let tombstone = Tombstone {
                    id: id.clone(),
                    patient: patient.to_string(),
                    deleted_at: rfc3339_utc(at),
                    extra: Default::default(),
                };
                let delete = NewEntry::new(patient, Entity::Medication, id.clone(), Op::Delete);
                enqueue(tx, delete, &tombstone, now.timestamp_millis())?;
            }
        }
        Ok(ids.len() as u64)
    }

    fn forget(&self, tx: &Transaction<'_>, profile: &Profile) -> Result<u64> {
        let id = profile.id.to_string();
        tx.execute(
            "DELETE FROM \"medication_import_entries\" WHERE \"import_id\" IN \
             (SELECT \"id\" FROM \"medication_imports\" WHERE \"profile_id\" = ?1)",
            [&id],
        )?;
        tx.execute("DELETE FROM \"medication_imports\" WHERE \"profile_id\" = ?1", [&id])?;
        Ok(tx.execute("DELETE FROM \"medications\" WHERE \"profile_id\" = ?1", [&id])? as u64)
    }

    fn salvage(&self, tx: &Transaction<'_>) -> Result<u64> {
        // Files from before schema 6 have no medication tables: nothing to carry.
        let copy = |table: &str, parent_check: &str| {
            tx.execute(
                &format!(
                    "INSERT INTO main.\"{table}\" SELECT * FROM salvage.\"{table}\" WHERE {parent_check} \
                     ON CONFLICT DO NOTHING"
                ),
                [],
            )
        };
        let Ok(n) = copy("medications", "\"profile_id\" IN (SELECT \"id\" FROM main.\"profiles\")") else {
            return Ok(0);
        };
        // The raw imports are provenance: worth keeping, but losing them costs no entry.
        if copy("medication_imports", "\"profile_id\" IN (SELECT \"id\" FROM main.\"profiles\")").is_ok() {
            let _ =
                copy("medication_import_entries", "\"import_id\" IN (SELECT \"id\" FROM main.\"medication_imports\")");
        }
        Ok(n as u64)
    }
}
