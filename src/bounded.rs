//! Reading files with a size limit enforced while reading (never an unbounded read).

use std::io::Read as _;
use std::path::Path;

/// The whole of `path`, or a message: the I/O error, or that it is larger than `limit`
/// bytes (naming the limit in MiB and `what` the file is).
pub(crate) fn read_file(path: &Path, limit: u64, what: &str) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > limit {
        return Err(format!(
            "larger than the {} MiB limit for {what}",
            limit >> 20
        ));
    }
    Ok(bytes)
}
