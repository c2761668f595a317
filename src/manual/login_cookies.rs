//! Share a login with a Rust service: forms, OWIN and ASP.NET Core cookies.
//!
//! A Rust service deployed beside an ASP.NET site, on the same domain, can accept the login the
//! site issued and issue logins the site accepts. [`auth_ticket`] reads and writes the
//! tickets (ASP.NET Core's `TicketSerializer` v5, and Katana's v3 with its GZip framing, with
//! every default-elision rule), [`auth_cookie`] pairs each with its keys, purposes,
//! chunking and expiry rules behind one [`LoginCookie`] trait, and the
//! workspace crate `machinekey-tower` is the tower layer and axum extractor (so this crate's
//! dependency tree gains neither tower, axum nor hyper):
//!
//! ```rust,ignore
//! use axum::{Router, routing::get};
//! use machinekey_tower::{AuthLayer, Identity};
//!
//! async fn hello(user: Identity) -> String {
//!     format!("hello {} {:?}", user.name().unwrap_or("?"), user.roles())
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let auth = AuthLayer::from_web_config(&std::fs::read_to_string("web.config")?, "/")?
//!         .accept(machinekey::formats::auth_cookie::AuthCookie::core(
//!             &machinekey::dataprotection::KeyRing::load("keys".as_ref())?, "Identity.Application", Some("SharedCookieApp"))?);
//!     let app = Router::new().route("/", get(hello)).layer(auth.secure(true));
//!     axum::serve(tokio::net::TcpListener::bind("127.0.0.1:3000").await?, app).await?;
//!     Ok(())
//! }
//! ```
//!
//! `Option<Identity>` takes an optional login; `.require_login()` answers 401 instead of passing
//! requests through; a ticket past half its window comes back renewed in the response's
//! `Set-Cookie`; `AuthLayer::sign_in` and `sign_out` give the headers of a login and a logout
//! (path, domain, `HttpOnly`, `Secure`, `SameSite`, chunks). `cargo run -p machinekey-tower
//! --example shared_login` serves on 127.0.0.1, accepts a real `.ASPXAUTH` cookie issued by
//! ASP.NET 4.5 and a Core cookie made with the key ring of Microsoft's cookie-sharing sample,
//! and shows a renewal. The layer's own documentation is the `machinekey-tower` crate's
//! (`machinekey-tower/README.md` in the repository).
//!
//! | ASP.NET generation | cookie | ticket | protected by | here |
//! |---|---|---|---|---|
//! | Web Forms / MVC on 2.0-4.8, `FormsAuthentication` | `.ASPXAUTH` | forms ticket | `<machineKey>` | `FormsCookie` |
//! | MVC 5 / Identity 2 on 4.x (OWIN, Katana) | `.AspNet.ApplicationCookie`, `.AspNet.Cookies` | Katana v3, GZip | `MachineKey.Protect` with `Microsoft.Owin.Security.Cookies.CookieAuthenticationMiddleware`, the authentication type, `v1`; Base64url; chunks `chunks:N` | `AuthCookie::owin` |
//! | ASP.NET Core | `.AspNetCore.Cookies`, `.AspNetCore.Identity.Application` | Core v5 | Data Protection with `...Cookies.CookieAuthenticationMiddleware`, the scheme, `v2` after the application discriminator; chunks `chunks-N` of 4,050 | `AuthCookie::core` |
//! | 4.x and Core sharing one login (`Microsoft.Owin.Security.Interop`) | as the sites name it | Core v5, one identity | as Core | `AuthCookie::interop` |
//!
//! `machinekey ticket decode` opens all four (`--web-config` or key attributes for forms and
//! OWIN, `--key-ring DIR --app-name NAME` for Core; a chunked cookie as the browser sends it);
//! `audit --owin-cookie ApplicationCookie VALUE` finds the known `<machineKey>` of an OWIN
//! cookie (its purposes are fixed); `carve` turns `.AspNet.*` cookies into `MachineKey.Protect`
//! items under those purposes, so `audit --batch` finds them too, and labels `.AspNetCore.*`
//! cookies (audited with `--key-ring`).
//!
//! # OAuth bearer and refresh tokens (Katana)
//!
//! ASP.NET 4.x Web API services issue OAuth 2.0 tokens with Katana's
//! `OAuthAuthorizationServerMiddleware` (the `/Token` endpoint of the Web API template):
//! the same Katana v3 ticket, `MachineKey.Protect` under `Microsoft.Owin.Security.OAuth`,
//! `Access_Token` (or `Refresh_Token`), `v1` (authorization codes: the middleware's full
//! name, `Authentication_Code`, `v1`), Base64url. [`oauth_token`] reads and issues the three
//! kinds with the expiry rules of the middleware that receives each; the tower layer accepts
//! access tokens in `Authorization: Bearer` (`AuthLayer::accept_bearer`); `machinekey ticket
//! decode --owin-oauth [access|refresh|code]` opens one pasted as the client sends it, and
//! `audit --owin-oauth KIND` finds its known `<machineKey>`. No token has been published
//! with its keys: the token as a whole is UNVERIFIED, its parts (the real Katana ticket, the
//! real `MachineKey.Protect`, Katana's purposes) are verified.
//!
//! # What is verified
//!
//! The one public OWIN cookie, a real ASP.NET 4.5 `.ASPXAUTH`, Core tickets real ASP.NET Core
//! 10 wrote (every claim field, byte for byte) and differential tests against it (tickets and
//! chunked cookies both ways), and HTTP-level tests of the layer; the Interop layout is
//! proved against its source: [`exactness`](super::exactness#login-cookies).
//!
//! [`auth_ticket`]: crate::formats::auth_ticket
//! [`auth_cookie`]: crate::formats::auth_cookie
//! [`LoginCookie`]: crate::formats::auth_cookie::LoginCookie
//! [`oauth_token`]: crate::formats::oauth_token
