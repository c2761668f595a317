//! The diagnosis's readers of untrusted input (replicas' logs, pasted values) never panic,
//! stay within their bounds, and read the same facts whatever surrounds them.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use machinekey::compat::diagnose::{Diagnoser, LogLimits, Verdict, read_values};
use proptest::prelude::*;

const A: &str = "info: Microsoft.AspNetCore.DataProtection.KeyManagement.XmlKeyManager[58]
      Creating key {76ad219b-a727-4658-ba2d-ef0bbb12da08} with creation date 2026-12-06 03:20:50Z, activation date 2026-12-06 03:20:50Z, and expiration date 2027-03-06 03:20:50Z.
info: Microsoft.AspNetCore.DataProtection.Repositories.FileSystemXmlRepository[39]
      Writing data to file '/tmp/rA/key-76ad219b-a727-4658-ba2d-ef0bbb12da08.xml'.
";
const B: &str = "info: Microsoft.AspNetCore.DataProtection.Repositories.FileSystemXmlRepository[39]
      Writing data to file '/tmp/rB/key-a9c8bbcc-4678-4faa-b040-0d19c2e03261.xml'.
warn: Microsoft.AspNetCore.Session.SessionMiddleware[7]
      Error unprotecting the session cookie.
      System.Security.Cryptography.CryptographicException: The key {76ad219b-a727-4658-ba2d-ef0bbb12da08} was not found in the key ring. For more information go to https://aka.ms/aspnet/dataprotectionwarning
         at Microsoft.AspNetCore.DataProtection.KeyManagement.KeyRingBasedDataProtector.UnprotectCore(Byte[] protectedData, Boolean allowOperationsOnRevokedKeys, UnprotectStatus& status)
";

fn small_limits() -> LogLimits {
    let mut l = LogLimits::default();
    l.max_line = 200;
    l.max_record_lines = 5;
    l.max_record_bytes = 300;
    l.max_facts = 7;
    l.max_open_records = 3;
    l
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_bytes_read_and_diagnose_without_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4000)) {
        let mut d = Diagnoser::new();
        d.read_log("fuzz", &bytes[..]).unwrap();
        let diag = d.diagnose();
        prop_assert!(!diag.findings.is_empty());
        let _ = diag.report();
        let _ = serde_json::to_string(&diag).unwrap();
        let log = &d.logs()[0];
        prop_assert!(log.facts.iter().all(|f| f.line >= 1 && f.line <= log.lines));
    }

    #[test]
    fn bounds_hold_on_any_text(text in "[ -~\n{}\\[\\]]{0,3000}", repeat in 1usize..20) {
        let body = format!("{A}{B}{text}").repeat(repeat);
        let mut d = Diagnoser::new();
        d.limits(small_limits());
        d.read_log("x", body.as_bytes()).unwrap();
        let log = &d.logs()[0];
        prop_assert!(log.facts.len() <= 7);
        prop_assert!(log.facts.iter().all(|f| f.excerpt.chars().count() <= 240));
    }

    #[test]
    fn noise_between_records_does_not_change_the_verdict(
        noise in proptest::collection::vec("(info|dbug): Microsoft\\.AspNetCore\\.[A-Za-z]{1,12}\\[[0-9]{1,3}\\]\n      [a-zA-Z0-9 .,:;'()/-]{0,80}\n", 0..6),
        prefix in prop_oneof![Just(String::new()), Just("2026-12-06T03:20:50.123Z ".to_owned()), Just("web-1  | ".to_owned()), Just("> ".to_owned())],
        crlf in any::<bool>(),
    ) {
        let dress = |log: &str| -> String {
            let mut out = String::new();
            for (i, l) in log.lines().enumerate() {
                if i % 2 == 0 {
                    for n in &noise {
                        for nl in n.lines() {
                            out.push_str(&prefix);
                            out.push_str(nl);
                            out.push_str(if crlf { "\r\n" } else { "\n" });
                        }
                    }
                }
                out.push_str(&prefix);
                out.push_str(l);
                out.push_str(if crlf { "\r\n" } else { "\n" });
            }
            out
        };
        let mut d = Diagnoser::new();
        d.read_log("a", dress(A).as_bytes()).unwrap();
        d.read_log("b", dress(B).as_bytes()).unwrap();
        let diag = d.diagnose();
        prop_assert_eq!(diag.primary(), Verdict::RingsNotShared);
        prop_assert!(diag.findings[0].explains_failures);
    }

    #[test]
    fn pasted_values_never_panic(text in "\\PC{0,400}") {
        let values = read_values(&text);
        prop_assert!(values.len() <= 256);
        prop_assert!(values.iter().all(|v| v.key.is_some() != v.unreadable.is_some()));
    }
}
