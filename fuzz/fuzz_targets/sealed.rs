//! Structure-aware, past the MAC: fuzzer-chosen plaintexts sealed under fixed keys, then opened and parsed (see `bodies::sealed`).

#![no_main]

#[path = "../bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::sealed(data));
