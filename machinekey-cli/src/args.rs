//! The command line: every command, option and what each input accepts.

use clap::{Args, Parser, Subcommand, ValueEnum};

/// What a protected VALUE argument accepts (shown in `--help`).
const VALUE_HELP: &str = "The protected value: hex, Base64, Base64url or ASP.NET UrlToken, \
percent-encoded or not (as copied from a URL or a POST body); `-` reads it from standard \
input, `@FILE` from a file";

/// What a hex payload option accepts.
const PAYLOAD_HELP: &str =
    "The payload as hex; `-` reads the hex from standard input, `@FILE` from a file";

/// ASP.NET <machineKey> cryptography: generate, inspect, protect, verify, audit, simulate.
///
/// Exit codes: 0 success; 1 a value does not validate, a ticket has expired, no key is
/// found, or (`config --strict`) there is a warning; 2 usage, configuration or input errors.
/// With --json, errors are JSON on standard output too: {"error": {"code", "message"}}.
#[derive(Parser)]
#[command(name = "machinekey", version, about, long_about)]
pub(crate) struct Cli {
    /// Print JSON instead of text (errors included).
    #[arg(long, global = true)]
    pub(crate) json: bool,
    /// A certificate with its private key (PFX / PKCS#12) that opens Data Protection keys
    /// encrypted at rest with ProtectKeysWithCertificate. Repeatable.
    #[arg(long = "certificate", value_name = "PFX", global = true)]
    pub(crate) certificates: Vec<String>,
    /// The PFX files' password (`@FILE` reads it from a file, `-` from standard input).
    #[arg(long = "certificate-password", value_name = "P", global = true)]
    pub(crate) certificate_password: Option<String>,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The configuration levels above an application's web.config.
#[derive(Args, Clone)]
pub(crate) struct LevelArgs {
    /// machine.config (settings for every site of the server).
    #[arg(long, value_name = "FILE")]
    pub(crate) machine_config: Option<String>,
    /// The framework's root web.config (%windir%\Microsoft.NET\Framework64\v4.0.30319\Config\web.config).
    #[arg(long, value_name = "FILE")]
    pub(crate) root_web_config: Option<String>,
    /// The site's web.config (virtual path /), for an application below the site root.
    #[arg(long, value_name = "FILE")]
    pub(crate) site_web_config: Option<String>,
    /// The web.config of a folder (not an application) between the site and the
    /// application: VPATH=FILE, e.g. /shop=shop/web.config. Repeatable.
    #[arg(long = "folder-config", value_name = "VPATH=FILE")]
    pub(crate) folder_configs: Vec<String>,
    /// The web.config of another application between the site and this one: VPATH=FILE.
    /// Repeatable.
    #[arg(long = "parent-app-config", value_name = "VPATH=FILE")]
    pub(crate) parent_app_configs: Vec<String>,
    /// The IIS site name that machine-wide <location path> values start with.
    #[arg(long, default_value = "Default Web Site")]
    pub(crate) site_name: String,
}

/// What an IIS server's diagnosis reads besides its configuration file or bundle folder.
#[derive(Args, Clone, Default)]
pub(crate) struct IisArgs {
    /// A server path and the local folder holding its copy: FROM=TO, e.g.
    /// C:\inetpub=./copy/inetpub. Repeatable; a bundle maps files/<drive>/ itself.
    #[arg(long = "map", value_name = "FROM=TO")]
    pub(crate) maps: Vec<String>,
    /// The ACL of HKLM\SOFTWARE\Microsoft\ASP.NET\<version>\AutoGenKeys as
    /// (Get-Acl ...).Sddl prints it, or @FILE holding it. Repeatable.
    #[arg(long = "acl", value_name = "SDDL|@FILE", allow_hyphen_values = true)]
    pub(crate) acls: Vec<String>,
    /// A pool's specific user and its SID: ACCOUNT=SID, e.g. CORP\svc_shop=S-1-5-21-...
    /// (on the server: NTAccount.Translate). Repeatable.
    #[arg(long = "sid", value_name = "ACCOUNT=SID")]
    pub(crate) sids: Vec<String>,
    /// A registry export (reg export HKLM\SOFTWARE\Microsoft\ASP.NET) of the key stores.
    /// Repeatable.
    #[arg(long = "reg", value_name = "FILE")]
    pub(crate) regs: Vec<String>,
    /// An environment variable of the server that physical paths use: NAME=VALUE, e.g.
    /// IIS_SITES_HOME=C:\Users\dev\Documents\My Web Sites. Repeatable.
    #[arg(long = "env", value_name = "NAME=VALUE")]
    pub(crate) env: Vec<String>,
    /// The IIS version whose schema defaults apply: 7.0, 7.5, 8.0, 8.5 or 10.0 (default: the
    /// bundle's, else 10.0).
    #[arg(long, value_name = "VERSION")]
    pub(crate) iis_version: Option<String>,
    /// A machine.config to use for every framework instead of the copy's.
    #[arg(long = "machine-config", value_name = "FILE")]
    pub(crate) machine_config: Option<String>,
    /// A root web.config to use for every framework instead of the copy's.
    #[arg(long = "root-web-config", value_name = "FILE")]
    pub(crate) root_web_config: Option<String>,
}

/// Where the keys come from.
#[derive(Args, Clone)]
pub(crate) struct KeyArgs {
    /// The application's web.config (UTF-8 or UTF-16), whose <machineKey> (and
    /// targetFramework, appSettings) to use, merged with the levels above it.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["validation_key", "decryption_key"])]
    pub(crate) web_config: Option<String>,
    #[command(flatten)]
    pub(crate) levels: LevelArgs,
    /// The application virtual path (for IsolateApps and AutoGenerate).
    #[arg(long, default_value = "/")]
    pub(crate) app_path: String,
    /// The application id (default: /LM/W3SVC/1/ROOT + the app path).
    #[arg(long)]
    pub(crate) app_id: Option<String>,
    /// A .reg export of the identity's AutoGenKeyV4, for AutoGenerate keys.
    #[arg(long, value_name = "FILE")]
    pub(crate) autogen_reg: Option<String>,
    /// The validationKey (hex).
    #[arg(long)]
    pub(crate) validation_key: Option<String>,
    /// The decryptionKey (hex).
    #[arg(long)]
    pub(crate) decryption_key: Option<String>,
    /// The validation algorithm, e.g. HMACSHA256.
    #[arg(long)]
    pub(crate) validation: Option<String>,
    /// The decryption algorithm, e.g. AES.
    #[arg(long)]
    pub(crate) decryption: Option<String>,
    /// The compatibility mode.
    #[arg(long, value_enum)]
    pub(crate) mode: Option<ModeArg>,
    /// The framework build (2.0 or 4).
    #[arg(long, value_enum, default_value = "4")]
    pub(crate) framework: FrameworkArg,
    /// The Data Protection key ring (a directory of key files, a key file or a .reg
    /// export) of an application whose <machineKey> has dataProtectorType: ViewState,
    /// tickets and MachineKey.Protect then go through it.
    #[arg(long, value_name = "DIR")]
    pub(crate) key_ring: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum ModeArg {
    #[value(name = "framework20sp1")]
    Framework20Sp1,
    #[value(name = "framework20sp2")]
    Framework20Sp2,
    #[value(name = "framework45")]
    Framework45,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum FrameworkArg {
    #[value(name = "2.0")]
    V2,
    #[value(name = "4")]
    V4,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum EraArg {
    /// A 2.0-era server (System.Web 2.0).
    #[value(name = "2.0")]
    Net20,
    /// A 4.8 server.
    #[value(name = "4.8", alias = "4")]
    Net48,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum ProtectionArg {
    All,
    Encryption,
    Validation,
    None,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum ResourceArg {
    Web,
    Script,
    PreviousPage,
}

/// How a page is identified.
#[derive(Args, Clone)]
pub(crate) struct PageArgs {
    /// The __VIEWSTATEGENERATOR (hex), for legacy ViewState.
    #[arg(long, conflicts_with = "path")]
    pub(crate) generator: Option<String>,
    /// The page path or URL, e.g. /MyApp/default.aspx; a directory (/MyApp/) stands for its
    /// default.aspx, an extensionless path (/Login) for /Login.aspx and /Login/default.aspx.
    #[arg(long)]
    pub(crate) path: Option<String>,
    /// The ViewStateUserKey.
    #[arg(long)]
    pub(crate) user_key: Option<String>,
}

/// A payload to protect: hex (inline, `-` or `@FILE`) or a raw file.
#[derive(Args, Clone)]
#[group(required = true, multiple = false)]
pub(crate) struct PayloadArgs {
    #[arg(long = "payload-hex", visible_alias = "data-hex", value_name = "HEX", help = PAYLOAD_HELP)]
    pub(crate) hex: Option<String>,
    /// A file whose raw bytes are the payload (for large payloads).
    #[arg(long = "payload-file", value_name = "FILE")]
    pub(crate) file: Option<String>,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// A fresh <machineKey> element.
    Generate {
        #[arg(long, default_value = "HMACSHA256")]
        validation: String,
        #[arg(long, default_value = "AES")]
        decryption: String,
    },
    /// The effective settings of an application (its web.config merged with the levels
    /// above), with the origin (FILE:LINE) of each and the warnings.
    Config {
        /// The application's web.config.
        file: String,
        /// The application's virtual path.
        #[arg(long, default_value = "/")]
        app_path: String,
        #[command(flatten)]
        levels: LevelArgs,
        #[arg(long, value_enum, default_value = "4")]
        framework: FrameworkArg,
        /// More known-key lists (validationKey,decryptionKey lines).
        #[arg(long = "keys", value_name = "FILE")]
        keys: Vec<String>,
        /// Exit 1 when there is a warning (a known or AutoGenerate key, unsigned
        /// encryption), for CI jobs.
        #[arg(long)]
        strict: bool,
    },
    /// ViewState tools.
    Viewstate {
        #[command(subcommand)]
        command: PageStateCommand,
    },
    /// __EVENTVALIDATION tools (Framework45 protects it under its own purpose).
    Eventvalidation {
        #[command(subcommand)]
        command: PageStateCommand,
    },
    /// Forms-authentication tickets.
    Ticket {
        #[command(subcommand)]
        command: TicketCommand,
    },
    /// WebResource/ScriptResource d= values and __PREVIOUSPAGE.
    Resource {
        #[command(subcommand)]
        command: ResourceCommand,
    },
    /// MachineKey.Protect (prints hex).
    Protect {
        #[command(flatten)]
        keys: KeyArgs,
        #[arg(long = "purpose")]
        purposes: Vec<String>,
        #[command(flatten)]
        payload: PayloadArgs,
    },
    /// MachineKey.Unprotect (prints the data as hex).
    Unprotect {
        #[command(flatten)]
        keys: KeyArgs,
        #[arg(long = "purpose")]
        purposes: Vec<String>,
        #[arg(help = VALUE_HELP, allow_hyphen_values = true)]
        value: String,
    },
    /// MachineKey.Encode (prints upper-case hex).
    Encode {
        #[command(flatten)]
        keys: KeyArgs,
        #[arg(long, value_enum, default_value = "all")]
        protection: ProtectionArg,
        #[command(flatten)]
        payload: PayloadArgs,
    },
    /// MachineKey.Decode (prints the data as hex).
    Decode {
        #[command(flatten)]
        keys: KeyArgs,
        #[arg(long, value_enum, default_value = "all")]
        protection: ProtectionArg,
        #[arg(help = VALUE_HELP, allow_hyphen_values = true)]
        value: String,
    },
    /// Which known key protects a value (a ViewState unless --event-validation, --cookie,
    /// --resource or --protected). A Data Protection value (CfDJ8..., or a SystemWeb
    /// 09F0C9F0... ticket) is matched on the key id in its header against the published
    /// Data Protection keys (built in, --keys, --key-ring), then opened under every known
    /// consumer's purposes after each discriminator candidate (the --app-name values, the
    /// names the key's repository sets, /app/, none): the finding names the key id, where it
    /// was published, the discriminator, the consumer and what the key lets an attacker do.
    Audit {
        /// More candidate lists: <machineKey> lists (validationKey,decryptionKey lines;
        /// SHA-256 lines of key strings), or Data Protection keys (a list in the built-in
        /// list's JSON format, a key-ring directory, a key file or a .reg export).
        /// Repeatable.
        #[arg(long = "keys", value_name = "FILE")]
        keys: Vec<String>,
        /// The page's __VIEWSTATEGENERATOR (hex).
        #[arg(long)]
        generator: Option<String>,
        /// The page URL (gives the generator and Framework45 purposes of every
        /// application level).
        #[arg(long)]
        url: Option<String>,
        /// ViewStateUserKey candidates.
        #[arg(long = "user-key")]
        user_keys: Vec<String>,
        /// The value is an __EVENTVALIDATION.
        #[arg(long = "event-validation", conflicts_with_all = ["cookie", "resource", "protected"])]
        event_validation: bool,
        /// The value is a forms-authentication cookie.
        #[arg(long, conflicts_with_all = ["resource", "protected"])]
        cookie: bool,
        /// The value is a WebResource/ScriptResource d= value or __PREVIOUSPAGE.
        #[arg(long, conflicts_with = "protected")]
        resource: bool,
        /// The value is MachineKey.Protect output (give its --purpose values).
        #[arg(long)]
        protected: bool,
        #[arg(long = "purpose")]
        purposes: Vec<String>,
        /// The value is an OWIN cookie (.AspNet.TYPE, e.g. ApplicationCookie): MachineKey.Protect
        /// under the OWIN cookie middleware's purposes for that authentication type.
        #[arg(long = "owin-cookie", value_name = "TYPE", conflicts_with_all = ["cookie", "resource", "protected", "event_validation", "purposes"])]
        owin_cookie: Option<String>,
        /// The value is a Katana OAuth token of this kind (access, refresh or code):
        /// MachineKey.Protect under Microsoft.Owin.Security.OAuth's purposes for it.
        #[arg(long = "owin-oauth", value_name = "KIND", value_parser = ["access", "refresh", "code"], conflicts_with_all = ["cookie", "resource", "protected", "event_validation", "purposes", "owin_cookie"])]
        owin_oauth: Option<String>,
        /// Print the key pair found, not only its fingerprints and list line.
        #[arg(long)]
        show_keys: bool,
        /// Data Protection key rings (directory, key file or .reg export) whose keys a CfDJ8
        /// value (or a 09F0C9F0 SystemWeb ticket) is tried against, besides the published
        /// ones. Repeatable.
        #[arg(long = "key-ring", value_name = "DIR")]
        key_rings: Vec<String>,
        /// An application discriminator to try first on Data Protection values (the
        /// SetApplicationName value, a content root such as /srv/shop/, or a 4.x
        /// applicationName or app id). Repeatable.
        #[arg(long = "app-name", value_name = "NAME")]
        app_names: Vec<String>,
        /// A file of application discriminators, one a line (blank lines and # comments
        /// skipped).
        #[arg(long = "app-names", value_name = "FILE")]
        app_names_file: Option<String>,
        /// Audit JSON lines from FILE (`-` for standard input), one value each
        /// ({"viewstate"|"eventvalidation"|"cookie"|"resource"|"protected"|"data_protection":
        /// VALUE, "generator"?, "url"?, "user_keys"?, "purposes"?, "hint"?, "id"?}); writes
        /// one JSON line per input line, in order, as each is done. Data Protection values
        /// are audited against the published keys, --keys, --key-ring and --app-name.
        /// `machinekey carve` writes this input.
        #[arg(long, value_name = "FILE", conflicts_with_all = ["generator", "url", "user_keys", "event_validation", "cookie", "resource", "protected", "purposes", "owin_cookie", "owin_oauth"])]
        batch: Option<String>,
        #[arg(help = VALUE_HELP, required_unless_present = "batch", allow_hyphen_values = true)]
        value: Option<String>,
    },
    /// Point it at an IIS server: per application pool its identity, SID, workers, runtime,
    /// registry view, where its AutoGenerate keys live and whether the key store's ACL lets
    /// it use them; per application the effective <machineKey> with origins, isolation and
    /// session mode; and findings with the fix (web gardens on private keys, InProc sessions
    /// in a web garden, known keys, applications sharing keys, dataProtectorType without a
    /// repository). PATH is an applicationHost.config, a MetaBase.xml (IIS 6) or a bundle
    /// folder written by scripts/collect-iis.ps1.
    Iis {
        /// applicationHost.config, MetaBase.xml, or a bundle folder.
        #[arg(value_name = "PATH", required_unless_present = "bundle")]
        path: Option<String>,
        /// A bundle folder (the same as giving it as PATH).
        #[arg(long, value_name = "DIR", conflicts_with = "path")]
        bundle: Option<String>,
        #[command(flatten)]
        iis: IisArgs,
        /// More known-key lists (validationKey,decryptionKey lines).
        #[arg(long = "keys", value_name = "FILE")]
        keys: Vec<String>,
        /// Exit 1 when there is a warning or critical finding, for monitoring jobs.
        #[arg(long)]
        strict: bool,
    },
    /// Whether what one node (worker process or server) protects another reads, for every
    /// kind of state, proved with the real formats, and why not. Exit 0 when every pair
    /// reads every kind, 1 otherwise.
    ///
    /// A NODE is a web.config path, optionally followed by comma-separated options:
    /// name=NAME, app=/VPATH (application path, default /), id=APPID (default
    /// /LM/W3SVC/1/ROOT + app), framework=2.0|4 (default 4), reg=FILE (a .reg export of
    /// AutoGenKeyV4; without it AutoGenerate keys are the process's own), ring=DIR (the
    /// Data Protection key ring of a dataProtectorType application), machine=FILE,
    /// root=FILE, site=FILE (configuration levels above the web.config).
    /// Example: web1/web.config,app=/Shop,reg=web1.reg
    ///
    /// A NODE can also be an IIS server: a bundle folder, applicationHost.config or
    /// MetaBase.xml, with site=SITE (name or id, default the first) and app=/VPATH: its
    /// application as the server's own configuration, identity and key stores give it,
    /// named SERVER/SITE/APP. Example: bundles/web1,site=Shop,app=/
    Compare {
        /// Two or more nodes.
        #[arg(required = true, num_args = 2.., value_name = "NODE")]
        nodes: Vec<String>,
    },
    /// The protected values in saved HTML pages, HAR exports, WARC files and raw HTTP
    /// responses or requests, as the JSON lines `audit --batch -` reads: ViewState (split
    /// fields joined, with the generator and page URL), EventValidation, __PREVIOUSPAGE,
    /// WebResource/ScriptResource d= values, forms cookies and MVC anti-forgery tokens; and
    /// every ASP.NET Core Data Protection value ("data_protection", with a "hint"):
    /// antiforgery fields and cookies, login cookies (chunked ones joined), session and
    /// TempData cookies, OpenID Connect and OAuth state in URLs and Location headers, the
    /// nonce in the OpenID Connect nonce cookie's name, Blazor component descriptors and
    /// persisted state, and any other CfDJ8 text. Telerik tokens are labelled.
    Carve {
        /// Files to read (`-` for standard input).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<String>,
        /// The page URL of an HTML file or raw response (HAR entries carry their own).
        #[arg(long)]
        url: Option<String>,
        /// The forms-authentication cookie name (<forms name>).
        #[arg(long, default_value = ".ASPXAUTH")]
        forms_cookie_name: String,
    },
    /// ASP.NET failures read from Windows event logs (.evtx; wevtutil qe /f:xml or
    /// Get-WinEvent ToXml(); wevtutil qe /f:text or Event Viewer text; deja_view's -++-
    /// lines): a summary, a timeline that places installer runs and aspnet_regiis -ga
    /// against the failures, the diagnosis, and every logged ViewState (event 1316, code
    /// 4009) opened with the keys: which key, the tree, the gadgets and any Windows
    /// executable inside. With --json: one line per event, in the shape `audit --batch`
    /// reads.
    Events {
        /// Event logs to read.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<String>,
        /// More key lists (validationKey,decryptionKey lines; SHA-256 lines); the built-in
        /// list is always tried.
        #[arg(long = "keys", value_name = "FILE")]
        keys: Vec<String>,
        /// A web.config whose explicit <machineKey> is tried too.
        #[arg(long = "web-config", value_name = "FILE")]
        web_config: Option<String>,
        /// Draw the failures per worker process and server over time, with the installer
        /// and -ga runs marked, to this SVG file.
        #[arg(long, value_name = "FILE.svg")]
        plot: Option<String>,
        /// Write every executable found inside a ViewState to DIR, named by its SHA-256.
        #[arg(long, value_name = "DIR")]
        extract: Option<String>,
    },
    /// The local decoder page: serves http://127.0.0.1:PORT/ (loopback only, nothing
    /// logged, no external request) where ViewStates, cookies, CfDJ8 values and web.configs
    /// are pasted and looked inside. Prints the address, then serves until stopped.
    Ui {
        /// The port (0: any free port).
        #[arg(long, default_value_t = 8421)]
        port: u16,
    },
    /// Simulations: a scenario file of your own farm (--scenario FILE.toml; see
    /// examples/scenarios/), or the built-in web-garden story.
    #[command(args_conflicts_with_subcommands = true)]
    Simulate {
        /// A scenario file (TOML): servers, application pools, applications, balancer and a
        /// timeline of events. Prints a failure table per step with the top reasons.
        #[arg(long, value_name = "FILE")]
        scenario: Option<String>,
        /// An IIS server (applicationHost.config, MetaBase.xml or bundle folder, with the
        /// options of `machinekey iis`): the web garden of a pool (--pool, default the one
        /// with a web-garden finding) as found and after each fix.
        #[arg(long, value_name = "PATH", conflicts_with = "scenario")]
        iis: Option<String>,
        #[command(flatten)]
        iis_args: IisArgs,
        /// With --iis: the application pool.
        #[arg(long, value_name = "NAME", requires = "iis")]
        pool: Option<String>,
        /// With --iis: requests measured per run.
        #[arg(long, default_value_t = 3000, requires = "iis")]
        requests: usize,
        /// With --iis: the seed.
        #[arg(long, default_value_t = 2026, requires = "iis")]
        seed: u64,
        #[command(subcommand)]
        command: Option<SimulateCommand>,
    },
    /// ASP.NET Core Data Protection (CfDJ8 values; <machineKey dataProtectorType> in 4.x):
    /// unprotect, protect, list a key ring.
    Dataprotection {
        #[command(subcommand)]
        command: DataProtectionCommand,
    },
    /// Why ASP.NET Core replicas or containers lose each other's logins, antiforgery tokens
    /// and sessions: reads their logs as you hold them (console, JSON, Serilog, kubectl or
    /// docker output, text pasted into an issue; `-` for standard input), their key rings and
    /// values that failed, and names each finding with its evidence and fix. Verdict ids,
    /// stable in --json: rings-not-shared, discriminator-mismatch, keys-in-container,
    /// keys-under-working-directory, keys-in-user-profile, key-revoked, no-usable-key,
    /// session-store-not-shared, healthy. Exit 1 when something is wrong.
    Diagnose {
        /// A replica's log (repeatable). The file's name names the replica, unless its lines
        /// do (kubectl --prefix, docker compose, JSON fields).
        #[arg(long = "log", value_name = "FILE")]
        logs: Vec<String>,
        /// A key-ring directory, key file or .reg export (repeatable).
        #[arg(long = "key-ring", value_name = "DIR")]
        key_rings: Vec<String>,
        /// The name given to SetApplicationName, if any.
        #[arg(long, value_name = "NAME")]
        app_name: Option<String>,
        /// How many replicas serve the application.
        #[arg(long, value_name = "N")]
        replicas: Option<u32>,
        /// Where keys are persisted.
        #[arg(long, value_enum)]
        persistence: Option<PersistenceArg>,
        /// Where session data lives.
        #[arg(long, value_enum)]
        session_store: Option<SessionStoreArg>,
        /// A value that failed: a cookie (name=value), a Cookie: or Set-Cookie: header, an
        /// antiforgery token (repeatable; `-` or @FILE). Only its key id and name are used.
        #[arg(long = "value", value_name = "V", allow_hyphen_values = true)]
        values: Vec<String>,
    },
}

/// Where keys are persisted.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum PersistenceArg {
    /// One location every replica uses (a shared volume, Redis, a database, Azure Blob).
    Shared,
    /// A directory of each replica's own.
    PerReplica,
    /// No PersistKeysTo…: ASP.NET Core's default location.
    Default,
}

/// Where session data lives.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SessionStoreArg {
    /// AddDistributedMemoryCache: each process its own.
    Memory,
    /// A shared IDistributedCache (Redis, SQL Server).
    Shared,
}

/// Where a key ring and a purpose chain come from.
#[derive(Args, Clone)]
pub(crate) struct ChainArgs {
    /// The key ring: a directory of key files (key-*.xml), one key file, or a .reg export
    /// of the registry repository (...\AutoGenKeys\{SID}\DataProtection).
    #[arg(long, value_name = "DIR")]
    pub(crate) key_ring: String,
    /// The application discriminator, first in the chain: SetApplicationName's value, the
    /// content root path (ASP.NET Core), or <machineKey applicationName> / the app id
    /// (/LM/W3SVC/1/ROOT/App) on ASP.NET 4.x.
    #[arg(long, value_name = "NAME")]
    pub(crate) app_name: Option<String>,
    /// A purpose, in chain order after the discriminator. Repeatable.
    #[arg(long = "purpose", value_name = "P", required = true)]
    pub(crate) purposes: Vec<String>,
}

#[derive(Subcommand)]
pub(crate) enum DataProtectionCommand {
    /// Verify and decrypt a value (prints the plaintext as hex, and decodes what ASP.NET
    /// Core's own consumers put in it: tickets, antiforgery tokens, session keys, TempData,
    /// Identity tokens, OpenID Connect and OAuth state). The value may be Base64url,
    /// standard Base64 (padded or not) or percent-encoded as a cookie is sent.
    Unprotect {
        #[command(flatten)]
        chain: ChainArgs,
        /// Use a revoked key anyway (DangerousUnprotect).
        #[arg(long)]
        ignore_revocation: bool,
        /// A time-limited payload (ToTimeLimitedDataProtector): the time-limited purpose is
        /// appended to the chain (unless given last) and the expiry shown; an expired one is
        /// refused.
        #[arg(long)]
        time_limited: bool,
        /// Show an expired time-limited payload anyway.
        #[arg(long)]
        ignore_expiry: bool,
        #[arg(help = VALUE_HELP, allow_hyphen_values = true)]
        value: String,
    },
    /// Protect a payload with the ring's default key (prints CfDJ8 Base64url text).
    Protect {
        #[command(flatten)]
        chain: ChainArgs,
        #[command(flatten)]
        payload: PayloadArgs,
    },
    /// The keys of a ring: dates, algorithm, revoked, encrypted at rest, and the default
    /// key now.
    Keys {
        /// The key ring (directory, key file or .reg export).
        #[arg(long, value_name = "DIR")]
        key_ring: String,
        /// The time to resolve the default key at (RFC 3339; default: now).
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
    },
}

#[derive(Subcommand)]
pub(crate) enum PageStateCommand {
    /// The __VIEWSTATEGENERATOR of a page.
    Generator {
        #[arg(long)]
        path: String,
        #[arg(long, default_value = "/")]
        app_path: String,
    },
    /// The application paths under which a page has a given __VIEWSTATEGENERATOR (how to
    /// find the application path of a captured page).
    AppPath {
        #[arg(long)]
        path: String,
        #[arg(long)]
        generator: String,
    },
    /// Protect a payload as a page's hidden field.
    Encode {
        #[command(flatten)]
        keys: KeyArgs,
        #[command(flatten)]
        page: PageArgs,
        /// Encrypt (legacy ViewStateEncryptionMode; Framework45 always encrypts).
        #[arg(long)]
        encrypt: bool,
        #[command(flatten)]
        payload: PayloadArgs,
    },
    /// Verify (and decrypt) a hidden field; prints the payload as hex, or with --tree the
    /// ObjectStateFormatter tree (page layout, StateBags, BinaryFormatter payloads and
    /// their gadgets).
    Decode {
        #[command(flatten)]
        keys: KeyArgs,
        #[command(flatten)]
        page: PageArgs,
        /// Print the payload as a tree (with --json: the tree as JSON).
        #[arg(long)]
        tree: bool,
        #[arg(help = VALUE_HELP, allow_hyphen_values = true)]
        value: String,
    },
    /// Look inside a hidden field without keys: an unsigned one, or a legacy signed one
    /// (the MAC is shown, not verified). Encrypted and Framework45 fields need `decode`.
    Inspect {
        #[arg(help = VALUE_HELP, allow_hyphen_values = true)]
        value: String,
    },
}

#[derive(Subcommand)]
pub(crate) enum TicketCommand {
    /// Issue a ticket, as FormsAuthentication.SetAuthCookie does.
    Encrypt {
        #[command(flatten)]
        keys: KeyArgs,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        user_data: String,
        /// The lifetime (the <forms timeout>), in minutes.
        #[arg(long, default_value_t = 30)]
        minutes: u64,
        #[arg(long)]
        persistent: bool,
        /// The cookie path.
        #[arg(long, default_value = "/")]
        cookie_path: String,
        #[arg(long, value_enum, default_value = "all")]
        protection: ProtectionArg,
    },
    /// Open a ticket and print its fields (an expired ticket is shown as such; add
    /// --require-valid to fail on it).
    Decrypt {
        #[command(flatten)]
        keys: KeyArgs,
        #[arg(long, value_enum, default_value = "all")]
        protection: ProtectionArg,
        /// Exit 1 if the ticket has expired, as ASP.NET would refuse it.
        #[arg(long)]
        require_valid: bool,
        #[arg(help = VALUE_HELP, allow_hyphen_values = true)]
        value: String,
    },
    /// Open any ASP.NET login and print its claims, in one shape for every kind: .ASPXAUTH
    /// (forms) and the OWIN cookie with --web-config or key attributes, an ASP.NET Core /
    /// Interop cookie with --key-ring, both together when both are given (the <machineKey>
    /// for forms and OWIN, the ring for Core), or a Katana OAuth token (--owin-oauth).
    /// Paste a cookie as the browser sends it (`NAME=VALUE`, or `NAME=chunks-N; NAMEC1=...`
    /// for a chunked one; the name picks the OWIN type or Core scheme) or give the value.
    Decode {
        #[command(flatten)]
        keys: KeyArgs,
        /// The OWIN authentication type or Core scheme (default: try ApplicationCookie,
        /// Cookies, ExternalCookie for OWIN; Cookies and the Identity schemes for Core).
        #[arg(long)]
        scheme: Option<String>,
        /// The Core application's discriminator (SetApplicationName, or its content root).
        #[arg(long, value_name = "NAME")]
        app_name: Option<String>,
        /// The value is a Katana OAuth token (ASP.NET 4.x Web API's /Token endpoint) of this
        /// kind: access (the default; `Authorization: Bearer`), refresh or code. The value
        /// may be pasted as `Authorization: Bearer TOKEN`, `Bearer TOKEN` or
        /// `access_token=TOKEN`.
        #[arg(long = "owin-oauth", value_name = "KIND", num_args = 0..=1, default_missing_value = "access", value_parser = ["access", "refresh", "code"], conflicts_with_all = ["scheme", "app_name", "key_ring"])]
        owin_oauth: Option<String>,
        /// Exit 1 if the ticket has expired, as the site would refuse it.
        #[arg(long)]
        require_valid: bool,
        #[arg(help = VALUE_HELP, allow_hyphen_values = true)]
        value: String,
    },
    /// Issue a login cookie of any kind for a user, as the site's sign-in does: forms
    /// (.ASPXAUTH) and OWIN with the <machineKey> (--web-config or key attributes), Core
    /// and Interop with --key-ring (its default key now) and --app-name. Prints the
    /// Set-Cookie headers (chunked as the stack chunks).
    Encode(EncodeArgs),
    /// Issue the same ticket again now for the same lifetime (sliding expiration).
    Renew {
        #[command(flatten)]
        keys: KeyArgs,
        #[arg(long, value_enum, default_value = "all")]
        protection: ProtectionArg,
        /// Renew only once half the lifetime is gone (FormsAuthentication.RenewTicketIfOld).
        #[arg(long)]
        if_old: bool,
        #[arg(help = VALUE_HELP, allow_hyphen_values = true)]
        value: String,
    },
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub(crate) enum LoginKindArg {
    /// .ASPXAUTH (FormsAuthentication).
    Forms,
    /// The OWIN cookie (.AspNet.TYPE).
    Owin,
    /// The ASP.NET Core cookie (.AspNetCore.SCHEME).
    Core,
    /// The Interop cookie 4.x and Core share.
    Interop,
}

/// `ticket encode`'s arguments.
#[derive(Args)]
pub(crate) struct EncodeArgs {
    #[command(flatten)]
    pub(crate) keys: KeyArgs,
    /// The kind of cookie.
    #[arg(long, value_enum)]
    pub(crate) kind: LoginKindArg,
    /// The user's name.
    #[arg(long)]
    pub(crate) name: String,
    /// A role (repeatable): role claims, or for forms UserData joined with --roles-separator.
    #[arg(long = "role", value_name = "ROLE")]
    pub(crate) roles: Vec<String>,
    /// Another claim, TYPE=VALUE (repeatable; not for forms).
    #[arg(long = "claim", value_name = "TYPE=VALUE")]
    pub(crate) claims: Vec<String>,
    /// The OWIN authentication type or Core scheme (default ApplicationCookie for OWIN,
    /// Identity.Application for Core and Interop).
    #[arg(long)]
    pub(crate) scheme: Option<String>,
    /// The Core application's discriminator (SetApplicationName, or its content root).
    #[arg(long, value_name = "NAME")]
    pub(crate) app_name: Option<String>,
    /// The cookie name (forms: <forms name>; Interop: as the sites name it).
    #[arg(long)]
    pub(crate) cookie_name: Option<String>,
    /// The lifetime in minutes (default: 30 for forms, 14 days for the others).
    #[arg(long)]
    pub(crate) minutes: Option<u32>,
    /// A persistent cookie (with expires).
    #[arg(long)]
    pub(crate) persistent: bool,
    /// The cookie path (and the forms ticket's CookiePath).
    #[arg(long, default_value = "/")]
    pub(crate) cookie_path: String,
    /// Forms: UserData as given.
    #[arg(long)]
    pub(crate) user_data: Option<String>,
    /// Forms: the separator the site splits UserData into roles with.
    #[arg(long, default_value = ",")]
    pub(crate) roles_separator: char,
}

#[derive(Subcommand)]
pub(crate) enum ResourceCommand {
    /// Page.EncryptString.
    Encrypt {
        #[command(flatten)]
        keys: KeyArgs,
        #[arg(long, value_enum, default_value = "web")]
        kind: ResourceArg,
        /// The resource string, e.g. s|WebForms.js.
        text: String,
    },
    /// Page.DecryptString.
    Decrypt {
        #[command(flatten)]
        keys: KeyArgs,
        #[arg(long, value_enum, default_value = "web")]
        kind: ResourceArg,
        #[arg(help = VALUE_HELP, allow_hyphen_values = true)]
        token: String,
    },
}

#[derive(Subcommand)]
pub(crate) enum SimulateCommand {
    /// An ASP.NET Core deployment: replicas, where keys are persisted, their application
    /// names, the session store, and a restart or rolling deploy. Prints the failures per
    /// consumer (login cookie, antiforgery token, session cookie, session data) and why.
    Core {
        /// Replicas (1 to 64).
        #[arg(long, default_value_t = 2)]
        replicas: usize,
        /// Where keys are persisted.
        #[arg(long, value_enum, default_value = "default")]
        persistence: PersistenceArg,
        /// SetApplicationName; repeat to give the replicas different names, in order.
        #[arg(long = "app-name", value_name = "NAME")]
        app_names: Vec<String>,
        /// A replica's content root, the discriminator without a name; repeat per replica
        /// (default /app).
        #[arg(long = "content-root", value_name = "DIR")]
        content_roots: Vec<String>,
        /// Where session data lives.
        #[arg(long, value_enum, default_value = "memory")]
        session_store: SessionStoreArg,
        /// Servers rather than containers (DOTNET_RUNNING_IN_CONTAINER unset).
        #[arg(long)]
        no_container: bool,
        /// HOME names a directory that does not exist.
        #[arg(long)]
        home_missing: bool,
        /// Then restart every replica.
        #[arg(long)]
        restart: bool,
        /// Then replace the replicas one by one.
        #[arg(long)]
        rolling_deploy: bool,
        /// Requests measured per step.
        #[arg(long, default_value_t = 3000)]
        requests: usize,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
    /// A web garden before and after a .NET update resets the key-store permissions, and
    /// the two fixes (the main example's table, with the reasons).
    WebGarden {
        /// Worker processes in the pool (at least 1).
        #[arg(long, default_value_t = 3)]
        workers: usize,
        /// Requests measured per scenario.
        #[arg(long, default_value_t = 3000)]
        requests: usize,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// One server generation (default: both).
        #[arg(long, value_enum)]
        era: Option<EraArg>,
    },
}
