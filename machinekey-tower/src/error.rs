//! The layer's one error type.

use crate::CookieKind;

/// Why configuring the layer, or signing in, failed. No variant carries a key or a cookie
/// value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The web.config, keys or key ring could not be read or used.
    #[error("the keys: {0}")]
    Keys(#[source] machinekey::Error),
    /// `sign_in` named a kind of cookie the layer does not accept.
    #[error("no accepted cookie is of the kind {0:?}")]
    NotAccepted(CookieKind),
    /// A forms sign-in carried roles, but the forms cookie does not keep roles in `UserData`
    /// (see `FormsCookie::with_roles_in_user_data`): the site would not see them.
    #[error(
        "the forms cookie keeps no roles in UserData (FormsCookie::with_roles_in_user_data), so these roles would be lost"
    )]
    RolesNotCarried,
    /// Issuing the cookie failed (too long, a ticket its format cannot hold).
    #[error("issuing the cookie: {0}")]
    Issue(#[source] machinekey::Error),
    /// A `Set-Cookie` header could not be built from the cookie's attributes (a domain or
    /// path with characters a header cannot hold).
    #[error("a cookie attribute cannot be written in a header")]
    InvalidHeader,
}

impl From<machinekey::Error> for Error {
    fn from(e: machinekey::Error) -> Self {
        Self::Keys(e)
    }
}

impl From<machinekey::ConfigError> for Error {
    fn from(e: machinekey::ConfigError) -> Self {
        Self::Keys(e.into())
    }
}
