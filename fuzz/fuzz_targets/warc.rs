//! The WARC reader and the HTTP messages in its records (see `bodies::warc`).

#![no_main]

#[path = "../bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::warc(data));
