//! The fuzz targets on a stable toolchain, through the same entry points `cargo fuzz` uses
//! (`fuzz/bodies.rs`): every input of the checked-in corpora (`fuzz/corpus-min/<target>.bin`:
//! the inputs that found new coverage, minimised with `cargo fuzz cmin`, packed as a 4-byte
//! little-endian length then the bytes, one after another), then pseudo-random inputs of
//! every length up to 300.

#![cfg(feature = "audit")]
#![allow(clippy::panic, clippy::cast_possible_truncation)]

#[path = "../fuzz/bodies.rs"]
mod bodies;

type Body = fn(&[u8]);

const TARGETS: &[(&str, Body)] = &[
    ("parse", bodies::parse),
    ("aspnetcore", bodies::aspnetcore),
    ("unprotect", bodies::unprotect),
    ("audit", bodies::audit),
    ("sealed", bodies::sealed),
    ("events", bodies::events),
    #[cfg(feature = "diagnose")]
    ("diagnose", bodies::diagnose),
    ("published", bodies::published),
    ("iis", bodies::iis),
    ("warc", bodies::warc),
];

#[test]
fn corpora_replay() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus-min");
    let mut replayed = 0;
    for &(name, body) in TARGETS {
        let Ok(packed) = std::fs::read(root.join(format!("{name}.bin"))) else {
            continue;
        };
        let mut rest = packed.as_slice();
        while let [a, b, c, d, tail @ ..] = rest {
            let len = u32::from_le_bytes([*a, *b, *c, *d]) as usize;
            let Some((input, tail)) = tail.split_at_checked(len) else {
                panic!("{name}.bin is truncated");
            };
            body(input);
            replayed += 1;
            rest = tail;
        }
    }
    assert!(
        replayed > 1000,
        "only {replayed} inputs under {}",
        root.display()
    );
}

#[test]
fn random_inputs() {
    let mut state = 0x853C_49E6_748F_EA9B_u64;
    for &(_, body) in TARGETS {
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
