//! Replicas' logs and pasted values (see `bodies::diagnose`).

#![no_main]

#[path = "../bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::diagnose(data));
