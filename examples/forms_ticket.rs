//! Forms authentication: open a real `.ASPXAUTH` cookie made by ASP.NET 4.5, read its
//! fields, and issue one that the ASP.NET application would accept.
//!
//! Run with `cargo run --example forms_ticket`.

use machinekey::config::MachineKeyConfig;
use machinekey::formats::AppKeys;
use machinekey::formats::cookie::CookieProtection;
use machinekey::formats::forms_ticket::{
    FormsAuthenticationTicket, SystemClock, TicketValidation, ticks_from_unix_seconds,
    unix_seconds_from_ticks,
};

fn main() -> Result<(), machinekey::Error> {
    // Keys and cookie from dazinator/AspNetCore.LegacyAuthCookieCompat's tests.
    let cfg = MachineKeyConfig::builder()
        .validation_key("58703273357638792F423F4528472B4B6250655368566D597133743677397A24432646294A404D635166546A576E5A7234753778214125442A472D4B61506452")
        .decryption_key("66556A586E3272357538782F413F442A472D4B6150645367566B597033733676")
        .validation("HMACSHA512")
        .decryption("AES")
        .compatibility_mode("Framework45")
        .build()?;
    let keys = AppKeys::explicit(&cfg)?;
    let cookie = "4155EDCD81DB4687336A024F636B54ADB352E25E6D8D89E393C407A041DE0F8DFCA382DF1B1135B89AE0C580CCCFEBBB497C609ECA0B1BDDB5875E166A5C230A547FDBF7B4BDCA6A67A55E4AFA8F24B2399EAA55B4C31C00E36239E897B78FA234BF3DAFCCDB85CCA205A21569A7F4A23A7D0A2AD7780C3B55720574E72461675B30453CB214576453BF9D27DD6F2DA78BF74183728B5196D6772BA6031366CBC38A289B171251E7AEC8132B00F39E80D37E4331D97EDFE825840954C7D1FC274C68617C1D1A4B5973E4B977905E38EDE616EEC7AE22C0C2393BEDF95126063A";
    let t = keys.decrypt_ticket(cookie, CookieProtection::All)?;
    println!(
        "user {:?}, data {:?}, path {:?}, version {}",
        t.name, t.user_data, t.cookie_path, t.version
    );
    println!(
        "issued at unix {}, expires at unix {}, persistent: {}",
        unix_seconds_from_ticks(t.issue_date_ticks),
        unix_seconds_from_ticks(t.expiration_ticks),
        t.is_persistent
    );
    // It was issued in 2019: the expiry policy refuses it today.
    let checked = keys.decrypt_valid_ticket(
        cookie,
        CookieProtection::All,
        &TicketValidation::default(),
        &SystemClock,
    );
    println!("valid now? {checked:?}");

    // Issue a fresh ticket, as FormsAuthentication.SetAuthCookie would.
    let now = ticks_from_unix_seconds(1_900_000_000);
    let fresh = FormsAuthenticationTicket {
        version: 2,
        name: "alice@example.com".into(),
        issue_date_ticks: now,
        expiration_ticks: now + 30 * 60 * 10_000_000,
        is_persistent: false,
        user_data: String::new(),
        cookie_path: "/".into(),
    };
    let issued = keys.encrypt_ticket(&fresh, CookieProtection::All)?;
    println!(".ASPXAUTH={}...", issued.get(..48).unwrap_or(&issued));
    println!(
        "reads back: {}",
        keys.decrypt_ticket(&issued, CookieProtection::All)? == fresh
    );
    Ok(())
}
