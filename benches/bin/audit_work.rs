//! Counts what each audit case of the performance chapter's table performs: hash compressions (and of
//! them, those that key HMAC pad states), AES and 3DES blocks, in a build of `machinekey` with
//! `--cfg machinekey_work_count` (a cfg, not a feature: no dependent can switch the shared
//! counters on for everyone). Prints one JSON object per case on standard output, for
//! `benches/report.py`, which multiplies the counts by the per-block costs of the `floor`
//! bench.
//!
//! `RUSTFLAGS="--cfg machinekey_work_count" cargo run --release -p machinekey-benches --bin
//! audit-work [-- --write-corpus DIR]`: with `--write-corpus`, also writes the batch corpora as
//! `DIR/KIND.jsonl` (the input `machinekey audit --batch` is timed on).

#[cfg(not(machinekey_work_count))]
fn main() -> std::process::ExitCode {
    eprintln!(
        "audit-work counts work only in a build with RUSTFLAGS=\"--cfg machinekey_work_count\" (benches/report.py builds it so)"
    );
    std::process::ExitCode::from(2)
}

#[cfg(machinekey_work_count)]
fn main() -> std::process::ExitCode {
    counting::main();
    std::process::ExitCode::SUCCESS
}

/// The counting itself, present only in a counting build.
#[cfg(machinekey_work_count)]
mod counting {
    use std::ops::ControlFlow;
    use std::sync::atomic::AtomicUsize;

    use machinekey::audit::{Auditor, Blob, KeyList};
    use machinekey::crypto::work;
    use machinekey_benches::{BATCH_CASES, GENERATOR, big_list, corpus, true_key_viewstates};

    fn print(case: &str, keys: usize, blobs: usize, found: usize, counts: work::Counts) {
        println!(
            "{}",
            serde_json::json!({
                "case": case,
                "keys": keys,
                "blobs": blobs,
                "found": found,
                "counts": counts,
            })
        );
    }

    pub(crate) fn main() {
        let args: Vec<String> = std::env::args().collect();
        if let Some(dir) = args
            .iter()
            .position(|a| a == "--write-corpus")
            .and_then(|i| args.get(i + 1))
        {
            std::fs::create_dir_all(dir).expect("the corpus directory can be made");
            for (kind, pages, per_page) in BATCH_CASES {
                let mut text = corpus(kind, pages, per_page).join("\n");
                text.push('\n');
                std::fs::write(format!("{dir}/{kind}.jsonl"), text).expect("the corpus is written");
            }
        }
        // One blob against the built-in list and 200,000 listed pairs, the true key last, read as
        // `machinekey audit --keys list.txt` reads it: a block at a time.
        let list = big_list();
        let (signed, encrypted) = true_key_viewstates();
        for (name, bytes) in [
            ("one_blob_signed", &signed),
            ("one_blob_encrypted", &encrypted),
        ] {
            let blob = Blob::viewstate(bytes).with_generator(GENERATOR);
            work::reset();
            let builtin = Auditor::from_list(KeyList::builtin());
            let mut keys = builtin.len();
            let mut found = usize::from(builtin.audit(&blob).is_some());
            let report = KeyList::scan(&list[..], "list.txt", |block| {
                let auditor = Auditor::from_list(std::mem::take(block));
                let hit = auditor.audit(&blob).is_some();
                *block = auditor.into_list();
                found += usize::from(hit);
                if hit {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            })
            .expect("an in-memory list reads");
            keys += report.pairs;
            print(name, keys, 1, found, work::snapshot());
        }
        // The batch corpora against the built-in list, as `audit --batch` reads them.
        let auditor = Auditor::from_list(KeyList::builtin());
        for (kind, pages, per_page) in BATCH_CASES {
            let lines = corpus(kind, pages, per_page);
            work::reset();
            let progress = AtomicUsize::new(0);
            let found = auditor
                .audit_lines_counting(&lines, Some(&progress))
                .filter(|r| r.found)
                .count();
            print(
                &format!("batch_{kind}"),
                auditor.len(),
                lines.len(),
                found,
                work::snapshot(),
            );
        }
    }
}
