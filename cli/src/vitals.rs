//! `techo vitals …`: recording, correcting and reviewing vitals, and how they print. How a
//! value typed on the command line becomes a reading is in `vital_input.rs`.

use crate::session::{CliResult, Session, print_json};
use crate::vital_input::{self, Details};
use crate::{chart, format, when};
use chrono::Utc;
use clap::{Subcommand, ValueEnum};
use serde::Serialize;
use techo_core::domain::{Bucket, HomeBpSummary, MIN_DAYS, OccasionSummary, Profile, Vital, VitalKind};
use techo_core::store::{Recorded, VitalQuery};

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    #[value(alias = "blood-pressure")]
    Bp,
    Weight,
    #[value(alias = "temperature")]
    Temp,
    Glucose,
    Steps,
}

#[derive(Subcommand)]
pub enum VitalsCommand {
    /// Record a reading: `add bp 128/82 --pulse 70`, `add weight 61.2`, `add temp 36.6`,
    /// `add glucose 104 --fasting` (or `6.1mmol`), `add steps 8000`
    Add {
        kind: KindArg,
        value: String,
        #[command(flatten)]
        details: Details,
    },
    /// List current readings, newest first
    List {
        #[arg(long = "type", value_name = "TYPE")]
        kind: Option<KindArg>,
        /// Only the last N days
        #[arg(long)]
        days: Option<u32>,
        /// Page size
        #[arg(long, default_value_t = 20)]
        limit: u32,
        /// Continue from a previous page's cursor
        #[arg(long)]
        cursor: Option<String>,
    },
    /// The most recent reading of each type
    Latest,
    /// Correct a reading: saves a new version that replaces it (the old one stays in history)
    Amend {
        /// Reading id (a unique prefix is enough)
        id: String,
        /// The corrected value, in the same form as for `add`
        value: String,
        #[command(flatten)]
        details: Details,
    },
    /// Delete a reading (kept in history as deleted)
    Delete { id: String },
    /// Every version of a reading
    History { id: String },
    /// Chart a type over time in the terminal
    Chart {
        #[arg(long = "type", value_name = "TYPE", default_value = "bp")]
        kind: KindArg,
        #[arg(long, default_value_t = 30)]
        days: u32,
        /// Bucket size
        #[arg(long, value_enum, default_value = "day")]
        by: BucketArg,
    },
    /// Home blood-pressure summary of the last 7 days (JSH 2019 home-BP rules)
    BpSummary,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum BucketArg {
    Day,
    Week,
    Month,
}

fn kind_of(k: KindArg) -> VitalKind {
    match k {
        KindArg::Bp => VitalKind::BloodPressure,
        KindArg::Weight => VitalKind::Weight,
        KindArg::Temp => VitalKind::Temperature,
        KindArg::Glucose => VitalKind::Glucose,
        KindArg::Steps => VitalKind::Steps,
    }
}

pub fn run(s: &Session, cmd: VitalsCommand) -> CliResult {
    match cmd {
        VitalsCommand::Add { kind, value, details } => {
            let profile = s.profile()?;
            let input = vital_input::parse(kind_of(kind), &value, &details, None)?;
            let rec = s.store.record_vital(profile.id, input)?;
            report_saved(s, &profile, "Saved", &rec)
        }
        VitalsCommand::Amend { id, value, details } => {
            let profile = s.profile()?;
            let id = s.store.resolve_vital_id(profile.id, &id)?;
            let original = s.store.get_vital(id)?;
            let input = vital_input::parse(original.kind(), &value, &details, Some(&original))?;
            let rec = s.store.amend_vital(id, input)?;
            report_saved(s, &profile, "Corrected", &rec)
        }
        VitalsCommand::Delete { id } => {
            let profile = s.profile()?;
            let id = s.store.resolve_vital_id(profile.id, &id)?;
            let v = s.store.delete_vital(id)?;
            if s.json {
                return print_json(&v);
            }
            println!("Deleted: {}", format::one_line(&v));
            println!("(kept in history: techo vitals history {})", v.id);
            Ok(())
        }
        VitalsCommand::List { kind, days, limit, cursor } => {
            let profile = s.profile()?;
            let q = VitalQuery {
                kind: kind.map(kind_of),
                from: days.map(|d| when::days_back(d, when::now()).with_timezone(&Utc)),
                to: None,
                limit,
                cursor,
            };
            let page = s.store.list_vitals(profile.id, &q)?;
            if s.json {
                return print_json(&page);
            }
            println!("{}", format::header(&profile));
            if page.items.is_empty() {
                println!("No readings. Add one: techo vitals add bp 128/82 --pulse 70");
            }
            for v in &page.items {
                println!("{}  {}", format::one_line(v), v.id);
            }
            if let Some(c) = page.next_cursor {
                println!("… more: techo vitals list --cursor {c}");
            }
            Ok(())
        }
        VitalsCommand::Latest => {
            let profile = s.profile()?;
            let latest = s.store.latest_vitals(profile.id)?;
            if s.json {
                return print_json(&latest);
            }
            println!("{}", format::header(&profile));
            if latest.is_empty() {
                println!("No readings yet.");
            }
            for v in &latest {
                println!("{}  {}", format::one_line(v), v.id);
            }
            Ok(())
        }
        VitalsCommand::History { id } => {
            let profile = s.profile()?;
            let id = s.store.resolve_vital_id(profile.id, &id)?;
            let versions = s.store.vital_history(id)?;
            if s.json {
                return print_json(&versions);
            }
            for (i, v) in versions.iter().enumerate() {
                let status = match (v.deleted_at, v.superseded_by) {
                    (Some(at), _) => {
                        format!("deleted {}", at.with_timezone(&v.measured_at.timezone()).format("%Y-%m-%d %H:%M"))
                    }
                    (None, Some(_)) => "corrected".to_owned(),
                    (None, None) => "current".to_owned(),
                };
                println!("v{}  {}  [{status}]  {}", i + 1, format::one_line(v), v.id);
            }
            Ok(())
        }
        VitalsCommand::Chart { kind, days, by } => {
            let profile = s.profile()?;
            let now = when::now();
            let bucket = match by {
                BucketArg::Day => Bucket::Day,
                BucketArg::Week => Bucket::Week,
                BucketArg::Month => Bucket::Month,
            };
            let first = now.date_naive() - chrono::Duration::days(i64::from(days.max(1)) - 1);
            let points = s.store.vital_series(profile.id, kind_of(kind), first, now.date_naive(), bucket)?;
            if s.json {
                return print_json(&points);
            }
            println!("{}", format::header(&profile));
            print!("{}", chart::render(kind_of(kind), bucket, &points));
            Ok(())
        }
        VitalsCommand::BpSummary => {
            let profile = s.profile()?;
            let summary = s.store.home_bp_summary(profile.id, when::now())?;
            if s.json {
                return print_json(&summary);
            }
            println!("{}", format::header(&profile));
            print_bp_summary(&summary);
            Ok(())
        }
    }
}

fn report_saved(s: &Session, profile: &Profile, verb: &str, rec: &Recorded) -> CliResult {
    if s.json {
        #[derive(Serialize)]
        struct Out<'a> {
            vital: &'a Vital,
            warnings: Vec<String>,
        }
        return print_json(&Out { vital: &rec.vital, warnings: rec.warnings.iter().map(|w| w.to_string()).collect() });
    }
    println!("{verb} for {}: {}", profile.display_name, format::one_line(&rec.vital));
    println!("  id {}", rec.vital.id);
    for w in &rec.warnings {
        eprintln!("warning: {}", format::warning(w));
    }
    Ok(())
}

pub fn print_bp_summary(s: &HomeBpSummary) {
    println!(
        "Home blood pressure, {} – {} (JSH 2019 home-BP bands; at least {MIN_DAYS} days per occasion)",
        s.period_start, s.period_end
    );
    let line = |name: &str, o: &OccasionSummary| {
        let mean = match (o.mean_systolic, o.mean_diastolic) {
            (Some(sys), Some(dia)) => {
                let pulse = o.mean_pulse.map(|p| format!(", pulse {}", format::one_decimal(p))).unwrap_or_default();
                format!("{}/{} mmHg{pulse}", format::one_decimal(sys), format::one_decimal(dia))
            }
            _ => "no readings".to_owned(),
        };
        let verdict = match o.class {
            Some(c) => format::class_label(c),
            None if o.days > 0 => format!("not classified: {} of {MIN_DAYS} days needed", o.days),
            None => "not classified".to_owned(),
        };
        println!("  {name:<8} {mean:<32} {} days, {} readings — {verdict}", o.days, o.readings);
    };
    line("Morning", &s.morning);
    line("Evening", &s.evening);
    match s.class {
        Some(c) => {
            let pattern = if s.isolated_systolic { "; systolic-only pattern (収縮期高血圧)" } else { "" };
            println!("  Overall  {}{pattern}", format::class_label(c));
        }
        None => println!("  Overall  not enough days yet — keep measuring morning and evening"),
    }
    println!(
        "This summarises your own readings for information; it is not a diagnosis. Discuss your blood pressure with your doctor."
    );
}
