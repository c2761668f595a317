//! A consumer's view: everything everyday through the crate root alone (`machinekey::X`, no
//! module paths), on real ASP.NET output: read web.configs, decode a ViewState from its
//! URL, decrypt and renew a forms cookie, and `MachineKey.Protect` a value.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use machinekey::time::{Duration, OffsetDateTime};
use machinekey::{
    AppIdentity, AppKeys, CookieProtection, Error, FixedClock, FormsAuthenticationTicket,
    MachineKeyConfig, Page, TicketValidation,
};
use std::sync::Arc;

/// A real Framework45 ViewState (badsecrets' capture from /form.aspx) and its web.config.
const VIEWSTATE_CONFIG: &str = r#"<?xml version="1.0"?>
<configuration>
  <system.web>
    <httpRuntime targetFramework="4.5" />
    <machineKey validation="HMACSHA512" decryption="AES"
      validationKey="F5144F1A581A57BA3B60311AF7562A855998F7DD203CD8A71405599B980D8694B5C986C888BE4FC0E6571C2CE600D58CE82B8FA13106B17D77EA4CECDDBBEC1B"
      decryptionKey="B47D3CD1E780CF30C739A080995B9B10B64354AA135A2D78" />
  </system.web>
</configuration>"#;
const VIEWSTATE: &str = "eljkFjgquXvKTwyz1wKBc7YUhgWuFCwrYNoNIoY/XudiY7i8/ejpHFaLMbHcXr8JRuwoFVHfWHlXo3LXIHLWazicVbeAxOb4l3utHSCjBzO920I2LOLJ/5fnBJkpdnT6nJTTfyx55aa1Dt//GpQeEA==";

/// A real `.ASPXAUTH` cookie issued by ASP.NET 4.5 (dazinator/AspNetCore.LegacyAuthCookieCompat)
/// and its keys.
const COOKIE_CONFIG: &str = r#"<configuration><system.web>
  <machineKey compatibilityMode="Framework45" validation="HMACSHA512" decryption="AES"
    validationKey="58703273357638792F423F4528472B4B6250655368566D597133743677397A24432646294A404D635166546A576E5A7234753778214125442A472D4B61506452"
    decryptionKey="66556A586E3272357538782F413F442A472D4B6150645367566B597033733676" />
</system.web></configuration>"#;
const COOKIE: &str = "4155EDCD81DB4687336A024F636B54ADB352E25E6D8D89E393C407A041DE0F8DFCA382DF1B1135B89AE0C580CCCFEBBB497C609ECA0B1BDDB5875E166A5C230A547FDBF7B4BDCA6A67A55E4AFA8F24B2399EAA55B4C31C00E36239E897B78FA234BF3DAFCCDB85CCA205A21569A7F4A23A7D0A2AD7780C3B55720574E72461675B30453CB214576453BF9D27DD6F2DA78BF74183728B5196D6772BA6031366CBC38A289B171251E7AEC8132B00F39E80D37E4331D97EDFE825840954C7D1FC274C68617C1D1A4B5973E4B977905E38EDE616EEC7AE22C0C2393BEDF95126063A";

#[test]
fn viewstate_from_its_url() {
    let cfg = MachineKeyConfig::from_web_config(VIEWSTATE_CONFIG).unwrap();
    let keys = AppKeys::explicit(&cfg).unwrap();
    let page = Page::from_path("http://172.16.25.128/form.aspx", "/").unwrap();
    let payload = keys.decode_viewstate(VIEWSTATE, &page).unwrap();
    assert_eq!(
        hex::encode_upper(&payload),
        "FF010F0F05093733383734353636346464"
    );
    // The same field is refused on another page.
    let other = Page::from_path("http://172.16.25.128/other.aspx", "/").unwrap();
    assert!(matches!(
        keys.decode_viewstate(VIEWSTATE, &other),
        Err(Error::Unprotect)
    ));
}

#[test]
fn forms_cookie_decrypt_and_renew() {
    let cfg = MachineKeyConfig::from_web_config(COOKIE_CONFIG).unwrap();
    let app = AppIdentity::new("/", "/LM/W3SVC/1/ROOT").unwrap();
    let keys = AppKeys::resolve(&cfg, &app, None).unwrap();

    // Issued in 2019: the default validation refuses it as expired...
    assert!(matches!(
        keys.decrypt_ticket(COOKIE, CookieProtection::All, &TicketValidation::default()),
        Err(Error::TicketExpired)
    ));
    // ...and it reads at a time it was valid.
    let ticket = keys
        .decrypt_ticket(
            COOKIE,
            CookieProtection::All,
            &TicketValidation::default().ignoring_expiry(),
        )
        .unwrap();
    assert_eq!(ticket.name, "test@example.com");
    let during = TicketValidation::default().with_clock(Arc::new(FixedClock(
        ticket.issue_date + Duration::seconds(1),
    )));
    assert_eq!(
        keys.decrypt_ticket(COOKIE, CookieProtection::All, &during)
            .unwrap(),
        ticket
    );

    // Renewed now, for the same lifetime, it is a valid cookie again.
    let renewed: FormsAuthenticationTicket = ticket.renewed(OffsetDateTime::now_utc());
    assert_eq!(renewed.lifetime(), ticket.lifetime());
    let cookie = keys
        .encrypt_ticket(&renewed, CookieProtection::All)
        .unwrap();
    let read = keys
        .decrypt_ticket(&cookie, CookieProtection::All, &TicketValidation::default())
        .unwrap();
    assert_eq!(
        (read.name.as_str(), read.user_data.as_str()),
        (ticket.name.as_str(), ticket.user_data.as_str())
    );

    // A brand-new login, as FormsAuthentication.SetAuthCookie issues it.
    let fresh =
        FormsAuthenticationTicket::new("alice", OffsetDateTime::now_utc(), Duration::minutes(20));
    let cookie = keys.encrypt_ticket(&fresh, CookieProtection::All).unwrap();
    assert_eq!(
        keys.decrypt_ticket(&cookie, CookieProtection::All, &TicketValidation::default())
            .unwrap(),
        fresh
    );
}

#[test]
fn machine_key_protect() {
    let cfg = MachineKeyConfig::from_web_config(VIEWSTATE_CONFIG).unwrap();
    let keys = AppKeys::explicit(&cfg).unwrap();
    let blob = keys.protect(b"user 42", &["Sessions", "v1"]).unwrap();
    assert_eq!(
        keys.unprotect(&blob, &["Sessions", "v1"]).unwrap(),
        b"user 42"
    );
    assert!(matches!(
        keys.unprotect(&blob, &["Sessions", "v2"]),
        Err(Error::Unprotect)
    ));
}
