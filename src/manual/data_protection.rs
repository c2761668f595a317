//! ASP.NET Core Data Protection: the same failure, today.
//!
//! ASP.NET Core (cookies, antiforgery, session, TempData) and ASP.NET 4.5.1+ with the
//! `Microsoft.AspNetCore.DataProtection.SystemWeb` package (`<machineKey
//! dataProtectorType="…CompatibilityDataProtector…">`) protect with a *key ring*, not with
//! `<machineKey>`: values start `CfDJ8` (`09F0C9F0` in hex for 4.x forms tickets). Where the ring
//! lives is decided at start-up ([`select_repository`]): a configured
//! repository, Azure App Service's share, the user profile, then on IIS the registry key
//! `HKLM\SOFTWARE\Microsoft\ASP.NET\4.0.30319.0\AutoGenKeys\{SID}\DataProtection`, **only if
//! `AutoGenKeys\{SID}` already exists**: the same key and the same permission dependency as the
//! classic `AutoGenerate`. Otherwise every process keeps an in-memory ring, and every other
//! worker, container or server answers "The key {…} was not found in the key ring.": lost
//! logins, sessions and antiforgery tokens, 2 requests in 3 with three workers.
//!
//! ```rust
//! use machinekey::dataprotection::{KeyRing, consumers};
//! # let key = machinekey::dataprotection::Key::generate(time::OffsetDateTime::now_utc(), Default::default(), &machinekey::random::OsRandom)?;
//! # let dir = std::env::temp_dir().join(format!("manual-ring-{}", key.id()));
//! # std::fs::create_dir_all(&dir)?;
//! # std::fs::write(dir.join(format!("key-{}.xml", key.id())), key.to_xml())?;
//! let ring = KeyRing::load(&dir)?; // key-*.xml files, one key file, or a .reg export
//! let mut chain = vec!["/app/".to_owned()]; // the discriminator: content root or SetApplicationName
//! chain.extend(consumers::cookie_authentication("Identity.Application"));
//! let cookies = ring.protector(&chain)?;
//! let value = cookies.protect_text("ticket")?;
//! assert!(value.starts_with("CfDJ8"));
//! assert_eq!(cookies.unprotect_text(&value)?, "ticket");
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! For a 4.x application, attach its ring to its keys: [`AppKeys::with_key_ring`]`(ring, &app)`
//! routes ViewState, EventValidation, forms tickets, role and anonymous-id cookies and
//! `MachineKey.Protect` through the chain `[applicationName or AppDomainAppId, primary purpose,
//! specific purposes…]`, while `WebResource.axd`, `ScriptResource.axd` and `__PREVIOUSPAGE` stay on
//! the `<machineKey>` keys, as in ASP.NET. Every unprotect failure is one opaque error, except a
//! key the ring lacks (`Error::KeyNotFound` names its id, as ASP.NET's message does), a revoked key
//! (`Error::KeyRevoked`; `unprotect_detailed(.., RevokedKeys::Allow)` reads it anyway) and a key whose master
//! key is encrypted at rest (`Error::KeyUnavailable`: DPAPI, DPAPI-NG with its rule, or the
//! certificate).
//!
//! # From the command line
//!
//! ```sh
//! machinekey dataprotection keys --key-ring /root/.aspnet/DataProtection-Keys      # dates, algorithm, revoked, at rest, default key now
//! machinekey dataprotection unprotect --key-ring DIR --app-name /app/ --purpose SessionMiddleware VALUE
//! machinekey dataprotection protect --key-ring DIR --app-name Shop --purpose P --payload-hex 4142
//! machinekey audit --key-ring DIR [--app-name NAME] [--url PAGE] VALUE   # which key, which consumer's chain
//! machinekey viewstate decode --web-config web.config --key-ring DIR --path /Shop/ --app-path /Shop VALUE
//! machinekey compare 'web1/web.config,ring=web1-keys' 'web2/web.config,ring=web2-keys'
//! machinekey simulate --scenario examples/scenarios/data-protection-containers.toml
//! ```
//!
//! `machinekey config` warns when a `dataProtectorType` application configures no repository
//! (`aspnet:dataProtectionStartupType` empty), and `carve` labels `CfDJ8` values. Two scenarios
//! ship: `data-protection-containers.toml` (three ASP.NET Core containers with their own rings,
//! then a shared volume and one application name) and `data-protection-iis-registry.toml` (a
//! SystemWeb web garden under a custom identity without `AutoGenKeys\{SID}`, then
//! `aspnet_regiis -ga`):
//!
//! ```text
//! Three containers, each with its own key ring (ASP.NET Core)
//!
//! before any change                                  5985/9000    66% failed
//!     login cookie (Identity.Application)            1995/3000    66%
//!     antiforgery token                              1995/3000    66%
//!     session cookie                                 1995/3000    66%
//!     keys: /root/.aspnet/DataProtection-Keys inside container web-1 (deployment 0) <- web-1
//!     ...
//! fix: keys on a shared volume, one app name            0/9000     0% failed
//!     keys: /keys (shared) <- web-1, web-2, web-3
//! ```
//!
//! # What is verified, and how fast
//!
//! All 62 vectors of the shared Data Protection set pass at their own level; values real
//! ASP.NET Core 10 wrote open (payloads, tickets, antiforgery, session, TempData, an Identity
//! token, a ring encrypted to a certificate), and differential tests against real ASP.NET
//! Core 10 prove both directions on random inputs; where the source and the real output
//! disagreed (the default key, the TempData purpose, the session cookie's encoding) the
//! output won. The points still UNVERIFIED are listed in
//! [`exactness`](super::exactness#data-protection). A 600-byte cookie payload
//! unprotects in 1.34 µs (AES-256-CBC + HMACSHA256) or 0.99 µs (AES-256-GCM):
//! [`performance`](super::performance#data-protection).
//!
//! [`select_repository`]: crate::dataprotection::repository::select_repository
//! [`AppKeys::with_key_ring`]: crate::AppKeys::with_key_ring
