//! The load generator's own check against the real server: a short run of every family, with
//! two devices per patient editing the same sheet, ends with everything acknowledged on the
//! server once and every device converged; and the check notices a record it was never told of.

use std::sync::Arc;
use std::time::{Duration, Instant};
use techo_server::state::Limits;
use techo_tests::harness::{Backend, TestServer, http};
use techo_tests::load::device::Shared;
use techo_tests::load::http::{Client, Servers};
use techo_tests::load::payloads::jst;
use techo_tests::load::run::{self, PASSWORD, Plan};

fn shared(server: &TestServer, pharmacy: Option<(String, String)>) -> Arc<Shared> {
    Arc::new(Shared {
        client: Client {
            http: http(),
            servers: Servers::new(server.instance_urls.clone()),
            timeout: Duration::from_secs(30),
        },
        password: PASSWORD.into(),
        pharmacy,
        stop: Default::default(),
        give_up: std::sync::Mutex::new(Instant::now() + Duration::from_secs(120)),
        base: chrono::Utc::now().with_timezone(&jst()),
        chunk_bytes: 1024,
        pull_limit: 50,
        think: Duration::ZERO,
        max_sessions: 25,
    })
}

#[test]
fn a_short_run_of_every_family_is_all_on_the_server_once_and_converged() {
    short_run_of_every_family(true);
}

/// As an app from before replica ids: every pull brings the device's own writes back too.
#[test]
fn a_short_run_without_replicas_is_all_on_the_server_once_and_converged() {
    short_run_of_every_family(false);
}

fn short_run_of_every_family(replicas: bool) {
    let server = TestServer::start_on(Backend::chosen(), "127.0.0.1:0", Limits::default());
    let plan = Plan { devices: 6, devices_per_patient: 2, pharmacy: true, seed: rand::random(), replicas };
    let seeded = run::seed_store(server.storage.as_ref(), &plan).expect("seed");
    let sh = shared(&server, seeded.pharmacy.clone());
    let lg = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let outcome = lg.block_on(async {
        let devices = run::sign_in_all(&sh, run::make_devices(&plan, &seeded).unwrap(), 2).await.unwrap();
        // Bounded by sessions, not time: every device runs its 25 and drains.
        let (devices, start) = run::drive(&sh, devices).await.unwrap();
        run::finish(&sh, devices, start).await.unwrap()
    });
    assert!(outcome.ok(), "{}", outcome.text());
    let v = &outcome.verdict;
    assert_eq!((v.lost, v.duplicated, v.diverged, v.unexpected), (0, 0, 0, 0));
    assert!(v.acknowledged > 100 && v.on_server > 100, "{}", v.text());
    // Every kind of request happened, photos included.
    for op in ["push", "pull", "upload start", "upload chunk", "login"] {
        assert!(!outcome.window.latencies(op).is_empty(), "no {op}: {}", outcome.text());
    }
    let families: std::collections::BTreeSet<String> = {
        let mut all = std::collections::BTreeSet::new();
        lg.block_on(async {
            // Over every patient: in a short run one patient may have made no checkup.
            let devices = run::make_devices(&plan, &seeded).unwrap();
            for mut d in run::sign_in_all(&sh, devices, 1).await.unwrap() {
                for (key, _) in d.full_download(&sh).await.unwrap() {
                    all.insert(key.0);
                }
            }
        });
        all
    };
    assert_eq!(
        families.into_iter().collect::<Vec<_>>(),
        ["checkup", "emergency_sheet", "medication", "vital"],
        "every family the server has"
    );
}

#[test]
fn the_check_counts_a_record_nobody_was_told_of_and_one_that_is_missing() {
    let server = TestServer::start_on(Backend::chosen(), "127.0.0.1:0", Limits::default());
    let plan = Plan { devices: 1, devices_per_patient: 1, pharmacy: false, seed: rand::random(), replicas: true };
    let seeded = run::seed_store(server.storage.as_ref(), &plan).expect("seed");
    let sh = Arc::new(Shared { max_sessions: 3, ..Arc::into_inner(shared(&server, None)).unwrap() });
    let lg = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let verdict = lg.block_on(async {
        let devices = run::sign_in_all(&sh, run::make_devices(&plan, &seeded).unwrap(), 1).await.unwrap();
        let (mut devices, _) = run::drive(&sh, devices).await.unwrap();
        // The device forgets one acknowledgement (as if the server had stored a write unasked),
        // and remembers one the server never had.
        let d = &mut devices[0];
        // A record acknowledged once (an edited one would still be expected from its earlier
        // acknowledgements, and so not unexpected on the server).
        let once = d
            .acked
            .iter()
            .position(|a| d.acked.iter().filter(|b| b.key == a.key).count() == 1)
            .expect("a record acknowledged once");
        let mut phantom = d.acked.remove(once);
        phantom.key.1 = uuid::Uuid::now_v7().to_string();
        d.acked.push(phantom);
        techo_tests::load::verify::verify(&sh, &mut devices).await
    });
    assert!(!verdict.ok());
    assert_eq!(verdict.lost, 1, "{}", verdict.text());
    assert!(verdict.unexpected >= 1, "{}", verdict.text());
}

/// A device alone with its patient gets none of its own writes back when it sends a replica id,
/// and all of them without one; the check passes either way.
#[test]
fn a_device_with_a_replica_id_pulls_none_of_its_own_writes() {
    let server = TestServer::start_on(Backend::chosen(), "127.0.0.1:0", Limits::default());
    let pulled = |replicas: bool| {
        let plan = Plan { devices: 1, devices_per_patient: 1, pharmacy: false, seed: rand::random(), replicas };
        let seeded = run::seed_store(server.storage.as_ref(), &plan).expect("seed");
        let sh = Arc::new(Shared { max_sessions: 4, ..Arc::into_inner(shared(&server, None)).unwrap() });
        let lg = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        lg.block_on(async {
            let devices = run::sign_in_all(&sh, run::make_devices(&plan, &seeded).unwrap(), 1).await.unwrap();
            let (mut devices, _) = run::drive(&sh, devices).await.unwrap();
            let d = &devices[0];
            let counts = (d.stats.pulled + d.drain_stats.pulled, d.stats.acknowledged + d.drain_stats.acknowledged);
            let verdict = techo_tests::load::verify::verify(&sh, &mut devices).await;
            assert!(verdict.ok(), "{}", verdict.text());
            counts
        })
    };
    let (with_replica, acknowledged) = pulled(true);
    assert!(acknowledged > 10, "the device wrote something: {acknowledged}");
    assert_eq!(with_replica, 0, "its own writes came back");
    let (without, _) = pulled(false);
    assert!(without > 0, "an app without replica ids pulls its own writes back");
}
