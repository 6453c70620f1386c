//! `activate`, `login`, `logout`, `sync`, `sync status`.

use crate::session::{CliError, CliResult, Session, print_json, usage};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use std::io::BufRead;
use std::sync::Arc;
use std::time::Duration;
use techo_core::domain::medication_view::medication_line;
use techo_core::keys::KeyStore;
use techo_core::store::Entity;
use techo_core::sync::client::{SyncClient, SyncObserver, SyncScheduler};
use techo_core::sync::{
    EngineConfig, RefusalReason, RetryPolicy, SyncFacts, SyncOutcome, SyncPhase, SyncProgress, SyncState,
};

#[derive(Subcommand)]
pub enum SyncCommand {
    /// Account, last sync and changes waiting or refused
    Status,
}

pub(crate) fn runtime() -> CliResult<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|_| usage("could not start the async runtime"))
}

fn read_password(prompt: &str, from_stdin: bool) -> CliResult<String> {
    let pw = if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|_| usage("could not read the password from standard input"))?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    } else {
        rpassword::prompt_password(prompt)
            .map_err(|_| usage("no terminal to ask for the password; use --password-stdin"))?
    };
    if pw.is_empty() {
        return Err(usage("the password must not be empty"));
    }
    Ok(pw)
}

pub(crate) fn client(s: &Session) -> CliResult<Arc<SyncClient>> {
    let url = match (&s.server, s.store.account()?) {
        (Some(u), _) => u.clone(),
        (None, Some(a)) => a.server_url,
        (None, None) => return Err(usage("no server: pass --server URL (or set TECHO_SERVER) and log in")),
    };
    let keys: Arc<dyn KeyStore> = s.keys.clone();
    // A person waits at the terminal: give up after ~1.5 s of retries; `--watch` keeps trying.
    let config =
        EngineConfig { retry: RetryPolicy { max_attempts: 3, ..RetryPolicy::default() }, ..EngineConfig::default() };
    Ok(Arc::new(SyncClient::new(s.store.clone(), keys, &url, config)?))
}

pub fn activate(s: &Session, hm_code: &str, code: &str, password_stdin: bool) -> CliResult {
    let password = read_password("New password (at least 8 characters): ", password_stdin)?;
    if !password_stdin && read_password("Repeat it: ", false)? != password {
        return Err(usage("the two passwords differ"));
    }
    let c = client(s)?;
    runtime()?.block_on(c.activate(hm_code, code, &password))?;
    println!("Activated. Sign in with: techo login {hm_code}");
    Ok(())
}

pub fn login(s: &Session, hm_code: &str, name: Option<&str>, password_stdin: bool) -> CliResult {
    let password = read_password("Password: ", password_stdin)?;
    let c = client(s)?;
    let account = runtime()?.block_on(c.login(hm_code, &password))?;
    for p in s.store.add_account_patients(&account, name)? {
        println!("Added profile {} (HM {}) for synced data.", p.display_name, p.hm_code);
    }
    println!(
        "Signed in as HM {} at {}. Run `techo sync` to send and fetch records.",
        account.hm_code, account.server_url
    );
    Ok(())
}

pub fn logout(s: &Session) -> CliResult {
    let c = client(s)?;
    let counts = s.store.outbox_counts()?;
    runtime()?.block_on(c.logout())?;
    println!("Signed out.{}", crate::status::unsent_note(counts.pending, counts.wedged));
    Ok(())
}

struct Bar(ProgressBar);

impl SyncObserver for Bar {
    fn on_progress(&self, p: &SyncProgress) {
        let what = match p.phase {
            SyncPhase::Starting => "starting".to_owned(),
            SyncPhase::Uploading => {
                format!("sending a photo {}%", p.upload_percent)
            }
            SyncPhase::Pushing => "sending".to_owned(),
            SyncPhase::Pulling => "receiving".to_owned(),
            SyncPhase::WaitingToRetry => {
                format!("waiting to retry ({})", p.last_error.as_deref().unwrap_or("no answer"))
            }
            SyncPhase::Done => "done".to_owned(),
        };
        self.0.set_message(format!("{what} · sent {} · received {} · waiting {}", p.pushed, p.pulled, p.pending));
    }
}

pub fn sync(s: &Session, what: Option<SyncCommand>) -> CliResult {
    if let Some(SyncCommand::Status) = what {
        return status(s);
    }
    let c = client(s)?;
    // Under --json the output is for a program: no spinner on the terminal either.
    let bar = if s.json { ProgressBar::hidden() } else { ProgressBar::new_spinner() };
    bar.set_style(ProgressStyle::with_template("{spinner} {msg}").unwrap_or_else(|_| ProgressStyle::default_spinner()));
    if !s.json {
        bar.enable_steady_tick(Duration::from_millis(120));
    }
    let observer: Option<Arc<dyn SyncObserver>> = if s.json { None } else { Some(Arc::new(Bar(bar.clone()))) };
    let report = runtime()?.block_on(c.sync_now(observer));
    bar.finish_and_clear();
    let report = report?;
    if s.json {
        print_json(&report)?;
    } else {
        println!(
            "Sent {} change(s), received {} record(s); {} waiting, {} refused.",
            report.pushed, report.pulled, report.pending, report.wedged
        );
        if !report.not_linked.is_empty() {
            println!("Not synced (this account may not access them): {}", report.not_linked.join(", "));
        }
        if report.wedged > 0 {
            println!("Refused changes are kept on this device: see `techo sync status`.");
        }
    }
    match report.outcome {
        SyncOutcome::Complete => Ok(()),
        SyncOutcome::Offline { reason } => Err(CliError::Unfinished(format!(
            "the server could not be reached ({reason}); your {} change(s) are kept and will be sent next time",
            report.pending
        ))),
        SyncOutcome::NeedsLogin => Err(CliError::Unfinished("signed out; run `techo login` again".into())),
        SyncOutcome::UpdateRequired => Err(CliError::Unfinished("the server needs a newer version of this app".into())),
    }
}

/// Prints one line per finished run.
struct Lines;

impl SyncObserver for Lines {
    fn on_progress(&self, p: &SyncProgress) {
        if p.phase == SyncPhase::Done {
            let when = chrono::Local::now().format("%H:%M:%S");
            println!("{when} sent {} · received {} · waiting {}", p.pushed, p.pulled, p.pending);
        } else if let (SyncPhase::WaitingToRetry, Some(e)) = (p.phase, &p.last_error) {
            println!("{} no answer ({e}); retrying", chrono::Local::now().format("%H:%M:%S"));
        }
    }
}

pub fn watch(s: &Session, every: u64) -> CliResult {
    let c = client(s)?;
    let rt = runtime()?;
    rt.block_on(async {
        let scheduler = SyncScheduler::start(c, Duration::from_secs(every.max(1)), Some(Arc::new(Lines)));
        println!("Syncing every {every} s; Ctrl-C to stop.");
        let _ = tokio::signal::ctrl_c().await;
        scheduler.stop();
    });
    Ok(())
}

fn status(s: &Session) -> CliResult {
    let account = s.store.account()?;
    let wedged = s.store.wedged_entries()?;
    let pending = s.store.outbox_counts()?.pending;
    let last_complete = s.store.last_sync_complete()?;
    // A separate process from any running sync: what it knows is the store's side.
    let state = SyncFacts {
        signed_in: account.is_some(),
        pending,
        refused: wedged.len() as u64,
        last_success: last_complete,
        ..SyncFacts::default()
    }
    .state();
    if s.json {
        #[derive(Serialize)]
        struct Refused {
            mutation_id: String,
            entity: String,
            entity_id: String,
            op: String,
            /// What the screens say (`reason` is the code behind it).
            why: RefusalReason,
            reason: Option<String>,
            /// The reading or notebook entry it is about, as `vitals list` / `meds list` show it.
            about: Option<String>,
        }
        #[derive(Serialize)]
        struct Status {
            state: SyncState,
            account: Option<techo_core::store::Account>,
            pending: u64,
            /// RFC 3339, UTC; absent until a sync completes.
            last_complete_sync: Option<String>,
            refused: Vec<Refused>,
        }
        let refused = wedged
            .iter()
            .map(|e| Refused {
                mutation_id: e.mutation_id.to_string(),
                entity: e.entity.to_string(),
                entity_id: e.entity_id.clone(),
                op: e.op.as_str().to_owned(),
                why: RefusalReason::from_code(e.wedge_reason.as_deref()),
                reason: e.wedge_reason.clone(),
                about: about(s, e),
            })
            .collect();
        let last_complete_sync = last_complete.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        return print_json(&Status { state, account, pending, last_complete_sync, refused });
    }
    println!("{}", state_line(&state));
    match &account {
        Some(a) => println!("Signed in as HM {} at {} (syncs: {})", a.hm_code, a.server_url, a.patients.join(", ")),
        None => println!("Not signed in. Use: techo --server URL login <HM_CODE>"),
    }
    match last_complete {
        Some(t) => {
            println!("Last complete sync: {}", crate::format::when(&t.with_timezone(&chrono::Local).fixed_offset()))
        }
        None => println!("Last complete sync: never"),
    }
    println!("Waiting to be sent: {pending}");
    println!("Refused by the server: {}", wedged.len());
    if !wedged.is_empty() {
        println!("Kept on this device until you retry them:");
        for e in &wedged {
            let what = about(s, e).unwrap_or_else(|| format!("{} {}", e.entity, e.entity_id));
            let why = why_line(RefusalReason::from_code(e.wedge_reason.as_deref()));
            println!("  {} {what}: {why} ({})", e.op, e.wedge_reason.as_deref().unwrap_or("no reason given"));
        }
    }
    Ok(())
}

/// The sync state in words, the CLI's counterpart of the apps' sync line.
fn state_line(state: &SyncState) -> String {
    match state {
        SyncState::NotSignedIn => "Not signed in: records stay on this device.".into(),
        SyncState::NeedsLogin => "Signed out by the server: run `techo login` again.".into(),
        SyncState::UpdateRequired => "The server needs a newer version of this app.".into(),
        SyncState::Running => "Syncing now.".into(),
        SyncState::Offline { pending } => format!("The server cannot be reached; {pending} change(s) kept for later."),
        SyncState::Refused { count } => format!("The server refused {count} change(s); they are kept on this device."),
        SyncState::NotLinked { hm_code } => format!("This account may not sync HM {hm_code}."),
        SyncState::Pending { count } => format!("{count} change(s) wait for the next sync."),
        SyncState::UpToDate { last_success: Some(_) } => "Up to date.".into(),
        SyncState::UpToDate { last_success: None } => "Never synced on this device.".into(),
    }
}

/// The record a refused change is about, as the list commands show it; `None` when this device
/// no longer holds it.
fn about(s: &Session, e: &techo_core::store::OutboxEntry) -> Option<String> {
    let id = || uuid::Uuid::parse_str(&e.entity_id).ok();
    match &e.entity {
        Entity::Vital => s.store.get_vital(id()?).ok().map(|v| crate::format::one_line(&v)),
        Entity::Medication => s.store.get_medication(id()?).ok().map(|m| {
            let line = medication_line(&m);
            format!("{} {}", line.title, line.names.join("、"))
        }),
        Entity::EmergencySheet => Some("命の宝箱 (emergency sheet)".into()),
        Entity::Checkup => Some("checkup result".into()),
        Entity::Other(name) if name == techo_core::store::UPLOAD_ENTITY => Some("a photo".into()),
        Entity::Other(_) => None,
    }
}

fn why_line(why: RefusalReason) -> &'static str {
    match why {
        RefusalReason::InvalidData => "the server did not accept the data",
        RefusalReason::NotAllowed => "this account may not change this person's records",
        RefusalReason::TooLarge => "too large for the server",
        RefusalReason::ChangedElsewhere => "changed or deleted on another device first",
        RefusalReason::NotAccepted => "the server does not take this kind of record yet",
        RefusalReason::WaitsForAnother => "waits for another refused change",
        RefusalReason::StorageFull => "the account's room for photos on the server is full",
        RefusalReason::PhotoMissing => "the photo is no longer on this device",
        RefusalReason::Other => "refused",
    }
}
