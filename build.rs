//! Decodes the built-in known-key list (`src/audit/blacklist3r_machinekeys.txt`) at compile
//! time into a compact binary form, so `KeyList::builtin` parses no hex at run time. Only with
//! the `audit` feature. Format, per pair in list order: line (u32 LE), validation key length
//! (u8), decryption key length (u8), the validation key bytes, the decryption key bytes.

// A build script reports a failure by panicking.
#![allow(clippy::panic)]

use std::io::Write as _;

fn main() {
    println!("cargo::rerun-if-changed=src/audit/blacklist3r_machinekeys.txt");
    println!("cargo::rerun-if-changed=build.rs");
    if std::env::var_os("CARGO_FEATURE_AUDIT").is_none() {
        return;
    }
    let text = std::fs::read_to_string("src/audit/blacklist3r_machinekeys.txt")
        .unwrap_or_else(|e| panic!("the built-in key list: {e}"));
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let fields: Vec<&str> = line.trim().split(',').map(str::trim).collect();
        // As `KeyList::load`: each adjacent pair of fields is a pair of keys.
        for pair in fields.windows(2) {
            let [v, d] = pair else {
                continue;
            };
            let decode = |h: &str| -> Option<Vec<u8>> {
                if h.is_empty() || h.len() % 2 != 0 {
                    return None;
                }
                (0..h.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(h.get(i..i + 2)?, 16).ok())
                    .collect()
            };
            let (Some(v), Some(d)) = (decode(v), decode(d)) else {
                continue;
            };
            let (Ok(vlen), Ok(dlen), Ok(line_no)) = (
                u8::try_from(v.len()),
                u8::try_from(d.len()),
                u32::try_from(n + 1),
            ) else {
                continue;
            };
            out.extend_from_slice(&line_no.to_le_bytes());
            out.push(vlen);
            out.push(dlen);
            out.extend_from_slice(&v);
            out.extend_from_slice(&d);
        }
    }
    let path = std::path::Path::new(&std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into()))
        .join("builtin_keys.bin");
    std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(&out))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}
