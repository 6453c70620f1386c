//! A reading as typed on the command line: the value and its details (`--at`, `--pulse`,
//! `--fasting` …), shared by `vitals add` and `vitals amend`, and how they become the core's
//! entry form.

use crate::session::{CliResult, usage};
use crate::when;
use chrono::{DateTime, FixedOffset};
use clap::{Args, ValueEnum};
use techo_core::domain::{
    BpContext, GlucoseTiming, GlucoseUnit, NewVital, Source, Vital, VitalForm, VitalFormEntry, VitalKind, VitalValue,
};

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SourceArg {
    #[value(name = "self")]
    Myself,
    Device,
    Proxy,
}

/// Optional details of a reading, shared by `add` and `amend`.
#[derive(Args, Default)]
pub struct Details {
    /// When it was measured: "2026-11-25 07:10", "07:10" (today), or RFC 3339 [default: now]
    #[arg(long)]
    pub at: Option<String>,
    /// Pulse for a blood-pressure reading (/min)
    #[arg(long)]
    pub pulse: Option<String>,
    /// Blood pressure measured in the morning (JSH: within an hour of waking)
    #[arg(long, group = "bp_ctx")]
    pub morning: bool,
    /// Blood pressure measured in the evening (JSH: before bed)
    #[arg(long, group = "bp_ctx")]
    pub evening: bool,
    /// Blood pressure measured at another time
    #[arg(long, group = "bp_ctx")]
    pub other: bool,
    #[arg(long, group = "glucose_timing")]
    pub fasting: bool,
    #[arg(long, group = "glucose_timing")]
    pub before_meal: bool,
    #[arg(long = "after-meal-1h", group = "glucose_timing")]
    pub after_meal_1h: bool,
    #[arg(long = "after-meal-2h", group = "glucose_timing")]
    pub after_meal_2h: bool,
    #[arg(long, group = "glucose_timing")]
    pub bedtime: bool,
    /// Glucose measured at a random time (default when no timing is given)
    #[arg(long, group = "glucose_timing")]
    pub random: bool,
    /// A note to keep with the reading
    #[arg(long)]
    pub note: Option<String>,
    /// Who produced the value
    #[arg(long, value_enum)]
    pub source: Option<SourceArg>,
    /// The measuring device's name
    #[arg(long)]
    pub device: Option<String>,
}

/// Turns the command line into a reading. `original` (when correcting) supplies what is not given.
pub fn parse(kind: VitalKind, value: &str, d: &Details, original: Option<&Vital>) -> CliResult<NewVital> {
    let now = when::now();
    let measured_at: DateTime<FixedOffset> = match (&d.at, original) {
        (Some(t), _) => when::parse_at(t, now).map_err(usage)?,
        (None, Some(o)) => o.measured_at,
        (None, None) => now,
    };
    // The CLI only splits the command line into the form's fields; the core reads the numbers,
    // exactly as it does for the phone apps.
    let form = match kind {
        VitalKind::Weight => VitalForm::Weight { kg: strip_unit(value, &["kg"]).to_owned() },
        VitalKind::Temperature => VitalForm::Temperature { celsius: strip_unit(value, &["°c", "c"]).to_owned() },
        VitalKind::Steps => VitalForm::Steps { count: value.to_owned() },
        VitalKind::BloodPressure => {
            let (sys, dia) = value
                .split_once(['/', '／'])
                .ok_or_else(|| usage("blood pressure: expected systolic/diastolic, e.g. 128/82"))?;
            let old = match original.map(|o| o.value) {
                Some(VitalValue::BloodPressure { pulse, context, .. }) => Some((pulse, context)),
                _ => None,
            };
            let context = if d.morning {
                BpContext::Morning
            } else if d.evening {
                BpContext::Evening
            } else if d.other {
                BpContext::Other
            } else {
                old.map(|o| o.1).unwrap_or_else(|| BpContext::suggested_for(measured_at.time()))
            };
            VitalForm::BloodPressure {
                systolic: strip_unit(sys, &[]).to_owned(),
                diastolic: strip_unit(dia, &["mmhg"]).to_owned(),
                pulse: d.pulse.clone().or_else(|| old.and_then(|o| o.0).map(|p| p.to_string())),
                context,
            }
        }
        VitalKind::Glucose => {
            let lower = value.trim().to_lowercase();
            let (number, unit) = if let Some(n) = ["mmol/l", "mmol"].iter().find_map(|u| lower.strip_suffix(u)) {
                (n.to_owned(), GlucoseUnit::MmolPerL)
            } else {
                (strip_unit(&lower, &["mg/dl", "mg"]).to_owned(), GlucoseUnit::MgPerDl)
            };
            let timing = [
                (d.fasting, GlucoseTiming::Fasting),
                (d.before_meal, GlucoseTiming::BeforeMeal),
                (d.after_meal_1h, GlucoseTiming::AfterMeal1h),
                (d.after_meal_2h, GlucoseTiming::AfterMeal2h),
                (d.bedtime, GlucoseTiming::Bedtime),
                (d.random, GlucoseTiming::Random),
            ]
            .iter()
            .find_map(|(set, t)| set.then_some(*t))
            .or(match original.map(|o| o.value) {
                Some(VitalValue::Glucose { timing, .. }) => Some(timing),
                _ => None,
            })
            .unwrap_or(GlucoseTiming::Random);
            VitalForm::Glucose { value: number, unit, timing }
        }
    };
    if kind != VitalKind::BloodPressure && (d.pulse.is_some() || d.morning || d.evening || d.other) {
        return Err(usage("--pulse/--morning/--evening/--other apply to blood pressure only"));
    }
    let glucose_flags = d.fasting || d.before_meal || d.after_meal_1h || d.after_meal_2h || d.bedtime || d.random;
    if kind != VitalKind::Glucose && glucose_flags {
        return Err(usage("meal-timing flags apply to glucose only"));
    }
    let source = match d.source {
        Some(SourceArg::Myself) => Source::SelfEntered,
        Some(SourceArg::Device) => Source::Device,
        Some(SourceArg::Proxy) => Source::Proxy,
        None => original.map(|o| o.source).unwrap_or(Source::SelfEntered),
    };
    Ok(VitalFormEntry {
        form,
        measured_at,
        source,
        device_name: d.device.clone().or_else(|| original.and_then(|o| o.device_name.clone())),
        note: d.note.clone().or_else(|| original.and_then(|o| o.note.clone())),
    }
    .parse()?)
}

fn strip_unit<'a>(text: &'a str, units: &[&str]) -> &'a str {
    let t = text.trim();
    let lower = t.to_lowercase();
    for u in units {
        if lower.ends_with(u) && lower.is_char_boundary(lower.len() - u.len()) && t.len() == lower.len() {
            return t[..t.len() - u.len()].trim();
        }
    }
    t
}
