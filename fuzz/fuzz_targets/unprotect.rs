//! Every unprotect path on untrusted input (see `bodies::unprotect`).

#![no_main]

#[path = "../bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::unprotect(data));
