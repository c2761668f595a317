//! Windows executables carried inside a payload: an `MZ` header whose `e_lfanew` points at a
//! `PE\0\0` signature, in the raw bytes (a byte array of a `BinaryFormatter` stream, as
//! ysoserial.net's `ActivitySurrogateSelector` chains carry an assembly) or in a Base64 run
//! of them (an assembly in a string). The size is the end of the last section's raw data
//! (or the headers' size), as the PE/COFF specification lays the file out; nothing is
//! loaded or run.
//!
//! # Example
//! ```
//! use machinekey::events::pe::find;
//! let mut exe = vec![0u8; 512];
//! exe[..2].copy_from_slice(b"MZ");
//! exe[0x3C] = 0x40;
//! exe[0x40..0x44].copy_from_slice(b"PE\0\0");
//! exe[0x44..0x46].copy_from_slice(&0x14Cu16.to_le_bytes()); // i386
//! exe[0x54..0x56].copy_from_slice(&0xE0u16.to_le_bytes()); // optional header size
//! exe[0x58..0x5A].copy_from_slice(&0x10Bu16.to_le_bytes()); // PE32
//! exe[0x58 + 60..0x58 + 64].copy_from_slice(&512u32.to_le_bytes()); // SizeOfHeaders
//! let payload = [b"\x0f\x01junk".as_slice(), &exe, b"tail"].concat();
//! let found = find(&payload);
//! assert_eq!((found[0].offset, found[0].size), (6, 512));
//! ```

use crate::names::names;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// How many executables one payload may yield.
const MAX_FOUND: usize = 16;
/// The largest Base64 run decoded.
const MAX_BASE64: usize = 24 << 20;

/// Where an executable was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Container {
    /// The payload's bytes themselves (a byte array).
    Bytes,
    /// A Base64 run of the payload, decoded.
    Base64,
}

names!(Container, "Where the executable was found, as JSON gives it.", {
    Bytes => "bytes",
    Base64 => "base64",
});

/// One executable.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Executable {
    /// Where.
    pub container: Container,
    /// The offset of `MZ` in the payload, or of the Base64 run.
    pub offset: usize,
    /// The file's size (the end of its last section).
    pub size: usize,
    /// SHA-256 of those bytes, lower-case hex.
    pub sha256: String,
    /// `PE32` or `PE32+`.
    pub format: &'static str,
    /// The COFF machine (`i386`, `amd64`, `arm64`, or the number).
    pub machine: String,
    /// Whether it is a DLL (COFF characteristic `IMAGE_FILE_DLL`).
    pub dll: bool,
    /// Whether the payload ends before the size its headers give (the hash is of what is
    /// there).
    pub truncated: bool,
    /// The bytes (not serialized).
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

impl core::fmt::Debug for Executable {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Executable")
            .field("container", &self.container)
            .field("offset", &self.offset)
            .field("size", &self.size)
            .field("sha256", &self.sha256)
            .finish_non_exhaustive()
    }
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([*s.first()?, *s.get(1)?]))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes(s.try_into().ok()?))
}

/// Reads a PE image starting at `b[0]`: (size, format, machine, dll).
fn image(b: &[u8]) -> Option<(usize, &'static str, u16, bool)> {
    if !b.starts_with(b"MZ") {
        return None;
    }
    let pe = usize::try_from(u32_at(b, 0x3C)?).ok()?;
    if !(0x40..=0x1_0000).contains(&pe) || b.get(pe..pe.checked_add(4)?)? != b"PE\0\0" {
        return None;
    }
    let coff = pe + 4;
    let machine = u16_at(b, coff)?;
    let sections = usize::from(u16_at(b, coff + 2)?);
    let optional_size = usize::from(u16_at(b, coff + 16)?);
    let characteristics = u16_at(b, coff + 18)?;
    let optional = coff + 20;
    let format = match u16_at(b, optional)? {
        0x10B => "PE32",
        0x20B => "PE32+",
        _ => return None,
    };
    if sections > 96 {
        return None;
    }
    let headers = usize::try_from(u32_at(b, optional + 60)?).ok()?;
    let mut end = headers;
    let table = optional.checked_add(optional_size)?;
    for i in 0..sections {
        let s = table.checked_add(i.checked_mul(40)?)?;
        let raw_size = usize::try_from(u32_at(b, s + 16)?).ok()?;
        let raw_ptr = usize::try_from(u32_at(b, s + 20)?).ok()?;
        if raw_size > 0 {
            end = end.max(raw_ptr.checked_add(raw_size)?);
        }
    }
    if end == 0 || end > 1 << 30 {
        return None;
    }
    Some((end, format, machine, characteristics & 0x2000 != 0))
}

fn executable(container: Container, offset: usize, b: &[u8]) -> Option<Executable> {
    let (size, format, machine, dll) = image(b)?;
    let have = b.get(..size.min(b.len()))?;
    Some(Executable {
        container,
        offset,
        size,
        sha256: hex::encode(Sha256::digest(have)),
        format,
        machine: match machine {
            0x14C => "i386".to_owned(),
            0x8664 => "amd64".to_owned(),
            0xAA64 => "arm64".to_owned(),
            0x1C4 => "armnt".to_owned(),
            m => format!("0x{m:04X}"),
        },
        dll,
        truncated: size > b.len(),
        bytes: have.to_vec(),
    })
}

fn is_b64(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'+' || c == b'/'
}

/// Every executable in `payload`: in its bytes, then in Base64 runs (`TVo`..`TVr`, the
/// Base64 of `MZ`, then Base64 to the end of the run).
#[must_use]
pub fn find(payload: &[u8]) -> Vec<Executable> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(at) = payload
        .get(i..)
        .and_then(|rest| rest.windows(2).position(|w| w == b"MZ"))
    {
        let pos = i + at;
        if let Some(e) = payload
            .get(pos..)
            .and_then(|b| executable(Container::Bytes, pos, b))
        {
            let skip = e.size.min(payload.len() - pos).max(2);
            out.push(e);
            if out.len() >= MAX_FOUND {
                return out;
            }
            i = pos + skip;
        } else {
            i = pos + 2;
        }
    }
    let mut i = 0;
    while let Some(at) = payload.get(i..).and_then(|rest| {
        rest.windows(3)
            .position(|w| w.starts_with(b"TV") && matches!(w.get(2), Some(b'o'..=b'r')))
    }) {
        let pos = i + at;
        let run = payload
            .get(pos..)
            .unwrap_or_default()
            .iter()
            .take(MAX_BASE64)
            .take_while(|c| is_b64(**c))
            .count();
        let whole = run - run % 4;
        let decoded = payload.get(pos..pos + whole).and_then(|t| {
            base64::Engine::decode(&base64::engine::general_purpose::STANDARD, t).ok()
        });
        if let Some(e) = decoded
            .as_deref()
            .and_then(|d| executable(Container::Base64, pos, d))
        {
            out.push(e);
            if out.len() >= MAX_FOUND {
                return out;
            }
        }
        i = pos + run.max(3);
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    /// A PE32 DLL of one section: headers 0x200 bytes, section raw data at 0x200, 0x100 bytes.
    pub(crate) fn tiny_pe() -> Vec<u8> {
        let mut b = vec![0u8; 0x300];
        b[..2].copy_from_slice(b"MZ");
        b[0x3C] = 0x80;
        b[0x80..0x84].copy_from_slice(b"PE\0\0");
        b[0x84..0x86].copy_from_slice(&0x14Cu16.to_le_bytes());
        b[0x86..0x88].copy_from_slice(&1u16.to_le_bytes());
        b[0x94..0x96].copy_from_slice(&0xE0u16.to_le_bytes());
        b[0x96..0x98].copy_from_slice(&0x2102u16.to_le_bytes());
        b[0x98..0x9A].copy_from_slice(&0x10Bu16.to_le_bytes());
        b[0x98 + 60..0x98 + 64].copy_from_slice(&0x200u32.to_le_bytes());
        let s = 0x98 + 0xE0;
        b[s..s + 6].copy_from_slice(b".text\0");
        b[s + 16..s + 20].copy_from_slice(&0x100u32.to_le_bytes());
        b[s + 20..s + 24].copy_from_slice(&0x200u32.to_le_bytes());
        b
    }

    #[test]
    fn finds_raw_and_base64_and_refuses_look_alikes() {
        let pe = tiny_pe();
        let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &pe);
        let payload = [
            b"xxMZ no pe here ".as_slice(),
            &pe,
            b"\x06\x01\x00\x00\x00\x80\x08",
            b64.as_bytes(),
            b"\x0b",
        ]
        .concat();
        let found = find(&payload);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(
            (found[0].container, found[0].offset, found[0].size),
            (Container::Bytes, 16, 0x300)
        );
        assert!(found[0].dll && !found[0].truncated);
        assert_eq!(found[0].machine, "i386");
        assert_eq!(found[1].container, Container::Base64);
        assert_eq!(found[1].sha256, found[0].sha256);
        // Truncated: the hash is of what is there.
        let cut = &pe[..0x250];
        let t = find(cut);
        assert!(t[0].truncated && t[0].bytes.len() == 0x250);
        // A bad e_lfanew, a bad signature, garbage.
        let mut bad = pe.clone();
        bad[0x3C] = 0xFF;
        bad[0x3D] = 0xFF;
        bad[0x3E] = 0xFF;
        bad[0x3F] = 0x7F;
        assert!(find(&bad).is_empty());
        assert!(find(b"MZMZMZTVqQTVqQ").is_empty());
    }
}
