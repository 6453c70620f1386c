//! Human-readable renderings of core values.

use crate::session::{CliResult, usage};
use chrono::{DateTime, FixedOffset};
use techo_core::domain::{GlucoseUnit, HomeBpClass, Milli, Profile, Vital, VitalKind, VitalValue, Warning};
use techo_core::store::PhotoPage;

pub fn kind_label(kind: VitalKind) -> &'static str {
    match kind {
        VitalKind::Weight => "weight",
        VitalKind::Temperature => "temperature",
        VitalKind::BloodPressure => "blood pressure",
        VitalKind::Glucose => "glucose",
        VitalKind::Steps => "steps",
    }
}

/// The unit a chart of `kind` is in: the core's, as the apps show it.
pub fn unit_label(kind: VitalKind) -> &'static str {
    techo_core::domain::chart::unit(kind)
}

/// Thousands grouped as the apps print counts (the core's rule).
fn grouped(n: u32) -> String {
    techo_core::domain::shown::count(u64::from(n))
}

pub fn value(v: &VitalValue) -> String {
    match *v {
        VitalValue::Weight { kg } => format!("{kg} kg"),
        VitalValue::Temperature { celsius } => format!("{celsius} °C"),
        VitalValue::BloodPressure { systolic, diastolic, pulse, context } => {
            let pulse = pulse.map(|p| format!(", pulse {p}/min")).unwrap_or_default();
            format!("{systolic}/{diastolic} mmHg{pulse} ({context})")
        }
        VitalValue::Glucose { value, unit: GlucoseUnit::MgPerDl, timing } => {
            format!("{value} mg/dL ({})", timing_label(timing))
        }
        VitalValue::Glucose { value, unit: GlucoseUnit::MmolPerL, timing } => match v.canonical() {
            Ok(mg_dl) => format!("{value} mmol/L = {mg_dl} mg/dL ({})", timing_label(timing)),
            Err(_) => format!("{value} mmol/L ({})", timing_label(timing)),
        },
        VitalValue::Steps { count } => format!("{} steps", grouped(count)),
    }
}

fn timing_label(t: techo_core::domain::GlucoseTiming) -> &'static str {
    use techo_core::domain::GlucoseTiming::*;
    match t {
        Fasting => "fasting",
        BeforeMeal => "before a meal",
        AfterMeal1h => "1 h after a meal",
        AfterMeal2h => "2 h after a meal",
        Bedtime => "bedtime",
        Random => "random",
    }
}

/// The line above a list of one person's records.
pub fn header(p: &Profile) -> String {
    format!("{} (HM {})", p.display_name, p.hm_code)
}

pub fn when(t: &DateTime<FixedOffset>) -> String {
    t.format("%Y-%m-%d %H:%M %:z").to_string()
}

pub fn warning(w: &Warning) -> String {
    format!("please check: {w} (saved anyway)")
}

pub fn one_line(v: &Vital) -> String {
    let mut s = format!("{}  {:<15} {}", when(&v.measured_at), kind_label(v.kind()), value(&v.value));
    if let Some(note) = &v.note {
        s.push_str(&format!("  “{note}”"));
    }
    s
}

pub fn one_decimal(v: f64) -> String {
    format!("{v:.1}")
}

pub fn class_label(c: HomeBpClass) -> String {
    format!("{} ({})", c.label_ja(), c.label_en())
}

/// Means in a chart legend: whole units for BP and steps, one decimal otherwise.
pub fn mean(kind: VitalKind, v: f64) -> String {
    match kind {
        VitalKind::BloodPressure | VitalKind::Steps | VitalKind::Glucose => format!("{v:.0}"),
        VitalKind::Weight | VitalKind::Temperature => {
            Milli::from_f64(v).map(|m| format!("{:.1}", m.as_f64())).unwrap_or_else(|| format!("{v:.1}"))
        }
    }
}

/// The shortest prefix of `id`, at least 8 characters, that no other of `ids` starts with, as
/// git abbreviates commits; the `resolve_*_id` calls read it back. A UUIDv7's first 13 characters
/// are only its creation millisecond, so a fixed cut would name two records saved together alike.
pub fn short_id<'a>(id: &'a str, ids: &[&str]) -> &'a str {
    let shared = |other: &&str| id.bytes().zip(other.bytes()).take_while(|(a, b)| a == b).count();
    let longest_shared = ids.iter().filter(|other| **other != id).map(shared).max().unwrap_or(0);
    &id[..(longest_shared + 1).clamp(8, id.len())]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_ids_are_as_long_as_telling_them_apart_needs() {
        // Two saved in the same millisecond share 14 characters; a third a day later.
        let a = "019aee31-6c2a-7f10-8000-000000000001";
        let b = "019aee31-6c2a-7f11-8000-000000000002";
        let c = "019af3a0-0000-7000-8000-000000000003";
        let all = [a, b, c];
        assert_eq!(short_id(a, &all), "019aee31-6c2a-7f10");
        assert_eq!(short_id(b, &all), "019aee31-6c2a-7f11");
        assert_eq!(short_id(c, &all), "019af3a0");
        assert_eq!(short_id(a, &[a]), "019aee31");
        assert_eq!(short_id(a, &[a, a]), "019aee31", "the id itself does not count");
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(grouped(8123), "8,123");
        assert_eq!(grouped(100000), "100,000");
        assert_eq!(grouped(12), "12");
    }
}

/// A photo page as `--json` output shows it (both 命の宝箱 and checkups).
#[derive(serde::Serialize)]
pub struct PageOut {
    number: usize,
    width: u32,
    height: u32,
    bytes: u64,
    added_at: String,
    /// Added here, but did not fit beside another device's pages: waiting for room.
    waiting: bool,
}

/// `pages` numbered from 1 and the `waiting` ones after them, as the commands that take a page
/// number count them.
pub fn pages_out(pages: &[PhotoPage], waiting: &[PhotoPage]) -> Vec<PageOut> {
    pages
        .iter()
        .map(|p| (p, false))
        .chain(waiting.iter().map(|p| (p, true)))
        .enumerate()
        .map(|(i, (p, waiting))| PageOut {
            number: i + 1,
            width: p.width,
            height: p.height,
            bytes: p.image.size,
            added_at: p.added_at.clone(),
            waiting,
        })
        .collect()
}

/// Page `n` as `pages_out` numbers them.
pub fn page_numbered<'a>(pages: &'a [PhotoPage], waiting: &'a [PhotoPage], n: usize) -> CliResult<&'a PhotoPage> {
    n.checked_sub(1)
        .and_then(|i| pages.iter().chain(waiting).nth(i))
        .ok_or_else(|| usage(format!("no page {n}; there are {} page(s)", pages.len() + waiting.len())))
}

/// The "Photos" section of `show`: nothing when there are no pages.
pub fn print_pages(pages: &[PageOut]) {
    if !pages.is_empty() {
        println!("\nPhotos");
        for p in pages {
            let waiting = if p.waiting { "  — waiting for room: removing a page adds it" } else { "" };
            println!("  page {}: {}×{} px, {} KB{waiting}", p.number, p.width, p.height, p.bytes / 1024);
        }
    }
}
