use super::*;
use crate::family::{FamilySpecs, MAX_RECORD_BYTES, Refusal};
use serde_json::json;
use techo_protocol::records::BlobRef;
use techo_protocol::sync::Mutation;

const ID: &str = "019ab3c2-8000-7000-8000-000000000001";

fn def(code: &str) -> &'static ItemDef {
    CodeList::builtin().get(code).unwrap_or_else(|| panic!("{code} is in the list"))
}

fn d(text: &str) -> ItemValue {
    ItemValue::Decimal(Milli::parse(text).unwrap())
}

fn j(code: &str, value: &str, sex: Option<Sex>) -> Judgement {
    let def = def(code);
    judge(def, &parse_value(Some(def), value).unwrap(), sex)
}

fn day(s: &str) -> NaiveDate {
    crate::validation::parse_iso_date(s).unwrap()
}

fn item(code: &str, value: &str) -> WireItem {
    WireItem { code: code.into(), value: value.into(), unit: None, method: None, extra: Default::default() }
}

fn record(date: &str, items: Vec<WireItem>) -> WireCheckup {
    WireCheckup {
        id: ID.into(),
        patient: "34001234".into(),
        date: date.into(),
        institution: "健診センター".into(),
        kind: CheckupKind::Tokutei,
        pages: vec![],
        items,
        note: String::new(),
        extra: Default::default(),
    }
}

fn blob(byte: char) -> BlobRef {
    let sha = byte.to_string().repeat(64);
    BlobRef { id: sha.clone(), sha256: sha, size: 884_043, mime: "image/jpeg".into(), extra: Default::default() }
}

fn page() -> PhotoPage {
    PhotoPage {
        image: blob('a'),
        thumbnail: blob('b'),
        width: 2480,
        height: 3508,
        added_at: "2026-06-20T10:02:00+09:00".into(),
        extra: Default::default(),
    }
}

fn refusal(r: Result<Checkup>) -> (Field, ValidationReason) {
    match r {
        Err(DomainError::Validation { field, reason }) => (field, reason),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

// --- the table -----------------------------------------------------------------------------

#[test]
fn the_shipped_table_parses_with_well_formed_unique_codes() {
    let list = CodeList::parse(include_str!("../../data/checkup_items.tsv")).unwrap();
    assert_eq!(list.items().len(), CodeList::builtin().items().len());
    let mut codes = HashSet::new();
    for d in list.items() {
        assert_eq!(d.code.chars().count(), 17, "{}", d.code);
        assert!(well_formed_code(&d.code), "{}", d.code);
        assert!(codes.insert(d.code.as_str()), "{} twice", d.code);
    }
    // Every item domain.md §5 lists with a number or an ordinal.
    for series in [
        "height",
        "weight",
        "bmi",
        "waist",
        "visceral_fat",
        "systolic",
        "diastolic",
        "tg_fasting",
        "tg_random",
        "hdl",
        "ldl",
        "non_hdl",
        "ast",
        "alt",
        "ggt",
        "glucose_fasting",
        "glucose_random",
        "hba1c",
        "urine_glucose",
        "urine_protein",
        "creatinine",
        "egfr",
        "hemoglobin",
        "hematocrit",
        "rbc",
    ] {
        assert!(list.items().iter().any(|d| d.series == series), "{series} missing");
    }
}

/// Variants of one series are interchangeable on a chart only if they are read and judged alike.
#[test]
fn variants_of_a_series_share_unit_kind_and_thresholds() {
    let items = CodeList::builtin().items();
    for a in items {
        for b in items.iter().filter(|b| b.series == a.series) {
            assert_eq!((&a.ucum, &a.unit, a.kind), (&b.ucum, &b.unit, b.kind), "{} / {}", a.code, b.code);
            assert_eq!((a.guidance, a.see_doctor), (b.guidance, b.see_doctor), "{} / {}", a.code, b.code);
            assert_eq!((&a.group, &a.plain_name), (&b.group, &b.plain_name), "{} / {}", a.code, b.code);
        }
    }
}

/// A cut-off outside the hard range could never be reached, which would be a typo in the table.
#[test]
fn thresholds_lie_inside_the_hard_range() {
    for d in CodeList::builtin().items() {
        let (min, max) = match d.kind {
            ValueKind::Decimal { min, max, .. } => (min, max),
            ValueKind::Ordinal => (Milli::from_units(1), Milli::from_units(5)),
        };
        for t in [d.guidance, d.see_doctor].into_iter().flatten() {
            for sex in [Sex::Male, Sex::Female] {
                let c = t.for_sex(sex).value;
                assert!(min < c && c <= max, "{}", d.code);
            }
        }
    }
}

#[test]
fn a_broken_table_names_the_line() {
    let header = COLUMNS.join("\t");
    let row = "9A751000000000001\tsystolic\t血圧\t収縮期血圧\t上の血圧\t1回目\tmm[Hg]\tmmHg\tdecimal\t0\t40\t300\t>=130\t>=140";
    assert!(CodeList::parse(&format!("# c\n{header}\n{row}\n")).is_ok());
    let bad = |text: String, line, what| assert_eq!(CodeList::parse(&text).unwrap_err(), CodeListError { line, what });
    bad(format!("{header}\n{row}\n{row}"), 3, "a code appears twice");
    bad(
        format!("{header}\n{}", row.replace("9A751000000000001", "9A75100000000001")),
        2,
        "a code is not 17 letters and digits",
    );
    bad(format!("{header}\n{}", row.replace(">=140", "=>140")), 2, "see_doctor threshold");
    bad(format!("{header}\n{}", row.replace("\t0\t40", "\t0\t400")), 2, "min is above max");
    bad(format!("{header}\n{}", row.replace("\t>=140", "")), 2, "wrong number of columns");
    bad(format!("{row}\n"), 1, "the header does not name the expected columns");
    bad(format!("{header}\n"), 0, "no items");
}

// --- judging -------------------------------------------------------------------------------

#[test]
fn the_boundaries_the_programme_states() {
    use Judgement::*;
    let sbp = "9A751000000000001";
    assert_eq!(
        [j(sbp, "129", None), j(sbp, "130", None), j(sbp, "139", None), j(sbp, "140", None)],
        [Normal, Guidance, Guidance, SeeDoctor]
    );
    let dbp = "9A762000000000001";
    assert_eq!(
        [j(dbp, "84", None), j(dbp, "85", None), j(dbp, "89", None), j(dbp, "90", None)],
        [Normal, Guidance, Guidance, SeeDoctor]
    );
    let hdl = "3F070000002327101";
    assert_eq!(
        [j(hdl, "40", None), j(hdl, "39", None), j(hdl, "35", None), j(hdl, "34", None)],
        [Normal, Guidance, Guidance, SeeDoctor]
    );
    let waist = "9N016160100000001";
    assert_eq!(j(waist, "85", Some(Sex::Male)), Guidance);
    assert_eq!(j(waist, "84.9", Some(Sex::Male)), Normal);
    assert_eq!(j(waist, "85", Some(Sex::Female)), Normal);
    assert_eq!(j(waist, "90", Some(Sex::Female)), Guidance);
    let hb = "2A030000001930101";
    assert_eq!(
        [j(hb, "13.1", Some(Sex::Male)), j(hb, "13.0", Some(Sex::Male)), j(hb, "12.0", Some(Sex::Male))],
        [Normal, Guidance, SeeDoctor]
    );
    assert_eq!(
        [j(hb, "12.1", Some(Sex::Female)), j(hb, "12.0", Some(Sex::Female)), j(hb, "11.0", Some(Sex::Female))],
        [Normal, Guidance, SeeDoctor]
    );
    let (tg, tg_random) = ("3F015000002327101", "3F015129902327101");
    assert_eq!(
        [j(tg, "149", None), j(tg, "150", None), j(tg, "299", None), j(tg, "300", None)],
        [Normal, Guidance, Guidance, SeeDoctor]
    );
    assert_eq!(
        [j(tg_random, "174", None), j(tg_random, "175", None), j(tg_random, "300", None)],
        [Normal, Guidance, SeeDoctor]
    );
    let a1c = "3D046000001906202";
    assert_eq!(
        [j(a1c, "5.5", None), j(a1c, "5.6", None), j(a1c, "6.4", None), j(a1c, "6.5", None)],
        [Normal, Guidance, Guidance, SeeDoctor]
    );
    let egfr = "8A065000002391901";
    assert_eq!(
        [j(egfr, "60", None), j(egfr, "59.9", None), j(egfr, "45", None), j(egfr, "44.9", None)],
        [Normal, Guidance, Guidance, SeeDoctor]
    );
    let protein = "1A010000000191111";
    assert_eq!(
        [j(protein, "1", None), j(protein, "2", None), j(protein, "3", None), j(protein, "5", None)],
        [Normal, Guidance, SeeDoctor, SeeDoctor]
    );
    assert_eq!([j("9N011000000000001", "24.9", None), j("9N011000000000001", "25", None)], [Normal, Guidance]);
    assert_eq!(j("9N011000000000001", "45", None), Guidance, "BMI has no 受診勧奨判定値");
}

/// For every cut-off in the table: the cut-off itself and the nearest value the item can hold
/// on the other side are judged on opposite sides of it.
#[test]
fn every_threshold_is_exact_at_its_boundary() {
    let mut checked = 0;
    for d in CodeList::builtin().items() {
        let (step, value_of): (i64, fn(Milli) -> ItemValue) = match d.kind {
            ValueKind::Decimal { max_decimals, .. } => (10_i64.pow(3 - u32::from(max_decimals)), ItemValue::Decimal),
            ValueKind::Ordinal => (1000, |m| ItemValue::Ordinal((m.thousandths() / 1000) as u8)),
        };
        for (threshold, level) in [(d.guidance, Judgement::Guidance), (d.see_doctor, Judgement::SeeDoctor)] {
            let Some(t) = threshold else { continue };
            for sex in [Sex::Male, Sex::Female] {
                let cut = t.for_sex(sex);
                let (inside, outside) = match cut.direction {
                    Direction::AtLeast => (cut.value.thousandths(), cut.value.thousandths() - step),
                    Direction::AtMost => (cut.value.thousandths(), cut.value.thousandths() + step),
                    Direction::Below => (cut.value.thousandths() - step, cut.value.thousandths()),
                };
                let at = |v| judge(d, &value_of(Milli::from_thousandths(v)), Some(sex));
                // Crossing the 受診勧奨 value implies crossing the 保健指導 value, so "inside"
                // the guidance cut-off may already be SeeDoctor only when the two coincide.
                assert!(at(inside) == level || at(inside) == Judgement::SeeDoctor, "{} {sex:?} {inside}", d.code);
                let below = if level == Judgement::SeeDoctor { Judgement::Guidance } else { Judgement::Normal };
                assert!(
                    at(outside) == below || (level == Judgement::SeeDoctor && d.guidance.is_none()),
                    "{} {sex:?} {outside}: {:?}",
                    d.code,
                    at(outside)
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 80, "{checked}");
}

#[test]
fn unknown_sex_is_judged_only_when_both_sexes_agree() {
    let (waist, hb) = ("9N016160100000001", "2A030000001930101");
    assert_eq!(j(waist, "87", None), Judgement::Unknown(Unjudged::SexNeeded));
    assert_eq!(j(waist, "95", None), Judgement::Guidance);
    assert_eq!(j(waist, "80", None), Judgement::Normal);
    assert_eq!(j(hb, "12.5", None), Judgement::Unknown(Unjudged::SexNeeded));
    assert_eq!(j(hb, "10.5", None), Judgement::SeeDoctor);
    assert_eq!(j(hb, "14.2", None), Judgement::Normal);
}

#[test]
fn items_without_thresholds_or_definitions_are_not_judged() {
    assert_eq!(j("9N001000000000001", "158.2", Some(Sex::Female)), Judgement::Unknown(Unjudged::NoThresholds));
    assert_eq!(j("1A020000000191111", "5", None), Judgement::Unknown(Unjudged::NoThresholds));
    assert_eq!(
        judge(def("9A751000000000001"), &ItemValue::Ordinal(3), None),
        Judgement::Unknown(Unjudged::UnknownItem)
    );
    let unknown = parse_item(&item("3Z999000000000001", "12.5")).unwrap();
    assert_eq!((unknown.def, &unknown.value), (None, &ItemValue::Text("12.5".into())));
    assert_eq!(unknown.judgement(None), Judgement::Unknown(Unjudged::UnknownItem));
}

// --- validation ----------------------------------------------------------------------------

#[test]
fn values_are_read_by_the_items_kind() {
    let v = |code: &str, text: &str| parse_value(Some(def(code)), text);
    let field_reason = |r: Result<ItemValue>| match r {
        Err(DomainError::Validation { field: Field::ItemValue, reason }) => reason,
        other => panic!("{other:?}"),
    };
    assert_eq!(v("9N016160100000001", "86.0"), Ok(d("86")));
    assert_eq!(v("9N016160100000001", "８６．５"), Ok(d("86.5")));
    assert_eq!(field_reason(v("9N016160100000001", "86.25")), ValidationReason::TooManyDecimals { max: 1 });
    assert_eq!(field_reason(v("9A751000000000001", "128.5")), ValidationReason::TooManyDecimals { max: 0 });
    assert_eq!(field_reason(v("3D046000001906202", "5.8555")), ValidationReason::TooManyDecimals { max: 1 });
    assert_eq!(field_reason(v("9A751000000000001", "abc")), ValidationReason::NotANumber);
    assert_eq!(field_reason(v("9A751000000000001", " ")), ValidationReason::Empty);
    assert_eq!(
        field_reason(v("9A751000000000001", "301")),
        ValidationReason::OutOfRange { min: "40".into(), max: "300".into(), unit: "mmHg" }
    );
    assert_eq!(v("1A010000000191111", "3"), Ok(ItemValue::Ordinal(3)));
    assert_eq!(
        field_reason(v("1A010000000191111", "6")),
        ValidationReason::OutOfRange { min: "1".into(), max: "5".into(), unit: "" }
    );
    assert_eq!(field_reason(v("1A010000000191111", "+")), ValidationReason::NotANumber);
    assert_eq!(
        field_reason(parse_value(None, &"x".repeat(UNKNOWN_VALUE_MAX_CHARS + 1))),
        ValidationReason::TooLong { max_chars: UNKNOWN_VALUE_MAX_CHARS }
    );
}

#[test]
fn a_valid_checkup_decodes_with_typed_items() {
    let mut rec = record("2026-06-12", vec![item("9A751000000000001", "134"), item("1A010000000191111", "2")]);
    rec.pages = vec![page()];
    let c = validate_checkup(&rec, day("2026-06-12")).unwrap();
    assert_eq!((c.date, c.patient.as_str(), c.items.len()), (day("2026-06-12"), "34001234", 2));
    assert_eq!(c.items[0].def.map(|d| d.plain_name.as_str()), Some("上の血圧"));
    assert_eq!(c.items[0].judgement(None), Judgement::Guidance);
    assert_eq!(c.items[1].judgement(None), Judgement::Guidance);
    assert_eq!(c.to_wire(), rec);
}

#[test]
fn each_rule_refuses_with_its_field() {
    use ValidationReason as R;
    let today = day("2026-06-12");
    let check = |rec: &WireCheckup| refusal(validate_checkup(rec, today));

    assert_eq!(check(&record("2026-06-13", vec![])), (Field::CheckupDate, R::InTheFuture));
    assert!(decode_checkup(&record("2026-06-13", vec![])).is_ok(), "the server does not compare dates with its clock");
    assert_eq!(check(&record("1899-12-31", vec![])), (Field::CheckupDate, R::TooFarInThePast));
    for bad in ["2026-6-12", "2026-02-30", "2026/06/12", "20260612", "+2026-06-12", ""] {
        assert_eq!(check(&record(bad, vec![])), (Field::CheckupDate, R::InvalidFormat { expected: "YYYY-MM-DD" }));
    }

    let mut rec = record("2026-06-12", vec![]);
    rec.kind = CheckupKind::Unknown("ningen_dock".into());
    assert!(validate_checkup(&rec, today).is_ok(), "a newer app's kind is kept");
    rec.kind = CheckupKind::Unknown("人間ドック".into());
    assert_eq!(check(&rec).0, Field::CheckupKind);

    let mut rec = record("2026-06-12", vec![]);
    rec.institution = "あ".repeat(INSTITUTION_MAX_CHARS);
    assert!(validate_checkup(&rec, today).is_ok());
    rec.institution.push('あ');
    assert_eq!(check(&rec), (Field::Institution, R::TooLong { max_chars: INSTITUTION_MAX_CHARS }));

    let mut rec = record("2026-06-12", vec![]);
    rec.note = "x".repeat(NOTE_MAX_CHARS + 1);
    assert_eq!(check(&rec).0, Field::Note);

    let mut rec = record("2026-06-12", vec![]);
    rec.pages = vec![page(); MAX_PAGES];
    assert!(validate_checkup(&rec, today).is_ok());
    rec.pages.push(page());
    assert_eq!(check(&rec), (Field::Pages, R::TooMany { max: MAX_PAGES }));

    // 201 distinct well-formed codes: the count is refused before any code is looked at.
    let many = (0..=MAX_ITEMS).map(|n| item(&format!("9Z{n:015}"), "1")).collect();
    assert_eq!(check(&record("2026-06-12", many)), (Field::Items, R::TooMany { max: MAX_ITEMS }));

    let twice = vec![item("9A751000000000001", "134"), item("9A751000000000001", "128")];
    assert_eq!(check(&record("2026-06-12", twice)), (Field::ItemCode, R::Duplicate));
    let variants = vec![item("9A751000000000001", "134"), item("9A752000000000001", "128")];
    assert!(validate_checkup(&record("2026-06-12", variants), today).is_ok(), "1回目 and 2回目 are two codes");

    for bad in ["9a751000000000001", "9A75100000000001", "9A751-00000000001", "９A751000000000001"] {
        assert_eq!(check(&record("2026-06-12", vec![item(bad, "1")])).0, Field::ItemCode, "{bad}");
    }
    assert_eq!(check(&record("2026-06-12", vec![item("9A751000000000001", "30")])).0, Field::ItemValue);

    let mut long = item("9A751000000000001", "134");
    long.unit = Some("m".repeat(ITEM_UNIT_MAX_CHARS + 1));
    assert_eq!(check(&record("2026-06-12", vec![long.clone()])).0, Field::ItemUnit);
    long.unit = None;
    long.method = Some("m".repeat(ITEM_METHOD_MAX_CHARS + 1));
    assert_eq!(check(&record("2026-06-12", vec![long])).0, Field::ItemMethod);
}

#[test]
fn malformed_identity_and_pages_are_payload_errors() {
    let today = day("2026-06-12");
    let payload = |r: Result<Checkup>| matches!(r, Err(DomainError::InvalidPayload { .. }));
    let mut rec = record("2026-06-12", vec![]);
    rec.id = "not-a-uuid".into();
    assert!(payload(validate_checkup(&rec, today)));
    let mut rec = record("2026-06-12", vec![]);
    rec.patient = "".into();
    assert!(payload(validate_checkup(&rec, today)));
    let broken: [fn(&mut PhotoPage); 5] = [
        |p| p.image.sha256 = "AB".repeat(32),
        |p| p.thumbnail.mime = "image/png".into(),
        |p| p.image.size = 0,
        |p| p.width = 0,
        |p| p.added_at = "yesterday".into(),
    ];
    for f in broken {
        let mut rec = record("2026-06-12", vec![]);
        let mut p = page();
        f(&mut p);
        rec.pages = vec![p];
        assert!(payload(validate_checkup(&rec, today)));
    }
}

#[test]
fn messages_name_fields_and_bounds_never_values() {
    let err = validate_checkup(&record("2026-06-12", vec![item("9A751000000000001", "312")]), day("2026-06-12"))
        .unwrap_err()
        .to_string();
    assert_eq!(err, "item_value: must be between 40 and 300 mmHg");
    let err = validate_checkup(&record("2026-06-12", vec![item("3D046000001906202", "5.85")]), day("2026-06-12"))
        .unwrap_err()
        .to_string();
    assert!(!err.contains("5.85"), "{err}");
}

// --- series --------------------------------------------------------------------------------

fn checkup(date: &str, items: Vec<WireItem>) -> Checkup {
    decode_checkup(&record(date, items)).unwrap()
}

#[test]
fn a_series_merges_variants_and_keeps_other_measurements_apart() {
    let all = [
        checkup("2025-06-10", vec![item("9A755000000000001", "142"), item("3F015129902327101", "180")]),
        checkup("2023-05-30", vec![item("9A752000000000001", "128"), item("9A751000000000001", "131")]),
        checkup("2024-06-01", vec![item("3F015000002327101", "160"), item("9A761000000000001", "88")]),
    ];
    let sbp: Vec<_> =
        series(&all, "9A752000000000001", None).into_iter().map(|p| (p.date, p.code, p.value, p.judgement)).collect();
    assert_eq!(
        sbp,
        vec![
            (day("2023-05-30"), "9A751000000000001".into(), d("131"), Judgement::Guidance),
            (day("2023-05-30"), "9A752000000000001".into(), d("128"), Judgement::Normal),
            (day("2025-06-10"), "9A755000000000001".into(), d("142"), Judgement::SeeDoctor),
        ]
    );
    let fasting = series(&all, "3F015000002399901", None);
    assert_eq!(
        fasting.iter().map(|p| (p.date, p.judgement)).collect::<Vec<_>>(),
        vec![(day("2024-06-01"), Judgement::Guidance)]
    );
    let random = series(&all, "3F015129902327101", None);
    assert_eq!(
        random.iter().map(|p| (p.date, p.judgement)).collect::<Vec<_>>(),
        vec![(day("2025-06-10"), Judgement::Guidance)]
    );
    assert!(series(&all, "3D046000001906202", None).is_empty());
}

#[test]
fn a_series_judges_with_the_given_sex_and_follows_unknown_codes_by_code() {
    let all = [
        checkup("2024-06-01", vec![item("9N016160100000001", "87"), item("3Z999000000000001", "4.1")]),
        checkup("2025-06-01", vec![item("9N016160300000001", "88"), item("3Z999000000000002", "4.4")]),
    ];
    let judged = |sex| series(&all, "9N016160100000001", sex).into_iter().map(|p| p.judgement).collect::<Vec<_>>();
    assert_eq!(judged(Some(Sex::Male)), vec![Judgement::Guidance; 2]);
    assert_eq!(judged(Some(Sex::Female)), vec![Judgement::Normal; 2]);
    assert_eq!(judged(None), vec![Judgement::Unknown(Unjudged::SexNeeded); 2]);
    let unknown = series(&all, "3Z999000000000001", None);
    assert_eq!(unknown.len(), 1);
    assert_eq!(unknown[0].value, ItemValue::Text("4.1".into()));
}

// --- the family on the wire ----------------------------------------------------------------

fn mutation(op: Op, payload: serde_json::Value) -> Mutation {
    Mutation {
        mutation_id: "m".into(),
        entity: Entity::Checkup,
        entity_id: ID.into(),
        op,
        base_version: (op == Op::Update).then_some(3),
        payload,
        client_time: None,
    }
}

#[test]
fn the_builtin_registry_accepts_checkups_and_their_edits() {
    let specs = FamilySpecs::builtin();
    let spec = specs.get(&Entity::Checkup).expect("registered");
    assert!(spec.accepts(Op::Create) && spec.accepts(Op::Update) && spec.accepts(Op::Delete));
    let rec = serde_json::to_value(record("2026-06-12", vec![item("3D046000001906202", "5.8")])).unwrap();
    for op in [Op::Create, Op::Update] {
        assert_eq!(specs.check_mutation(&mutation(op, rec.clone())).unwrap().as_str(), "34001234");
    }
    let mut no_base = mutation(Op::Update, rec.clone());
    no_base.base_version = None;
    assert!(matches!(specs.check_mutation(&no_base), Err(Refusal::Invalid(DomainError::InvalidPayload { .. }))));
    let tomb = json!({"id": ID, "patient": "34001234", "deleted_at": "2026-11-25T08:00:00.000+00:00"});
    assert!(specs.check_mutation(&mutation(Op::Delete, tomb)).is_ok());

    let mut other = mutation(Op::Create, rec.clone());
    other.entity_id = "019ab3c2-8000-7000-8000-000000000099".into();
    assert!(matches!(specs.check_mutation(&other), Err(Refusal::Invalid(DomainError::InvalidPayload { .. }))));
    let mut wrong = rec;
    wrong["items"][0]["value"] = json!("55");
    assert!(matches!(
        specs.check_mutation(&mutation(Op::Create, wrong)),
        Err(Refusal::Invalid(DomainError::Validation { field: Field::ItemValue, .. }))
    ));
    assert!(matches!(
        specs.check_mutation(&mutation(Op::Create, json!({"id": ID}))),
        Err(Refusal::Invalid(DomainError::InvalidPayload { .. }))
    ));
}

/// The shared vectors pass the spec, and decode and encode back to the same JSON, fields this
/// build does not know included (an edit on an older device must not drop them).
#[test]
fn protocol_vectors_round_trip_through_the_domain() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../protocol/tests/vectors");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with("checkup_create") {
            continue;
        }
        let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let id = json["id"].as_str().unwrap().to_owned();
        assert_eq!(CheckupSpec.check_record(&id, &json).unwrap().as_str(), "34001234", "{name}");
        let c = decode_checkup(&serde_json::from_value(json.clone()).unwrap()).unwrap();
        assert_eq!(serde_json::to_value(c.to_wire()).unwrap(), json, "{name}");
        n += 1;
    }
    assert!(n >= 2);
}

#[test]
fn the_tokutei_vector_is_judged_as_its_sheet_would_be() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../protocol/tests/vectors/checkup_create_tokutei.json");
    let rec: WireCheckup = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let c = validate_checkup(&rec, day("2026-06-20")).unwrap();
    let judged: Vec<_> = c.items.iter().map(|i| (i.code.as_str(), i.judgement(Some(Sex::Female)))).collect();
    use Judgement::*;
    assert_eq!(
        judged,
        vec![
            ("9N001000000000001", Unknown(Unjudged::NoThresholds)),
            ("9N006000000000001", Unknown(Unjudged::NoThresholds)),
            ("9N011000000000001", Normal),
            ("9N016160100000001", Normal),
            ("9A751000000000001", Guidance),
            ("9A752000000000001", Normal),
            ("9A761000000000001", Normal),
            ("9A762000000000001", Normal),
            ("3F015000002327101", Normal),
            ("3F070000002327101", Guidance),
            ("3F077000002327101", Guidance),
            ("3D046000001906202", Guidance),
            ("1A010000000191111", Guidance),
        ]
    );
}

/// The item and page limits fit in the family-wide payload bound with room for typical units.
#[test]
fn a_full_checkup_fits_the_record_size_limit() {
    let items = CodeList::builtin()
        .items()
        .iter()
        .map(|d| WireItem { unit: d.unit.clone(), ..item(&d.code, "1") })
        .chain((0..).map(|n| item(&format!("9Z{n:015}"), "12345")))
        .take(MAX_ITEMS)
        .collect();
    let mut rec = record("2026-06-12", items);
    rec.pages = vec![page(); MAX_PAGES];
    rec.institution = "あ".repeat(INSTITUTION_MAX_CHARS);
    let size = serde_json::to_string(&rec).unwrap().len();
    assert!(size <= MAX_RECORD_BYTES, "{size}");
}

#[test]
fn the_worst_judgement_is_the_most_serious_judged_one() {
    use Judgement::*;
    let unknown = Unknown(Unjudged::UnknownItem);
    assert_eq!(Judgement::worst([Normal, SeeDoctor, Guidance, unknown]), Some(SeeDoctor));
    assert_eq!(Judgement::worst([Normal, Guidance]), Some(Guidance));
    assert_eq!(Judgement::worst([unknown, Normal]), Some(Normal));
    assert_eq!(Judgement::worst([unknown, Unknown(Unjudged::SexNeeded)]), None);
    assert_eq!(Judgement::worst([]), None);
}
