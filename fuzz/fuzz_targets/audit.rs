//! The known-key audit on untrusted blobs and URLs (see `bodies::audit`).

#![no_main]

#[path = "../bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::audit(data));
