//! 健診結果 on the device: each checkup the person photographed or typed in, as it travels
//! (`record`), with the server's last known state beside it (`base`, the merge base) and the
//! values two devices saved differently (`conflicts`), which the person can see and settle.
//!
//! A checkup is an edited document: it is created once, then every edit (a page, an item, a
//! corrected date) is an update from the version the server last acknowledged. Pages are blobs,
//! kept and queued for upload in the save's transaction like the 命の宝箱 pages, and the save
//! waits for them.

use super::{
    Applied, ConflictResolution, Family, HeldRecord, held_json_records, not_a_record, queue_document_save,
    queue_merged_update, requeue_with_pages, tombstone_unlisted, unacknowledged_ids, waiting_pages,
};
use crate::domain::checkup::{
    CodeList, Item, Judgement, MAX_PAGES, SeriesPoint, Sex, Unjudged, parse_item, series, validate_checkup,
};
use crate::domain::{HmCode, Profile};
use crate::error::{Error, Result};
use crate::photo::{PhotoSettings, PreparedPhoto, prepare_photo};
use crate::store::Store;
use crate::store::blobs::keep_blob;
use crate::store::outbox::{NewEntry, OutboxEntry, enqueue};
use chrono::{DateTime, Duration, Utc};
use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use techo_domain::vitals_wire::rfc3339_utc;
use techo_protocol::records::checkup::{Checkup as WireCheckup, CheckupItem as WireItem, CheckupKind};
use techo_protocol::records::{PhotoPage, Tombstone};
use techo_protocol::sync::Change;
use techo_protocol::{Entity, Op};
use uuid::Uuid;

pub struct CheckupFamily;

/// What the person enters for a new checkup. Items are `(code, value as printed)`.
#[derive(Debug, Clone)]
pub struct NewCheckup {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub institution: String,
    pub kind: CheckupKind,
    pub note: String,
    pub photos: Vec<PathBuf>,
    pub items: Vec<(String, String)>,
}

/// A value two devices saved differently: the checkup shows `theirs` (the one the server took
/// first), `ours` waits here for the person to choose. `field` is an item's code or one of
/// `date`, `institution`, `kind`, `note`; an empty value means the item was removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckupConflict {
    pub field: String,
    pub ours: String,
    pub theirs: String,
}

/// A checkup in a list.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckupSummary {
    pub id: String,
    /// As recorded; a date this build cannot read stays text.
    pub date: String,
    pub institution: String,
    pub kind: CheckupKind,
    pub pages: usize,
    pub items: usize,
    pub unsent: bool,
    pub conflicts: usize,
    /// The most serious judgement among its items (`Normal`, `Guidance` or `SeeDoctor`); `None`
    /// when no item was judged.
    pub worst: Option<Judgement>,
}

/// One result line with where it stands.
#[derive(Debug, Clone, PartialEq)]
pub struct JudgedItem {
    pub code: String,
    /// `None` when this build does not know the code, or the value does not fit it.
    pub item: Option<Item>,
    /// The value as recorded.
    pub value: String,
    pub judgement: Judgement,
}

/// One checkup as screens show it.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckupView {
    pub id: String,
    pub date: String,
    pub institution: String,
    pub kind: CheckupKind,
    pub note: String,
    pub pages: Vec<PhotoPage>,
    /// Pages added here that did not fit beside another device's (a checkup holds at most
    /// [`MAX_PAGES`]): added when a page is removed, or discarded by removing them.
    pub waiting_pages: Vec<PhotoPage>,
    /// In the code list's order (unknown codes last).
    pub items: Vec<JudgedItem>,
    pub conflicts: Vec<CheckupConflict>,
    pub unsent: bool,
    /// The sex items were judged for (from 命の宝箱's 性別), if known.
    pub sex: Option<Sex>,
}

fn record_json(r: &WireCheckup) -> Result<String> {
    serde_json::to_string(r).map_err(|_| Error::Corrupt("checkup"))
}

fn parse_record(json: &str) -> Result<WireCheckup> {
    serde_json::from_str(json).map_err(|_| Error::Corrupt("checkup"))
}

struct Row {
    record: WireCheckup,
    base: Option<WireCheckup>,
    conflicts: Vec<CheckupConflict>,
    deleted: bool,
}

fn load_id(conn: &rusqlite::Connection, id: &str) -> Result<Option<Row>> {
    let row: Option<(String, Option<String>, Option<String>, bool)> = conn
        .query_row(
            "SELECT \"record\", \"base\", \"conflicts\", \"deleted_at_ms\" IS NOT NULL FROM \"checkups\" WHERE \"id\" = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    let Some((record, base, conflicts, deleted)) = row else { return Ok(None) };
    Ok(Some(Row {
        record: parse_record(&record)?,
        base: base.as_deref().map(parse_record).transpose()?,
        conflicts: conflicts
            .map(|c| serde_json::from_str(&c).map_err(|_| Error::Corrupt("checkup conflicts")))
            .transpose()?
            .unwrap_or_default(),
        deleted,
    }))
}

/// Keeps `record` as the current state (`base` too when given; else the old base stays).
fn store_row(
    tx: &Transaction<'_>,
    profile: &Profile,
    record: &WireCheckup,
    base: Option<&WireCheckup>,
    conflicts: &[CheckupConflict],
) -> Result<()> {
    let base = base.map(record_json).transpose()?;
    let conflicts = (!conflicts.is_empty())
        .then(|| serde_json::to_string(conflicts))
        .transpose()
        .map_err(|_| Error::Corrupt("checkup conflicts"))?;
    tx.execute(
        "INSERT INTO \"checkups\" (\"id\", \"profile_id\", \"date\", \"record\", \"base\", \"conflicts\") \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (\"id\") DO UPDATE SET \"date\" = excluded.\"date\", \
         \"record\" = excluded.\"record\", \"base\" = coalesce(excluded.\"base\", \"checkups\".\"base\"), \
         \"conflicts\" = excluded.\"conflicts\"",
        params![record.id, profile.id.to_string(), record.date, record_json(record)?, base, conflicts],
    )?;
    Ok(())
}

fn queue_save(tx: &Transaction<'_>, profile: &Profile, record: &WireCheckup, now_ms: i64) -> Result<()> {
    queue_document_save(tx, profile, &Entity::Checkup, &record.id, record, &record.pages, now_ms)
}

/// The value `field` has in `record`, as a conflict names it ("" for an absent item).
fn value_of(record: &WireCheckup, field: &str) -> String {
    match field {
        "date" => record.date.clone(),
        "institution" => record.institution.clone(),
        "kind" => record.kind.to_string(),
        "note" => record.note.clone(),
        code => record.items.iter().find(|i| i.code == code).map(|i| i.value.clone()).unwrap_or_default(),
    }
}

/// Items in the code list's order, unknown codes after them by code: the same set of items is
/// the same record on every device.
fn sort_items(items: &mut [WireItem]) {
    let list = CodeList::builtin();
    // Codes are unique by now (a repeated one is refused), so no two keys are equal.
    items.sort_unstable_by(|a, b| {
        let key = |i: &WireItem| (list.position(&i.code).unwrap_or(usize::MAX), i.code.clone());
        key(a).cmp(&key(b))
    });
}

/// Pages as one set by image hash, in the order they were added (hash to break a tie), so both
/// devices arrive at the same list whichever merges.
fn sort_pages(pages: &mut Vec<PhotoPage>) {
    let mut seen = BTreeSet::new();
    pages.retain(|p| seen.insert(p.image.sha256.clone()));
    pages.sort_unstable_by(|a, b| (&a.added_at, &a.image.sha256).cmp(&(&b.added_at, &b.image.sha256)));
}

/// Three-way merge of one value: what only one side changed since `base` wins; both changed
/// differently (or no common base and they differ) → the server's value, and ours is reported.
fn merge_value<T: PartialEq + Clone>(base: Option<&T>, ours: &T, theirs: &T) -> (T, bool) {
    if ours == theirs || base == Some(ours) {
        (theirs.clone(), false)
    } else if base == Some(theirs) {
        (ours.clone(), false)
    } else {
        (theirs.clone(), true)
    }
}

/// Merges our version of a checkup with the server's (`theirs`), both edited from `base`
/// (none when neither side's base is known). Items merge by code and scalar fields one by one,
/// each as [`merge_value`]: the edits of both sides are kept, and a value both changed
/// differently shows the server's, with ours in the returned conflicts — the rule the 命の宝箱
/// sheet follows, so whichever device merges, both end with the same record. Pages merge as
/// `techo_domain::photo_pages::merge` does, in the order they were added; ours that do not fit
/// are returned to wait.
pub(crate) fn merge(
    base: Option<&WireCheckup>,
    ours: &WireCheckup,
    theirs: &WireCheckup,
) -> (WireCheckup, Vec<CheckupConflict>, Vec<PhotoPage>) {
    let mut conflicts = Vec::new();
    let mut scalar = |field: &str, pick: &dyn Fn(&WireCheckup) -> String| -> String {
        let (value, conflict) = merge_value(base.map(pick).as_ref(), &pick(ours), &pick(theirs));
        if conflict {
            conflicts.push(CheckupConflict { field: field.into(), ours: pick(ours), theirs: pick(theirs) });
        }
        value
    };
    let date = scalar("date", &|r| r.date.clone());
    let institution = scalar("institution", &|r| r.institution.clone());
    let kind = CheckupKind::parse(&scalar("kind", &|r| r.kind.to_string()));
    let note = scalar("note", &|r| r.note.clone());

    let find = |r: &WireCheckup, code: &str| r.items.iter().find(|i| i.code == code).cloned();
    let codes: BTreeSet<&str> =
        base.into_iter().chain([ours, theirs]).flat_map(|r| r.items.iter().map(|i| i.code.as_str())).collect();
    let mut items = Vec::new();
    for code in codes {
        let b = base.map(|b| find(b, code));
        let (o, t) = (find(ours, code), find(theirs, code));
        let (item, conflict) = merge_value(b.as_ref(), &o, &t);
        if conflict {
            let v = |i: &Option<WireItem>| i.as_ref().map(|i| i.value.clone()).unwrap_or_default();
            conflicts.push(CheckupConflict { field: code.into(), ours: v(&o), theirs: v(&t) });
        }
        items.extend(item);
    }
    sort_items(&mut items);
    let merged_pages =
        techo_domain::photo_pages::merge(base.map(|b| b.pages.as_slice()), &ours.pages, &theirs.pages, MAX_PAGES);
    let mut pages = merged_pages.pages;
    sort_pages(&mut pages);
    let merged = WireCheckup { date, institution, kind, note, items, pages, ..theirs.clone() };
    (merged, conflicts, merged_pages.waiting)
}

/// An edit of a checkup inside its save's transaction: the record, its conflicts, the pages
/// waiting for room.
trait CheckupEdit:
    FnOnce(&Transaction<'_>, &mut WireCheckup, &mut Vec<CheckupConflict>, &mut Vec<PhotoPage>) -> Result<()>
{
}

impl<F> CheckupEdit for F where
    F: FnOnce(&Transaction<'_>, &mut WireCheckup, &mut Vec<CheckupConflict>, &mut Vec<PhotoPage>) -> Result<()>
{
}

/// The checkup as the domain types it, leniently: items this build cannot read are left out
/// (a newer app's), so one odd line never hides a whole year from a trend.
fn typed(record: &WireCheckup) -> Option<techo_domain::checkup::Checkup> {
    Some(techo_domain::checkup::Checkup {
        id: Uuid::parse_str(&record.id).ok()?,
        patient: HmCode::parse(&record.patient).ok()?,
        date: techo_domain::validation::parse_iso_date(&record.date)?,
        institution: record.institution.clone(),
        kind: record.kind.clone(),
        pages: record.pages.clone(),
        items: record.items.iter().filter_map(|i| parse_item(i).ok()).collect(),
        note: record.note.clone(),
        extra: record.extra.clone(),
    })
}

impl Family for CheckupFamily {
    fn entity(&self) -> Entity {
        Entity::Checkup
    }

    fn held(&self, conn: &rusqlite::Connection, profile: &Profile) -> Result<Vec<HeldRecord>> {
        held_json_records(conn, &Entity::Checkup, "checkups", profile)
    }

    fn apply_change(
        &self,
        tx: &Transaction<'_>,
        profile: &Profile,
        change: &Change,
        now: DateTime<Utc>,
    ) -> Result<Applied> {
        let Ok(record) = serde_json::from_value::<WireCheckup>(change.payload.clone()) else {
            return Ok(not_a_record(change));
        };
        if record.patient != profile.hm_code.as_str() || record.id != change.id {
            return Ok(Applied::Unreadable);
        }
        if change.deleted {
            tx.execute(
                "INSERT INTO \"checkups\" (\"id\", \"profile_id\", \"date\", \"record\", \"base\", \"deleted_at_ms\") \
                 VALUES (?1, ?2, ?3, ?4, ?4, ?5) ON CONFLICT (\"id\") DO UPDATE SET \
                 \"deleted_at_ms\" = coalesce(\"checkups\".\"deleted_at_ms\", excluded.\"deleted_at_ms\")",
                params![record.id, profile.id.to_string(), record.date, record_json(&record)?, now.timestamp_millis()],
            )?;
            return Ok(Applied::Applied);
        }
        // Conflicts the person has not settled stay, unless the other side now agrees.
        let conflicts: Vec<CheckupConflict> = load_id(tx, &record.id)?
            .map(|row| row.conflicts)
            .unwrap_or_default()
            .into_iter()
            .filter(|c| value_of(&record, &c.field) != c.ours)
            .collect();
        store_row(tx, profile, &record, Some(&record), &conflicts)?;
        Ok(Applied::Applied)
    }

    fn tombstone_absent(&self, tx: &Transaction<'_>, profile: &Profile, now: DateTime<Utc>) -> Result<u64> {
        tombstone_unlisted(tx, &Entity::Checkup, "checkups", profile, now)
    }

    fn requeue_lost(&self, tx: &Transaction<'_>, profile: &Profile, now: DateTime<Utc>) -> Result<u64> {
        let ids = unacknowledged_ids(tx, &Entity::Checkup, "checkups", profile, "AND t.\"deleted_at_ms\" IS NULL")?;
        let mut queued = 0;
        for id in ids {
            let Some(row) = load_id(tx, &id)? else { continue };
            requeue_with_pages(
                tx,
                profile,
                &Entity::Checkup,
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
            "INSERT INTO main.\"checkups\" SELECT * FROM salvage.\"checkups\" \
             WHERE \"profile_id\" IN (SELECT \"id\" FROM main.\"profiles\") ON CONFLICT DO NOTHING",
            [],
        )?;
        waiting_pages::salvage(tx, &Entity::Checkup, "checkups")?;
        Ok(n as u64)
    }

    fn forget(&self, tx: &Transaction<'_>, profile: &Profile) -> Result<u64> {
        waiting_pages::forget(tx, &Entity::Checkup, "checkups", profile)?;
        Ok(tx.execute("DELETE FROM \"checkups\" WHERE \"profile_id\" = ?1", [profile.id.to_string()])? as u64)
    }

    fn blobs(&self, payload: &str) -> Vec<String> {
        parse_record(payload).map(|r| super::page_blobs(&r.pages)).unwrap_or_default()
    }

    fn acknowledged(&self, tx: &Transaction<'_>, entry: &OutboxEntry, _server_version: i64) -> Result<()> {
        tx.execute("UPDATE \"checkups\" SET \"base\" = ?2 WHERE \"id\" = ?1", params![entry.entity_id, entry.payload])?;
        Ok(())
    }

    /// Another device saved this checkup first. Merges against the version our edit started
    /// from ([`merge`]) and sends the merge as one update that replaces our queued edits (it
    /// holds them all). Deleted here meanwhile: the queued delete settles it, nothing to merge.
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
        let theirs: WireCheckup =
            serde_json::from_value(current.payload.clone()).map_err(|_| Error::InvalidPayload { what: "checkup" })?;
        let patient = HmCode::parse(&entry.patient).map_err(|_| Error::Corrupt("outbox patient"))?;
        let Some(profile) = crate::store::profiles::profile_in(tx, &patient)? else {
            return Ok(ConflictResolution::Wedge("conflict".into()));
        };
        let Some(row) = load_id(tx, &entry.entity_id)? else {
            return Ok(ConflictResolution::Wedge("conflict".into()));
        };
        if row.deleted {
            return Ok(ConflictResolution::Merged);
        }
        let (record, merged_conflicts, waiting) = merge(row.base.as_ref(), &row.record, &theirs);
        waiting_pages::add(tx, &Entity::Checkup, &record.id, waiting)?;
        let mut conflicts = row.conflicts;
        conflicts.retain(|c| !merged_conflicts.iter().any(|m| m.field == c.field));
        conflicts.extend(merged_conflicts);
        store_row(tx, &profile, &record, Some(&theirs), &conflicts)?;
        queue_merged_update(tx, &profile, entry, current, &record, &record.pages, now)?;
        Ok(ConflictResolution::Merged)
    }
}

/// Adds prepared photos as pages: kept encrypted, their uploads queued in this transaction.
fn add_pages(
    tx: &Transaction<'_>,
    profile: &Profile,
    record: &mut WireCheckup,
    photos: &[PreparedPhoto],
    now: DateTime<Utc>,
) -> Result<()> {
    let now_ms = now.timestamp_millis();
    for photo in photos {
        let image = keep_blob(tx, profile, "image/jpeg", &photo.jpeg, now_ms)?;
        let thumbnail = keep_blob(tx, profile, "image/jpeg", &photo.thumbnail, now_ms)?;
        if record.pages.iter().any(|p| p.image.sha256 == image.sha256) {
            continue;
        }
        record.pages.push(PhotoPage {
            image,
            thumbnail,
            width: photo.width,
            height: photo.height,
            added_at: rfc3339_utc(now),
            extra: Default::default(),
        });
    }
    Ok(())
}

/// An item line as typed: the code as the code list spells it, the value without spaces around.
fn typed_item(code: &str, value: &str) -> WireItem {
    let (code, value) = (code.trim().to_ascii_uppercase(), value.trim().to_owned());
    WireItem { code, value, unit: None, method: None, extra: Default::default() }
}

fn set_items(record: &mut WireCheckup, items: &[(String, String)]) {
    for (code, value) in items {
        let typed = typed_item(code, value);
        match record.items.iter_mut().find(|i| i.code == typed.code) {
            Some(item) => item.value = typed.value,
            None => record.items.push(typed),
        }
    }
    sort_items(&mut record.items);
}

/// Checks one item line as an entry form holds it, as a save would: a form checks each line
/// with this so the problem is shown beside the line (a refused save names only the field).
pub fn check_typed_item(code: &str, value: &str) -> Result<()> {
    parse_item(&typed_item(code, value))?;
    Ok(())
}

/// What the screens and the CLI call.
impl Store {
    /// Records a checkup: its photos go through the photo pipeline and are queued for upload
    /// before the checkup, its items are checked against the code list. Nothing is stored when
    /// a photo or a value is refused.
    pub fn add_checkup(&self, profile: &Profile, new: &NewCheckup, settings: &PhotoSettings) -> Result<CheckupView> {
        // Decoding and encoding take a fraction of a second each: outside the write lock.
        let photos = new.photos.iter().map(|p| prepare_photo(p, settings)).collect::<Result<Vec<_>>>()?;
        let now = self.clock.now();
        let mut record = WireCheckup {
            id: Uuid::now_v7().to_string(),
            patient: profile.hm_code.to_string(),
            date: new.date.trim().to_owned(),
            institution: new.institution.trim().to_owned(),
            kind: new.kind.clone(),
            pages: Vec::new(),
            items: Vec::new(),
            note: new.note.trim().to_owned(),
            extra: Default::default(),
        };
        set_items(&mut record, &new.items);
        let id = record.id.clone();
        self.save_checkup(profile, None, |tx, r, _, _| {
            *r = record;
            add_pages(tx, profile, r, &photos, now)
        })?;
        self.checkup(profile, &id)?.ok_or(Error::NotFound { entity: "checkup" })
    }

    /// Adds a photographed page to checkup `id`; the checkup's new version waits for its upload.
    pub fn add_checkup_page(
        &self,
        profile: &Profile,
        id: &str,
        path: &Path,
        settings: &PhotoSettings,
    ) -> Result<CheckupView> {
        let photo = prepare_photo(path, settings)?;
        let now = self.clock.now();
        self.save_checkup(profile, Some(id), |tx, r, _, _| add_pages(tx, profile, r, std::slice::from_ref(&photo), now))
    }

    /// Sets items `(code, value as printed)` of checkup `id`, replacing a code's earlier value;
    /// typing a value settles a conflict on that item.
    pub fn set_checkup_items(&self, profile: &Profile, id: &str, items: &[(String, String)]) -> Result<CheckupView> {
        self.save_checkup(profile, Some(id), |_, r, conflicts, _| {
            set_items(r, items);
            conflicts.retain(|c| !items.iter().any(|(code, _)| code.trim().eq_ignore_ascii_case(&c.field)));
            Ok(())
        })
    }

    /// Removes the items with these codes from checkup `id`.
    pub fn remove_checkup_items(&self, profile: &Profile, id: &str, codes: &[String]) -> Result<CheckupView> {
        self.save_checkup(profile, Some(id), |_, r, conflicts, _| {
            let before = r.items.len();
            r.items.retain(|i| !codes.iter().any(|c| c.trim().eq_ignore_ascii_case(&i.code)));
            if r.items.len() + codes.len() != before {
                return Err(Error::NotFound { entity: "item" });
            }
            conflicts.retain(|c| !codes.iter().any(|code| code.trim().eq_ignore_ascii_case(&c.field)));
            Ok(())
        })
    }

    /// Removes a page from checkup `id`, and a waiting page takes its place; or discards a
    /// waiting page.
    pub fn remove_checkup_page(&self, profile: &Profile, id: &str, image_sha256: &str) -> Result<CheckupView> {
        self.save_checkup(profile, Some(id), |_, r, _, waiting| super::remove_page(&mut r.pages, waiting, image_sha256))
    }

    /// Corrects the date, institution, kind or note of checkup `id` (`None` leaves one as it is).
    pub fn edit_checkup(
        &self,
        profile: &Profile,
        id: &str,
        date: Option<&str>,
        institution: Option<&str>,
        kind: Option<CheckupKind>,
        note: Option<&str>,
    ) -> Result<CheckupView> {
        self.save_checkup(profile, Some(id), |_, r, conflicts, _| {
            let mut settled = Vec::new();
            if let Some(d) = date {
                r.date = d.trim().to_owned();
                settled.push("date");
            }
            if let Some(i) = institution {
                r.institution = i.trim().to_owned();
                settled.push("institution");
            }
            if let Some(k) = kind {
                r.kind = k;
                settled.push("kind");
            }
            if let Some(n) = note {
                r.note = n.trim().to_owned();
                settled.push("note");
            }
            conflicts.retain(|c| !settled.contains(&c.field.as_str()));
            Ok(())
        })
    }

    /// Settles a value saved differently on two devices: keeps ours (saved as a new version)
    /// or the value the checkup shows now.
    pub fn resolve_checkup_conflict(
        &self,
        profile: &Profile,
        id: &str,
        field: &str,
        keep_ours: bool,
    ) -> Result<CheckupView> {
        self.save_checkup(profile, Some(id), |_, r, conflicts, _| {
            let at = conflicts.iter().position(|c| c.field == field).ok_or(Error::NotFound { entity: "conflict" })?;
            let c = conflicts.remove(at);
            if !keep_ours {
                return Ok(());
            }
            match c.field.as_str() {
                "date" => r.date = c.ours,
                "institution" => r.institution = c.ours,
                "kind" => r.kind = CheckupKind::parse(&c.ours),
                "note" => r.note = c.ours,
                code if c.ours.is_empty() => r.items.retain(|i| i.code != code),
                code => set_items(r, &[(code.to_owned(), c.ours)]),
            }
            Ok(())
        })
    }

    /// Deletes checkup `id` (a tombstone goes to the server, which lets go of photos no record
    /// names; pages waiting for room are discarded).
    pub fn delete_checkup(&self, profile: &Profile, id: &str) -> Result<()> {
        let now = self.clock.now();
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        let row = load_id(&tx, id)?.filter(|r| r.record.patient == profile.hm_code.as_str());
        match row {
            None => return Err(Error::NotFound { entity: "checkup" }),
            Some(r) if r.deleted => return Err(Error::Deleted),
            Some(_) => {}
        }
        tx.execute(
            "UPDATE \"checkups\" SET \"deleted_at_ms\" = ?2 WHERE \"id\" = ?1",
            params![id, now.timestamp_millis()],
        )?;
        waiting_pages::store(&tx, &Entity::Checkup, id, &[])?;
        let tombstone = Tombstone {
            id: id.to_owned(),
            patient: profile.hm_code.to_string(),
            deleted_at: rfc3339_utc(now),
            extra: Default::default(),
        };
        enqueue(
            &tx,
            NewEntry::new(&profile.hm_code, Entity::Checkup, id.to_owned(), Op::Delete),
            &tombstone,
            now.timestamp_millis(),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// `profile`'s checkups, newest date first.
    pub fn checkups(&self, profile: &Profile) -> Result<Vec<CheckupSummary>> {
        // Read once for the whole list, not per checkup.
        let sex = self.checkup_sex(profile)?;
        let conn = self.reader();
        let mut stmt = conn.prepare(
            "SELECT c.\"record\", c.\"conflicts\", EXISTS (SELECT 1 FROM \"outbox\" o WHERE o.\"entity\" = ?2 \
             AND o.\"entity_id\" = c.\"id\") FROM \"checkups\" c \
             WHERE c.\"profile_id\" = ?1 AND c.\"deleted_at_ms\" IS NULL ORDER BY c.\"date\" DESC, c.\"id\" DESC",
        )?;
        let rows = stmt.query_map(params![profile.id.to_string(), Entity::Checkup.as_str()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?, r.get::<_, bool>(2)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (record, conflicts, unsent) = row?;
            let r = parse_record(&record)?;
            let conflicts: Vec<CheckupConflict> = conflicts
                .map(|c| serde_json::from_str(&c).map_err(|_| Error::Corrupt("checkup conflicts")))
                .transpose()?
                .unwrap_or_default();
            out.push(CheckupSummary {
                worst: Judgement::worst(r.items.iter().filter_map(|i| parse_item(i).ok()).map(|i| i.judgement(sex))),
                pages: r.pages.len(),
                items: r.items.len(),
                id: r.id,
                date: r.date,
                institution: r.institution,
                kind: r.kind,
                unsent,
                conflicts: conflicts.len(),
            });
        }
        Ok(out)
    }

    /// Finds the checkup of `profile` whose id starts with `prefix` (at least 4 characters).
    pub fn resolve_checkup_id(&self, profile: &Profile, prefix: &str) -> Result<String> {
        let prefix = prefix.trim().to_ascii_lowercase();
        if prefix.len() < 4 || !prefix.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
            return Err(Error::NotFound { entity: "checkup" });
        }
        let conn = self.reader();
        let mut stmt = conn.prepare(
            "SELECT \"id\" FROM \"checkups\" WHERE \"profile_id\" = ?1 AND \"deleted_at_ms\" IS NULL \
             AND substr(\"id\", 1, length(?2)) = ?2 LIMIT 2",
        )?;
        let ids: Vec<String> =
            stmt.query_map(params![profile.id.to_string(), prefix], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        match ids.as_slice() {
            [one] => Ok(one.clone()),
            [] => Err(Error::NotFound { entity: "checkup" }),
            _ => Err(Error::AmbiguousId { entity: "checkup" }),
        }
    }

    /// The sex checkup items are judged for: the person's 性別 on 命の宝箱, when they gave it
    /// (profiles do not hold it). Without it, sex-specific items are judged only where men and
    /// women get the same answer.
    pub fn checkup_sex(&self, profile: &Profile) -> Result<Option<Sex>> {
        let sheet = self.emergency_sheet(profile)?;
        let sex = sheet.and_then(|s| s.fields.into_iter().find(|(k, _)| k == "identity.sex")).map(|(_, v)| v);
        Ok(match sex.as_deref() {
            Some("male") => Some(Sex::Male),
            Some("female") => Some(Sex::Female),
            _ => None,
        })
    }

    /// Checkup `id` with each item judged.
    pub fn checkup(&self, profile: &Profile, id: &str) -> Result<Option<CheckupView>> {
        let sex = self.checkup_sex(profile)?;
        let conn = self.reader();
        let Some(row) = load_id(&conn, id)? else { return Ok(None) };
        if row.deleted || row.record.patient != profile.hm_code.as_str() {
            return Ok(None);
        }
        let unsent: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM \"outbox\" WHERE \"entity\" = ?1 AND \"entity_id\" = ?2)",
            params![Entity::Checkup.as_str(), id],
            |r| r.get(0),
        )?;
        let r = row.record;
        let items = r
            .items
            .iter()
            .map(|i| match parse_item(i) {
                Ok(item) => JudgedItem {
                    code: i.code.clone(),
                    value: i.value.clone(),
                    judgement: item.judgement(sex),
                    item: Some(item),
                },
                Err(_) => JudgedItem {
                    code: i.code.clone(),
                    value: i.value.clone(),
                    judgement: Judgement::Unknown(Unjudged::UnknownItem),
                    item: None,
                },
            })
            .collect();
        Ok(Some(CheckupView {
            id: r.id,
            date: r.date,
            institution: r.institution,
            kind: r.kind,
            note: r.note,
            waiting_pages: waiting_pages::load(&conn, &Entity::Checkup, id)?,
            pages: r.pages,
            items,
            conflicts: row.conflicts,
            unsent,
            sex,
        }))
    }

    /// Item `code` across every checkup of `profile`, oldest first, with its method and
    /// measurement variants (see `techo_domain::checkup::series`).
    pub fn checkup_series(&self, profile: &Profile, code: &str) -> Result<Vec<SeriesPoint>> {
        let sex = self.checkup_sex(profile)?;
        let conn = self.reader();
        let mut stmt = conn
            .prepare("SELECT \"record\" FROM \"checkups\" WHERE \"profile_id\" = ?1 AND \"deleted_at_ms\" IS NULL")?;
        let records: Vec<String> =
            stmt.query_map([profile.id.to_string()], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        let checkups: Vec<_> =
            records.iter().map(|r| parse_record(r)).collect::<Result<Vec<_>>>()?.iter().filter_map(typed).collect();
        Ok(series(&checkups, &code.trim().to_ascii_uppercase(), sex))
    }

    /// One save: checkup `id` (or a new one) edited, checked as a whole, stored and queued, in
    /// one transaction; a refused value rolls back everything, photos included.
    fn save_checkup(&self, profile: &Profile, id: Option<&str>, edit: impl CheckupEdit) -> Result<CheckupView> {
        // One copy of the save for every kind of edit (each edit inlining its own copy cost the
        // phone library kilobytes per screen action).
        self.save_checkup_dyn(profile, id, Box::new(edit))
    }

    fn save_checkup_dyn(
        &self,
        profile: &Profile,
        id: Option<&str>,
        edit: Box<dyn CheckupEdit + '_>,
    ) -> Result<CheckupView> {
        let now = self.clock.now();
        // Checkup dates are local dates; the latest date anywhere (UTC+14) never refuses today.
        let today = (now + Duration::hours(14)).date_naive();
        let id = {
            let mut conn = self.writer();
            let tx = conn.transaction()?;
            let (mut record, mut conflicts) = match id {
                Some(id) => match load_id(&tx, id)? {
                    Some(row) if !row.deleted && row.record.patient == profile.hm_code.as_str() => {
                        (row.record, row.conflicts)
                    }
                    _ => return Err(Error::NotFound { entity: "checkup" }),
                },
                None => (
                    WireCheckup {
                        id: String::new(),
                        patient: String::new(),
                        date: String::new(),
                        institution: String::new(),
                        kind: CheckupKind::Other,
                        pages: Vec::new(),
                        items: Vec::new(),
                        note: String::new(),
                        extra: Default::default(),
                    },
                    Vec::new(),
                ),
            };
            let mut waiting = match id {
                Some(id) => waiting_pages::load(&tx, &Entity::Checkup, id)?,
                None => Vec::new(),
            };
            let before = (record.clone(), conflicts.clone(), waiting.clone());
            edit(&tx, &mut record, &mut conflicts, &mut waiting)?;
            if id.is_some() && record.patient != profile.hm_code.as_str() {
                return Err(Error::NotFound { entity: "checkup" });
            }
            waiting_pages::fill(&tx, profile, &mut record.pages, &mut waiting, MAX_PAGES, now.timestamp_millis())?;
            validate_checkup(&record, today)?;
            if waiting != before.2 {
                waiting_pages::store(&tx, &Entity::Checkup, &record.id, &waiting)?;
            }
            if record != before.0 {
                store_row(&tx, profile, &record, None, &conflicts)?;
                queue_save(&tx, profile, &record, now.timestamp_millis())?;
            } else if conflicts != before.1 {
                // Only a conflict settled in favour of what the checkup shows: nothing to send.
                store_row(&tx, profile, &record, None, &conflicts)?;
            }
            tx.commit()?;
            record.id
        };
        self.checkup(profile, &id)?.ok_or(Error::NotFound { entity: "checkup" })
    }
}

#[cfg(test)]
mod tests;
