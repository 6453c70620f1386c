//! What each command does: open the store, call the core, print.

use crate::args::{BucketArg, Cli, Command, Details, KindArg, ProfileCommand, SourceArg, VitalsCommand};
use crate::{chart, demo, format, sync_cmd, when};
use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use techo_core::domain::{
    BpContext, Bucket, GlucoseTiming, GlucoseUnit, NewVital, Profile, Relationship, Source, Vital, VitalForm,
    VitalFormEntry, VitalKind, VitalValue,
};
use techo_core::keys::DATABASE_KEY;
use techo_core::keys::desktop::{DesktopKeyStore, KeyLocation};
use techo_core::store::{OpenOptions, Recorded, VitalQuery};
use techo_core::{Error as CoreError, Store};

/// Everything that can stop a command.
pub enum CliError {
    Core(CoreError),
    Usage(String),
    /// A sync that could not finish (offline, signed out); nothing is lost.
    Unfinished(String),
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) | Self::Core(CoreError::Validation { .. } | CoreError::BatchItem { .. }) => 2,
            Self::Unfinished(_) | Self::Core(CoreError::Network { .. } | CoreError::Auth { .. }) => 3,
            Self::Core(_) => 1,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Core(e @ (CoreError::KeyUnavailable | CoreError::KeyChanged | CoreError::WrongKeyOrCorrupt)) => {
                write!(f, "{e}; if the key cannot be brought back, `techo start-over` explains how to start afresh")
            }
            Self::Core(e) => write!(f, "{e}"),
            Self::Usage(s) | Self::Unfinished(s) => f.write_str(s),
        }
    }
}

impl From<CoreError> for CliError {
    fn from(e: CoreError) -> Self {
        Self::Core(e)
    }
}

pub type CliResult<T = ()> = Result<T, CliError>;

fn usage(msg: impl Into<String>) -> CliError {
    CliError::Usage(msg.into())
}

/// The opened store plus what the command line said about whose data to act on.
pub struct Session {
    pub store: Arc<Store>,
    pub keys: Arc<DesktopKeyStore>,
    pub data_dir: PathBuf,
    profile_override: Option<String>,
    pub json: bool,
    pub server: Option<String>,
}

/// Where this device's data lives, and its key store.
fn locate(cli: &Cli) -> CliResult<(PathBuf, Arc<DesktopKeyStore>)> {
    let data_dir = match &cli.data_dir {
        Some(d) => d.clone(),
        None => dirs::data_dir()
            .map(|d| d.join("kenko-techo"))
            .ok_or_else(|| usage("no platform data directory; pass --data-dir or set TECHO_DATA_DIR"))?,
    };
    let keys = Arc::new(DesktopKeyStore::for_data_dir(&data_dir));
    Ok((data_dir, keys))
}

impl Session {
    fn open(cli: &Cli) -> CliResult<Self> {
        let (data_dir, keys) = locate(cli)?;
        let db = data_dir.join("techo.db");
        let fresh = !db.exists();
        let store = Arc::new(Store::open(&db, keys.as_ref())?);
        if fresh && let KeyLocation::File(path) = keys.location(DATABASE_KEY) {
            eprintln!(
                "note: no OS keyring reachable ({}); the database key is kept in {} (mode 0600). Keep it private: without it the database cannot be opened.",
                keys.keyring_problem().unwrap_or("unknown reason"),
                path.display()
            );
        }
        Ok(Self {
            store,
            keys,
            data_dir,
            profile_override: cli.profile.clone(),
            json: cli.json,
            server: cli.server.clone(),
        })
    }

    pub fn profile(&self) -> CliResult<Profile> {
        Ok(match &self.profile_override {
            Some(code) => self.store.profile_by_hm_code(code)?,
            None => self.store.active_profile()?,
        })
    }

    fn print_json(&self, value: &impl Serialize) -> CliResult {
        let text = serde_json::to_string_pretty(value).map_err(|_| usage("could not encode output"))?;
        println!("{text}");
        Ok(())
    }
}

pub fn run(cli: Cli) -> CliResult {
    if let Command::StartOver { yes } = cli.command {
        // Before opening: this is for when opening fails.
        return start_over(&cli, yes);
    }
    let session = Session::open(&cli)?;
    match cli.command {
        Command::Profile(cmd) => profile(&session, cmd),
        Command::Vitals(cmd) => vitals(&session, cmd),
        Command::Status => status(&session),
        Command::Demo => demo::run(&session),
        Command::Activate { hm_code, code, password_stdin } => {
            sync_cmd::activate(&session, &hm_code, &code, password_stdin)
        }
        Command::Login { hm_code, name, password_stdin } => {
            sync_cmd::login(&session, &hm_code, name.as_deref(), password_stdin)
        }
        Command::Logout => sync_cmd::logout(&session),
        Command::Sync { what, watch: false, .. } => sync_cmd::sync(&session, what),
        Command::Sync { watch: true, every, .. } => sync_cmd::watch(&session, every),
        Command::StartOver { .. } => unreachable!("handled before the store is opened"),
    }
}

fn start_over(cli: &Cli, yes: bool) -> CliResult {
    if !yes {
        return Err(usage(
            "start-over sets this device's database aside (it is kept, not deleted), carries over what can still be \
             read and starts a fresh one that downloads everything at the next sync; add --yes to go ahead",
        ));
    }
    let (data_dir, keys) = locate(cli)?;
    let report = Store::start_over(data_dir.join("techo.db"), keys.as_ref(), OpenOptions::default())?;
    if cli.json {
        #[derive(Serialize)]
        struct Report {
            set_aside: String,
            profiles: u64,
            readings: u64,
            unsent_changes: u64,
        }
        let text = serde_json::to_string_pretty(&Report {
            set_aside: report.set_aside.display().to_string(),
            profiles: report.salvaged_profiles,
            readings: report.salvaged_readings,
            unsent_changes: report.salvaged_changes,
        })
        .map_err(|_| usage("could not encode output"))?;
        println!("{text}");
    } else {
        println!("Started over. The old database is kept at {}", report.set_aside.display());
        println!(
            "Carried over: {} profile(s), {} reading(s), {} unsent change(s) (sent at the next sync).",
            report.salvaged_profiles, report.salvaged_readings, report.salvaged_changes
        );
    }
    Ok(())
}

fn profile(s: &Session, cmd: ProfileCommand) -> CliResult {
    match cmd {
        ProfileCommand::Add { hm_code, name, family } => {
            let rel = if family { Relationship::Family } else { Relationship::Myself };
            let p = s.store.add_profile(&hm_code, &name, rel)?;
            let active = s.store.active_profile()?.id == p.id;
            println!("Added profile {} (HM {}){}", p.display_name, p.hm_code, if active { ", now active" } else { "" });
        }
        ProfileCommand::List => {
            let profiles = s.store.profiles()?;
            let active = s.store.active_profile().ok().map(|p| p.id);
            if s.json {
                #[derive(Serialize)]
                struct Row<'a> {
                    #[serde(flatten)]
                    profile: &'a Profile,
                    active: bool,
                }
                let rows: Vec<_> = profiles.iter().map(|p| Row { profile: p, active: Some(p.id) == active }).collect();
                return s.print_json(&rows);
            }
            if profiles.is_empty() {
                println!("No profiles yet. Add one: techo profile add <HM_CODE> --name <NAME>");
            }
            for p in profiles {
                let mark = if Some(p.id) == active { "*" } else { " " };
                println!("{mark} {:<20} {:<24} {}", p.hm_code, p.display_name, p.relationship.as_str());
            }
        }
        ProfileCommand::Use { hm_code } => {
            let p = s.store.profile_by_hm_code(&hm_code)?;
            s.store.set_active_profile(p.id)?;
            println!("Active profile: {} (HM {})", p.display_name, p.hm_code);
        }
    }
    Ok(())
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

fn vitals(s: &Session, cmd: VitalsCommand) -> CliResult {
    match cmd {
        VitalsCommand::Add { kind, value, details } => {
            let profile = s.profile()?;
            let input = build_reading(kind_of(kind), &value, &details, None)?;
            let rec = s.store.record_vital(profile.id, input)?;
            report_saved(s, &profile, "Saved", &rec)
        }
        VitalsCommand::Amend { id, value, details } => {
            let profile = s.profile()?;
            let id = s.store.resolve_vital_id(profile.id, &id)?;
            let original = s.store.get_vital(id)?;
            let input = build_reading(original.kind(), &value, &details, Some(&original))?;
            let rec = s.store.amend_vital(id, input)?;
            report_saved(s, &profile, "Corrected", &rec)
        }
        VitalsCommand::Delete { id } => {
            let profile = s.profile()?;
            let id = s.store.resolve_vital_id(profile.id, &id)?;
            let v = s.store.delete_vital(id)?;
            if s.json {
                return s.print_json(&v);
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
                return s.print_json(&page);
            }
            header(&profile);
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
                return s.print_json(&latest);
            }
            header(&profile);
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
                return s.print_json(&versions);
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
                return s.print_json(&points);
            }
            header(&profile);
            print!("{}", chart::render(kind_of(kind), bucket, &points));
            Ok(())
        }
        VitalsCommand::BpSummary => {
            let profile = s.profile()?;
            let summary = s.store.home_bp_summary(profile.id, when::now())?;
            if s.json {
                return s.print_json(&summary);
            }
            header(&profile);
            print_bp_summary(&summary);
            Ok(())
        }
    }
}

fn header(p: &Profile) {
    println!("{} (HM {})", p.display_name, p.hm_code);
}

fn report_saved(s: &Session, profile: &Profile, verb: &str, rec: &Recorded) -> CliResult {
    if s.json {
        #[derive(Serialize)]
        struct Out<'a> {
            vital: &'a Vital,
            warnings: Vec<String>,
        }
        return s
            .print_json(&Out { vital: &rec.vital, warnings: rec.warnings.iter().map(|w| w.to_string()).collect() });
    }
    println!("{verb} for {}: {}", profile.display_name, format::one_line(&rec.vital));
    println!("  id {}", rec.vital.id);
    for w in &rec.warnings {
        eprintln!("warning: {}", format::warning(w));
    }
    Ok(())
}

pub fn print_bp_summary(s: &techo_core::domain::HomeBpSummary) {
    use techo_core::domain::{MIN_DAYS, OccasionSummary};
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

/// Turns the command line into a reading. `original` (when correcting) supplies what is not given.
pub fn build_reading(kind: VitalKind, value: &str, d: &Details, original: Option<&Vital>) -> CliResult<NewVital> {
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

fn status(s: &Session) -> CliResult {
    let profiles = s.store.profiles()?;
    let active = s.store.active_profile().ok();
    let key = match s.keys.location(DATABASE_KEY) {
        KeyLocation::OsKeyring => "OS keyring".to_owned(),
        KeyLocation::File(p) => {
            format!("key file {} (0600; {})", p.display(), s.keys.keyring_problem().unwrap_or("keyring not used"))
        }
    };
    let pending = s.store.outbox_len()?;
    if s.json {
        #[derive(Serialize)]
        struct Status<'a> {
            data_dir: String,
            key_location: String,
            schema_version: i64,
            profiles: usize,
            active_profile: Option<&'a Profile>,
            pending_changes: u64,
        }
        return s.print_json(&Status {
            data_dir: s.data_dir.display().to_string(),
            key_location: key,
            schema_version: s.store.schema_version()?,
            profiles: profiles.len(),
            active_profile: active.as_ref(),
            pending_changes: pending,
        });
    }
    println!("Data directory:   {}", s.data_dir.display());
    println!("Database key:     {key}");
    println!("Schema version:   {}", s.store.schema_version()?);
    match &active {
        Some(p) => println!("Profiles:         {} (active: {}, HM {})", profiles.len(), p.display_name, p.hm_code),
        None => println!("Profiles:         {}", profiles.len()),
    }
    println!("Waiting to sync:  {pending} change(s)");
    Ok(())
}
