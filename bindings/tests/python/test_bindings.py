"""The generated Python bindings against the real library and a real server on 127.0.0.1.

Driven by bindings/tests/foreign.rs, which puts the generated `techo` module and the library on
PYTHONPATH and the server in TECHO_* environment variables. Same ground as the Kotlin tests.
"""

import asyncio
import os
import tempfile
import threading
import unittest
from datetime import datetime, timedelta, timezone

from techo import (
    ApiError,
    CheckupItemValue,
    CheckupJudgement,
    CheckupKind,
    CheckupValueKind,
    check_checkup_item,
    checkup_item_codes,
    SheetFieldKind,
    SheetFieldValue,
    emergency_sheet_fields,
    DoseMeaning,
    ImportProblem,
    MedicationArrival,
    MedicationFilter,
    MedicationKind,
    PhotoProblem,
    QuantityUnit,
    ScanOutcome,
    StructuredAppendHeader,
    BpContext,
    Bucket,
    CalendarDay,
    ConflictKind,
    CoreConfig,
    DeviceKeyStore,
    Field,
    GlucoseTiming,
    GlucoseUnit,
    HomeBpClass,
    Relationship,
    Source,
    SyncObserver,
    SyncOutcome,
    SyncPhase,
    TechoCore,
    ValidationProblem,
    VitalEntry,
    VitalFilter,
    VitalInput,
    VitalKind,
    VitalValue,
    calendar_day_add,
    calendar_day_at,
    picked_date_time,
    reading_time,
    PhoneZone,
    PickedDateTime,
    start_over,
)

JST_MINUTES = 540
JST = timezone(timedelta(hours=9))
NO_SUCH_ID = "0190f0f0-0000-7000-8000-000000000000"


def env(name):
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set; run through bindings/tests/foreign.rs")
    return value


class MemoryKeys(DeviceKeyStore):
    def __init__(self):
        self.secrets = {}

    def load(self, name):
        return self.secrets.get(name)

    def save(self, name, secret):
        self.secrets[name] = bytes(secret)


class LockedKeys(DeviceKeyStore):
    def __init__(self, unexpected):
        self.unexpected = unexpected

    def load(self, name):
        if self.unexpected:
            raise RuntimeError("keystore crashed")
        raise ApiError.KeyStore("device locked")

    def save(self, name, secret):
        raise ApiError.KeyStore("device locked")


class Recorder(SyncObserver):
    def __init__(self):
        self.progress = []
        self.reports = []
        self.finished = threading.Event()

    def on_progress(self, progress):
        self.progress.append(progress)

    def on_finished(self, report):
        self.reports.append(report)
        self.finished.set()


def open_core(directory=None, keys=None, server=None):
    directory = directory or tempfile.mkdtemp(prefix="techo-python")
    return TechoCore.open(CoreConfig(data_dir=directory, server_url=server or env("TECHO_SERVER_URL")), keys or MemoryKeys())


def at(year, month, day, hour, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=JST)


def entry(value, when=None):
    return VitalEntry(
        input=value,
        measured_at=when or at(2026, 11, 20, 7, 30),
        utc_offset_minutes=JST_MINUTES,
        source=Source.SELF_ENTERED,
        device_name=None,
        note=None,
    )


def bp(systolic, diastolic, pulse=None, context=BpContext.MORNING):
    return VitalInput.BLOOD_PRESSURE(systolic=systolic, diastolic=diastolic, pulse=pulse, context=context)


def all_readings(core, profile_id):
    out, cursor = [], None
    while True:
        page = core.list_vitals(profile_id, VitalFilter(kind=None, since=None, until=None, limit=500, cursor=cursor))
        out += page.items
        cursor = page.next_cursor
        if cursor is None:
            return out


class ProfilesAndVitals(unittest.TestCase):
    def test_profiles(self):
        core = open_core()
        self.assertTrue(core.device_id())
        self.assertIsNone(core.active_profile())
        me = core.add_profile("ＫＴ１２３４５６", "山田 花子", Relationship.MYSELF)
        self.assertEqual(me.hm_code, "KT123456")
        core.set_active_profile(me.id)
        self.assertEqual(core.active_profile(), me)
        with self.assertRaises(ApiError.Conflict) as twice:
            core.add_profile("KT-123456", "again", Relationship.FAMILY)
        self.assertEqual(twice.exception.kind, ConflictKind.ALREADY_EXISTS)
        with self.assertRaises(ApiError.Validation) as bad:
            core.add_profile("x", "short", Relationship.MYSELF)
        self.assertEqual(bad.exception.field, Field.HM_CODE)
        self.assertEqual(core.rename_profile(me.id, "山田 はな").display_name, "山田 はな")
        self.assertEqual(core.unsent_changes(me.id), 0)
        # A reading not sent yet: removing refuses, and sending first cannot happen on a phone that
        # never signed in, so nothing is removed until the loss is accepted.
        core.record_vital(me.id, entry(VitalInput.STEPS("5000")))
        self.assertEqual(core.unsent_changes(me.id), 1)
        with self.assertRaises(ApiError.Conflict) as unsent:
            core.remove_profile(me.id, False)
        self.assertEqual(unsent.exception.kind, ConflictKind.UNSENT_CHANGES)
        self.assertFalse(core.can_send_changes(me.id))
        with self.assertRaises(ApiError.Conflict) as not_sent:
            asyncio.run(core.send_then_remove_profile(me.id, None))
        self.assertEqual(not_sent.exception.kind, ConflictKind.UNSENT_CHANGES)
        self.assertEqual(core.unsent_changes(me.id), 1)
        self.assertEqual(core.remove_profile(me.id, True), 1)
        self.assertIsNone(core.active_profile())

    def test_every_kind_as_typed(self):
        core = open_core()
        p = core.add_profile("KT000001", "テスト", Relationship.MYSELF).id
        weight = core.record_vital(p, entry(VitalInput.WEIGHT(kg="６１．２")))
        self.assertEqual(weight.vital.value, VitalValue.WEIGHT(kg=61.2))
        self.assertEqual(weight.vital.as_input, VitalInput.WEIGHT(kg="61.2"))
        self.assertEqual(weight.vital.measured_at, at(2026, 11, 20, 7, 30))
        high = core.record_vital(p, entry(bp("185", "95", "70")))
        self.assertTrue(any(w.field == Field.SYSTOLIC for w in high.warnings))
        glucose = core.record_vital(p, entry(VitalInput.GLUCOSE(value="5.5", unit=GlucoseUnit.MMOL_PER_L, timing=GlucoseTiming.FASTING)))
        self.assertEqual(glucose.vital.value.mg_dl, 99.0)
        core.record_vital(p, entry(VitalInput.TEMPERATURE(celsius="36.6")))
        steps = core.record_vital(p, entry(VitalInput.STEPS(count="8,000")))
        self.assertEqual(steps.vital.value, VitalValue.STEPS(count=8000))
        self.assertEqual(steps.vital.shown.value, "8,000")
        self.assertEqual(glucose.vital.shown.converted_mg_dl, "99")
        self.assertEqual(len(core.latest_vitals(p)), 5)

    def test_bad_input_is_typed_and_saves_nothing(self):
        core = open_core()
        p = core.add_profile("KT000002", "テスト", Relationship.MYSELF).id
        with self.assertRaises(ApiError.Validation) as nan:
            core.record_vital(p, entry(VitalInput.WEIGHT(kg="abc")))
        self.assertEqual(nan.exception.field, Field.WEIGHT)
        self.assertTrue(nan.exception.problem.is_NOT_A_NUMBER())
        self.assertNotIn("abc", str(nan.exception))
        with self.assertRaises(ApiError.Validation) as rng:
            core.record_vital(p, entry(bp("400", "80")))
        self.assertTrue(rng.exception.problem.is_OUT_OF_RANGE())
        self.assertEqual(rng.exception.problem.unit, "mmHg")
        with self.assertRaises(ApiError.NotFound):
            core.record_vital(NO_SUCH_ID, entry(VitalInput.STEPS(count="10")))
        self.assertEqual(core.latest_vitals(p), [])
        self.assertEqual(core.sync_status().pending, 0)
        self.assertTrue(core.sync_status().state.is_NOT_SIGNED_IN())

    def test_paging_corrections_and_deletion(self):
        core = open_core()
        p = core.add_profile("KT000003", "テスト", Relationship.MYSELF).id
        for i in range(5):
            core.record_vital(p, entry(VitalInput.WEIGHT(kg=f"60.{i}"), at(2026, 11, 10 + i, 7)))
        first = core.list_vitals(p, VitalFilter(kind=VitalKind.WEIGHT, since=None, until=None, limit=2, cursor=None))
        self.assertEqual([v.value.kg for v in first.items], [60.4, 60.3])
        second = core.list_vitals(p, VitalFilter(kind=VitalKind.WEIGHT, since=None, until=None, limit=2, cursor=first.next_cursor))
        self.assertEqual(second.items[0].value.kg, 60.2)
        fixed = core.amend_vital(first.items[0].id, entry(VitalInput.WEIGHT(kg="60.45"), at(2026, 11, 14, 7)))
        self.assertEqual([v.id for v in core.vital_history(fixed.vital.id)], [first.items[0].id, fixed.vital.id])
        with self.assertRaises(ApiError.Conflict):
            core.amend_vital(first.items[0].id, entry(VitalInput.WEIGHT(kg="61")))
        self.assertIsNotNone(core.delete_vital(fixed.vital.id).deleted_at)
        self.assertIsNotNone(core.get_vital(fixed.vital.id).deleted_at)
        self.assertEqual(len(all_readings(core, p)), 4)

    def test_picked_time_read_in_the_phone_zone_or_the_corrected_readings_offset(self):
        class NewYork2026(PhoneZone):
            """US Eastern in 2026, by its two changes (no zone database needed on the machine)."""

            def utc_offset_seconds_at(self, at):
                summer = datetime(2026, 3, 8, 7, tzinfo=timezone.utc) <= at < datetime(2026, 11, 1, 6, tzinfo=timezone.utc)
                return (-4 if summer else -5) * 3600

        def picked(month, day, hour, minute):
            return PickedDateTime(day=CalendarDay(year=2026, month=month, day=day), hour=hour, minute=minute)

        skipped = reading_time(picked(3, 8, 2, 30), None, NewYork2026())
        self.assertEqual(skipped.at, datetime(2026, 3, 8, 7, 30, tzinfo=timezone.utc))
        self.assertEqual((skipped.utc_offset_minutes, skipped.shown), (-240, picked(3, 8, 3, 30)))
        twice = reading_time(picked(11, 1, 1, 30), None, NewYork2026())
        self.assertEqual(twice.at, datetime(2026, 11, 1, 5, 30, tzinfo=timezone.utc))
        kept = reading_time(picked(3, 8, 2, 30), JST_MINUTES, NewYork2026())
        self.assertEqual((kept.at, kept.utc_offset_minutes), (at(2026, 3, 8, 2, 30), JST_MINUTES))
        self.assertEqual(picked_date_time(kept.at, JST_MINUTES), picked(3, 8, 2, 30))
        with self.assertRaises(ApiError.Internal):
            reading_time(picked(2, 30, 7, 0), None, NewYork2026())

    def test_charts_summary_home(self):
        core = open_core()
        p = core.add_profile("KT000004", "テスト", Relationship.MYSELF).id
        today = calendar_day_at(at(2026, 11, 20, 21), JST_MINUTES)
        self.assertEqual(today, CalendarDay(year=2026, month=11, day=20))
        with self.assertRaises(ApiError.Internal):
            calendar_day_add(CalendarDay(year=2026, month=2, day=30), 1)
        for d in range(14, 21):
            core.record_vital(p, entry(bp(str(130 + d), "85"), at(2026, 11, d, 7)))
            core.record_vital(p, entry(bp(str(120 + d), "80", context=BpContext.EVENING), at(2026, 11, d, 21)))
        series = core.vital_series(p, VitalKind.BLOOD_PRESSURE, calendar_day_add(today, -6), today, Bucket.DAY)
        self.assertEqual(len(series), 7)
        self.assertEqual(series[0].value.count, 2)
        chart = core.vital_chart(p, VitalKind.BLOOD_PRESSURE, Bucket.DAY, at(2026, 11, 20, 22), JST_MINUTES)
        self.assertEqual((chart.day_count, chart.unit), (14, "mmHg"))
        self.assertEqual([line.shown for line in chart.reference_lines], ["135", "85"])
        self.assertEqual(len(chart.points), len(series))
        summary = core.home_bp_summary(p, at(2026, 11, 20, 22), JST_MINUTES)
        self.assertEqual(summary.morning.days, 7)
        self.assertEqual(summary.morning._class, HomeBpClass.GRADE2)
        self.assertEqual(summary.morning.shown_systolic, str(int(summary.morning.mean_systolic + 0.5)))
        self.assertEqual(core.entry_defaults(at(2026, 11, 20, 7), JST_MINUTES).bp_context, BpContext.MORNING)
        home = core.home_screen(p, at(2026, 11, 20, 22), JST_MINUTES)
        self.assertEqual(len(home.today), 2)
        self.assertEqual(home.bp_summary, summary)
        self.assertEqual(home.sync.pending, 14)


class KeysAndErrors(unittest.TestCase):
    def test_key_store_errors_travel_both_ways(self):
        with self.assertRaises(ApiError.KeyStore) as locked:
            open_core(keys=LockedKeys(unexpected=False))
        self.assertIn("device locked", locked.exception.reason)
        with self.assertRaises(ApiError.KeyStore):
            open_core(keys=LockedKeys(unexpected=True))

    def test_lost_or_changed_key(self):
        directory = tempfile.mkdtemp(prefix="techo-python")
        keys = MemoryKeys()
        core = open_core(directory, keys)
        core.add_profile("KT000005", "テスト", Relationship.MYSELF)
        del core
        with self.assertRaises(ApiError.KeyUnavailable):
            open_core(directory, MemoryKeys())
        other = MemoryKeys()
        other.save("database-key", bytes([7] * 32))
        with self.assertRaises(ApiError.KeyChanged):
            open_core(directory, other)
        self.assertEqual(len(open_core(directory, keys).profiles()), 1)

    def test_starting_over_keeps_what_can_still_be_read(self):
        directory = tempfile.mkdtemp(prefix="techo-python")
        keys = MemoryKeys()
        core = open_core(directory, keys)
        p = core.add_profile("KT000006", "テスト", Relationship.MYSELF)
        core.record_vital(p.id, entry(VitalInput.STEPS(count="100")))
        del core
        lost = MemoryKeys()
        with self.assertRaises(ApiError.KeyUnavailable):
            open_core(directory, lost)
        report = start_over(CoreConfig(data_dir=directory, server_url=env("TECHO_SERVER_URL")), lost)
        self.assertEqual((report.salvaged_changes, report.salvaged_profiles), (0, 0))
        self.assertTrue(os.path.exists(report.set_aside_file))
        self.assertEqual(open_core(directory, lost).profiles(), [])


class Medications(unittest.TestCase):
    """A pharmacy receipt in every form a shell hands over: codewords, photos, a file, bytes."""

    def fixture(self, name):
        with open(os.path.join(env("TECHO_FIXTURES"), name), "rb") as f:
            return f.read()

    def symbols(self):
        n = 1
        while os.path.exists(os.path.join(env("TECHO_FIXTURES"), f"receipt-qr-{n + 1}.png")):
            n += 1
        return n

    def test_scan_in_any_order_then_list_search_show_hide_export(self):
        core = open_core()
        p = core.add_profile("34001234", "広島 花子", Relationship.MYSELF).id
        scanner = core.start_medication_scan(p)
        n = self.symbols()
        steps = []
        for i in range(n, 0, -1):
            cw = self.fixture(f"receipt-qr-{i}.codewords")
            steps.append(scanner.add_codewords(cw[1:], cw[0]))
        self.assertEqual(steps[0].outcome, ScanOutcome.WAITING)
        self.assertEqual((steps[0].waiting[0].have, steps[0].waiting[0].total), (1, n))
        self.assertEqual(steps[-1].outcome, ScanOutcome.COMPLETED)
        self.assertEqual(steps[-1].imports[0].added, 1)

        photos = core.start_medication_scan(p)
        last = [photos.add_photo(os.path.join(env("TECHO_FIXTURES"), f"receipt-qr-{i}.png")) for i in range(1, n + 1)][-1]
        self.assertEqual(last.imports[0].already_present, 1)
        data = self.fixture("receipt.jahis")
        parity = 0
        for b in data:
            parity ^= b
        by_symbol = core.start_medication_scan(p)
        by_symbol.add_symbol(data[10:], StructuredAppendHeader(position=1, total=2, parity=parity))
        done = by_symbol.add_symbol(data[:10], StructuredAppendHeader(position=0, total=2, parity=parity))
        self.assertEqual(done.imports[0].already_present, 1)
        self.assertEqual(core.import_medication_file(p, data).already_present, 1)
        with self.assertRaises(ApiError.Photo) as e:
            photos.add_photo(os.path.join(env("TECHO_FIXTURES"), "receipt.jahis"))
        self.assertEqual(e.exception.problem, PhotoProblem.UNSUPPORTED_FORMAT)
        with self.assertRaises(ApiError.Import) as e:
            core.import_medication_file(p, b"JAHIS10\r\n")
        self.assertEqual(e.exception.problem, ImportProblem.PRESCRIPTION_SYMBOL)

        items = core.list_medications(p, MedicationFilter(kind=MedicationKind.DISPENSING)).items
        self.assertEqual(len(items), 1)
        d = items[0]
        self.assertEqual(d.title, "テスト薬局 本通店")
        self.assertEqual(d.arrival, MedicationArrival.SCANNED)
        self.assertEqual([m.id for m in core.current_medications(p, CalendarDay(year=2026, month=12, day=17))], [d.id])
        self.assertEqual(core.current_medications(p, CalendarDay(year=2026, month=12, day=18)), [])
        self.assertEqual([m.id for m in core.search_medications(p, "ﾒﾄﾎﾙﾐﾝ")], [d.id])
        self.assertEqual(core.medication_pharmacies(p)[0].code, "0123456")
        rp = core.get_medication(d.id).dispensing.rps[0]
        self.assertEqual((rp.quantity, rp.quantity_unit), (28, QuantityUnit.DAYS))
        self.assertEqual(rp.drugs[1].dose_meaning, DoseMeaning.DAILY)
        self.assertTrue(core.export_medications(p).data.startswith(b"JAHISTC08,2\r\n"))
        core.delete_medication(d.id)
        self.assertTrue(core.get_medication(d.id).summary.hidden)
        scanner.reset()


class EmergencySheet(unittest.TestCase):
    def test_fields_photo_pages_history_and_a_refused_value(self):
        groups = emergency_sheet_fields()
        self.assertEqual(groups[0].key, "identity")
        blood = next(f for g in groups for f in g.fields if f.key == "medical.blood_type")
        self.assertEqual((blood.kind, blood.label_ja), (SheetFieldKind.CHOICE, "血液型"))
        self.assertIn("AB", blood.choices)

        core = open_core()
        p = core.add_profile("34001234", "広島 花子", Relationship.MYSELF).id
        self.assertIsNone(core.emergency_sheet(p))
        with self.assertRaises(ApiError.DocumentField) as refused:
            core.save_emergency_fields(p, [SheetFieldValue(key="medical.blood_type", value="C")])
        self.assertEqual(refused.exception.key, "medical.blood_type")
        self.assertIsNone(core.emergency_sheet(p), "nothing saved")

        sheet = core.save_emergency_fields(p, [SheetFieldValue(key="identity.name", value="広島 花子"),
                                               SheetFieldValue(key="medical.blood_type", value="A")])
        self.assertEqual([f.key for f in sheet.fields], ["identity.name", "medical.blood_type"])
        self.assertTrue(sheet.unsent and sheet.saved_on_this_device and not sheet.review_due)
        photo = os.path.join(env("TECHO_FIXTURES"), "receipt-qr-1.png")
        sheet = core.add_emergency_page(p, photo)
        page = sheet.pages[0]
        self.assertEqual(page.number, 1)
        self.assertGreaterEqual(core.sync_status().pending_uploads, 1, "the photo waits to be sent")
        with self.assertRaises(ApiError.Photo):
            core.add_emergency_page(p, os.path.join(env("TECHO_FIXTURES"), "receipt.jahis"))
        path = asyncio.run(core.emergency_page_file(p, page.image_sha256, False))
        with open(path, "rb") as f:
            self.assertEqual(f.read(2), b"\xff\xd8")
        core.clear_photo_cache()
        self.assertFalse(os.path.exists(path))
        with self.assertRaises(ApiError.NotFound):
            core.resolve_emergency_conflict(p, "medical.blood_type", True)
        self.assertEqual(core.remove_emergency_page(p, page.image_sha256).pages, [])
        history = core.emergency_sheet_history(p)
        self.assertEqual([v.pages for v in history], [0, 1, 0])
        self.assertEqual(history[-1].changed_fields, ["identity.name", "medical.blood_type"])
        # Never signed in: there is no server history to add.
        asyncio.run(core.refresh_emergency_sheet_history(p))
        self.assertEqual(core.emergency_sheet_history(p), history)
        printed = core.emergency_sheet_print(p, 540)
        self.assertIn("<th>お名前</th>", printed)
        self.assertIn("size: A4", printed)
        with open(os.path.join(env("TECHO_FIXTURES"), "receipt.jahis"), "rb") as f:
            core.import_medication_file(p, f.read())
        offered = [s.key for s in core.emergency_sheet_suggestions(p, CalendarDay(year=2026, month=11, day=21))]
        self.assertIn("medical.medicines", offered)
        self.assertNotIn("identity.name", offered)


SYSTOLIC = "9A751000000000001"
HBA1C = "3D046000001906202"
URINE_GLUCOSE = "1A020000000191111"


class Checkups(unittest.TestCase):
    def test_a_checkup_with_a_photo_judged_items_a_trend_and_a_refused_value(self):
        codes = {c.code: c for c in checkup_item_codes()}
        self.assertEqual((codes[SYSTOLIC].plain_name, codes[SYSTOLIC].unit), ("上の血圧", "mmHg"))
        self.assertEqual(codes[SYSTOLIC].value_kind, CheckupValueKind.DECIMAL)
        self.assertEqual(codes[HBA1C].see_doctor.shown, "≥6.5")
        self.assertEqual(codes[URINE_GLUCOSE].value_labels[0], "−")

        core = open_core()
        p = core.add_profile("34001234", "広島 花子", Relationship.MYSELF).id
        photo = os.path.join(env("TECHO_FIXTURES"), "receipt-qr-1.png")
        june = CalendarDay(year=2025, month=6, day=12)
        with self.assertRaises(ApiError.Validation) as bad:
            core.add_checkup(p, june, CheckupKind.TOKUTEI, "", "", [photo], [CheckupItemValue(code=SYSTOLIC, value="999")])
        self.assertEqual(bad.exception.field, Field.ITEM_VALUE)
        self.assertTrue(bad.exception.problem.is_OUT_OF_RANGE())
        self.assertNotIn("999", str(bad.exception))
        with self.assertRaises(ApiError.Validation) as bad:
            core.add_checkup(p, june, CheckupKind.TOKUTEI, "", "", [], [CheckupItemValue(code="9A75", value="128")])
        self.assertEqual(bad.exception.field, Field.ITEM_CODE)
        self.assertEqual(core.checkups(p), [], "nothing saved")
        # A form checks each line before saving, so the problem stands beside that line.
        check_checkup_item(" " + SYSTOLIC.lower() + " ", " 128 ")
        with self.assertRaises(ApiError.Validation) as line:
            check_checkup_item(SYSTOLIC, "999")
        self.assertEqual((line.exception.field, line.exception.problem.is_OUT_OF_RANGE()), (Field.ITEM_VALUE, True))

        first = core.add_checkup(p, june, CheckupKind.TOKUTEI, "広島市民病院", "", [photo],
                                 [CheckupItemValue(code=SYSTOLIC, value="128"), CheckupItemValue(code=URINE_GLUCOSE, value="1")])
        self.assertEqual(first.date, june)
        self.assertEqual(len(first.pages), 1)
        judged = {i.code: (i.shown_value, i.judgement) for i in first.items}
        self.assertEqual(judged[SYSTOLIC], ("128", CheckupJudgement.NORMAL))
        self.assertEqual(judged[URINE_GLUCOSE], ("−", CheckupJudgement.NO_THRESHOLDS))
        path = asyncio.run(core.checkup_page_file(p, first.id, first.pages[0].image_sha256, False))
        with open(path, "rb") as f:
            self.assertEqual(f.read(2), b"\xff\xd8")
        core.clear_photo_cache()

        second = core.add_checkup(p, CalendarDay(year=2026, month=6, day=10), CheckupKind.TEIKI, "", "", [], [])
        second = core.set_checkup_items(p, second.id, [CheckupItemValue(code=SYSTOLIC, value="142"),
                                                       CheckupItemValue(code=HBA1C, value="5.8")])
        self.assertEqual({i.code: i.judgement for i in second.items},
                         {SYSTOLIC: CheckupJudgement.SEE_DOCTOR, HBA1C: CheckupJudgement.GUIDANCE})
        self.assertEqual(second.worst_judgement, CheckupJudgement.SEE_DOCTOR)
        entries = core.checkups(p)
        self.assertEqual([e.id for e in entries], [second.id, first.id])
        self.assertEqual([e.worst_judgement for e in entries], [CheckupJudgement.SEE_DOCTOR, CheckupJudgement.NORMAL])
        self.assertEqual([e.page_count for e in entries], [0, 1])
        sha = first.pages[0].image_sha256
        removed = core.remove_checkup_page(p, first.id, sha)
        self.assertEqual((removed.pages, removed.waiting_pages), ([], []))
        with self.assertRaises(ApiError.NotFound):
            core.remove_checkup_page(p, first.id, sha)
        trend = core.checkup_series(p, SYSTOLIC)
        self.assertEqual([(t.date, t.value, t.judgement) for t in trend],
                         [(june, "128", CheckupJudgement.NORMAL),
                          (CalendarDay(year=2026, month=6, day=10), "142", CheckupJudgement.SEE_DOCTOR)])
        self.assertEqual({(t.plain_name, t.unit) for t in trend}, {("上の血圧", "mmHg")})

        core.delete_checkup(p, first.id)
        self.assertEqual([e.id for e in core.checkups(p)], [second.id])
        with self.assertRaises(ApiError.NotFound):
            core.checkup(p, first.id)


class Sync(unittest.TestCase):
    def test_two_devices_and_the_background_loop(self):
        asyncio.run(self._scenario())

    async def _scenario(self):
        code, password = env("TECHO_HM_CODE"), env("TECHO_PASSWORD")
        phone_a = open_core()
        a = phone_a.add_profile(code, "テスト", Relationship.MYSELF).id
        with self.assertRaises(ApiError.Auth) as wrong:
            await phone_a.login(code, "not the password")
        self.assertTrue(wrong.exception.problem.is_WRONG_CREDENTIALS())
        account = await phone_a.login(code, password)
        self.assertIn(code, account.patients)
        for i in range(30):
            phone_a.record_vital(a, entry(VitalInput.STEPS(count=str(1000 + i)), at(2026, 11, 1 + i % 9, 8, i)))
        watcher = Recorder()
        report = await phone_a.sync_now(watcher)
        self.assertTrue(report.outcome.is_COMPLETE())
        self.assertEqual(report.pushed, 30)
        self.assertTrue(any(p.phase == SyncPhase.PUSHING for p in watcher.progress))
        self.assertEqual(watcher.reports, [report])
        self.assertEqual(phone_a.sync_status().pending, 0)
        self.assertTrue(phone_a.sync_status().state.is_UP_TO_DATE())

        # Two versions of 命の宝箱, both sent before phone B ever syncs.
        for blood_type in ("A", "AB"):
            phone_a.save_emergency_fields(a, [SheetFieldValue(key="medical.blood_type", value=blood_type)])
            self.assertTrue((await phone_a.sync_now(None)).outcome.is_COMPLETE())

        phone_b = open_core()
        b = phone_b.add_profile(code, "テスト", Relationship.MYSELF).id
        await phone_b.login(code, password)
        self.assertTrue((await phone_b.sync_now(None)).outcome.is_COMPLETE())
        self.assertEqual({v.id for v in all_readings(phone_a, a)}, {v.id for v in all_readings(phone_b, b)})
        self.assertEqual(len(phone_b.emergency_sheet_history(b)), 1, "B received only the sheet as it stands")
        await phone_b.refresh_emergency_sheet_history(b)
        history = phone_b.emergency_sheet_history(b)
        self.assertEqual([(v.saved_here, v.saved_by_account) for v in history], [(False, code)] * 2)
        self.assertEqual([v.saved_at for v in history], [v.saved_at for v in phone_a.emergency_sheet_history(a)])

        loop = Recorder()
        phone_b.record_vital(b, entry(VitalInput.TEMPERATURE(celsius="36.8")))
        handle = phone_b.start_auto_sync(3600, loop)
        self.assertTrue(handle.is_active())
        self.assertTrue(await asyncio.to_thread(loop.finished.wait, 30))
        handle.wake()
        handle.cancel()
        self.assertFalse(handle.is_active())
        self.assertEqual(phone_b.sync_status().pending, 0)
        # One loop per core: a second replaces the first, and releasing the core stops it.
        first = phone_b.start_auto_sync(3600, None)
        second = phone_b.start_auto_sync(3600, None)
        self.assertFalse(first.is_active())
        self.assertTrue(second.is_active())
        del phone_b
        self.assertFalse(second.is_active())

        activation_code = env("TECHO_ACTIVATION_HM_CODE")
        phone_c = open_core()
        phone_c.add_profile(activation_code, "新しい人", Relationship.MYSELF)
        await phone_c.activate(activation_code, env("TECHO_ACTIVATION_CODE"), "new-password-1")
        self.assertIn(activation_code, (await phone_c.login(activation_code, "new-password-1")).patients)

        await phone_a.logout()
        self.assertIsNone(phone_a.account())
        self.assertTrue((await phone_a.sync_now(None)).outcome.is_NEEDS_LOGIN())


if __name__ == "__main__":
    unittest.main()
