//! Antiforgery tokens (`AddAntiforgery()`, MVC and Razor Pages forms, `[ValidateAntiForgeryToken]`):
//! the cookie token (`.AspNetCore.Antiforgery.{hash}`) and the request token (the
//! `__RequestVerificationToken` form field or the `RequestVerificationToken` header), both
//! protected under [`ANTIFORGERY_PURPOSE`] and written in Base64url.
//!
//! The layout is `DefaultAntiforgeryTokenSerializer`'s (`dotnet/aspnetcore`
//! `src/Antiforgery/src/Internal/DefaultAntiforgeryTokenSerializer.cs`): version `0x01`, the
//! 128-bit security token, `IsCookieToken`; a request token then has `IsClaimsBased`, either
//! the 256-bit claim UID or the user name, and the additional data. The cookie name is
//! `.AspNetCore.Antiforgery.` + the Base64url of the first 8 bytes of SHA-256 of the
//! application discriminator (`DefaultAntiforgeryOptionsSetup`).
//!
//! Proved on real output: a Kestrel app's antiforgery cookie and request token
//! (`webapp-antiforgery` in `tests/aspnetcore_real.rs`) read to these fields, the two share
//! their security token, and the cookie's name is [`cookie_name`] of the app's name.

use sha2::Digest as _;

use super::{Reader, write_string};
pub use crate::dataprotection::consumers::ANTIFORGERY_PURPOSE;
use crate::error::ValueError;

/// `AntiforgeryOptions.DefaultCookiePrefix`.
pub const COOKIE_PREFIX: &str = ".AspNetCore.Antiforgery.";
/// The form field of the request token (`AntiforgeryOptions.FormFieldName`'s default).
pub const FORM_FIELD: &str = "__RequestVerificationToken";
/// The header of the request token (`AntiforgeryOptions.HeaderName`'s default).
pub const HEADER: &str = "RequestVerificationToken";

const TOKEN_VERSION: u8 = 0x01;
const WHAT: &str = "antiforgery token";

/// The default antiforgery cookie name of an application: the prefix and the Base64url of
/// the first 8 bytes of SHA-256 of its discriminator (`""` when it sets none).
///
/// # Example
/// ```
/// use machinekey::formats::aspnetcore::antiforgery::cookie_name;
/// assert_eq!(cookie_name("WebApp"), ".AspNetCore.Antiforgery.4ewlKE2fs7M");
/// ```
#[must_use]
pub fn cookie_name(discriminator: &str) -> String {
    let hash = sha2::Sha256::digest(discriminator.as_bytes());
    let first = hash.get(..8).unwrap_or_default();
    format!(
        "{COOKIE_PREFIX}{}",
        crate::crypto::encoding::to_base64url(first)
    )
}

/// Who a request token was made for.
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
#[non_exhaustive]
pub enum TokenUser {
    /// A user name (`""` for an anonymous request).
    Username(String),
    /// The 256-bit claim UID of a claims-based identity (a SHA-256 over its unique claims).
    ClaimUid([u8; 32]),
}

impl core::fmt::Debug for TokenUser {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Username(u) => f.debug_tuple("Username").field(u).finish(),
            Self::ClaimUid(c) => write!(f, "ClaimUid({})", hex::encode_upper(c)),
        }
    }
}

/// The fields only a request token has.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct RequestFields {
    /// The user it was made for.
    pub user: TokenUser,
    /// `IAntiforgeryAdditionalDataProvider`'s data (`""` by default).
    pub additional_data: String,
}

/// An antiforgery token: the cookie token, or a request token with its user.
///
/// # Example
/// ```
/// use machinekey::formats::aspnetcore::AntiforgeryToken;
/// let cookie = AntiforgeryToken::parse(&hex::decode("01B74FDB1B4430585734FF6410B36DF7E301")?)?;
/// let request = AntiforgeryToken::parse(&hex::decode("01B74FDB1B4430585734FF6410B36DF7E300000000")?)?;
/// assert!(cookie.is_cookie_token() && !request.is_cookie_token());
/// assert!(request.pairs_with(&cookie));
/// assert_eq!(request.to_bytes(), hex::decode("01B74FDB1B4430585734FF6410B36DF7E300000000")?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct AntiforgeryToken {
    /// The 128-bit security token both tokens of a pair carry.
    #[serde(serialize_with = "hex_upper")]
    pub security_token: [u8; 16],
    /// `None` for the cookie token; the request token's fields otherwise.
    pub request: Option<RequestFields>,
}

fn hex_upper<S: serde::Serializer>(bytes: &[u8; 16], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode_upper(bytes))
}

impl core::fmt::Debug for AntiforgeryToken {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AntiforgeryToken")
            .field("security_token", &"[redacted]")
            .field("request", &self.request)
            .finish()
    }
}

impl AntiforgeryToken {
    /// A cookie token.
    #[must_use]
    pub fn cookie(security_token: [u8; 16]) -> Self {
        Self {
            security_token,
            request: None,
        }
    }

    /// Whether this is the cookie token (`IsCookieToken`).
    #[must_use]
    pub fn is_cookie_token(&self) -> bool {
        self.request.is_none()
    }

    /// Whether this request token belongs with `cookie`: a cookie token and a request token
    /// with the same security token, compared in constant time (the first check of
    /// `DefaultAntiforgeryTokenGenerator.TryValidateTokenSet`; the user check needs the
    /// request's identity).
    #[must_use]
    pub fn pairs_with(&self, cookie: &Self) -> bool {
        use subtle::ConstantTimeEq as _;
        self.request.is_some()
            && cookie.request.is_none()
            && bool::from(self.security_token.ct_eq(&cookie.security_token))
    }

    /// Reads a token as `DefaultAntiforgeryTokenSerializer.Deserialize` does after
    /// unprotecting it: trailing bytes are refused.
    ///
    /// # Errors
    /// [`ValueError`] with the offset: another version, truncation, invalid UTF-8, bytes
    /// after the token.
    ///
    /// # Example
    /// See [`AntiforgeryToken`].
    pub fn parse(bytes: &[u8]) -> Result<Self, ValueError> {
        let mut r = Reader::new(WHAT, bytes);
        if r.byte()? != TOKEN_VERSION {
            return r.fail(0, "another token version than 1");
        }
        let security_token = r.array::<16>()?;
        let request = if r.byte()? != 0 {
            None
        } else {
            let user = if r.byte()? != 0 {
                TokenUser::ClaimUid(r.array::<32>()?)
            } else {
                TokenUser::Username(r.string()?)
            };
            Some(RequestFields {
                user,
                additional_data: r.string()?,
            })
        };
        if !r.at_end() {
            return r.fail(r.pos, "bytes after the token");
        }
        Ok(Self {
            security_token,
            request,
        })
    }

    /// The bytes `DefaultAntiforgeryTokenSerializer.Serialize` protects.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = vec![TOKEN_VERSION];
        out.extend_from_slice(&self.security_token);
        match &self.request {
            None => out.push(1),
            Some(RequestFields {
                user,
                additional_data,
            }) => {
                out.push(0);
                match user {
                    TokenUser::ClaimUid(uid) => {
                        out.push(1);
                        out.extend_from_slice(uid);
                    }
                    TokenUser::Username(name) => {
                        out.push(0);
                        write_string(&mut out, name);
                    }
                }
                write_string(&mut out, additional_data);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_the_serializer_refuses() {
        let cookie = [&[1u8][..], &[7; 16], &[1]].concat();
        assert!(AntiforgeryToken::parse(&cookie).is_ok());
        let mut v2 = cookie.clone();
        v2[0] = 2;
        assert!(AntiforgeryToken::parse(&v2).is_err());
        assert!(AntiforgeryToken::parse(&cookie[..17]).is_err());
        let trailing = [&cookie[..], &[0]].concat();
        assert_eq!(
            AntiforgeryToken::parse(&trailing).map_err(|e| e.offset()),
            Err(18)
        );
        let claims = [&[1u8][..], &[7; 16], &[0, 1], &[9; 32], &[0]].concat();
        let t = AntiforgeryToken::parse(&claims).unwrap_or_else(|_| unreachable!());
        assert_eq!(t.to_bytes(), claims);
        assert!(AntiforgeryToken::parse(&claims[..40]).is_err());
    }
}
