//! `as_str()` and `Display` for the crate's fieldless enums, written once per enum as a
//! table of names.

/// Implements `as_str()` (the name users see, `const`) and `Display` (the same text) for a
/// fieldless `Copy` enum:
///
/// ```ignore
/// names!(Level, "The level's name, as reports print it.", {
///     Machine => "machine.config",
///     Site => "site",
/// });
/// ```
macro_rules! names {
    ($ty:ty, $doc:literal, { $($variant:ident => $text:expr),+ $(,)? }) => {
        impl $ty {
            #[doc = $doc]
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }
        }

        impl ::core::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use names;
