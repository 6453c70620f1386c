//! Recording, correcting and deleting readings. Each operation is one IMMEDIATE transaction that
//! writes the data row(s) and the outbox row together, committed with synchronous=FULL.

use super::Store;
use super::outbox::{NewEntry, enqueue};
use super::rows::{VITAL_COLUMNS, local_day, value_columns, vital_from_row};
use crate::domain::{HmCode, Relationship, Source};
use crate::domain::{
    Milli, NewVital, ValidationContext, Vital, VitalKind, VitalValue, WEIGHT_CHANGE_WINDOW, Warning, validate,
};
use crate::error::{Error, Result};
use chrono::DateTime;
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};
use techo_domain::vitals_wire::{encode_vital, rfc3339_utc};
use techo_protocol::records::Tombstone;
use techo_protocol::{Entity, Op};
use uuid::Uuid;

/// A saved reading and what the person should double-check about it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub vital: Vital,
    pub warnings: Vec<Warning>,
}

impl Store {
    pub fn record_vital(&self, profile_id: Uuid, input: NewVital) -> Result<Recorded> {
        let mut out = self.write_vitals(profile_id, vec![input], None)?;
        Ok(out.pop().expect("one input gives one result"))
    }

    /// Records several readings atomically (a device import): all are saved or none is.
    pub fn record_vitals(&self, profile_id: Uuid, inputs: Vec<NewVital>) -> Result<Vec<Recorded>> {
        self.write_vitals(profile_id, inputs, None)
    }

    /// Corrects a reading: saves `input` as a new reading that supersedes `id`. Only the current
    /// version of a reading can be corrected, and the type cannot change.
    /// A correction keeps the offset the reading was taken in, whatever zone the phone is in
    /// now: the same instant, shown as the person saw it when measuring.
    pub fn amend_vital(&self, id: Uuid, mut input: NewVital) -> Result<Recorded> {
        let original = self.get_vital(id)?;
        input.measured_at = input.measured_at.with_timezone(original.measured_at.offset());
        let mut out = self.write_vitals(original.profile_id, vec![input], Some(id))?;
        Ok(out.pop().expect("one input gives one result"))
    }

    /// Deletes the current version of a reading (a tombstone: history keeps it).
    pub fn delete_vital(&self, id: Uuid) -> Result<Vital> {
        let now = whole_ms(self.clock.now());
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut vital = load_current(&tx, id)?;
        tx.execute(
            "UPDATE \"vitals\" SET \"deleted_at_ms\" = ?2 WHERE \"id\" = ?1",
            params![id.to_string(), now.timestamp_millis()],
        )?;
        vital.deleted_at = Some(now);
        let patient = patient_code(&tx, vital.profile_id)?;
        let payload = Tombstone {
            id: id.to_string(),
            patient: patient.to_string(),
            deleted_at: rfc3339_utc(now),
            extra: Default::default(),
        };
        let entry = NewEntry::new(&patient, Entity::Vital, id.to_string(), Op::Delete);
        enqueue(&tx, entry, &payload, now.timestamp_millis())?;
        tx.commit()?;
        Ok(vital)
    }

    fn write_vitals(&self, profile_id: Uuid, inputs: Vec<NewVital>, amends: Option<Uuid>) -> Result<Vec<Recorded>> {
        let now = whole_ms(self.clock.now());
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let patient = patient_code(&tx, profile_id)?;
        if let Some(old_id) = amends {
            let old = load_current(&tx, old_id)?;
            let new_kind = inputs.first().map(|i| i.value.kind());
            if new_kind != Some(old.kind()) {
                return Err(Error::KindMismatch {
                    expected: old.kind().as_str(),
                    found: new_kind.map_or("nothing", VitalKind::as_str),
                });
            }
        }
        let single = inputs.len() == 1;
        // Typed on this device for someone who is not its owner: that is proxy entry, whatever
        // the form said, so the person sees who entered it.
        let for_family = inputs.iter().any(|i| i.source == Source::SelfEntered) && is_family(&tx, profile_id)?;
        let mut out = Vec::with_capacity(inputs.len());
        for (index, input) in inputs.into_iter().enumerate() {
            let ctx = ValidationContext { previous_weight: previous_weight(&tx, profile_id, &input, amends)? };
            let warnings = validate(&input, now, ctx)
                .map_err(|e| if single { e.into() } else { Error::BatchItem { index, error: Box::new(e.into()) } })?;
            let vital = Vital {
                id: Uuid::now_v7(),
                profile_id,
                value: input.value,
                measured_at: whole_ms(input.measured_at),
                source: if for_family && input.source == Source::SelfEntered { Source::Proxy } else { input.source },
                device_name: input.device_name.filter(|s| !s.trim().is_empty()),
                note: input.note.filter(|s| !s.trim().is_empty()),
                amends,
                superseded_by: None,
                deleted_at: None,
                recorded_at: now,
                entered_by: None,
                origin_device: self.device_id.clone(),
                server_version: None,
            };
            insert_vital(&tx, &vital, None)?;
            if let Some(old_id) = amends {
                tx.execute(
                    "UPDATE \"vitals\" SET \"superseded_by\" = ?2 WHERE \"id\" = ?1",
                    params![old_id.to_string(), vital.id.to_string()],
                )?;
            }
            let entry = NewEntry::new(&patient, Entity::Vital, vital.id.to_string(), Op::Create);
            enqueue(&tx, entry, &encode_vital(&vital, &patient), now.timestamp_millis())?;
            out.push(Recorded { vital, warnings });
        }
        tx.commit()?;
        Ok(out)
    }
}

pub(crate) fn patient_code(tx: &Transaction<'_>, profile_id: Uuid) -> Result<HmCode> {
    let code: String = tx
        .query_row("SELECT \"hm_code\" FROM \"profiles\" WHERE \"id\" = ?1", [profile_id.to_string()], |r| r.get(0))
        .optional()?
        .ok_or(Error::NotFound { entity: "profile" })?;
    HmCode::parse(&code).map_err(|_| Error::Corrupt("malformed HM code"))
}

fn is_family(tx: &Transaction<'_>, profile_id: Uuid) -> Result<bool> {
    let relationship: Option<String> = tx
        .query_row("SELECT \"relationship\" FROM \"profiles\" WHERE \"id\" = ?1", [profile_id.to_string()], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(relationship.as_deref() == Some(Relationship::Family.as_str()))
}

/// The reading `id`, refusing anything but its current version.
fn load_current(tx: &Transaction<'_>, id: Uuid) -> Result<Vital> {
    let vital = tx
        .prepare_cached(&format!("SELECT {VITAL_COLUMNS} FROM \"vitals\" WHERE \"id\" = ?1"))?
        .query_row([id.to_string()], |row| Ok(vital_from_row(row)))
        .optional()?
        .ok_or(Error::NotFound { entity: "reading" })??;
    if vital.deleted_at.is_some() {
        return Err(Error::Deleted);
    }
    if let Some(mut current) = vital.superseded_by {
        // Walk to the head so the message can point at the version to act on.
        while let Some(next) = tx
            .query_row("SELECT \"superseded_by\" FROM \"vitals\" WHERE \"id\" = ?1", [current.to_string()], |r| {
                r.get::<_, Option<String>>(0)
            })
            .optional()?
            .flatten()
        {
            current = super::rows::parse_uuid(&next)?;
        }
        return Err(Error::Superseded { current });
    }
    Ok(vital)
}

fn previous_weight(
    tx: &Transaction<'_>,
    profile_id: Uuid,
    input: &NewVital,
    excluding: Option<Uuid>,
) -> Result<Option<Milli>> {
    if !matches!(input.value, VitalValue::Weight { .. }) {
        return Ok(None);
    }
    let at = input.measured_at.timestamp_millis();
    let v: Option<i64> = tx
        .prepare_cached(
            "SELECT \"value_milli\" FROM \"vitals\" \
             WHERE \"profile_id\" = ?1 AND \"kind\" = 'weight' AND \"superseded_by\" IS NULL AND \"deleted_at_ms\" IS NULL \
               AND \"measured_at_ms\" < ?2 AND \"measured_at_ms\" >= ?3 AND \"id\" IS NOT ?4 \
             ORDER BY \"measured_at_ms\" DESC LIMIT 1",
        )?
        .query_row(
            params![profile_id.to_string(), at, at - WEIGHT_CHANGE_WINDOW.num_milliseconds(), excluding.map(|u| u.to_string())],
            |r| r.get(0),
        )
        .optional()?;
    Ok(v.map(Milli::from_thousandths))
}

/// Inserts a reading; `extra` holds wire fields this build does not know (from a pulled record).
pub(crate) fn insert_vital(
    tx: &Transaction<'_>,
    v: &Vital,
    extra: Option<&serde_json::Map<String, serde_json::Value>>,
) -> Result<()> {
    let c = value_columns(&v.value)?;
    let extra = extra
        .filter(|e| !e.is_empty())
        .map(|e| serde_json::to_string(e).map_err(|_| Error::Corrupt("unknown fields could not be encoded")))
        .transpose()?;
    tx.prepare_cached(
        "INSERT INTO \"vitals\" (\"id\", \"profile_id\", \"kind\", \"measured_at_ms\", \"utc_offset_s\", \"local_day\", \
           \"value_milli\", \"diastolic\", \"pulse\", \"entered_milli\", \"entered_unit\", \"context\", \"source\", \
           \"device_name\", \"note\", \"entered_by\", \"origin_device\", \"amends\", \"recorded_at_ms\", \
           \"deleted_at_ms\", \"superseded_by\", \"extra\") \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22)",
    )?
    .execute(params![
        v.id.to_string(),
        v.profile_id.to_string(),
        v.kind().as_str(),
        v.measured_at.timestamp_millis(),
        v.measured_at.offset().local_minus_utc(),
        local_day(&v.measured_at),
        c.value_milli,
        c.diastolic,
        c.pulse,
        c.entered_milli,
        c.entered_unit,
        c.context,
        v.source.as_str(),
        v.device_name,
        v.note,
        v.entered_by,
        v.origin_device,
        v.amends.map(|u| u.to_string()),
        v.recorded_at.timestamp_millis(),
        v.deleted_at.map(|t| t.timestamp_millis()),
        v.superseded_by.map(|u| u.to_string()),
        extra,
    ])?;
    Ok(())
}

/// Times are stored to the millisecond; trimming first makes the returned record equal the stored one.
fn whole_ms<Tz: chrono::TimeZone>(t: DateTime<Tz>) -> DateTime<Tz> {
    let extra = t.timestamp_subsec_nanos() % 1_000_000;
    t - chrono::Duration::nanoseconds(i64::from(extra))
}
