//! The medication notebook: importing JAHIS data (receipt QR codes, files), the history by date
//! and by pharmacy, what is being taken now, search, hiding a wrong entry, and export.
//!
//! An import is one IMMEDIATE transaction: the raw bytes, every new entry and its outbox row are
//! saved together or not at all. Entries already present (the pharmacy sent the same dispensing
//! to the server, or the receipt was scanned twice) are linked to the import and not added again.

use super::Store;
use super::families::medication::{
    ArrivedBy, day_from_number, day_number, entry_from_stored, insert_entry, otc_is_current,
};
use super::outbox::{NewEntry, enqueue};
use super::rows::parse_uuid;
use super::vitals_write::patient_code;
use crate::error::{Error, Result};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use techo_domain::medication::{EntryKind, MedicationEntry, search_key, split};
use techo_domain::vitals_wire::rfc3339_utc;
use techo_jahis::{Direction, Document, Issue, Written};
use techo_protocol::records::Tombstone;
use techo_protocol::{Entity, Op};
use uuid::Uuid;

/// Where imported bytes came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportSource {
    /// The QR codes of a pharmacy receipt (scanned, or decoded from a photo).
    Qr,
    /// A JAHIS file, e.g. shared from another e-お薬手帳 app.
    File,
}

impl ImportSource {
    fn as_str(self) -> &'static str {
        match self {
            Self::Qr => "qr",
            Self::File => "file",
        }
    }

    fn arrived_by(self) -> ArrivedBy {
        match self {
            Self::Qr => ArrivedBy::Qr,
            Self::File => ArrivedBy::File,
        }
    }
}

/// What one import did.
#[derive(Debug, Clone)]
pub struct MedicationImport {
    pub import_id: Uuid,
    /// Entries new to this notebook.
    pub added: Vec<Uuid>,
    /// Entries it already held (a repeated scan, or the pharmacy's copy came first).
    pub already_present: u32,
    /// 調剤 blocks left out because they have errors: never half-imported.
    pub skipped_blocks: u32,
    /// Records with no place in the notebook; kept in the raw import.
    pub unplaced_records: u32,
    /// What the parser found, by position (never a value).
    pub issues: Vec<Issue>,
}

/// One entry as stored.
#[derive(Debug, Clone)]
pub struct StoredMedication {
    pub entry: MedicationEntry,
    pub profile_id: Uuid,
    pub arrived_by: ArrivedBy,
    pub first_seen: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    /// The date listing sorts by (dispensing, start or entry date).
    pub day: Option<NaiveDate>,
    /// The first day it is no longer being taken (dispensings and OTC medicines).
    pub until: Option<NaiveDate>,
}

/// Filters for [`Store::list_medications`].
#[derive(Debug, Clone, Default)]
pub struct MedicationQuery {
    pub kind: Option<EntryKind>,
    /// Only entries of this dispensing institution (its 医療機関等コード).
    pub institution_code: Option<String>,
    /// Page size; 0 means the default of 50. At most 500.
    pub limit: u32,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Clone)]
pub struct MedicationPage {
    pub items: Vec<StoredMedication>,
    pub next_cursor: Option<String>,
}

/// A dispensing institution with how many of the person's dispensings came from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstitutionCount {
    pub name: String,
    pub code: String,
    pub dispensings: u32,
    pub latest: Option<NaiveDate>,
}

const COLUMNS: &str = "m.\"id\", p.\"hm_code\", m.\"jahis\", m.\"profile_id\", m.\"arrived_by\", m.\"first_seen_ms\", \
    m.\"deleted_at_ms\", m.\"day\", m.\"until_day\"";
const FROM: &str = "FROM \"medications\" m JOIN \"profiles\" p ON p.\"id\" = m.\"profile_id\"";

fn from_row(r: &rusqlite::Row<'_>) -> Result<StoredMedication> {
    let id: String = r.get(0)?;
    let patient: String = r.get(1)?;
    let ms = |v: Option<i64>| v.and_then(DateTime::<Utc>::from_timestamp_millis);
    Ok(StoredMedication {
        entry: entry_from_stored(&id, &patient, r.get(2)?)?,
        profile_id: parse_uuid(&r.get::<_, String>(3)?)?,
        arrived_by: ArrivedBy::from_str_opt(&r.get::<_, String>(4)?).ok_or(Error::Corrupt("medication arrival"))?,
        first_seen: ms(Some(r.get(5)?)).ok_or(Error::Corrupt("medication time"))?,
        deleted_at: ms(r.get(6)?),
        day: r.get::<_, Option<i64>>(7)?.and_then(day_from_number),
        until: r.get::<_, Option<i64>>(8)?.and_then(day_from_number),
    })
}

fn collect_rows(stmt: &mut rusqlite::Statement<'_>, params: impl rusqlite::Params) -> Result<Vec<StoredMedication>> {
    let mut rows = stmt.query(params)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(from_row(row)?);
    }
    Ok(out)
}

/// Keyset cursor: the (day, id) of the last row of a page; undated entries sort last.
fn encode_cursor(m: &StoredMedication) -> String {
    format!("{}~{}", m.day.map_or(i64::MIN, day_number), m.entry.id)
}

fn decode_cursor(c: &str) -> Result<(i64, String)> {
    let (day, id) = c.split_once('~').ok_or(Error::InvalidPayload { what: "cursor" })?;
    Ok((day.parse().map_err(|_| Error::InvalidPayload { what: "cursor" })?, id.to_owned()))
}

impl Store {
    /// Imports one complete JAHIS TC document (the assembled bytes of a receipt's QR codes, or a
    /// file) into `profile_id`'s notebook. Blocks with errors are left out whole and reported.
    pub fn import_medications(&self, profile_id: Uuid, bytes: &[u8], source: ImportSource) -> Result<MedicationImport> {
        let parsed = techo_jahis::parse(bytes)?;
        let now_ms = self.clock.now().timestamp_millis();
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let patient = patient_code(&tx, profile_id)?;
        let split = split(&parsed, &patient);
        let import_id = Uuid::now_v7();
        tx.execute(
            "INSERT INTO \"medication_imports\" (\"id\", \"profile_id\", \"source\", \"raw\", \"imported_at_ms\") \
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![import_id.to_string(), profile_id.to_string(), source.as_str(), bytes, now_ms],
        )?;
        let mut added = Vec::new();
        let mut already_present = 0;
        for entry in &split.entries {
            let id = entry.id.to_string();
            // The same content for another profile on this device is another record (the id
            // includes the patient), so a conflict here is always this person's own entry.
            if insert_entry(&tx, &profile_id.to_string(), entry, source.arrived_by(), None, None, now_ms)? {
                let create = NewEntry::new(&patient, Entity::Medication, id.clone(), Op::Create);
                enqueue(&tx, create, &entry.to_wire(), now_ms)?;
                added.push(entry.id);
            } else {
                already_present += 1;
            }
            tx.prepare_cached(
                "INSERT INTO \"medication_import_entries\" (\"import_id\", \"entry_id\") VALUES (?1, ?2) \
                 ON CONFLICT DO NOTHING",
            )?
            .execute(params![import_id.to_string(), id])?;
        }
        tx.commit()?;
        Ok(MedicationImport {
            import_id,
            added,
            already_present,
            skipped_blocks: split.skipped_blocks,
            unplaced_records: split.unplaced_records,
            issues: parsed.issues,
        })
    }

    /// The bytes of an import exactly as they arrived (provenance; read again after a parser fix).
    pub fn medication_import_raw(&self, import_id: Uuid) -> Result<Vec<u8>> {
        self.reader()
            .query_row("SELECT \"raw\" FROM \"medication_imports\" WHERE \"id\" = ?1", [import_id.to_string()], |r| {
                r.get(0)
            })
            .optional()?
            .ok_or(Error::NotFound { entity: "medication import" })
    }

    pub fn get_medication(&self, id: Uuid) -> Result<StoredMedication> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} {FROM} WHERE m.\"id\" = ?1"))?;
        collect_rows(&mut stmt, [id.to_string()])?.pop().ok_or(Error::NotFound { entity: "medication entry" })
    }

    /// The entry whose id starts with `prefix` (at least 4 characters), for typed commands.
    pub fn resolve_medication_id(&self, profile_id: Uuid, prefix: &str) -> Result<Uuid> {
        let prefix = prefix.trim().to_ascii_lowercase();
        if prefix.len() < 4 || !prefix.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
            return Err(Error::NotFound { entity: "medication entry" });
        }
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT \"id\" FROM \"medications\" WHERE \"profile_id\" = ?1 AND substr(\"id\", 1, length(?2)) = ?2 LIMIT 2",
        )?;
        let ids: Vec<String> =
            stmt.query_map(params![profile_id.to_string(), prefix], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        match ids.as_slice() {
            [one] => parse_uuid(one),
            [] => Err(Error::NotFound { entity: "medication entry" }),
            _ => Err(Error::AmbiguousId { entity: "medication entry" }),
        }
    }

    /// The notebook newest first (undated entries last), one page at a time; hidden entries
    /// are left out.
    pub fn list_medications(&self, profile_id: Uuid, q: &MedicationQuery) -> Result<MedicationPage> {
        let limit = match q.limit {
            0 => 50,
            n => n.min(500),
        };
        let (after_day, after_id) = match &q.cursor {
            Some(c) => {
                let (d, id) = decode_cursor(c)?;
                (Some(d), id)
            }
            None => (None, String::new()),
        };
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} {FROM} WHERE m.\"profile_id\" = ?1 AND m.\"deleted_at_ms\" IS NULL \
             AND (?2 IS NULL OR m.\"kind\" = ?2) AND (?3 IS NULL OR m.\"institution_code\" = ?3) \
             AND (?4 IS NULL OR (coalesce(m.\"day\", -9223372036854775808), m.\"id\") < (?4, ?5)) \
             ORDER BY coalesce(m.\"day\", -9223372036854775808) DESC, m.\"id\" DESC LIMIT ?6"
        ))?;
        let mut items = collect_rows(
            &mut stmt,
            params![
                profile_id.to_string(),
                q.kind.map(EntryKind::as_str),
                q.institution_code,
                after_day,
                after_id,
                i64::from(limit) + 1
            ],
        )?;
        let next_cursor = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(encode_cursor)
        } else {
            None
        };
        Ok(MedicationPage { items, next_cursor })
    }

    /// What `profile_id` is taking on `day`: dispensings whose supply covers it (the dispensing
    /// date plus its longest 日分; undated medicines for a month) and OTC medicines within their
    /// dates, newest first.
    pub fn current_medications(&self, profile_id: Uuid, day: NaiveDate) -> Result<Vec<StoredMedication>> {
        let d = day_number(day);
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} {FROM} WHERE m.\"profile_id\" = ?1 AND m.\"deleted_at_ms\" IS NULL \
             AND ((m.\"kind\" = 'dispensing' AND m.\"day\" <= ?2 AND m.\"until_day\" > ?2) OR m.\"kind\" = 'otc') \
             ORDER BY m.\"day\" DESC, m.\"id\" DESC"
        ))?;
        let rows = collect_rows(&mut stmt, params![profile_id.to_string(), d])?;
        Ok(rows.into_iter().filter(|m| m.entry.kind != EntryKind::Otc || otc_is_current(&m.entry, day)).collect())
    }

    /// Entries whose drug, ingredient, pharmacy or note text contains `text`, however it was
    /// typed (full- or half-width, hiragana or katakana, upper or lower case); newest first.
    pub fn search_medications(&self, profile_id: Uuid, text: &str, limit: u32) -> Result<Vec<StoredMedication>> {
        let key = search_key(text);
        if key.is_empty() {
            return Ok(Vec::new());
        }
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} {FROM} WHERE m.\"profile_id\" = ?1 AND m.\"deleted_at_ms\" IS NULL \
             AND instr(m.\"search_text\", ?2) > 0 \
             ORDER BY coalesce(m.\"day\", -9223372036854775808) DESC, m.\"id\" DESC LIMIT ?3"
        ))?;
        collect_rows(&mut stmt, params![profile_id.to_string(), key, i64::from(limit.clamp(1, 500))])
    }

    /// The institutions that dispensed to `profile_id`, most recent first.
    pub fn medication_institutions(&self, profile_id: Uuid) -> Result<Vec<InstitutionCount>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT max(\"institution\"), \"institution_code\", count(*), max(\"day\") FROM \"medications\" \
             WHERE \"profile_id\" = ?1 AND \"deleted_at_ms\" IS NULL AND \"kind\" = 'dispensing' \
             AND \"institution_code\" IS NOT NULL GROUP BY \"institution_code\" ORDER BY max(\"day\") DESC",
        )?;
        let rows = stmt.query_map([profile_id.to_string()], |r| {
            Ok(InstitutionCount {
                name: r.get::<_, Option<String>>(0)?.unwrap_or_default(),
                code: r.get(1)?,
                dispensings: r.get(2)?,
                latest: r.get::<_, Option<i64>>(3)?.and_then(day_from_number),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Hides a wrongly imported entry everywhere (a tombstone; the import's raw bytes stay).
    pub fn delete_medication(&self, id: Uuid) -> Result<()> {
        let now = self.clock.now();
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let row: Option<(String, Option<i64>)> = tx
            .query_row(
                "SELECT \"profile_id\", \"deleted_at_ms\" FROM \"medications\" WHERE \"id\" = ?1",
                [id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (profile_id, deleted) = row.ok_or(Error::NotFound { entity: "medication entry" })?;
        if deleted.is_some() {
            return Err(Error::Deleted);
        }
        tx.execute(
            "UPDATE \"medications\" SET \"deleted_at_ms\" = ?2 WHERE \"id\" = ?1",
            params![id.to_string(), now.timestamp_millis()],
        )?;
        let patient = patient_code(&tx, parse_uuid(&profile_id)?)?;
        let tombstone = Tombstone {
            id: id.to_string(),
            patient: patient.to_string(),
            deleted_at: rfc3339_utc(now),
            extra: Default::default(),
        };
        enqueue(
            &tx,
            NewEntry::new(&patient, Entity::Medication, id.to_string(), Op::Delete),
            &tombstone,
            now.timestamp_millis(),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The whole notebook of `profile_id` as one JAHIS TC file for another e-お薬手帳 app or a
    /// pharmacy (direction 2, e薬Link hand-over): patient details and notes, OTC medicines, memos,
    /// every dispensing newest first, family pharmacists. Authors are kept as the pharmacy wrote them.
    pub fn export_medications(&self, profile_id: Uuid) -> Result<Written> {
        let mut all = Vec::new();
        let mut q = MedicationQuery { limit: 500, ..Default::default() };
        loop {
            let page = self.list_medications(profile_id, &q)?;
            all.extend(page.items);
            match page.next_cursor {
                Some(c) => q.cursor = Some(c),
                None => break,
            }
        }
        let mut doc = Document::new(Direction::PatientToPharmacy);
        for m in all {
            let d = m.entry.document;
            if doc.patient.is_none() {
                doc.patient = d.patient;
            }
            doc.patient_notes.extend(d.patient_notes);
            doc.otc.extend(d.otc);
            doc.memos.extend(d.memos);
            doc.dispensings.extend(d.dispensings);
            doc.pharmacists.extend(d.pharmacists);
        }
        Ok(techo_jahis::write(&doc, Direction::PatientToPharmacy))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Relationship;
    use crate::store::test_support::open_test_store;

    /// domain.md §2.8 V1, with a second, older dispensing from another pharmacy and an OTC pair.
    fn notebook() -> Vec<u8> {
        let text = "JAHISTC08,1\r\n\
1,広島 花子,2,19450720,730-0011,広島県広島市中区基町１－１,082-000-0000,090-0000-0000,O+,48.5,ヒロシマ ハナコ\r\n\
2,1,ペニシリン系で発疹,1\r\n\
3,ﾊﾟﾌﾞﾛﾝ,20261101,,2,1,4987000000000\r\n\
31,1,アセトアミノフェン,1,,2\r\n\
5,20261120,1\r\n\
11,テスト薬局 本通店,34,4,0123456,730-0035,広島県広島市中区本通１－１,082-111-1111,1\r\n\
15,薬剤 一郎,082-111-1111,1\r\n\
51,テスト内科クリニック,34,1,7654321,1\r\n\
55,医師 二郎,内科,1\r\n\
201,1,アムロジピン錠５ｍｇ「テスト」,1,錠,2,999000001,1\r\n\
201,1,ﾒﾄﾎﾙﾐﾝ塩酸塩錠250mg,2,錠,2,999000002,1\r\n\
281,1,朝１錠、夕１錠,1\r\n\
301,1,【１日２回 朝夕食後】,28,日分,1,1,,1\r\n\
201,2,ロキソプロフェンＮａ錠６０ｍｇ,1,錠,2,999000003,1\r\n\
301,2,【疼痛時】,10,回分,3,1,,1\r\n\
391,2,１日３回まで,1\r\n\
401,めまいが出たら相談してください。,1\r\n\
5,20260901,1\r\n\
11,駅前薬局,34,4,0999999,,,,1\r\n\
201,1,カロナール錠２００,3,錠,1,,1\r\n\
301,1,【１日３回 毎食後】,5,日分,1,1,,1\r\n";
        techo_jahis::encode_cp932(text).0
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn an_import_stores_every_entry_once_with_its_raw_bytes() {
        let t = open_test_store();
        let p = t.store.add_profile("34001234", "広島 花子", Relationship::Myself).unwrap();
        let first = t.store.import_medications(p.id, &notebook(), ImportSource::Qr).unwrap();
        // Patient details, one note, one OTC medicine, two dispensings.
        assert_eq!((first.added.len(), first.already_present, first.skipped_blocks), (5, 0, 0));
        assert_eq!(t.store.outbox_len().unwrap(), 5);
        let again = t.store.import_medications(p.id, &notebook(), ImportSource::Qr).unwrap();
        assert_eq!((again.added.len(), again.already_present), (0, 5), "a second scan adds nothing");
        assert_eq!(t.store.outbox_len().unwrap(), 5);
        let raw: Vec<u8> = t
            .store
            .reader()
            .query_row(
                "SELECT \"raw\" FROM \"medication_imports\" WHERE \"id\" = ?1",
                [first.import_id.to_string()],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(raw, notebook());
        let linked: i64 =
            t.store.reader().query_row("SELECT count(*) FROM \"medication_import_entries\"", [], |r| r.get(0)).unwrap();
        assert_eq!(linked, 10, "both imports name the entries they held");
    }

    #[test]
    fn history_by_date_and_by_pharmacy() {
        let t = open_test_store();
        let p = t.store.add_profile("34001234", "広島 花子", Relationship::Myself).unwrap();
        t.store.import_medications(p.id, &notebook(), ImportSource::File).unwrap();
        let q = MedicationQuery { kind: Some(EntryKind::Dispensing), ..Default::default() };
        let all = t.store.list_medications(p.id, &q).unwrap();
        let days: Vec<_> = all.items.iter().map(|m| m.day).collect();
        assert_eq!(days, [Some(day(2026, 11, 20)), Some(day(2026, 9, 1))]);
        assert_eq!(all.items[0].arrived_by, ArrivedBy::File);
        let first_page = t.store.list_medications(p.id, &MedicationQuery { limit: 2, ..Default::default() }).unwrap();
        let rest = t
            .store
            .list_medications(p.id, &MedicationQuery { cursor: first_page.next_cursor.clone(), ..Default::default() })
            .unwrap();
        assert_eq!(first_page.items.len() + rest.items.len(), 5);
        assert!(rest.next_cursor.is_none());
        let pharmacies = t.store.medication_institutions(p.id).unwrap();
        assert_eq!(pharmacies.iter().map(|i| i.code.as_str()).collect::<Vec<_>>(), ["0123456", "0999999"]);
        let one = MedicationQuery { institution_code: Some("0999999".into()), ..Default::default() };
        assert_eq!(t.store.list_medications(p.id, &one).unwrap().items.len(), 1);
    }

    #[test]
    fn currently_taking_follows_the_days_supplied() {
        let t = open_test_store();
        let p = t.store.add_profile("34001234", "広島 花子", Relationship::Myself).unwrap();
        t.store.import_medications(p.id, &notebook(), ImportSource::Qr).unwrap();
        let kinds =
            |d| t.store.current_medications(p.id, d).unwrap().iter().map(|m| (m.entry.kind, m.day)).collect::<Vec<_>>();
        // 28 日分 from 11-20: taken through 12-17. The OTC medicine from 11-01 has no end.
        assert_eq!(
            kinds(day(2026, 12, 17)),
            [(EntryKind::Dispensing, Some(day(2026, 11, 20))), (EntryKind::Otc, Some(day(2026, 11, 1)))]
        );
        assert_eq!(kinds(day(2026, 12, 18)), [(EntryKind::Otc, Some(day(2026, 11, 1)))]);
        assert_eq!(kinds(day(2026, 9, 5)).len(), 1, "5 日分 from 09-01; the OTC medicine had not started");
    }

    #[test]
    fn search_ignores_width_and_script() {
        let t = open_test_store();
        let p = t.store.add_profile("34001234", "広島 花子", Relationship::Myself).unwrap();
        t.store.import_medications(p.id, &notebook(), ImportSource::Qr).unwrap();
        let hits = |q: &str| t.store.search_medications(p.id, q, 50).unwrap().len();
        assert_eq!(hits("めとほるみん"), 1, "hiragana finds half-width katakana");
        assert_eq!(hits("ﾛｷｿﾌﾟﾛﾌｪﾝ"), 1);
        assert_eq!(hits("あせとあみのふぇん"), 1, "an OTC ingredient");
        assert_eq!(hits("ぱぶろん"), 1);
        assert_eq!(hits("本通"), 1, "the pharmacy");
        assert_eq!(hits("ｱﾑﾛｼﾞﾋﾟﾝ 錠5mg"), 1, "spaces are ignored");
        assert_eq!(hits("「テスト」メトホルミン"), 0, "no match across two names");
        assert_eq!(hits("   "), 0);
    }

    #[test]
    fn a_hidden_entry_leaves_every_list_and_syncs_as_a_tombstone() {
        let t = open_test_store();
        let p = t.store.add_profile("34001234", "広島 花子", Relationship::Myself).unwrap();
        let import = t.store.import_medications(p.id, &notebook(), ImportSource::Qr).unwrap();
        let list = t.store.list_medications(p.id, &MedicationQuery::default()).unwrap();
        let newest = list.items[0].entry.id;
        let prefix = &newest.to_string()[..8];
        assert_eq!(t.store.resolve_medication_id(p.id, prefix).unwrap(), newest);
        t.store.delete_medication(newest).unwrap();
        assert!(matches!(t.store.delete_medication(newest), Err(Error::Deleted)));
        assert_eq!(t.store.list_medications(p.id, &MedicationQuery::default()).unwrap().items.len(), 4);
        assert!(t.store.get_medication(newest).unwrap().deleted_at.is_some(), "still in history");
        let entries = t.store.outbox_entries(10).unwrap();
        assert_eq!(entries.len(), import.added.len() + 1);
        assert_eq!(entries.last().map(|e| e.op), Some(Op::Delete));
    }

    #[test]
    fn export_reads_back_as_the_same_notebook() {
        let t = open_test_store();
        let p = t.store.add_profile("34001234", "広島 花子", Relationship::Myself).unwrap();
        t.store.import_medications(p.id, &notebook(), ImportSource::Qr).unwrap();
        let written = t.store.export_medications(p.id).unwrap();
        assert!(written.bytes.starts_with(b"JAHISTC08,2\r\n"));
        assert!(
            written.issues.iter().all(|i| i.level == techo_jahis::Level::Warning),
            "direction 2 accepts what a pharmacy wrote: {:?}",
            written.issues
        );
        // Another phone imports the export: the same entries, so nothing new.
        let t2 = open_test_store();
        let p2 = t2.store.add_profile("34001234", "広島 花子", Relationship::Myself).unwrap();
        let back = t2.store.import_medications(p2.id, &written.bytes, ImportSource::File).unwrap();
        let mut a: Vec<_> = t
            .store
            .list_medications(p.id, &MedicationQuery::default())
            .unwrap()
            .items
            .iter()
            .map(|m| m.entry.id)
            .collect();
        let mut b = back.added.clone();
        a.sort();
        b.sort();
        assert_eq!(a, b);
    }

    #[test]
    fn input_that_is_not_a_notebook_is_refused_whole() {
        let t = open_test_store();
        let p = t.store.add_profile("34001234", "広島 花子", Relationship::Myself).unwrap();
        assert!(matches!(
            t.store.import_medications(p.id, b"JAHIS10\r\n1,1,1234567\r\n", ImportSource::Qr),
            Err(Error::Medication(techo_jahis::JahisError::PrescriptionSymbol))
        ));
        assert!(matches!(t.store.import_medications(p.id, b"hello", ImportSource::File), Err(Error::Medication(_))));
        let n: i64 =
            t.store.reader().query_row("SELECT count(*) FROM \"medication_imports\"", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 0, "nothing kept of a refused import");
    }
}
