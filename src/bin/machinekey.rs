//! `machinekey`: a thin command-line shell over the library.
//!
//! Exit codes: 0 success, 1 "does not validate" or "not found", 2 usage or configuration
//! error (with a one-line reason on standard error).

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use machinekey::Error;
use machinekey::audit::{Auditor, Blob, KeyList};
use machinekey::config::{
    DecryptionAlgorithm, FrameworkVersion, KeySource, MachineKeyConfig, ValidationAlgorithm,
};
use machinekey::crypto::encoding::{from_base64, from_hex, to_upper_hex, url_token_decode};
use machinekey::crypto::legacy::MachineKeyProtection;
use machinekey::formats::cookie::CookieProtection;
use machinekey::formats::forms_ticket::{
    FormsAuthenticationTicket, SystemClock, ticks_from_unix_seconds,
};
use machinekey::formats::resource::ResourceKind;
use machinekey::formats::{AppKeys, Page};
use machinekey::keys::store::ProcessIdentity;
use machinekey::keys::{AppIdentity, read_reg_export_bytes};
use machinekey::random::OsRandom;
use machinekey::sim::{Era, Simulation};
use serde_json::{Value, json};

/// ASP.NET <machineKey> cryptography: generate, inspect, protect, verify, audit, simulate.
#[derive(Parser)]
#[command(name = "machinekey", version, about)]
struct Cli {
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

/// Where the keys come from.
#[derive(Args, Clone)]
struct KeyArgs {
    /// A web.config whose <machineKey> (and targetFramework, appSettings) to use.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["validation_key", "decryption_key"])]
    web_config: Option<String>,
    /// The application virtual path (for IsolateApps and AutoGenerate).
    #[arg(long, default_value = "/")]
    app_path: String,
    /// The application id (default: /LM/W3SVC/1/ROOT + the app path).
    #[arg(long)]
    app_id: Option<String>,
    /// A .reg export of the identity's AutoGenKeyV4, for AutoGenerate keys.
    #[arg(long, value_name = "FILE")]
    autogen_reg: Option<String>,
    /// The validationKey (hex).
    #[arg(long)]
    validation_key: Option<String>,
    /// The decryptionKey (hex).
    #[arg(long)]
    decryption_key: Option<String>,
    /// The validation algorithm, e.g. HMACSHA256.
    #[arg(long)]
    validation: Option<String>,
    /// The decryption algorithm, e.g. AES.
    #[arg(long)]
    decryption: Option<String>,
    /// The compatibility mode.
    #[arg(long, value_enum)]
    mode: Option<ModeArg>,
    /// The framework build (2.0 or 4).
    #[arg(long, value_enum, default_value = "4")]
    framework: FrameworkArg,
}

#[derive(Clone, Copy, ValueEnum)]
enum ModeArg {
    #[value(name = "framework20sp1")]
    Framework20Sp1,
    #[value(name = "framework20sp2")]
    Framework20Sp2,
    #[value(name = "framework45")]
    Framework45,
}

#[derive(Clone, Copy, ValueEnum)]
enum FrameworkArg {
    #[value(name = "2.0")]
    V2,
    #[value(name = "4")]
    V4,
}

#[derive(Clone, Copy, ValueEnum)]
enum ProtectionArg {
    All,
    Encryption,
    Validation,
    None,
}

#[derive(Clone, Copy, ValueEnum)]
enum ResourceArg {
    Web,
    Script,
    PreviousPage,
}

/// How a page is identified.
#[derive(Args, Clone)]
struct PageArgs {
    /// The __VIEWSTATEGENERATOR (hex), for legacy ViewState.
    #[arg(long, conflicts_with = "path")]
    generator: Option<String>,
    /// The page path or URL, e.g. /MyApp/default.aspx.
    #[arg(long)]
    path: Option<String>,
    /// The ViewStateUserKey.
    #[arg(long)]
    user_key: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// A fresh <machineKey> element.
    Generate {
        #[arg(long, default_value = "HMACSHA256")]
        validation: String,
        #[arg(long, default_value = "AES")]
        decryption: String,
    },
    /// The effective settings of a web.config, with warnings.
    Config {
        file: String,
        #[arg(long, value_enum, default_value = "4")]
        framework: FrameworkArg,
        /// More known-key lists.
        #[arg(long = "keys", value_name = "FILE")]
        keys: Vec<String>,
    },
    /// ViewState tools.
    Viewstate {
        #[command(subcommand)]
        command: ViewStateCommand,
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
        #[arg(long)]
        data_hex: String,
    },
    /// MachineKey.Unprotect of hex, Base64 or Base64url input.
    Unprotect {
        #[command(flatten)]
        keys: KeyArgs,
        #[arg(long = "purpose")]
        purposes: Vec<String>,
        value: String,
    },
    /// MachineKey.Encode.
    Encode {
        #[command(flatten)]
        keys: KeyArgs,
        #[arg(long, value_enum, default_value = "all")]
        protection: ProtectionArg,
        #[arg(long)]
        data_hex: String,
    },
    /// MachineKey.Decode.
    Decode {
        #[command(flatten)]
        keys: KeyArgs,
        #[arg(long, value_enum, default_value = "all")]
        protection: ProtectionArg,
        value: String,
    },
    /// Which known key protects a blob (a ViewState unless --event-validation, --cookie,
    /// --resource or --protected).
    Audit {
        /// More candidate lists (validationKey,decryptionKey lines).
        #[arg(long = "keys", value_name = "FILE")]
        keys: Vec<String>,
        #[arg(long)]
        generator: Option<String>,
        #[arg(long)]
        url: Option<String>,
        #[arg(long = "user-key")]
        user_keys: Vec<String>,
        /// The value is an __EVENTVALIDATION (Framework45 protects it under its own purpose).
        #[arg(long = "event-validation", conflicts_with_all = ["cookie", "resource", "protected"])]
        event_validation: bool,
        #[arg(long, conflicts_with_all = ["resource", "protected"])]
        cookie: bool,
        #[arg(long, conflicts_with = "protected")]
        resource: bool,
        #[arg(long)]
        protected: bool,
        #[arg(long = "purpose")]
        purposes: Vec<String>,
        value: String,
    },
    /// Simulations.
    Simulate {
        #[command(subcommand)]
        command: SimulateCommand,
    },
}

#[derive(Subcommand)]
enum ViewStateCommand {
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
    /// Protect a payload as a page's __VIEWSTATE.
    Encode {
        #[command(flatten)]
        keys: KeyArgs,
        #[command(flatten)]
        page: PageArgs,
        #[arg(long)]
        encrypt: bool,
        #[arg(long)]
        payload_hex: String,
    },
    /// Verify (and decrypt) a __VIEWSTATE value; prints the payload as hex.
    Decode {
        #[command(flatten)]
        keys: KeyArgs,
        #[command(flatten)]
        page: PageArgs,
        value: String,
    },
}

#[derive(Subcommand)]
enum TicketCommand {
    /// Issue a ticket.
    Encrypt {
        #[command(flatten)]
        keys: KeyArgs,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        user_data: String,
        #[arg(long, default_value_t = 30)]
        minutes: i64,
        #[arg(long)]
        persistent: bool,
        #[arg(long, value_enum, default_value = "all")]
        protection: ProtectionArg,
    },
    /// Open a ticket and print its fields.
    Decrypt {
        #[command(flatten)]
        keys: KeyArgs,
        #[arg(long, value_enum, default_value = "all")]
        protection: ProtectionArg,
        value: String,
    },
}

#[derive(Subcommand)]
enum ResourceCommand {
    /// Page.EncryptString.
    Encrypt {
        #[command(flatten)]
        keys: KeyArgs,
        #[arg(long, value_enum, default_value = "web")]
        kind: ResourceArg,
        text: String,
    },
    /// Page.DecryptString.
    Decrypt {
        #[command(flatten)]
        keys: KeyArgs,
        #[arg(long, value_enum, default_value = "web")]
        kind: ResourceArg,
        token: String,
    },
}

#[derive(Subcommand)]
enum SimulateCommand {
    /// A web garden before and after a .NET update resets the key-store permissions.
    WebGarden {
        #[arg(long, default_value_t = 3)]
        workers: usize,
        #[arg(long, default_value_t = 3000)]
        requests: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, value_enum, default_value = "4")]
        framework: FrameworkArg,
    },
}

/// A command's failure: exit code 1 (does not validate / not found) or 2 (usage, config).
struct Failure(u8, String);

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let code = match e {
            Error::Unprotect | Error::TicketExpired => 1,
            _ => 2,
        };
        Self(code, e.to_string())
    }
}

impl From<machinekey::ConfigError> for Failure {
    fn from(e: machinekey::ConfigError) -> Self {
        Self(2, e.to_string())
    }
}

fn usage(message: impl Into<String>) -> Failure {
    Failure(2, message.into())
}

fn read(path: &str) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| usage(format!("{path}: {e}")))
}

fn framework(f: FrameworkArg) -> FrameworkVersion {
    match f {
        FrameworkArg::V2 => FrameworkVersion::V2_0,
        FrameworkArg::V4 => FrameworkVersion::V4,
    }
}

fn app_keys(args: &KeyArgs) -> Result<AppKeys, Failure> {
    let config = if let Some(file) = &args.web_config {
        let text =
            String::from_utf8(read(file)?).map_err(|_| usage(format!("{file}: not UTF-8")))?;
        MachineKeyConfig::from_web_config_for(&text, framework(args.framework))?
    } else {
        let (Some(vk), Some(dk)) = (&args.validation_key, &args.decryption_key) else {
            return Err(usage(
                "give --web-config FILE, or --validation-key and --decryption-key",
            ));
        };
        let mut runtime = machinekey::config::RuntimeSettings::default();
        runtime.framework = framework(args.framework);
        let mut b = MachineKeyConfig::builder()
            .validation_key(vk)
            .decryption_key(dk)
            .runtime(runtime);
        if let Some(v) = &args.validation {
            b = b.validation(v);
        }
        if let Some(d) = &args.decryption {
            b = b.decryption(d);
        }
        if let Some(m) = args.mode {
            b = b.compatibility_mode(match m {
                ModeArg::Framework20Sp1 => "Framework20SP1",
                ModeArg::Framework20Sp2 => "Framework20SP2",
                ModeArg::Framework45 => "Framework45",
            });
        }
        b.build()?
    };
    let app_id = args
        .app_id
        .clone()
        .unwrap_or_else(|| format!("/LM/W3SVC/1/ROOT{}", args.app_path.trim_end_matches('/')));
    let app = AppIdentity::new(&args.app_path, &app_id)?;
    let autogen = match &args.autogen_reg {
        Some(file) => Some(read_reg_export_bytes(&read(file)?)?.keys),
        None => None,
    };
    Ok(AppKeys::resolve(&config, &app, autogen.as_ref())?)
}

fn page(args: &PageArgs, app_path: &str) -> Result<Page, Failure> {
    let page = match (&args.generator, &args.path) {
        (Some(g), _) => Page::from_generator(parse_generator(g)?),
        (None, Some(p)) => Page::from_path(p, app_path)?,
        (None, None) => return Err(usage("give --generator HEX or --path PATH")),
    };
    Ok(match &args.user_key {
        Some(k) => page.with_view_state_user_key(k),
        None => page,
    })
}

fn parse_generator(text: &str) -> Result<u32, Failure> {
    u32::from_str_radix(text.trim(), 16).map_err(|_| usage("a generator is 8 hex digits"))
}

fn cookie_protection(p: ProtectionArg) -> CookieProtection {
    match p {
        ProtectionArg::All => CookieProtection::All,
        ProtectionArg::Encryption => CookieProtection::Encryption,
        ProtectionArg::Validation => CookieProtection::Validation,
        ProtectionArg::None => CookieProtection::None,
    }
}

fn machine_key_protection(p: ProtectionArg) -> Result<MachineKeyProtection, Failure> {
    match p {
        ProtectionArg::All => Ok(MachineKeyProtection::All),
        ProtectionArg::Encryption => Ok(MachineKeyProtection::Encryption),
        ProtectionArg::Validation => Ok(MachineKeyProtection::Validation),
        ProtectionArg::None => Err(usage("MachineKey.Encode has no 'none' protection")),
    }
}

fn resource_kind(k: ResourceArg) -> ResourceKind {
    match k {
        ResourceArg::Web => ResourceKind::WebResource,
        ResourceArg::Script => ResourceKind::ScriptResource,
        ResourceArg::PreviousPage => ResourceKind::PreviousPage,
    }
}

/// Hex, Base64 or Base64url (with or without padding), tried in that order.
fn loose_bytes(text: &str) -> Result<Vec<u8>, Failure> {
    use base64::Engine as _;
    let t = text.trim();
    from_hex(t)
        .or_else(|_| from_base64(t))
        .or_else(|_| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(t.trim_end_matches('='))
                .map_err(|_| Error::Unprotect)
        })
        .map_err(|_| usage("the value is not hex, Base64 or Base64url"))
}

fn payload(hex_text: &str) -> Result<Vec<u8>, Failure> {
    from_hex(hex_text).map_err(|_| usage("--payload-hex/--data-hex must be hex"))
}

/// What a command prints: text for people, and the same facts as JSON.
struct Output {
    text: String,
    json: Value,
}

fn out(text: impl Into<String>, json: Value) -> Output {
    Output {
        text: text.into(),
        json,
    }
}

fn known_lists(files: &[String]) -> Result<KeyList, Failure> {
    let mut list = KeyList::builtin();
    for file in files {
        let text = String::from_utf8_lossy(&read(file)?).into_owned();
        list.extend_from_text(&text);
    }
    Ok(list)
}

fn config_report(file: &str, fw: FrameworkArg, lists: &[String]) -> Result<Output, Failure> {
    let text = String::from_utf8(read(file)?).map_err(|_| usage(format!("{file}: not UTF-8")))?;
    let cfg = MachineKeyConfig::from_web_config_for(&text, framework(fw))?;
    let known = known_lists(lists)?;
    let mode = cfg.compatibility_mode();
    let specs = if mode.is_framework45() {
        cfg.framework45_key_specs()
    } else {
        cfg.legacy_key_specs()
    }?;
    let mut warnings = Vec::new();
    let mut keys = Vec::new();
    for (name, spec, key_text) in [
        ("validationKey", specs.0, cfg.validation_key_text()),
        ("decryptionKey", specs.1, cfg.decryption_key_text()),
    ] {
        let source = match spec.source {
            KeySource::AutoGenerate => "AutoGenerate",
            _ => "explicit",
        };
        keys.push(json!({ "attribute": name, "source": source, "isolate_apps": spec.isolate_apps, "isolate_by_app_id": spec.isolate_by_app_id }));
        if spec.source == KeySource::AutoGenerate {
            warnings.push(format!("{name} is AutoGenerate: every worker process and server must reach the same key store, or they will not read each other's data (use an explicit key for web gardens and farms)"));
        } else {
            let hex = key_text
                .expose_secret()
                .split(',')
                .next()
                .unwrap_or_default();
            if known.is_known_key(hex) {
                warnings.push(format!(
                    "{name} is a publicly known key (it is in a known-key list): replace it"
                ));
            }
        }
    }
    if matches!(
        cfg.validation(),
        ValidationAlgorithm::Md5
            | ValidationAlgorithm::Sha1
            | ValidationAlgorithm::Aes
            | ValidationAlgorithm::TripleDes
    ) {
        warnings.push(format!(
            "validation {} is a legacy algorithm; prefer HMACSHA256 or stronger",
            cfg.validation()
        ));
    }
    if matches!(
        cfg.decryption(),
        DecryptionAlgorithm::Des | DecryptionAlgorithm::TripleDes
    ) {
        warnings.push(format!(
            "decryption {} is a legacy cipher; prefer AES",
            cfg.decryption()
        ));
    }
    if cfg.runtime().use_legacy_encryption {
        warnings.push("aspnet:UseLegacyEncryption=true drops the MAC on encrypted data (the pre-MS10-070 padding oracle)".to_owned());
    }
    let mut text = format!(
        "mode: {mode}\nvalidation: {}\ndecryption: {}\n",
        cfg.validation(),
        cfg.decryption()
    );
    for k in &keys {
        text.push_str(&format!(
            "{}: {}{}{}\n",
            k["attribute"].as_str().unwrap_or_default(),
            k["source"].as_str().unwrap_or_default(),
            if k["isolate_apps"] == true {
                ", IsolateApps"
            } else {
                ""
            },
            if k["isolate_by_app_id"] == true {
                ", IsolateByAppId"
            } else {
                ""
            }
        ));
    }
    for w in &warnings {
        text.push_str(&format!("warning: {w}\n"));
    }
    Ok(out(
        text.trim_end(),
        json!({ "mode": mode.name(), "validation": cfg.validation().name(), "decryption": cfg.decryption().name(), "keys": keys, "warnings": warnings }),
    ))
}

fn audit(lists: &[String], blob: &Blob<'_>, show_progress: bool) -> Result<Output, Failure> {
    let auditor = Auditor::new(&known_lists(lists)?);
    let progress = AtomicUsize::new(0);
    let done = AtomicBool::new(false);
    let total = u64::try_from(auditor.len()).unwrap_or(u64::MAX);
    let found = std::thread::scope(|scope| {
        if show_progress {
            scope.spawn(|| {
                let bar = indicatif::ProgressBar::new(total);
                while !done.load(Ordering::Relaxed) {
                    bar.set_position(u64::try_from(progress.load(Ordering::Relaxed)).unwrap_or(0));
                    std::thread::sleep(Duration::from_millis(100));
                }
                bar.finish_and_clear();
            });
        }
        let found = auditor.audit_counting(blob, &progress);
        done.store(true, Ordering::Relaxed);
        found
    });
    let Some(f) = found else {
        return Err(Failure(
            1,
            format!(
                "no known key among {} candidates protects this value",
                auditor.len()
            ),
        ));
    };
    let json = json!({
        "validation_key": f.key.validation_key,
        "decryption_key": f.key.decryption_key,
        "index": f.index,
        "validation": f.validation.name(),
        "decryption": f.decryption.map(|d| d.name()),
        "mode": f.mode,
        "app_path": f.app_path,
        "isolate_apps": f.isolate_apps,
        "view_state_user_key": f.view_state_user_key,
        "header": f.header.map(|h| h.to_string()),
        "payload_hex": to_upper_hex(&f.payload),
    });
    let text = format!(
        "found: key #{} validationKey={} decryptionKey={}\nvalidation: {}\ndecryption: {}\nmode: {:?}\napp path: {}{}\nViewStateUserKey: {}\nheader: {}\npayload: {}",
        f.index,
        f.key.validation_key,
        f.key.decryption_key,
        f.validation,
        f.decryption.map_or("-", |d| d.name()),
        f.mode,
        f.app_path.as_deref().unwrap_or("-"),
        if f.isolate_apps { " (IsolateApps)" } else { "" },
        f.view_state_user_key.as_deref().unwrap_or("-"),
        f.header.map_or("-".to_owned(), |h| h.to_string()),
        to_upper_hex(&f.payload)
    );
    Ok(out(text, json))
}

fn ticket_json(t: &FormsAuthenticationTicket) -> Value {
    json!({
        "version": t.version, "name": t.name, "issue_utc_ticks": t.issue_date_ticks,
        "expiration_utc_ticks": t.expiration_ticks, "persistent": t.is_persistent,
        "user_data": t.user_data, "cookie_path": t.cookie_path,
    })
}

fn run(cli: &Cli) -> Result<Output, Failure> {
    match &cli.command {
        Command::Generate {
            validation,
            decryption,
        } => {
            let cfg =
                machinekey::keys::generate(validation.parse()?, decryption.parse()?, &OsRandom)?;
            let xml = cfg.to_machine_key_element();
            Ok(out(xml.clone(), json!({ "machineKey": xml })))
        }
        Command::Config {
            file,
            framework,
            keys,
        } => config_report(file, *framework, keys),
        Command::Viewstate { command } => match command {
            ViewStateCommand::Generator { path, app_path } => {
                let page = Page::from_path(path, app_path)?;
                let g = format!("{:08X}", page.generator(false)?);
                Ok(out(
                    g.clone(),
                    json!({ "generator": g, "template_source_directory": page.template_source_directory(), "type_name": page.type_name() }),
                ))
            }
            ViewStateCommand::AppPath { path, generator } => {
                let apps = Page::app_paths_for_generator(path, parse_generator(generator)?);
                if apps.is_empty() {
                    return Err(Failure(
                        1,
                        format!(
                            "no application level of {path} gives generator {generator} (a ClassName directive, or another page)"
                        ),
                    ));
                }
                Ok(out(apps.join("\n"), json!({ "app_paths": apps })))
            }
            ViewStateCommand::Encode {
                keys,
                page: p,
                encrypt,
                payload_hex,
            } => {
                let k = app_keys(keys)?;
                let field = k.encode_viewstate(
                    &payload(payload_hex)?,
                    &page(p, &keys.app_path)?,
                    *encrypt,
                )?;
                Ok(out(field.clone(), json!({ "viewstate": field })))
            }
            ViewStateCommand::Decode {
                keys,
                page: p,
                value,
            } => {
                let k = app_keys(keys)?;
                let bytes = k.decode_viewstate(value, &page(p, &keys.app_path)?)?;
                let hex = to_upper_hex(&bytes);
                Ok(out(hex.clone(), json!({ "payload_hex": hex })))
            }
        },
        Command::Ticket { command } => match command {
            TicketCommand::Encrypt {
                keys,
                name,
                user_data,
                minutes,
                persistent,
                protection,
            } => {
                let now = SystemClockNow::ticks();
                let t = FormsAuthenticationTicket {
                    version: 2,
                    name: name.clone(),
                    issue_date_ticks: now,
                    expiration_ticks: now.saturating_add(minutes.saturating_mul(60 * 10_000_000)),
                    is_persistent: *persistent,
                    user_data: user_data.clone(),
                    cookie_path: "/".into(),
                };
                let cookie = app_keys(keys)?.encrypt_ticket(&t, cookie_protection(*protection))?;
                Ok(out(
                    cookie.clone(),
                    json!({ "cookie": cookie, "ticket": ticket_json(&t) }),
                ))
            }
            TicketCommand::Decrypt {
                keys,
                protection,
                value,
            } => {
                let t = app_keys(keys)?
                    .decrypt_ticket_without_expiry_check(value, cookie_protection(*protection))?;
                let j = ticket_json(&t);
                let text = format!(
                    "name: {}\nuser data: {}\nissued (unix): {}\nexpires (unix): {}\npersistent: {}\npath: {}\nversion: {}",
                    t.name,
                    t.user_data,
                    machinekey::formats::forms_ticket::unix_seconds_from_ticks(t.issue_date_ticks),
                    machinekey::formats::forms_ticket::unix_seconds_from_ticks(t.expiration_ticks),
                    t.is_persistent,
                    t.cookie_path,
                    t.version
                );
                Ok(out(text, j))
            }
        },
        Command::Resource { command } => match command {
            ResourceCommand::Encrypt { keys, kind, text } => {
                let token = app_keys(keys)?.encrypt_resource_string(text, resource_kind(*kind))?;
                Ok(out(token.clone(), json!({ "token": token })))
            }
            ResourceCommand::Decrypt { keys, kind, token } => {
                let text = app_keys(keys)?.decrypt_resource_string(token, resource_kind(*kind))?;
                Ok(out(text.clone(), json!({ "text": text })))
            }
        },
        Command::Protect {
            keys,
            purposes,
            data_hex,
        } => {
            let blob = app_keys(keys)?.protect(&payload(data_hex)?, purposes)?;
            let hex = to_upper_hex(&blob);
            Ok(out(hex.clone(), json!({ "protected_hex": hex })))
        }
        Command::Unprotect {
            keys,
            purposes,
            value,
        } => {
            let data = app_keys(keys)?.unprotect(&loose_bytes(value)?, purposes)?;
            let hex = to_upper_hex(&data);
            Ok(out(hex.clone(), json!({ "data_hex": hex })))
        }
        Command::Encode {
            keys,
            protection,
            data_hex,
        } => {
            let text = app_keys(keys)?
                .encode(&payload(data_hex)?, machine_key_protection(*protection)?)?;
            Ok(out(text.clone(), json!({ "encoded": text })))
        }
        Command::Decode {
            keys,
            protection,
            value,
        } => {
            let data = app_keys(keys)?.decode(value, machine_key_protection(*protection)?)?;
            let hex = to_upper_hex(&data);
            Ok(out(hex.clone(), json!({ "data_hex": hex })))
        }
        Command::Audit {
            keys,
            generator,
            url,
            user_keys,
            event_validation,
            cookie,
            resource,
            protected,
            purposes,
            value,
        } => {
            let bytes = if *cookie {
                from_hex(value.trim())
                    .or_else(|_| url_token_decode(value.trim()))
                    .map_err(|_| usage("a cookie is hex or UrlToken"))?
            } else if *resource {
                url_token_decode(value.trim())
                    .map_err(|_| usage("a resource token is UrlToken text"))?
            } else if *protected {
                loose_bytes(value)?
            } else {
                from_base64(value.trim()).map_err(|_| usage("page state is Base64"))?
            };
            let purpose_refs: Vec<&str> = purposes.iter().map(String::as_str).collect();
            let mut blob = if *cookie {
                Blob::forms_cookie(&bytes)
            } else if *resource {
                Blob::resource(&bytes)
            } else if *protected {
                Blob::protected(&bytes, &purpose_refs)
            } else if *event_validation {
                Blob::event_validation(&bytes)
            } else {
                Blob::viewstate(&bytes)
            };
            if let Some(g) = generator {
                blob = blob.with_generator(parse_generator(g)?);
            }
            if let Some(u) = url {
                blob = blob.with_url(u);
            }
            for k in user_keys {
                blob = blob.with_user_key(k);
            }
            audit(
                keys,
                &blob,
                !cli.json && std::io::IsTerminal::is_terminal(&std::io::stderr()),
            )
        }
        Command::Simulate { command } => match command {
            SimulateCommand::WebGarden {
                workers,
                requests,
                seed,
                framework: fw,
            } => {
                let era = match fw {
                    FrameworkArg::V2 => Era::Net20,
                    FrameworkArg::V4 => Era::Net48,
                };
                let identity =
                    ProcessIdentity::custom("S-1-5-21-1004336348-1177238915-682003330-1105", false);
                let mut sim = Simulation::web_garden(era, *workers, identity, *seed)?;
                let before = sim.run("before the installer", *requests)?;
                sim.install_framework(0, true)?;
                sim.run("warm-up", 100)?;
                let after = sim.run("after the installer", *requests)?;
                let mut text = String::new();
                for r in [&before, &after] {
                    text.push_str(&format!("{}:\n", r.scenario));
                    for k in &r.kinds {
                        text.push_str(&format!(
                            "  {:<20} {:>6}/{:<6} failed\n",
                            k.kind.name(),
                            k.failures,
                            k.requests
                        ));
                    }
                }
                Ok(out(text.trim_end(), json!([before, after])))
            }
        },
    }
}

/// The current UTC time in .NET ticks.
struct SystemClockNow;

impl SystemClockNow {
    fn ticks() -> i64 {
        use machinekey::formats::forms_ticket::Clock as _;
        let now = SystemClock.now_ticks();
        if now > 0 {
            now
        } else {
            ticks_from_unix_seconds(0)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(o) => {
            if cli.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&o.json).unwrap_or_default()
                );
            } else {
                println!("{}", o.text);
            }
            ExitCode::SUCCESS
        }
        Err(Failure(code, reason)) => {
            eprintln!("machinekey: {reason}");
            ExitCode::from(code)
        }
    }
}
