//! The conformance suite every record family runs: acknowledgement, write gating, the two kinds
//! of full refetch (tombstones after an expired cursor, re-sending after a restore, unknown fields
//! kept), starting over, a build that does not know the family parking its records until an
//! upgrade applies them, and what it holds read back in wire form. A family gets all of it by
//! adding a [`Fixture`] and one line to `conformance!` at the bottom.

use super::families::{CheckupFamily, EmergencySheetFamily, Families, MedicationFamily, VitalFamily, test_note};
use super::test_support::test_clock;
use super::{OpenOptions, Store};
use crate::domain::{HmCode, Milli, NewVital, Profile, Relationship, VitalValue};
use crate::error::Error;
use crate::keys::MemoryKeyStore;
use serde_json::{Map, Value, json};
use std::path::Path;
use std::sync::Arc;
use techo_protocol::Entity;
use techo_protocol::sync::{Change, MutationResult, MutationStatus, PullResponse, Reset, ResetReason};

/// How the suite makes and inspects records of one family.
trait Fixture {
    fn entity(&self) -> Entity;
    /// The registry of a build that has the family.
    fn families(&self) -> Families;
    /// Tables the family needs that no migration makes (test-only families).
    fn prepare(&self, _store: &Store) {}
    /// Records one on this device; returns its id.
    fn write_local(&self, store: &Store, profile: &Profile) -> String;
    /// A record as another device of the same patient wrote it, with `extra` fields this build
    /// does not know: (id, payload).
    fn remote(&self, patient: &HmCode, extra: Map<String, Value>) -> (String, Value);
    /// Whether the record is on this device, and if so whether it is deleted.
    fn local(&self, store: &Store, id: &str) -> Option<bool>;
    /// Another device's copy of record `id`, based on `theirs`. Families whose id is derived
    /// from the content give the content that id stands for.
    fn same_record(&self, _store: &Store, id: &str, theirs: &Value) -> Value {
        let mut same = theirs.clone();
        same["id"] = id.into();
        same
    }
}

struct Vitals;

impl Fixture for Vitals {
    fn entity(&self) -> Entity {
        Entity::Vital
    }
    fn families(&self) -> Families {
        Families::none().with(Arc::new(VitalFamily))
    }
    fn write_local(&self, store: &Store, profile: &Profile) -> String {
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-20T07:00:00+09:00").unwrap();
        let v = NewVital::new(VitalValue::Weight { kg: Milli::from_units(61) }, at);
        store.record_vital(profile.id, v).unwrap().vital.id.to_string()
    }
    fn remote(&self, patient: &HmCode, extra: Map<String, Value>) -> (String, Value) {
        let id = uuid::Uuid::now_v7().to_string();
        let mut payload = json!({
            "id": id, "patient": patient.as_str(), "measured_at": "2026-11-21T07:10:00+09:00",
            "value": { "kind": "blood_pressure", "systolic": 128, "diastolic": 82, "context": "morning" },
            "source": "device", "recorded_at": "2026-11-20T22:10:05.123+00:00", "origin_device": "other-phone"
        });
        payload.as_object_mut().unwrap().extend(extra);
        (id, payload)
    }
    fn local(&self, store: &Store, id: &str) -> Option<bool> {
        store.get_vital(uuid::Uuid::parse_str(id).unwrap()).ok().map(|v| v.deleted_at.is_some())
    }
}

struct Medications;

impl Medications {
    /// A different one-dispensing document each time (entries are identified by content).
    fn document() -> String {
        let n = uuid::Uuid::now_v7().simple().to_string();
        format!(
            "JAHISTC08,1\r\n5,20261120,1\r\n11,テスト薬局,34,4,0123456,,,,1\r\n\
             201,1,アムロジピン錠５ｍｇ,1,錠,1,,1\r\n301,1,【１日１回 朝食後】,28,日分,1,1,,1\r\n501,{n},1\r\n"
        )
    }
}

impl Fixture for Medications {
    fn entity(&self) -> Entity {
        Entity::Medication
    }
    fn families(&self) -> Families {
        Families::none().with(Arc::new(MedicationFamily))
    }
    fn write_local(&self, store: &Store, profile: &Profile) -> String {
        let bytes = techo_jahis::encode_cp932(&Self::document()).0;
        let import = store.import_medications(profile.id, &bytes, super::ImportSource::Qr).unwrap();
        assert_eq!(import.added.len(), 1, "{:?}", import.issues);
        import.added[0].to_string()
    }
    fn remote(&self, patient: &HmCode, extra: Map<String, Value>) -> (String, Value) {
        let parsed = techo_jahis::parse_str(&Self::document()).unwrap();
        let entry = techo_domain::medication::split(&parsed, patient).entries.remove(0);
        let mut payload = serde_json::to_value(entry.to_wire()).unwrap();
        payload.as_object_mut().unwrap().extend(extra);
        (entry.id.to_string(), payload)
    }
    fn local(&self, store: &Store, id: &str) -> Option<bool> {
        store.get_medication(uuid::Uuid::parse_str(id).unwrap()).ok().map(|m| m.deleted_at.is_some())
    }
    fn same_record(&self, store: &Store, id: &str, _theirs: &Value) -> Value {
        let local = store.get_medication(uuid::Uuid::parse_str(id).unwrap()).unwrap();
        serde_json::to_value(local.entry.to_wire()).unwrap()
    }
}

struct Notes;

impl Fixture for Notes {
    fn entity(&self) -> Entity {
        test_note::entity()
    }
    fn families(&self) -> Families {
        Families::builtin().with(Arc::new(test_note::NoteFamily))
    }
    fn prepare(&self, store: &Store) {
        store.create_note_table();
    }
    fn write_local(&self, store: &Store, profile: &Profile) -> String {
        store.add_note(profile, "かかりつけ", "田中内科")
    }
    fn remote(&self, patient: &HmCode, extra: Map<String, Value>) -> (String, Value) {
        let id = uuid::Uuid::now_v7().to_string();
        let mut payload = json!({ "id": id, "patient": patient.as_str(), "title": "薬局", "body": "駅前薬局" });
        payload.as_object_mut().unwrap().extend(extra);
        (id, payload)
    }
    fn local(&self, store: &Store, id: &str) -> Option<bool> {
        store.note(id).map(|n| n.2)
    }
}

struct Sheets;

impl Fixture for Sheets {
    fn entity(&self) -> Entity {
        Entity::EmergencySheet
    }
    fn families(&self) -> Families {
        Families::none().with(Arc::new(EmergencySheetFamily))
    }
    fn write_local(&self, store: &Store, profile: &Profile) -> String {
        let edits = [("identity.name".to_owned(), "山田 花子".to_owned()), ("medical.blood_type".into(), "A".into())];
        store.save_emergency_fields(profile, &edits).unwrap();
        techo_domain::emergency_sheet::sheet_id(&profile.hm_code).to_string()
    }
    /// (Another id than the person's own sheet, so the suite can hold several; the family keeps
    /// such records like any other.)
    fn remote(&self, patient: &HmCode, extra: Map<String, Value>) -> (String, Value) {
        let id = uuid::Uuid::now_v7().to_string();
        let mut payload = json!({
            "id": id, "patient": patient.as_str(), "fields": { "care.doctor": "田中" }, "pages": [],
            "saved_at": "2026-11-20T07:00:00.000+00:00", "saved_by": { "device": "other-phone" }
        });
        payload.as_object_mut().unwrap().extend(extra);
        (id, payload)
    }
    fn local(&self, store: &Store, id: &str) -> Option<bool> {
        store
            .reader()
            .query_row("SELECT \"deleted_at_ms\" IS NOT NULL FROM \"emergency_sheets\" WHERE \"id\" = ?1", [id], |r| {
                r.get(0)
            })
            .ok()
    }
}

struct Checkups;

impl Fixture for Checkups {
    fn entity(&self) -> Entity {
        Entity::Checkup
    }
    fn families(&self) -> Families {
        Families::none().with(Arc::new(CheckupFamily))
    }
    fn write_local(&self, store: &Store, profile: &Profile) -> String {
        let new = super::NewCheckup {
            date: "2026-06-12".into(),
            institution: "駅前クリニック".into(),
            kind: techo_protocol::records::checkup::CheckupKind::Tokutei,
            note: String::new(),
            photos: Vec::new(),
            items: vec![("9A751000000000001".into(), "128".into())],
        };
        store.add_checkup(profile, &new, &crate::photo::PhotoSettings::default()).unwrap().id
    }
    fn remote(&self, patient: &HmCode, extra: Map<String, Value>) -> (String, Value) {
        let id = uuid::Uuid::now_v7().to_string();
        let mut payload = json!({
            "id": id, "patient": patient.as_str(), "date": "2025-06-10", "institution": "", "kind": "teiki",
            "pages": [], "items": [{ "code": "3D046000001906202", "value": "5.8" }]
        });
        payload.as_object_mut().unwrap().extend(extra);
        (id, payload)
    }
    fn local(&self, store: &Store, id: &str) -> Option<bool> {
        store
            .reader()
            .query_row("SELECT \"deleted_at_ms\" IS NOT NULL FROM \"checkups\" WHERE \"id\" = ?1", [id], |r| r.get(0))
            .ok()
    }
}

struct Device {
    store: Store,
    profile: Profile,
    keys: MemoryKeyStore,
    dir: tempfile::TempDir,
}

fn open(path: &Path, keys: &MemoryKeyStore, families: Families) -> Store {
    Store::open_with(path, keys, OpenOptions { clock: test_clock(), families }).unwrap()
}

fn device(f: &dyn Fixture, families: Families) -> Device {
    let dir = tempfile::tempdir().unwrap();
    let keys = MemoryKeyStore::new();
    let store = open(&dir.path().join("techo.db"), &keys, families);
    f.prepare(&store);
    let profile = store.add_profile("34001234", "山田 花子", Relationship::Myself).unwrap();
    Device { store, profile, keys, dir }
}

fn change(f: &dyn Fixture, id: &str, version: u64, payload: Value) -> Change {
    Change { entity: f.entity(), id: id.into(), version, deleted: false, payload }
}

fn page(changes: Vec<Change>, through: u64, has_more: bool) -> PullResponse {
    PullResponse { changes, next_cursor: format!("c1.e.{through}"), has_more, reset: None, reset_reason: None }
}

fn reset(reason: ResetReason) -> PullResponse {
    PullResponse {
        changes: vec![],
        next_cursor: "c1.e.0".into(),
        has_more: true,
        reset: Some(Reset::MustRefetch),
        reset_reason: Some(reason),
    }
}

/// The server accepts everything queued, numbering from `first`.
fn acknowledge_all(d: &Device, first: u64) {
    let sent = d.store.outbox_entries(100).unwrap();
    let results: Vec<_> = sent
        .iter()
        .enumerate()
        .map(|(i, e)| MutationResult {
            mutation_id: e.mutation_id.to_string(),
            status: MutationStatus::Applied,
            commit_seq: Some(first + i as u64),
            error: None,
            server_record: None,
        })
        .collect();
    let applied = d.store.apply_push_results(&sent, &results).unwrap();
    assert_eq!(applied.acknowledged, sent.len() as u64);
}

fn acknowledged(d: &Device, f: &dyn Fixture, id: &str) -> Option<i64> {
    d.store
        .reader()
        .query_row(
            "SELECT \"server_version\" FROM \"record_versions\" WHERE \"entity\" = ?1 AND \"entity_id\" = ?2",
            [f.entity().as_str(), id],
            |r| r.get(0),
        )
        .ok()
}

fn acknowledgement_and_write_gating(f: &dyn Fixture) {
    let d = device(f, f.families());
    let id = f.write_local(&d.store, &d.profile);
    let queued = d.store.outbox_entries(10).unwrap();
    assert_eq!((queued.len(), &queued[0].entity, queued[0].entity_id.as_str()), (1, &f.entity(), id.as_str()));
    // While ours is queued, the server's copy of the record must not land on it.
    let (_, theirs) = f.remote(&d.profile.hm_code, Map::new());
    let same_id = f.same_record(&d.store, &id, &theirs);
    let gated = d.store.apply_pull_page(d.profile.id, &page(vec![change(f, &id, 2, same_id.clone())], 2, false));
    assert_eq!(gated.unwrap().gated, 1);

    acknowledge_all(&d, 5);
    assert_eq!(d.store.outbox_len().unwrap(), 0);
    assert_eq!(acknowledged(&d, f, &id), Some(5));
    // Older than our acknowledged write: stale. Our own write coming back: passes.
    let stale = d.store.apply_pull_page(d.profile.id, &page(vec![change(f, &id, 4, same_id.clone())], 4, false));
    assert_eq!(stale.unwrap().gated, 1);
    let back = d.store.apply_pull_page(d.profile.id, &page(vec![change(f, &id, 5, same_id)], 5, false)).unwrap();
    assert_eq!((back.applied, back.gated), (1, 0));
    assert_eq!(f.local(&d.store, &id), Some(false));
}

fn expired_refetch_deletes_what_the_server_no_longer_lists(f: &dyn Fixture) {
    let d = device(f, f.families());
    let (gone, payload) = f.remote(&d.profile.hm_code, Map::new());
    let (kept, kept_payload) = f.remote(&d.profile.hm_code, Map::new());
    let first = vec![change(f, &gone, 1, payload), change(f, &kept, 2, kept_payload.clone())];
    assert_eq!(d.store.apply_pull_page(d.profile.id, &page(first, 2, false)).unwrap().applied, 2);
    let unsent = f.write_local(&d.store, &d.profile);

    assert!(d.store.apply_pull_page(d.profile.id, &reset(ResetReason::Expired)).unwrap().refetch_started);
    let done = d.store.apply_pull_page(d.profile.id, &page(vec![change(f, &kept, 2, kept_payload)], 2, false)).unwrap();
    assert_eq!(done.deleted_elsewhere, 1);
    assert_eq!(f.local(&d.store, &gone), Some(true), "deleted elsewhere, tombstone collected");
    assert_eq!(f.local(&d.store, &kept), Some(false));
    assert_eq!(f.local(&d.store, &unsent), Some(false), "ours, still queued: never deleted");
    assert_eq!(d.store.outbox_len().unwrap(), 1);
}

fn restored_refetch_resends_what_the_server_lost_with_unknown_fields(f: &dyn Fixture) {
    let d = device(f, f.families());
    let mut future = Map::new();
    future.insert("added_by_a_newer_app".into(), json!({ "kept": true }));
    let (pulled, payload) = f.remote(&d.profile.hm_code, future);
    assert_eq!(
        d.store.apply_pull_page(d.profile.id, &page(vec![change(f, &pulled, 1, payload)], 1, false)).unwrap().applied,
        1
    );
    let ours = f.write_local(&d.store, &d.profile);
    acknowledge_all(&d, 2);

    assert!(d.store.apply_pull_page(d.profile.id, &reset(ResetReason::Restored)).unwrap().refetch_started);
    let done = d.store.apply_pull_page(d.profile.id, &page(vec![], 0, false)).unwrap();
    assert_eq!(done.requeued, 2);
    let queued = d.store.outbox_entries(10).unwrap();
    let ids: Vec<_> = queued.iter().map(|e| e.entity_id.as_str()).collect();
    assert!(ids.contains(&pulled.as_str()) && ids.contains(&ours.as_str()), "{ids:?}");
    let resent = queued.iter().find(|e| e.entity_id == pulled).unwrap();
    let json: Value = serde_json::from_str(&resent.payload).unwrap();
    assert_eq!(json["added_by_a_newer_app"], json!({ "kept": true }), "unknown fields survive the round trip");
}

fn starting_over_carries_the_records_and_their_unsent_changes(f: &dyn Fixture) {
    let d = device(f, f.families());
    let (pulled, payload) = f.remote(&d.profile.hm_code, Map::new());
    d.store.apply_pull_page(d.profile.id, &page(vec![change(f, &pulled, 1, payload)], 1, false)).unwrap();
    let ours = f.write_local(&d.store, &d.profile);
    let path = d.store.path().to_path_buf();
    drop(d.store);

    let options = OpenOptions { clock: test_clock(), families: f.families() };
    let report = Store::start_over(&path, &d.keys, options).unwrap();
    assert_eq!((report.salvaged_changes, report.salvaged_readings), (1, 2));
    let fresh = open(&path, &d.keys, f.families());
    assert_eq!(f.local(&fresh, &pulled), Some(false));
    assert_eq!(f.local(&fresh, &ours), Some(false));
    assert_eq!(fresh.outbox_entries(10).unwrap()[0].entity_id, ours);
    drop(d.dir);
}

fn an_older_build_parks_the_family_and_applies_it_after_the_upgrade(f: &dyn Fixture) {
    let older = Families::none();
    let d = device(f, older);
    let (id, payload) = f.remote(&d.profile.hm_code, Map::new());
    let (gone, gone_payload) = f.remote(&d.profile.hm_code, Map::new());
    let mut tombstoned = change(f, &gone, 3, gone_payload);
    tombstoned.deleted = true;
    let applied = d.store.apply_pull_page(d.profile.id, &page(vec![change(f, &id, 2, payload), tombstoned], 3, false));
    assert_eq!(applied.unwrap().parked, 2);
    assert_eq!(d.store.sync_cursor(d.profile.id).unwrap().as_deref(), Some("c1.e.3"), "the sync goes on");
    assert_eq!(d.store.parked_count().unwrap(), 2);
    let path = d.store.path().to_path_buf();
    drop(d.store);

    // The app is updated in place: the same file, a build that knows the family.
    let upgraded = open(&path, &d.keys, f.families());
    assert_eq!(upgraded.parked_count().unwrap(), 0);
    assert_eq!(f.local(&upgraded, &id), Some(false));
    assert_eq!(f.local(&upgraded, &gone), Some(true));
    let versions: i64 = upgraded
        .reader()
        .query_row("SELECT count(*) FROM \"record_versions\" WHERE \"entity\" = ?1", [f.entity().as_str()], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(versions, 2, "acknowledged as if pulled just now");
    drop(d.dir);
}

/// What the device holds is what travels: a pulled record (unknown fields and all) and one
/// written here read back in wire form exactly as they were sent or queued.
fn held_records_are_the_wire_form(f: &dyn Fixture) {
    let d = device(f, f.families());
    let mut extra = Map::new();
    extra.insert("added_by_a_newer_app".into(), json!({"kept": [1, 2]}));
    let (theirs, payload) = f.remote(&d.profile.hm_code, extra);
    d.store.apply_pull_page(d.profile.id, &page(vec![change(f, &theirs, 1, payload.clone())], 1, false)).unwrap();
    let ours = f.write_local(&d.store, &d.profile);
    let queued: Value = serde_json::from_str(&d.store.outbox_entries(10).unwrap()[0].payload).unwrap();
    let held = d.store.held_records(&d.profile).unwrap();
    let find = |id: &str| held.iter().find(|r| r.entity == f.entity() && r.id == id).expect("held");
    assert_eq!(find(&theirs).payload, payload);
    assert_eq!(find(&ours).payload, queued);
    assert!(!find(&ours).deleted);
    drop(d.dir);
}

fn removing_the_person_keeps_unsent_changes_until_confirmed_then_forgets_everything(f: &dyn Fixture) {
    let d = device(f, f.families());
    let other = d.store.add_profile("34005678", "山田 トメ", Relationship::Family).unwrap();
    let theirs_other = f.write_local(&d.store, &other);
    let (theirs, payload) = f.remote(&d.profile.hm_code, Map::new());
    d.store.apply_pull_page(d.profile.id, &page(vec![change(f, &theirs, 1, payload)], 1, false)).unwrap();
    f.write_local(&d.store, &d.profile);
    assert!(matches!(d.store.remove_profile(d.profile.id, false), Err(Error::UnsentChanges { count: 1 })));
    assert!(f.local(&d.store, &theirs).is_some(), "a refused removal changes nothing");
    let removed = d.store.remove_profile(d.profile.id, true).unwrap();
    assert!(removed >= 2, "{removed}");
    assert_eq!(f.local(&d.store, &theirs), None);
    assert_eq!(d.store.active_profile().unwrap().id, other.id, "the first one left becomes active");
    // The other person's records and unsent change are untouched.
    assert!(f.local(&d.store, &theirs_other).is_some());
    assert_eq!(d.store.outbox_entries(10).unwrap().len(), 1);
    drop(d.dir);
}

macro_rules! conformance {
    ($($family:ident => $fixture:expr),+ $(,)?) => {
        $(mod $family {
            use super::*;
            #[test]
            fn acknowledgement_and_write_gating() { super::acknowledgement_and_write_gating(&$fixture) }
            #[test]
            fn held_records_are_the_wire_form() { super::held_records_are_the_wire_form(&$fixture) }
            #[test]
            fn removing_the_person_keeps_unsent_changes_until_confirmed_then_forgets_everything() {
                super::removing_the_person_keeps_unsent_changes_until_confirmed_then_forgets_everything(&$fixture)
            }
            #[test]
            fn expired_refetch_deletes_what_the_server_no_longer_lists() {
                super::expired_refetch_deletes_what_the_server_no_longer_lists(&$fixture)
            }
            #[test]
            fn restored_refetch_resends_what_the_server_lost_with_unknown_fields() {
                super::restored_refetch_resends_what_the_server_lost_with_unknown_fields(&$fixture)
            }
            #[test]
            fn starting_over_carries_the_records_and_their_unsent_changes() {
                super::starting_over_carries_the_records_and_their_unsent_changes(&$fixture)
            }
            #[test]
            fn an_older_build_parks_the_family_and_applies_it_after_the_upgrade() {
                super::an_older_build_parks_the_family_and_applies_it_after_the_upgrade(&$fixture)
            }
        })+

        /// Every family the app ships is in the suite.
        #[test]
        fn every_builtin_family_runs_the_suite() {
            let covered: Vec<Entity> = vec![$($fixture.entity()),+];
            for family in Families::builtin().iter() {
                assert!(covered.contains(&family.entity()), "{} has no conformance fixture", family.entity());
            }
        }
    };
}

conformance!(vitals => Vitals, medications => Medications, notes => Notes, sheets => Sheets, checkups => Checkups);

/// Two devices edit the same note offline; the second to push is told it is stale and merges:
/// the field only it changed is kept, the field both changed keeps both values for the person.
#[test]
fn a_stale_update_is_merged_field_by_field_and_sent_again() {
    let d = device(&Notes, Notes.families());
    let id = d.store.add_note(&d.profile, "かかりつけ", "田中内科");
    acknowledge_all(&d, 1);
    d.store.edit_note(&id, "かかりつけ医", "田中内科クリニック");
    let sent = d.store.outbox_entries(10).unwrap();
    assert_eq!((sent[0].op, sent[0].base_version), (techo_protocol::Op::Update, Some(1)));

    let theirs = json!({ "id": id, "patient": "34001234", "title": "かかりつけ", "body": "田中医院" });
    let conflict = MutationResult {
        mutation_id: sent[0].mutation_id.to_string(),
        status: MutationStatus::Conflict,
        commit_seq: None,
        error: None,
        server_record: Some(change(&Notes, &id, 4, theirs)),
    };
    let applied = d.store.apply_push_results(&sent, &[conflict]).unwrap();
    assert_eq!((applied.merged, applied.rejected), (1, 0));
    let (title, body, _, conflicts) = d.store.note(&id).unwrap();
    assert_eq!(title, "かかりつけ医", "only we changed the title");
    assert_eq!(body, "田中医院", "both changed the body: the server's shows");
    assert_eq!(conflicts.len(), 1);
    assert_eq!((conflicts[0].ours.as_str(), conflicts[0].theirs.as_str()), ("田中内科クリニック", "田中医院"));
    let again = d.store.outbox_entries(10).unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!((again[0].op, again[0].base_version), (techo_protocol::Op::Update, Some(4)));
    assert_ne!(again[0].mutation_id, sent[0].mutation_id, "a merge is a new mutation");
}

/// A change that waits for another is not sent until that one is acknowledged; if that one is
/// refused, the waiting one is set aside with it, and a retry brings both back.
#[test]
fn dependent_entries_wait_for_their_dependency_and_share_its_refusal() {
    let d = device(&Vitals, Vitals.families());
    let first = Vitals.write_local(&d.store, &d.profile);
    let second = Vitals.write_local(&d.store, &d.profile);
    {
        let conn = d.store.writer();
        conn.execute(
            "INSERT INTO \"outbox_waits\" SELECT (SELECT \"seq\" FROM \"outbox\" WHERE \"entity_id\" = ?2), \
             (SELECT \"seq\" FROM \"outbox\" WHERE \"entity_id\" = ?1)",
            [&first, &second],
        )
        .unwrap();
    }
    let patients = vec!["34001234".to_owned()];
    let batch = d.store.outbox_batch(&patients, 10).unwrap();
    assert_eq!(batch.iter().map(|e| e.entity_id.clone()).collect::<Vec<_>>(), vec![first.clone()]);

    let refused = MutationResult {
        mutation_id: batch[0].mutation_id.to_string(),
        status: MutationStatus::Rejected,
        commit_seq: None,
        error: Some(techo_protocol::error::ErrorCode::InvalidPayload),
        server_record: None,
    };
    d.store.apply_push_results(&batch, &[refused]).unwrap();
    let wedged = d.store.wedged_entries().unwrap();
    let reasons: Vec<_> = wedged.iter().map(|e| e.wedge_reason.clone().unwrap()).collect();
    assert_eq!(reasons, vec!["invalid_payload", "dependency_refused"]);
    assert!(d.store.outbox_batch(&patients, 10).unwrap().is_empty());

    d.store.retry_wedged(wedged[0].mutation_id).unwrap();
    assert_eq!(d.store.outbox_counts().unwrap().wedged, 0);
    assert_eq!(d.store.outbox_batch(&patients, 10).unwrap().len(), 1, "the dependant still waits");
    acknowledge_all(&d, 1);
    assert_eq!(d.store.outbox_len().unwrap(), 0);
}
