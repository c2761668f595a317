//! Configuration as servers hold it: machine.config, the root web.config, sites, `<location>`,
//! locks.
//!
//! A lone web.config is read as the application it sits in, `<location path=".">` blocks
//! included (the shape publishing tools write): [`MachineKeyConfig::from_web_config`]. Real
//! servers also set `<machineKey>` above the application, in `machine.config` or the
//! framework's root `web.config` (how many farms share one key, sometimes locked with
//! `allowOverride="false"`), and in the site's web.config with `<location path="MyApp">`.
//! [`ConfigStack`] merges all the levels attribute by
//! attribute, as the ASP.NET configuration system does: `<location>` paths (site names in
//! machine-wide files, relative paths, case-insensitive), `inheritInChildApplications`,
//! `allowOverride` / `overrideMode` and the lock attributes (an override below a lock is the error
//! ASP.NET raises, naming both files and lines), `allowDefinition="MachineToApplication"`,
//! `<httpRuntime targetFramework>`, the `aspnet:*` appSettings (`add`, `remove`, `clear`),
//! `<pages>` ViewState settings and `<forms>` (whose timeout, path and protection drive the
//! ticket API). Every effective value says where it came from (file, line, level); files are read
//! in UTF-8 or UTF-16 (with a BOM), `configSource` is followed, and an encrypted section is an
//! error naming its provider. A configuration file is read up to 4 MiB
//! ([`MAX_CONFIG_FILE`]). The CLI takes the same levels:
//!
//! ```sh
//! machinekey config --root-web-config root/web.config --site-web-config site/web.config --app-path /Shop shop/web.config
//! machinekey viewstate decode --web-config shop/web.config --root-web-config root/web.config --app-path /Shop --path /Shop/cart.aspx VALUE
//! ```
//!
//! The warnings then include keys found anywhere in the stack, a lower level overriding a
//! machine-wide (farm) key, and an application under a locked key it cannot change.
//! [`config::lint`] gives the same warnings as typed findings (AutoGenerate or publicly known
//! keys, legacy algorithms, unsigned encryption) with a code and a severity;
//! `machinekey config --strict` exits 1 on any of them.
//!
//! UNVERIFIED: the order between a parent's `<location>` for a path and the web.config at that
//! path follows the documentation (the nearer file wins); locks are enforced against later files
//! only. The rest of the list is in [`exactness`](super::exactness#what-is-unverified).
//!
//! [`MachineKeyConfig::from_web_config`]: crate::MachineKeyConfig::from_web_config
//! [`ConfigStack`]: crate::config::stack::ConfigStack
//! [`MAX_CONFIG_FILE`]: crate::config::stack::MAX_CONFIG_FILE
//! [`config::lint`]: crate::config::lint
