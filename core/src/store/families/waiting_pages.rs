//! Pages waiting for room in a document (see `techo_domain::photo_pages`): what the merge of
//! two devices' edits could not fit, kept beside the record until a removal makes room or the
//! person discards them. Their photos stay in the blob store meanwhile.

use super::super::blobs::requeue_blob;
use crate::domain::Profile;
use crate::error::{Error, Result};
use rusqlite::{OptionalExtension, Transaction, params};
use techo_protocol::Entity;
use techo_protocol::records::PhotoPage;

pub(crate) fn load(conn: &rusqlite::Connection, entity: &Entity, id: &str) -> Result<Vec<PhotoPage>> {
    let json: Option<String> = conn
        .query_row(
            "SELECT \"pages\" FROM \"waiting_pages\" WHERE \"entity\" = ?1 AND \"record_id\" = ?2",
            params![entity.as_str(), id],
            |r| r.get(0),
        )
        .optional()?;
    json.map_or(Ok(Vec::new()), |j| serde_json::from_str(&j).map_err(|_| Error::Corrupt("waiting pages")))
}

pub(crate) fn store(tx: &Transaction<'_>, entity: &Entity, id: &str, pages: &[PhotoPage]) -> Result<()> {
    if pages.is_empty() {
        tx.execute(
            "DELETE FROM \"waiting_pages\" WHERE \"entity\" = ?1 AND \"record_id\" = ?2",
            params![entity.as_str(), id],
        )?;
        return Ok(());
    }
    let json = serde_json::to_string(pages).map_err(|_| Error::Corrupt("waiting pages"))?;
    tx.execute(
        "INSERT INTO \"waiting_pages\" (\"entity\", \"record_id\", \"pages\") VALUES (?1, ?2, ?3) \
         ON CONFLICT (\"entity\", \"record_id\") DO UPDATE SET \"pages\" = excluded.\"pages\"",
        params![entity.as_str(), id, json],
    )?;
    Ok(())
}

/// Adds what a merge could not fit to what was waiting already (each page once).
pub(crate) fn add(tx: &Transaction<'_>, entity: &Entity, id: &str, more: Vec<PhotoPage>) -> Result<()> {
    if more.is_empty() {
        return Ok(());
    }
    let mut pages = load(tx, entity, id)?;
    for page in more {
        if !pages.iter().any(|p| p.image.sha256 == page.image.sha256) {
            pages.push(page);
        }
    }
    store(tx, entity, id, &pages)
}

/// Moves waiting pages into `record_pages` while there is room, queueing their photos' uploads
/// again (the server lets go of photos no record names after a while, and answers at once for
/// those it still has).
pub(crate) fn fill(
    tx: &Transaction<'_>,
    profile: &Profile,
    record_pages: &mut Vec<PhotoPage>,
    waiting: &mut Vec<PhotoPage>,
    max: usize,
    now_ms: i64,
) -> Result<()> {
    let on = record_pages.len();
    techo_domain::photo_pages::fill(record_pages, waiting, max);
    for page in &record_pages[on..] {
        requeue_blob(tx, profile, &page.image, now_ms)?;
        requeue_blob(tx, profile, &page.thumbnail, now_ms)?;
    }
    Ok(())
}

/// `forget`: the waiting pages of the profile's records in `table`.
pub(crate) fn forget(tx: &Transaction<'_>, entity: &Entity, table: &'static str, profile: &Profile) -> Result<()> {
    tx.execute(
        &format!(
            "DELETE FROM \"waiting_pages\" WHERE \"entity\" = ?1 AND \"record_id\" IN \
             (SELECT \"id\" FROM \"{table}\" WHERE \"profile_id\" = ?2)"
        ),
        params![entity.as_str(), profile.id.to_string()],
    )?;
    Ok(())
}

/// `salvage`: the waiting pages of records carried into the fresh database. Worth keeping, not
/// worth losing the records over, so a failure only skips them.
pub(crate) fn salvage(tx: &Transaction<'_>, entity: &Entity, table: &'static str) -> Result<()> {
    tx.execute_batch("SAVEPOINT waiting")?;
    let copied = tx.execute(
        &format!(
            "INSERT INTO main.\"waiting_pages\" SELECT * FROM salvage.\"waiting_pages\" WHERE \"entity\" = ?1 \
             AND \"record_id\" IN (SELECT \"id\" FROM main.\"{table}\") ON CONFLICT DO NOTHING"
        ),
        [entity.as_str()],
    );
    tx.execute_batch(if copied.is_ok() { "RELEASE waiting" } else { "ROLLBACK TO waiting; RELEASE waiting" })?;
    Ok(())
}
