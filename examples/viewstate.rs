//! ViewState: where `__VIEWSTATEGENERATOR` comes from, verifying real legacy and
//! Framework45 ViewStates captured from ASP.NET, and what a ViewStateUserKey changes.
//!
//! Run with `cargo run --example viewstate`.

use machinekey::config::MachineKeyConfig;
use machinekey::crypto::encoding::to_upper_hex;
use machinekey::formats::osf::first_value_type;
use machinekey::formats::viewstate::{split_field, unsigned_payload};
use machinekey::formats::{AppKeys, Page};

const VK: &str = "F5144F1A581A57BA3B60311AF7562A855998F7DD203CD8A71405599B980D8694B5C986C888BE4FC0E6571C2CE600D58CE82B8FA13106B17D77EA4CECDDBBEC1B";
const DK: &str = "B47D3CD1E780CF30C739A080995B9B10B64354AA135A2D78";

fn main() -> Result<(), machinekey::Error> {
    // 1. The generator is hash(TemplateSourceDirectory) + hash(type name).
    let page = Page::from_path("http://172.16.25.128/query.aspx", "/")?;
    println!(
        "page {:?} / {:?}: __VIEWSTATEGENERATOR = {:08X}",
        page.template_source_directory().unwrap_or_default(),
        page.type_name().unwrap_or_default(),
        page.generator(machinekey::formats::GeneratorHash::InvariantIgnoreCase)?
    );

    // 2. Legacy mode (Framework20SP1): data || HMAC-SHA1(data || generator).
    let legacy_cfg = MachineKeyConfig::builder()
        .validation_key(VK)
        .decryption_key(DK)
        .validation(machinekey::config::ValidationAlgorithm::Sha1)
        .build()?;
    let legacy = AppKeys::explicit(&legacy_cfg)?;
    let field = "/wEPDwUJODExMDE5NzY5ZGSglOSr1rG6xN5rzh/4C9UEuwa64w==";
    let payload = legacy.decode_viewstate(field, &page)?;
    println!(
        "legacy ViewState verified: {} ({:?} root)",
        to_upper_hex(&payload),
        first_value_type(&payload)
    );

    // 3. Framework45 (targetFramework 4.5+): encrypted and MACed under the page's purposes.
    let fx45_cfg = MachineKeyConfig::builder()
        .validation_key(VK)
        .decryption_key(DK)
        .validation(machinekey::config::ValidationAlgorithm::HmacSha256)
        .compatibility_mode(machinekey::config::CompatibilityMode::Framework45)
        .build()?;
    let fx45 = AppKeys::explicit(&fx45_cfg)?;
    let form = Page::from_path("http://172.16.25.128/form.aspx", "/")?;
    println!("Framework45 purposes: {:?}", form.purposes()?);
    let field45 = "008e+LWomJ5U8KyJHzT4yvCC9JKWEISWWF1jK8/j5MFlX9ybF/OnmDCCqGGMDv5555lMFcRLM3bmkIS9c9tQL3BYOtAskLFayVHhmkSi4vc=";
    println!(
        "Framework45 ViewState decrypted: {}",
        to_upper_hex(&fx45.decode_viewstate(field45, &form)?)
    );
    match fx45.decode_viewstate(field45, &page) {
        Err(e) => println!("same field on another page: {e}"),
        Ok(_) => println!("same field on another page verified: this must never happen"),
    }

    // 4. ViewStateUserKey binds the ViewState to a user (anti-CSRF).
    let alice = form.clone().with_view_state_user_key("alice-session");
    let mine = fx45.encode_viewstate(
        b"\xff\x01\x64",
        &alice,
        machinekey::formats::viewstate::ViewStateProtection::Signed,
    )?;
    let bob = form.with_view_state_user_key("bob-session");
    println!(
        "alice's ViewState for bob: {:?}",
        fx45.decode_viewstate(&mine, &bob).map(|_| ())
    );

    // 5. Long ViewStates are split over several fields; a MAC-less one is just a graph.
    for (name, value) in split_field(&mine, 40) {
        println!("  {name} = {value}");
    }
    println!(
        "MAC disabled? {}",
        unsigned_payload("/wEPDwUJODExMDE5NzY5ZGQ=").is_some()
    );
    Ok(())
}
