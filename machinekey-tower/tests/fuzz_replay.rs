//! The `tower` fuzz target on a stable toolchain, through the body `cargo fuzz` runs
//! (`fuzz/bodies_tower.rs`): every input of its checked-in corpus
//! (`fuzz/corpus-min/tower.bin`, packed as a 4-byte little-endian length then the bytes),
//! then pseudo-random inputs of every length up to 300 in each of the body's modes.

#![allow(clippy::panic, clippy::cast_possible_truncation)]

#[path = "../../fuzz/bodies_tower.rs"]
mod bodies_tower;

#[test]
fn corpus_replay() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus-min/tower.bin");
    let packed = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut rest = packed.as_slice();
    let mut replayed = 0;
    while let [a, b, c, d, tail @ ..] = rest {
        let len = u32::from_le_bytes([*a, *b, *c, *d]) as usize;
        let Some((input, tail)) = tail.split_at_checked(len) else {
            panic!("tower.bin is truncated");
        };
        bodies_tower::tower(input);
        replayed += 1;
        rest = tail;
    }
    assert!(
        replayed > 100,
        "only {replayed} inputs in {}",
        path.display()
    );
}

#[test]
fn random_inputs() {
    let mut state = 0x853C_49E6_748F_EA9B_u64;
    for len in 0..300usize {
        for mode in 0..4u8 {
            let mut bytes: Vec<u8> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state.to_le_bytes()[0]
                })
                .collect();
            if let Some(first) = bytes.first_mut() {
                *first = mode;
            }
            bodies_tower::tower(&bytes);
        }
    }
}
