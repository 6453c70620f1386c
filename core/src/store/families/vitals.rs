//! The vital family on the device: how the `vitals` table takes pulled readings, which readings
//! a restored server lost, and how readings are carried into a fresh database.

use super::{Applied, Family, HeldRecord, not_a_record, unacknowledged_ids};
use crate::domain::{HmCode, Profile, Vital};
use crate::error::Result;
use crate::store::outbox::{NewEntry, enqueue};
use crate::store::rows::{VITAL_COLUMNS, parse_uuid, vital_from_row};
use crate::store::vitals_write::insert_vital;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};
use techo_domain::vitals_wire::{decode_vital, encode_vital, rfc3339_utc};
use techo_protocol::records::Tombstone;
use techo_protocol::records::vital::VitalRecord;
use techo_protocol::sync::Change;
use techo_protocol::{Entity, Op};

pub struct VitalFamily;

/// Wire fields this build does not know, kept with the row so a re-sent reading carries them.
type Extra = serde_json::Map<String, serde_json::Value>;

impl Family for VitalFamily {
    fn entity(&self) -> Entity {
        Entity::Vital
    }

    /// Readings are immutable and deletion is final, so the merge only ever adds rows, links
    /// corrections and sets tombstones: a stale page can never undo anything.
    fn apply_change(
        &self,
        tx: &Transaction<'_>,
        profile: &Profile,
        change: &Change,
        now: DateTime<Utc>,
    ) -> Result<Applied> {
        let Ok(record) = serde_json::from_value::<VitalRecord>(change.payload.clone()) else {
            return Ok(not_a_record(change));
        };
        let Ok(w) = decode_vital(&record) else { return Ok(Applied::Unreadable) };
        if w.patient != profile.hm_code || w.id.to_string() != change.id {
            return Ok(Applied::Unreadable);
        }
        let id = change.id.as_str();
        let exists: bool = tx
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM \"vitals\" WHERE \"id\" = ?1)")?
            .query_row([id], |r| r.get(0))?;
        if exists {
            tx.prepare_cached(
                "UPDATE \"vitals\" SET \"deleted_at_ms\" = ?2 WHERE \"id\" = ?1 AND ?3 AND \"deleted_at_ms\" IS NULL",
            )?
            .execute(params![id, now.timestamp_millis(), change.deleted])?;
            return Ok(Applied::Applied);
        }
        let superseded_by: Option<String> = tx
            .prepare_cached("SELECT \"id\" FROM \"vitals\" WHERE \"amends\" = ?1 ORDER BY \"id\" LIMIT 1")?
            .query_row([id], |r| r.get(0))
            .optional()?;
        let v = Vital {
            superseded_by: superseded_by.as_deref().map(parse_uuid).transpose()?,
            deleted_at: change.deleted.then_some(now),
            ..w.into_vital(profile.id)
        };
        insert_vital(tx, &v, Some(&record.extra))?;
        if let Some(old) = v.amends {
            tx.execute(
                "UPDATE \"vitals\" SET \"superseded_by\" = ?2 WHERE \"id\" = ?1 AND \"superseded_by\" IS NULL",
                params![old.to_string(), id],
            )?;
        }
        Ok(Applied::Applied)
    }

    fn held(&self, conn: &rusqlite::Connection, profile: &Profile) -> Result<Vec<HeldRecord>> {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {VITAL_COLUMNS}, \"extra\" FROM \"vitals\" WHERE \"profile_id\" = ?1 ORDER BY \"id\""
        ))?;
        let mut rows = stmt.query([profile.id.to_string()])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let v = vital_from_row(row)?;
            let mut record = encode_vital(&v, &profile.hm_code);
            if let Some(extra) = row.get::<_, Option<String>>(21)? {
                record.extra = serde_json::from_str::<Extra>(&extra).unwrap_or_default();
            }
            let payload = serde_json::to_value(&record).map_err(|_| crate::error::Error::Corrupt("vital"))?;
            out.push(HeldRecord {
                entity: Entity::Vital,
                id: v.id.to_string(),
                deleted: v.deleted_at.is_some(),
                payload,
            });
        }
        Ok(out)
    }

    fn tombstone_absent(&self, tx: &Transaction<'_>, profile: &Profile, now: DateTime<Utc>) -> Result<u64> {
        let ids = unacknowledged_ids(tx, &Entity::Vital, "vitals", profile, "AND t.\"deleted_at_ms\" IS NULL")?;
        let mut stmt = tx.prepare_cached("UPDATE \"vitals\" SET \"deleted_at_ms\" = ?2 WHERE \"id\" = ?1")?;
        for id in &ids {
            stmt.execute(params![id, now.timestamp_millis()])?;
        }
        Ok(ids.len() as u64)
    }

    fn requeue_lost(&self, tx: &Transaction<'_>, profile: &Profile, now: DateTime<Utc>) -> Result<u64> {
        let ids = unacknowledged_ids(tx, &Entity::Vital, "vitals", profile, "")?;
        let mut lost = Vec::with_capacity(ids.len());
        {
            let mut stmt =
                tx.prepare_cached(&format!("SELECT {VITAL_COLUMNS}, \"extra\" FROM \"vitals\" WHERE \"id\" = ?1"))?;
            for id in &ids {
                let mut rows = stmt.query([id])?;
                if let Some(row) = rows.next()? {
                    let extra: Option<String> = row.get(21)?;
                    lost.push((vital_from_row(row)?, extra));
                }
            }
        }
        // Corrections after what they correct, as they were first sent.
        lost.sort_unstable_by_key(|a| (a.0.recorded_at, a.0.id));
        let patient: &HmCode = &profile.hm_code;
        for (v, extra) in &lost {
            let mut record = encode_vital(v, patient);
            if let Some(extra) = extra {
                record.extra = serde_json::from_str::<Extra>(extra).unwrap_or_default();
            }
            let create = NewEntry::new(patient, Entity::Vital, v.id.to_string(), Op::Create);
            enqueue(tx, create, &record, now.timestamp_millis())?;
            if let Some(at) = v.deleted_at {
                let tombstone = Tombstone {
                    id: v.id.to_string(),
                    patient: patient.to_string(),
                    deleted_at: rfc3339_utc(at),
                    extra: Default::default(),
                };
                let delete = NewEntry::new(patient, Entity::Vital, v.id.to_string(), Op::Delete);
                enqueue(tx, delete, &tombstone, now.timestamp_millis())?;
            }
        }
        Ok(lost.len() as u64)
    }

    fn forget(&self, tx: &Transaction<'_>, profile: &Profile) -> Result<u64> {
        Ok(tx.execute("DELETE FROM \"vitals\" WHERE \"profile_id\" = ?1", [profile.id.to_string()])? as u64)
    }

    fn salvage(&self, tx: &Transaction<'_>) -> Result<u64> {
        // Readings of people who were not carried over would break the foreign key. Files from
        // before schema 5 have no "extra" column; their readings come over without it.
        const COLUMNS: &str = "\"id\", \"profile_id\", \"kind\", \"measured_at_ms\", \"utc_offset_s\", \"local_day\", \
            \"value_milli\", \"diastolic\", \"pulse\", \"entered_milli\", \"entered_unit\", \"context\", \"source\", \
            \"device_name\", \"note\", \"entered_by\", \"origin_device\", \"amends\", \"superseded_by\", \
            \"deleted_at_ms\", \"recorded_at_ms\"";
        let copy = |extra: &str| {
            tx.execute(
                &format!(
                    "INSERT INTO main.\"vitals\" ({COLUMNS}{extra}) SELECT {COLUMNS}{extra} FROM salvage.\"vitals\" \
                     WHERE \"profile_id\" IN (SELECT \"id\" FROM main.\"profiles\") ON CONFLICT DO NOTHING"
                ),
                [],
            )
        };
        let n = match copy(", \"extra\"") {
            Ok(n) => n,
            Err(_) => copy("")?,
        };
        Ok(n as u64)
    }
}
