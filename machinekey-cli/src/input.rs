//! What users hand the commands: values (inline, `-` for standard input, `@FILE`), payloads,
//! keys (a web.config or attribute values), pages, and known-key lists.

use std::io::Read as _;
use std::path::Path;

use machinekey::audit::{KeyList, LoadReport};
use machinekey::config::stack::{ConfigFile, ConfigStack, ResolvedConfig};
use machinekey::config::{
    CompatibilityMode, FrameworkVersion, MachineKeyAttribute, RuntimeSettings,
};
use machinekey::crypto::encoding::{DecodedValue, decode_value, from_hex};
use machinekey::crypto::legacy::MachineKeyProtection;
use machinekey::formats::resource::ResourceKind;
use machinekey::keys::read_reg_export_bytes;
use machinekey::{AppIdentity, AppKeys, CookieProtection, MachineKeyConfig, Page};
use serde::Serialize;

use crate::args::{
    FrameworkArg, KeyArgs, LevelArgs, ModeArg, PageArgs, PayloadArgs, ProtectionArg, ResourceArg,
};
use crate::output::Failure;

/// The largest file or standard input read (64 MiB: far above any ViewState or key list a
/// server holds, far below what would exhaust memory).
pub(crate) const MAX_INPUT: u64 = 64 << 20;

/// Reads a file whole, up to [`MAX_INPUT`].
pub(crate) fn read_file(path: &str) -> Result<Vec<u8>, Failure> {
    let file = std::fs::File::open(path).map_err(|e| Failure::io(path, &e))?;
    read_bounded(file, path)
}

fn read_bounded(reader: impl std::io::Read, name: &str) -> Result<Vec<u8>, Failure> {
    let mut bytes = Vec::new();
    reader
        .take(MAX_INPUT + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Failure::io(name, &e))?;
    if bytes.len() as u64 > MAX_INPUT {
        return Err(Failure::usage(format!(
            "{name}: larger than the {} MiB input limit",
            MAX_INPUT >> 20
        )));
    }
    Ok(bytes)
}

/// The text of an argument: itself, standard input for `-`, or a file for `@FILE`.
pub(crate) fn argument_text(arg: &str) -> Result<String, Failure> {
    let bytes = if arg == "-" {
        read_bounded(std::io::stdin().lock(), "standard input")?
    } else if let Some(path) = arg.strip_prefix('@') {
        read_file(path)?
    } else {
        return non_empty(arg.to_owned());
    };
    let text = String::from_utf8(bytes)
        .map_err(|_| Failure::usage(format!("{arg}: the value is not UTF-8 text")))?;
    non_empty(text.trim().to_owned())
}

fn non_empty(text: String) -> Result<String, Failure> {
    if text.trim().is_empty() {
        Err(Failure::usage("the value is empty"))
    } else {
        Ok(text)
    }
}

/// Every reading of a protected value argument (see `decode_value`), most likely first.
pub(crate) fn value_readings(arg: &str) -> Result<Vec<DecodedValue>, Failure> {
    Ok(decode_value(&argument_text(arg)?)?)
}

/// Runs `open` on each reading of the value until one verifies; the last failure otherwise.
pub(crate) fn first_reading<T>(
    arg: &str,
    mut open: impl FnMut(&[u8]) -> Result<T, machinekey::Error>,
) -> Result<T, Failure> {
    let mut last = machinekey::Error::Unprotect;
    for reading in value_readings(arg)? {
        match open(&reading.bytes) {
            Ok(v) => return Ok(v),
            Err(e) => last = e,
        }
    }
    Err(last.into())
}

/// The payload bytes: hex (inline, `-`, `@FILE`) or a raw file.
pub(crate) fn payload(args: &PayloadArgs) -> Result<Vec<u8>, Failure> {
    match (&args.hex, &args.file) {
        (_, Some(path)) => read_file(path),
        (Some(hex), None) => {
            let text = if hex.is_empty() {
                String::new()
            } else {
                argument_text(hex)?
            };
            let compact: String = text.split_whitespace().collect();
            from_hex(&compact).map_err(|_| Failure::usage("--payload-hex must be hex"))
        }
        (None, None) => Err(Failure::usage("give --payload-hex or --payload-file")),
    }
}

pub(crate) fn framework(f: FrameworkArg) -> FrameworkVersion {
    match f {
        FrameworkArg::V2 => FrameworkVersion::V2_0,
        FrameworkArg::V4 => FrameworkVersion::V4,
    }
}

/// The application's configuration: its web.config (at `app_path`) merged with the levels
/// the options name.
pub(crate) fn resolve(
    levels: &LevelArgs,
    app_file: &str,
    app_path: &str,
    framework: FrameworkVersion,
) -> Result<ResolvedConfig, Failure> {
    let read = |path: &str| ConfigFile::read(Path::new(path));
    let mut stack = ConfigStack::new()
        .framework(framework)
        .site_name(&levels.site_name);
    if let Some(f) = &levels.machine_config {
        stack = stack.machine_config(read(f)?);
    }
    if let Some(f) = &levels.root_web_config {
        stack = stack.root_web_config(read(f)?);
    }
    if let Some(f) = &levels.site_web_config {
        stack = stack.site_web_config(read(f)?);
    }
    let split = |spec: &str| -> Result<(String, String), Failure> {
        spec.split_once('=')
            .map(|(v, f)| (v.to_owned(), f.to_owned()))
            .ok_or_else(|| Failure::usage(format!("{spec}: expected VPATH=FILE")))
    };
    for spec in &levels.folder_configs {
        let (vpath, file) = split(spec)?;
        stack = stack.folder_web_config(&vpath, read(&file)?);
    }
    for spec in &levels.parent_app_configs {
        let (vpath, file) = split(spec)?;
        stack = stack.application_web_config(&vpath, read(&file)?);
    }
    let app_is_site = app_path.trim_matches('/').is_empty();
    stack = if app_is_site {
        if levels.site_web_config.is_some() {
            return Err(Failure::usage(
                "the application is the site root (--app-path /): its web.config is the site's; drop --site-web-config",
            ));
        }
        stack.site_web_config(read(app_file)?)
    } else {
        stack.application_web_config(app_path, read(app_file)?)
    };
    Ok(stack.resolve(app_path)?)
}

/// The configuration the key options describe.
pub(crate) fn config(args: &KeyArgs) -> Result<MachineKeyConfig, Failure> {
    if let Some(file) = &args.web_config {
        return Ok(resolve(
            &args.levels,
            file,
            &args.app_path,
            framework(args.framework),
        )?
        .config);
    }
    let (Some(vk), Some(dk)) = (&args.validation_key, &args.decryption_key) else {
        return Err(Failure::usage(
            "give --web-config FILE, or --validation-key and --decryption-key",
        ));
    };
    let mut runtime = RuntimeSettings::default();
    runtime.framework = framework(args.framework);
    let mut b = MachineKeyConfig::builder()
        .validation_key(vk)
        .decryption_key(dk)
        .runtime(runtime);
    // As written on the command line: the builder checks the names as ASP.NET does.
    if let Some(v) = &args.validation {
        b = b.attribute(MachineKeyAttribute::Validation, v);
    }
    if let Some(d) = &args.decryption {
        b = b.attribute(MachineKeyAttribute::Decryption, d);
    }
    if let Some(m) = args.mode {
        b = b.compatibility_mode(match m {
            ModeArg::Framework20Sp1 => CompatibilityMode::Framework20SP1,
            ModeArg::Framework20Sp2 => CompatibilityMode::Framework20SP2,
            ModeArg::Framework45 => CompatibilityMode::Framework45,
        });
    }
    Ok(b.build()?)
}

/// The application's keys.
pub(crate) fn app_keys(args: &KeyArgs) -> Result<AppKeys, Failure> {
    let config = config(args)?;
    let app_id = args
        .app_id
        .clone()
        .unwrap_or_else(|| AppIdentity::default_site_app_id(&args.app_path));
    let app = AppIdentity::new(&args.app_path, &app_id)?;
    let autogen = match &args.autogen_reg {
        Some(file) => Some(read_reg_export_bytes(&read_file(file)?)?.keys),
        None => None,
    };
    let keys = AppKeys::resolve(&config, &app, autogen.as_ref())?;
    Ok(match &args.key_ring {
        Some(path) => keys.with_key_ring(key_ring(path)?, &app),
        None => keys,
    })
}

/// A Data Protection key ring from a directory, key file or `.reg` export.
/// The certificates `--certificate` gave (loaded once, before the command runs).
static CERTIFICATES: std::sync::OnceLock<Vec<machinekey::dataprotection::Certificate>> =
    std::sync::OnceLock::new();

/// Loads the `--certificate` PFX files with `--certificate-password`.
pub(crate) fn load_certificates(paths: &[String], password: Option<&str>) -> Result<(), Failure> {
    let password = match password {
        Some(p) if p.starts_with('@') || p == "-" => argument_text(p)?,
        Some(p) => p.to_owned(),
        None => String::new(),
    };
    let mut certs = Vec::with_capacity(paths.len());
    for path in paths {
        let cert = machinekey::dataprotection::Certificate::load_pfx(Path::new(path), &password)
            .map_err(|e| Failure::usage(format!("--certificate {path}: {e}")))?;
        certs.push(cert);
    }
    let _ = CERTIFICATES.set(certs);
    Ok(())
}

/// A key ring (directory, key file or .reg export); keys encrypted at rest to a
/// `--certificate` are opened with it.
pub(crate) fn key_ring(path: &str) -> Result<machinekey::dataprotection::KeyRing, Failure> {
    let mut ring = machinekey::dataprotection::KeyRing::load(Path::new(path))?;
    if let Some(certs) = CERTIFICATES.get().filter(|c| !c.is_empty()) {
        ring.decrypt_with_certificates(certs)?;
    }
    Ok(ring)
}

/// The pages the options name: one for a generator; for a path or URL, each page it can
/// stand for (a directory's default.aspx; both readings of an extensionless path).
pub(crate) fn pages(args: &PageArgs, app_path: &str) -> Result<Vec<Page>, Failure> {
    let pages = match (&args.generator, &args.path) {
        (Some(g), _) => vec![Page::from_generator(parse_generator(g)?)],
        (None, Some(p)) => Page::paths_for_url(p)
            .iter()
            .map(|path| Page::from_path(path, app_path))
            .collect::<Result<Vec<_>, _>>()?,
        (None, None) => return Err(Failure::usage("give --generator HEX or --path PATH")),
    };
    Ok(pages
        .into_iter()
        .map(|page| match &args.user_key {
            Some(k) => page.with_view_state_user_key(k),
            None => page,
        })
        .collect())
}

pub(crate) fn parse_generator(text: &str) -> Result<u32, Failure> {
    u32::from_str_radix(text.trim(), 16).map_err(|_| Failure::usage("a generator is 8 hex digits"))
}

pub(crate) fn cookie_protection(p: ProtectionArg) -> CookieProtection {
    match p {
        ProtectionArg::All => CookieProtection::All,
        ProtectionArg::Encryption => CookieProtection::Encryption,
        ProtectionArg::Validation => CookieProtection::Validation,
        ProtectionArg::None => CookieProtection::None,
    }
}

pub(crate) fn machine_key_protection(p: ProtectionArg) -> Result<MachineKeyProtection, Failure> {
    match p {
        ProtectionArg::All => Ok(MachineKeyProtection::All),
        ProtectionArg::Encryption => Ok(MachineKeyProtection::Encryption),
        ProtectionArg::Validation => Ok(MachineKeyProtection::Validation),
        ProtectionArg::None => Err(Failure::usage("MachineKey.Encode has no 'none' protection")),
    }
}

pub(crate) fn resource_kind(k: ResourceArg) -> ResourceKind {
    match k {
        ResourceArg::Web => ResourceKind::WebResource,
        ResourceArg::Script => ResourceKind::ScriptResource,
        ResourceArg::PreviousPage => ResourceKind::PreviousPage,
    }
}

/// A key list read from a file, with what it added and skipped.
#[derive(Serialize)]
pub(crate) struct ListReport {
    pub(crate) source: String,
    #[serde(flatten)]
    pub(crate) report: LoadReport,
}

/// The largest key list read (1 GiB: about six million pairs).
const MAX_KEY_LIST: u64 = 1 << 30;

/// The built-in list plus `files`. A file with lines that are not key pairs is reported on
/// standard error; one with nothing usable at all is an error.
pub(crate) fn known_lists(files: &[String]) -> Result<(KeyList, Vec<ListReport>), Failure> {
    let mut list = KeyList::builtin();
    let mut reports = Vec::new();
    for file in files {
        // Streamed: a list of any size takes the memory of its decoded keys only, so a
        // regular file is held to the same limit as a pipe.
        let report = open_list(file)?.read(true, |reader, name, regular| {
            if regular {
                list.load_file(name)
            } else {
                list.load_reader(reader, name)
            }
        })?;
        reports.push(report);
    }
    Ok((list, reports))
}

/// `report` of `file`, an error when the file held nothing usable; skipped lines are
/// reported on standard error.
fn checked(file: &str, report: LoadReport) -> Result<ListReport, Failure> {
    if let Some(line) = report.first_skipped_line {
        if report.pairs + report.duplicates + report.hashes == 0 {
            return Err(Failure::usage(format!(
                "{file}: no key pairs (validationKey,decryptionKey) or SHA-256 lines; first unreadable line: {line}"
            )));
        }
        eprintln!(
            "machinekey: {file}: skipped {} line(s) that are not key pairs (first: line {line})",
            report.skipped
        );
    }
    Ok(ListReport {
        source: file.to_owned(),
        report,
    })
}

/// A key list opened, to be read whole ([`known_lists`]) or block by block ([`scan_list`]).
pub(crate) struct OpenList {
    name: String,
    file: std::fs::File,
    /// The size of a regular file; `None` for a pipe or a device (read up to
    /// [`MAX_KEY_LIST`]).
    pub(crate) size: Option<u64>,
}

fn open_list(name: &str) -> Result<OpenList, Failure> {
    let file = std::fs::File::open(name).map_err(|e| Failure::io(name, &e))?;
    let meta = file.metadata().map_err(|e| Failure::io(name, &e))?;
    Ok(OpenList {
        name: name.to_owned(),
        file,
        size: meta.is_file().then_some(meta.len()),
    })
}

/// Opens every list of `files`, so that a missing one fails before any work.
pub(crate) fn open_lists(files: &[String]) -> Result<Vec<OpenList>, Failure> {
    files.iter().map(|name| open_list(name)).collect()
}

impl OpenList {
    /// Reads the list with `read` (given the reader, the list's name and whether it is a
    /// regular file): a pipe or a device up to [`MAX_KEY_LIST`], a regular file whole, or,
    /// with `limit_files`, only if it is within the limit too.
    fn read(
        self,
        limit_files: bool,
        read: impl FnOnce(&mut dyn std::io::Read, &str, bool) -> std::io::Result<LoadReport>,
    ) -> Result<ListReport, Failure> {
        let name = self.name;
        let too_large = || {
            Failure::usage(format!(
                "{name}: larger than the {} MiB key-list limit",
                MAX_KEY_LIST >> 20
            ))
        };
        let report = match self.size {
            Some(size) if limit_files && size > MAX_KEY_LIST => return Err(too_large()),
            Some(_) => {
                let mut file = self.file;
                read(&mut file, &name, true).map_err(|e| Failure::io(&name, &e))?
            }
            None => {
                let mut limited = std::io::Read::take(self.file, MAX_KEY_LIST + 1);
                let report =
                    read(&mut limited, &name, false).map_err(|e| Failure::io(&name, &e))?;
                if limited.limit() == 0 {
                    return Err(too_large());
                }
                report
            }
        };
        checked(&name, report)
    }
}

/// Reads `list` a block at a time ([`KeyList::scan`]), giving each block to `f`; a regular
/// file of any size (a scan holds one block).
pub(crate) fn scan_list(
    list: OpenList,
    f: impl FnMut(&mut KeyList) -> std::ops::ControlFlow<()>,
) -> Result<ListReport, Failure> {
    list.read(false, |reader, name, _| KeyList::scan(reader, name, f))
}

/// A `compare` node: `FILE[,key=value...]` (see `machinekey compare --help`).
pub(crate) fn node(spec: &str, index: usize) -> Result<machinekey::compat::Node, Failure> {
    let mut parts = spec.split(',');
    let file = parts.next().unwrap_or_default().trim();
    if file.is_empty() {
        return Err(Failure::usage(format!(
            "{spec}: a node starts with a web.config path"
        )));
    }
    let mut name = None;
    let mut app_path = "/".to_owned();
    let mut app_id = None;
    let mut fw = FrameworkVersion::V4;
    let mut reg = None;
    let mut ring = None;
    let mut levels = LevelArgs {
        machine_config: None,
        root_web_config: None,
        site_web_config: None,
        folder_configs: Vec::new(),
        parent_app_configs: Vec::new(),
        site_name: "Default Web Site".to_owned(),
    };
    for option in parts {
        let (key, value) = option
            .split_once('=')
            .map(|(k, v)| (k.trim(), v.trim().to_owned()))
            .ok_or_else(|| Failure::usage(format!("{spec}: {option:?} is not key=value")))?;
        match key {
            "name" => name = Some(value),
            "app" => app_path = value,
            "id" => app_id = Some(value),
            "framework" => {
                fw = match value.as_str() {
                    "2.0" => FrameworkVersion::V2_0,
                    "4" | "4.0" | "4.x" => FrameworkVersion::V4,
                    _ => return Err(Failure::usage(format!("{spec}: framework is 2.0 or 4"))),
                }
            }
            "reg" => reg = Some(value),
            "ring" => ring = Some(value),
            "machine" => levels.machine_config = Some(value),
            "root" => levels.root_web_config = Some(value),
            "site" => levels.site_web_config = Some(value),
            other => {
                return Err(Failure::usage(format!(
                    "{spec}: unknown node option {other:?} (name, app, id, framework, reg, ring, machine, root, site)"
                )));
            }
        }
    }
    let resolved = resolve(&levels, file, &app_path, fw)?;
    let app_id = app_id.unwrap_or_else(|| AppIdentity::default_site_app_id(&app_path));
    let app = AppIdentity::new(&app_path, &app_id)?;
    let name = name.unwrap_or_else(|| format!("{}:{file}", index + 1));
    let node = machinekey::compat::Node::from_resolved(&name, &resolved, app);
    let node = match reg {
        Some(path) => {
            let keys = read_reg_export_bytes(&read_file(&path)?)?.keys;
            node.with_autogen(keys, &format!("AutoGenKeyV4 from {path}"))
        }
        None => node,
    };
    Ok(match ring {
        Some(path) => node.with_key_ring(key_ring(&path)?, &format!("key ring {path}")),
        None => node,
    })
}

/// What a `--keys` file holds.
pub(crate) enum KeysFile {
    /// A `<machineKey>` list (`validationKey,decryptionKey` lines).
    MachineKey(String),
    /// Published Data Protection keys in the built-in list's JSON format.
    DataProtectionList(String),
    /// A Data Protection key ring: a directory, a key file or a `.reg` export.
    KeyRing(String),
}

/// Sorts the `--keys` files by what they hold, from a directory or the first bytes of a file
/// (JSON: a Data Protection list; a `<key>` or `<repository>` element or a registry export: a
/// key ring; anything else: a `<machineKey>` list).
pub(crate) fn keys_files(files: &[String]) -> Result<Vec<KeysFile>, Failure> {
    files
        .iter()
        .map(|f| {
            if f == "-" {
                return Ok(KeysFile::MachineKey(f.clone()));
            }
            let meta = std::fs::metadata(f).map_err(|e| Failure::io(f, &e))?;
            if meta.is_dir() {
                return Ok(KeysFile::KeyRing(f.clone()));
            }
            let mut head = [0u8; 512];
            let n = std::fs::File::open(f)
                .and_then(|mut file| file.read(&mut head))
                .map_err(|e| Failure::io(f, &e))?;
            let head = head.get(..n).unwrap_or_default();
            let utf16 = head.starts_with(&[0xFF, 0xFE]);
            let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
            let first = text.iter().find(|b| !b.is_ascii_whitespace()).copied();
            let key_xml = text.windows(4).any(|w| w == b"<key")
                || text.windows(11).any(|w| w == b"<repository");
            Ok(match first {
                Some(b'{' | b'[') => KeysFile::DataProtectionList(f.clone()),
                Some(b'<') if key_xml => KeysFile::KeyRing(f.clone()),
                _ if utf16
                    || text.starts_with(b"Windows Registry")
                    || text.starts_with(b"REGEDIT") =>
                {
                    KeysFile::KeyRing(f.clone())
                }
                _ => KeysFile::MachineKey(f.clone()),
            })
        })
        .collect()
}

/// The `<machineKey>` lists among `--keys` files.
pub(crate) fn machine_key_lists(files: &[KeysFile]) -> Vec<String> {
    files
        .iter()
        .filter_map(|f| match f {
            KeysFile::MachineKey(p) => Some(p.clone()),
            _ => None,
        })
        .collect()
}

/// The application names of `--app-name` and `--app-names FILE` (one a line; blank lines
/// and `#` comments skipped).
pub(crate) fn app_names(names: &[String], file: Option<&str>) -> Result<Vec<String>, Failure> {
    let mut out: Vec<String> = names.to_vec();
    if let Some(path) = file {
        let bytes = read_file(path)?;
        let text = String::from_utf8(bytes)
            .map_err(|_| Failure::usage(format!("{path}: not UTF-8 text")))?;
        out.extend(
            text.lines()
                .map(|l| l.trim_start_matches('\u{feff}').trim())
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_owned),
        );
    }
    Ok(out)
}
