//! The `techo-server` command line: serve the sync API, or administer residents. Lives in the
//! library so test harnesses can run the very same program as a child process.

use crate::state::Limits;
use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "techo-server", version, about = "Kenko Techo sync server (embedded SQLite, or PostgreSQL)")]
struct Cli {
    /// Where server.db, the token key and the photo blobs (blobs/, uploads/) live
    #[arg(long, global = true, env = "TECHO_SERVER_DATA_DIR", default_value = "./techo-server-data")]
    data_dir: PathBuf,
    /// A PostgreSQL database (postgres://user@host/db, or a socket directory as the host:
    /// postgres://user@%2Frun%2Fpostgresql/db) instead of server.db, photo blobs included; the
    /// token key stays under --data-dir: every instance over one database needs the same key
    /// (the same key file, or TECHO_SERVER_TOKEN_SECRET)
    #[arg(long, global = true, env = "TECHO_SERVER_DATABASE", hide_env_values = true)]
    database: Option<String>,
    /// Address to listen on (port 0 picks a free one; the chosen address is printed)
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// Create demo residents (and print how to log in as them) before serving
    #[arg(long)]
    demo: bool,
    /// Seconds a connection may take to send a request's headers, or stay idle between requests
    #[arg(long, env = "TECHO_SERVER_HEADER_TIMEOUT_SECS", default_value_t = 10)]
    header_timeout_secs: u64,
    /// Open connections at most (more wait in the listen backlog)
    #[arg(long, env = "TECHO_SERVER_MAX_CONNECTIONS", default_value_t = 1024)]
    max_connections: usize,
    /// Password hashes (Argon2id, 19 MiB each) computed at once; default: one per CPU core
    #[arg(long, env = "TECHO_SERVER_MAX_CONCURRENT_HASHES")]
    max_concurrent_hashes: Option<usize>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    #[command(subcommand)]
    Admin(Admin),
}

#[derive(Subcommand)]
enum Admin {
    /// Register a resident (as HM card issuance does) and print their one-time activation code
    AddResident {
        #[arg(long)]
        hm_code: String,
        #[arg(long)]
        name: String,
        /// YYYY-MM-DD
        #[arg(long)]
        birth_date: String,
    },
    /// Register a pharmacy (or other institution) that sends patients' dispensings, and print
    /// its credential (shown once; only its hash is kept)
    AddPharmacy {
        /// 医療機関等コード with prefecture and fee schedule, digits only (e.g. 3441234567)
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
    },
    /// Replace the token-signing key (token.key in the data directory): access tokens signed
    /// with the old key stop working when the server restarts; refresh tokens keep working
    RotateSecret,
    /// After restoring server.db from a backup: make every device download everything again
    /// (their unsent changes are kept and pushed)
    MarkRestored,
    /// Forget tombstones older than the retention period; devices whose cursors predate them
    /// download everything again (and learn the deletions from what is missing)
    GcTombstones {
        /// Keep tombstones younger than this; must exceed the longest time a device stays offline
        #[arg(long, default_value_t = 180)]
        older_than_days: u32,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "techo_server=info,tower_http=warn".into());
    // The PostgreSQL driver logs every statement's parameters (a patient's values) at debug
    // level: capped whatever RUST_LOG asks, so no log level ever carries patient data.
    for quiet in ["tokio_postgres=warn", "postgres=warn"] {
        if let Ok(directive) = quiet.parse() {
            filter = filter.add_directive(directive);
        }
    }
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("techo-server: error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    let storage = crate::open_database(&cli.data_dir, cli.database.as_deref())?;
    let mut limits = Limits {
        header_read_timeout: std::time::Duration::from_secs(cli.header_timeout_secs.max(1)),
        max_connections: cli.max_connections.max(1),
        ..Limits::default()
    };
    if let Some(n) = cli.max_concurrent_hashes {
        limits.max_concurrent_hashes = n.max(1);
    }
    // Moves a key an older server kept inside the database out of it, whatever the command.
    let secret = crate::token_secret(&cli.data_dir, storage.as_ref())?;
    match cli.command {
        Some(Command::Admin(Admin::RotateSecret)) => {
            crate::auth::secret::rotate_token_secret(&cli.data_dir)?;
            println!(
                "New token-signing key written. Restart the server: access tokens signed with the old key stop \
                 working, devices renew them with their refresh tokens."
            );
            Ok(())
        }
        Some(Command::Admin(Admin::AddPharmacy { code, name })) => {
            let credential = crate::pharmacy::add_institution(storage.as_ref(), &code, &name)?;
            println!("Pharmacy registered. Its credential (shown once; keep it in the pharmacy system):");
            println!("{credential}");
            Ok(())
        }
        Some(Command::Admin(Admin::AddResident { hm_code, name, birth_date })) => {
            let issued = crate::add_resident(storage.as_ref(), &hm_code, &name, &birth_date, limits.activation_ttl)?;
            println!("Resident registered. One-time activation code (valid 30 days): {}", issued.activation_code);
            Ok(())
        }
        Some(Command::Admin(Admin::MarkRestored)) => {
            storage.bump_epoch().map_err(|e| e.to_string())?;
            println!("Marked as restored: devices will download everything again and re-send what they have.");
            Ok(())
        }
        Some(Command::Admin(Admin::GcTombstones { older_than_days })) => {
            let cutoff = crate::state::now_ms() - i64::from(older_than_days) * 86_400_000;
            let removed = storage.collect_tombstones(cutoff).map_err(|e| e.to_string())?;
            println!("Collected {removed} tombstone(s) older than {older_than_days} days.");
            Ok(())
        }
        None => {
            if cli.demo {
                let seeded = crate::demo::seed(storage.as_ref())?;
                println!("Demo residents (HM code / password):");
                for l in crate::demo::LOGINS {
                    println!("  {} / {}", l.hm_code, l.password);
                }
                if let Some(code) = seeded.activation_code {
                    println!("  DEMO0003 is not activated yet; its activation code is {code}");
                }
                match seeded.pharmacy_credential {
                    Some(c) => println!(
                        "Demo pharmacy {} ({}) posts dispensings with: Authorization: Bearer {c}",
                        crate::demo::PHARMACY_NAME,
                        crate::demo::PHARMACY_CODE
                    ),
                    None => println!(
                        "Demo pharmacy {} was registered earlier (its credential was printed then; \
                         `admin add-pharmacy` registers another)",
                        crate::demo::PHARMACY_CODE
                    ),
                }
            }
            let state = crate::app_state(storage, secret, limits);
            // Storage is synchronous, and the PostgreSQL client cannot block inside the runtime:
            // this runs before it starts, requests' storage work on its blocking threads.
            fill_blob_refs(&state);
            let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
            runtime.block_on(async move {
                let listener =
                    tokio::net::TcpListener::bind(cli.bind).await.map_err(|e| format!("bind {}: {e}", cli.bind))?;
                let addr = listener.local_addr().map_err(|e| e.to_string())?;
                println!("listening on http://{addr}");
                // Abandoned uploads hold quota and disk until removed: expired hourly; blobs no
                // record refers to released, and files nothing names swept, at start and then
                // daily.
                tokio::spawn(crate::blob_service::tidy_periodically(
                    state.clone(),
                    std::time::Duration::from_secs(3600),
                    24,
                ));
                crate::serve(listener, state, shutdown_signal()).await.map_err(|e| e.to_string())
            })
        }
    }
}

/// Once per database: the blob references of records stored before the server kept them.
/// Serving goes on if it fails; nothing is released until it has been done.
fn fill_blob_refs(state: &crate::state::AppState) {
    match crate::blob_service::fill_blob_refs(state.storage.as_ref(), &state.families) {
        Ok(None) => {}
        Ok(Some(records)) => tracing::info!(records, "blob references of earlier records filled in"),
        Err(e) => tracing::warn!(error = %e, "filling in blob references failed; blobs are kept until it succeeds"),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
