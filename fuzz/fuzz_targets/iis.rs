//! The IIS readers and the diagnosis over them (see `bodies::iis`).

#![no_main]

#[path = "../bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::iis(data));
