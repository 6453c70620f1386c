//! 命の宝箱 on the device: the person's one sheet (typed fields and photographed pages), every
//! version this device saved or received, and the merge of a save another device made first.
//!
//! The sheet is kept as it travels (`record`), with the server's last known state beside it
//! (`base`, the merge base) and the fields two devices changed differently (`conflicts`), which
//! wait for the person to choose. Pages are blobs: adding one keeps the prepared JPEG and its
//! preview in the store and queues their uploads, and the save waits for them.

use super::{
    Applied, ConflictResolution, Family, HeldRecord, held_json_records, not_a_record, queue_document_save,
    queue_merged_update, requeue_with_pages, tombstone_unlisted, unacknowledged_ids, waiting_pages,
};
use crate::domain::{HmCode, Profile};
use crate::error::{Error, Result};
use crate::photo::{PhotoSettings, prepare_photo};
use crate::store::Store;
use crate::store::blobs::keep_blob;
use crate::store::outbox::OutboxEntry;
use chrono::{DateTime, Duration, Utc};
use rusqlite::{OptionalExtension, Transaction, params};
use std::collections::BTreeMap;
use std::path::Path;
use techo_domain::emergency_sheet::{
    CATALOGUE, FieldConflict, MAX_PAGES, catalogue_field, check_field, merge, sheet_id,
};
use techo_domain::vitals_wire::rfc3339_utc;
use techo_protocol::Entity;
use techo_protocol::records::PhotoPage;
use techo_protocol::records::emergency_sheet::{Author, EmergencySheetRecord};
use techo_protocol::sync::{Change, RecordVersion};

mod history;

use history::Origin;
pub use history::SheetVersion;

/// After this long without a save, the sheet asks to be looked over (paper kits are refreshed
/// once a year, and after any change).
pub const REVIEW_AFTER: Duration = Duration::days(365);

pub struct EmergencySheetFamily;

/// The sheet as screens show it.
#[derive(Debug, Clone, PartialEq)]
pub struct EmergencySheet {
    /// Typed fields with a value, in catalogue order (fields of a newer app last).
    pub fields: Vec<(String, String)>,
    pub pages: Vec<PhotoPage>,
    /// Pages added here that did not fit beside another device's (the sheet holds at most
    /// [`MAX_PAGES`]): added when a page is removed, or discarded by removing them.
    pub waiting_pages: Vec<PhotoPage>,
    pub saved_at: DateTime<Utc>,
    pub saved_by: Author,
    /// Fields saved differently on two devices: the sheet shows `theirs`, the person chooses.
    pub conflicts: Vec<FieldConflict>,
    /// Saves not yet on the server.
    pub unsent: bool,
    /// Not saved for a year: a gentle reminder to look it over.
    pub review_due: bool,
}

fn record_json(r: &EmergencySheetRecord) -> Result<String> {
    serde_json::to_string(r).map_err(|_| Error::Corrupt("emergency sheet"))
}

fn parse_record(json: &str) -> Result<EmergencySheetRecord> {
    serde_json::from_str(json).map_err(|_| Error::Corrupt("emergency sheet"))
}

struct Row {
    record: EmergencySheetRecord,
    base: Option<EmergencySheetRecord>,
    conflicts: Vec<FieldConflict>,
}

/// The person's sheet (the one with the id derived from their HM code).
fn load(conn: &rusqlite::Connection, profile: &Profile) -> Result<Option<Row>> {
    load_id(conn, &sheet_id(&profile.hm_code).to_string())
}

fn load_id(conn: &rusqlite::Connection, id: &str) -> Result<Option<Row>> {
    let row: Option<(String, Option<String>, Option<String>)> = conn
        .query_row(
            "SELECT \"record\", \"base\", \"conflicts\" FROM \"emergency_sheets\" \
             WHERE \"id\" = ?1 AND \"deleted_at_ms\" IS NULL",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((record, base, conflicts)) = row else { return Ok(None) };
    Ok(Some(Row {
        record: parse_record(&record)?,
        base: base.as_deref().map(parse_record).transpose()?,
        conflicts: conflicts
            .map(|c| serde_json::from_str(&c).map_err(|_| Error::Corrupt("sheet conflicts")))
            .transpose()?
            .unwrap_or_default(),
    }))
}

/// Keeps `record` as the current state and adds it to the history (unless it is there
/// already, as when our own save comes back).
fn store_version(
    tx: &Transaction<'_>,
    profile: &Profile,
    record: &EmergencySheetRecord,
    base: Option<&EmergencySheetRecord>,
    conflicts: &[FieldConflict],
    origin: Origin,
    server_version: Option<i64>,
) -> Result<()> {
    let json = record_json(record)?;
    let base = base.map(record_json).transpose()?;
    let conflicts = (!conflicts.is_empty())
        .then(|| serde_json::to_string(conflicts))
        .transpose()
        .map_err(|_| Error::Corrupt("sheet conflicts"))?;
    tx.execute(
        "INSERT INTO \"emergency_sheets\" (\"id\", \"profile_id\", \"record\", \"base\", \"conflicts\") \
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (\"id\") DO UPDATE SET \"record\" = excluded.\"record\", \
         \"base\" = coalesce(excluded.\"base\", \"emergency_sheets\".\"base\"), \"conflicts\" = excluded.\"conflicts\", \
         \"deleted_at_ms\" = NULL",
        params![record.id, profile.id.to_string(), json, base, conflicts],
    )?;
    history::add(tx, &record.id, record, origin, server_version)
}

fn server_version(change: &Change) -> Result<i64> {
    i64::try_from(change.version).map_err(|_| Error::Corrupt("version"))
}

fn queue_save(tx: &Transaction<'_>, profile: &Profile, record: &EmergencySheetRecord, now_ms: i64) -> Result<()> {
    queue_document_save(tx, profile, &Entity::EmergencySheet, &record.id, record, &record.pages, now_ms)
}

impl Family for EmergencySheetFamily {
    fn entity(&self) -> Entity {
        Entity::EmergencySheet
    }

    fn held(&self, conn: &rusqlite::Connection, profile: &Profile) -> Result<Vec<HeldRecord>> {
        held_json_records(conn, &Entity::EmergencySheet, "emergency_sheets", profile)
    }

    fn apply_change(
        &self,
        tx: &Transaction<'_>,
        profile: &Profile,
        change: &Change,
        now: DateTime<Utc>,
    ) -> Result<Applied> {
        let Ok(record) = serde_json::from_value::<EmergencySheetRecord>(change.payload.clone()) else {
            return Ok(not_a_record(change));
        };
        if record.patient != profile.hm_code.as_str() || record.id != change.id {
            return Ok(Applied::Unreadable);
        }
        if change.deleted {
            // Kept as it was when deleted (older versions stay in the history).
            tx.execute(
                "INSERT INTO \"emergency_sheets\" (\"id\", \"profile_id\", \"record\", \"base\", \"deleted_at_ms\") \
                 VALUES (?1, ?2, ?3, ?3, ?4) ON CONFLICT (\"id\") DO UPDATE SET \
                 \"deleted_at_ms\" = coalesce(\"emergency_sheets\".\"deleted_at_ms\", excluded.\"deleted_at_ms\")",
                params![record.id, profile.id.to_string(), record_json(&record)?, now.timestamp_millis()],
            )?;
            return Ok(Applied::Applied);
        }
        // Conflicts the person has not settled stay, unless the other side now agrees.
        let conflicts: Vec<FieldConflict> = load_id(tx, &record.id)?
            .map(|row| row.conflicts)
            .unwrap_or_default()
            .into_iter()
            .filter(|c| record.fields.get(&c.key).map_or("", String::as_str) != c.ours)
            .collect();
        store_version(tx, profile, &record, Some(&record), &conflicts, Origin::Server, Some(server_version(change)?))?;
        Ok(Applied::Applied)
    }

    fn tombstone_absent(&self, tx: &Transaction<'_>, profile: &Profile, now: DateTime<Utc>) -> Result<u64> {
        tombstone_unlisted(tx, &Entity::EmergencySheet, "emergency_sheets", profile, now)
    }

    fn requeue_lost(&self, tx: &Transaction<'_>, profile: &Profile, now: DateTime<Utc>) -> Result<u64> {
        let ids = unacknowledged_ids(tx, &Entity::EmergencySheet, "emergency_sheets", profile, "")?;
        let mut queued = 0;
        for id in ids {
            let Some(row) = load_id(tx, &id)? else { continue };
            requeue_with_pages(
                tx,
                profile,
                &Entity::EmergencySheet,
                id,
                &row.record,
                &row.record.pages,
                now.timestamp_millis(),
            )?;
            queued += 1;
        }
        Ok(queued)
    }

    fn salvage(&self, tx: &Transaction<'_>) -> Result<u64> {
        let n = tx.execute(
            "INSERT INTO main.\"emergency_sheets\" SELECT * FROM salvage.\"emergency_sheets\" \
             WHERE \"profile_id\" IN (SELECT \"id\" FROM main.\"profiles\") ON CONFLICT DO NOTHING",
            [],
        )?;
        // The history is worth keeping but not worth losing the sheet over.
        tx.execute_batch("SAVEPOINT history")?;
        let copied = tx.execute(
            "INSERT INTO main.\"emergency_sheet_versions\" SELECT * FROM salvage.\"emergency_sheet_versions\" \
             WHERE \"sheet_id\" IN (SELECT \"id\" FROM main.\"emergency_sheets\") ON CONFLICT DO NOTHING",
            [],
        );
        tx.execute_batch(if copied.is_ok() { "RELEASE history" } else { "ROLLBACK TO history; RELEASE history" })?;
        waiting_pages::salvage(tx, &Entity::EmergencySheet, "emergency_sheets")?;
        Ok(n as u64)
    }

    fn forget(&self, tx: &Transaction<'_>, profile: &Profile) -> Result<u64> {
        waiting_pages::forget(tx, &Entity::EmergencySheet, "emergency_sheets", profile)?;
        tx.execute(
            "DELETE FROM \"emergency_sheet_versions\" WHERE \"sheet_id\" IN \
             (SELECT \"id\" FROM \"emergency_sheets\" WHERE \"profile_id\" = ?1)",
            [profile.id.to_string()],
        )?;
        Ok(tx.execute("DELETE FROM \"emergency_sheets\" WHERE \"profile_id\" = ?1", [profile.id.to_string()])? as u64)
    }

    fn blobs(&self, payload: &str) -> Vec<String> {
        parse_record(payload).map(|r| super::page_blobs(&r.pages)).unwrap_or_default()
    }

    fn acknowledged(&self, tx: &Transaction<'_>, entry: &OutboxEntry, server_version: i64) -> Result<()> {
        tx.execute(
            "UPDATE \"emergency_sheets\" SET \"base\" = ?2 WHERE \"id\" = ?1",
            params![entry.entity_id, entry.payload],
        )?;
        history::acknowledged(tx, &entry.entity_id, &entry.payload, server_version)
    }

    /// Another device saved first. Merges field by field against the version our save started
    /// from (none when both devices started the sheet), keeps true conflicts for the person, and
    /// sends the merge as one update that replaces our queued saves (it holds them all).
    fn resolve_conflict(
        &self,
        tx: &Transaction<'_>,
        entry: &OutboxEntry,
        current: &Change,
        now: DateTime<Utc>,
    ) -> Result<ConflictResolution> {
        if current.deleted {
            return Ok(ConflictResolution::Wedge("deleted_elsewhere".into()));
        }
        let theirs: EmergencySheetRecord = serde_json::from_value(current.payload.clone())
            .map_err(|_| Error::InvalidPayload { what: "emergency sheet" })?;
        let patient = HmCode::parse(&entry.patient).map_err(|_| Error::Corrupt("outbox patient"))?;
        let Some(profile) = crate::store::profiles::profile_in(tx, &patient)? else {
            return Ok(ConflictResolution::Wedge("conflict".into()));
        };
        let Some(row) = load_id(tx, &entry.entity_id)? else {
            return Ok(ConflictResolution::Wedge("conflict".into()));
        };
        // A create has no common base unless this device knew the sheet before (a full
        // download forgot its acknowledgement, so the save went out as a create).
        let base = row.base.as_ref();
        let merged = merge(
            base.map(|b| (&b.fields, b.pages.as_slice())),
            (&row.record.fields, &row.record.pages),
            (&theirs.fields, &theirs.pages),
        );
        waiting_pages::add(tx, &Entity::EmergencySheet, &entry.entity_id, merged.waiting)?;
        let mut conflicts = row.conflicts;
        conflicts.retain(|c| !merged.conflicts.iter().any(|m| m.key == c.key));
        conflicts.extend(merged.conflicts);
        let record = EmergencySheetRecord {
            fields: merged.fields,
            pages: merged.pages,
            saved_at: row.record.saved_at.clone(),
            saved_by: row.record.saved_by.clone(),
            ..theirs.clone()
        };
        // What the server holds now is the new base; their version joins the history.
        store_version(
            tx,
            &profile,
            &theirs,
            Some(&theirs),
            &conflicts,
            Origin::Server,
            Some(server_version(current)?),
        )?;
        store_version(tx, &profile, &record, None, &conflicts, Origin::Here, None)?;
        queue_merged_update(tx, &profile, entry, current, &record, &record.pages, now)?;
        Ok(ConflictResolution::Merged)
    }
}

/// An edit of the sheet inside its save's transaction: the record, its conflicts, the pages
/// waiting for room.
trait SheetEdit:
    FnOnce(&Transaction<'_>, &mut EmergencySheetRecord, &mut Vec<FieldConflict>, &mut Vec<PhotoPage>) -> Result<()>
{
}

impl<F> SheetEdit for F where
    F: FnOnce(&Transaction<'_>, &mut EmergencySheetRecord, &mut Vec<FieldConflict>, &mut Vec<PhotoPage>) -> Result<()>
{
}

/// What the screens and the CLI call.
impl Store {
    /// The person's sheet, if one was started here or received.
    pub fn emergency_sheet(&self, profile: &Profile) -> Result<Option<EmergencySheet>> {
        let conn = self.reader();
        let Some(row) = load(&conn, profile)? else { return Ok(None) };
        let unsent: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM \"outbox\" WHERE \"entity\" = ?1 AND \"entity_id\" = ?2)",
            params![Entity::EmergencySheet.as_str(), row.record.id],
            |r| r.get(0),
        )?;
        let saved_at = DateTime::parse_from_rfc3339(&row.record.saved_at)
            .map_err(|_| Error::Corrupt("sheet time"))?
            .with_timezone(&Utc);
        let mut fields: Vec<(String, String)> = CATALOGUE
            .iter()
            .filter_map(|f| row.record.fields.get(f.key).map(|v| (f.key.to_owned(), v.clone())))
            .collect();
        fields.extend(
            row.record.fields.iter().filter(|(k, _)| catalogue_field(k).is_none()).map(|(k, v)| (k.clone(), v.clone())),
        );
        Ok(Some(EmergencySheet {
            fields,
            waiting_pages: waiting_pages::load(&conn, &Entity::EmergencySheet, &row.record.id)?,
            pages: row.record.pages,
            review_due: self.clock.now() - saved_at > REVIEW_AFTER,
            saved_at,
            saved_by: row.record.saved_by,
            conflicts: row.conflicts,
            unsent,
        }))
    }

    /// Saves typed-in fields (key, text; empty text clears the field) as a new version. Every
    /// value is checked before anything is written; a save that changes nothing writes nothing.
    pub fn save_emergency_fields(&self, profile: &Profile, edits: &[(String, String)]) -> Result<EmergencySheet> {
        let edits: Vec<(String, String)> = edits.iter().map(|(k, v)| (k.clone(), v.trim().to_owned())).collect();
        for (key, value) in &edits {
            check_field(key, value)?;
        }
        self.save_sheet(profile, |record, conflicts| {
            for (key, value) in &edits {
                if value.is_empty() {
                    record.fields.remove(key);
                } else {
                    record.fields.insert(key.clone(), value.clone());
                }
                // Typing a value settles a conflict on that field.
                conflicts.retain(|c| &c.key != key);
            }
            Ok(())
        })
    }

    /// Settles a field saved differently on two devices: keeps ours (saved as a new version) or
    /// the value the sheet shows now.
    pub fn resolve_emergency_conflict(&self, profile: &Profile, key: &str, keep_ours: bool) -> Result<EmergencySheet> {
        self.save_sheet(profile, |record, conflicts| {
            let Some(at) = conflicts.iter().position(|c| c.key == key) else {
                return Err(Error::NotFound { entity: "conflict" });
            };
            let c = conflicts.remove(at);
            if keep_ours {
                if c.ours.is_empty() {
                    record.fields.remove(key);
                } else {
                    record.fields.insert(c.key, c.ours);
                }
            }
            Ok(())
        })
    }

    /// Adds a photographed page: the photo at `path` goes through the photo pipeline (upright,
    /// no metadata, resized, baseline JPEG, preview), is kept encrypted here and queued for
    /// upload, and the sheet's new version waits for it. Nothing is stored if the photo is refused.
    pub fn add_emergency_page(
        &self,
        profile: &Profile,
        path: &Path,
        settings: &PhotoSettings,
    ) -> Result<EmergencySheet> {
        // Decoding and encoding take a fraction of a second: outside the write lock.
        let photo = prepare_photo(path, settings)?;
        let now = self.clock.now();
        self.save_sheet_with(profile, |tx, record, _, _| {
            if record.pages.len() >= MAX_PAGES {
                return Err(Error::Validation {
                    field: crate::domain::Field::Pages,
                    reason: crate::error::ValidationReason::TooMany { max: MAX_PAGES },
                });
            }
            let now_ms = now.timestamp_millis();
            let image = keep_blob(tx, profile, "image/jpeg", &photo.jpeg, now_ms)?;
            let thumbnail = keep_blob(tx, profile, "image/jpeg", &photo.thumbnail, now_ms)?;
            if record.pages.iter().any(|p| p.image.sha256 == image.sha256) {
                return Ok(());
            }
            record.pages.push(PhotoPage {
                image,
                thumbnail,
                width: photo.width,
                height: photo.height,
                added_at: rfc3339_utc(now),
                extra: Default::default(),
            });
            Ok(())
        })
    }

    /// Removes a page from the sheet (older versions keep it), and a waiting page takes its
    /// place; or discards a waiting page.
    pub fn remove_emergency_page(&self, profile: &Profile, image_sha256: &str) -> Result<EmergencySheet> {
        self.save_sheet_with(profile, |_, record, _, waiting| {
            super::remove_page(&mut record.pages, waiting, image_sha256)
        })
    }

    /// Values the medication notebook knows (patient details, allergies and side effects, past
    /// illnesses, what is being taken on `today`) for fields the sheet leaves empty; offered to
    /// the person, saved only when they confirm.
    pub fn emergency_sheet_suggestions(
        &self,
        profile: &Profile,
        today: chrono::NaiveDate,
    ) -> Result<Vec<(String, String)>> {
        use crate::domain::medication_view::medication_line;
        use crate::store::MedicationQuery;
        use techo_domain::medication::EntryKind;
        let of_kind = |kind| {
            self.list_medications(profile.id, &MedicationQuery { kind: Some(kind), limit: 500, ..Default::default() })
        };
        let patient = of_kind(EntryKind::PatientInfo)?.items.into_iter().find_map(|m| m.entry.document.patient);
        let notes: Vec<_> =
            of_kind(EntryKind::PatientNote)?.items.into_iter().flat_map(|m| m.entry.document.patient_notes).collect();
        let medicines: Vec<String> = self
            .current_medications(profile.id, today)?
            .iter()
            .filter(|m| m.entry.kind == EntryKind::Dispensing || m.entry.kind == EntryKind::Otc)
            .flat_map(|m| {
                let line = medication_line(m);
                if m.entry.kind == EntryKind::Otc { vec![line.title] } else { line.names }
            })
            .collect();
        let filled: Vec<String> =
            self.emergency_sheet(profile)?.map(|s| s.fields.into_iter().map(|(k, _)| k).collect()).unwrap_or_default();
        Ok(crate::domain::sheet_prefill::suggestions(patient.as_ref(), &notes, &medicines)
            .into_iter()
            .filter(|(k, _)| !filled.contains(k))
            .collect())
    }

    /// The sheet as an A4 page to print (a blank form when nothing is written yet), its days as
    /// they are where the device is (`offset`).
    pub fn emergency_sheet_print(&self, profile: &Profile, offset: chrono::FixedOffset) -> Result<String> {
        use crate::domain::sheet_print::{SheetPrint, sheet_html};
        let sheet = self.emergency_sheet(profile)?;
        let local = |t: DateTime<Utc>| t.with_timezone(&offset).date_naive();
        Ok(sheet_html(&SheetPrint {
            fields: sheet.as_ref().map_or(&[], |s| s.fields.as_slice()),
            pages: sheet.as_ref().map_or(0, |s| s.pages.len()),
            updated: sheet.as_ref().map(|s| local(s.saved_at)),
            printed: local(self.clock.now()),
        }))
    }

    /// Every version of the sheet this device saved or received, newest first.
    pub fn emergency_sheet_history(&self, profile: &Profile) -> Result<Vec<SheetVersion>> {
        history::load(&self.reader(), &sheet_id(&profile.hm_code).to_string())
    }

    /// Takes the versions the server kept of the person's sheet (`GET /v1/sync/versions`) into
    /// its history on this device; returns how many it did not have.
    pub fn keep_sheet_versions(&self, profile: &Profile, versions: &[RecordVersion]) -> Result<u64> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        let added = history::fill_from_server(
            &tx,
            &sheet_id(&profile.hm_code).to_string(),
            profile.hm_code.as_str(),
            versions,
        )?;
        tx.commit()?;
        Ok(added)
    }

    fn save_sheet(
        &self,
        profile: &Profile,
        edit: impl FnOnce(&mut EmergencySheetRecord, &mut Vec<FieldConflict>) -> Result<()>,
    ) -> Result<EmergencySheet> {
        self.save_sheet_with(profile, |_, record, conflicts, _| edit(record, conflicts))
    }

    /// One save: the current sheet (or a new one) edited, stored as a new version and queued,
    /// in one transaction. Waiting pages fill any room the edit leaves.
    fn save_sheet_with(&self, profile: &Profile, edit: impl SheetEdit) -> Result<EmergencySheet> {
        // One copy of the save for every kind of edit (each edit inlining its own copy cost the
        // phone library kilobytes per screen action).
        self.save_sheet_dyn(profile, Box::new(edit))
    }

    fn save_sheet_dyn(&self, profile: &Profile, edit: Box<dyn SheetEdit + '_>) -> Result<EmergencySheet> {
        let now = self.clock.now();
        let account = self.account()?.map(|a| a.hm_code);
        {
            let mut conn = self.writer();
            let tx = conn.transaction()?;
            let (mut record, mut conflicts) = match load(&tx, profile)? {
                Some(row) => (row.record, row.conflicts),
                None => (
                    EmergencySheetRecord {
                        id: sheet_id(&profile.hm_code).to_string(),
                        patient: profile.hm_code.to_string(),
                        fields: BTreeMap::new(),
                        pages: Vec::new(),
                        saved_at: String::new(),
                        saved_by: Author { account: None, device: String::new(), extra: Default::default() },
                        extra: Default::default(),
                    },
                    Vec::new(),
                ),
            };
            let mut waiting = waiting_pages::load(&tx, &Entity::EmergencySheet, &record.id)?;
            let before = (record.fields.clone(), record.pages.clone(), conflicts.clone(), waiting.clone());
            edit(&tx, &mut record, &mut conflicts, &mut waiting)?;
            waiting_pages::fill(&tx, profile, &mut record.pages, &mut waiting, MAX_PAGES, now.timestamp_millis())?;
            if waiting != before.3 {
                waiting_pages::store(&tx, &Entity::EmergencySheet, &record.id, &waiting)?;
            }
            if (&record.fields, &record.pages) == (&before.0, &before.1) {
                if conflicts != before.2 {
                    // Only a conflict settled in favour of what the sheet shows: nothing to send.
                    let json = serde_json::to_string(&conflicts).map_err(|_| Error::Corrupt("sheet conflicts"))?;
                    tx.execute(
                        "UPDATE \"emergency_sheets\" SET \"conflicts\" = nullif(?2, '[]') WHERE \"id\" = ?1",
                        params![record.id, json],
                    )?;
                }
                tx.commit()?;
            } else {
                record.saved_at = rfc3339_utc(now);
                record.saved_by =
                    Author { account: account.clone(), device: self.device_id.clone(), extra: Default::default() };
                store_version(&tx, profile, &record, None, &conflicts, Origin::Here, None)?;
                queue_save(&tx, profile, &record, now.timestamp_millis())?;
                tx.commit()?;
            }
        }
        self.emergency_sheet(profile)?.ok_or(Error::NotFound { entity: "emergency sheet" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::{grainy_jpeg, kinds, open_test_store};
    use crate::store::{UPLOAD_ENTITY, outbox::OutboxEntry as Entry};
    use techo_protocol::Op;

    #[test]
    fn a_page_waits_for_its_uploads_and_a_later_save_waits_behind_it() {
        let t = open_test_store();
        let p = t.store.add_profile("34001234", "山田 花子", crate::domain::Relationship::Myself).unwrap();
        let sheet = t
            .store
            .add_emergency_page(&p, &grainy_jpeg(t.dir.path(), "page.jpg", 400, 600), &PhotoSettings::default())
            .unwrap();
        assert_eq!(sheet.pages.len(), 1);
        t.store.save_emergency_fields(&p, &[("care.doctor".into(), "田中".into())]).unwrap();
        let queued = t.store.outbox_entries(10).unwrap();
        let (image, thumb) = (queued[0].seq, queued[1].seq);
        assert_eq!(
            kinds(&t.store, &queued),
            vec![
                (UPLOAD_ENTITY.to_owned(), Op::Create, vec![]),
                (UPLOAD_ENTITY.to_owned(), Op::Create, vec![]),
                ("emergency_sheet".to_owned(), Op::Create, vec![image, thumb]),
                ("emergency_sheet".to_owned(), Op::Update, vec![image, thumb]),
            ]
        );
        let patients = vec!["34001234".to_owned()];
        assert!(t.store.outbox_batch(&patients, 10).unwrap().is_empty(), "nothing before the photos are up");
        let first = t.store.next_upload(&patients).unwrap().unwrap();
        assert_eq!((first.seq, first.offset, first.has_bytes), (image, 0, true));
        t.store.complete_upload(&first).unwrap();
        let second = t.store.next_upload(&patients).unwrap().unwrap();
        t.store.complete_upload(&second).unwrap();
        let batch = t.store.outbox_batch(&patients, 10).unwrap();
        assert_eq!(batch.len(), 1, "the later save waits behind the first");
        assert_eq!(batch[0].op, Op::Create);
    }

    #[test]
    fn a_refused_photo_or_value_stores_nothing() {
        let t = open_test_store();
        let p = t.store.add_profile("34001234", "山田 花子", crate::domain::Relationship::Myself).unwrap();
        let bad = t.dir.path().join("bad.jpg");
        std::fs::write(&bad, b"\xff\xd8\xff\xe0 not really").unwrap();
        assert!(matches!(t.store.add_emergency_page(&p, &bad, &PhotoSettings::default()), Err(Error::Photo { .. })));
        let edits = [("identity.name".to_owned(), "山田".to_owned()), ("medical.blood_type".into(), "C".into())];
        assert!(matches!(t.store.save_emergency_fields(&p, &edits), Err(Error::DocumentField { .. })));
        assert!(t.store.emergency_sheet(&p).unwrap().is_none());
        assert_eq!(t.store.outbox_len().unwrap(), 0);
        let blobs: i64 = t.store.reader().query_row("SELECT count(*) FROM \"blobs\"", [], |r| r.get(0)).unwrap();
        assert_eq!(blobs, 0);
    }

    #[test]
    fn a_save_that_changes_nothing_is_not_a_version_and_a_year_asks_for_a_look() {
        let t = open_test_store();
        let p = t.store.add_profile("34001234", "山田 花子", crate::domain::Relationship::Myself).unwrap();
        let edits = [("identity.name".to_owned(), " 山田 花子 ".to_owned())];
        let sheet = t.store.save_emergency_fields(&p, &edits).unwrap();
        assert_eq!(sheet.fields, vec![("identity.name".to_owned(), "山田 花子".to_owned())], "trimmed");
        assert!(sheet.unsent && !sheet.review_due);
        t.store.save_emergency_fields(&p, &edits).unwrap();
        assert_eq!(t.store.emergency_sheet_history(&p).unwrap().len(), 1);
        assert_eq!(t.store.outbox_len().unwrap(), 1);
        t.store.writer().execute(
            "UPDATE \"emergency_sheets\" SET \"record\" = json_set(\"record\", '$.saved_at', '2025-11-01T00:00:00.000+00:00')",
            [],
        )
        .unwrap();
        assert!(t.store.emergency_sheet(&p).unwrap().unwrap().review_due);
    }

    /// Two phones added photos offline beyond what the sheet holds together: the server's stay,
    /// ours wait for room (never dropped) and take it when a page is removed.
    #[test]
    fn photos_beyond_the_limit_after_a_merge_wait_for_room() {
        use techo_protocol::sync::{Change, MutationResult, MutationStatus};
        let t = open_test_store();
        let p = t.store.add_profile("34001234", "山田 花子", crate::domain::Relationship::Myself).unwrap();
        t.store.save_emergency_fields(&p, &[("medical.blood_type".into(), "A".into())]).unwrap();
        let first = t.store.outbox_entries(10).unwrap();
        let result = |e: &Entry, status, server_record| MutationResult {
            mutation_id: e.mutation_id.to_string(),
            status,
            commit_seq: (status == MutationStatus::Applied).then_some(6),
            error: None,
            server_record,
        };
        t.store.apply_push_results(&first, &[result(&first[0], MutationStatus::Applied, None)]).unwrap();
        for (i, name) in ["a.jpg", "b.jpg", "c.jpg"].iter().enumerate() {
            let photo = grainy_jpeg(t.dir.path(), name, 64 + i as u16, 64);
            t.store.add_emergency_page(&p, &photo, &PhotoSettings::default()).unwrap();
        }
        let ours: Vec<_> =
            t.store.outbox_entries(20).unwrap().into_iter().filter(|e| e.entity == Entity::EmergencySheet).collect();
        let mut theirs: serde_json::Value = serde_json::from_str(&first[0].payload).unwrap();
        theirs["pages"] = crate::store::test_support::their_pages(1, MAX_PAGES as u8 - 1).into();
        let change = Change {
            entity: Entity::EmergencySheet,
            id: ours[0].entity_id.clone(),
            version: 8,
            deleted: false,
            payload: theirs,
        };
        t.store.apply_push_results(&ours, &[result(&ours[0], MutationStatus::Conflict, Some(change))]).unwrap();

        let sheet = t.store.emergency_sheet(&p).unwrap().unwrap();
        assert_eq!((sheet.pages.len(), sheet.waiting_pages.len()), (MAX_PAGES, 2));
        let ours_kept = &sheet.pages[MAX_PAGES - 1];
        assert!(sheet.waiting_pages.iter().all(|w| w.image != ours_kept.image));
        let sent = t.store.outbox_entries(20).unwrap().into_iter().rev().find(|e| e.entity == Entity::EmergencySheet);
        let sent: EmergencySheetRecord = serde_json::from_str(&sent.unwrap().payload).unwrap();
        assert_eq!(sent.pages, sheet.pages);

        let after = t.store.remove_emergency_page(&p, &sheet.pages[0].image.sha256).unwrap();
        assert_eq!(after.pages.last(), sheet.waiting_pages.first());
        assert_eq!(after.waiting_pages, sheet.waiting_pages[1..]);
        let discarded = t.store.remove_emergency_page(&p, &sheet.waiting_pages[1].image.sha256).unwrap();
        assert!(discarded.waiting_pages.is_empty());
        assert_eq!(discarded.pages, after.pages);
    }

    /// Our first save was acknowledged; a second waits; another phone reverted a field of the
    /// first meanwhile. The merge starts from what the server acknowledged, so their revert wins
    /// and nothing is reported as a conflict.
    #[test]
    fn the_merge_starts_from_our_acknowledged_save() {
        use techo_protocol::sync::{Change, MutationResult, MutationStatus};
        let t = open_test_store();
        let p = t.store.add_profile("34001234", "山田 花子", crate::domain::Relationship::Myself).unwrap();
        t.store.save_emergency_fields(&p, &[("medical.blood_type".into(), "A".into())]).unwrap();
        let first = t.store.outbox_entries(10).unwrap();
        let ok = |e: &Entry, seq| MutationResult {
            mutation_id: e.mutation_id.to_string(),
            status: MutationStatus::Applied,
            commit_seq: Some(seq),
            error: None,
            server_record: None,
        };
        t.store.apply_push_results(&first, &[ok(&first[0], 6)]).unwrap();
        t.store.save_emergency_fields(&p, &[("care.doctor".into(), "田中".into())]).unwrap();
        let second = t.store.outbox_entries(10).unwrap();
        assert_eq!(second[0].base_version, Some(6));
        let mut theirs: serde_json::Value = serde_json::from_str(&first[0].payload).unwrap();
        theirs["fields"] = serde_json::json!({ "medical.blood_type": "O" });
        let conflict = MutationResult {
            mutation_id: second[0].mutation_id.to_string(),
            status: MutationStatus::Conflict,
            commit_seq: None,
            error: None,
            server_record: Some(Change {
                entity: Entity::EmergencySheet,
                id: second[0].entity_id.clone(),
                version: 8,
                deleted: false,
                payload: theirs,
            }),
        };
        assert_eq!(t.store.apply_push_results(&second, &[conflict]).unwrap().merged, 1);
        let sheet = t.store.emergency_sheet(&p).unwrap().unwrap();
        let get = |k: &str| sheet.fields.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
        assert_eq!(get("medical.blood_type").as_deref(), Some("O"), "only they changed it since our save");
        assert_eq!(get("care.doctor").as_deref(), Some("田中"));
        assert!(sheet.conflicts.is_empty(), "{:?}", sheet.conflicts);
    }

    /// An acknowledgement of a save whose payload does not read back as a sheet still goes
    /// through: the history is left unmarked rather than the save sent again for ever.
    #[test]
    fn an_acknowledged_save_that_does_not_read_back_is_still_acknowledged() {
        use techo_protocol::sync::{MutationResult, MutationStatus};
        let t = open_test_store();
        let p = t.store.add_profile("34001234", "山田 花子", crate::domain::Relationship::Myself).unwrap();
        t.store.save_emergency_fields(&p, &[("medical.blood_type".into(), "A".into())]).unwrap();
        let mut sent = t.store.outbox_entries(10).unwrap();
        sent[0].payload = "{not a sheet".into();
        let ok = MutationResult {
            mutation_id: sent[0].mutation_id.to_string(),
            status: MutationStatus::Applied,
            commit_seq: Some(6),
            error: None,
            server_record: None,
        };
        t.store.apply_push_results(&sent, &[ok]).unwrap();
        assert!(t.store.outbox_entries(10).unwrap().is_empty(), "not sent again");
        assert_eq!(t.store.emergency_sheet_history(&p).unwrap().len(), 1);
    }

    /// Versions another phone saved while this one was not looking are fetched from the server
    /// into the history, each in the place the server wrote it: our acknowledged save stays one
    /// version, the one pulled is not kept twice, a save not sent yet stays newest, and a
    /// version newer than the sheet here waits for the sync that brings the sheet to it.
    #[test]
    fn versions_fetched_from_the_server_take_their_place_in_the_history() {
        use techo_protocol::sync::{Change, MutationResult, MutationStatus, PullResponse, RecordVersion};
        let t = open_test_store();
        let p = t.store.add_profile("34001234", "山田 花子", crate::domain::Relationship::Myself).unwrap();
        t.store.save_emergency_fields(&p, &[("medical.blood_type".into(), "A".into())]).unwrap();
        let first = t.store.outbox_entries(10).unwrap();
        let ok = MutationResult {
            mutation_id: first[0].mutation_id.to_string(),
            status: MutationStatus::Applied,
            commit_seq: Some(6),
            error: None,
            server_record: None,
        };
        t.store.apply_push_results(&first, &[ok]).unwrap();
        let ours: serde_json::Value = serde_json::from_str(&first[0].payload).unwrap();
        let elsewhere = |fields: serde_json::Value, at: &str| {
            let mut v = ours.clone();
            v["fields"] = fields;
            v["saved_at"] = at.into();
            v["saved_by"] = serde_json::json!({ "account": "34005678", "device": "tablet" });
            v
        };
        let b = elsewhere(serde_json::json!({ "medical.blood_type": "B" }), "2026-05-03T00:00:00Z");
        let pulled = PullResponse {
            changes: vec![Change {
                entity: Entity::EmergencySheet,
                id: first[0].entity_id.clone(),
                version: 9,
                deleted: false,
                payload: b.clone(),
            }],
            next_cursor: "9".into(),
            has_more: false,
            reset: None,
            reset_reason: None,
        };
        t.store.apply_pull_page(p.id, &pulled).unwrap();
        t.store.save_emergency_fields(&p, &[("medical.blood_type".into(), "AB".into())]).unwrap();

        let version = |version: u64, payload: &serde_json::Value| RecordVersion {
            version,
            deleted: false,
            payload: payload.clone(),
            written_at: None,
            account: Some("34005678".into()),
            source: None,
        };
        let o_doctor =
            elsewhere(serde_json::json!({ "medical.blood_type": "O", "care.doctor": "田中" }), "2026-05-01T00:00:00Z");
        let o = elsewhere(serde_json::json!({ "medical.blood_type": "O" }), "2026-05-02T00:00:00Z");
        let newer = elsewhere(serde_json::json!({ "medical.blood_type": "A" }), "2026-05-04T00:00:00Z");
        let server = [version(6, &ours), version(7, &o_doctor), version(8, &o), version(9, &b), version(12, &newer)];
        assert_eq!(t.store.keep_sheet_versions(&p, &server).unwrap(), 2);

        let history = t.store.emergency_sheet_history(&p).unwrap();
        let shown: Vec<_> = history.iter().map(|v| (v.number, v.saved_here, v.changed_fields.join(","))).collect();
        assert_eq!(
            shown,
            [
                (5, true, "medical.blood_type".to_owned()),
                (4, false, "medical.blood_type".to_owned()),
                (3, false, "care.doctor".to_owned()),
                (2, false, "medical.blood_type,care.doctor".to_owned()),
                (1, true, "medical.blood_type".to_owned()),
            ]
        );
        assert_eq!(t.store.keep_sheet_versions(&p, &server).unwrap(), 0, "fetched twice, kept once");
        assert_eq!(t.store.emergency_sheet_history(&p).unwrap(), history);
        // The pulled version arriving again is not a new version either.
        t.store.apply_pull_page(p.id, &pulled).unwrap();
        assert_eq!(t.store.emergency_sheet_history(&p).unwrap().len(), 5);
        let sheet = t.store.emergency_sheet(&p).unwrap().unwrap();
        assert_eq!(sheet.fields, [("medical.blood_type".to_owned(), "AB".to_owned())], "the sheet is our save");
    }
}
