//! The sheet's history on this device, in the order the versions were written: versions saved
//! here, received in a pull, and the older ones the server kept from devices this one never
//! heard from (fetched when the person opens the history).
//!
//! `number` is the place in that order, so the last number is always the sheet as it stands.
//! A version the server took carries its `server_version` (the patient sequence number it was
//! written at), which is how a version fetched later finds its place and is never kept twice.

use super::parse_record;
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, params};
use std::collections::BTreeMap;
use techo_domain::emergency_sheet::CATALOGUE;
use techo_protocol::records::emergency_sheet::EmergencySheetRecord;
use techo_protocol::sync::RecordVersion;

/// Where a version came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Origin {
    Here,
    Server,
}

impl Origin {
    fn as_str(self) -> &'static str {
        match self {
            Self::Here => "here",
            Self::Server => "server",
        }
    }
}

/// One version in the sheet's history on this device.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetVersion {
    pub number: i64,
    pub saved_at: DateTime<Utc>,
    pub saved_by: techo_protocol::records::emergency_sheet::Author,
    /// Saved on this device (else received from the server).
    pub saved_here: bool,
    /// Fields whose value differs from the version before (added, changed or cleared).
    pub changed_fields: Vec<String>,
    pub pages: usize,
}

struct Stored {
    number: i64,
    record: EmergencySheetRecord,
    origin: String,
    server_version: Option<i64>,
}

fn stored(conn: &rusqlite::Connection, sheet_id: &str) -> Result<Vec<Stored>> {
    let mut stmt = conn.prepare_cached(
        "SELECT \"number\", \"record\", \"origin\", \"server_version\" FROM \"emergency_sheet_versions\" \
         WHERE \"sheet_id\" = ?1 ORDER BY \"number\"",
    )?;
    let rows = stmt.query_map([sheet_id], |r| Ok((r.get(0)?, r.get::<_, String>(1)?, r.get(2)?, r.get(3)?)))?;
    rows.map(|row| {
        let (number, json, origin, server_version) = row?;
        Ok(Stored { number, record: parse_record(&json)?, origin, server_version })
    })
    .collect()
}

/// Adds `record` as the newest version, unless it is that already (our own save coming back) or
/// the history holds the server version it was written at. A version the server took is
/// marked with its `server_version`.
pub(super) fn add(
    tx: &Transaction<'_>,
    sheet_id: &str,
    record: &EmergencySheetRecord,
    origin: Origin,
    server_version: Option<i64>,
) -> Result<()> {
    if let Some(v) = server_version {
        let known: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM \"emergency_sheet_versions\" WHERE \"sheet_id\" = ?1 AND \"server_version\" = ?2)",
            params![sheet_id, v],
            |r| r.get(0),
        )?;
        if known {
            return Ok(());
        }
    }
    let latest: Option<(i64, String, Option<i64>)> = tx
        .query_row(
            "SELECT \"number\", \"record\", \"server_version\" FROM \"emergency_sheet_versions\" WHERE \"sheet_id\" = ?1 \
             ORDER BY \"number\" DESC LIMIT 1",
            [sheet_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    if let Some((number, json, stamped)) = latest
        && parse_record(&json)? == *record
    {
        if stamped.is_none() && server_version.is_some() {
            stamp(tx, sheet_id, number, server_version)?;
        }
        return Ok(());
    }
    tx.execute(
        "INSERT INTO \"emergency_sheet_versions\" (\"sheet_id\", \"number\", \"record\", \"origin\", \"server_version\") \
         VALUES (?1, (SELECT coalesce(max(\"number\"), 0) + 1 FROM \"emergency_sheet_versions\" WHERE \"sheet_id\" = ?1), ?2, ?3, ?4)",
        params![sheet_id, super::record_json(record)?, origin.as_str(), server_version],
    )?;
    Ok(())
}

fn stamp(tx: &Transaction<'_>, sheet_id: &str, number: i64, server_version: Option<i64>) -> Result<()> {
    tx.execute(
        "UPDATE \"emergency_sheet_versions\" SET \"server_version\" = ?3 WHERE \"sheet_id\" = ?1 AND \"number\" = ?2",
        params![sheet_id, number, server_version],
    )?;
    Ok(())
}

/// The server took one of our saves at `server_version`: the latest version holding what was
/// sent is marked with it (the pull may never send our own save back).
pub(super) fn acknowledged(tx: &Transaction<'_>, sheet_id: &str, sent: &str, server_version: i64) -> Result<()> {
    // What we sent not reading back as a sheet leaves the history unmarked; failing here would
    // fail the acknowledgement, and the save would be sent again and again.
    let Ok(sent) = parse_record(sent) else { return Ok(()) };
    let rows = stored(tx, sheet_id)?;
    if rows.iter().any(|r| r.server_version == Some(server_version)) {
        return Ok(());
    }
    if let Some(row) = rows.iter().rev().find(|r| r.server_version.is_none() && r.record == sent) {
        stamp(tx, sheet_id, row.number, Some(server_version))?;
    }
    Ok(())
}

/// Puts the versions the server kept into the history: each one this device lacks takes its
/// place by the order the server wrote them; saves not yet sent stay last. Only versions up to
/// the newest this device has applied are taken (later ones arrive with the next sync, which
/// also brings the sheet to them). Returns how many versions were added.
pub(super) fn fill_from_server(
    tx: &Transaction<'_>,
    sheet_id: &str,
    patient: &str,
    versions: &[RecordVersion],
) -> Result<u64> {
    let rows = stored(tx, sheet_id)?;
    let Some(newest) = rows.iter().filter_map(|r| r.server_version).max() else { return Ok(0) };
    let last_sent = rows.iter().filter(|r| r.server_version.is_some()).map(|r| r.number).max().unwrap_or(0);
    let mut stamped: Vec<i64> = rows.iter().filter_map(|r| r.server_version).collect();
    let mut changed = false;
    let mut added = 0;
    for v in versions.iter().filter(|v| !v.deleted) {
        let Ok(version) = i64::try_from(v.version) else { continue };
        if version > newest || stamped.contains(&version) {
            continue;
        }
        // A version this server did not write for this sheet is not part of its history.
        let Ok(record) = serde_json::from_value::<EmergencySheetRecord>(v.payload.clone()) else { continue };
        if record.id != sheet_id || record.patient != patient {
            continue;
        }
        changed = true;
        stamped.push(version);
        // One of ours the server took while its acknowledgement was lost.
        if let Some(row) = rows.iter().rev().find(|r| r.server_version.is_none() && r.record == record) {
            stamp(tx, sheet_id, row.number, Some(version))?;
            continue;
        }
        // Numbered below every existing version until the history is put in order.
        tx.execute(
            "INSERT INTO \"emergency_sheet_versions\" (\"sheet_id\", \"number\", \"record\", \"origin\", \"server_version\") \
             VALUES (?1, -?2, ?3, ?4, ?2)",
            params![sheet_id, version, super::record_json(&record)?, Origin::Server.as_str()],
        )?;
        added += 1;
    }
    if changed {
        renumber(tx, sheet_id, last_sent)?;
    }
    Ok(added)
}

/// Numbers the history 1.. in the order the versions were written: by server version; a
/// version without one follows the one before it on this device (`number` ≤ `last_sent`), and
/// one after the last version the server took is a save not sent yet, which stays last. Added
/// versions have negative numbers meanwhile.
fn renumber(tx: &Transaction<'_>, sheet_id: &str, last_sent: i64) -> Result<()> {
    // Through numbers no version has (above 2^40), so no two versions share one on the way.
    tx.execute(
        "WITH \"here\" AS (SELECT * FROM \"emergency_sheet_versions\" WHERE \"sheet_id\" = ?1), \
         \"keyed\" AS ( \
           SELECT \"number\", CASE WHEN \"server_version\" IS NOT NULL THEN \"server_version\" \
             WHEN \"number\" > ?2 THEN 9223372036854775807 \
             ELSE coalesce(max(\"server_version\") OVER (ORDER BY \"number\" ROWS UNBOUNDED PRECEDING), 0) END AS \"k\" \
           FROM \"here\" WHERE \"number\" > 0 \
           UNION ALL SELECT \"number\", \"server_version\" FROM \"here\" WHERE \"number\" < 0), \
         \"ordered\" AS (SELECT \"number\" AS \"old\", row_number() OVER \
           (ORDER BY \"k\", \"number\" > 0 AND \"number\" IN (SELECT \"number\" FROM \"here\" WHERE \"server_version\" IS NULL), abs(\"number\")) AS \"new\" \
           FROM \"keyed\") \
         UPDATE \"emergency_sheet_versions\" SET \"number\" = \"ordered\".\"new\" + 1099511627776 FROM \"ordered\" \
         WHERE \"sheet_id\" = ?1 AND \"number\" = \"ordered\".\"old\"",
        params![sheet_id, last_sent],
    )?;
    tx.execute(
        "UPDATE \"emergency_sheet_versions\" SET \"number\" = \"number\" - 1099511627776 WHERE \"sheet_id\" = ?1",
        [sheet_id],
    )?;
    Ok(())
}

/// Every version, newest first, each with the fields it changed from the one before.
pub(super) fn load(conn: &rusqlite::Connection, sheet_id: &str) -> Result<Vec<SheetVersion>> {
    let mut out: Vec<SheetVersion> = Vec::new();
    let mut previous: BTreeMap<String, String> = BTreeMap::new();
    for row in stored(conn, sheet_id)? {
        let record = row.record;
        let mut changed: Vec<String> = record
            .fields
            .iter()
            .filter(|(k, v)| previous.get(*k) != Some(v))
            .map(|(k, _)| k.clone())
            .chain(previous.keys().filter(|k| !record.fields.contains_key(*k)).cloned())
            .collect();
        // Fields not in the catalogue (from a newer app) after the known ones, by name.
        changed.sort_unstable_by_key(|k| (CATALOGUE.iter().position(|f| f.key == k).unwrap_or(usize::MAX), k.clone()));
        out.push(SheetVersion {
            number: row.number,
            saved_at: DateTime::parse_from_rfc3339(&record.saved_at)
                .map_err(|_| Error::Corrupt("sheet time"))?
                .with_timezone(&Utc),
            saved_by: record.saved_by.clone(),
            saved_here: row.origin == Origin::Here.as_str(),
            changed_fields: changed,
            pages: record.pages.len(),
        });
        previous = record.fields;
    }
    out.reverse();
    Ok(out)
}
