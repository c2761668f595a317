//! Request headers through the tower layer's cookie and bearer parsing (see
//! `bodies_tower::tower`).

#![no_main]

#[path = "../bodies_tower.rs"]
mod bodies_tower;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies_tower::tower(data));
