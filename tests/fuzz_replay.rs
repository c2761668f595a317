//! The fuzz targets on a stable toolchain, through the same entry points `cargo fuzz` uses
//! (`fuzz/bodies.rs`): every input of the checked-in corpora (`fuzz/corpus-min/<target>/`,
//! inputs that found new coverage), then pseudo-random inputs of every length up to 300.

#![cfg(feature = "audit")]

#[path = "../fuzz/bodies.rs"]
mod bodies;

type Body = fn(&[u8]);

const TARGETS: [(&str, Body); 4] = [
    ("parse", bodies::parse),
    ("unprotect", bodies::unprotect),
    ("audit", bodies::audit),
    ("sealed", bodies::sealed),
];

#[test]
fn corpora_replay() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus-min");
    let mut replayed = 0;
    for (name, body) in TARGETS {
        let Ok(dir) = std::fs::read_dir(root.join(name)) else {
            continue;
        };
        for entry in dir.flatten() {
            if let Ok(bytes) = std::fs::read(entry.path()) {
                body(&bytes);
                replayed += 1;
            }
        }
    }
    assert!(replayed > 0, "no corpus under {}", root.display());
}

#[test]
fn random_inputs() {
    let mut state = 0x853C_49E6_748F_EA9B_u64;
    for (_, body) in TARGETS {
        for len in 0..300usize {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state.to_le_bytes()[0]
                })
                .collect();
            body(&bytes);
        }
    }
}
