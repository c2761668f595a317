//! Importing real auto-generated key material: a Windows registry export (`.reg`) holding
//! `AutoGenKeyV4`, or raw hex (webengine4.dll `GetAutogenKeys`, native, no public source).

use core::fmt::Write as _;

use super::AutoGenKeys;
use time::OffsetDateTime;

use crate::clock::{from_file_time, to_file_time};
use crate::error::{Error, KeyImportError};

/// What a registry export held for the auto-generated keys.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RegExport {
    /// The registry key the value was under, e.g.
    /// `HKEY_USERS\S-1-5-82-...\Software\Microsoft\ASP.NET\4.0.30319.0`.
    pub key_path: Option<String>,
    /// The `AutoGenKeyV4` (or 2.0 `AutoGenKey`) bytes.
    pub keys: AutoGenKeys,
    /// `AutoGenKeyFormat`, if present (2 = clear; 1 = DPAPI, which is refused).
    pub format: Option<u32>,
    /// `AutoGenKeyCreationTime` (a `FILETIME` in the export), if present and a date .NET
    /// can hold.
    pub creation_time: Option<OffsetDateTime>,
}

/// One logical line: continuation lines (ending in `\`) joined, with the line it started on.
pub(crate) fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        let piece = if current.is_some() {
            line.trim_start()
        } else {
            line
        };
        let (piece, continues) = match piece.strip_suffix('\\') {
            Some(p) => (p, true),
            None => (piece, false),
        };
        let entry = current.get_or_insert_with(|| (i + 1, String::new()));
        entry.1.push_str(piece);
        if !continues {
            out.extend(current.take());
        }
    }
    out.extend(current);
    out
}

fn parse_hex_list(line: usize, list: &str) -> Result<Vec<u8>, KeyImportError> {
    let list = list.trim();
    if list.is_empty() {
        return Ok(Vec::new());
    }
    if list.ends_with(',') {
        return Err(KeyImportError::new(
            line,
            "the hex list ends with ',': a '\\' line continuation is missing",
        ));
    }
    list.split(',')
        .map(|b| {
            let b = b.trim();
            if b.len() == 2 {
                u8::from_str_radix(b, 16).ok()
            } else {
                None
            }
            .ok_or_else(|| {
                KeyImportError::new(line, "a hex value must be comma-separated two-digit bytes")
            })
        })
        .collect()
}

/// Reads a registry export (text already decoded) and returns the `AutoGenKeyV4` value
/// with the format and creation time next to it.
///
/// Accepts `Windows Registry Editor Version 5.00` and `REGEDIT4` files, `\` line
/// continuations, `;` comments, and the 2.0 value name `AutoGenKey`.
///
/// # Errors
/// [`Error::KeyImport`] with the line number: a missing header, a malformed line or hex
/// list, a key that is not 1024 (or 88) bytes, several key values, a DPAPI-protected key
/// (`AutoGenKeyFormat` 1), or no key value at all.
///
/// # Example
/// ```
/// use machinekey::keys::{AutoGenKeys, read_reg_export, write_reg_export};
/// use machinekey::random::OsRandom;
/// let keys = AutoGenKeys::generate(&OsRandom)?;
/// let text = write_reg_export(r"HKEY_CURRENT_USER\Software\Microsoft\ASP.NET\4.0.30319.0", &keys, None);
/// assert_eq!(read_reg_export(&text)?.keys, keys);
/// let broken = text.replacen("hex:", "hex:zz,", 1);
/// let err = read_reg_export(&broken).unwrap_err();
/// assert!(err.to_string().starts_with("line 5:"), "{err}");
/// # Ok::<(), machinekey::Error>(())
/// ```
pub fn read_reg_export(text: &str) -> Result<RegExport, Error> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines = logical_lines(text);
    let mut meaningful = lines
        .iter()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with(';'));
    match meaningful.next() {
        Some((_, l))
            if matches!(
                l.trim(),
                "Windows Registry Editor Version 5.00" | "REGEDIT4"
            ) => {}
        Some((n, _)) => {
            return Err(KeyImportError::new(
                *n,
                "not a registry export: expected \"Windows Registry Editor Version 5.00\"",
            )
            .into());
        }
        None => return Err(KeyImportError::new(0, "the file is empty").into()),
    }
    let mut key_path: Option<String> = None;
    let mut found: Option<(usize, Option<String>, Vec<u8>)> = None;
    let mut format: Option<(usize, u32)> = None;
    let mut creation_time = None;
    for (n, line) in meaningful {
        let line = line.trim();
        if let Some(path) = line.strip_prefix('[') {
            let path = path
                .strip_suffix(']')
                .ok_or_else(|| KeyImportError::new(*n, "a key line must end with ']'"))?;
            key_path = Some(path.to_owned());
            continue;
        }
        let (name, value) = line
            .strip_prefix('"')
            .and_then(|rest| rest.split_once("\"="))
            .or_else(|| line.split_once('=').filter(|(name, _)| *name == "@"))
            .ok_or_else(|| KeyImportError::new(*n, "expected \"Name\"=value"))?;
        match name {
            "AutoGenKeyV4" | "AutoGenKey" => {
                let hex = value.strip_prefix("hex:").ok_or_else(|| {
                    KeyImportError::new(*n, "AutoGenKeyV4 must be a binary (hex:) value")
                })?;
                let bytes = parse_hex_list(*n, hex)?;
                if found.is_some() {
                    return Err(KeyImportError::new(
                        *n,
                        "more than one auto-generated key in the export; export a single key",
                    )
                    .into());
                }
                found = Some((*n, key_path.clone(), bytes));
            }
            "AutoGenKeyFormat" => {
                let v = value
                    .strip_prefix("dword:")
                    .and_then(|d| u32::from_str_radix(d.trim(), 16).ok())
                    .ok_or_else(|| KeyImportError::new(*n, "AutoGenKeyFormat must be a dword"))?;
                format = Some((*n, v));
            }
            "AutoGenKeyCreationTime" => {
                let bytes = value
                    .strip_prefix("hex(b):")
                    .map(|h| parse_hex_list(*n, h))
                    .transpose()?
                    .and_then(|b| <[u8; 8]>::try_from(b).ok())
                    .ok_or_else(|| {
                        KeyImportError::new(
                            *n,
                            "AutoGenKeyCreationTime must be an 8-byte QWORD (hex(b):)",
                        )
                    })?;
                creation_time = from_file_time(u64::from_le_bytes(bytes));
            }
            _ => {}
        }
    }
    if let Some((n, 1)) = format {
        return Err(KeyImportError::new(
            n,
            "the key is DPAPI-protected (AutoGenKeyFormat 1); unprotect it on the host as the worker identity first",
        )
        .into());
    }
    let (n, key_path, bytes) =
        found.ok_or_else(|| KeyImportError::new(0, "no AutoGenKeyV4 value in the export"))?;
    let keys = AutoGenKeys::from_bytes(&bytes).map_err(|_| {
        KeyImportError::new(
            n,
            format!("the key is {} bytes; expected 1024 (or 88)", bytes.len()),
        )
    })?;
    Ok(RegExport {
        key_path,
        keys,
        format: format.map(|(_, f)| f),
        creation_time,
    })
}

/// Reads a registry export as regedit writes it: UTF-16LE with a byte-order mark, or UTF-8
/// (with or without a BOM).
///
/// # Errors
/// As [`read_reg_export`], plus [`Error::KeyImport`] for text that is not UTF-16LE/UTF-8.
///
/// # Example
/// ```
/// use machinekey::keys::{AutoGenKeys, read_reg_export_bytes, write_reg_export};
/// # let keys = AutoGenKeys::generate(&machinekey::random::OsRandom)?;
/// let text = write_reg_export(r"HKEY_CURRENT_USER\Software\Microsoft\ASP.NET\4.0.30319.0", &keys, None);
/// let utf16: Vec<u8> = [0xFF, 0xFE].into_iter()
///     .chain(text.encode_utf16().flat_map(u16::to_le_bytes)).collect();
/// assert_eq!(read_reg_export_bytes(&utf16)?.keys, keys);
/// # Ok::<(), machinekey::Error>(())
/// ```
pub fn read_reg_export_bytes(bytes: &[u8]) -> Result<RegExport, Error> {
    if let Some(body) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        let units: Vec<u16> = body
            .chunks(2)
            .map(|c| match c {
                [lo, hi] => Ok(u16::from_le_bytes([*lo, *hi])),
                _ => Err(KeyImportError::new(
                    0,
                    "UTF-16 text with an odd number of bytes",
                )),
            })
            .collect::<Result<_, _>>()?;
        let text = String::from_utf16(&units)
            .map_err(|_| KeyImportError::new(0, "invalid UTF-16 text"))?;
        return read_reg_export(&text);
    }
    let text = core::str::from_utf8(bytes)
        .map_err(|_| KeyImportError::new(0, "the file is neither UTF-16LE with a BOM nor UTF-8"))?;
    read_reg_export(text)
}

/// Writes a registry export of `keys` under `key_path`, as regedit would (hex bytes
/// wrapped with `\` continuations), with `AutoGenKeyFormat` 2 (clear) and the creation time
/// if given. The output contains the key: treat it as a secret.
///
/// # Example
/// See [`read_reg_export`].
#[must_use]
pub fn write_reg_export(
    key_path: &str,
    keys: &AutoGenKeys,
    creation_time: Option<OffsetDateTime>,
) -> String {
    let mut out = String::from("Windows Registry Editor Version 5.00\r\n\r\n");
    let _ = write!(
        out,
        "[{key_path}]\r\n\"AutoGenKeyFormat\"=dword:00000002\r\n"
    );
    write_hex_value(&mut out, "\"AutoGenKeyV4\"=hex:", keys.expose_secret());
    if let Some(t) = creation_time.and_then(to_file_time) {
        write_hex_value(
            &mut out,
            "\"AutoGenKeyCreationTime\"=hex(b):",
            &t.to_le_bytes(),
        );
    }
    out
}

/// regedit's layout: bytes as `xx,`, lines broken before 80 columns with `\`.
fn write_hex_value(out: &mut String, prefix: &str, bytes: &[u8]) {
    let mut column = prefix.len();
    out.push_str(prefix);
    let count = bytes.len();
    for (i, b) in bytes.iter().enumerate() {
        let last = i + 1 == count;
        let cell = if last { 2 } else { 3 };
        if column + cell > 78 {
            out.push_str("\\\r\n  ");
            column = 2;
        }
        let _ = write!(out, "{b:02x}");
        if !last {
            out.push(',');
        }
        column += cell;
    }
    out.push_str("\r\n");
}

impl AutoGenKeys {
    /// Reads the buffer from hex (either case), ignoring white space, commas and `-`
    /// separators, as a value copied out of a registry editor or a script.
    ///
    /// # Errors
    /// [`Error::KeyImport`] for a non-hex character or a length other than 1024 (or 88)
    /// bytes.
    ///
    /// # Example
    /// ```
    /// use machinekey::keys::AutoGenKeys;
    /// let hex = "00 01 02 03 ".repeat(256);
    /// assert_eq!(AutoGenKeys::from_hex(&hex)?.expose_secret()[..4], [0, 1, 2, 3]);
    /// assert!(AutoGenKeys::from_hex("0001").is_err());
    /// # Ok::<(), machinekey::Error>(())
    /// ```
    pub fn from_hex(text: &str) -> Result<Self, Error> {
        let compact: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, ',' | '-'))
            .collect();
        let bytes = zeroize::Zeroizing::new(
            hex::decode(&compact).map_err(|_| KeyImportError::new(0, "not hex"))?,
        );
        Self::from_bytes(&bytes).map_err(|_| {
            KeyImportError::new(
                0,
                format!("the key is {} bytes; expected 1024 (or 88)", bytes.len()),
            )
            .into()
        })
    }
}
