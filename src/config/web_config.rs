//! Reading `<machineKey>` and the settings around it from one web.config's text.
//!
//! A lone web.config is read as the configuration of the application it sits in: its own
//! `configuration/system.web/machineKey`, `httpRuntime/@targetFramework` and `appSettings`
//! (`add`, `remove`, `clear`), and `<location>` blocks that target the application itself
//! (`path="."` or empty, as publishing tools write them). Parent levels (machine.config,
//! the root web.config, the site) are merged by [`stack`](super::stack). Element names are
//! matched by local name, so the 2.0-era `xmlns` on `<configuration>` is fine.

use roxmltree::{Document, Node};

use super::stack::{ConfigFile, ConfigStack};
use super::xml::{builder_from_attributes, xml_error};
use super::{FrameworkVersion, MachineKeyConfig, MachineKeyConfigBuilder, RuntimeSettings};
use crate::error::{ConfigError, ConfigErrorKind};
use crate::vocabulary::Section;

fn builder_from_element(
    element: Node<'_, '_>,
    runtime: RuntimeSettings,
) -> Result<MachineKeyConfigBuilder, ConfigError> {
    builder_from_attributes(
        element
            .attributes()
            .filter(|a| a.namespace().is_none()) // e.g. xdt:Transform in transform files
            .map(|a| (a.name(), a.value())),
        runtime,
    )
}

impl MachineKeyConfig {
    /// Reads a whole web.config for ASP.NET 4.x. With no `<machineKey>` element the
    /// defaults apply (`AutoGenerate,IsolateApps`).
    ///
    /// # Errors
    /// A [`ConfigError`] for malformed XML, a duplicated element, an unrecognized
    /// `<machineKey>` attribute, a bad `targetFramework`, or any value ASP.NET rejects.
    ///
    /// # Example
    /// ```
    /// use machinekey::config::{KeySource, MachineKeyConfig};
    /// let cfg = MachineKeyConfig::from_web_config("<configuration />")?;
    /// assert_eq!(cfg.legacy_key_specs()?.0.source, KeySource::AutoGenerate);
    /// # Ok::<(), machinekey::ConfigError>(())
    /// ```
    pub fn from_web_config(xml: &str) -> Result<Self, ConfigError> {
        Self::from_web_config_for(xml, FrameworkVersion::V4)
    }

    /// Reads a whole web.config for the given framework build.
    ///
    /// # Errors
    /// As [`from_web_config`](Self::from_web_config).
    ///
    /// # Example
    /// ```
    /// use machinekey::config::{FrameworkVersion, MachineKeyConfig, ValidationAlgorithm};
    /// let cfg = MachineKeyConfig::from_web_config_for("<configuration/>", FrameworkVersion::V2_0)?;
    /// assert_eq!(cfg.validation(), ValidationAlgorithm::Sha1);
    /// # Ok::<(), machinekey::ConfigError>(())
    /// ```
    pub fn from_web_config_for(
        xml: &str,
        framework: FrameworkVersion,
    ) -> Result<Self, ConfigError> {
        Ok(ConfigStack::new()
            .framework(framework)
            .site_web_config(ConfigFile::from_text(xml, "web.config"))
            .resolve("/")?
            .config)
    }

    /// Reads a lone `<machineKey .../>` element, with the settings around it given.
    ///
    /// # Errors
    /// A [`ConfigError`] for malformed XML, a root element other than `<machineKey>`, an
    /// unrecognized attribute, or any value ASP.NET rejects.
    ///
    /// # Example
    /// ```
    /// use machinekey::config::{MachineKeyConfig, RuntimeSettings};
    /// let cfg = MachineKeyConfig::from_machine_key_element(
    ///     r#"<machineKey validation="SHA1" decryption="AES" />"#,
    ///     RuntimeSettings::default(),
    /// )?;
    /// assert_eq!(cfg.validation().as_str(), "SHA1");
    /// assert!(MachineKeyConfig::from_machine_key_element(
    ///     r#"<machineKey validation="sha1" />"#, RuntimeSettings::default()).is_err());
    /// # Ok::<(), machinekey::ConfigError>(())
    /// ```
    pub fn from_machine_key_element(
        xml: &str,
        runtime: RuntimeSettings,
    ) -> Result<Self, ConfigError> {
        let doc = Document::parse(xml).map_err(|e| xml_error("<machineKey>", &e))?;
        let root = doc.root_element();
        if root.tag_name().name() != "machineKey" {
            return Err(ConfigError::new(
                Section::MachineKey,
                ConfigErrorKind::Xml {
                    message: format!(
                        "the root element is <{}>, not <machineKey>",
                        root.tag_name().name()
                    ),
                },
            ));
        }
        builder_from_element(root, runtime)?.build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{CompatibilityMode, TargetFramework};

    #[test]
    fn reads_target_framework_and_app_settings() {
        let xml = r#"<?xml version="1.0"?>
<configuration xmlns="http://schemas.microsoft.com/.NetConfiguration/v2.0">
  <appSettings>
    <add key="ASPNET:UseLegacyEncryption" value=" True " />
    <add key="aspnet:UseLegacyMachineKeyEncryption" value="true" />
    <remove key="aspnet:uselegacymachinekeyencryption" />
    <add key="aspnet:UseRandomizedStringHashAlgorithm" value="yes" />
  </appSettings>
  <system.web>
    <httpRuntime targetFramework="4.7.2" />
  </system.web>
</configuration>"#;
        let cfg = MachineKeyConfig::from_web_config(xml).unwrap();
        let rt = cfg.runtime();
        assert!(rt.use_legacy_encryption);
        assert!(!rt.use_legacy_machine_key_encryption);
        assert!(
            !rt.use_randomized_string_hash_algorithm,
            "'yes' is not a .NET bool"
        );
        assert_eq!(
            rt.target_framework,
            Some("4.7.2".parse::<TargetFramework>().unwrap())
        );
        assert_eq!(cfg.compatibility_mode(), CompatibilityMode::Framework45);
    }

    #[test]
    fn rejects_duplicates_unknown_attributes_and_bad_xml() {
        let dup =
            "<configuration><system.web><machineKey/><machineKey/></system.web></configuration>";
        assert!(matches!(
            MachineKeyConfig::from_web_config(dup).unwrap_err().kind(),
            ConfigErrorKind::DuplicateElement
        ));
        let unknown = r#"<configuration><system.web><machineKey validationkey="x"/></system.web></configuration>"#;
        assert!(matches!(
            MachineKeyConfig::from_web_config(unknown)
                .unwrap_err()
                .kind(),
            ConfigErrorKind::UnrecognizedAttribute { .. }
        ));
        assert!(matches!(
            MachineKeyConfig::from_web_config("<configuration>")
                .unwrap_err()
                .kind(),
            ConfigErrorKind::Xml { .. }
        ));
        let tf = r#"<configuration><system.web><httpRuntime targetFramework="v4.5"/></system.web></configuration>"#;
        assert!(MachineKeyConfig::from_web_config(tf).is_err());
    }
}
