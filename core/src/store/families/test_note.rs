//! An example edited-document family, for tests only: a note with a title and a body. It is what
//! the conformance suite runs a document family through (updates, conflicts merged per field)
//! before the first real one (命の宝箱) arrives, and it shows what a family must provide.
//! Its table is created by the tests, not by a migration.

use super::{Applied, ConflictResolution, Family, HeldRecord, not_a_record, tombstone_unlisted, unacknowledged_ids};
use crate::domain::{HmCode, Profile};
use crate::error::{Error, Result};
use crate::store::Store;
use crate::store::outbox::{NewEntry, OutboxEntry, enqueue};
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};
use techo_protocol::sync::Change;
use techo_protocol::{Entity, Op};
use uuid::Uuid;

pub(crate) const TABLE: &str = "CREATE TABLE IF NOT EXISTS main.\"test_notes\" (\
    \"id\" TEXT PRIMARY KEY NOT NULL, \"profile_id\" TEXT NOT NULL, \"title\" TEXT NOT NULL, \"body\" TEXT NOT NULL, \
    \"deleted_at_ms\" INTEGER, \"base\" TEXT, \"extra\" TEXT, \"conflicts\" TEXT) STRICT";

pub(crate) fn entity() -> Entity {
    Entity::parse("test_note")
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Note {
    pub id: String,
    pub patient: String,
    pub title: String,
    pub body: String,
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// A field both sides changed to different values: the server's value shows, ours is kept here
/// for the person to choose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FieldConflict {
    pub field: String,
    pub ours: String,
    pub theirs: String,
}

pub(crate) struct NoteFamily;

fn load(tx: &Transaction<'_>, id: &str) -> Result<Option<(Note, Option<Note>)>> {
    let row: Option<(String, String, Option<String>, Option<String>)> = tx
        .query_row(
            "SELECT n.\"title\", n.\"body\", n.\"base\", n.\"extra\" FROM \"test_notes\" n WHERE n.\"id\" = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((title, body, base, extra)) = row else { return Ok(None) };
    let patient: String = tx.query_row(
        "SELECT p.\"hm_code\" FROM \"test_notes\" n JOIN \"profiles\" p ON p.\"id\" = n.\"profile_id\" WHERE n.\"id\" = ?1",
        [id],
        |r| r.get(0),
    )?;
    let extra = extra.and_then(|e| serde_json::from_str(&e).ok()).unwrap_or_default();
    let base = base.map(|b| serde_json::from_str(&b).map_err(|_| Error::Corrupt("note base"))).transpose()?;
    Ok(Some((Note { id: id.into(), patient, title, body, extra }, base)))
}

impl Family for NoteFamily {
    fn entity(&self) -> Entity {
        entity()
    }

    fn apply_change(
        &self,
        tx: &Transaction<'_>,
        profile: &Profile,
        change: &Change,
        now: DateTime<Utc>,
    ) -> Result<Applied> {
        let Ok(note) = serde_json::from_value::<Note>(change.payload.clone()) else { return Ok(not_a_record(change)) };
        if note.patient != profile.hm_code.as_str() || note.id != change.id {
            return Ok(Applied::Unreadable);
        }
        let base = serde_json::to_string(&note).map_err(|_| Error::Corrupt("note"))?;
        let extra = serde_json::to_string(&note.extra).map_err(|_| Error::Corrupt("note"))?;
        tx.execute(
            "INSERT INTO \"test_notes\" (\"id\", \"profile_id\", \"title\", \"body\", \"deleted_at_ms\", \"base\", \"extra\") \
             VALUES (?1, ?2, ?3, ?4, CASE WHEN ?5 THEN ?6 END, ?7, ?8) ON CONFLICT (\"id\") DO UPDATE SET \
             \"title\" = excluded.\"title\", \"body\" = excluded.\"body\", \"base\" = excluded.\"base\", \
             \"extra\" = excluded.\"extra\", \
             \"deleted_at_ms\" = coalesce(\"test_notes\".\"deleted_at_ms\", excluded.\"deleted_at_ms\")",
            params![note.id, profile.id.to_string(), note.title, note.body, change.deleted, now.timestamp_millis(), base, extra],
        )?;
        Ok(Applied::Applied)
    }

    fn held(&self, conn: &rusqlite::Connection, profile: &Profile) -> Result<Vec<HeldRecord>> {
        let mut stmt = conn.prepare(
            "SELECT \"id\", \"title\", \"body\", \"extra\", \"deleted_at_ms\" IS NOT NULL FROM \"test_notes\" WHERE \"profile_id\" = ?1",
        )?;
        let rows = stmt.query_map([profile.id.to_string()], |r| {
            Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get::<_, Option<String>>(3)?, r.get::<_, bool>(4)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, title, body, extra, deleted) = row?;
            let extra = extra.and_then(|e| serde_json::from_str(&e).ok()).unwrap_or_default();
            let note = Note { id: id.clone(), patient: profile.hm_code.to_string(), title, body, extra };
            let payload = serde_json::to_value(note).map_err(|_| Error::Corrupt("note"))?;
            out.push(HeldRecord { entity: entity(), id, deleted, payload });
        }
        Ok(out)
    }

    fn tombstone_absent(&self, tx: &Transaction<'_>, profile: &Profile, now: DateTime<Utc>) -> Result<u64> {
        tombstone_unlisted(tx, &entity(), "test_notes", profile, now)
    }

    fn requeue_lost(&self, tx: &Transaction<'_>, profile: &Profile, now: DateTime<Utc>) -> Result<u64> {
        let ids = unacknowledged_ids(tx, &entity(), "test_notes", profile, "")?;
        for id in &ids {
            let Some((note, _)) = load(tx, id)? else { continue };
            enqueue(
                tx,
                NewEntry::new(&profile.hm_code, entity(), id.clone(), Op::Create),
                &note,
                now.timestamp_millis(),
            )?;
        }
        Ok(ids.len() as u64)
    }

    fn forget(&self, tx: &Transaction<'_>, profile: &Profile) -> Result<u64> {
        tx.execute_batch(TABLE)?;
        Ok(tx.execute("DELETE FROM main.\"test_notes\" WHERE \"profile_id\" = ?1", [profile.id.to_string()])? as u64)
    }

    fn salvage(&self, tx: &Transaction<'_>) -> Result<u64> {
        tx.execute_batch(TABLE)?;
        Ok(tx.execute(
            "INSERT INTO main.\"test_notes\" SELECT * FROM salvage.\"test_notes\" \
             WHERE \"profile_id\" IN (SELECT \"id\" FROM main.\"profiles\") ON CONFLICT DO NOTHING",
            [],
        )? as u64)
    }

    /// Three-way merge per field against the version the edit started from: a field only one
    /// side changed takes that side's value; a field both changed differently shows the server's
    /// value and keeps ours as a conflict for the person. The merge goes out as a new update.
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
        let theirs: Note =
            serde_json::from_value(current.payload.clone()).map_err(|_| Error::InvalidPayload { what: "note" })?;
        let Some((ours, base)) = load(tx, &entry.entity_id)? else {
            return Ok(ConflictResolution::Wedge("conflict".into()));
        };
        let base = base.unwrap_or_else(|| theirs.clone());
        let mut conflicts = Vec::new();
        let mut merge = |field: &str, b: &str, o: &str, t: &str| -> String {
            if o == b || o == t {
                t.to_owned()
            } else if t == b {
                o.to_owned()
            } else {
                conflicts.push(FieldConflict { field: field.into(), ours: o.into(), theirs: t.into() });
                t.to_owned()
            }
        };
        let merged = Note {
            title: merge("title", &base.title, &ours.title, &theirs.title),
            body: merge("body", &base.body, &ours.body, &theirs.body),
            ..theirs.clone()
        };
        let conflicts = (!conflicts.is_empty())
            .then(|| serde_json::to_string(&conflicts))
            .transpose()
            .map_err(|_| Error::Corrupt("note conflicts"))?;
        let base_json = serde_json::to_string(&theirs).map_err(|_| Error::Corrupt("note"))?;
        tx.execute(
            "UPDATE \"test_notes\" SET \"title\" = ?2, \"body\" = ?3, \"base\" = ?4, \"conflicts\" = ?5 WHERE \"id\" = ?1",
            params![merged.id, merged.title, merged.body, base_json, conflicts],
        )?;
        let patient = HmCode::parse(&entry.patient).map_err(|_| Error::Corrupt("outbox patient"))?;
        let mut update = NewEntry::new(&patient, entity(), merged.id.clone(), Op::Update);
        update.base_version = Some(i64::try_from(current.version).map_err(|_| Error::Corrupt("version"))?);
        enqueue(tx, update, &merged, now.timestamp_millis())?;
        Ok(ConflictResolution::Merged)
    }
}

/// The test family's writes, as a real family's store file would offer them.
impl Store {
    pub(crate) fn create_note_table(&self) {
        self.writer().execute_batch(TABLE).expect("note table");
    }

    pub(crate) fn add_note(&self, profile: &Profile, title: &str, body: &str) -> String {
        let mut conn = self.writer();
        let tx = conn.transaction().unwrap();
        let note = Note {
            id: Uuid::now_v7().to_string(),
            patient: profile.hm_code.to_string(),
            title: title.into(),
            body: body.into(),
            extra: Default::default(),
        };
        // What we send becomes the server's state once acknowledged: the base of later edits.
        let base = serde_json::to_string(&note).unwrap();
        tx.execute(
            "INSERT INTO \"test_notes\" (\"id\", \"profile_id\", \"title\", \"body\", \"base\") VALUES (?1, ?2, ?3, ?4, ?5)",
            params![note.id, profile.id.to_string(), note.title, note.body, base],
        )
        .unwrap();
        enqueue(&tx, NewEntry::new(&profile.hm_code, entity(), note.id.clone(), Op::Create), &note, 0).unwrap();
        tx.commit().unwrap();
        note.id
    }

    /// Edits a note from the version the server last acknowledged.
    pub(crate) fn edit_note(&self, id: &str, title: &str, body: &str) {
        let mut conn = self.writer();
        let tx = conn.transaction().unwrap();
        let (mut note, _) = load(&tx, id).unwrap().expect("note");
        let base: Option<i64> = tx
            .query_row(
                "SELECT \"server_version\" FROM \"record_versions\" WHERE \"entity\" = 'test_note' AND \"entity_id\" = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()
            .unwrap();
        note.title = title.into();
        note.body = body.into();
        tx.execute(
            "UPDATE \"test_notes\" SET \"title\" = ?2, \"body\" = ?3 WHERE \"id\" = ?1",
            params![id, title, body],
        )
        .unwrap();
        let patient = HmCode::parse(&note.patient).unwrap();
        let mut e = NewEntry::new(&patient, entity(), id.into(), Op::Update);
        e.base_version = base;
        enqueue(&tx, e, &note, 0).unwrap();
        tx.commit().unwrap();
    }

    /// (title, body, deleted, conflicts) of a note.
    pub(crate) fn note(&self, id: &str) -> Option<(String, String, bool, Vec<FieldConflict>)> {
        self.reader()
            .query_row(
                "SELECT \"title\", \"body\", \"deleted_at_ms\" IS NOT NULL, \"conflicts\" FROM \"test_notes\" WHERE \"id\" = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, Option<String>>(3)?)),
            )
            .optional()
            .unwrap()
            .map(|(t, b, d, c)| (t, b, d, c.map(|c| serde_json::from_str(&c).unwrap()).unwrap_or_default()))
    }
}
