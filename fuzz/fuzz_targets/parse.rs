//! Every parser of untrusted text or bytes: configuration, key imports, key lists, pages,
//! encodings, tickets, `ObjectStateFormatter` graphs, session state. Errors are fine;
//! panics, hangs and unbounded allocations are not.

#![no_main]

use libfuzzer_sys::fuzz_target;
use machinekey::audit::KeyList;
use machinekey::config::{MachineKeyConfig, RuntimeSettings};
use machinekey::crypto::encoding::{from_base64, from_hex, url_token_decode};
use machinekey::formats::forms_ticket::FormsAuthenticationTicket;
use machinekey::formats::session::SessionData;
use machinekey::formats::{Page, osf, viewstate};
use machinekey::keys::store::KeyStore;
use machinekey::keys::{AppIdentity, AutoGenKeys, read_reg_export_bytes};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = MachineKeyConfig::from_web_config(&text);
    let _ = MachineKeyConfig::from_machine_key_element(&text, RuntimeSettings::default());
    let _ = read_reg_export_bytes(data);
    let _ = KeyStore::from_json(&text);
    let list = KeyList::parse(&text);
    let _ = list.is_known_key(&text);
    let _ = AutoGenKeys::from_bytes(data);
    let (a, b) = text.split_at(
        text.char_indices()
            .nth(text.chars().count() / 2)
            .map_or(0, |(i, _)| i),
    );
    let _ = AppIdentity::new(a, b);
    if let Ok(page) = Page::from_path(a, b) {
        let _ = page.generator(false);
        let _ = page.purposes();
    }
    let _ = from_hex(&text);
    let _ = from_base64(&text);
    let _ = url_token_decode(&text);
    let _ = viewstate::unsigned_payload(&text);
    let _ = FormsAuthenticationTicket::deserialize(data);
    let _ = FormsAuthenticationTicket::deserialize_legacy(data);
    let _ = osf::first_value_type(data);
    let _ = osf::is_complete_graph(data);
    let _ = SessionData::deserialize(data, false);
    let _ = SessionData::deserialize(data, true);
});
