//! Protect and unprotect throughput per mode at 64 B, 1 KiB and 16 KiB, and the SP800-108
//! key derivation. Keys: HMACSHA256 + AES-256 (64-byte validation key).

#![allow(missing_docs, clippy::expect_used, clippy::cast_possible_truncation)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use machinekey::config::MachineKeyConfig;
use machinekey::crypto::framework45::{Framework45Protector, Purpose, sp800_108_hmac_sha512};
use machinekey::crypto::legacy::{IvType, LegacyProtector};
use machinekey::random::OsRandom;

const VK: &str = "F5144F1A581A57BA3B60311AF7562A855998F7DD203CD8A71405599B980D8694B5C986C888BE4FC0E6571C2CE600D58CE82B8FA13106B17D77EA4CECDDBBEC1B";
const DK: &str = "245EDC5AAF1F32D0087178F7409370AF0A2C1FDDE1240212C73604E0DE509029";
const SIZES: [usize; 3] = [64, 1024, 16 * 1024];

fn config(mode: &str) -> MachineKeyConfig {
    MachineKeyConfig::builder()
        .validation_key(VK)
        .decryption_key(DK)
        .validation(machinekey::config::ValidationAlgorithm::HmacSha256)
        .decryption(machinekey::config::DecryptionAlgorithm::Aes)
        .attribute(
            machinekey::config::MachineKeyAttribute::CompatibilityMode,
            mode,
        )
        .build()
        .expect("valid config")
}

fn legacy(c: &mut Criterion) {
    let p = LegacyProtector::from_config(&config("Framework20SP2")).expect("keys");
    let modifier = [0x34, 0x03, 0x0B, 0xCA];
    let mut g = c.benchmark_group("legacy");
    for size in SIZES {
        let data = vec![0x5A; size];
        g.throughput(Throughput::Bytes(size as u64));
        let signed = p.sign(&data, Some(&modifier)).expect("sign");
        let sealed = p
            .encrypt(&data, Some(&modifier), IvType::Random)
            .expect("encrypt");
        g.bench_with_input(BenchmarkId::new("sign", size), &data, |b, d| {
            b.iter(|| p.sign(black_box(d), Some(&modifier)))
        });
        g.bench_with_input(BenchmarkId::new("verify", size), &signed, |b, s| {
            b.iter(|| p.verify(black_box(s), Some(&modifier)))
        });
        g.bench_with_input(BenchmarkId::new("encrypt", size), &data, |b, d| {
            b.iter(|| p.encrypt(black_box(d), Some(&modifier), IvType::Random))
        });
        g.bench_with_input(BenchmarkId::new("decrypt", size), &sealed, |b, s| {
            b.iter(|| p.decrypt(black_box(s), Some(&modifier), IvType::Random))
        });
    }
    g.finish();
}

fn framework45(c: &mut Criterion) {
    let fx45 = Framework45Protector::from_config(&config("Framework45")).expect("keys");
    let purpose = Purpose::new("WebForms.HiddenFieldPageStatePersister.ClientState")
        .with_specific("TemplateSourceDirectory: /")
        .with_specific("Type: DEFAULT_ASPX");
    let p = fx45.for_purpose(&purpose).expect("derive");
    let mut g = c.benchmark_group("framework45");
    for size in SIZES {
        let data = vec![0x5A; size];
        g.throughput(Throughput::Bytes(size as u64));
        let sealed = p.protect(&data).expect("protect");
        g.bench_with_input(BenchmarkId::new("protect", size), &data, |b, d| {
            b.iter(|| p.protect(black_box(d)))
        });
        g.bench_with_input(BenchmarkId::new("unprotect", size), &sealed, |b, s| {
            b.iter(|| p.unprotect(black_box(s)))
        });
        // Through the per-purpose cache, as a caller holding only the protector would.
        g.bench_with_input(
            BenchmarkId::new("unprotect_cached_lookup", size),
            &sealed,
            |b, s| b.iter(|| fx45.unprotect(black_box(s), &purpose)),
        );
    }
    g.finish();
}

fn kdf(c: &mut Criterion) {
    let fx45 = Framework45Protector::from_config(&config("Framework45")).expect("keys");
    let purpose = Purpose::new("WebForms.HiddenFieldPageStatePersister.ClientState")
        .with_specific("TemplateSourceDirectory: /")
        .with_specific("Type: DEFAULT_ASPX");
    let context = purpose.context();
    let mut g = c.benchmark_group("kdf");
    g.bench_function("sp800_108_32_bytes", |b| {
        b.iter(|| sp800_108_hmac_sha512(black_box(&[0x42; 32]), purpose.label(), &context, 32))
    });
    g.bench_function("sp800_108_64_bytes", |b| {
        b.iter(|| sp800_108_hmac_sha512(black_box(&[0x42; 64]), purpose.label(), &context, 64))
    });
    g.bench_function("derive_purpose_keys", |b| {
        b.iter(|| fx45.derive_keys(black_box(&purpose)))
    });
    g.finish();
}

/// Data Protection: a `CfDJ8` cookie-sized payload under the default algorithm and GCM
/// (subkey derivation per payload included, as ASP.NET does it), and reading a key file
/// (XML, Base64 master key, context header).
fn data_protection(c: &mut Criterion) {
    use machinekey::dataprotection::{Algorithm, Key, KeyRing};
    let mut g = c.benchmark_group("data_protection");
    let now = time::OffsetDateTime::now_utc();
    for (name, alg) in [
        ("aes256cbc_hmacsha256", Algorithm::default()),
        ("aes256gcm", Algorithm::Gcm { key_len: 32 }),
    ] {
        let mut ring = KeyRing::new();
        ring.add(Key::generate(now, alg, &OsRandom).unwrap())
            .unwrap();
        let p = ring
            .protector(&[
                "/app/",
                "Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationMiddleware",
                "Identity.Application",
                "v2",
            ])
            .unwrap();
        let payload = p.protect(&[0x5A; 600]).unwrap();
        g.throughput(Throughput::Elements(1));
        g.bench_function(BenchmarkId::new("unprotect_600_bytes", name), |b| {
            b.iter(|| p.unprotect(&payload).unwrap());
        });
        g.bench_function(BenchmarkId::new("protect_600_bytes", name), |b| {
            b.iter(|| p.protect(&[0x5A; 600]).unwrap());
        });
    }
    let key = Key::generate(now, Algorithm::default(), &OsRandom)
        .unwrap()
        .to_xml();
    g.bench_function("read_key_file", |b| {
        b.iter(|| KeyRing::from_xml(&key, "key.xml").unwrap());
    });
    g.finish();
}

fn short() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30)
}

criterion_group! { name = benches; config = short(); targets = legacy, framework45, kdf, data_protection }
criterion_main!(benches);
