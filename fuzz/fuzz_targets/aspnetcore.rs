//! The readers of ASP.NET Core consumer values (see `bodies::aspnetcore`).

#![no_main]

#[path = "../bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::aspnetcore(data));
