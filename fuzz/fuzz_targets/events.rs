//! The event-log readers and what reads their events (see `bodies::events`).

#![no_main]

#[path = "../bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::events(data));
