//! The known-key audit on untrusted blobs and URLs: the first byte picks the kind of blob,
//! the next says how much of the rest is the URL.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use machinekey::audit::{Auditor, Blob, KeyList};

fn auditor() -> &'static Auditor {
    static AUDITOR: OnceLock<Auditor> = OnceLock::new();
    AUDITOR.get_or_init(|| {
        // A few pairs of the built-in list, of different lengths.
        let builtin = KeyList::builtin();
        let mut text = String::new();
        for pair in builtin.pairs().iter().step_by(400) {
            text.push_str(&format!(
                "{},{}\n",
                pair.validation_key, pair.decryption_key
            ));
        }
        Auditor::new(&KeyList::parse(&text))
    })
}

fuzz_target!(|data: &[u8]| {
    let [kind, url_len, rest @ ..] = data else {
        return;
    };
    let (url, bytes) = rest.split_at(usize::from(*url_len).min(rest.len()));
    let url = String::from_utf8_lossy(url);
    let blob = match kind % 6 {
        0 => Blob::viewstate(bytes),
        1 => Blob::event_validation(bytes),
        2 => Blob::forms_cookie(bytes),
        3 => Blob::resource(bytes),
        4 => Blob::protected(bytes, &["a", "b"]),
        _ => Blob::viewstate(bytes).with_generator(u32::from(*url_len) * 0x0101_0101),
    };
    let blob = if url.is_empty() {
        blob
    } else {
        blob.with_url(&url).with_user_key("user")
    };
    let _ = auditor().audit(&blob);
});
