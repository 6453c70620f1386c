//! The process that gets killed: it writes synthetic readings as fast as the store commits them
//! and acknowledges each one on stdout only after its transaction has committed, the way an app
//! tells a person "saved".
//!
//! Output protocol, one line each: `START` on entry, `READY` once the store is open and the
//! profile exists, then `ACK <reading id>` per committed reading.

use super::marker::{MAX_SEQ_PER_RUN, Marker, measured_at};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use std::convert::Infallible;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use techo_core::domain::{
    BpContext, GlucoseTiming, GlucoseUnit, Milli, NewVital, Profile, Relationship, Source, VitalValue,
};
use techo_core::keys::FileKeyStore;
use techo_core::{Error, Store};

pub const DB_FILE: &str = "techo.db";
/// A synthetic HM code; no patient has it.
pub const HM_CODE: &str = "D1TEST0001";
const DISPLAY_NAME: &str = "D1 synthetic";
/// The largest `record_vitals` batch the child writes.
pub const MAX_BATCH: u32 = 8;

/// Entry point of the child: `<store dir> <run> <seed>`.
pub fn main(mut args: impl Iterator<Item = OsString>) -> ExitCode {
    let parsed = (|| {
        let dir = PathBuf::from(args.next()?);
        let run = args.next()?.to_str()?.parse().ok()?;
        let seed = args.next()?.to_str()?.parse().ok()?;
        args.next().is_none().then_some((dir, run, seed))
    })();
    let Some((dir, run, seed)) = parsed else {
        eprintln!("usage: durability_child <store dir> <run> <seed>");
        return ExitCode::from(64);
    };
    match write_until_killed(&dir, run, seed) {
        Ok(never) => match never {},
        Err(e) => {
            eprintln!("durability child (run {run}): {e}");
            ExitCode::from(2)
        }
    }
}

fn write_until_killed(dir: &Path, run: u32, seed: u64) -> Result<Infallible, Box<dyn std::error::Error>> {
    let mut out = std::io::stdout().lock();
    out.write_all(b"START\n")?;
    out.flush()?;

    let keys = FileKeyStore::new(dir);
    let store = Store::open(dir.join(DB_FILE), &keys)?;
    let profile = ensure_profile(&store)?;
    out.write_all(b"READY\n")?;
    out.flush()?;

    let mut rng = StdRng::seed_from_u64(seed);
    let mut next_seq: u32 = 0;
    let mut single = true;
    let mut acks = String::new();
    loop {
        let len = if single { 1 } else { rng.random_range(2..=MAX_BATCH) };
        if next_seq + len > MAX_SEQ_PER_RUN {
            return Err("run outgrew its measurement-time window".into());
        }
        let txn_first = next_seq;
        let batch: Vec<NewVital> = (txn_first..txn_first + len)
            .map(|seq| synthetic_reading(&mut rng, Marker { run, seq, txn_first, txn_len: len }))
            .collect();
        next_seq += len;

        let ids: Vec<String> = if single {
            batch.into_iter().map(|v| store.record_vital(profile.id, v).map(|r| r.vital.id.to_string())).collect()
        } else {
            store.record_vitals(profile.id, batch).map(|rs| rs.into_iter().map(|r| r.vital.id.to_string()).collect())
        }?;

        // All lines of one commit go out in a single write, so a kill tears at most that write.
        acks.clear();
        for id in ids {
            let _ = writeln!(acks, "ACK {id}");
        }
        out.write_all(acks.as_bytes())?;
        out.flush()?;
        single = !single;
    }
}

fn ensure_profile(store: &Store) -> Result<Profile, Error> {
    match store.profile_by_hm_code(HM_CODE) {
        Err(Error::NoProfileWithHmCode) => store.add_profile(HM_CODE, DISPLAY_NAME, Relationship::Myself),
        found => found,
    }
}

/// A plausible reading of a random kind; values stay inside the validation bounds so every write
/// is accepted and the only way for one to go missing is the store losing it.
fn synthetic_reading(rng: &mut StdRng, marker: Marker) -> NewVital {
    let value = match rng.random_range(0..5) {
        0 => {
            let systolic = rng.random_range(95..=175);
            VitalValue::BloodPressure {
                systolic,
                diastolic: rng.random_range(55..=(systolic - 20).min(110)),
                pulse: rng.random_bool(0.8).then(|| rng.random_range(50..=110)),
                context: BpContext::ALL[rng.random_range(0..BpContext::ALL.len())],
            }
        }
        1 => VitalValue::Weight { kg: Milli::from_thousandths(rng.random_range(400..=1100) * 100) },
        2 => VitalValue::Temperature { celsius: Milli::from_thousandths(rng.random_range(355..=385) * 100) },
        3 => VitalValue::Steps { count: rng.random_range(0..=25_000) },
        _ => VitalValue::Glucose {
            value: Milli::from_units(rng.random_range(70..=200)),
            unit: GlucoseUnit::MgPerDl,
            timing: GlucoseTiming::ALL[rng.random_range(0..GlucoseTiming::ALL.len())],
        },
    };
    let mut v = NewVital::new(value, measured_at(marker.run, marker.seq));
    if rng.random_bool(0.3) {
        v.source = Source::Device;
        v.device_name = Some("D1 synthetic monitor".into());
    }
    v.note = Some(marker.to_string());
    v
}
