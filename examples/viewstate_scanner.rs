//! A ViewState scanner, as an outside crate would write it against `machinekey`: carve every
//! `__VIEWSTATE` (and the other protected values) out of saved pages or HAR files, audit
//! each against the publicly known keys (the built-in list, plus lists you give), and
//! report what an attacker could forge, with the deserialization gadgets already in it.
//!
//! ```text
//! cargo run --example viewstate_scanner --features audit -- [--keys LIST]... FILE...
//! ```
//!
//! It exits with 1 when a value is protected by a known key, or travels without a MAC.

use std::process::ExitCode;

use machinekey::audit::carve::carve;
use machinekey::audit::{Auditor, BatchResult, CarveOptions, KeyList};
use machinekey::formats::viewstate::unsigned_payload;

/// What one value of one file came to.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    /// Protected by a publicly known key.
    KnownKey {
        /// The value's kind and field (as carved).
        source: String,
        /// The validation key's fingerprint.
        fingerprint: String,
        /// `SHA1`, `HMACSHA256`, ...
        validation: String,
        /// `legacy_signed`, `framework45`, ...
        mode: String,
        /// Gadgets in the verified payload.
        gadgets: Vec<String>,
    },
    /// A `__VIEWSTATE` with no MAC at all (`EnableViewStateMac=false`).
    Unsigned {
        /// Where.
        source: String,
    },
    /// Not opened by any known key (it may still be weak: its key is simply not public).
    Unknown {
        /// Where.
        source: String,
    },
}

/// Scans `(name, content)` files with `auditor`.
fn scan(auditor: &Auditor, files: &[(String, String)]) -> Vec<Verdict> {
    let mut verdicts = Vec::new();
    for (name, content) in files {
        for (line, item) in carve(content, name, None, &CarveOptions::default())
            .iter()
            .enumerate()
        {
            let result: BatchResult = auditor.audit_item(line + 1, item);
            let source = item.source.clone().unwrap_or_else(|| name.clone());
            if let Some(f) = &result.finding {
                verdicts.push(Verdict::KnownKey {
                    source,
                    fingerprint: f.fingerprints.validation_key.clone(),
                    validation: f.validation.to_string(),
                    mode: f.mode.to_string(),
                    gadgets: f.gadgets().iter().map(|g| g.gadget.to_string()).collect(),
                });
            } else if item
                .viewstate
                .as_deref()
                .is_some_and(|v| unsigned_payload(v).is_some())
            {
                verdicts.push(Verdict::Unsigned { source });
            } else if result.label.is_none() {
                verdicts.push(Verdict::Unknown { source });
            }
        }
    }
    verdicts
}

fn main() -> ExitCode {
    let mut list = KeyList::builtin();
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let read = if arg == "--keys" {
            let Some(path) = args.next() else {
                eprintln!("--keys needs a file");
                return ExitCode::from(2);
            };
            list.load_file(&path).map(|report| {
                eprintln!("{path}: {} key pairs", report.pairs);
            })
        } else {
            std::fs::read_to_string(&arg).map(|text| files.push((arg.clone(), text)))
        };
        if let Err(e) = read {
            eprintln!("{arg}: {e}");
            return ExitCode::from(2);
        }
    }
    let auditor = Auditor::from_list(list);
    let verdicts = scan(&auditor, &files);
    let mut exposed = false;
    for v in &verdicts {
        match v {
            Verdict::KnownKey {
                source,
                fingerprint,
                validation,
                mode,
                gadgets,
            } => {
                exposed = true;
                println!("{source}: KNOWN KEY {fingerprint} ({validation}, {mode})");
                if !gadgets.is_empty() {
                    println!("  gadgets already in it: {}", gadgets.join(", "));
                }
            }
            Verdict::Unsigned { source } => {
                exposed = true;
                println!("{source}: NO MAC (anyone can change it)");
            }
            Verdict::Unknown { source } => println!("{source}: no known key"),
        }
    }
    if exposed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use machinekey::config::{MachineKeyConfig, ValidationAlgorithm};
    use machinekey::crypto::encoding::to_base64;
    use machinekey::formats::osf::{self, Value};
    use machinekey::formats::viewstate::ViewStateProtection;
    use machinekey::prelude::*;

    /// A page whose `__VIEWSTATE` `keys` signed, as ASP.NET renders it.
    fn page(keys: &AppKeys, payload: &[u8]) -> String {
        let page = Page::from_path("/shop/cart.aspx", "/shop").unwrap();
        let state = keys
            .encode_viewstate(payload, &page, ViewStateProtection::Signed)
            .unwrap();
        let generator = page.generator(GeneratorHash::default()).unwrap();
        format!(
            r#"<form method="post" action="./cart.aspx">
<input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="{state}" />
<input type="hidden" name="__VIEWSTATEGENERATOR" id="__VIEWSTATEGENERATOR" value="{generator:08X}" />
</form>"#
        )
    }

    fn keys(validation_key: &str, decryption_key: &str) -> Option<AppKeys> {
        let cfg = MachineKeyConfig::builder()
            .validation_key(validation_key)
            .decryption_key(decryption_key)
            .validation(ValidationAlgorithm::HmacSha256)
            .build()
            .ok()?;
        AppKeys::explicit(&cfg).ok()
    }

    #[test]
    fn finds_the_known_key_and_only_it() {
        let list = KeyList::builtin();
        // The first listed pair that legacy HMACSHA256 takes: a site that pasted it.
        let (known, keys_known) = list
            .pairs()
            .iter()
            .find_map(|k| Some((k.clone(), keys(&k.validation_key, &k.decryption_key)?)))
            .unwrap();
        let payload = osf::write(&Value::String("hello".into())).unwrap();
        let own = keys(&"5A".repeat(64), &"C3".repeat(32)).unwrap();
        let unsigned = to_base64(&payload);
        let files = vec![
            ("leaked.html".to_owned(), page(&keys_known, &payload)),
            ("own.html".to_owned(), page(&own, &payload)),
            (
                "unsigned.html".to_owned(),
                format!(r#"<input type="hidden" name="__VIEWSTATE" value="{unsigned}" />"#),
            ),
        ];
        let verdicts = scan(&Auditor::from_list(list), &files);
        let known_hits: Vec<_> = verdicts
            .iter()
            .filter_map(|v| match v {
                Verdict::KnownKey {
                    source,
                    fingerprint,
                    validation,
                    ..
                } => Some((source.as_str(), fingerprint.as_str(), validation.as_str())),
                _ => None,
            })
            .collect();
        assert_eq!(known_hits.len(), 1, "{verdicts:?}");
        let (source, fingerprint, validation) = known_hits[0];
        assert!(source.starts_with("leaked.html"), "{source}");
        assert_eq!(fingerprint, known.fingerprints().validation_key);
        assert_eq!(validation, "HMACSHA256");
        assert!(
            verdicts.iter().any(
                |v| matches!(v, Verdict::Unknown { source } if source.starts_with("own.html"))
            ),
            "{verdicts:?}"
        );
        assert!(
            verdicts.iter().any(
                |v| matches!(v, Verdict::Unsigned { source } if source.starts_with("unsigned.html"))
            ),
            "{verdicts:?}"
        );
    }
}
