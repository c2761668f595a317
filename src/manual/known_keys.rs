//! Which publicly known key protects a value: one field, a list of any size, a crawl.
//!
//! [`audit`] finds which publicly known key protects a ViewState, an EventValidation field, an
//! `.ASPXAUTH` cookie, a resource token or a `MachineKey.Protect` payload, and how: legacy MAC-only, legacy encrypted
//! (DES, 3DES, AES), the AES/3DES-as-validation wrap (named as such, not as "SHA1"),
//! Framework45 for every application level of a URL (3DES included), IsolateApps variants of
//! every key, and `ViewStateUserKey` candidates. A finding is reported only after a MAC
//! verified. The crate ships the 3,625 key pairs of Blacklist3r's list (MIT,
//! `src/audit/LICENSE-blacklist3r.txt`); other lists (the badsecrets list, files with SHA-256
//! lines of published key strings) are read from paths at run time.
//!
//! # A crawl: carve, then audit in batches
//!
//! Scanners audit a crawl, not one field. `machinekey carve` reads saved HTML pages, HAR exports
//! and raw HTTP responses and writes one JSON line per protected value (split ViewStates joined,
//! with their generator and page URL; EventValidation; `__PREVIOUSPAGE`; `WebResource.axd` /
//! `ScriptResource.axd` `d=` values; forms cookies; MVC anti-forgery tokens; every ASP.NET Core
//! Data Protection value, below), labelling what it does not audit (Telerik tokens, role
//! cookies). `machinekey audit --batch -` reads those lines and writes one result
//! per line, in order, as each is done; the MAC states each key needs are keyed once for the
//! whole batch ([`audit::batch`], [`audit::carve`]):
//!
//! ```sh
//! machinekey carve site.har | machinekey audit --batch - --keys more-keys.txt > findings.jsonl
//! machinekey carve - < CC-MAIN-...-00000.warc.gz | machinekey audit --batch - > findings.jsonl
//! ```
//!
//! On a terminal, `carve` and `audit --batch` show a progress bar (bytes read against the input's
//! size with an ETA when it is a file, blobs per second, candidate keys per second for the
//! audit); piped, they print nothing on standard error.
//!
//! ## WARC files
//!
//! `carve` also reads WARC and `.warc.gz` files, the format Common Crawl publishes
//! ([`audit::warc`]), streaming from a file or `-`: each `response` record's HTTP message is
//! carved with its `WARC-Target-URI` as the page URL, its `Set-Cookie` headers included and its
//! `chunked`, `gzip` or `deflate` encodings undone; each `request` record's too (its URL,
//! `Cookie` headers and posted form); other records are skipped unread. A
//! malformed record (not WARC, no `Content-Length`, a wrong length) is an error line
//! `{"error": {"code": "warc_record", "message", "offset"}, "source"}` and the run goes on at the
//! next record; a record over 16 MiB is carved from its first 16 MiB. Memory stays bounded
//! whatever the file size: `checks/warc/rss.py`, run by CI, streams a 2.2 GB WARC (one 2 GiB
//! record among 20,000 pages) through `carve -` and checks the peak RSS stays under 256 MiB
//! (measured: 202 MiB, about 3 s for the 2.2 GB in a debug build on the project's 2-core
//! machine) and that the page after the giant record is still carved. `tests/warc.rs` plants
//! known keys among decoys (ViewState, EventValidation, forms cookies, resource tokens; plain,
//! chunked and gzip bodies; `.warc` and `.warc.gz` with a GZip member per record) next to
//! truncated, oversized, garbage and header-less records: every planted key is found, no decoy
//! is.
//!
//! # ASP.NET Core: published Data Protection keys
//!
//! Data Protection master keys leak as `<machineKey>` keys did: key files committed next to
//! the code, SQL dumps and EF Core seeds of the `DataProtectionKeys` table, `IXmlRepository`
//! snippets with the key hard-coded, test fixtures. The crate ships 72 such keys
//! ([`audit::data_protection`]: key id, master key, where each was published, the kind of file,
//! the application names its repository sets; `src/audit/NOTICE-dataprotection-keys.txt`).
//! Every `CfDJ8…` value (and SystemWeb's `09F0C9F0…` tickets) names its key in its header, so
//! the key id is read from its first 27 characters and looked up: a value under an unknown key
//! costs that one look-up (over a million values a second on one core). Under a published key,
//! the MAC is tried under every known consumer's purposes (cookie authentication, antiforgery,
//! session, TempData, OpenID Connect state and nonce, OAuth state, bearer and Identity tokens,
//! Blazor's component descriptor and persisted state, the SystemWeb consumers) after each
//! discriminator candidate: the names given, the names the key's repository sets, `/app/` (the
//! content root of Microsoft's container images), and none. The finding names the key id,
//! where it was published, the discriminator, the consumer and what the key lets an attacker
//! do, and shows what the value holds: a login ticket's claims, OpenID Connect state, a Blazor
//! component's type, assembly, parameters and expiry, persisted component state.
//!
//! ```sh
//! machinekey audit 'CfDJ8PJTg7FyAV9CujOiiXrPYNv4i91RoLccVYky...'
//! machinekey audit --app-name Contoso.Portal --app-names names.txt --keys leaked.json VALUE
//! machinekey carve site.har | machinekey audit --batch - --app-name Contoso.Portal
//! ```
//!
//! `carve` finds every protected value of an ASP.NET Core page, each with a `hint` saying what
//! it is: antiforgery fields and cookies, the cookie middleware's cookies (chunked ones joined),
//! session and TempData cookies, OpenID Connect and OAuth `state` in URLs, `Location` headers
//! and posted forms, the nonce in the OpenID Connect nonce cookie's *name*, Blazor's
//! `<!--Blazor:{…"descriptor":"…"}-->` and `<!--Blazor-Server-Component-State:…-->` markers,
//! and any other `CfDJ8` text (bearer tokens in JSON, Identity tokens in links). `--keys` takes
//! lists in the built-in list's JSON format, key-ring directories, key files and `.reg`
//! exports as well as `<machineKey>` lists; `--key-ring` adds an application's own ring. The
//! decoder page (`machinekey ui`) opens a pasted value or a whole pasted page the same way.
//!
//! # One value, a list of any size
//!
//! `machinekey audit --keys list.txt VALUE` reads each list a block (about 1 MiB of text) at a
//! time and audits the value's readings against each block before reading the next
//! ([`audit::KeyList::scan`]): a 200,000-pair list takes 9 MB of memory, and a list of any size
//! the memory of one block. In code, [`KeyList::scan`] gives the blocks;
//! [`KeyList::load_file`]/`load_reader` read a whole list into one deduplicated `KeyList` (for
//! many blobs: [`Auditor::audit_many`] audits a group of blobs in one pass over the keys, each key's
//! pad states keyed once for the group).
//!
//! # Spark, and the figures
//!
//! When one machine is not enough, the audit runs on Apache Spark: [`spark`](super::spark),
//! with what a crawl of 100 million pages costs. The audit's timings, set against the floor of
//! the hash compressions it must perform and against badsecrets, are in
//! [`performance`](super::performance#the-known-key-audit-against-its-floor). The bounds on
//! what the audit reads (key lists, batch lines, WARC records) are in
//! [`untrusted_input`](super::untrusted_input); the command line's conventions (value
//! encodings, key fingerprints, `--show-keys`, exit codes) are in
//! [`command_line`](super::command_line).
//!
// Items behind a feature: linked in place when it is on (docs.rs builds every feature),
// to their docs.rs pages when it is off, so the links resolve either way.
#![cfg_attr(
    feature = "audit",
    doc = "
[`audit`]: crate::audit
[`audit::batch`]: crate::audit::batch
[`audit::carve`]: crate::audit::carve
[`audit::warc`]: crate::audit::warc
[`audit::KeyList::scan`]: crate::audit::KeyList::scan
[`KeyList::scan`]: crate::audit::KeyList::scan
[`KeyList::load_file`]: crate::audit::KeyList::load_file
[`Auditor::audit_many`]: crate::audit::Auditor::audit_many
[`audit::data_protection`]: crate::audit::data_protection"
)]
#![cfg_attr(
    not(feature = "audit"),
    doc = "
[`audit`]: https://docs.rs/machinekey/latest/machinekey/audit/index.html
[`audit::batch`]: https://docs.rs/machinekey/latest/machinekey/audit/batch/index.html
[`audit::carve`]: https://docs.rs/machinekey/latest/machinekey/audit/carve/index.html
[`audit::warc`]: https://docs.rs/machinekey/latest/machinekey/audit/warc/index.html
[`audit::KeyList::scan`]: https://docs.rs/machinekey/latest/machinekey/audit/struct.KeyList.html#method.scan
[`KeyList::scan`]: https://docs.rs/machinekey/latest/machinekey/audit/struct.KeyList.html#method.scan
[`KeyList::load_file`]: https://docs.rs/machinekey/latest/machinekey/audit/struct.KeyList.html#method.load_file
[`Auditor::audit_many`]: https://docs.rs/machinekey/latest/machinekey/audit/struct.Auditor.html#method.audit_many
[`audit::data_protection`]: https://docs.rs/machinekey/latest/machinekey/audit/data_protection/index.html"
)]
