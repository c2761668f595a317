//! A page with values under planted keys among decoys, shared by the library's carve tests
//! (`tests/batch_carve.rs`) and the command line's (`machinekey-cli/tests/carve_pipe.rs`).

#![allow(dead_code)]

use machinekey::audit::KeyList;
use machinekey::audit::carve::ANTIFORGERY_PURPOSE;
use machinekey::crypto::encoding::url_token_encode;
use machinekey::formats::resource::ResourceKind;
use machinekey::formats::viewstate::split_field;
use machinekey::{AppKeys, MachineKeyConfig, Page};

/// Pseudo-random hex of `n` bytes.
pub(crate) fn hex_bytes(seed: &mut u64, n: usize) -> String {
    (0..n)
        .map(|_| {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            format!("{:02X}", seed.to_le_bytes()[0])
        })
        .collect()
}

/// 500 decoys with 5 planted pairs among them; returns the list and the planted keys.
pub(crate) fn list() -> (KeyList, Vec<(String, String)>) {
    let mut seed = 0x9E37_79B9_7F4A_7C15;
    let mut text = String::new();
    let mut planted = Vec::new();
    for i in 0..505 {
        let (v, d) = (hex_bytes(&mut seed, 64), hex_bytes(&mut seed, 32));
        if i % 101 == 100 {
            planted.push((v.clone(), d.clone()));
        }
        text.push_str(&format!("{v},{d}\n"));
    }
    let mut list = KeyList::default();
    list.load(&text, "planted.txt");
    (list, planted)
}

pub(crate) fn keys(v: &str, d: &str, mode: &str) -> AppKeys {
    let cfg = MachineKeyConfig::builder()
        .validation_key(v)
        .decryption_key(d)
        .validation(machinekey::config::ValidationAlgorithm::HmacSha256)
        .decryption(machinekey::config::DecryptionAlgorithm::Aes)
        .attribute(
            machinekey::config::MachineKeyAttribute::CompatibilityMode,
            mode,
        )
        .build()
        .unwrap();
    AppKeys::explicit(&cfg).unwrap()
}

pub(crate) const HTML: &str = r#"<!DOCTYPE html>
<html><head>
<script src="/shop/WebResource.axd?d={RESOURCE}&amp;t=637100000000000000" type="text/javascript"></script>
<script src='/shop/Telerik.Web.UI.WebResource.axd?d=abc&amp;t=1' type="text/javascript"></script>
</head><body>
<form method="post" action="./cart.aspx" id="form1">
<div class="aspNetHidden">
<input type="hidden" name="__VIEWSTATEFIELDCOUNT" id="__VIEWSTATEFIELDCOUNT" value="{COUNT}" />
{FIELDS}
<input type="hidden" name="__VIEWSTATEGENERATOR" id="__VIEWSTATEGENERATOR" value="{GENERATOR}" />
<input type="hidden" name="__EVENTVALIDATION" id="__EVENTVALIDATION" value="{EV}" />
<input name="__RequestVerificationToken" type="hidden" value="{ANTIFORGERY}" />
</div></form></body></html>"#;

/// A page as ASP.NET renders it, with a split ViewState, under the planted keys.
pub(crate) fn page_html(planted: &[(String, String)]) -> String {
    let legacy = keys(&planted[0].0, &planted[0].1, "Framework20SP1");
    let page = Page::from_path("/shop/cart.aspx", "/shop").unwrap();
    let viewstate = legacy
        .encode_viewstate(
            b"\xff\x01\x0f\x0f\x05\x01xdd",
            &page,
            machinekey::formats::viewstate::ViewStateProtection::Signed,
        )
        .unwrap();
    let fields = split_field(&viewstate, 20);
    let inputs: String = fields
        .iter()
        .filter(|(n, _)| n != "__VIEWSTATEFIELDCOUNT")
        .map(|(n, v)| format!("<input type=\"hidden\" name=\"{n}\" id=\"{n}\" value=\"{v}\" />\n"))
        .collect();
    let ev = legacy
        .encode_event_validation(
            b"\xff\x01\x64",
            &page,
            machinekey::formats::viewstate::ViewStateProtection::Signed,
        )
        .unwrap();
    let resource = legacy
        .encrypt_resource_string("s|WebForms.js", ResourceKind::WebResource)
        .unwrap();
    let af = url_token_encode(
        &keys(&planted[1].0, &planted[1].1, "Framework45")
            .protect(b"t", &[ANTIFORGERY_PURPOSE])
            .unwrap(),
    );
    HTML.replace("{COUNT}", &(fields.len() - 1).to_string())
        .replace("{FIELDS}", &inputs)
        .replace(
            "{GENERATOR}",
            &format!(
                "{:08X}",
                page.generator(machinekey::formats::GeneratorHash::InvariantIgnoreCase)
                    .unwrap()
            ),
        )
        .replace("{EV}", &ev)
        .replace("{ANTIFORGERY}", &af)
        .replace("{RESOURCE}", &resource)
}
