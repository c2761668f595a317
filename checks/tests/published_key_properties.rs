//! Published Data Protection keys in the audit: the key id is read alike from every text form
//! a page carries a value in; a value under a listed key opens under the consumer and
//! discriminator it was made with, and no altered copy does; `carve` finds a value however it
//! is embedded; and no input panics the list reader, the auditor, the Blazor readers or carve.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use machinekey::audit::blazor;
use machinekey::audit::carve::{CarveOptions, carve};
use machinekey::audit::data_protection::{
    DataProtectionAuditor, DataProtectionKeyList, DataProtectionVerdict,
};
use machinekey::crypto::encoding::{to_base64, to_base64url};
use machinekey::dataprotection::consumers::{self, Consumer};
use machinekey::dataprotection::{Algorithm, Key, KeyId, KeyRing};
use machinekey::random::OsRandom;
use proptest::prelude::*;

/// `text` in each form a value is found in: as written, percent-encoded, JSON-escaped,
/// HTML-escaped (each of `+` `/` `=`), and in standard Base64.
fn forms(payload: &[u8]) -> Vec<String> {
    let url = to_base64url(payload);
    let std = to_base64(payload);
    vec![
        url.clone(),
        std.clone(),
        std.replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D"),
        std.replace('+', "\\u002B").replace('/', "\\/"),
        std.replace('+', "&#x2B;").replace('/', "&#47;"),
        std.trim_end_matches('=').to_owned(),
    ]
}

fn consumer() -> impl Strategy<Value = Consumer> {
    let mut all = consumers::known();
    all.extend(consumers::blazor());
    prop::sample::select(all)
}

fn ring_and_auditor(names: &[String]) -> (KeyRing, DataProtectionAuditor) {
    let mut ring = KeyRing::new();
    ring.add(
        Key::generate(
            time::OffsetDateTime::now_utc(),
            Algorithm::default(),
            &OsRandom,
        )
        .unwrap(),
    )
    .unwrap();
    let mut list = DataProtectionKeyList::builtin();
    list.add_key_ring(&ring, "test ring");
    (ring, DataProtectionAuditor::new(list).with_app_names(names))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn key_id_reads_alike_from_every_form(
        id in any::<[u8; 16]>(),
        body in prop::collection::vec(any::<u8>(), 0..200),
    ) {
        let mut payload = vec![0x09, 0xF0, 0xC9, 0xF0];
        payload.extend_from_slice(&id);
        payload.extend_from_slice(&body);
        let expected = KeyId::from_bytes_le(id);
        let auditor = DataProtectionAuditor::builtin();
        for text in forms(&payload) {
            prop_assert_eq!(DataProtectionAuditor::key_id_of(&text), Some(expected), "{}", text);
            prop_assert_eq!(auditor.audit(&text), DataProtectionVerdict::UnknownKey { key_id: expected });
        }
        let hex = machinekey::crypto::encoding::to_upper_hex(&payload);
        prop_assert_eq!(DataProtectionAuditor::key_id_of(&hex), Some(expected));
        // Another magic or version is not a payload.
        let mut other = payload.clone();
        other[3] ^= 1;
        prop_assert_eq!(DataProtectionAuditor::key_id_of(&to_base64url(&other)), None);
    }

    #[test]
    fn opens_under_its_consumer_and_discriminator_and_altered_copies_do_not(
        name in "[A-Za-z][A-Za-z0-9./_-]{0,20}",
        with_name in any::<bool>(),
        c in consumer(),
        data in prop::collection::vec(any::<u8>(), 0..200),
        flip_at in any::<prop::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let names = [name.clone()];
        let (ring, auditor) = ring_and_auditor(&names);
        let discriminator = with_name.then(|| name.clone());
        let chain: Vec<String> = discriminator.iter().cloned().chain(c.purposes.iter().cloned()).collect();
        let payload = ring.protector(&chain).unwrap().protect(&data).unwrap();
        for text in forms(&payload) {
            let verdict = auditor.audit(&text);
            let m = verdict.opened().unwrap();
            prop_assert_eq!(&m.purposes, &chain);
            prop_assert_eq!(&m.discriminator, &discriminator);
            prop_assert_eq!(&m.plaintext, &data);
        }
        let mut bad = payload.clone();
        let i = 20 + flip_at.index(bad.len() - 20);
        bad[i] ^= flip;
        let verdict = auditor.audit(&to_base64url(&bad));
        prop_assert!(
            matches!(verdict, DataProtectionVerdict::PublishedKeyUnverified { .. }),
            "{:?}", verdict
        );
    }

    #[test]
    fn carve_finds_a_value_however_it_is_embedded(
        data in prop::collection::vec(any::<u8>(), 1..100),
        before in "[ a-z<>=\"]{0,30}",
        place in 0usize..5,
    ) {
        let (ring, _) = ring_and_auditor(&[]);
        let payload = ring.protector(&["p"]).unwrap().protect(&data).unwrap();
        let url = to_base64url(&payload);
        let std = to_base64(&payload);
        let embedded = match place {
            0 => format!("{before}<a href=\"/cb?state={}&amp;x=1\">", std.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D")),
            1 => format!("{before}<script>var t = {{\"accessToken\":\"{url}\"}};</script>"),
            2 => format!("{before}<!--Blazor:{{\"type\":\"server\",\"sequence\":0,\"descriptor\":\"{}\"}}-->", std.replace('+', "\\u002B")),
            3 => format!("{before}<!--Blazor-Server-Component-State:{std}-->"),
            _ => format!("{before}<input type=\"hidden\" name=\"__RequestVerificationToken\" value=\"{url}\" />"),
        };
        let items = carve(&embedded, "p", None, &CarveOptions::default());
        let found: Vec<&String> = items.iter().filter_map(|i| i.data_protection.as_ref()).collect();
        prop_assert_eq!(found.len(), 1, "{:?}", items);
        prop_assert_eq!(DataProtectionAuditor::key_id_of(found[0]), DataProtectionAuditor::key_id_of(&url));
    }

    #[test]
    fn untrusted_text_never_panics(text in "\\PC{0,400}", bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let auditor = DataProtectionAuditor::builtin();
        for t in [text.as_str(), &format!("CfDJ8{text}"), &format!("09F0C9F0{text}")] {
            let _ = auditor.audit(t);
            let _ = DataProtectionAuditor::key_id_of(t);
            let _ = carve(t, "x", None, &CarveOptions::default());
            let _ = blazor::markers(t);
            let _ = blazor::state_markers(t);
            let _ = DataProtectionKeyList::from_json(t, "x");
        }
        let _ = blazor::read_descriptor(&bytes, None);
        let _ = blazor::read_state(&bytes);
        let _ = blazor::time_limited(&bytes);
    }
}
