//! Reading files with a size limit enforced while reading (never an unbounded read), and
//! decoding their text as servers save it.

use std::io::Read as _;
use std::path::Path;

use crate::error::FileError;

/// The whole of `path` (named `name` in errors), or the I/O error, or that it is larger
/// than `limit` bytes.
pub(crate) fn read_file(path: &Path, name: &str, limit: u64) -> Result<Vec<u8>, FileError> {
    let file = std::fs::File::open(path).map_err(|e| FileError::io(name, e))?;
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| FileError::io(name, e))?;
    if bytes.len() as u64 > limit {
        return Err(FileError::too_large(name, limit));
    }
    Ok(bytes)
}

/// The text of `path` (read as [`read_file`] does, decoded as [`decode_text`] does).
#[cfg(feature = "sim")]
pub(crate) fn read_text(path: &Path, limit: u64) -> Result<String, FileError> {
    let name = path.display().to_string();
    decode_text(&name, &read_file(path, &name, limit)?)
}

/// Text as servers save it: UTF-8 with or without a byte-order mark, or UTF-16 LE/BE with
/// one. `name` names the file in errors.
pub(crate) fn decode_text(name: &str, bytes: &[u8]) -> Result<String, FileError> {
    let utf16 = |body: &[u8], big_endian: bool| {
        if body.len() % 2 != 0 {
            return Err(FileError::not_text(
                name,
                "odd number of bytes in UTF-16 text",
            ));
        }
        let units: Vec<u16> = body
            .chunks_exact(2)
            .map(|c| match c {
                [a, b] if big_endian => u16::from_be_bytes([*a, *b]),
                [a, b] => u16::from_le_bytes([*a, *b]),
                _ => 0,
            })
            .collect();
        String::from_utf16(&units).map_err(|_| FileError::not_text(name, "invalid UTF-16 text"))
    };
    match bytes {
        [0xEF, 0xBB, 0xBF, rest @ ..] => String::from_utf8(rest.to_vec())
            .map_err(|_| FileError::not_text(name, "invalid UTF-8 text")),
        [0xFF, 0xFE, rest @ ..] => utf16(rest, false),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, true),
        _ => String::from_utf8(bytes.to_vec()).map_err(|_| {
            FileError::not_text(
                name,
                "not UTF-8, and no byte-order mark for UTF-16 (save it as UTF-8 or UTF-16 with a BOM)",
            )
        }),
    }
}
