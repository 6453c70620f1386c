//! `techo demo`: a month of plausible readings for a demo profile, then the views a person sees.

use crate::session::{CliResult, Session};
use crate::vitals::print_bp_summary;
use crate::{chart, format, when};
use chrono::{Duration, NaiveTime};
use techo_core::domain::{
    BpContext, Bucket, GlucoseTiming, GlucoseUnit, Milli, NewVital, Relationship, Source, VitalKind, VitalValue,
};

const DEMO_HM_CODE: &str = "DEMO0001";
const DAYS: i64 = 30;

/// Small deterministic noise so every demo looks the same.
struct Noise(u64);

impl Noise {
    fn next(&mut self, spread: i64) -> i64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) as i64 % (2 * spread + 1)) - spread
    }
}

pub fn run(s: &Session) -> CliResult {
    let profile = match s.store.profile_by_hm_code(DEMO_HM_CODE) {
        Ok(p) => p,
        Err(techo_core::Error::NoProfileWithHmCode) => {
            let p = s.store.add_profile(DEMO_HM_CODE, "デモ 太郎 (demo)", Relationship::Myself)?;
            s.store.record_vitals(p.id, month_of_readings())?;
            println!("Created demo profile HM {DEMO_HM_CODE} with {DAYS} days of readings.");
            p
        }
        Err(e) => return Err(e.into()),
    };
    s.store.set_active_profile(profile.id)?;
    println!("Active profile: {} (HM {})\n", profile.display_name, profile.hm_code);

    println!("Latest readings:");
    for v in s.store.latest_vitals(profile.id)? {
        println!("  {}", format::one_line(&v));
    }
    let now = when::now();
    println!();
    let first = now.date_naive() - Duration::days(13);
    let points = s.store.vital_series(profile.id, VitalKind::BloodPressure, first, now.date_naive(), Bucket::Day)?;
    print!("{}", chart::render(VitalKind::BloodPressure, Bucket::Day, &points));
    println!();
    print_bp_summary(&s.store.home_bp_summary(profile.id, now)?);
    println!(
        "\nTry next (same --data-dir): vitals add bp 128/82 --pulse 70 · vitals list · vitals chart --type weight --by week · status"
    );
    Ok(())
}

fn month_of_readings() -> Vec<NewVital> {
    let mut noise = Noise(2026);
    let now = when::now();
    let mut out = Vec::new();
    for back in (1..=DAYS).rev() {
        let day = now.date_naive() - Duration::days(back);
        let at = |h, m| {
            let naive = day.and_time(NaiveTime::from_hms_opt(h, m, 0).expect("valid demo time"));
            naive.and_local_timezone(*now.offset()).single().expect("fixed offsets have no gaps")
        };
        // Morning pressure drifting down over the month, as if a new habit were working.
        let trend = back * 8 / DAYS;
        let mut bp = |h, m, base: i64, ctx| {
            let sys = (base + trend + noise.next(6)) as u32;
            let dia = (82 + trend / 2 + noise.next(4)) as u32;
            let pulse = (68 + noise.next(5)) as u32;
            let mut v = NewVital::new(
                VitalValue::BloodPressure { systolic: sys, diastolic: dia, pulse: Some(pulse), context: ctx },
                at(h, m),
            );
            v.source = Source::Device;
            v.device_name = Some("上腕式血圧計".into());
            v
        };
        out.push(bp(6, 40, 134, BpContext::Morning));
        out.push(bp(22, 10, 126, BpContext::Evening));
        let kg = 64_000 - (DAYS - back) * 40 + noise.next(3) * 100;
        out.push(NewVital::new(VitalValue::Weight { kg: Milli::from_thousandths(kg) }, at(6, 50)));
        out.push(NewVital::new(
            VitalValue::Temperature { celsius: Milli::from_thousandths(36_500 + noise.next(3) * 100) },
            at(7, 0),
        ));
        if back % 3 == 0 {
            let mmol = Milli::from_thousandths(5_800 + noise.next(6) * 100);
            out.push(NewVital::new(
                VitalValue::Glucose { value: mmol, unit: GlucoseUnit::MmolPerL, timing: GlucoseTiming::Fasting },
                at(6, 45),
            ));
        }
        out.push(NewVital::new(VitalValue::Steps { count: (6_500 + noise.next(2_500)) as u32 }, at(23, 30)));
    }
    out
}
