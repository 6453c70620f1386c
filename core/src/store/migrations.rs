//! Numbered schema migrations, tracked in `PRAGMA user_version`.
//!
//! Each entry upgrades from the previous version inside one IMMEDIATE transaction; shipped
//! entries are never edited, only appended. A database newer than the last entry is refused.

use crate::error::{Error, Result};
use rusqlite::{Connection, TransactionBehavior};

pub(crate) struct Migration {
    pub version: i64,
    pub sql: &'static str,
}

pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, sql: include_str!("migrations/0001_init.sql") },
    Migration { version: 2, sql: include_str!("migrations/0002_sync.sql") },
    Migration { version: 3, sql: include_str!("migrations/0003_outbox_depends_index.sql") },
    Migration { version: 4, sql: include_str!("migrations/0004_current_view_indexes.sql") },
    Migration { version: 5, sql: include_str!("migrations/0005_record_families.sql") },
    Migration { version: 6, sql: include_str!("migrations/0006_medications.sql") },
    Migration { version: 7, sql: include_str!("migrations/0007_vital_days.sql") },
    Migration { version: 8, sql: include_str!("migrations/0008_blobs.sql") },
    Migration { version: 9, sql: include_str!("migrations/0009_emergency_sheet.sql") },
    Migration { version: 10, sql: include_str!("migrations/0010_checkups.sql") },
    Migration { version: 11, sql: include_str!("migrations/0011_waiting_pages.sql") },
    Migration { version: 12, sql: include_str!("migrations/0012_outbox_waits.sql") },
];

pub const LATEST_SCHEMA: i64 = MIGRATIONS[MIGRATIONS.len() - 1].version;

pub(crate) fn user_version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Brings `conn` to [`LATEST_SCHEMA`].
pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    migrate_to(conn, LATEST_SCHEMA)
}

pub(crate) fn migrate_to(conn: &mut Connection, target: i64) -> Result<()> {
    let found = user_version(conn)?;
    if found > LATEST_SCHEMA {
        return Err(Error::SchemaTooNew { found, supported: LATEST_SCHEMA });
    }
    for m in MIGRATIONS.iter().filter(|m| m.version > found && m.version <= target) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Re-check inside the write lock: another process may have migrated meanwhile.
        if user_version(&tx)? >= m.version {
            continue;
        }
        tx.execute_batch(m.sql)?;
        tx.pragma_update(None, "user_version", m.version)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_numbered_without_gaps() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, i as i64 + 1);
        }
    }
}
