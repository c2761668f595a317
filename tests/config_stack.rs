//! The configuration hierarchy, rule by rule, with small files written here: machine.config,
//! the root web.config, the site, folders and applications, `<location>` (paths, site names,
//! `inheritInChildApplications`, `allowOverride`), attribute locks, `allowDefinition`,
//! per-attribute inheritance of `<machineKey>`, `<httpRuntime>`, `<forms>`, `<pages>` and
//! `<appSettings>`, encodings, `configSource`, encrypted sections, and the origin of every
//! value. Then the IIS lab of `tests/data/lab_machinekey_configs.json` (irsdl/viewstate-security-workshop
//! @ 3de14ddf: one application per folder), resolved per application and checked against its
//! ViewState vectors.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use machinekey::config::lint::{LintCode, lint_resolved};
use machinekey::config::stack::{
    ConfigFile, ConfigStack, Level, ViewStateEncryptionMode, decode_config_text,
};
use machinekey::config::{
    CompatibilityMode, KeyAttribute, KeySource, MachineKeyAttribute, Section, Setting,
    ValidationAlgorithm,
};
use machinekey::{AppIdentity, AppKeys, ConfigErrorKind, CookieProtection, Page};
use serde_json::Value;

const VK1: &str = "F5144F1A581A57BA3B60311AF7562A855998F7DD203CD8A71405599B980D8694B5C986C888BE4FC0E6571C2CE600D58CE82B8FA13106B17D77EA4CECDDBBEC1B";
const DK1: &str = "B47D3CD1E780CF30C739A080995B9B10B64354AA135A2D78";
const VK2: &str = "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF";
const DK2: &str = "0123456789ABCDEF0123456789ABCDEF";

fn file(name: &str, system_web: &str) -> ConfigFile {
    ConfigFile::from_text(
        &format!("<configuration>\n<system.web>\n{system_web}\n</system.web>\n</configuration>"),
        name,
    )
}

fn keys(vk: &str, dk: &str) -> String {
    format!(r#"<machineKey validationKey="{vk}" decryptionKey="{dk}" />"#)
}

fn vk_text(resolved: &machinekey::config::stack::ResolvedConfig) -> String {
    resolved
        .config
        .validation_key_text()
        .expose_secret()
        .to_owned()
}

fn kind(err: &machinekey::ConfigError) -> &ConfigErrorKind {
    err.kind()
}

/// The shape publishing tools and hardening guides write: keys inside
/// `<location path="." inheritInChildApplications="false">`.
#[test]
fn location_dot_in_the_application_file_is_read() {
    let text = format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <location path="." inheritInChildApplications="false">
    <system.web>
      <machineKey validationKey="{VK1}" decryptionKey="{DK1}" validation="SHA1" decryption="AES" />
    </system.web>
  </location>
</configuration>"#
    );
    // The single-file API sees it...
    let cfg = machinekey::MachineKeyConfig::from_web_config(&text).unwrap();
    assert_eq!(
        cfg.legacy_key_specs().unwrap().0.source,
        KeySource::Explicit
    );
    // ...and so does the stack, with the origin and the known-key warning.
    for (path, empty) in [("", false), (".", false), ("", true)] {
        let t = if empty {
            text.replace("path=\".\" ", "")
        } else {
            text.replace("path=\".\"", &format!("path=\"{path}\""))
        };
        let resolved = ConfigStack::new()
            .application_web_config("/Shop", ConfigFile::from_text(&t, "Shop/web.config"))
            .resolve("/Shop")
            .unwrap();
        assert_eq!(vk_text(&resolved), VK1);
        assert_eq!(
            resolved
                .origin(KeyAttribute::ValidationKey)
                .unwrap()
                .to_string(),
            "Shop/web.config:5 (application)"
        );
        let list = machinekey::audit::KeyList::builtin();
        let summary = lint_resolved(&resolved, Some(&list)).unwrap();
        let known = summary
            .lints
            .iter()
            .find(|l| l.code == LintCode::KnownKey)
            .unwrap();
        assert_eq!(known.origin.as_ref().unwrap().line, 5);
    }
}

#[test]
fn keys_only_in_the_root_web_config_reach_the_application() {
    let resolved = ConfigStack::new()
        .machine_config(file(
            "machine.config",
            r#"<machineKey validation="SHA1" />"#,
        ))
        .root_web_config(file("root web.config", &keys(VK2, DK2)))
        .site_web_config(file("site web.config", "<pages />"))
        .application_web_config("/App", file("App/web.config", "<httpRuntime />"))
        .resolve("/App")
        .unwrap();
    assert_eq!(vk_text(&resolved), VK2);
    assert_eq!(
        resolved.config.validation(),
        ValidationAlgorithm::Sha1,
        "machine.config's attribute is kept"
    );
    assert_eq!(
        resolved
            .origin(MachineKeyAttribute::Validation)
            .unwrap()
            .level,
        Level::Machine
    );
    assert_eq!(
        resolved.origin(KeyAttribute::ValidationKey).unwrap().level,
        Level::RootWebConfig
    );
    // Without the root level: AutoGenerate.
    let resolved = ConfigStack::new()
        .application_web_config("/App", file("App/web.config", "<httpRuntime />"))
        .resolve("/App")
        .unwrap();
    assert_eq!(
        resolved.config.legacy_key_specs().unwrap().0.source,
        KeySource::AutoGenerate
    );
    assert!(resolved.origin(KeyAttribute::ValidationKey).is_none());
}

#[test]
fn attributes_merge_across_levels() {
    let site = file(
        "site web.config",
        r#"<machineKey validation="HMACSHA512" decryption="AES" />"#,
    );
    let app = file("App/web.config", &keys(VK2, DK2));
    let resolved = ConfigStack::new()
        .site_web_config(site)
        .application_web_config("/App", app)
        .resolve("/App")
        .unwrap();
    assert_eq!(
        resolved.config.validation(),
        ValidationAlgorithm::HmacSha512
    );
    assert_eq!(vk_text(&resolved), VK2);
    assert_eq!(
        resolved
            .origin(MachineKeyAttribute::Validation)
            .unwrap()
            .file,
        "site web.config"
    );
    assert_eq!(
        resolved.origin(KeyAttribute::ValidationKey).unwrap().file,
        "App/web.config"
    );
    // The nearer file wins where both set an attribute; machine.config < root web.config.
    let resolved = ConfigStack::new()
        .root_web_config(file("root", r#"<machineKey validation="HMACSHA384" />"#))
        .machine_config(file("machine", r#"<machineKey validation="SHA1" />"#))
        .site_web_config(file("site", r#"<machineKey validation="HMACSHA256" />"#))
        .resolve("/")
        .unwrap();
    assert_eq!(
        resolved.config.validation(),
        ValidationAlgorithm::HmacSha256
    );
    let resolved = ConfigStack::new()
        .root_web_config(file("root", r#"<machineKey validation="HMACSHA384" />"#))
        .machine_config(file("machine", r#"<machineKey validation="SHA1" />"#))
        .resolve("/")
        .unwrap();
    assert_eq!(
        resolved.config.validation(),
        ValidationAlgorithm::HmacSha384
    );
}

#[test]
fn allow_override_false_at_root_locks_the_application() {
    let root = ConfigFile::from_text(
        &format!(
            r#"<configuration>
  <location allowOverride="false">
    <system.web>
      {}
    </system.web>
  </location>
</configuration>"#,
            keys(VK2, DK2)
        ),
        "root web.config",
    );
    let app = file("App/web.config", &keys(VK1, DK1));
    let err = ConfigStack::new()
        .root_web_config(root.clone())
        .application_web_config("/App", app)
        .resolve("/App")
        .unwrap_err();
    match kind(&err) {
        ConfigErrorKind::Locked {
            what,
            locked_at,
            set_at,
        } => {
            assert_eq!(what, &Setting::element(Section::MachineKey));
            assert_eq!(locked_at.location(), "root web.config:4");
            assert_eq!(locked_at.level, Level::RootWebConfig);
            assert_eq!(set_at.location(), "App/web.config:3");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(err.aspnet_error(), Some("Config_section_locked"));
    assert!(
        err.to_string().contains("root web.config:4")
            && err.to_string().contains("App/web.config:3")
    );
    // Accepted: the application that does not touch it inherits the locked key, and is told.
    let resolved = ConfigStack::new()
        .root_web_config(root.clone())
        .application_web_config("/App", file("App/web.config", "<pages />"))
        .resolve("/App")
        .unwrap();
    assert_eq!(vk_text(&resolved), VK2);
    let summary = lint_resolved(&resolved, None).unwrap();
    assert!(summary.lints.iter().any(|l| l.code == LintCode::LockedKey));
    // IIS's overrideMode="Deny" locks the same way.
    let deny = ConfigFile::from_text(
        &format!(
            "<configuration><location overrideMode=\"Deny\"><system.web>{}</system.web></location></configuration>",
            keys(VK2, DK2)
        ),
        "root",
    );
    assert!(
        ConfigStack::new()
            .root_web_config(deny)
            .application_web_config("/App", file("app", &keys(VK1, DK1)))
            .resolve("/App")
            .is_err()
    );
}

#[test]
fn attribute_locks() {
    let root = file(
        "root",
        &format!(
            r#"<machineKey validationKey="{VK2}" decryptionKey="{DK2}" lockAttributes="validationKey, decryptionKey" />"#
        ),
    );
    // Another attribute may still be set below.
    let ok = ConfigStack::new()
        .root_web_config(root.clone())
        .application_web_config(
            "/App",
            file("app", r#"<machineKey validation="HMACSHA512" />"#),
        )
        .resolve("/App")
        .unwrap();
    assert_eq!(ok.config.validation(), ValidationAlgorithm::HmacSha512);
    assert!(ok.machine_key_lock.is_some());
    let err = ConfigStack::new()
        .root_web_config(root)
        .application_web_config(
            "/App",
            file("app", &format!(r#"<machineKey validationKey="{VK1}" />"#)),
        )
        .resolve("/App")
        .unwrap_err();
    assert!(
        matches!(kind(&err), ConfigErrorKind::Locked { what, .. } if what.key_attribute() == Some(KeyAttribute::ValidationKey))
    );
    assert_eq!(err.aspnet_error(), Some("Config_base_attribute_locked"));
    // lockAllAttributesExcept and lockItem.
    let except = file(
        "root",
        r#"<machineKey validation="SHA1" lockAllAttributesExcept="validation" />"#,
    );
    assert!(
        ConfigStack::new()
            .root_web_config(except.clone())
            .site_web_config(file("site", r#"<machineKey validation="HMACSHA256" />"#))
            .resolve("/")
            .is_ok()
    );
    assert!(
        ConfigStack::new()
            .root_web_config(except)
            .site_web_config(file("site", r#"<machineKey decryption="AES" />"#))
            .resolve("/")
            .is_err()
    );
    let item = file(
        "root",
        r#"<machineKey validation="SHA1" lockItem="true" />"#,
    );
    assert!(
        ConfigStack::new()
            .root_web_config(item)
            .site_web_config(file("site", r#"<machineKey validation="HMACSHA256" />"#))
            .resolve("/")
            .is_err()
    );
}

#[test]
fn inherit_in_child_applications_false_stops_at_child_applications() {
    let site = ConfigFile::from_text(
        &format!(
            r#"<configuration>
  <location path="." inheritInChildApplications="false">
    <system.web>{}</system.web>
  </location>
  <system.web><machineKey validation="HMACSHA512" /></system.web>
</configuration>"#,
            keys(VK2, DK2)
        ),
        "site web.config",
    );
    let root_app = ConfigStack::new()
        .site_web_config(site.clone())
        .resolve("/")
        .unwrap();
    assert_eq!(vk_text(&root_app), VK2);
    let child = ConfigStack::new()
        .site_web_config(site.clone())
        .application_web_config("/Child", file("Child/web.config", "<pages />"))
        .resolve("/Child")
        .unwrap();
    assert_eq!(
        child.config.legacy_key_specs().unwrap().0.source,
        KeySource::AutoGenerate
    );
    assert_eq!(
        child.config.validation(),
        ValidationAlgorithm::HmacSha512,
        "the rest of the file is inherited"
    );
    // Without the attribute the child inherits the keys.
    let inheriting = ConfigFile::from_text(
        &format!(
            "<configuration><location path=\".\"><system.web>{}</system.web></location></configuration>",
            keys(VK2, DK2)
        ),
        "site",
    );
    let child = ConfigStack::new()
        .site_web_config(inheriting)
        .resolve("/Child")
        .unwrap();
    assert_eq!(vk_text(&child), VK2);
}

#[test]
fn location_paths_in_root_files_and_relative_paths() {
    let root = ConfigFile::from_text(
        &format!(
            r#"<configuration>
  <location path="Default Web Site/Shop"><system.web>{}</system.web></location>
  <location path="Other Site/Shop"><system.web><machineKey validation="MD5" /></system.web></location>
</configuration>"#,
            keys(VK2, DK2)
        ),
        "root web.config",
    );
    // Case-insensitive site and path, the application itself and below.
    for app in ["/Shop", "/SHOP", "/shop/Sub"] {
        let r = ConfigStack::new()
            .root_web_config(root.clone())
            .site_name("default web site")
            .resolve(app)
            .unwrap();
        assert_eq!(vk_text(&r), VK2, "{app}");
        assert_eq!(
            r.config.validation(),
            ValidationAlgorithm::HmacSha256,
            "another site's block is ignored"
        );
    }
    let other = ConfigStack::new()
        .root_web_config(root.clone())
        .resolve("/Shopping")
        .unwrap();
    assert_eq!(
        other.config.legacy_key_specs().unwrap().0.source,
        KeySource::AutoGenerate,
        "a path prefix is not a parent"
    );
    let r = ConfigStack::new()
        .root_web_config(root)
        .site_name("Other Site")
        .resolve("/Shop")
        .unwrap();
    assert_eq!(r.config.validation(), ValidationAlgorithm::Md5);
    // A site file's relative path.
    let site = ConfigFile::from_text(
        &format!(
            "<configuration><location path=\"Shop\"><system.web>{}</system.web></location></configuration>",
            keys(VK1, DK1)
        ),
        "site",
    );
    let r = ConfigStack::new()
        .site_web_config(site)
        .resolve("/Shop")
        .unwrap();
    assert_eq!(vk_text(&r), VK1);
    // A parent's <location> for the application comes before the application's own file.
    let site = ConfigFile::from_text(
        "<configuration><location path=\"Shop\"><system.web><machineKey validation=\"SHA1\" /></system.web></location></configuration>",
        "site",
    );
    let r = ConfigStack::new()
        .site_web_config(site)
        .application_web_config(
            "/Shop",
            file(
                "Shop/web.config",
                r#"<machineKey validation="HMACSHA384" />"#,
            ),
        )
        .resolve("/Shop")
        .unwrap();
    assert_eq!(r.config.validation(), ValidationAlgorithm::HmacSha384);
}

#[test]
fn machine_key_below_an_application_root_is_an_error() {
    let err = ConfigStack::new()
        .folder_web_config(
            "/Shop/admin",
            file("Shop/admin/web.config", &keys(VK1, DK1)),
        )
        .application_web_config("/Shop", file("Shop/web.config", "<pages />"))
        .resolve("/Shop/admin/App")
        .unwrap_err();
    assert!(
        matches!(kind(&err), ConfigErrorKind::NotAllowedBelowApplication { element: Section::MachineKey, at } if at.location() == "Shop/admin/web.config:3")
    );
    assert_eq!(
        err.aspnet_error(),
        Some("Config_allow_definition_error_application")
    );
    // A folder's other settings are fine, and the same file as an application is fine.
    assert!(
        ConfigStack::new()
            .folder_web_config("/f", file("f", "<pages />"))
            .resolve("/f/App")
            .is_ok()
    );
    assert!(
        ConfigStack::new()
            .application_web_config("/f", file("f", &keys(VK1, DK1)))
            .resolve("/f/App")
            .is_ok()
    );
    // A location that targets a folder.
    let site = ConfigFile::from_text(
        &format!(
            "<configuration><location path=\"docs\"><system.web>{}</system.web></location></configuration>",
            keys(VK1, DK1)
        ),
        "site",
    );
    assert!(
        ConfigStack::new()
            .site_web_config(site.clone())
            .resolve("/docs/App")
            .is_err()
    );
    assert!(
        ConfigStack::new()
            .site_web_config(site)
            .resolve("/docs")
            .is_ok(),
        "the application itself"
    );
}

#[test]
fn http_runtime_app_settings_forms_and_pages_inherit() {
    let root = ConfigFile::from_text(
        r#"<configuration>
  <appSettings>
    <add key="aspnet:UseLegacyEncryption" value="true" />
    <add key="aspnet:UseLegacyFormsAuthenticationTicketCompatibility" value="true" />
  </appSettings>
</configuration>"#,
        "root",
    );
    let site = ConfigFile::from_text(
        r#"<configuration>
  <appSettings><remove key="ASPNET:USELEGACYENCRYPTION" /></appSettings>
  <system.web>
    <httpRuntime targetFramework="4.7.2" />
    <authentication mode="Forms"><forms name=".SHOP" timeout="20" slidingExpiration="false" /></authentication>
    <pages viewStateEncryptionMode="Always" />
  </system.web>
</configuration>"#,
        "site",
    );
    let app = file(
        "app",
        r#"<authentication mode="Forms"><forms protection="Validation" path="/App" /></authentication>
<pages enableViewStateMac="false" />"#,
    );
    let r = ConfigStack::new()
        .root_web_config(root.clone())
        .site_web_config(site)
        .application_web_config("/App", app)
        .resolve("/App")
        .unwrap();
    assert_eq!(
        r.config.compatibility_mode(),
        CompatibilityMode::Framework45
    );
    assert!(
        !r.config.runtime().use_legacy_encryption,
        "removed at the site"
    );
    assert!(
        r.config
            .runtime()
            .use_legacy_forms_authentication_ticket_compatibility
    );
    assert_eq!(
        r.origin(Setting::app_setting(
            "aspnet:UseLegacyFormsAuthenticationTicketCompatibility"
        ))
        .unwrap()
        .to_string(),
        "root:4 (root web.config)"
    );
    assert_eq!(
        r.origin(Setting::TARGET_FRAMEWORK).unwrap().to_string(),
        "site:4 (site)"
    );
    assert_eq!(
        (
            r.forms.name.as_str(),
            r.forms.timeout.whole_minutes(),
            r.forms.sliding_expiration
        ),
        (".SHOP", 20, false)
    );
    assert_eq!(
        (r.forms.protection, r.forms.path.as_str()),
        (CookieProtection::Validation, "/App")
    );
    assert_eq!(
        r.pages.view_state_encryption_mode,
        ViewStateEncryptionMode::Always
    );
    assert!(!r.pages.enable_view_state_mac && r.pages.encrypts_view_state());
    // The forms settings drive the ticket API.
    let now = time::OffsetDateTime::now_utc();
    let t = r.forms.new_ticket("alice", now);
    assert_eq!(
        (t.lifetime(), t.cookie_path.as_str()),
        (time::Duration::minutes(20), "/App")
    );
    assert!(
        r.forms
            .renew_on_request(&t, now + time::Duration::minutes(15))
            .is_none(),
        "no sliding expiration"
    );
    // <clear/> empties what the levels above added.
    let cleared = ConfigStack::new()
        .root_web_config(root)
        .site_web_config(ConfigFile::from_text(
            "<configuration><appSettings><clear /></appSettings></configuration>",
            "site",
        ))
        .resolve("/")
        .unwrap();
    assert!(
        !cleared
            .config
            .runtime()
            .use_legacy_forms_authentication_ticket_compatibility
    );
    // A bad value is an error naming it.
    let bad = file("site", r#"<pages viewStateEncryptionMode="Sometimes" />"#);
    assert!(
        ConfigStack::new()
            .site_web_config(bad)
            .resolve("/")
            .unwrap_err()
            .to_string()
            .contains("Sometimes")
    );
}

#[test]
fn utf16_and_bom_files_read() {
    let text = format!(
        "<?xml version=\"1.0\" encoding=\"utf-16\"?>\r\n<configuration><system.web>{}</system.web></configuration>",
        keys(VK2, DK2)
    );
    let le: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let be: Vec<u8> = [0xFE, 0xFF]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
        .collect();
    let utf8_bom: Vec<u8> = [0xEF, 0xBB, 0xBF].into_iter().chain(text.bytes()).collect();
    for bytes in [le, be, utf8_bom, text.clone().into_bytes()] {
        let f = ConfigFile::from_bytes(&bytes, "web.config").unwrap();
        let r = ConfigStack::new().site_web_config(f).resolve("/").unwrap();
        assert_eq!(vk_text(&r), VK2);
    }
    // From disk too.
    let dir = std::env::temp_dir().join(format!("machinekey-stack-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("utf16.config");
    std::fs::write(
        &path,
        [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect::<Vec<u8>>(),
    )
    .unwrap();
    let r = ConfigStack::new()
        .site_web_config(ConfigFile::read(&path).unwrap())
        .resolve("/")
        .unwrap();
    assert_eq!(vk_text(&r), VK2);
    // Latin-1 without a BOM is refused with a reason, not misread.
    assert!(
        decode_config_text(&[b'<', 0xE9, b'>'], "x")
            .unwrap_err()
            .to_string()
            .contains("UTF-16")
    );
    assert!(
        decode_config_text(&[0xFF, 0xFE, 0x41], "x").is_err(),
        "odd UTF-16"
    );
}

#[test]
fn config_source_and_encrypted_sections() {
    let dir = std::env::temp_dir().join(format!("machinekey-configsource-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("config")).unwrap();
    std::fs::write(
        dir.join("config/machineKey.config"),
        format!(
            r#"<machineKey validationKey="{VK2}" decryptionKey="{DK2}" validation="HMACSHA384" />"#
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("appSettings.config"),
        r#"<appSettings><add key="aspnet:UseLegacyEncryption" value="true" /></appSettings>"#,
    )
    .unwrap();
    let web = dir.join("web.config");
    std::fs::write(
        &web,
        r#"<configuration>
  <appSettings configSource="appSettings.config" />
  <system.web><machineKey configSource="config\machineKey.config" /></system.web>
</configuration>"#,
    )
    .unwrap();
    let r = ConfigStack::new()
        .site_web_config(ConfigFile::read(&web).unwrap())
        .resolve("/")
        .unwrap();
    assert_eq!(vk_text(&r), VK2);
    assert_eq!(r.config.validation(), ValidationAlgorithm::HmacSha384);
    assert!(r.config.runtime().use_legacy_encryption);
    // Given as text, the directory is unknown: a clear error, not an empty section.
    let text = std::fs::read_to_string(&web).unwrap();
    let err = ConfigStack::new()
        .site_web_config(ConfigFile::from_text(&text, "web.config"))
        .resolve("/")
        .unwrap_err();
    assert!(err.to_string().contains("configSource"), "{err}");
    // A missing file.
    std::fs::write(&web, r#"<configuration><system.web><machineKey configSource="nope.config" /></system.web></configuration>"#).unwrap();
    assert!(
        ConfigStack::new()
            .site_web_config(ConfigFile::read(&web).unwrap())
            .resolve("/")
            .is_err()
    );
    // Encrypted: the provider is named.
    let encrypted = file(
        "web.config",
        r#"<machineKey configProtectionProvider="RsaProtectedConfigurationProvider"><EncryptedData /></machineKey>"#,
    );
    let err = ConfigStack::new()
        .site_web_config(encrypted)
        .resolve("/")
        .unwrap_err();
    assert!(
        matches!(kind(&err), ConfigErrorKind::EncryptedSection { provider, at } if provider == "RsaProtectedConfigurationProvider" && at.location() == "web.config:3")
    );
    let encrypted = ConfigFile::from_text(
        r#"<configuration><appSettings configProtectionProvider="DataProtectionConfigurationProvider"><EncryptedData/></appSettings></configuration>"#,
        "web.config",
    );
    assert!(
        ConfigStack::new()
            .site_web_config(encrypted)
            .resolve("/")
            .unwrap_err()
            .to_string()
            .contains("DataProtectionConfigurationProvider")
    );
}

#[test]
fn stack_lints_find_keys_anywhere_and_overridden_farm_keys() {
    let list = machinekey::audit::KeyList::builtin();
    let root = file("root web.config", &keys(VK1, DK1)); // a leaked key, farm-wide
    let app = file("App/web.config", &keys(VK2, DK2));
    let r = ConfigStack::new()
        .root_web_config(root)
        .application_web_config("/App", app)
        .resolve("/App")
        .unwrap();
    let summary = lint_resolved(&r, Some(&list)).unwrap();
    let codes: Vec<LintCode> = summary.lints.iter().map(|l| l.code).collect();
    assert!(codes.contains(&LintCode::KnownKeyInStack), "{codes:?}");
    assert!(codes.contains(&LintCode::FarmKeyOverridden), "{codes:?}");
    assert!(
        !codes.contains(&LintCode::KnownKey),
        "the effective key is not known"
    );
    let farm = summary
        .lints
        .iter()
        .find(|l| l.code == LintCode::FarmKeyOverridden)
        .unwrap();
    assert!(
        farm.message.contains("root web.config:3") && farm.message.contains("App/web.config:3")
    );
    assert!(
        summary
            .lints
            .iter()
            .all(|l| !l.message.contains(VK1) && !l.message.contains(VK2))
    );
}

fn lab() -> Vec<Value> {
    let path = format!(
        "{}/tests/data/lab_machinekey_configs.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    doc["apps"].as_array().unwrap().clone()
}

/// One lab application's web.config, written from the recorded settings.
fn lab_web_config(app: &Value) -> String {
    let mut xml = String::from("<?xml version=\"1.0\"?>\n<configuration>\n");
    if let Some(settings) = app["appSettings"].as_object().filter(|s| !s.is_empty()) {
        xml.push_str("  <appSettings>\n");
        for (k, v) in settings {
            xml.push_str(&format!(
                "    <add key=\"{k}\" value=\"{}\" />\n",
                v.as_str().unwrap()
            ));
        }
        xml.push_str("  </appSettings>\n");
    }
    xml.push_str("  <system.web>\n");
    if let Some(tf) = app["httpRuntime_targetFramework"].as_str() {
        xml.push_str(&format!("    <httpRuntime targetFramework=\"{tf}\" />\n"));
    }
    if let Some(pages) = app["pages"].as_object() {
        xml.push_str("    <pages");
        for (k, v) in pages {
            xml.push_str(&format!(" {k}=\"{}\"", v.as_str().unwrap()));
        }
        xml.push_str(" />\n");
    }
    if let Some(mk) = app["machineKey"].as_object() {
        xml.push_str("    <machineKey");
        for (k, v) in mk {
            xml.push_str(&format!(" {k}=\"{}\"", v.as_str().unwrap()));
        }
        xml.push_str(" />\n");
    }
    xml.push_str("  </system.web>\n</configuration>\n");
    xml
}

/// The lab as IIS held it: the site's web.config at `/`, one web.config per application;
/// each application resolves to its own recorded settings, none inherited wrongly.
#[test]
fn lab_applications_resolve_to_their_settings() {
    let apps = lab();
    let site = apps.iter().find(|a| a["iis_app"] == "/").unwrap();
    let site_file = ConfigFile::from_text(&lab_web_config(site), "content/web.config");
    for app in &apps {
        let path = app["iis_app"].as_str().unwrap();
        let mut stack = ConfigStack::new().site_web_config(site_file.clone());
        if path != "/" {
            stack = stack.application_web_config(
                path,
                ConfigFile::from_text(&lab_web_config(app), app["path"].as_str().unwrap()),
            );
        }
        let r = stack.resolve(path).unwrap();
        let mk = &app["machineKey"];
        assert_eq!(
            r.config.validation().as_str(),
            mk["validation"].as_str().unwrap(),
            "{path}"
        );
        assert_eq!(
            r.config.decryption().as_str(),
            mk["decryption"].as_str().unwrap(),
            "{path}"
        );
        assert_eq!(
            r.config.validation_key_text().expose_secret(),
            mk["validationKey"].as_str().unwrap(),
            "{path}"
        );
        assert_eq!(
            r.config.decryption_key_text().expose_secret(),
            mk["decryptionKey"].as_str().unwrap(),
            "{path}"
        );
        let fx45 = app["httpRuntime_targetFramework"]
            .as_str()
            .is_some_and(|t| t.starts_with("4.5"));
        assert_eq!(
            r.config.compatibility_mode().is_framework45(),
            fx45,
            "{path}"
        );
        if let Some(pages) = app["pages"].as_object() {
            assert_eq!(
                r.pages.enable_view_state_mac,
                pages["enableViewStateMac"] == "true",
                "{path}"
            );
            let mode = pages["viewStateEncryptionMode"].as_str().unwrap();
            assert_eq!(
                format!("{:?}", r.pages.view_state_encryption_mode),
                mode,
                "{path}"
            );
        }
        let origin = r.origin(KeyAttribute::ValidationKey).unwrap();
        assert_eq!(
            origin.file,
            app["path"].as_str().unwrap(),
            "{path}: its own file sets its key"
        );
    }
}

/// badsecrets' `/mac/vsk` and `/mac/mobile` ViewStates decode with the keys the lab's
/// configuration resolves to for their applications.
#[test]
fn lab_viewstates_decode_with_the_resolved_keys() {
    let apps = lab();
    let site = apps.iter().find(|a| a["iis_app"] == "/").unwrap();
    let resolve = |app_path: &str| {
        let app = apps.iter().find(|a| a["iis_app"] == app_path).unwrap();
        let r = ConfigStack::new()
            .site_web_config(ConfigFile::from_text(
                &lab_web_config(site),
                "content/web.config",
            ))
            .application_web_config(
                app_path,
                ConfigFile::from_text(&lab_web_config(app), app["path"].as_str().unwrap()),
            )
            .resolve(app_path)
            .unwrap();
        let identity = AppIdentity::new(app_path, &format!("/LM/W3SVC/1/ROOT{app_path}")).unwrap();
        AppKeys::resolve(&r.config, &identity, None).unwrap()
    };
    // /mac/vsk: Framework45 (targetFramework 4.5), HMACSHA256, with a ViewStateUserKey.
    let vsk = resolve("/mac/vsk");
    assert!(vsk.compatibility_mode().is_framework45());
    let page = Page::from_path("http://10.1.1.43/mac/vsk/test/default.aspx", "/mac/vsk")
        .unwrap()
        .with_view_state_user_key("gni5hmwi11rclr1hvj2q55kh");
    let field = "7ir5mtqZunytBPczxZoTSbqiqNob4udW/Hgsw/o3Q5gLgmovvmdZaHS5EDdHbqrk408hRX3FwD8MA8Rlo6e0ta0R+Zc8KIsUEO01jXHnMBE7es73jYNsqEFKa3E6JJ1Qt1Pn48quS79NPhyr4m7wkE9wBT+a00nqTp4r7IrI/7hvBSY1i7Ebv/xrWRu84OuS1bp51TYzcbcq33yYXT/aSg==";
    let payload = vsk.decode_viewstate(field, &page).unwrap();
    assert!(hex::encode(&payload).starts_with("ff010f0f050b2d31303437"));
    let mut tampered = machinekey::crypto::encoding::from_base64(field).unwrap();
    tampered[20] ^= 1;
    assert!(
        vsk.decode_viewstate(&machinekey::crypto::encoding::to_base64(&tampered), &page)
            .is_err()
    );
    // /mac/mobile: the MobilePage's state is legacy-MACed with the page generator
    // (4BC26F45) even though the application targets 4.5: it is read with the legacy stack
    // of the same resolved keys.
    let mobile = resolve("/mac/mobile");
    let page = Page::from_path("/mac/mobile/mobile.aspx", "/mac/mobile").unwrap();
    assert_eq!(
        page.generator(machinekey::formats::GeneratorHash::InvariantIgnoreCase)
            .unwrap(),
        0x4BC2_6F45
    );
    let bytes = machinekey::crypto::encoding::from_base64(
        "/wEXAQUDX19QD2QPBnK814Bedd6IZpHhjAiljufJk4ldrq0DcJnG0+E4",
    )
    .unwrap();
    let modifier = page
        .legacy_modifier(machinekey::formats::GeneratorHash::InvariantIgnoreCase)
        .unwrap();
    let payload = mobile
        .legacy()
        .unwrap()
        .verify(&bytes, Some(&modifier))
        .unwrap();
    assert_eq!(
        hex::encode(&payload),
        "ff01170105035f5f500f640f0672bcd7805e75de8866"
    );
    let mut tampered = bytes.clone();
    tampered[3] ^= 1;
    assert!(
        mobile
            .legacy()
            .unwrap()
            .verify(&tampered, Some(&modifier))
            .is_err()
    );
    // Resolved for another application, the keys do not read it.
    let other = resolve("/mac/vsk");
    assert!(
        other
            .legacy()
            .unwrap()
            .verify(&bytes, Some(&modifier))
            .is_err()
    );
}

#[test]
fn data_protector_type_without_a_repository_is_a_warning() {
    let dp = r#"<machineKey compatibilityMode="Framework45" dataProtectorType="Microsoft.AspNetCore.DataProtection.SystemWeb.CompatibilityDataProtector, Microsoft.AspNetCore.DataProtection.SystemWeb" />"#;
    let with = |setting: &str| {
        let text = format!(
            "<configuration><appSettings>{setting}</appSettings><system.web>{dp}</system.web></configuration>"
        );
        let resolved = ConfigStack::new()
            .application_web_config("/", ConfigFile::from_text(&text, "web.config"))
            .resolve("/")
            .unwrap();
        lint_resolved(&resolved, None).unwrap()
    };
    for setting in [
        "",
        r#"<add key="aspnet:dataProtectionStartupType" value="" />"#,
    ] {
        let s = with(setting);
        let l = s
            .lints
            .iter()
            .find(|l| l.code == LintCode::DataProtectionRepository)
            .unwrap();
        assert!(
            l.message.contains(r"AutoGenKeys\{SID}\DataProtection"),
            "{}",
            l.message
        );
        assert_eq!(l.origin.as_ref().map(|o| o.line), Some(1));
    }
    let s =
        with(r#"<add key="aspnet:dataProtectionStartupType" value="Shop.DataProtection, Shop" />"#);
    assert!(
        s.lints
            .iter()
            .all(|l| l.code != LintCode::DataProtectionRepository)
    );
    assert!(
        s.lints
            .iter()
            .all(|l| l.code != LintCode::CustomDataProtector)
    );
}

#[test]
fn pages_enable_view_state_is_read() {
    let resolve = |pages: &str| {
        let text = format!("<configuration><system.web>{pages}</system.web></configuration>");
        ConfigStack::new()
            .application_web_config("/", ConfigFile::from_text(&text, "web.config"))
            .resolve("/")
            .unwrap()
            .pages
    };
    assert!(resolve("").enable_view_state);
    let p = resolve(r#"<pages enableViewState="false" enableViewStateMac="true" />"#);
    assert!(!p.enable_view_state && p.enable_view_state_mac);
}
