//! OWIN/Katana and ASP.NET Core tickets and their cookies: the real Katana cookie of the
//! Blacklist3r README (`tests/data/machinekey_protect.json`) opened through the OWIN
//! cookie's purposes, its ticket bytes read and written back, its tampered forms refused;
//! the Core v5 layout against the field tables of `TicketSerializer.cs` (no real Core ticket
//! with its key ring is public: UNVERIFIED against .NET output, proved by layout); chunking,
//! expiry and sliding renewal as the handlers do them.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use machinekey::crypto::encoding::{from_base64url, from_hex, to_base64url};
use machinekey::dataprotection::KeyRing;
use machinekey::formats::auth_cookie::{
    AuthCookie, Chunking, FormsCookie, LoginCookie, SetCookie, cookie_pairs, renew_sliding,
    set_cookie_pair,
};
use machinekey::formats::auth_ticket::{
    AuthTicket, Claim, ClaimsIdentity, NAME_IDENTIFIER_CLAIM_TYPE, core, katana,
};
use machinekey::{AppKeys, Error, MachineKeyConfig};
use serde_json::Value;
use time::{Duration, OffsetDateTime};

fn owin_vector() -> Value {
    let path = format!(
        "{}/tests/data/machinekey_protect.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    doc["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["id"] == "bl3r-readme-owin-cookie-HMACSHA512-AES192")
        .unwrap()
        .clone()
}

fn owin_keys(v: &Value) -> AppKeys {
    let cfg = MachineKeyConfig::builder()
        .validation_key(v["validationKey"].as_str().unwrap())
        .decryption_key(v["decryptionKey"].as_str().unwrap())
        .attribute(
            machinekey::config::MachineKeyAttribute::Validation,
            v["validation"].as_str().unwrap(),
        )
        .attribute(
            machinekey::config::MachineKeyAttribute::Decryption,
            v["decryption"].as_str().unwrap(),
        )
        .build()
        .unwrap();
    AppKeys::explicit(&cfg).unwrap()
}

/// The README's ticket with the second claim's length prefix set to the 22 bytes that follow
/// it (the author edited the name by hand; see the vector's note).
fn patched_katana_bytes(v: &Value) -> Vec<u8> {
    let mut raw = from_hex(v["expected"]["decompressed_hex"].as_str().unwrap()).unwrap();
    let at = raw.windows(7).position(|w| w == b"\x07Sanjay").unwrap();
    raw[at] = 0x16;
    raw
}

#[test]
fn the_real_owin_cookie_opens_through_the_owin_purposes() {
    let v = owin_vector();
    let keys = owin_keys(&v);
    let blob = from_base64url(v["input"].as_str().unwrap()).unwrap();
    // The OWIN cookie's purposes, as MachineKeyDataProtector passes them.
    let purposes = [
        machinekey::formats::auth_cookie::OWIN_PURPOSE,
        "ApplicationCookie",
        "v1",
    ];
    assert_eq!(
        purposes.to_vec(),
        v["purpose"]["specific"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect::<Vec<_>>()
    );
    let gz = keys.unprotect(&blob, &purposes).unwrap();
    assert_eq!(
        gz,
        from_hex(v["expected"]["plaintext_hex"].as_str().unwrap()).unwrap()
    );
    // The GZip framing: what it decompresses to is the vector's ticket bytes.
    let raw = from_hex(v["expected"]["decompressed_hex"].as_str().unwrap()).unwrap();
    assert_eq!(flate2_read(&gz), raw);

    // As published, the ticket is malformed (a 7-byte length before 22 bytes): a faithful
    // reader refuses it, where the value type's length byte ('n' = 110) runs past the data.
    let err = katana::deserialize(&gz).unwrap_err();
    assert!(err.offset() > 100, "{err}");
    let cookie = AuthCookie::owin(&keys, "ApplicationCookie").unwrap();
    assert_eq!(cookie.cookie_name(), ".AspNet.ApplicationCookie");
    assert!(matches!(
        cookie.unprotect(v["input"].as_str().unwrap()),
        Err(Error::Unprotect)
    ));

    // Bit-flip negative on the cookie itself.
    let mut flipped = blob.clone();
    flipped[20] ^= 0x01;
    assert!(matches!(
        cookie.unprotect(&to_base64url(&flipped)),
        Err(Error::Unprotect)
    ));
}

fn flate2_read(gz: &[u8]) -> Vec<u8> {
    use std::io::Read as _;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(gz)
        .read_to_end(&mut out)
        .unwrap();
    out
}

#[test]
fn the_real_katana_ticket_reads_and_writes_back_byte_for_byte() {
    let v = owin_vector();
    let raw = patched_katana_bytes(&v);
    let t = katana::deserialize_uncompressed(&raw).unwrap();
    assert_eq!(t.scheme, "ApplicationCookie");
    let id = &t.identities[0];
    assert_eq!(id.authentication_type, "ApplicationCookie");
    assert_eq!(id.claims.len(), 2);
    assert_eq!(id.claims[0].claim_type, NAME_IDENTIFIER_CLAIM_TYPE);
    assert_eq!(id.claims[0].value, "f27a5c87-f0ad-412c-bce4-7d6276e48bf8");
    assert_eq!(id.claims[0].issuer, "LOCAL AUTHORITY");
    assert_eq!(t.name(), Some("Sanjay@notsosecure.com"));
    assert_eq!(t.issued().unwrap().unix_timestamp(), 1_513_695_780); // Tue, 19 Dec 2017 15:03:00 GMT
    assert_eq!(
        t.expires().unwrap() - t.issued().unwrap(),
        Duration::days(14)
    );
    assert!(!t.is_persistent());
    assert_eq!(katana::serialize_uncompressed(&t).unwrap(), raw);
    // Compressed and read back (another deflate than .NET's; the same ticket).
    assert_eq!(
        katana::deserialize(&katana::serialize(&t).unwrap()).unwrap(),
        t
    );
    // Bit-flip negatives: the version, and the first claim's count.
    let mut bad = raw.clone();
    bad[0] ^= 0x01;
    assert!(katana::deserialize_uncompressed(&bad).is_err());
    let mut bad = raw.clone();
    let count_at = 4 + 1 + 17 + 2 + 2;
    bad[count_at + 3] ^= 0x80;
    assert!(katana::deserialize_uncompressed(&bad).is_err());
}

#[test]
fn an_owin_cookie_round_trips_under_the_real_keys_and_refuses_other_purposes() {
    let v = owin_vector();
    let keys = owin_keys(&v);
    let t = katana::deserialize_uncompressed(&patched_katana_bytes(&v)).unwrap();
    let cookie = AuthCookie::owin(&keys, "ApplicationCookie").unwrap();
    let value = cookie.protect(&t).unwrap();
    assert_eq!(cookie.unprotect(&value).unwrap(), t);
    // What MachineKey.Unprotect gives under the OWIN purposes is a GZip stream of the ticket.
    let gz = keys
        .unprotect(
            &from_base64url(&value).unwrap(),
            &[
                machinekey::formats::auth_cookie::OWIN_PURPOSE,
                "ApplicationCookie",
                "v1",
            ],
        )
        .unwrap();
    assert_eq!(flate2_read(&gz), patched_katana_bytes(&v));
    // Another authentication type is another purpose.
    assert!(matches!(
        AuthCookie::owin(&keys, "Cookies")
            .unwrap()
            .unprotect(&value),
        Err(Error::Unprotect)
    ));
}

/// `TicketSerializer.cs`'s layout for a ticket of one identity with one default-typed claim
/// and the two dates, field by field (the source's tables, written out here).
#[test]
fn core_v5_layout_follows_the_source_field_by_field() {
    let mut id = ClaimsIdentity::new("Cookies");
    id.claims.push(Claim::name("Alice"));
    let mut t = AuthTicket::new("Cookies", vec![id]);
    t.properties.set(".issued", "Tue, 19 Dec 2017 15:03:00 GMT");
    t.properties
        .set(".expires", "Tue, 02 Jan 2018 15:03:00 GMT");
    let expected = from_hex(concat!(
        "05000000",
        "07",
        "436f6f6b696573", // version 5, scheme
        "01000000",       // one identity
        "07",
        "436f6f6b696573",
        "0100",
        "0100",     // auth type, name and role types elided
        "01000000", // one claim
        "0100",
        "05",
        "416c696365",
        "0100",
        "0100",
        "0100",
        "00000000", // type, value, value type, issuer, original issuer elided; no properties
        "00",
        "00", // no bootstrap, no actor
        "01000000",
        "02000000", // properties v1, two items
        "07",
        "2e697373756564",
        "1d",
        "5475652c2031392044656320323031372031353a30333a303020474d54",
        "08",
        "2e65787069726573",
        "1d",
        "5475652c203032204a616e20323031382031353a30333a303020474d54",
    ))
    .unwrap();
    assert_eq!(expected.len(), 137);
    assert_eq!(core::serialize(&t).unwrap(), expected);
    assert_eq!(core::deserialize(&expected).unwrap(), t);
    // Bit-flip negative: the version.
    let mut bad = expected.clone();
    bad[0] ^= 0x04;
    assert!(core::deserialize(&bad).is_err());
}

#[test]
fn core_v5_every_elision_and_the_actor() {
    let mut actor = ClaimsIdentity::new("Bearer");
    actor.claims.push(Claim::name("service"));
    let mut id = ClaimsIdentity::new("Identity.Application");
    id.name_claim_type = "email".into();
    let mut c = Claim::new("email", "a@example.com");
    c.issuer = "https://login.example".into();
    c.original_issuer = "https://login.example".into();
    c.properties.push(("p".into(), String::new()));
    id.claims.push(c);
    let mut r = Claim::role("admin");
    r.value_type = "http://www.w3.org/2001/XMLSchema#integer".into();
    r.original_issuer = "upstream".into();
    id.claims.push(r);
    id.bootstrap = Some("token".into());
    id.actor = Some(Box::new(actor));
    let t = AuthTicket::new("Identity.Application", vec![id, ClaimsIdentity::new("")]);
    let bytes = core::serialize(&t).unwrap();
    // The claim type equal to the identity's (custom) name claim type is elided; the issuer is
    // not (not LOCAL AUTHORITY) but the original issuer equal to it is.
    let email_claim = [
        &[1u8, 0][..],
        &[13],
        b"a@example.com",
        &[1, 0],
        &[21],
        b"https://login.example",
        &[1, 0],
    ]
    .concat();
    assert!(
        bytes
            .windows(email_claim.len())
            .any(|w| w == email_claim.as_slice())
    );
    let read = core::deserialize(&bytes).unwrap();
    assert_eq!(read, t);
    assert_eq!(read.name(), Some("a@example.com"));
    assert_eq!(read.roles(), ["admin"]);
    assert_eq!(
        read.identities[0].actor.as_ref().unwrap().name(),
        Some("service")
    );
    // Interop holds exactly one identity.
    assert!(core::serialize_interop(&t).is_err());
    assert!(core::deserialize_interop(&bytes).is_err());
}

#[test]
fn readers_are_bounded() {
    // A GZip bomb: 4 MiB of zeros compress to a few KiB; decompression stops at the limit.
    let bomb = {
        use std::io::Write as _;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&vec![0u8; 4 << 20]).unwrap();
        gz.finish().unwrap()
    };
    assert!(bomb.len() < 10_000);
    let err = katana::deserialize(&bomb).unwrap_err();
    assert_eq!(err.reason(), "more than the limit once decompressed");
    // Actors nested past the limit.
    let mut id = ClaimsIdentity::new("a");
    for _ in 0..20 {
        let mut outer = ClaimsIdentity::new("a");
        outer.actor = Some(Box::new(id));
        id = outer;
    }
    assert!(core::serialize(&AuthTicket::new("s", vec![id.clone()])).is_err());
    // Counts that the data cannot hold, and negative ones.
    assert!(core::deserialize(b"\x05\x00\x00\x00\x01s\xff\xff\xff\x7f").is_err());
    assert!(core::deserialize(b"\x05\x00\x00\x00\x01s\xff\xff\xff\xff").is_err());
    // Duplicate property keys (Dictionary.Add throws).
    let mut t = AuthTicket::new("s", vec![]);
    t.properties.items = vec![("k".into(), "1".into()), ("k".into(), "2".into())];
    let bytes = core::serialize(&t).unwrap();
    assert_eq!(
        core::deserialize(&bytes).unwrap_err().reason(),
        "a duplicate key"
    );
    // Every truncation of a real ticket is an error with an offset inside it.
    let raw = patched_katana_bytes(&owin_vector());
    for cut in 0..raw.len() {
        let e = katana::deserialize_uncompressed(&raw[..cut]).unwrap_err();
        assert!(e.offset() <= cut);
    }
}

fn ring(now: OffsetDateTime) -> KeyRing {
    let mut ring = KeyRing::new();
    ring.generate_key(now - Duration::days(1), &machinekey::random::OsRandom)
        .unwrap();
    ring
}

fn alice(auth_type: &str) -> Vec<ClaimsIdentity> {
    let mut id = ClaimsIdentity::new(auth_type);
    id.claims.push(Claim::name("alice"));
    id.claims.push(Claim::role("admin"));
    vec![id]
}

#[test]
fn core_cookies_chunk_expire_and_slide() {
    let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
    let ring = ring(now);
    let cookie = AuthCookie::core(&ring, "Identity.Application", Some("/var/www/app")).unwrap();
    assert_eq!(cookie.cookie_name(), ".AspNetCore.Identity.Application");
    let mut ids = alice("Identity.Application");
    ids[0].claims.push(Claim::new("big", &"x".repeat(6000)));
    let ticket = cookie.sign_in(ids, true, now);
    assert_eq!(ticket.expires(), Some(now + Duration::days(14)));
    let set = cookie.issue(&ticket, &cookie.template()).unwrap();
    assert_eq!(set[0].value, format!("chunks-{}", set.len() - 1));
    assert!(set.len() >= 3);
    assert!(
        set.iter()
            .all(|c| c.header().len() <= Chunking::Core.chunk_size())
    );
    assert!(
        set[1].header().contains("; expires="),
        "a persistent login sets expires"
    );
    let jar: Vec<(&str, &str)> = set
        .iter()
        .map(|c| (c.name.as_str(), c.value.as_str()))
        .collect();
    let login = cookie
        .read(&mut jar.iter().copied(), now + Duration::days(1))
        .unwrap();
    assert_eq!(login.name(), Some("alice"));
    assert!(login.renewed.is_none(), "one day of fourteen");
    // Past half the window: renewed, keeping its length.
    let later = now + Duration::days(8);
    let renewed = cookie
        .read(&mut jar.iter().copied(), later)
        .unwrap()
        .renewed
        .unwrap();
    assert_eq!(renewed.issued(), Some(later));
    assert_eq!(renewed.expires(), Some(later + Duration::days(14)));
    // The renewal's cookie is accepted back.
    let set2 = cookie.issue(&renewed, &cookie.template()).unwrap();
    let jar2: Vec<(&str, &str)> = set2
        .iter()
        .map(|c| (c.name.as_str(), c.value.as_str()))
        .collect();
    assert!(
        cookie
            .read(&mut jar2.iter().copied(), later + Duration::days(10))
            .is_ok()
    );
    // Expired.
    assert!(matches!(
        cookie.read(&mut jar.iter().copied(), now + Duration::days(15)),
        Err(Error::TicketExpired)
    ));
    // A missing chunk gives the marker back, which does not open.
    assert!(
        cookie
            .read(&mut jar[..jar.len() - 1].iter().copied(), now)
            .is_err()
    );
    // Another scheme, another discriminator: other purposes.
    let other = AuthCookie::core(&ring, "Cookies", Some("/var/www/app"))
        .unwrap()
        .with_cookie_name(cookie.cookie_name());
    assert!(matches!(
        other.read(&mut jar.iter().copied(), now).unwrap_err(),
        Error::Unprotect
    ));
    let other_app =
        AuthCookie::core(&ring, "Identity.Application", Some("/var/www/other")).unwrap();
    assert!(matches!(
        other_app.read(&mut jar.iter().copied(), now).unwrap_err(),
        Error::Unprotect
    ));
    // Sign-out expires the cookie and each chunk.
    let out = cookie.sign_out(&mut jar.iter().copied(), &cookie.template());
    assert_eq!(out.len(), jar.len());
    assert!(
        out.iter()
            .all(|c| c.header().contains("expires=Thu, 01 Jan 1970 00:00:00 GMT"))
    );
}

#[test]
fn interop_shares_core_purposes_and_writes_one_identity() {
    let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
    let ring = ring(now);
    let interop = AuthCookie::interop(
        &ring,
        "Identity.Application",
        Some("SharedCookieApp"),
        ".AspNet.SharedCookie",
    )
    .unwrap();
    let core_side = AuthCookie::core(&ring, "Identity.Application", Some("SharedCookieApp"))
        .unwrap()
        .with_cookie_name(".AspNet.SharedCookie");
    let ticket = interop.sign_in(alice("Identity.Application"), false, now);
    let set = interop.issue(&ticket, &interop.template()).unwrap();
    let jar: Vec<(&str, &str)> = set
        .iter()
        .map(|c| (c.name.as_str(), c.value.as_str()))
        .collect();
    // What the 4.x side issues, the Core side reads, and the other way round.
    assert_eq!(
        core_side
            .read(&mut jar.iter().copied(), now)
            .unwrap()
            .name(),
        Some("alice")
    );
    let back = core_side
        .issue(
            &core_side.sign_in(alice("Identity.Application"), false, now),
            &core_side.template(),
        )
        .unwrap();
    let jar: Vec<(&str, &str)> = back
        .iter()
        .map(|c| (c.name.as_str(), c.value.as_str()))
        .collect();
    assert_eq!(
        interop
            .read(&mut jar.iter().copied(), now)
            .unwrap()
            .ticket
            .scheme,
        "Identity.Application"
    );
}

#[test]
fn katana_chunking_uses_its_own_marker() {
    let template = SetCookie::new(".AspNet.ApplicationCookie", "");
    let value = "y".repeat(10_000);
    let set = Chunking::Katana.split(&template, &value).unwrap();
    assert!(set[0].value.starts_with("chunks:"));
    let jar: Vec<(&str, &str)> = set
        .iter()
        .map(|c| (c.name.as_str(), c.value.as_str()))
        .collect();
    assert_eq!(
        Chunking::Katana
            .join(&jar, ".AspNet.ApplicationCookie")
            .unwrap(),
        value
    );
    // The Core reader does not understand Katana's marker.
    assert_eq!(
        Chunking::Core
            .join(&jar, ".AspNet.ApplicationCookie")
            .unwrap(),
        set[0].value
    );
    // Interop refuses a partial cookie.
    let core_set = Chunking::Interop.split(&template, &value).unwrap();
    let jar: Vec<(&str, &str)> = core_set
        .iter()
        .take(2)
        .map(|c| (c.name.as_str(), c.value.as_str()))
        .collect();
    assert_eq!(
        Chunking::Interop.join(&jar, ".AspNet.ApplicationCookie"),
        None
    );
}

#[test]
fn sliding_renewal_rules() {
    let issued = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
    let mut t = AuthTicket::new("Cookies", vec![]);
    t.properties.set_issued(issued);
    t.properties.set_expires(issued + Duration::hours(10));
    assert!(
        renew_sliding(&t, issued + Duration::hours(5)).is_none(),
        "exactly half: not yet"
    );
    assert!(renew_sliding(&t, issued + Duration::hours(5) + Duration::seconds(1)).is_some());
    t.properties.set(".refresh", "False");
    assert!(
        renew_sliding(&t, issued + Duration::hours(9)).is_none(),
        "AllowRefresh false"
    );
    t.properties.remove(".refresh");
    t.properties.remove(".issued");
    assert!(
        renew_sliding(&t, issued + Duration::hours(9)).is_none(),
        "no .issued"
    );
}

#[test]
fn forms_cookies_behind_the_same_trait() {
    let cfg = MachineKeyConfig::builder()
        .validation_key("F5144F1A581A57BA3B60311AF7562A855998F7DD203CD8A71405599B980D8694B5C986C888BE4FC0E6571C2CE600D58CE82B8FA13106B17D77EA4CECDDBBEC1B")
        .decryption_key("B47D3CD1E780CF30C739A080995B9B10B64354AA135A2D78")
        .validation(machinekey::config::ValidationAlgorithm::Sha1)
        .decryption(machinekey::config::DecryptionAlgorithm::Aes)
        .build()
        .unwrap();
    let forms = FormsCookie::new(&AppKeys::explicit(&cfg).unwrap());
    let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
    let cookies: Vec<Box<dyn LoginCookie>> = vec![Box::new(forms)];
    for c in &cookies {
        let t = c.sign_in(alice("Forms"), false, now);
        let set = c.issue(&t, &c.template()).unwrap();
        let jar: Vec<(&str, &str)> = set
            .iter()
            .map(|s| (s.name.as_str(), s.value.as_str()))
            .collect();
        let login = c
            .read(&mut jar.iter().copied(), now + Duration::minutes(5))
            .unwrap();
        assert_eq!(login.name(), Some("alice"));
        assert!(login.renewed.is_none());
        assert!(
            c.read(&mut jar.iter().copied(), now + Duration::minutes(20))
                .unwrap()
                .renewed
                .is_some(),
            "past half of 30 minutes"
        );
        assert!(matches!(
            c.read(&mut jar.iter().copied(), now + Duration::minutes(31)),
            Err(Error::TicketExpired)
        ));
    }
}

/// Issue 29, bug 1: renewing an `.ASPXAUTH` ticket keeps its `UserData` and `CookiePath`,
/// as `FormsAuthentication.RenewTicketIfOld` does (and the renewed cookie's path is the
/// ticket's, as `FormsAuthenticationModule` writes it).
#[test]
fn forms_renewal_keeps_user_data_and_cookie_path() {
    use machinekey::{CookieProtection, FormsAuthenticationTicket, TicketValidation};
    let cfg = MachineKeyConfig::builder()
        .validation_key("F5144F1A581A57BA3B60311AF7562A855998F7DD203CD8A71405599B980D8694B5C986C888BE4FC0E6571C2CE600D58CE82B8FA13106B17D77EA4CECDDBBEC1B")
        .decryption_key("B47D3CD1E780CF30C739A080995B9B10B64354AA135A2D78")
        .validation(machinekey::config::ValidationAlgorithm::Sha1)
        .decryption(machinekey::config::DecryptionAlgorithm::Aes)
        .build()
        .unwrap();
    let keys = AppKeys::explicit(&cfg).unwrap();
    let issued = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
    let mut t = FormsAuthenticationTicket::new("alice", issued, Duration::minutes(30));
    t.user_data = "Admin|Editor".into();
    t.cookie_path = "/shop".into();
    t.is_persistent = true;
    let value = keys.encrypt_ticket(&t, CookieProtection::All).unwrap();
    let forms = FormsCookie::new(&keys);
    let now = issued + Duration::minutes(20);
    let login = forms
        .read(&mut [(".ASPXAUTH", value.as_str())].into_iter(), now)
        .unwrap();
    let renewed = login.renewed.expect("20 of 30 minutes gone");
    let set = forms.issue(&renewed, &forms.template()).unwrap();
    assert_eq!(set.len(), 1);
    assert_eq!(
        set[0].path.as_deref(),
        Some("/shop"),
        "the ticket's CookiePath"
    );
    let back = keys
        .decrypt_ticket(
            &set[0].value,
            CookieProtection::All,
            &TicketValidation::default().ignoring_expiry(),
        )
        .unwrap();
    assert_eq!(back.name, "alice");
    assert_eq!(back.user_data, "Admin|Editor");
    assert_eq!(back.cookie_path, "/shop");
    assert!(back.is_persistent);
    assert_eq!(back.version, t.version);
    // Renewed now, for the same 30 minutes.
    assert_eq!(back.issue_date, now);
    assert_eq!(back.lifetime(), t.lifetime());
    // What the library's own FormsAuthenticationTicket::renewed gives, field for field.
    assert_eq!(back, t.renewed(now));
}

#[cfg(feature = "audit")]
#[test]
fn carve_and_audit_find_the_key_of_a_real_owin_cookie() {
    use machinekey::audit::carve::{CarveOptions, carve};
    use machinekey::audit::{Auditor, KeyList};
    let v = owin_vector();
    let response = format!(
        "HTTP/1.1 302 Found\r\nLocation: /\r\nSet-Cookie: .AspNet.ApplicationCookie={}; path=/; HttpOnly\r\nSet-Cookie: .AspNetCore.Identity.Application=chunks-2; path=/\r\n\r\n",
        v["input"].as_str().unwrap()
    );
    let items = carve(
        &response,
        "login.txt",
        Some("https://host/Account/Login"),
        &CarveOptions::default(),
    );
    let owin = items.iter().find(|i| i.protected.is_some()).unwrap();
    assert_eq!(
        owin.purposes,
        [
            machinekey::formats::auth_cookie::OWIN_PURPOSE,
            "ApplicationCookie",
            "v1"
        ]
    );
    assert!(
        items
            .iter()
            .any(|i| i.label.as_deref() == Some("aspnetcore_cookie"))
    );
    let result = Auditor::from_list(KeyList::builtin()).audit_item(1, owin);
    assert!(result.found, "the README's keys are in the known-key list");
    let finding = result.finding.unwrap();
    assert_eq!(
        finding.payload,
        from_hex(v["expected"]["plaintext_hex"].as_str().unwrap()).unwrap()
    );
}

// Mutation testing, second round (issue 33): each test below kills survivors named in
// `src/manual/untrusted_input.rs` ('# Mutation testing').

fn forms_cfg() -> MachineKeyConfig {
    MachineKeyConfig::builder()
        .validation_key("F5144F1A581A57BA3B60311AF7562A855998F7DD203CD8A71405599B980D8694B5C986C888BE4FC0E6571C2CE600D58CE82B8FA13106B17D77EA4CECDDBBEC1B")
        .decryption_key("B47D3CD1E780CF30C739A080995B9B10B64354AA135A2D78")
        .validation(machinekey::config::ValidationAlgorithm::Sha1)
        .decryption(machinekey::config::DecryptionAlgorithm::Aes)
        .build()
        .unwrap()
}

/// `cookie_pairs` and `set_cookie_pair` read headers as a browser sends them back; the
/// request cookie collection unescapes each value (`Uri.UnescapeDataString`), keeping text
/// whose escapes are not UTF-8.
#[test]
fn cookie_headers_are_read_as_asp_net_reads_them() {
    let pairs: Vec<_> = cookie_pairs(r#" a = 1 ; b="x y" ; junk; c="open; d=="#).collect();
    assert_eq!(
        pairs,
        [("a", "1"), ("b", "x y"), ("c", "\"open"), ("d", "=")]
    );
    assert_eq!(set_cookie_pair("Set-Cookie: a=b; path=/"), Some(("a", "b")));
    assert_eq!(set_cookie_pair("SET-COOKIE:a= b "), Some(("a", "b")));
    assert_eq!(set_cookie_pair("a=b; path=/"), Some(("a", "b")));
    assert_eq!(set_cookie_pair("Set-Cookie: =b"), None);
    assert_eq!(set_cookie_pair("Set-Cookie: ab"), None);
    // Values are unescaped on the way in.
    let jar = [("a", "x%2By%2F%3D"), ("b", "%FF%2B")];
    assert_eq!(Chunking::Core.join(&jar, "a").as_deref(), Some("x+y/="));
    assert_eq!(Chunking::Core.join(&jar, "b").as_deref(), Some("%FF%2B"));
    assert_eq!(Chunking::Katana.join(&jar, "a").as_deref(), Some("x+y/="));
}

/// The attributes each stack writes, the purposes it protects under, and which cookies a
/// sign-out expires (the cookie and its `C<digits>` chunks only).
#[test]
fn templates_purposes_and_sign_out_are_each_stack_s() {
    let v = owin_vector();
    let owin = AuthCookie::owin(&owin_keys(&v), "ApplicationCookie").unwrap();
    assert_eq!(
        owin.template().header(),
        ".AspNet.ApplicationCookie=; path=/; httponly"
    );
    assert_eq!(
        owin.purposes(),
        [
            machinekey::formats::auth_cookie::OWIN_PURPOSE,
            "ApplicationCookie",
            "v1"
        ]
    );
    let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
    let core = AuthCookie::core(&ring(now), "Cookies", Some("/app")).unwrap();
    assert_eq!(
        core.template().header(),
        ".AspNetCore.Cookies=; path=/; samesite=lax; httponly"
    );
    assert_eq!(
        core.purposes(),
        [
            "/app",
            machinekey::formats::auth_cookie::CORE_PURPOSE,
            "Cookies",
            "v2"
        ]
    );
    let jar = [
        (".AspNetCore.Cookies", "chunks-2"),
        (".AspNetCore.CookiesC1", "a"),
        (".AspNetCore.CookiesC12", "b"),
        (".AspNetCore.CookiesC", "c"),
        (".AspNetCore.CookiesCx", "d"),
        (".AspNetCore.CookiesC1x", "e"),
        (".AspNetCore.CookiesX", "f"),
        ("other", "g"),
    ];
    let out = core.sign_out(&mut jar.iter().copied(), &core.template());
    let names: Vec<&str> = out.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            ".AspNetCore.Cookies",
            ".AspNetCore.CookiesC1",
            ".AspNetCore.CookiesC12"
        ]
    );
    assert!(
        out.iter()
            .all(|c| c.value.is_empty() && c.expires == Some(OffsetDateTime::UNIX_EPOCH))
    );
}

/// A ticket whose `.expires` is now still opens (`ExpiresUtc < currentUtc` is the test in
/// both handlers); a second later it has expired.
#[test]
fn a_ticket_expiring_now_still_opens() {
    let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
    let cookie = AuthCookie::core(&ring(now), "Cookies", None).unwrap();
    let ticket = cookie.sign_in(alice("Cookies"), false, now);
    let set = cookie.issue(&ticket, &cookie.template()).unwrap();
    let jar: Vec<(&str, &str)> = set
        .iter()
        .map(|s| (s.name.as_str(), s.value.as_str()))
        .collect();
    let end = now + Duration::days(14);
    let login = cookie.read(&mut jar.iter().copied(), end).unwrap();
    assert_eq!(login.name(), Some("alice"));
    assert!(matches!(
        cookie.read(&mut jar.iter().copied(), end + Duration::seconds(1)),
        Err(Error::TicketExpired)
    ));
}

/// The forms cookie's name and roles setting, the `UserData` roles (empty parts dropped), and
/// the version property (absent for version 2, kept otherwise).
#[test]
fn forms_cookie_settings_roles_and_version() {
    let keys = AppKeys::explicit(&forms_cfg()).unwrap();
    let plain = FormsCookie::new(&keys);
    assert_eq!(plain.cookie_name(), ".ASPXAUTH");
    assert_eq!(plain.roles_separator(), None);
    assert_eq!(
        plain.clone().with_cookie_name(".SHOP").cookie_name(),
        ".SHOP"
    );
    let forms = plain.with_roles_in_user_data(',');
    assert_eq!(forms.roles_separator(), Some(','));
    let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
    let mut ids = alice("Forms");
    ids[0].claims.clear();
    ids[0].claims.push(Claim::name("alice"));
    ids[0].claims.push(Claim::new(
        machinekey::formats::auth_cookie::FORMS_USER_DATA_CLAIM,
        ",Admin,,Editor,",
    ));
    let t = forms.sign_in(ids, false, now);
    let set = forms.issue(&t, &forms.template()).unwrap();
    let jar = [(".ASPXAUTH", set[0].value.as_str())];
    let login = forms.read(&mut jar.iter().copied(), now).unwrap();
    assert_eq!(login.ticket.roles(), ["Admin", "Editor"]);
    assert_eq!(
        login
            .ticket
            .properties
            .get(machinekey::formats::auth_cookie::FORMS_VERSION),
        None
    );
    let mut t3 = t.clone();
    t3.properties
        .set(machinekey::formats::auth_cookie::FORMS_VERSION, "3");
    let set = forms.issue(&t3, &forms.template()).unwrap();
    let jar = [(".ASPXAUTH", set[0].value.as_str())];
    let login = forms.read(&mut jar.iter().copied(), now).unwrap();
    assert_eq!(
        login
            .ticket
            .properties
            .get(machinekey::formats::auth_cookie::FORMS_VERSION),
        Some("3")
    );
    // Without a separator, UserData is one claim and no role.
    let login = FormsCookie::new(&keys)
        .read(&mut jar.iter().copied(), now)
        .unwrap();
    assert!(login.ticket.roles().is_empty());
}

/// Properties are removed by key only; actors nest to the limit (8) and no deeper, when
/// writing and when reading.
#[test]
fn properties_remove_and_the_actor_depth_bound() {
    let mut p = machinekey::formats::auth_ticket::AuthProperties::default();
    p.set("a", "1");
    p.set("b", "2");
    p.remove("a");
    assert_eq!(p.items, [("b".to_owned(), "2".to_owned())]);
    let chain = |depth: usize| {
        let mut id = ClaimsIdentity::new("a");
        for _ in 0..depth {
            let mut outer = ClaimsIdentity::new("a");
            outer.actor = Some(Box::new(id));
            id = outer;
        }
        AuthTicket::new("s", vec![id])
    };
    let eight = core::serialize(&chain(8)).unwrap();
    assert_eq!(core::deserialize(&eight).unwrap(), chain(8));
    assert!(core::serialize(&chain(9)).is_err());
    let mut limits = machinekey::formats::auth_ticket::TicketLimits::default();
    limits.max_actor_depth = 7;
    assert_eq!(
        core::deserialize_with(&eight, &limits)
            .unwrap_err()
            .reason(),
        "actors nested deeper than the limit"
    );
}

/// `PropertiesSerializer` (version 1) bytes, as the OIDC/OAuth `state` carries them.
#[test]
fn properties_serializer_bytes() {
    let mut p = machinekey::formats::auth_ticket::AuthProperties::default();
    p.set(".redirect", "/");
    p.set(".xsrf", "ab");
    let bytes = core::serialize_properties(&p).unwrap();
    assert_eq!(
        bytes,
        b"\x01\x00\x00\x00\x02\x00\x00\x00\x09.redirect\x01/\x05.xsrf\x02ab"
    );
    assert_eq!(core::deserialize_properties(&bytes).unwrap(), p);
    assert!(core::deserialize_properties(b"\x02\x00\x00\x00\x00\x00\x00\x00").is_err());
}

/// The entry limit counts identities, claims and properties, and a ticket of exactly the
/// limit is read.
#[test]
fn the_entry_limit_is_inclusive() {
    let mut t = AuthTicket::new("s", alice("s"));
    t.properties.set(".issued", "x");
    // 1 identity + 2 claims (0 properties each) + 1 property.
    let bytes = core::serialize(&t).unwrap();
    let mut limits = machinekey::formats::auth_ticket::TicketLimits::default();
    limits.max_entries = 4;
    assert_eq!(core::deserialize_with(&bytes, &limits).unwrap(), t);
    limits.max_entries = 3;
    assert_eq!(
        core::deserialize_with(&bytes, &limits)
            .unwrap_err()
            .reason(),
        "more identities, claims and properties than the limit"
    );
}

/// Katana writes a bootstrap context with its UTF-16 length first, and none (length 0) when
/// it is white space (`string.IsNullOrWhiteSpace`).
#[test]
fn katana_bootstrap_context() {
    let mut id = ClaimsIdentity::new("Cookies");
    id.bootstrap = Some("ctx\u{e9}".to_owned());
    let t = AuthTicket::new("Cookies", vec![id.clone()]);
    let raw = katana::serialize_uncompressed(&t).unwrap();
    assert!(
        raw.windows(10)
            .any(|w| w == b"\x04\x00\x00\x00\x05ctx\xc3\xa9")
    );
    assert_eq!(katana::deserialize_uncompressed(&raw).unwrap(), t);
    id.bootstrap = Some(" \t".to_owned());
    let t = AuthTicket::new("Cookies", vec![id]);
    let back =
        katana::deserialize_uncompressed(&katana::serialize_uncompressed(&t).unwrap()).unwrap();
    assert_eq!(back.identities[0].bootstrap, None);
}

/// A Katana ticket that decompresses to exactly the limit is read; one byte more is not.
#[test]
fn the_decompression_limit_is_inclusive() {
    let t = AuthTicket::new("Cookies", alice("Cookies"));
    let raw = katana::serialize_uncompressed(&t).unwrap();
    let gz = katana::serialize(&t).unwrap();
    let mut limits = machinekey::formats::auth_ticket::TicketLimits::default();
    limits.max_decompressed = raw.len();
    assert_eq!(katana::deserialize_with(&gz, &limits).unwrap(), t);
    limits.max_decompressed = raw.len() - 1;
    assert_eq!(
        katana::deserialize_with(&gz, &limits).unwrap_err().reason(),
        "more than the limit once decompressed"
    );
}
