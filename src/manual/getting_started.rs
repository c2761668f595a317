//! Getting started: the full example, where to start for each kind of input, and the crate
//! layer by layer.
//!
//! # The example, with a forms cookie
//!
//! Start from the configuration and an [`AppKeys`]: one application's keys, which pick the
//! stack and purposes for each format exactly as ASP.NET does. This is the front page's
//! example with an `.ASPXAUTH` forms-authentication cookie added.
//!
//! ```rust
//! use machinekey::time::{Duration, OffsetDateTime};
//! use machinekey::{AppKeys, CookieProtection, FormsAuthenticationTicket, MachineKeyConfig, Page, TicketValidation};
//!
//! // A web.config with a publicly leaked key (never use it): HMACSHA512 + AES, .NET 4.5.
//! let cfg = MachineKeyConfig::from_web_config(r#"<configuration><system.web>
//!   <httpRuntime targetFramework="4.5" />
//!   <machineKey validation="HMACSHA512" decryption="AES"
//!     validationKey="F5144F1A581A57BA3B60311AF7562A855998F7DD203CD8A71405599B980D8694B5C986C888BE4FC0E6571C2CE600D58CE82B8FA13106B17D77EA4CECDDBBEC1B"
//!     decryptionKey="B47D3CD1E780CF30C739A080995B9B10B64354AA135A2D78" />
//! </system.web></configuration>"#)?;
//! let keys = AppKeys::explicit(&cfg)?;
//!
//! // A __VIEWSTATE captured from http://172.16.25.128/form.aspx: the URL gives its purposes.
//! let page = Page::from_path("http://172.16.25.128/form.aspx", "/")?;
//! let state = keys.decode_viewstate("eljkFjgquXvKTwyz1wKBc7YUhgWuFCwrYNoNIoY/XudiY7i8/ejpHFaLMbHcXr8JRuwoFVHfWHlXo3LXIHLWazicVbeAxOb4l3utHSCjBzO920I2LOLJ/5fnBJkpdnT6nJTTfyx55aa1Dt//GpQeEA==", &page)?;
//! assert_eq!(&state[..2], b"\xff\x01"); // an ObjectStateFormatter graph
//!
//! // An .ASPXAUTH cookie, issued and read back (expiry checked against the system clock).
//! let ticket = FormsAuthenticationTicket::new("alice", OffsetDateTime::now_utc(), Duration::minutes(30));
//! let cookie = keys.encrypt_ticket(&ticket, CookieProtection::All)?;
//! let read = keys.decrypt_ticket(&cookie, CookieProtection::All, &TicketValidation::default())?;
//! assert_eq!(read.name, "alice");
//!
//! // MachineKey.Protect / Unprotect.
//! let blob = keys.protect(b"session token", &["Sessions"])?;
//! assert_eq!(keys.unprotect(&blob, &["Sessions"])?, b"session token");
//! # Ok::<(), machinekey::Error>(())
//! ```
//!
//! More examples, one per format, run from a checkout: `cargo run --example quickstart`
//! (the crypto on real ViewStates), `viewstate`, `forms_ticket`, `resource_url`, `cookies`,
//! and `autogen_keys` (three workers of one custom identity share keys, lose them after a
//! .NET update resets the key-store permissions, and share them again after
//! `aspnet_regiis -ga`). The main example, `web_garden`, is the subject of [`farms`].
//!
//! # Where to start, by task
//!
//! | you have | start at |
//! |---|---|
//! | a web.config, attribute values or nothing (generate keys) | [`MachineKeyConfig`], [`keys::generate`] |
//! | an application path, AutoGenerate key material (`.reg` export) | [`AppIdentity`], [`AutoGenKeys`], [`AppKeys::resolve`] |
//! | a ViewState, EventValidation, forms cookie, `.axd` token, role cookie | [`AppKeys`] + [`Page`], then the [`formats`] modules |
//! | raw bytes, a modifier or a purpose of your own | the layer below: [`LegacyProtector`], [`Framework45Protector`] |
//! | a blob and a list of leaked keys | [`audit`] (feature `audit`); [`known_keys`] |
//! | "will my workers and servers share state?" | [`sim`] (feature `sim`), [`compat`]; [`farms`] |
//! | a Rust service that must accept or issue an ASP.NET login (forms, OWIN, Core cookies) | [`formats::auth_cookie`], the `machinekey-tower` crate; [`login_cookies`] |
//! | the bytes behind a ViewState's MAC (what the page trusts to the client; a captured payload) | [`formats::osf`], [`formats::nrbf::gadgets`], `machinekey ui`; [`inside_viewstate`] |
//! | the background: why two stacks, why one opaque error | [`background`] |
//!
//! # The crate, layer by layer
//!
//! | layer | module | what |
//! |---|---|---|
//! | config | [`config`] | `MachineKeyConfig` from a whole web.config, a `<machineKey>` element or attribute values; validated with ASP.NET's ordinal names, both key parsers (legacy `RuntimeDataInitialize` with its hex-table quirk, Framework45 `GenerateCryptographicKey`), the effective compatibility mode (`<httpRuntime targetFramework>`), the `aspnet:*` appSettings, 2.0 vs 4.x rules; typed errors naming the attribute and ASP.NET's error (`Invalid_validation_key`, `Bad_machine_key`, ...); written back as XML; [`config::lint`]: typed findings (AutoGenerate or publicly known keys, legacy algorithms, unsigned encryption) with a code and a severity |
//! | config | [`config::stack`] | the configuration hierarchy (machine.config, root web.config, site, folders, applications, `<location>`, locks, `allowDefinition`) resolved per application with the origin of every value; `<forms>` and `<pages>` settings ([`configuration`]) |
//! | keys | [`keys`] | `ValidationKey`/`DecryptionKey`/`AutoGenKeys` secrets (zeroized, redacted, constant-time equality); the .NET string hashes (`InvariantCultureIgnoreCase` over Windows sort keys, the frozen 32-bit `String.GetHashCode`); `AppIdentity`; resolution of a config for an application: explicit hex or the AutoGenerate buffer, legacy slices and the IsolateApps/IsolateByAppId overwrite, Framework45 slices and the `MachineKeyDerivation` pass; the key-store model (LSA secret, HKCU, HKLM `AutoGenKeys\<SID>` per registry view, installs with and without the ACL bug, `aspnet_regiis -ga`, silent per-process fallback, saved as JSON); `.reg` and hex import of `AutoGenKeyV4`; `generate` for a fresh `<machineKey>` |
//! | formats | [`formats`] | `AppKeys` (one application's keys for both stacks, dispatching by mode exactly as ASP.NET does); `Page` (from a request path and application path: `TemplateSourceDirectory`, type name, `__VIEWSTATEGENERATOR`, legacy modifier, Framework45 purposes, `ViewStateUserKey`); `__VIEWSTATE` and `__EVENTVALIDATION` decode/encode in both stacks, split fields, MAC-disabled detection; forms tickets (v1 serializer with all its checks, the pre-2011 layout, `All`/`Validation`/`Encryption`/`None`, hex and `UrlToken`, .NET ticks, expiry policy with an injected clock); `WebResource`/`ScriptResource`/`__PREVIOUSPAGE` strings; role and anonymous-id cookies; `MachineKey.Protect`/`Encode` |
//! | formats | [`formats::osf`], [`formats::nrbf`] | `ObjectStateFormatter` as a typed tree, read and written byte for byte, the page persister's layout named, rendered as text or JSON; `BinaryFormatter` streams walked record by record without deserializing, and the ysoserial.net gadget families named ([`inside_viewstate`]) |
//! | formats | [`formats::auth_ticket`], [`formats::auth_cookie`] | OWIN/Katana (v3, GZip) and ASP.NET Core (v5, Interop) tickets read and written byte for byte; the OWIN, Core, Interop and forms login cookies behind one trait, with chunking, expiry and sliding renewal; the tower/axum layer is the workspace crate `machinekey-tower` ([`login_cookies`]) |
//! | ui | `machinekey ui` (the `machinekey-cli` crate) | the local decoder page (`machinekey ui`): tree, MAC verdict, known key, ticket, compare matrix, on 127.0.0.1 only ([`command_line`]) |
//! | formats | [`formats::session`] | session state: the State Service lookup key of both eras (validation-key MAC on 2.0-era builds, unkeyed SHA-256 on 4.8), `HttpUtility.UrlEncode`, `SerializeStoreData` for the common item types (others kept opaque), optional Deflate; and a clearly labelled *protected session blob* that is **not** an ASP.NET format: ASP.NET never MACs or encrypts session data |
//! | sim | [`sim`] | servers (era, registry view) with their key stores, application pools of worker processes resolving keys at start-up, a round-robin or seeded-random balancer, a shared State Service, web farms; events (framework install with and without the ACL bug, `aspnet_regiis -ga`, recycle, crash, config change); traffic of sessions, forms logins, ViewState post-backs and `MachineKey.Protect` payloads checked with the real formats; per-kind reports with reasons, and a diagnosis of whether two workers' data is interchangeable; deterministic for a seed; `sim::scenarios`: the web-garden story (before, after the installer, both fixes) as one call ([`farms`]) |
//! | compat | [`compat`] | whether what one node (worker, server) protects another reads, for 8 kinds of state, proved with the real formats, with the reasons ([`farms`]) |
//! | dataprotection | [`dataprotection`] | ASP.NET Core Data Protection (`CfDJ8…`) and `<machineKey dataProtectorType>` on 4.x: payload envelope and AAD, SP800-108 subkeys, CBC + HMAC and AES-GCM encryptors with their context headers, key-ring XML from directories, files and `.reg` exports (revocations, keys encrypted at rest reported), the default-key rules (current and 2.x), protectors and purpose chains, ASP.NET's own consumers, the SystemWeb mapping, and where rings live ([`dataprotection::repository`]; [`data_protection`]) |
//! | audit | [`audit`] | which known key protects a ViewState, EventValidation, forms cookie, resource token or `MachineKey.Protect` payload: every legacy reading, Framework45 per application level of a URL (directory and extensionless URLs included), IsolateApps variants, `ViewStateUserKey` candidates; the built-in Blacklist3r list (MIT) plus user lists with SHA-256 key-string lines; 5.3 M candidates per second per core for a legacy ViewState ([`known_keys`]; the figures and their history in [`performance`]) |
//! | crypto | [`crypto::legacy`] | the legacy MAC (HMAC-SHA1/256/384/512, both MD5 quirks), sign/verify with modifiers, the AES/3DES-validation wrap, encrypt/decrypt with the key-sized prefix (random, hash chain, none), the SP1/SP2 create-prefix rule, `aspnet:UseLegacyEncryption`, `MachineKey.Encode`/`Decode` |
//! | crypto | [`crypto::framework45`] | `Purpose`, SP800-108 (HMAC-SHA512), protect/unprotect with random or cacheable IVs for DES/3DES/AES × HMACSHA1/256/384/512, `MachineKey.Protect`/`Unprotect` with ASP.NET's argument checks; per-purpose keys cached |
//! | crypto | [`crypto::encoding`] | upper-case hex, Base64, `UrlToken` |
//! | (all) | [`random`] | the randomness seam: IVs, prefixes, keys and buffers draw from a `RandomSource` |
//!
//! [`AppKeys`]: crate::AppKeys
//! [`AppKeys::resolve`]: crate::AppKeys::resolve
//! [`AppIdentity`]: crate::AppIdentity
//! [`AutoGenKeys`]: crate::AutoGenKeys
//! [`MachineKeyConfig`]: crate::MachineKeyConfig
//! [`Page`]: crate::Page
//! [`LegacyProtector`]: crate::crypto::legacy::LegacyProtector
//! [`Framework45Protector`]: crate::crypto::framework45::Framework45Protector
//! [`keys::generate`]: crate::keys::generate
//! [`keys`]: crate::keys
//! [`config`]: crate::config
//! [`config::lint`]: crate::config::lint
//! [`config::stack`]: crate::config::stack
//! [`formats`]: crate::formats
//! [`formats::osf`]: crate::formats::osf
//! [`formats::nrbf`]: crate::formats::nrbf
//! [`formats::nrbf::gadgets`]: crate::formats::nrbf::gadgets
//! [`formats::auth_ticket`]: crate::formats::auth_ticket
//! [`formats::auth_cookie`]: crate::formats::auth_cookie
//! [`formats::session`]: crate::formats::session
//! [`compat`]: crate::compat
//! [`dataprotection`]: crate::dataprotection
//! [`dataprotection::repository`]: crate::dataprotection::repository
//! [`crypto::legacy`]: crate::crypto::legacy
//! [`crypto::framework45`]: crate::crypto::framework45
//! [`crypto::encoding`]: crate::crypto::encoding
//! [`random`]: crate::random
//! [`farms`]: super::farms
//! [`known_keys`]: super::known_keys
//! [`login_cookies`]: super::login_cookies
//! [`inside_viewstate`]: super::inside_viewstate
//! [`background`]: super::background
//! [`configuration`]: super::configuration
//! [`command_line`]: super::command_line
//! [`data_protection`]: super::data_protection
//! [`performance`]: super::performance
//!
// Items behind a feature: linked in place when it is on (docs.rs builds every feature),
// to their docs.rs pages when it is off, so the links resolve either way.
#![cfg_attr(
    feature = "audit",
    doc = "
[`audit`]: crate::audit"
)]
#![cfg_attr(
    not(feature = "audit"),
    doc = "
[`audit`]: https://docs.rs/machinekey/latest/machinekey/audit/index.html"
)]
#![cfg_attr(
    feature = "sim",
    doc = "
[`sim`]: crate::sim"
)]
#![cfg_attr(
    not(feature = "sim"),
    doc = "
[`sim`]: https://docs.rs/machinekey/latest/machinekey/sim/index.html"
)]
