//! The identity of one logical write, carried in the reading's note so that the parent can tell
//! a duplicate of the same write from two different writes, and a torn batch from a whole one.

use chrono::{DateTime, Duration, FixedOffset, Utc};
use std::fmt;

/// Which child run made a reading, its sequence number in that run, and the transaction it was
/// committed in (first sequence number and number of readings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Marker {
    pub run: u32,
    pub seq: u32,
    pub txn_first: u32,
    pub txn_len: u32,
}

/// Sequence numbers map to milliseconds inside the run's hour (see [`measured_at`]), so a run
/// must stay below this many readings.
pub const MAX_SEQ_PER_RUN: u32 = 3_600_000;

impl fmt::Display for Marker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "run={} seq={} txn={}+{}", self.run, self.seq, self.txn_first, self.txn_len)
    }
}

impl Marker {
    pub fn parse(note: &str) -> Option<Self> {
        let mut parts = note.split_whitespace();
        let run = parts.next()?.strip_prefix("run=")?.parse().ok()?;
        let seq = parts.next()?.strip_prefix("seq=")?.parse().ok()?;
        let (first, len) = parts.next()?.strip_prefix("txn=")?.split_once('+')?;
        if parts.next().is_some() {
            return None;
        }
        Some(Self { run, seq, txn_first: first.parse().ok()?, txn_len: len.parse().ok()? })
    }
}

/// 2000-01-01T00:00:00+09:00: far enough back that ten thousand one-hour runs stay in the past.
const EPOCH_UNIX_S: i64 = 946_652_400;

fn epoch() -> DateTime<FixedOffset> {
    let jst = FixedOffset::east_opt(9 * 3600).expect("+09:00 is a valid offset");
    DateTime::from_timestamp(EPOCH_UNIX_S, 0).expect("a fixed, valid instant").with_timezone(&jst)
}

/// Each run owns one hour of measurement times and each reading one millisecond in it, so the
/// parent can fetch exactly one run's readings with a time-range query instead of a full scan.
pub fn measured_at(run: u32, seq: u32) -> DateTime<FixedOffset> {
    epoch() + Duration::hours(i64::from(run)) + Duration::milliseconds(i64::from(seq))
}

/// The `[from, to)` measurement-time window holding every reading of `run`.
pub fn run_window(run: u32) -> (DateTime<Utc>, DateTime<Utc>) {
    let from = measured_at(run, 0).with_timezone(&Utc);
    (from, from + Duration::hours(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_other_text() {
        let m = Marker { run: 17, seq: 40, txn_first: 38, txn_len: 5 };
        assert_eq!(Marker::parse(&m.to_string()), Some(m));
        for bad in ["", "run=1", "run=1 seq=2", "run=1 seq=2 txn=3", "run=1 seq=2 txn=3+4 x", "seq=2 run=1 txn=1+1"] {
            assert_eq!(Marker::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn runs_do_not_overlap_and_stay_in_the_past() {
        let (_, end0) = run_window(0);
        assert!(measured_at(0, MAX_SEQ_PER_RUN - 1).with_timezone(&Utc) < end0);
        assert_eq!(run_window(1).0, end0);
        assert!(measured_at(20_000, 0).with_timezone(&Utc) < Utc::now());
    }
}
