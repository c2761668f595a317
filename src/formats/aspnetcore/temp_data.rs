//! TempData in a cookie (`CookieTempDataProvider`, the default of `AddControllersWithViews`
//! and Razor Pages since 2.0): a JSON object of the values kept for the next request
//! (`DefaultTempDataSerializer`, `System.Text.Json`, in ASP.NET Core 3.0 and later),
//! protected under [`TEMP_DATA_PURPOSE`] and written in Base64url in the
//! `.AspNetCore.Mvc.CookieTempDataProvider` cookie (chunked when long). Razor components
//! (.NET 10) write theirs under
//! [`COMPONENTS_TEMP_DATA_PURPOSE`](crate::dataprotection::consumers::COMPONENTS_TEMP_DATA_PURPOSE)
//! in `.AspNetCore.Components.TempData`.
//!
//! ASP.NET Core 2.x wrote BSON (Json.NET's `BsonWriter`) instead; this reader names that
//! case rather than reading it.
//!
//! Proved on real output: the `webapp-tempdata` cookie of `tests/aspnetcore_real.rs`, sent by
//! a Kestrel app, opens under this purpose (not the `…Mvc.ViewFeatures.…` one a reading of
//! pre-release source gives) to `{"Message":"profile saved","Count":3}`.

pub use crate::dataprotection::consumers::TEMP_DATA_PURPOSE;
use crate::error::ValueError;

/// `CookieTempDataProvider.CookieName`.
pub const COOKIE_NAME: &str = ".AspNetCore.Mvc.CookieTempDataProvider";

const WHAT: &str = "TempData";

/// TempData's entries, in the order they were written, each value as its JSON text.
///
/// # Example
/// ```
/// use machinekey::formats::aspnetcore::TempData;
/// let t = TempData::parse(br#"{"Message":"profile saved","Count":3}"#)?;
/// assert_eq!(t.entries[1], ("Count".to_owned(), "3".to_owned()));
/// assert_eq!(t.string("Message").as_deref(), Some("profile saved"));
/// # Ok::<(), machinekey::formats::aspnetcore::ValueError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct TempData {
    /// `(key, value as compact JSON)`, in order.
    pub entries: Vec<(String, String)>,
}

struct Entries(Vec<(String, String)>);

impl<'de> serde::Deserialize<'de> for Entries {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Entries;
            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Entries, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, serde_json::Value>()? {
                    out.push((k, v.to_string()));
                }
                Ok(Entries(out))
            }
        }
        d.deserialize_map(Visit)
    }
}

impl TempData {
    /// Reads the unprotected bytes: a JSON object (UTF-8, an optional BOM).
    ///
    /// # Errors
    /// [`ValueError`]: BSON (ASP.NET Core 2.x), or not a JSON object (the offset is where
    /// the JSON parser stopped).
    ///
    /// # Example
    /// See [`TempData`].
    pub fn parse(bytes: &[u8]) -> Result<Self, ValueError> {
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        if body
            .first()
            .is_some_and(|b| *b != b'{' && !b.is_ascii_whitespace())
        {
            return Err(ValueError::new(
                WHAT,
                0,
                "not JSON (ASP.NET Core 2.x wrote TempData as BSON, which is not read)",
            ));
        }
        let mut de = serde_json::Deserializer::from_slice(body);
        match serde::Deserialize::deserialize(&mut de).and_then(|e: Entries| {
            de.end()?;
            Ok(e)
        }) {
            Ok(Entries(entries)) => Ok(Self { entries }),
            Err(e) => Err(ValueError::new(
                WHAT,
                json_offset(body, e.line(), e.column()),
                "not a JSON object",
            )),
        }
    }

    /// The value of `key` when it is a JSON string.
    #[must_use]
    pub fn string(&self, key: &str) -> Option<String> {
        let (_, json) = self.entries.iter().find(|(k, _)| k == key)?;
        serde_json::from_str::<String>(json).ok()
    }

    /// The JSON `CookieTempDataProvider` writes for these entries.
    #[must_use]
    pub fn to_json(&self) -> String {
        let mut out = String::from("{");
        for (i, (k, v)) in self.entries.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&serde_json::Value::String(k.clone()).to_string());
            out.push(':');
            out.push_str(v);
        }
        out.push('}');
        out
    }
}

/// The byte offset of a 1-based line and column.
fn json_offset(body: &[u8], line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (i, l) in body.split(|b| *b == b'\n').enumerate() {
        if i + 1 == line {
            return offset + column.saturating_sub(1);
        }
        offset += l.len() + 1;
    }
    body.len()
}
