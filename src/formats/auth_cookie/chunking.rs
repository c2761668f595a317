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
        self.split_with_size(Some(self.chunk_size()), template, value)
    }

    /// As [`split`](Self::split) with another chunk size (`ChunkingCookieManager.ChunkSize`;
    /// `None` turns chunking off). As ASP.NET Core measures them, lengths are UTF-16 code
    /// units of the value before `Set-Cookie` escapes it, and of the template's header.
    ///
    /// # Example
    /// ```
    /// use machinekey::formats::auth_cookie::{Chunking, SetCookie};
    /// let template = SetCookie::new("x", "");
    /// let cookies = Chunking::Core.split_with_size(Some(50), &template, &"y".repeat(40)).unwrap();
    /// assert_eq!(cookies.len(), 5); // the marker, then chunks of 50 - 34 - 3 = 13 characters
    /// assert!(Chunking::Core.split_with_size(Some(40), &template, &"y".repeat(10)).is_none());
    /// assert_eq!(Chunking::Core.split_with_size(None, &template, &"y".repeat(9000)).unwrap().len(), 1);
    /// ```
    #[must_use]
    pub fn split_with_size(
        self,
        chunk_size: Option<usize>,
        template: &SetCookie,
        value: &str,
    ) -> Option<Vec<SetCookie>> {
        let template_len = template.with_value("").header().encode_utf16().count();
        let value_len = value.encode_utf16().count();
        // An empty value (a deletion) is one cookie whatever the size, as real ASP.NET Core
        // 10 appends it (proved by the differential tests; the 2.x source threw here).
        let Some(size) =
            chunk_size.filter(|size| !value.is_empty() && *size <= template_len + value_len)
        else {
            return Some(vec![template.with_value(value)]);
        };
        if size < template_len + 10 {
            return None;
        }
        // Room for a chunk's data: the size less the template and the name suffix (`C` and
        // up to two digits), in UTF-16 code units.
        let per_chunk = size - template_len - 3;
        let mut chunks: Vec<String> = Vec::new();
        let mut current = String::new();
        let mut units = 0;
        for c in value.chars() {
            if units + c.len_utf16() > per_chunk && !current.is_empty() {
                chunks.push(core::mem::take(&mut current));
                units = 0;
            }
            current.push(c);
            units += c.len_utf16();
        }
        if !current.is_empty() {
            chunks.push(current);
        }
        let mut out = vec![template.with_value(&format!("{}{}", self.marker(), chunks.len()))];
        for (i, chunk) in chunks.iter().enumerate() {
            let mut c = template.with_value(chunk);
            c.name = format!("{}C{}", template.name, i + 1);
            out.push(c);
        }
        Some(out)
    }

    /// The value of cookie `name` in a request's cookies, chunks joined, each value
    /// `%`-unescaped as the request's cookie collection reads it. `None` when the
    /// cookie is absent or empty (as ASP.NET Core reads it); otherwise
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
        let get = |n: &str| {
            cookies
                .iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| super::unescape_data_string(v))
        };
        // An empty value is no cookie (`GetRequestCookie` returns null).
        let base = get(name).filter(|v| !v.is_empty())?;
        let base = base.as_str();
        let Some(count) = base
            .strip_prefix(self.marker())
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n > 0)
        else {
            return Some(base.to_owned());
        };
        // More chunks than cookies in the request: one is missing, and the answer is the one
        // a missing chunk gives (found without a lookup per claimed chunk).
        if count > cookies.len() {
            return match self {
                Self::Interop => None,
                _ => Some(base.to_owned()),
            };
        }
        let mut joined = String::new();
        for i in 1..=count {
            match get(&format!("{name}C{i}")) {
                Some(chunk) if !(chunk.is_empty() && self != Self::Katana) => {
                    joined.push_str(&chunk);
                }
                _ if self == Self::Interop => return None,
                _ => return Some(base.to_owned()),
            }
        }
        Some(joined)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (real ASP.NET Core 10 joins them): a cookie of 201 chunks is read whole;
    /// a marker claiming more chunks than the request holds gives the marker back.
    #[test]
    fn many_chunks_join_and_a_false_count_gives_the_marker() {
        let names: Vec<String> = (1..=201).map(|i| format!("aC{i}")).collect();
        let mut jar: Vec<(&str, &str)> = vec![("a", "chunks-201")];
        jar.extend(names.iter().map(|n| (n.as_str(), "x")));
        assert_eq!(Chunking::Core.join(&jar, "a"), Some("x".repeat(201)));
        let lie = [("a", "chunks-99999999"), ("aC1", "x")];
        assert_eq!(
            Chunking::Core.join(&lie, "a").as_deref(),
            Some("chunks-99999999")
        );
        assert_eq!(Chunking::Interop.join(&lie, "a"), None);
        assert_eq!(
            Chunking::Core.join(&[("a", "")], "a"),
            None,
            "empty is absent"
        );
        assert_eq!(
            Chunking::Core.join(&[("a", "x%2By")], "a").as_deref(),
            Some("x+y")
        );
    }

    fn lens(cookies: &[SetCookie]) -> Vec<usize> {
        cookies[1..]
            .iter()
            .map(|c| c.value.encode_utf16().count())
            .collect()
    }

    /// Mutation testing (issue 33): the split's bounds as `ChunkingCookieManager` has them.
    /// The template `x=; path=/; samesite=lax; httponly` is 34 characters: one cookie while
    /// `ChunkSize > templateLength + value.Length`, `chunks-N` from equality on (a small value
    /// issued as `chunks-1` plus one chunk would not be read by anything that expects one
    /// cookie), refused below `templateLength + 10`, `ChunkSize - templateLength - 3` UTF-16
    /// units a chunk, each chunk filled to exactly that.
    #[test]
    fn split_bounds_are_core_s() {
        let t = SetCookie::new("x", "");
        assert_eq!(t.header().len(), 34);
        let one = Chunking::Core
            .split_with_size(Some(50), &t, &"a".repeat(15))
            .unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].value, "a".repeat(15));
        let two = Chunking::Core
            .split_with_size(Some(50), &t, &"a".repeat(16))
            .unwrap();
        assert_eq!(two[0].value, "chunks-2");
        assert_eq!(lens(&two), [13, 3]);
        assert_eq!(two[1].name, "xC1");
        assert_eq!(two[2].name, "xC2");
        // Exactly two chunks' worth: two full chunks, no third.
        let full = Chunking::Core
            .split_with_size(Some(50), &t, &"a".repeat(26))
            .unwrap();
        assert_eq!(lens(&full), [13, 13]);
        // The smallest size allowed is the template plus 10 (7 characters a chunk).
        let small = Chunking::Core
            .split_with_size(Some(44), &t, &"a".repeat(20))
            .unwrap();
        assert_eq!(small[0].value, "chunks-3");
        assert_eq!(lens(&small), [7, 7, 6]);
        assert!(
            Chunking::Core
                .split_with_size(Some(43), &t, &"a".repeat(20))
                .is_none()
        );
        // A value of surrogate pairs counts two units each, and no pair is cut.
        let wide = format!("ab{}", "\u{1F600}".repeat(7));
        let split = Chunking::Katana
            .split_with_size(Some(50), &t, &wide)
            .unwrap();
        assert_eq!(split[0].value, "chunks:2");
        assert_eq!(lens(&split), [12, 4]);
        assert_eq!(split[1].value, format!("ab{}", "\u{1F600}".repeat(5)));
        // The default sizes: a header of 4,049 characters is one cookie, 4,050 is chunked.
        let v = "a".repeat(4049 - 34);
        assert_eq!(Chunking::Core.split(&t, &v).unwrap().len(), 1);
        let v = "a".repeat(4050 - 34);
        assert_eq!(Chunking::Core.split(&t, &v).unwrap()[0].value, "chunks-2");
        let v = "a".repeat(4090 - 34);
        assert_eq!(Chunking::Katana.split(&t, &v).unwrap()[0].value, "chunks:2");
        let v = "a".repeat(4069 - 34);
        assert_eq!(Chunking::Interop.split(&t, &v).unwrap().len(), 1);
        let v = "a".repeat(4070 - 34);
        assert_eq!(
            Chunking::Interop.split(&t, &v).unwrap()[0].value,
            "chunks-2"
        );
    }

    /// Mutation testing (issue 33): what the join accepts. An empty chunk is a missing one
    /// for Core (`string.IsNullOrEmpty(chunk)` returns the marker) and Interop (refused), but
    /// joined by Katana (`chunk == null` only); a missing chunk gives Core and Katana the
    /// marker and Interop nothing; a count must be digits only (`NumberStyles.None`) and more
    /// than zero.
    #[test]
    fn join_refuses_what_asp_net_refuses() {
        let core = [("a", "chunks-2"), ("aC1", "xy"), ("aC2", "")];
        assert_eq!(Chunking::Core.join(&core, "a").as_deref(), Some("chunks-2"));
        assert_eq!(Chunking::Interop.join(&core, "a"), None);
        let katana = [("a", "chunks:2"), ("aC1", "xy"), ("aC2", "")];
        assert_eq!(Chunking::Katana.join(&katana, "a").as_deref(), Some("xy"));
        // A missing chunk (the jar still holds as many cookies as the count claims).
        let missing = [("a", "chunks-2"), ("aC1", "xy"), ("b", "z")];
        assert_eq!(
            Chunking::Core.join(&missing, "a").as_deref(),
            Some("chunks-2")
        );
        assert_eq!(Chunking::Interop.join(&missing, "a"), None);
        let missing = [("a", "chunks:2"), ("aC2", "xy"), ("b", "z")];
        assert_eq!(
            Chunking::Katana.join(&missing, "a").as_deref(),
            Some("chunks:2")
        );
        // Whole jars join for every variant.
        let whole = [("a", "chunks-2"), ("aC1", "xy"), ("aC2", "z")];
        assert_eq!(Chunking::Core.join(&whole, "a").as_deref(), Some("xyz"));
        assert_eq!(Chunking::Interop.join(&whole, "a").as_deref(), Some("xyz"));
        // Katana does not read the Core marker, nor Core Katana's.
        assert_eq!(
            Chunking::Katana.join(&whole, "a").as_deref(),
            Some("chunks-2")
        );
        // Counts: zero, a sign, an empty count, a name that is only a prefix.
        for bad in ["chunks-0", "chunks-+1", "chunks-", "chunks-1x"] {
            let jar = [("a", bad), ("aC1", "xy")];
            assert_eq!(
                Chunking::Core.join(&jar, "a").as_deref(),
                Some(bad),
                "{bad}"
            );
            assert_eq!(
                Chunking::Interop.join(&jar, "a").as_deref(),
                Some(bad),
                "{bad}"
            );
        }
        assert_eq!(Chunking::Core.join(&[("ab", "v")], "a"), None);
    }
}
