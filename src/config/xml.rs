//! Reading configuration XML: elements that may appear once, .NET booleans, and the
//! attributes of `<machineKey>` into a builder. Shared by a lone web.config
//! ([`web_config`](super::web_config)) and the configuration stack ([`stack`](super::stack)).

use roxmltree::Node;

use super::{MachineKeyConfig, MachineKeyConfigBuilder, RuntimeSettings};
use crate::error::{ConfigError, ConfigErrorKind};
use crate::vocabulary::{MachineKeyAttribute, Section};

/// Attributes every configuration element accepts, which do not change the section.
pub(super) const GENERAL_ATTRIBUTES: [&str; 6] = [
    "configSource",
    "lockAttributes",
    "lockAllAttributesExcept",
    "lockElements",
    "lockAllElementsExcept",
    "lockItem",
];

/// A parse error of `file`'s text.
pub(super) fn xml_error(file: &str, e: &roxmltree::Error) -> ConfigError {
    ConfigError::in_file(ConfigErrorKind::Xml {
        message: format!("{file}: {e}"),
    })
}

/// The one child element of `node` that is `section`, if any; two are an error.
pub(super) fn only_child<'a, 'i>(
    node: Node<'a, 'i>,
    section: Section,
) -> Result<Option<Node<'a, 'i>>, ConfigError> {
    let name = section.as_str();
    let mut found = node
        .children()
        .filter(move |n| n.is_element() && n.tag_name().name() == name);
    let first = found.next();
    if first.is_some() && found.next().is_some() {
        return Err(ConfigError::new(section, ConfigErrorKind::DuplicateElement));
    }
    Ok(first)
}

/// .NET `bool.TryParse`: trimmed, case-insensitive `true`/`false`; anything else reads as
/// the default, `false`, as `System.Web.Util.AppSettings` leaves it.
pub(super) fn dotnet_bool(value: &str) -> bool {
    value.trim().eq_ignore_ascii_case("true")
}

/// A builder from `<machineKey>` attributes (name, value), refusing unknown names.
pub(super) fn builder_from_attributes<'a>(
    attributes: impl Iterator<Item = (&'a str, &'a str)>,
    runtime: RuntimeSettings,
) -> Result<MachineKeyConfigBuilder, ConfigError> {
    let mut builder = MachineKeyConfig::builder().runtime(runtime);
    for (name, value) in attributes {
        builder = match MachineKeyAttribute::from_name(name) {
            Some(attribute) => builder.attribute(attribute, value),
            None if GENERAL_ATTRIBUTES.contains(&name) => builder,
            None => {
                return Err(ConfigError::new(
                    Section::MachineKey,
                    ConfigErrorKind::UnrecognizedAttribute {
                        name: name.to_owned(),
                    },
                ));
            }
        };
    }
    Ok(builder)
}
