//! Pulled changes this build could not apply, kept until one can.
//!
//! The cursor must move past what a device cannot read, or one record from a newer app would
//! stop its sync for good; but moving past must not lose the record. So the change is parked
//! here with its version, and every open of the store offers what is parked to the families it
//! now has: after an app update, the records appear without anyone forcing a full download.

use super::Store;
use super::families::Applied;
use super::sync_state::{apply_change, is_gated, load_profile};
use crate::domain::Profile;
use crate::error::{Error, Result};
use rusqlite::{Transaction, TransactionBehavior, params};
use techo_protocol::Entity;
use techo_protocol::sync::Change;

/// Keeps `change` (the newest version of each record wins).
pub(crate) fn park(tx: &Transaction<'_>, profile: &Profile, change: &Change) -> Result<()> {
    let payload = serde_json::to_string(&change.payload).map_err(|_| Error::Corrupt("parked payload"))?;
    tx.prepare_cached(
        "INSERT INTO \"parked_changes\" (\"entity\", \"entity_id\", \"profile_id\", \"version\", \"deleted\", \"payload\") \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (\"entity\", \"entity_id\") DO UPDATE SET \
         \"version\" = excluded.\"version\", \"deleted\" = excluded.\"deleted\", \"payload\" = excluded.\"payload\" \
         WHERE excluded.\"version\" > \"parked_changes\".\"version\"",
    )?
    .execute(params![
        change.entity.as_str(),
        change.id,
        profile.id.to_string(),
        i64::try_from(change.version).map_err(|_| Error::InvalidPayload { what: "version out of range" })?,
        change.deleted,
        payload
    ])?;
    Ok(())
}

/// A newer (or the same) version was applied: an older parked one is stale.
pub(crate) fn forget_up_to(tx: &Transaction<'_>, change: &Change, version: i64) -> Result<()> {
    tx.prepare_cached(
        "DELETE FROM \"parked_changes\" WHERE \"entity\" = ?1 AND \"entity_id\" = ?2 AND \"version\" <= ?3",
    )?
    .execute(params![change.entity.as_str(), change.id, version])?;
    Ok(())
}

impl Store {
    /// Records pulled earlier that this build could not apply; applied on the next open of a
    /// build that can.
    pub fn parked_count(&self) -> Result<u64> {
        let n: i64 = self.reader().query_row("SELECT count(*) FROM \"parked_changes\"", [], |r| r.get(0))?;
        Ok(n.unsigned_abs())
    }

    /// Offers every parked change to the families this store has; returns how many were
    /// applied. Run at open, in one transaction, so it is all or nothing like a pulled page.
    pub(crate) fn apply_parked(&self) -> Result<u64> {
        let now = self.clock.now();
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let parked: Vec<(String, Change)> = {
            let mut stmt = tx.prepare(
                "SELECT \"profile_id\", \"entity\", \"entity_id\", \"version\", \"deleted\", \"payload\" \
                 FROM \"parked_changes\" ORDER BY \"version\"",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, bool>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (profile_id, entity, id, version, deleted, payload) = row?;
                let entity = Entity::parse(&entity);
                if self.families.get(&entity).is_none() {
                    continue;
                }
                let payload = serde_json::from_str(&payload).map_err(|_| Error::Corrupt("parked payload"))?;
                let version = u64::try_from(version).map_err(|_| Error::Corrupt("parked version"))?;
                out.push((profile_id, Change { entity, id, version, deleted, payload }));
            }
            out
        };
        let mut applied = 0;
        for (profile_id, change) in &parked {
            let profile = load_profile(&tx, profile_id)?;
            let version = change.version as i64;
            if is_gated(&tx, change, version)? {
                continue;
            }
            if apply_change(&tx, &self.families, &profile, change, now)? == Applied::Applied {
                applied += 1;
            }
        }
        tx.commit()?;
        Ok(applied)
    }
}
