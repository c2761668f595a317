//! `ChunkingCookieManager`: how a ticket too long for one cookie is split into `NAME=chunks-N`
//! and `NAMEC1..NAMECN`, and joined again.
//!
//! Three variants: ASP.NET Core's (`src/Shared/ChunkingCookieManager`: marker `chunks-N`,
//! 4,050 characters, a missing or empty chunk gives the raw marker back), Katana's
//! (`Microsoft.Owin.Infrastructure.ChunkingCookieManager`: marker `chunks:N`, 4,090), and
//! `Microsoft.Owin.Security.Interop`'s (the Core marker, 4,070, a missing chunk refused).

use super::SetCookie;
use crate::names::names;

/// Which chunking rules a cookie follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Chunking {
    /// ASP.NET Core: `chunks-N`, `DefaultChunkSize` 4,050.
    Core,
    /// Katana (OWIN on 4.x): `chunks:N`, `ChunkSize` 4,090.
    Katana,
    /// `Microsoft.Owin.Security.Interop`: `chunks-N`, 4,070.
    Interop,
}

names!(Chunking, "The name, in words.", {
    Core => "Core",
    Katana => "Katana",
    Interop => "Interop",
});

impl Chunking {
    /// The chunk size: the longest `Set-Cookie` header one chunk may make.
    #[must_use]
    pub fn chunk_size(self) -> usize {
        match self {
            Self::Core => 4050,
            Self::Katana => 4090,
            Self::Interop => 4070,
        }
    }

    fn marker(self) -> &'static str {
        match self {
            Self::Core | Self::Interop => "chunks-",
            Self::Katana => "chunks:",
        }
    }

    /// The cookies to set for `value`: one cookie when it fits, else the marker cookie and
    /// the chunks, each with `template`'s attributes. `None` when the attributes alone leave
    /// no room for a chunk (ASP.NET throws).
    ///
    /// # Example
    /// ```
    /// use machinekey::formats::auth_cookie::{Chunking, SetCookie};
    /// let template = SetCookie::new(".AspNetCore.Cookies", "");
    /// let value = "x".repeat(9000);
    /// let cookies = Chunking::Core.split(&template, &value).unwrap();
    /// assert_eq!(cookies[0].value, "chunks-3");
    /// assert_eq!(cookies[1].name, ".AspNetCore.CookiesC1");
    /// assert_eq!(cookies[1..].iter().map(|c| c.value.len()).sum::<usize>(), 9000);
    /// assert!(cookies.iter().all(|c| c.header().len() <= 4050));
    /// ```
    #[must_use]
    pub fn split(self, template: &SetCookie, value: &str) -> Option<Vec<SetCookie>> {
        let template_len = template.with_value("").header().len();
        let size = self.chunk_size();
        if size > template_len + value.len() {
            return Some(vec![template.with_value(value)]);
        }
        if size < template_len + 10 {
            return None;
        }
        // Room for a chunk's data: the size less the template and the name suffix (`C` and
        // up to two digits).
        let per_chunk = size - template_len - 3;
        let chunks: Vec<&str> = value
            .as_bytes()
            .chunks(per_chunk)
            .map(|c| core::str::from_utf8(c).unwrap_or_default())
            .collect();
        let mut out = vec![template.with_value(&format!("{}{}", self.marker(), chunks.len()))];
        for (i, chunk) in chunks.iter().enumerate() {
            let mut c = template.with_value(chunk);
            c.name = format!("{}C{}", template.name, i + 1);
            out.push(c);
        }
        Some(out)
    }

    /// The value of cookie `name` in a request's cookies, chunks joined. `None` when the
    /// cookie is absent; the marker itself when a chunk is missing (Core, Katana) or empty
    /// (Core), as ASP.NET returns it (it then fails to unprotect); `None` for Interop, which
    /// refuses a partial cookie.
    ///
    /// # Example
    /// ```
    /// use machinekey::formats::auth_cookie::Chunking;
    /// let jar = [(".AspNetCore.Cookies", "chunks-2"), (".AspNetCore.CookiesC1", "ab"), (".AspNetCore.CookiesC2", "cd")];
    /// assert_eq!(Chunking::Core.join(&jar, ".AspNetCore.Cookies").as_deref(), Some("abcd"));
    /// assert_eq!(Chunking::Core.join(&jar[..2], ".AspNetCore.Cookies").as_deref(), Some("chunks-2"));
    /// ```
    #[must_use]
    pub fn join(self, cookies: &[(&str, &str)], name: &str) -> Option<String> {
        let get = |n: &str| cookies.iter().find(|(k, _)| *k == n).map(|(_, v)| *v);
        let base = get(name)?;
        let Some(count) = base
            .strip_prefix(self.marker())
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n > 0)
        else {
            return Some(base.to_owned());
        };
        // Far more chunks than any browser sends for one site are refused up front.
        if count > 200 {
            return Some(base.to_owned());
        }
        let mut joined = String::new();
        for i in 1..=count {
            match get(&format!("{name}C{i}")) {
                Some(chunk) if !(chunk.is_empty() && self != Self::Katana) => {
                    joined.push_str(chunk)
                }
                _ if self == Self::Interop => return None,
                _ => return Some(base.to_owned()),
            }
        }
        Some(joined)
    }
}
