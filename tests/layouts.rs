//! Byte layouts with pinned randomness, rebuilt independently from the raw primitives
//! (spec §4.4, §4.6, §4.7, §5.4, §6.1): the legacy create-prefix rule in SP1 and SP2 with
//! and without `aspnet:UseLegacyEncryption`, `MachineKey.Encode` for each protection, the
//! 2.0 MD5 MAC, the hash-chain prefix and the Framework45 layout.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::sync::Arc;

use aes::Aes192;
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockModeEncrypt, KeyIvInit};
use hmac::{Hmac, KeyInit, Mac};
use machinekey::Error;
use machinekey::config::{FrameworkVersion, MachineKeyConfig, RuntimeSettings};
use machinekey::crypto::encoding::{from_hex, to_upper_hex};
use machinekey::crypto::framework45::{Framework45Protector, Purpose};
use machinekey::crypto::legacy::{IvType, LegacyProtector, MachineKeyProtection};
use machinekey::random::RandomSource;
use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256};

const VK: &str = "F5144F1A581A57BA3B60311AF7562A855998F7DD203CD8A71405599B980D8694B5C986C888BE4FC0E6571C2CE600D58CE82B8FA13106B17D77EA4CECDDBBEC1B";
const DK: &str = "B47D3CD1E780CF30C739A080995B9B10B64354AA135A2D78";

/// Fills every request with 0xA5.
#[derive(Debug)]
struct Pinned;

impl RandomSource for Pinned {
    fn fill(&self, dest: &mut [u8]) -> Result<(), Error> {
        dest.fill(0xA5);
        Ok(())
    }
}

fn legacy(validation: &str, mode: &str, rt: RuntimeSettings) -> LegacyProtector {
    let cfg = MachineKeyConfig::builder()
        .validation_key(VK)
        .decryption_key(DK)
        .attribute(
            machinekey::config::MachineKeyAttribute::Validation,
            validation,
        )
        .decryption(machinekey::config::DecryptionAlgorithm::Aes)
        .attribute(
            machinekey::config::MachineKeyAttribute::CompatibilityMode,
            mode,
        )
        .runtime(rt)
        .build()
        .unwrap();
    LegacyProtector::from_config(&cfg)
        .unwrap()
        .with_random(Arc::new(Pinned))
}

fn cbc0(plain: &[u8]) -> Vec<u8> {
    let key = from_hex(DK).unwrap();
    cbc::Encryptor::<Aes192>::new_from_slices(&key, &[0; 16])
        .unwrap()
        .encrypt_padded_vec::<Pkcs7>(plain)
}

fn hmac_sha1(data: &[u8]) -> Vec<u8> {
    let mut m = <Hmac<Sha1> as KeyInit>::new_from_slice(&from_hex(VK).unwrap()).unwrap();
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

fn unsigned() -> RuntimeSettings {
    let mut rt = RuntimeSettings::default();
    rt.use_legacy_encryption = true;
    rt
}

const DATA: &[u8] = b"payload";
const MODIFIER: &[u8] = b"\x01\x02\x03\x04";
const R: [u8; 24] = [0xA5; 24];

#[test]
fn default_settings_prefix_and_mac_in_both_modes() {
    for mode in ["Framework20SP1", "Framework20SP2"] {
        let c = cbc0(&[&R[..], DATA, MODIFIER].concat());
        let expected = [c.clone(), hmac_sha1(&c)].concat();
        let p = legacy("SHA1", mode, RuntimeSettings::default());
        assert_eq!(
            p.encrypt(DATA, Some(MODIFIER), IvType::Random).unwrap(),
            expected,
            "{mode}"
        );
        // signData forces a (random) prefix even for IvType::None
        assert_eq!(
            p.encrypt(DATA, Some(MODIFIER), IvType::None).unwrap(),
            expected,
            "{mode}"
        );
    }
}

#[test]
fn pre_ms10_070_layouts() {
    // SP1 + UseLegacyEncryption: raw CBC0(data || modifier), no prefix, no MAC.
    let p = legacy("SHA1", "Framework20SP1", unsigned());
    let sp1 = p.encrypt(DATA, Some(MODIFIER), IvType::Random).unwrap();
    assert_eq!(sp1, cbc0(&[DATA, MODIFIER].concat()));
    assert_eq!(
        p.decrypt(&sp1, Some(MODIFIER), IvType::Random).unwrap(),
        DATA
    );
    // SP2 + UseLegacyEncryption: random prefix, no MAC...
    let p = legacy("SHA1", "Framework20SP2", unsigned());
    let sp2 = p.encrypt(DATA, Some(MODIFIER), IvType::Random).unwrap();
    assert_eq!(sp2, cbc0(&[&R[..], DATA, MODIFIER].concat()));
    // ...but IvType::None stays prefix-free.
    let none = p.encrypt(DATA, Some(MODIFIER), IvType::None).unwrap();
    assert_eq!(none, cbc0(&[DATA, MODIFIER].concat()));
}

#[test]
fn hash_prefix_chain() {
    // SHA1 validation: SHA1(data) || SHA1(SHA1(data))[..4] for a 24-byte key.
    let h1 = Sha1::digest(DATA).to_vec();
    let h2 = Sha1::digest(&h1).to_vec();
    let prefix = [&h1[..], &h2[..4]].concat();
    let c = cbc0(&[&prefix[..], DATA].concat());
    let p = legacy("SHA1", "Framework20SP2", RuntimeSettings::default());
    assert_eq!(
        p.encrypt(DATA, None, IvType::Hash).unwrap(),
        [c.clone(), hmac_sha1(&c)].concat()
    );
    // HMACSHA256 validation: the chain is SHA-256 (the hash is picked by MAC size).
    let p = legacy("HMACSHA256", "Framework20SP2", RuntimeSettings::default());
    let prefix = &Sha256::digest(DATA)[..24];
    let c = cbc0(&[prefix, DATA].concat());
    let sealed = p.encrypt(DATA, None, IvType::Hash).unwrap();
    assert_eq!(&sealed[..c.len()], &c[..]);
}

#[test]
fn machine_key_encode_layouts() {
    let p = legacy("SHA1", "Framework20SP1", RuntimeSettings::default());
    let signed = [DATA, &hmac_sha1(DATA)[..]].concat();
    assert_eq!(
        p.encode(DATA, MachineKeyProtection::Validation).unwrap(),
        to_upper_hex(&signed)
    );
    let c = cbc0(&[&R[..], DATA].concat());
    assert_eq!(
        p.encode(DATA, MachineKeyProtection::Encryption).unwrap(),
        to_upper_hex(&[c.clone(), hmac_sha1(&c)].concat())
    );
    let c = cbc0(&[&R[..], &signed[..]].concat());
    assert_eq!(
        p.encode(DATA, MachineKeyProtection::All).unwrap(),
        to_upper_hex(&[c.clone(), hmac_sha1(&c)].concat())
    );
    // UseLegacyMachineKeyEncryption drops the outer MAC for Encode only; without signing,
    // SP1 also drops the prefix and SP2 keeps it (the create-prefix rule).
    let mut rt = RuntimeSettings::default();
    rt.use_legacy_machine_key_encryption = true;
    let p2 = legacy("SHA1", "Framework20SP1", rt.clone());
    assert_eq!(
        p2.encode(DATA, MachineKeyProtection::Encryption).unwrap(),
        to_upper_hex(&cbc0(DATA))
    );
    let p2_sp2 = legacy("SHA1", "Framework20SP2", rt);
    assert_eq!(
        p2_sp2
            .encode(DATA, MachineKeyProtection::Encryption)
            .unwrap(),
        to_upper_hex(&cbc0(&[&R[..], DATA].concat()))
    );
    assert_eq!(
        p2.encrypt(DATA, None, IvType::Random).unwrap(),
        p.encrypt(DATA, None, IvType::Random).unwrap(),
        "other consumers keep signing"
    );
}

#[test]
fn md5_on_2_0_builds() {
    let mut rt = RuntimeSettings::default();
    rt.framework = FrameworkVersion::V2_0;
    let p = legacy("MD5", "Framework20SP2", rt);
    let key = from_hex(VK).unwrap();
    let mac = Md5::digest([DATA, MODIFIER, &key[..]].concat()).to_vec();
    let expected = [DATA, &mac[..], &[0; 4]].concat();
    assert_eq!(p.mac_len(), 20);
    assert_eq!(p.sign(DATA, Some(MODIFIER)).unwrap(), expected);
    // 4.x MD5 differs: MD5(data || key || zeros), 16 bytes.
    let p4 = legacy("MD5", "Framework20SP2", RuntimeSettings::default());
    let mac4 = Md5::digest([DATA, &key[..], &[0; 4]].concat()).to_vec();
    assert_eq!(
        p4.sign(DATA, Some(MODIFIER)).unwrap(),
        [DATA, &mac4[..]].concat()
    );
}

#[test]
fn framework45_layout() {
    let cfg = MachineKeyConfig::builder()
        .validation_key(VK)
        .decryption_key(DK)
        .validation(machinekey::config::ValidationAlgorithm::HmacSha256)
        .compatibility_mode(machinekey::config::CompatibilityMode::Framework45)
        .build()
        .unwrap();
    let fx45 = Framework45Protector::from_config(&cfg)
        .unwrap()
        .with_random(Arc::new(Pinned));
    let purpose = Purpose::new("User.MachineKey.Protect").with_specific("Sessions");
    let (enc, val) = fx45.derive_keys(&purpose).unwrap();
    let iv = [0xA5; 16];
    let ct = cbc::Encryptor::<Aes192>::new_from_slices(enc.expose_secret(), &iv)
        .unwrap()
        .encrypt_padded_vec::<Pkcs7>(DATA);
    let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(val.expose_secret()).unwrap();
    m.update(&iv);
    m.update(&ct);
    let expected = [&iv[..], &ct[..], &m.finalize().into_bytes()[..]].concat();
    assert_eq!(
        fx45.machine_key_protect(DATA, &["Sessions"]).unwrap(),
        expected
    );
}
