use super::*;
use crate::domain::Relationship;
use crate::store::test_support::{grainy_jpeg, kinds, open_test_store, their_pages};
use crate::store::{UPLOAD_ENTITY, outbox::OutboxEntry as Entry};
use techo_protocol::sync::{MutationResult, MutationStatus};

const SYSTOLIC: &str = "9A751000000000001";
const HBA1C: &str = "3D046000001906202";
const WAIST: &str = "9N016160100000001";

fn new(date: &str, items: &[(&str, &str)]) -> NewCheckup {
    NewCheckup {
        date: date.into(),
        institution: "駅前クリニック".into(),
        kind: CheckupKind::Tokutei,
        note: String::new(),
        photos: Vec::new(),
        items: items.iter().map(|(c, v)| ((*c).to_owned(), (*v).to_owned())).collect(),
    }
}

fn ok(e: &Entry, seq: u64) -> MutationResult {
    MutationResult {
        mutation_id: e.mutation_id.to_string(),
        status: MutationStatus::Applied,
        commit_seq: Some(seq),
        error: None,
        server_record: None,
    }
}

fn conflict(e: &Entry, version: u64, theirs: serde_json::Value) -> MutationResult {
    MutationResult {
        mutation_id: e.mutation_id.to_string(),
        status: MutationStatus::Conflict,
        commit_seq: None,
        error: None,
        server_record: Some(Change {
            entity: Entity::Checkup,
            id: e.entity_id.clone(),
            version,
            deleted: false,
            payload: theirs,
        }),
    }
}

fn value(v: &CheckupView, code: &str) -> Option<String> {
    v.items.iter().find(|i| i.code == code).map(|i| i.value.clone())
}

#[test]
fn photo_pages_queue_their_uploads_before_the_checkup_and_edits_follow_it() {
    let t = open_test_store();
    let p = t.store.add_profile("34001234", "山田 花子", Relationship::Myself).unwrap();
    let mut c = new("2026-06-12", &[(SYSTOLIC, "128")]);
    c.photos = vec![grainy_jpeg(t.dir.path(), "p1.jpg", 400, 600)];
    let view = t.store.add_checkup(&p, &c, &PhotoSettings::default()).unwrap();
    assert_eq!((view.pages.len(), view.items.len(), view.unsent), (1, 1, true));
    t.store.set_checkup_items(&p, &view.id, &[(HBA1C.into(), "5.8".into())]).unwrap();
    let queued = t.store.outbox_entries(10).unwrap();
    let (image, thumb) = (queued[0].seq, queued[1].seq);
    assert_eq!(
        kinds(&t.store, &queued),
        vec![
            (UPLOAD_ENTITY.to_owned(), Op::Create, vec![]),
            (UPLOAD_ENTITY.to_owned(), Op::Create, vec![]),
            ("checkup".to_owned(), Op::Create, vec![image, thumb]),
            ("checkup".to_owned(), Op::Update, vec![image, thumb]),
        ]
    );
    let patients = vec!["34001234".to_owned()];
    assert!(t.store.outbox_batch(&patients, 10).unwrap().is_empty(), "nothing before the photos are up");
    for _ in 0..2 {
        let task = t.store.next_upload(&patients).unwrap().unwrap();
        t.store.complete_upload(&task).unwrap();
    }
    let batch = t.store.outbox_batch(&patients, 10).unwrap();
    assert_eq!((batch.len(), batch[0].op), (1, Op::Create), "the edit waits behind the create");
}

#[test]
fn bad_input_is_a_typed_error_and_stores_nothing() {
    let t = open_test_store();
    let p = t.store.add_profile("34001234", "山田 花子", Relationship::Myself).unwrap();
    let settings = PhotoSettings::default();
    let field_of = |r: Result<CheckupView>| match r {
        Err(Error::Validation { field, .. }) => field,
        other => panic!("expected a validation error, got {other:?}"),
    };
    use crate::domain::Field;
    assert_eq!(field_of(t.store.add_checkup(&p, &new("2026-13-01", &[]), &settings)), Field::CheckupDate);
    assert_eq!(field_of(t.store.add_checkup(&p, &new("2099-01-01", &[]), &settings)), Field::CheckupDate);
    assert_eq!(
        field_of(t.store.add_checkup(&p, &new("2026-06-12", &[(SYSTOLIC, "1280")]), &settings)),
        Field::ItemValue
    );
    assert_eq!(
        field_of(t.store.add_checkup(&p, &new("2026-06-12", &[("NOT-A-CODE", "1")]), &settings)),
        Field::ItemCode
    );
    let mut with_photo = new("2026-06-12", &[(SYSTOLIC, "abc")]);
    with_photo.photos = vec![grainy_jpeg(t.dir.path(), "ok.jpg", 300, 400)];
    assert_eq!(field_of(t.store.add_checkup(&p, &with_photo, &settings)), Field::ItemValue);
    let bad = t.dir.path().join("bad.jpg");
    std::fs::write(&bad, b"\xff\xd8\xff\xe0 not really").unwrap();
    let mut bad_photo = new("2026-06-12", &[]);
    bad_photo.photos = vec![bad];
    assert!(matches!(t.store.add_checkup(&p, &bad_photo, &settings), Err(Error::Photo { .. })));
    // An error names the field, never the value typed.
    let err = t.store.add_checkup(&p, &new("2026-06-12", &[(SYSTOLIC, "1280")]), &settings).unwrap_err();
    assert!(!err.to_string().contains("1280"), "{err}");

    assert!(t.store.checkups(&p).unwrap().is_empty());
    assert_eq!(t.store.outbox_len().unwrap(), 0);
    let blobs: i64 = t.store.reader().query_row("SELECT count(*) FROM \"blobs\"", [], |r| r.get(0)).unwrap();
    assert_eq!(blobs, 0, "the refused checkup's photo was rolled back");

    // A refused edit leaves the checkup as it was.
    let c = t.store.add_checkup(&p, &new("2026-06-12", &[(SYSTOLIC, "128")]), &settings).unwrap();
    assert!(t.store.set_checkup_items(&p, &c.id, &[(SYSTOLIC.into(), "-5".into())]).is_err());
    assert!(matches!(
        t.store.remove_checkup_items(&p, &c.id, &[HBA1C.into()]),
        Err(Error::NotFound { entity: "item" })
    ));
    assert_eq!(value(&t.store.checkup(&p, &c.id).unwrap().unwrap(), SYSTOLIC).as_deref(), Some("128"));
    assert_eq!(t.store.outbox_len().unwrap(), 1);
}

#[test]
fn list_show_series_and_tombstone() {
    let t = open_test_store();
    let p = t.store.add_profile("34001234", "山田 花子", Relationship::Myself).unwrap();
    let s = PhotoSettings::default();
    let old = t.store.add_checkup(&p, &new("2024-06-10", &[(SYSTOLIC, "126"), (WAIST, "88")]), &s).unwrap();
    let mid = t.store.add_checkup(&p, &new("2025-06-11", &[(SYSTOLIC, "142")]), &s).unwrap();
    let last = t.store.add_checkup(&p, &new("2026-06-12", &[(HBA1C, "5.8")]), &s).unwrap();
    let list: Vec<(String, Option<Judgement>)> =
        t.store.checkups(&p).unwrap().into_iter().map(|c| (c.date, c.worst)).collect();
    assert_eq!(
        list,
        vec![
            ("2026-06-12".into(), Some(Judgement::Guidance)),
            ("2025-06-11".into(), Some(Judgement::SeeDoctor)),
            // The waist is not judged without the sex: the headline is what was judged.
            ("2024-06-10".into(), Some(Judgement::Normal)),
        ],
        "newest first, each with its most serious judgement"
    );

    let shown = t.store.checkup(&p, &old.id).unwrap().unwrap();
    let judged = |v: &CheckupView, code: &str| v.items.iter().find(|i| i.code == code).unwrap().judgement;
    assert_eq!(judged(&shown, SYSTOLIC), Judgement::Normal);
    assert_eq!(judged(&shown, WAIST), Judgement::Unknown(Unjudged::SexNeeded), "88 cm: over for men only");
    t.store.save_emergency_fields(&p, &[("identity.sex".into(), "female".into())]).unwrap();
    let shown = t.store.checkup(&p, &old.id).unwrap().unwrap();
    assert_eq!((shown.sex, judged(&shown, WAIST)), (Some(Sex::Female), Judgement::Normal));
    t.store.save_emergency_fields(&p, &[("identity.sex".into(), "male".into())]).unwrap();
    assert_eq!(
        t.store.checkups(&p).unwrap()[2].worst,
        Some(Judgement::Guidance),
        "88 cm for a man: the list judges with the sex too"
    );
    t.store.save_emergency_fields(&p, &[("identity.sex".into(), "female".into())]).unwrap();
    assert_eq!(judged(&t.store.checkup(&p, &mid.id).unwrap().unwrap(), SYSTOLIC), Judgement::SeeDoctor);
    assert_eq!(judged(&last, HBA1C), Judgement::Guidance);

    let trend = t.store.checkup_series(&p, SYSTOLIC).unwrap();
    let points: Vec<_> = trend.iter().map(|pt| (pt.date.to_string(), pt.value.to_wire(), pt.judgement)).collect();
    assert_eq!(
        points,
        vec![
            ("2024-06-10".into(), "126".into(), Judgement::Normal),
            ("2025-06-11".into(), "142".into(), Judgement::SeeDoctor)
        ]
    );

    // Ids are UUIDv7: their first 13 characters are the creation millisecond, which the three
    // checkups above may share on a fast machine, so the prefix reaches into the counter bits.
    assert_eq!(t.store.resolve_checkup_id(&p, &mid.id[..32]).unwrap(), mid.id);
    t.store.delete_checkup(&p, &mid.id).unwrap();
    assert!(t.store.checkup(&p, &mid.id).unwrap().is_none());
    assert_eq!(t.store.checkups(&p).unwrap().len(), 2);
    assert_eq!(t.store.checkup_series(&p, SYSTOLIC).unwrap().len(), 1);
    assert!(matches!(t.store.delete_checkup(&p, &mid.id), Err(Error::Deleted)));
    assert!(matches!(t.store.set_checkup_items(&p, &mid.id, &[]), Err(Error::NotFound { .. })));
    let last_entry = t.store.outbox_entries(20).unwrap().pop().unwrap();
    assert_eq!((last_entry.op, last_entry.entity_id.as_str()), (Op::Delete, mid.id.as_str()));
    let held = t.store.held_records(&p).unwrap();
    assert!(held.iter().any(|h| h.id == mid.id && h.deleted));
}

#[test]
fn a_pulled_change_applies_and_a_pulled_delete_hides_it() {
    let t = open_test_store();
    let p = t.store.add_profile("34001234", "山田 花子", Relationship::Myself).unwrap();
    let id = Uuid::now_v7().to_string();
    let mut theirs = serde_json::json!({
        "id": id, "patient": "34001234", "date": "2026-06-12", "institution": "", "kind": "teiki",
        "pages": [], "items": [{ "code": SYSTOLIC, "value": "131" }]
    });
    let change = |version, deleted, payload: &serde_json::Value| Change {
        entity: Entity::Checkup,
        id: id.clone(),
        version,
        deleted,
        payload: payload.clone(),
    };
    let page = |changes| techo_protocol::sync::PullResponse {
        changes,
        next_cursor: "c1.e.9".into(),
        has_more: false,
        reset: None,
        reset_reason: None,
    };
    assert_eq!(t.store.apply_pull_page(p.id, &page(vec![change(1, false, &theirs)])).unwrap().applied, 1);
    let shown = t.store.checkup(&p, &id).unwrap().unwrap();
    assert_eq!((shown.kind.clone(), value(&shown, SYSTOLIC)), (CheckupKind::Teiki, Some("131".into())));
    assert_eq!(shown.items[0].judgement, Judgement::Guidance);
    assert!(!shown.unsent);
    theirs["items"][0]["value"] = "118".into();
    t.store.apply_pull_page(p.id, &page(vec![change(2, false, &theirs)])).unwrap();
    assert_eq!(value(&t.store.checkup(&p, &id).unwrap().unwrap(), SYSTOLIC).as_deref(), Some("118"));
    t.store.apply_pull_page(p.id, &page(vec![change(3, true, &theirs)])).unwrap();
    assert!(t.store.checkup(&p, &id).unwrap().is_none());
    assert!(t.store.checkups(&p).unwrap().is_empty());
}

/// Our create was acknowledged; we then edit offline while another phone edited first. The
/// merge keeps both sides' items and scalar edits, takes the server's value where both changed
/// the same item (ours is kept as a conflict), and unites the pages.
#[test]
fn a_stale_edit_merges_items_by_code_pages_by_hash_and_scalars_by_who_changed_them() {
    let t = open_test_store();
    let p = t.store.add_profile("34001234", "山田 花子", Relationship::Myself).unwrap();
    let s = PhotoSettings::default();
    let c = t.store.add_checkup(&p, &new("2026-06-12", &[(SYSTOLIC, "128"), (HBA1C, "5.8")]), &s).unwrap();
    let first = t.store.outbox_entries(10).unwrap();
    t.store.apply_push_results(&first, &[ok(&first[0], 6)]).unwrap();

    t.store.set_checkup_items(&p, &c.id, &[(SYSTOLIC.into(), "135".into()), (WAIST.into(), "80".into())]).unwrap();
    t.store.edit_checkup(&p, &c.id, None, None, None, Some("再検査の予定")).unwrap();
    let ours = t.store.outbox_entries(10).unwrap();
    assert_eq!((ours.len(), ours[0].base_version), (2, Some(6)));

    let mut theirs: serde_json::Value = serde_json::from_str(&first[0].payload).unwrap();
    theirs["institution"] = "市民病院".into();
    theirs["items"] = serde_json::json!([
        { "code": SYSTOLIC, "value": "140" },
        { "code": HBA1C, "value": "5.8" },
        { "code": "3F015000002327101", "value": "150" }
    ]);
    theirs["pages"] = serde_json::json!([{
        "image": { "id": "a".repeat(64), "sha256": "a".repeat(64), "size": 10, "mime": "image/jpeg" },
        "thumbnail": { "id": "b".repeat(64), "sha256": "b".repeat(64), "size": 5, "mime": "image/jpeg" },
        "width": 10, "height": 10, "added_at": "2026-06-13T00:00:00.000+00:00"
    }]);
    let applied = t.store.apply_push_results(&ours, &[conflict(&ours[0], 8, theirs)]).unwrap();
    assert_eq!(applied.merged, 1);

    let queued = t.store.outbox_entries(10).unwrap();
    assert_eq!(queued.len(), 1, "one update holds both of our queued edits");
    assert_eq!((queued[0].op, queued[0].base_version), (Op::Update, Some(8)));
    let merged = t.store.checkup(&p, &c.id).unwrap().unwrap();
    assert_eq!(merged.institution, "市民病院", "only they changed it");
    assert_eq!(merged.note, "再検査の予定", "only we changed it");
    assert_eq!(value(&merged, SYSTOLIC).as_deref(), Some("140"), "both changed it: the server's shows");
    assert_eq!(value(&merged, WAIST).as_deref(), Some("80"));
    assert_eq!(value(&merged, "3F015000002327101").as_deref(), Some("150"));
    assert_eq!(merged.pages.len(), 1);
    assert_eq!(
        merged.conflicts,
        vec![CheckupConflict { field: SYSTOLIC.into(), ours: "135".into(), theirs: "140".into() }]
    );
    let sent: WireCheckup = serde_json::from_str(&queued[0].payload).unwrap();
    assert_eq!(sent.items.len(), 4);

    // Keeping ours is a new edit; the conflict is gone.
    let settled = t.store.resolve_checkup_conflict(&p, &c.id, SYSTOLIC, true).unwrap();
    assert_eq!((value(&settled, SYSTOLIC).as_deref(), settled.conflicts.len()), (Some("135"), 0));
}

/// Both phones added pages offline and together they exceed what a checkup holds: the server's
/// stay, ours wait (none is dropped), a removal makes room for one, and removing a waiting page
/// discards it without a new version.
#[test]
fn pages_that_do_not_fit_a_merge_wait_for_room() {
    let t = open_test_store();
    let p = t.store.add_profile("34001234", "山田 花子", Relationship::Myself).unwrap();
    let s = PhotoSettings::default();
    let c = t.store.add_checkup(&p, &new("2026-06-12", &[(SYSTOLIC, "128")]), &s).unwrap();
    let first = t.store.outbox_entries(10).unwrap();
    t.store.apply_push_results(&first, &[ok(&first[0], 6)]).unwrap();
    for (i, name) in ["a.jpg", "b.jpg"].iter().enumerate() {
        t.store.add_checkup_page(&p, &c.id, &grainy_jpeg(t.dir.path(), name, 64 + i as u16, 64), &s).unwrap();
    }
    let ours: Vec<_> =
        t.store.outbox_entries(20).unwrap().into_iter().filter(|e| e.entity == Entity::Checkup).collect();
    let mut theirs: serde_json::Value = serde_json::from_str(&first[0].payload).unwrap();
    theirs["pages"] = their_pages(1, MAX_PAGES as u8).into();
    t.store.apply_push_results(&ours, &[conflict(&ours[0], 8, theirs)]).unwrap();

    let merged = t.store.checkup(&p, &c.id).unwrap().unwrap();
    assert_eq!((merged.pages.len(), merged.waiting_pages.len()), (MAX_PAGES, 2));
    let sent: WireCheckup = serde_json::from_str(&t.store.outbox_entries(20).unwrap().last().unwrap().payload).unwrap();
    assert_eq!(sent.pages.len(), MAX_PAGES, "the server would refuse more");
    let (first_waiting, second_waiting) = (&merged.waiting_pages[0], &merged.waiting_pages[1]);

    let removed = merged.pages[0].image.sha256.clone();
    let after = t.store.remove_checkup_page(&p, &c.id, &removed).unwrap();
    assert_eq!(after.pages.len(), MAX_PAGES);
    assert!(after.pages.iter().any(|pg| pg.image == first_waiting.image), "the oldest waiting page took the room");
    assert_eq!(after.waiting_pages, vec![second_waiting.clone()]);

    let queued = t.store.outbox_len().unwrap();
    let discarded = t.store.remove_checkup_page(&p, &c.id, &second_waiting.image.sha256).unwrap();
    assert!(discarded.waiting_pages.is_empty());
    assert_eq!(discarded.pages, after.pages);
    assert_eq!(t.store.outbox_len().unwrap(), queued, "nothing to send");
    assert!(matches!(
        t.store.remove_checkup_page(&p, &c.id, &second_waiting.image.sha256),
        Err(Error::NotFound { entity: "page" })
    ));
}

/// A photo that cannot be sent holds back the records that show it and nothing else: not the
/// person's other photos, nor the checkup that shows them, nor a later save without it.
#[test]
fn a_photo_that_cannot_be_sent_holds_back_only_what_shows_it() {
    let t = open_test_store();
    let p = t.store.add_profile("34001234", "山田 花子", Relationship::Myself).unwrap();
    let s = PhotoSettings::default();
    t.store.add_emergency_page(&p, &grainy_jpeg(t.dir.path(), "sheet.jpg", 64, 64), &s).unwrap();
    let mut c = new("2026-06-12", &[(SYSTOLIC, "128")]);
    c.photos = vec![grainy_jpeg(t.dir.path(), "checkup.jpg", 65, 64)];
    let checkup = t.store.add_checkup(&p, &c, &s).unwrap();
    let patients = vec!["34001234".to_owned()];
    // Two photos (each small enough to be its own preview) and the two saves.
    let counts = t.store.outbox_counts().unwrap();
    assert_eq!((counts.pending, counts.pending_uploads), (4, 2));

    let sheet_photo = t.store.next_upload(&patients).unwrap().unwrap();
    t.store.wedge_seq(sheet_photo.seq, "photo_missing").unwrap();
    assert_eq!(t.store.outbox_counts().unwrap().pending_uploads, 1, "a photo set aside is not waiting to go");
    let wedged: Vec<_> = t.store.wedged_entries().unwrap().into_iter().map(|e| e.entity.to_string()).collect();
    assert_eq!(wedged, [UPLOAD_ENTITY, "emergency_sheet"], "the sheet waits with its photo");
    // The checkup's photo (a photo this small is its own preview) still goes, then the checkup.
    let task = t.store.next_upload(&patients).unwrap().expect("not held back by the refused photo");
    assert_eq!(task.start.sha256, checkup.pages[0].image.sha256);
    t.store.complete_upload(&task).unwrap();
    assert!(t.store.next_upload(&patients).unwrap().is_none());
    let batch = t.store.outbox_batch(&patients, 10).unwrap();
    assert_eq!(batch.iter().map(|e| e.entity_id.as_str()).collect::<Vec<_>>(), [checkup.id.as_str()]);

    // Removing the page the photo shows lets the sheet's next save go without it, as the create
    // the server never had (it replaces the save that was set aside).
    let sheet = t.store.emergency_sheet(&p).unwrap().unwrap();
    t.store.remove_emergency_page(&p, &sheet.pages[0].image.sha256).unwrap();
    let batch = t.store.outbox_batch(&patients, 10).unwrap();
    let sheet_saves: Vec<_> = batch.iter().filter(|e| e.entity == Entity::EmergencySheet).map(|e| e.op).collect();
    assert_eq!(sheet_saves, [Op::Create]);
    let wedged: Vec<_> = t.store.wedged_entries().unwrap().into_iter().map(|e| e.entity.to_string()).collect();
    assert_eq!(wedged, [UPLOAD_ENTITY], "the photo stays set aside, shown");
}

#[test]
fn the_merge_is_the_same_whichever_side_is_ours_apart_from_true_conflicts() {
    let base: WireCheckup = serde_json::from_value(serde_json::json!({
        "id": "019ab3c2-8000-7000-8000-000000000001", "patient": "34001234", "date": "2026-06-12",
        "institution": "", "kind": "tokutei", "pages": [], "items": [{ "code": SYSTOLIC, "value": "128" }]
    }))
    .unwrap();
    let mut a = base.clone();
    a.items.push(WireItem {
        code: HBA1C.into(),
        value: "5.8".into(),
        unit: None,
        method: None,
        extra: Default::default(),
    });
    a.date = "2026-06-11".into();
    let mut b = base.clone();
    b.items.clear();
    b.institution = "市民病院".into();
    let (ab, c1, _) = merge(Some(&base), &a, &b);
    let (ba, c2, _) = merge(Some(&base), &b, &a);
    assert_eq!(ab, ba);
    assert!(c1.is_empty() && c2.is_empty());
    assert_eq!((ab.date.as_str(), ab.institution.as_str(), ab.items.len()), ("2026-06-11", "市民病院", 1));
    assert_eq!(ab.items[0].code, HBA1C, "the removal on one side and the addition on the other both kept");
}

/// The server released the photos of a checkup whose save waited too long on this phone: it
/// refuses the save as naming photos it lacks. The photos are sent again and the save waits for
/// them — a few times at most, then it is set aside and shown.
#[test]
fn a_save_the_server_refuses_for_photos_it_lacks_sends_them_again_first() {
    let t = open_test_store();
    let p = t.store.add_profile("34001234", "山田 花子", Relationship::Myself).unwrap();
    let mut c = new("2026-06-12", &[(SYSTOLIC, "128")]);
    c.photos = vec![grainy_jpeg(t.dir.path(), "checkup.jpg", 65, 64)];
    let checkup = t.store.add_checkup(&p, &c, &PhotoSettings::default()).unwrap();
    let patients = vec!["34001234".to_owned()];
    let upload = t.store.next_upload(&patients).unwrap().unwrap();
    assert_eq!(upload.start.sha256, checkup.pages[0].image.sha256);
    t.store.complete_upload(&upload).unwrap();
    let refused = |e: &Entry| MutationResult {
        mutation_id: e.mutation_id.to_string(),
        status: MutationStatus::Rejected,
        commit_seq: None,
        error: Some(techo_protocol::error::ErrorCode::BlobMissing),
        server_record: None,
    };
    for round in 1..=3 {
        let sent = t.store.outbox_batch(&patients, 10).unwrap();
        assert_eq!(sent.iter().map(|e| e.entity_id.as_str()).collect::<Vec<_>>(), [checkup.id.as_str()]);
        let applied = t.store.apply_push_results(&sent, &[refused(&sent[0])]).unwrap();
        if round == 3 {
            assert_eq!((applied.resent, applied.rejected), (0, 1), "sent again often enough");
            break;
        }
        assert_eq!(applied.resent, 1);
        assert!(t.store.outbox_batch(&patients, 10).unwrap().is_empty(), "the save waits for its photo");
        let again = t.store.next_upload(&patients).unwrap().expect("the photo goes again");
        assert_eq!((again.start.sha256.as_str(), again.offset), (checkup.pages[0].image.sha256.as_str(), 0));
        t.store.complete_upload(&again).unwrap();
    }
    let wedged = t.store.wedged_entries().unwrap();
    assert_eq!(wedged.iter().map(|e| e.entity.to_string()).collect::<Vec<_>>(), ["checkup"]);
    assert_eq!(wedged[0].wedge_reason.as_deref(), Some("blob_missing"));
    assert_eq!(
        crate::sync::RefusalReason::from_code(wedged[0].wedge_reason.as_deref()),
        crate::sync::RefusalReason::PhotoMissing
    );
}
