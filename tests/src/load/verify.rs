//! The check after a run: every mutation a device was told was stored is on the server exactly
//! once, in the state of its last acknowledged write (version, deleted or not, payload); every
//! entry a pharmacy was told was stored is there; nothing is there that nobody was told about;
//! and every device's view equals the server's. All of it read over HTTP, through a full pull
//! per patient, as a fresh phone would download it.

use crate::load::device::{Acked, Key, Shared, SimDevice};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// Examples of each problem kept for the report (entity and id only: no patient data).
const EXAMPLES: usize = 5;

#[derive(Debug, Default, Clone)]
pub struct Verdict {
    pub patients: usize,
    pub devices: usize,
    /// Mutations acknowledged as applied or duplicate (over all devices).
    pub acknowledged: u64,
    /// Distinct records those mutations name.
    pub expected_records: u64,
    /// Entries pharmacies were told were stored.
    pub pharmacy_entries: u64,
    /// Records in the full downloads.
    pub on_server: u64,
    /// Acknowledged, but not on the server.
    pub lost: u64,
    /// On the server, but not as the last acknowledged write left it.
    pub wrong_state: u64,
    /// Extra appearances of a record in one full download.
    pub duplicated: u64,
    /// On the server, but no device or pharmacy was told it was stored.
    pub unexpected: u64,
    /// Devices whose view differs from the server's.
    pub diverged: u64,
    /// Mutations still queued on devices when the run gave up (queues that did not drain).
    pub not_drained: u64,
    /// Photos whose upload never finished.
    pub uploads_abandoned: u64,
    /// Patients whose records could not be read to the end.
    pub unreadable: u64,
    pub examples: Vec<String>,
}

impl Verdict {
    pub fn ok(&self) -> bool {
        self.lost == 0
            && self.wrong_state == 0
            && self.duplicated == 0
            && self.unexpected == 0
            && self.diverged == 0
            && self.not_drained == 0
            && self.uploads_abandoned == 0
            && self.unreadable == 0
    }

    fn example(&mut self, what: String) {
        if self.examples.len() < EXAMPLES * 4 {
            self.examples.push(what);
        }
    }

    pub fn text(&self) -> String {
        format!(
            "{}: {} lost, {} duplicated, {} in a wrong state, {} unexpected, {} of {} devices diverged, \
             {} mutations not drained, {} uploads abandoned, {} patients unreadable \
             ({} acknowledged mutations naming {} records, {} pharmacy entries, {} records on the server, {} patients)",
            if self.ok() { "OK (0 lost, 0 duplicated, converged)" } else { "FAILED" },
            self.lost,
            self.duplicated,
            self.wrong_state,
            self.unexpected,
            self.diverged,
            self.devices,
            self.not_drained,
            self.uploads_abandoned,
            self.unreadable,
            self.acknowledged,
            self.expected_records,
            self.pharmacy_entries,
            self.on_server,
            self.patients,
        )
    }

    pub fn json(&self) -> Value {
        json!({
            "ok": self.ok(), "patients": self.patients, "devices": self.devices,
            "acknowledged": self.acknowledged, "expected_records": self.expected_records,
            "pharmacy_entries": self.pharmacy_entries, "on_server": self.on_server, "lost": self.lost,
            "wrong_state": self.wrong_state, "duplicated": self.duplicated, "unexpected": self.unexpected,
            "diverged": self.diverged, "not_drained": self.not_drained,
            "uploads_abandoned": self.uploads_abandoned, "unreadable": self.unreadable,
            "examples": self.examples,
        })
    }
}

/// Checks every patient of `devs` against the server (see the module doc).
pub async fn verify(sh: &Shared, devs: &mut [SimDevice]) -> Verdict {
    let mut v = Verdict { devices: devs.len(), ..Verdict::default() };
    let mut by_patient: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, d) in devs.iter().enumerate() {
        by_patient.entry(d.hm.clone()).or_default().push(i);
        v.acknowledged += d.acked.len() as u64;
        v.not_drained += d.queued() as u64;
        v.uploads_abandoned += d.uploads_abandoned;
    }
    v.patients = by_patient.len();
    for members in by_patient.values() {
        // The last acknowledged write of each record, whichever device of the patient made it.
        let mut expected: BTreeMap<Key, Acked> = BTreeMap::new();
        let mut pharmacy: BTreeSet<Key> = BTreeSet::new();
        for &i in members {
            for a in &devs[i].acked {
                if expected.get(&a.key).is_none_or(|e| e.version < a.version) {
                    expected.insert(a.key.clone(), a.clone());
                }
            }
            pharmacy.extend(devs[i].pharmacy_entries.iter().map(|id| ("medication".to_owned(), id.clone())));
        }
        v.expected_records += expected.len() as u64;
        v.pharmacy_entries += pharmacy.len() as u64;
        let Some(server) = devs[members[0]].full_download(sh).await else {
            v.unreadable += 1;
            continue;
        };
        v.on_server += server.len() as u64;
        for (key, (_, n)) in &server {
            if *n > 1 {
                v.duplicated += u64::from(*n - 1);
                v.example(format!("duplicated: {} {} ({n} times)", key.0, key.1));
            }
            if !expected.contains_key(key) && !pharmacy.contains(key) {
                v.unexpected += 1;
                v.example(format!("unexpected: {} {}", key.0, key.1));
            }
        }
        for (key, a) in &expected {
            match server.get(key) {
                None => {
                    v.lost += 1;
                    v.example(format!("lost: {} {}", key.0, key.1));
                }
                Some((h, _)) => {
                    let payload_ok = a.deleted || h.payload.as_ref() == Some(&a.payload);
                    if h.version != a.version || h.deleted != a.deleted || !payload_ok {
                        v.wrong_state += 1;
                        v.example(format!(
                            "wrong state: {} {} (server version {} deleted {}, acknowledged version {} deleted {}{})",
                            key.0,
                            key.1,
                            h.version,
                            h.deleted,
                            a.version,
                            a.deleted,
                            if payload_ok { "" } else { ", other payload" }
                        ));
                    }
                }
            }
        }
        for key in &pharmacy {
            if server.get(key).is_none_or(|(h, _)| h.deleted) {
                v.lost += 1;
                v.example(format!("lost pharmacy entry: {} {}", key.0, key.1));
            }
        }
        let view: BTreeMap<&Key, _> = server.iter().map(|(k, (h, _))| (k, h)).collect();
        for &i in members {
            let mine: BTreeMap<&Key, _> = devs[i].mirror.iter().collect();
            if mine != view {
                v.diverged += 1;
                let differing = view.keys().chain(mine.keys()).filter(|k| view.get(*k) != mine.get(*k)).count();
                v.example(format!(
                    "diverged: device {} differs from the server in {differing} records",
                    devs[i].device_id
                ));
            }
        }
    }
    v
}
