//! Forms authentication: open a real `.ASPXAUTH` cookie made by ASP.NET 4.5, read its
//! fields, and issue one that the ASP.NET application would accept.
//!
//! Run with `cargo run --example forms_ticket`.

use machinekey::config::{CompatibilityMode, DecryptionAlgorithm, ValidationAlgorithm};
use machinekey::time::{Duration, OffsetDateTime};
use machinekey::{
    AppKeys, CookieProtection, FormsAuthenticationTicket, MachineKeyConfig, TicketValidation,
};

fn main() -> Result<(), machinekey::Error> {
    // Keys and cookie from dazinator/AspNetCore.LegacyAuthCookieCompat's tests.
    let cfg = MachineKeyConfig::builder()
        .validation_key("58703273357638792F423F4528472B4B6250655368566D597133743677397A24432646294A404D635166546A576E5A7234753778214125442A472D4B61506452")
        .decryption_key("66556A586E3272357538782F413F442A472D4B6150645367566B597033733676")
        .validation(ValidationAlgorithm::HmacSha512)
        .decryption(DecryptionAlgorithm::Aes)
        .compatibility_mode(CompatibilityMode::Framework45)
        .build()?;
    let keys = AppKeys::explicit(&cfg)?;
    let cookie = "4155EDCD81DB4687336A024F636B54ADB352E25E6D8D89E393C407A041DE0F8DFCA382DF1B1135B89AE0C580CCCFEBBB497C609ECA0B1BDDB5875E166A5C230A547FDBF7B4BDCA6A67A55E4AFA8F24B2399EAA55B4C31C00E36239E897B78FA234BF3DAFCCDB85CCA205A21569A7F4A23A7D0A2AD7780C3B55720574E72461675B30453CB214576453BF9D27DD6F2DA78BF74183728B5196D6772BA6031366CBC38A289B171251E7AEC8132B00F39E80D37E4331D97EDFE825840954C7D1FC274C68617C1D1A4B5973E4B977905E38EDE616EEC7AE22C0C2393BEDF95126063A";
    let t = keys.decrypt_ticket_without_expiry_check(cookie, CookieProtection::All)?;
    println!(
        "user {:?}, data {:?}, path {:?}, version {}",
        t.name, t.user_data, t.cookie_path, t.version
    );
    println!(
        "issued {}, expires {}, persistent: {}",
        t.issue_date, t.expiration, t.is_persistent
    );
    // It was issued in 2019: the default validation (expiry against the system clock)
    // refuses it today.
    let checked = keys.decrypt_ticket(cookie, CookieProtection::All, &TicketValidation::default());
    println!("valid now? {checked:?}");

    // Issue a fresh ticket, as FormsAuthentication.SetAuthCookie would, and renew it as
    // sliding expiration does once half its lifetime is gone.
    let now = OffsetDateTime::now_utc();
    let fresh = FormsAuthenticationTicket::new("alice@example.com", now, Duration::minutes(30));
    let issued = keys.encrypt_ticket(&fresh, CookieProtection::All)?;
    println!(".ASPXAUTH={}...", issued.get(..48).unwrap_or(&issued));
    let read = keys.decrypt_ticket(&issued, CookieProtection::All, &TicketValidation::default())?;
    println!("reads back: {}", read == fresh);
    println!("renewed right away? {}", read.renew_if_old(now).is_some());
    Ok(())
}
