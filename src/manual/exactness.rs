//! What is checked against real ASP.NET output, how, and the list of what is UNVERIFIED.
//!
//! The rule: every format has tests on real vectors, each with a bit-flip or mutation
//! negative; random-IV outputs are checked by decrypting, deterministic ones byte for byte.
//! Where no real vector exists, the layout is rebuilt independently and the behaviour is listed
//! under [What is UNVERIFIED](#what-is-unverified).
//!
//! # Real ASP.NET output
//!
//! Every public vector of real ASP.NET output in `tests/data/` (copied from the project's shared
//! vectors, each with its source repository, path and commit) passes at the crypto level:
//!
//! - 38 legacy ViewStates: every validation (MD5, SHA1, HMACSHA256/384/512, AES and 3DES as
//!   validation) × none/DES/3DES/AES-192/AES-256, with and without ViewStateUserKey. MAC-only
//!   ones are re-signed byte for byte.
//! - 9 Framework45 ViewStates, with the derived keys checked byte for byte.
//! - 6 `WebResource.axd`/`ScriptResource.axd` tokens, legacy and Framework45, re-encrypted
//!   byte for byte (their IVs are deterministic).
//! - 7 forms tickets (Framework20SP2 and Framework45) down to the ticket bytes, and the
//!   `MachineKey.Protect` OWIN cookie.
//! - Each vector has bit-flip negatives; the negative and edge cases (tampered ViewState,
//!   missing or wrong ViewStateUserKey, MAC-disabled ViewStates, a reported false positive) are
//!   rejected by every key and mode.
//!
//! # Through the formats layer
//!
//! The same vectors pass again through the formats layer from what a user holds (field or
//! cookie text, keys, and the page URL or generator), with the modifiers and purposes derived
//! rather than given: ViewStates from their URLs (including a sub-application page and a
//! `ViewStateUserKey`), resource tokens re-created from their strings byte for byte, forms
//! tickets down to their fields. The MAC-disabled ViewStates are recognised as bare
//! `ObjectStateFormatter` graphs.
//!
//! # Keys
//!
//! Keys: the 9 `__VIEWSTATEGENERATOR` vectors reproduce from their path hashes, the IsolateApps
//! example `/test233` turns key bytes `220FFF8A` into `3B59C799`, the worked hashes of
//! `CompareInfo.GetHashCodeOfString` and the Framework45 AutoGenerate values computed from
//! `MachineKeyMasterKeyProvider` match, and legacy slicing and isolation
//! are checked for every validation × decryption pair.
//!
//! # Layouts no public vector covers
//!
//! Byte layouts that no public vector covers (the pre-MS10-070 formats, `MachineKey.Encode`, the
//! 2.0 MD5 MAC, the hash-chain prefix) are rebuilt independently from the raw primitives with
//! pinned randomness in `tests/layouts.rs`. The KDF is checked against the `kbkdf` crate.
//!
//! # Data Protection
//!
//! All 62 vectors of the shared Data Protection set pass at their own level: the six
//! SP800-108 known answers of ASP.NET's tests, the context headers of Microsoft's docs and
//! source (plus five computed ones), the three `Encrypt_KnownKey` outputs (managed CBC, CNG CBC,
//! CNG GCM) byte for byte, the AAD template test, payload headers of real ASP.NET output, the
//! docs' sample key file, the revocation tests and the 15 `DefaultKeyResolver` cases, each with
//! a bit-flip or mutated-input negative (`tests/data_protection.rs`). The 15 end-to-end vectors
//! are computed here from the documented algorithm: regression data, reproduced byte for byte
//! including a SystemWeb ViewState and `MachineKey.Protect` made through `AppKeys`.
//!
//! Real ASP.NET Core 10 (.NET 10.0.12) output opens too (`tests/aspnetcore_real.rs`, vectors
//! in `tests/data/aspnetcore_real.json` with the .NET calls that made them): payloads under
//! real key rings (default algorithms and AES-256-GCM, sub-purposes, empty and Unicode
//! plaintexts, a time-limited one with its expiry), cookie tickets with every claim field
//! written back byte for byte, an Identity token from its Base64 and its link, Blazor's
//! markers, and what a Kestrel app sent for a login, antiforgery, session and TempData, each
//! with a bit-flip or wrong-purpose negative. A ring written with `ProtectKeysWithCertificate`
//! opens with its PFX (`tests/certificate_ring.rs`).
//!
//! The differential tests (`checks/tests/dotnet_oracle.rs`) run real ASP.NET Core 10
//! (`../shared/tools/dotnet-oracle`, or the program `MACHINEKEY_DOTNET_ORACLE` names; without
//! it each test prints one line and passes) against the crate, 200 random cases a property in
//! both directions, about ten seconds in all: protect here and unprotect there and the reverse
//! under all nine algorithms (CBC 128/192/256 with HMACSHA256/512, GCM 128/192/256), under key
//! files either side wrote; keys and revocations written by either side read by the other, and
//! the default key both choose; time-limited payloads to the tick; rings encrypted to a
//! certificate made by `openssl` at test time; tickets and `state` properties byte for byte;
//! chunked `Set-Cookie` headers and their joining; SP800-108 and the Framework45 derivation;
//! the NRBF reader's classes; and every consumer chain the audit knows, named from a value
//! .NET protected. An oracle that answers wrongly (a wrapper flipping one byte of each answer)
//! fails all ten tests.
//!
//! Where the source reading and the real output disagreed, the output won, each with a
//! regression test: .NET 10 protects with the most recently activated key
//! (`ResolverVersion::AspNetCore10`, the default), not the propagation-aware order of
//! `DefaultKeyResolver.cs` (`ResolverVersion::Current` keeps it), and its equal-activation
//! tie-break by GUID fields as unsigned numbers is confirmed; the TempData purpose is
//! `Microsoft.AspNetCore.Mvc.CookieTempDataProviderToken.v1`; the session cookie is standard
//! Base64 without padding, percent-encoded as sent; `Set-Cookie` values are escaped with
//! `Uri.EscapeDataString`, request cookies unescaped, an empty value never chunked nor read.
//!
//! UNVERIFIED for Data Protection: the `HttpRuntime.AppDomainAppId` format
//! (`/LM/W3SVC/<site id>/ROOT/<app>`); ASP.NET Core 7+'s content-root discriminator
//! normalisation (trimmed, one trailing separator; the real runs name their applications); the
//! default key of versions before 10 (`ResolverVersion::V2` reads the 2.x source); the .NET
//! `DataProtector` base class adding nothing to the plaintext when
//! `PrependHashedPurposeToPlaintext` is false; the generic OAuth handler's assembly versions
//! before 10 (the purpose names them; only 10.0.0.0 is seen in a real run); the simulator's
//! start-up order (processes start one after another, so the first to find no key creates it
//! and the others read it; ASP.NET's two-minute refresh after start-up covers the race this
//! hides).
//!
//! # Login cookies
//!
//! What is verified against real output: the one public OWIN cookie with its keys (the
//! Blacklist3r README's `.AspNet.ApplicationCookie`) verifies and decrypts under the OWIN
//! purposes to its GZip ticket, byte for byte; as published its ticket was edited by hand (a
//! 7-byte length before 22 bytes), and the reader refuses it as .NET would, which `ticket
//! decode` explains; with the length repaired it reads to its claims and dates and writes back
//! byte for byte; carve plus audit find its key in the built-in list; a real ASP.NET 4.5
//! `.ASPXAUTH` opens through the layer. Core v5 tickets real ASP.NET Core 10 protected open with
//! every claim field and write back byte for byte (`tests/aspnetcore_real.rs`), and random
//! tickets (Unicode, issuers, value types, claim properties, actors, bootstrap contexts, many
//! items) serialize to .NET's exact bytes and open in each direction
//! (`checks/tests/dotnet_oracle.rs`); the Interop layout (Core's, one identity,
//! `AspNetTicketSerializer`) is proved against its source only. Core's chunked `Set-Cookie`
//! headers equal `ChunkingCookieManager`'s for random sizes and options. Also UNVERIFIED:
//! Katana's own `Set-Cookie` spelling when chunking (it may place a chunk boundary a few
//! characters elsewhere, which does not change what is read), and Katana's URL-escaping
//! of cookie names (the OWIN names in use need none). HTTP-level tests
//! (`machinekey-tower/tests/http.rs`) call the layer on loopback with hyper: each cookie kind
//! gives 200 and its user; tampered, expired, other-purpose, missing-chunk, over-long and
//! garbage cookies give 401; a renewal's `Set-Cookie` opens again in the library.
//!
//! # ViewState trees and gadgets
//!
//! All 46 real ViewState payloads in `tests/data/` read to trees that write back
//! byte for byte (and the MAC-only legacy fields read without keys with their MAC as the
//! trailer); each token, hand-built from the token table of `ObjectStateFormatter.cs`, reads to
//! the value it names; the string table wraps after 255 entries as the serializer's does; the
//! four ysoserial.net payloads (`tests/data/viewstate_gadgets.json`: `TypeConfuseDelegate`
//! twice, one with an HMACSHA256 trailer, `PSObject`, and `ClaimsPrincipal` carrying a nested
//! `TypeConfuseDelegate` with `ObjectDataProvider` XAML) are walked to their `MessageEnd` and
//! flagged, and lose the flag when one bit of the class name that gives them away is flipped.
//!
//! # What is UNVERIFIED
//!
//! Where neither ASP.NET's published source nor a real output settles a behaviour, the crate
//! follows the best reading and says so:
//!
//! - Legacy validation keys longer than the HMAC block (64 bytes; 128 for HMACSHA384/512) are
//!   refused: ASP.NET 4.x is expected to overrun its pad buffer.
//! - The hash of the legacy hash-chain prefix is picked by MAC size (MD5, SHA-1, SHA-256, ...); only the SHA-1 case is confirmed by vectors.
//! - The AES/3DES-validation double wrap is from source reading, and is
//!   reproduced on the whwlsfb vectors.
//! - `compatibilityMode` is parsed case-sensitively (`MachineKeySection`).
//! - Weak DES/TripleDES keys are refused as the .NET providers refuse them (standard .NET
//!   behaviour; not read in the ASP.NET source).
//! - String hashes are computed for ASCII letters, digits and printable symbols except `'` and
//!   `-`: other characters give a typed error naming the character and the
//!   PowerShell line that prints the value on Windows, and `AppIdentity` takes the value instead.
//! - The key store keeps `AutoGenKeyV4` in the clear (format 2) and treats a stored key as stale
//!   unless created strictly after the last framework install; a DPAPI-protected
//!   export (format 1) is refused. The 32- and 64-bit views share HKCU and the LSA secret.
//! - Framework45 AutoGenerate outside IIS hosting is not modelled: resolution
//!   always takes an explicit buffer.
//! - Session store data: the item-collection layout (count, null-key index, keys, end offsets,
//!   values) is from a reading of `SessionStateItemCollection.Serialize` that could not be
//!   re-checked here (the `AltSerialization` type ids were); the Deflate framing (Deflate then a
//!   `0xFF` pad byte) is UNVERIFIED; static objects are not supported. The keyed 2.0-era lookup
//!   key adds a `/` before an id without one, as 4.8 does (UNVERIFIED for 2.0).
//! - The simulator counts a session as lost when the serving worker does not read what the
//!   user's last request stored (a stale copy under that worker's key counts as lost).
//! - 88-byte buffers are accepted for old builds (64 validation + 24 decryption bytes); which
//!   2.0 builds used them is unknown.
//! - 2.0-build behaviour (20-byte MD5 MACs, SHA-1 chains, DES truncation only for 24-byte keys,
//!   `Auto` as DES-for-8-bytes) comes from a decompile, not source; `Auto` on 2.0 is assumed to
//!   match 4.x.
//!
//! - Page type names follow `MakeValidTypeNameFromString` (letters, digits and `_` kept,
//!   others `_`, lower-cased); `ToUpperInvariant` for purposes maps one character to one.
//! - The pre-2011 ticket layout (from the 1.x native source) is read strictly: trailing bytes
//!   are refused. Lone UTF-16 surrogates, which .NET tickets can carry, are refused too.
//!
//! - ObjectStateFormatter trees: the layout of a control's own state is what
//!   `StateBag.SaveViewState` and `WebControl.SaveViewState` write in the reference source
//!   (an `ArrayList` of keys and values; `Pair(state bag, attributes)`); controls may save
//!   anything, and the text form names a state bag only where the shape fits. `DateTime` values
//!   of kind `Local` are shown as stored (.NET converts them to the reading machine's zone).
//!   The reader refuses encodings .NET reads but never writes (over-long 7-bit integers,
//!   `02 00`, `05 00`, a type or interned string added twice), so every tree it returns writes
//!   back to its bytes; a hand-made stream of that kind is an error naming the offset.
//! - Gadget names come from the class records and strings ysoserial.net's generators write;
//!   a variant that renames or hides them (a type-name spoof other than the `DataSet` one) can
//!   go unnamed, and a legitimate page that stores, say, a `ClaimsIdentity` through
//!   `BinaryFormatter` is flagged too. `BinaryFormatter` method-call records (remoting) are
//!   refused, not read.
//!
//! Not supported: `alg:` custom algorithms (a typed error says so), and `dataProtectorType`
//! values other than the Data Protection package's `CompatibilityDataProtector` (their format is
//! their own; `config` says so). Data Protection's own UNVERIFIED points are listed under
//! [Data Protection](#data-protection) above, and the login cookies' (the Core and Interop
//! ticket layouts, the `Set-Cookie` spelling when chunking, Katana's escaping of cookie names)
//! under [Login cookies](#login-cookies).
//!
//! Configuration stacks: the order between a parent's `<location>` for a path and the
//! web.config at that path follows the documentation (the nearer file wins); locks are enforced
//! against later files only ([`configuration`](super::configuration)).
