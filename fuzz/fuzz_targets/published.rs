//! Data Protection values against published keys, Blazor markers and the plaintext readers
//! behind the MAC (see `bodies::published`).

#![no_main]

#[path = "../bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::published(data));
