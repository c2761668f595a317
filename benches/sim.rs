//! Simulated requests per second: each request runs the real formats (session lookup key
//! and store data, forms ticket, ViewState, and on 4.x a `MachineKey.Protect` payload).

#![allow(missing_docs, clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use machinekey::keys::store::ProcessIdentity;
use machinekey::sim::{Era, Simulation};

const BATCH: usize = 100;

fn sim(c: &mut Criterion) {
    let mut g = c.benchmark_group("simulated_requests");
    g.throughput(Throughput::Elements(BATCH as u64));
    for (name, era) in [
        ("net20_garden_after_installer", Era::Net20),
        ("net48_garden_after_installer", Era::Net48),
    ] {
        let identity = ProcessIdentity::custom("S-1-5-21-1-2-3-1001", false);
        let mut s = Simulation::web_garden(era, 3, identity, 1).expect("garden");
        s.install_framework(0, true).expect("install");
        g.bench_function(name, |b| {
            b.iter(|| black_box(s.run("bench", BATCH).expect("run")))
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(3)).sample_size(20);
    targets = sim
}
criterion_main!(benches);
