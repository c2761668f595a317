//! The physical floor of the known-key audit on this machine: what one compression of each
//! hash the audit runs costs (SHA-1, SHA-256, SHA-512, MD5: the `sha1`, `sha2` and `md-5`
//! crates' own compression functions, one 64- or 128-byte block per call, as the audit calls
//! them), one AES-256 and one 3DES block decryption (the `aes` and `des` crates), and reading
//! a 35.6 MB key list's bytes (the size of the 200,000-pair list of the end-to-end cases):
//! from memory as words, and from a file in the page cache in 1 MiB reads (the copy every
//! reader of a file pays; the floor's list term).
//!
//! The "floor" column of `machinekey::manual::performance` is, per case, the compressions and blocks the audit must
//! perform (counted by `audit-work`) times these costs, plus the list read at memory speed;
//! `benches/report.py` reads the medians from `target/criterion/floor/*/new/estimates.json`.
//! These are one stream's costs, the speed of the hash itself (a long message costs the same
//! per block). `*_two_streams` time two independent states in alternation: the core overlaps
//! them (with the SHA extensions, about two thirds of one stream's cost a block), a lower
//! bound for work made of independent MACs, which the report gives as a second percentage.
//!
//! `cargo bench -p machinekey-benches --bench floor`

#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;
use std::time::Duration;

use aes::cipher::{BlockCipherDecrypt, KeyInit};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// SHA-1's initial state (FIPS 180-4 §5.3.1), where the SHA-1 cases start.
const SHA1_IV: [u32; 5] = [
    0x6745_2301,
    0xEFCD_AB89,
    0x98BA_DCFE,
    0x1032_5476,
    0xC3D2_E1F0,
];

/// The size of the end-to-end cases' key list (200,000 lines of 176 hex digits, a comma and a
/// newline).
const LIST_BYTES: usize = 35_600_000;

fn floor(c: &mut Criterion) {
    let mut g = c.benchmark_group("floor");
    g.throughput(Throughput::Elements(1));
    let block64 = [[0x5Au8; 64]];
    let block128 = [[0x5Au8; 128]];
    g.bench_function("sha1_block", |b| {
        let mut state = SHA1_IV;
        b.iter(|| sha1::block_api::compress(black_box(&mut state), black_box(&block64)));
    });
    g.bench_function("sha256_block", |b| {
        let mut state = [0x6A09_E667u32; 8];
        b.iter(|| sha2::block_api::compress256(black_box(&mut state), black_box(&block64)));
    });
    // Two independent states in alternation: the cores overlap independent compressions
    // (the SHA extensions' rounds have latency to spare), so two streams cost less than
    // two blocks of one stream. Per block; the report's second percentage uses it.
    g.throughput(Throughput::Elements(2));
    g.bench_function("sha1_two_streams", |b| {
        let mut one = SHA1_IV;
        let mut two = one;
        b.iter(|| {
            sha1::block_api::compress(black_box(&mut one), black_box(&block64));
            sha1::block_api::compress(black_box(&mut two), black_box(&block64));
        });
    });
    g.bench_function("sha256_two_streams", |b| {
        let mut one = [0x6A09_E667u32; 8];
        let mut two = [0x6A09_E667u32; 8];
        b.iter(|| {
            sha2::block_api::compress256(black_box(&mut one), black_box(&block64));
            sha2::block_api::compress256(black_box(&mut two), black_box(&block64));
        });
    });
    g.bench_function("sha512_two_streams", |b| {
        let mut one = [0x6A09_E667_F3BC_C908u64; 8];
        let mut two = one;
        b.iter(|| {
            sha2::block_api::compress512(black_box(&mut one), black_box(&block128));
            sha2::block_api::compress512(black_box(&mut two), black_box(&block128));
        });
    });
    g.throughput(Throughput::Elements(1));
    g.bench_function("sha512_block", |b| {
        let mut state = [0x6A09_E667_F3BC_C908u64; 8];
        b.iter(|| sha2::block_api::compress512(black_box(&mut state), black_box(&block128)));
    });
    g.bench_function("md5_block", |b| {
        let mut state = [0x6745_2301u32, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476];
        b.iter(|| md5::block_api::compress(black_box(&mut state), black_box(&block64)));
    });
    g.bench_function("aes256_block", |b| {
        let cipher = aes::Aes256::new(&[7u8; 32].into());
        let mut block = [0x5Au8; 16].into();
        b.iter(|| cipher.decrypt_block(black_box(&mut block)));
    });
    g.bench_function("tdes_block", |b| {
        let cipher = des::TdesEde3::new(&[7u8; 24].into());
        let mut block = [0x5Au8; 8].into();
        b.iter(|| cipher.decrypt_block(black_box(&mut block)));
    });
    // The list's bytes, read once each, as words.
    let list = vec![0x41u8; LIST_BYTES];
    g.throughput(Throughput::Bytes(LIST_BYTES as u64));
    g.bench_function("read_list_35_6_mb", |b| {
        b.iter(|| {
            black_box(&list)
                .chunks_exact(8)
                .map(|w| u64::from_le_bytes(w.try_into().unwrap()))
                .fold(0u64, u64::wrapping_add)
        })
    });
    // The same bytes from a file in the page cache, in 1 MiB reads: what reading a list
    // file costs any program (the kernel's copy included), the floor's list term.
    let path = std::env::temp_dir().join(format!("machinekey-floor-{}.txt", std::process::id()));
    std::fs::write(&path, &list).unwrap();
    g.bench_function("read_list_file_35_6_mb", |b| {
        let mut buffer = vec![0u8; 1 << 20];
        b.iter(|| {
            let mut file = std::fs::File::open(&path).unwrap();
            let mut total = 0usize;
            loop {
                let n = std::io::Read::read(&mut file, &mut buffer).unwrap();
                if n == 0 {
                    break;
                }
                total += n;
            }
            black_box(total)
        })
    });
    let _ = std::fs::remove_file(&path);
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(2)).sample_size(20);
    targets = floor
}
criterion_main!(benches);
