//! What must hold after a kill, checked through the public store API on a fresh open (which is
//! also what replays the WAL the killed child left behind).

use super::child::{DB_FILE, HM_CODE, MAX_BATCH};
use super::marker::{Marker, run_window};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use techo_core::keys::FileKeyStore;
use techo_core::store::VitalQuery;
use techo_core::{Error, Store};
use uuid::Uuid;

/// What one killed child reported.
pub(crate) struct ChildReport {
    pub run: u32,
    pub acked: Vec<Uuid>,
}

/// What the store showed for one run.
pub(crate) struct RunOutcome {
    /// Readings of this run found in the store.
    pub committed: u64,
    /// Readings in the store overall.
    pub total: u64,
}

/// Checks one cycle. `expected_before` is how many readings the store held after the previous
/// cycle: nothing verified then may disappear now. `full` adds the whole-store scan; without it,
/// data and outbox are compared by count and the one-to-one check waits for the next full scan
/// (a mismatch persists in the file, so it is still caught, only attributed to a range of cycles).
pub(crate) fn check_cycle(
    store_dir: &Path,
    report: &ChildReport,
    expected_before: u64,
    full: bool,
) -> Result<RunOutcome, String> {
    let keys = FileKeyStore::new(store_dir);
    let store =
        Store::open(store_dir.join(DB_FILE), &keys).map_err(|e| format!("reopening the store after the kill: {e}"))?;
    let profile_id = match store.profile_by_hm_code(HM_CODE) {
        Ok(p) => Some(p.id),
        Err(Error::NoProfileWithHmCode) => None,
        Err(e) => return Err(format!("looking up the profile: {e}")),
    };
    let Some(profile_id) = profile_id else {
        // Killed before the profile existed: nothing can have been written, let alone acknowledged.
        if expected_before > 0 {
            return Err(format!("the profile and its {expected_before} verified readings are gone"));
        }
        if !report.acked.is_empty() {
            return Err("readings were acknowledged but the profile is missing".into());
        }
        let outbox = store.outbox_len().map_err(|e| format!("outbox length: {e}"))?;
        if outbox != 0 {
            return Err(format!("{outbox} outbox rows without any profile"));
        }
        integrity(&store)?;
        return Ok(RunOutcome { committed: 0, total: 0 });
    };

    let acked_seqs = check_acked_present(&store, report)?;
    let committed = check_run(&store, profile_id, report.run, &acked_seqs)?;

    let total = store.vital_count(profile_id).map_err(|e| format!("counting readings: {e}"))?;
    if total != expected_before + committed {
        return Err(format!(
            "the store holds {total} readings, expected {expected_before} from earlier runs + {committed} from this one"
        ));
    }
    let outbox = store.outbox_len().map_err(|e| format!("outbox length: {e}"))?;
    if outbox != total {
        return Err(format!("{outbox} outbox rows for {total} readings"));
    }
    if full {
        full_scan(&store, profile_id, total)?;
    }
    integrity(&store)?;
    Ok(RunOutcome { committed, total })
}

fn integrity(store: &Store) -> Result<(), String> {
    match store.integrity_ok() {
        Ok(true) => Ok(()),
        Ok(false) => Err("PRAGMA integrity_check failed".into()),
        Err(e) => Err(format!("running the integrity check: {e}")),
    }
}

/// Every acknowledged id is stored and belongs to this run; returns their sequence numbers.
fn check_acked_present(store: &Store, report: &ChildReport) -> Result<Vec<u32>, String> {
    let mut seen = HashSet::new();
    let mut seqs = Vec::with_capacity(report.acked.len());
    for id in &report.acked {
        if !seen.insert(*id) {
            return Err(format!("reading {id} was acknowledged twice"));
        }
        let vital = match store.get_vital(*id) {
            Ok(v) => v,
            Err(Error::NotFound { .. }) => return Err(format!("acknowledged reading {id} is missing")),
            Err(e) => return Err(format!("reading back acknowledged reading {id}: {e}")),
        };
        let marker = vital
            .note
            .as_deref()
            .and_then(Marker::parse)
            .ok_or_else(|| format!("acknowledged reading {id} lost its marker"))?;
        if marker.run != report.run {
            return Err(format!("acknowledged reading {id} carries the marker of run {}", marker.run));
        }
        seqs.push(marker.seq);
    }
    Ok(seqs)
}

/// This run's readings: a gap-free prefix of what the child attempted, made of whole
/// transactions, containing every acknowledged write and at most one unacknowledged transaction
/// (the one that committed just before the kill).
fn check_run(store: &Store, profile_id: Uuid, run: u32, acked_seqs: &[u32]) -> Result<u64, String> {
    let (from, to) = run_window(run);
    let mut markers = Vec::new();
    let mut query = VitalQuery { from: Some(from), to: Some(to), limit: 500, ..Default::default() };
    loop {
        let page = store.list_vitals(profile_id, &query).map_err(|e| format!("listing run {run}: {e}"))?;
        for v in &page.items {
            let m =
                v.note.as_deref().and_then(Marker::parse).ok_or_else(|| format!("reading {} has no marker", v.id))?;
            if m.run != run {
                return Err(format!("reading {} of run {} sits in the time window of run {run}", v.id, m.run));
            }
            markers.push(m);
        }
        match page.next_cursor {
            Some(c) => query.cursor = Some(c),
            None => break,
        }
    }
    check_run_markers(run, &mut markers)?;
    let committed = markers.len() as u32;
    let mut acked = acked_seqs.to_vec();
    acked.sort_unstable();
    if acked.iter().enumerate().any(|(i, &s)| s != i as u32) {
        return Err(format!("run {run}: acknowledged writes are not a prefix of the run (seqs {acked:?})"));
    }
    let unacked = committed - acked.len() as u32;
    if unacked > MAX_BATCH {
        return Err(format!("run {run}: {unacked} committed readings were never acknowledged (max one batch)"));
    }
    Ok(u64::from(committed))
}

/// Sorts `markers` (all of one run) and checks they are unique, gap-free from 0 and grouped in
/// complete transactions.
fn check_run_markers(run: u32, markers: &mut [Marker]) -> Result<(), String> {
    markers.sort_unstable();
    let partly = |m: &Marker| {
        format!(
            "run {run}: transaction {}+{} is only partly stored ({} of {})",
            m.txn_first,
            m.txn_len,
            m.seq + 1 - m.txn_first,
            m.txn_len
        )
    };
    let mut prev: Option<&Marker> = None;
    for (i, m) in markers.iter().enumerate() {
        let i = i as u32;
        if m.seq < i {
            return Err(format!("run {run}: write seq {} is stored more than once", m.seq));
        }
        if m.seq > i {
            return Err(format!("run {run}: write seq {i} is missing although seq {} survived", m.seq));
        }
        let same_txn_as_prev = prev.is_some_and(|p| p.txn_first == m.txn_first && p.txn_len == m.txn_len);
        let consistent = if m.seq == m.txn_first {
            // A transaction starts here, so the previous one must have ended just before.
            match prev {
                Some(p) if p.seq + 1 != p.txn_first + p.txn_len => return Err(partly(p)),
                _ => true,
            }
        } else {
            same_txn_as_prev && m.seq < m.txn_first + m.txn_len
        };
        if !consistent {
            return Err(format!("run {run}: seq {} carries an inconsistent transaction marker", m.seq));
        }
        prev = Some(m);
    }
    if let Some(last) = prev
        && last.seq + 1 != last.txn_first + last.txn_len
    {
        return Err(partly(last));
    }
    Ok(())
}

/// Whole-store consistency: no duplicated logical write anywhere, every run gap-free, and data
/// and outbox in one-to-one correspondence with matching payloads.
fn full_scan(store: &Store, profile_id: Uuid, expected_total: u64) -> Result<(), String> {
    let mut notes: HashMap<Uuid, String> = HashMap::new();
    let mut by_run: BTreeMap<u32, Vec<Marker>> = BTreeMap::new();
    let mut query = VitalQuery { limit: 500, ..Default::default() };
    loop {
        let page = store.list_vitals(profile_id, &query).map_err(|e| format!("listing readings: {e}"))?;
        for v in page.items {
            let note = v.note.ok_or_else(|| format!("reading {} has no marker", v.id))?;
            let m = Marker::parse(&note).ok_or_else(|| format!("reading {} has no marker", v.id))?;
            by_run.entry(m.run).or_default().push(m);
            if notes.insert(v.id, note).is_some() {
                return Err(format!("reading {} is listed twice", v.id));
            }
        }
        match page.next_cursor {
            Some(c) => query.cursor = Some(c),
            None => break,
        }
    }
    if notes.len() as u64 != expected_total {
        return Err(format!("full scan found {} readings, expected {expected_total}", notes.len()));
    }
    for (run, markers) in &mut by_run {
        check_run_markers(*run, markers)?;
    }

    let outbox_len = store.outbox_len().map_err(|e| format!("outbox length: {e}"))?;
    let limit = u32::try_from(outbox_len + 1).map_err(|_| "outbox too large to list".to_string())?;
    let entries = store.outbox_entries(limit).map_err(|e| format!("listing the outbox: {e}"))?;
    if entries.len() as u64 != outbox_len {
        return Err(format!("outbox lists {} rows but counts {outbox_len}", entries.len()));
    }
    // Every queued change is of a record the store holds, with the content it holds, whatever its
    // family (through the registry); then, for this workload's readings, one create each.
    let profile = store.profile_by_hm_code(HM_CODE).map_err(|e| format!("looking up the profile: {e}"))?;
    let held: HashMap<(String, String), serde_json::Value> = store
        .held_records(&profile)
        .map_err(|e| format!("reading the held records: {e}"))?
        .into_iter()
        .map(|r| ((r.entity.to_string(), r.id), r.payload))
        .collect();
    let mut covered = HashSet::with_capacity(entries.len());
    for e in &entries {
        let payload: serde_json::Value =
            serde_json::from_str(&e.payload).map_err(|_| format!("outbox row {} has a malformed payload", e.seq))?;
        let Some(stored) = held.get(&(e.entity.to_string(), e.entity_id.clone())) else {
            return Err(format!("outbox row {} refers to a {} record that is not stored", e.seq, e.entity));
        };
        if e.op == techo_protocol::Op::Create && &payload != stored {
            return Err(format!("outbox row {} carries a payload that differs from the stored record", e.seq));
        }
        if e.op != techo_protocol::Op::Create {
            return Err(format!("outbox row {} is a {}; the workload only creates", e.seq, e.op.as_str()));
        }
        let id = Uuid::parse_str(&e.entity_id).map_err(|_| format!("outbox row {} has a malformed id", e.seq))?;
        let Some(note) = notes.get(&id) else {
            return Err(format!("outbox row {} refers to reading {id}, which is not listed", e.seq));
        };
        if !covered.insert(id) {
            return Err(format!("reading {id} has more than one outbox create row"));
        }
        if payload["note"].as_str() != Some(note.as_str()) {
            return Err(format!("outbox row {} carries a payload that does not match reading {id}", e.seq));
        }
    }
    if let Some(orphan) = notes.keys().find(|id| !covered.contains(id)) {
        return Err(format!("reading {orphan} has no outbox row"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn txn(run: u32, first: u32, len: u32) -> impl Iterator<Item = Marker> {
        (first..first + len).map(move |seq| Marker { run, seq, txn_first: first, txn_len: len })
    }

    #[test]
    fn run_markers_accept_whole_prefixes_only() {
        let whole: Vec<Marker> = txn(3, 0, 1).chain(txn(3, 1, 4)).chain(txn(3, 5, 1)).collect();
        let mut shuffled = whole.clone();
        shuffled.reverse();
        assert!(check_run_markers(3, &mut shuffled).is_ok());

        let mut torn: Vec<Marker> = txn(3, 0, 1).chain(txn(3, 1, 4).take(2)).collect();
        assert!(check_run_markers(3, &mut torn).unwrap_err().contains("partly"));

        let mut gap: Vec<Marker> = txn(3, 0, 1).chain(txn(3, 5, 1)).collect();
        assert!(check_run_markers(3, &mut gap).unwrap_err().contains("missing"));

        let mut dup: Vec<Marker> = txn(3, 0, 1).chain(txn(3, 0, 1)).collect();
        assert!(check_run_markers(3, &mut dup).unwrap_err().contains("more than once"));

        assert!(check_run_markers(3, &mut []).is_ok());
    }
}
