//! The web garden of a diagnosed pool, run through the simulator ([`crate::sim`]) as found
//! and after each fix: the operator's own configuration, identity, worker count, registry
//! view and key-store state give the failure rates, and the fixes are the steps.
//!
//! # Example
//! ```
//! use machinekey::iis::{Server, apphost::{ReadOptions, parse_application_host}};
//! let config = parse_application_host("applicationHost.config", r#"<configuration><system.applicationHost>
//!   <applicationPools>
//!     <add name="Shop" managedRuntimeVersion="v4.0"><processModel identityType="SpecificUser" userName="CORP\svc_shop" maxProcesses="3" /></add>
//!   </applicationPools>
//!   <sites><site name="Shop" id="2"><application path="/" applicationPool="Shop">
//!     <virtualDirectory path="/" physicalPath="C:\inetpub\shop" /></application></site></sites>
//! </system.applicationHost></configuration>"#, &ReadOptions::default())?;
//! let mut server = Server::new("web1", config);
//! server.add_acl_argument("D:P(A;CI;KA;;;SY)(A;CI;KA;;;BA)")?;
//! server.accounts.add_sid("CORP\\svc_shop", "S-1-5-21-1-2-3-1105".parse().map_err(|_| machinekey::Error::Unprotect)?, "--sid");
//! let run = server.diagnose(None).simulate(None, 600, 7)?;
//! let as_found = &run.variants[0].report;
//! assert!(as_found.kind("forms login").is_some_and(|k| k.failure_rate() > 0.5));
//! assert!(run.variants[1..].iter().all(|v| v.report.failures() == 0));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::Serialize;

use super::diagnose::{Diagnosis, FindingId, StoreKind};
use super::server::{RuntimeVersion, ServerKind};
use crate::config::MachineKeyConfig;
use crate::error::{ArgumentError, Error};
use crate::keys::AppIdentity;
use crate::keys::store::IdentityKind;
use crate::sim::{Balancing, Era, Report, SeededRandom, Simulation};

/// The most workers simulated for one pool.
pub const MAX_WORKERS: u32 = 16;

/// One way of running the pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Variant {
    /// `as found`, or the fix.
    pub name: String,
    /// What was changed, in an operator's words.
    pub change: String,
    /// The traffic's report.
    pub report: Report,
}

/// A pool's web garden as found and after each fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct IisSimulation {
    /// The server.
    pub server: String,
    /// The pool.
    pub pool: String,
    /// The application whose traffic is simulated (`site/path`).
    pub application: String,
    /// Workers simulated.
    pub workers: u32,
    /// Assumptions made (an unknown store taken as unusable, NUMA workers taken as 2...).
    pub assumptions: Vec<String>,
    /// The runs.
    pub variants: Vec<Variant>,
}

impl IisSimulation {
    /// Failures per run and kind of state.
    #[must_use]
    pub fn table(&self) -> String {
        use core::fmt::Write as _;
        let mut out = format!(
            "{}: pool {} ({} worker{}), traffic to {}\n",
            self.server,
            self.pool,
            self.workers,
            if self.workers == 1 { "" } else { "s" },
            self.application
        );
        for a in &self.assumptions {
            let _ = writeln!(out, "assumed: {a}");
        }
        let _ = writeln!(
            out,
            "\n{:<36} {:>16} {:>16} {:>16} {:>18}",
            "run", "session", "forms login", "viewstate", "MachineKey.Protect"
        );
        for v in &self.variants {
            let r = &v.report;
            let cell = |name: &str| match r.kind(name) {
                Some(k) if k.requests > 0 => format!(
                    "{:>5}/{:<5} {:>3.0}%",
                    k.failures,
                    k.requests,
                    100.0 * k.failure_rate()
                ),
                _ => "n/a".to_owned(),
            };
            let _ = writeln!(
                out,
                "{:<36} {:>16} {:>16} {:>16} {:>18}",
                v.name,
                cell("session"),
                cell("forms login"),
                cell("viewstate"),
                cell("machinekey.protect")
            );
            let _ = writeln!(out, "    {}", v.change);
        }
        out
    }
}

impl Diagnosis {
    /// Runs `pool` (by default the pool of the most severe web-garden finding, else the
    /// first pool with several workers, else the first pool with an application) with
    /// `requests` measured requests per run, seeded with `seed`: as found, then after each
    /// fix that applies (an explicit `<machineKey>`, `aspnet_regiis -ga`,
    /// `loadUserProfile="true"`). Traffic goes to the pool's first application whose
    /// configuration was resolved.
    ///
    /// # Errors
    /// [`ArgumentError::UnknownPool`] when there is no such pool;
    /// [`ArgumentError::PoolNotSimulated`] when no application in it was resolved or its
    /// runtime is not 2.0 or 4.x; a simulator error.
    pub fn simulate(
        &self,
        pool: Option<&str>,
        requests: usize,
        seed: u64,
    ) -> Result<IisSimulation, Error> {
        let pool = match pool {
            Some(name) => self.pool(name),
            None => self
                .findings
                .iter()
                .find(|f| {
                    matches!(
                        f.id,
                        FindingId::WebGardenPrivateKeys
                            | FindingId::WebGardenStoreUnknown
                            | FindingId::WebGardenInprocSession
                    )
                })
                .and_then(|f| f.subject.strip_prefix("pool "))
                .and_then(|n| self.pool(n))
                .or_else(|| {
                    self.pools
                        .iter()
                        .find(|p| p.workers != 1 && !p.applications.is_empty())
                })
                .or_else(|| self.pools.iter().find(|p| !p.applications.is_empty())),
        }
        .ok_or_else(|| ArgumentError::UnknownPool {
            name: pool.unwrap_or_default().to_owned(),
        })?;
        let refused = |reason| ArgumentError::PoolNotSimulated {
            pool: pool.name.clone(),
            reason,
        };
        let app = self
            .applications
            .iter()
            .find(|a| a.pool.eq_ignore_ascii_case(&pool.name) && a.resolved.is_some())
            .ok_or_else(|| refused("no application of it has a resolved configuration"))?;
        let (Some(resolved), Some(identity)) = (&app.resolved, &app.identity) else {
            return Err(refused("its application's identity is not known").into());
        };
        let era = match pool.runtime {
            RuntimeVersion::V2_0 => Era::Net20,
            RuntimeVersion::V4_0 => Era::Net48,
            _ => return Err(refused("only ASP.NET 2.0 and 4.x pools are simulated").into()),
        };
        let mut assumptions = Vec::new();
        // Paths the crate cannot hash offline get a stand-in hash: the workers of one
        // application all use the same one, so the verdicts do not depend on it.
        let mut app_identity: AppIdentity = identity.clone();
        if app_identity.virtual_path_hash().is_err() {
            app_identity =
                app_identity.with_virtual_path_hash(stand_in_hash(identity.virtual_path()));
            assumptions.push(format!(
                "a stand-in hash for the virtual path {:?}",
                identity.virtual_path()
            ));
        }
        if app_identity.app_id_hash().is_err() {
            app_identity = app_identity.with_app_id_hash(stand_in_hash(identity.app_id()));
            assumptions.push(format!(
                "a stand-in hash for the app id {:?}",
                identity.app_id()
            ));
        }
        let workers = match pool.workers {
            0 => {
                assumptions.push("one worker per NUMA node, taken as 2".to_owned());
                2
            }
            n if n > MAX_WORKERS => {
                assumptions.push(format!("{n} workers, simulated as {MAX_WORKERS}"));
                MAX_WORKERS
            }
            n => n,
        };
        let granted = match pool.key_store.store {
            StoreKind::LocalMachine => true,
            StoreKind::Unknown => {
                assumptions
                    .push("the key store could not be checked: taken as unusable".to_owned());
                false
            }
            _ => false,
        };
        let process = pool.identity.process_identity();
        let config = resolved.config.clone();
        let count = usize::try_from(workers).unwrap_or(1);
        let run = |name: &str,
                   change: String,
                   config: MachineKeyConfig,
                   identity,
                   grant: bool|
         -> Result<Variant, Error> {
            let mut sim = Simulation::new(app_identity.clone(), Balancing::Random, seed);
            sim.add_server(&self.server, era, pool.view, config, identity, count)?;
            if grant {
                sim.grant_access(0)?;
                sim.recycle(0)?;
            }
            sim.run("warm-up", 100)?;
            Ok(Variant {
                name: name.to_owned(),
                change,
                report: sim.run(name, requests)?,
            })
        };
        let mut variants = vec![run(
            "as found",
            format!(
                "{} as {}, {}",
                pool.name, pool.identity.account, pool.key_store.description
            ),
            config.clone(),
            process.clone(),
            granted,
        )?];
        let autogen = app.machine_key.as_ref().is_some_and(|s| {
            s.validation_key.source == crate::config::KeySource::AutoGenerate
                || s.decryption_key.source == crate::config::KeySource::AutoGenerate
        });
        if autogen {
            let rng = SeededRandom::new(seed ^ 0x9E37_79B9_7F4A_7C15);
            let generated = crate::keys::generate(config.validation(), config.decryption(), &rng)?;
            let mut builder = MachineKeyConfig::builder()
                .validation_key(generated.validation_key_text().expose_secret())
                .decryption_key(generated.decryption_key_text().expose_secret())
                .validation(config.validation())
                .decryption(config.decryption())
                .runtime(config.runtime().clone());
            if let Some(mode) = config.compatibility_mode_attribute() {
                builder = builder.compatibility_mode(mode);
            }
            variants.push(run(
                "fix: explicit <machineKey>",
                format!(
                    "fixed validationKey and decryptionKey in {}'s configuration",
                    app.label
                ),
                builder.build()?,
                process.clone(),
                granted,
            )?);
        }
        let private = matches!(
            pool.key_store.store,
            StoreKind::PerProcess | StoreKind::Unknown
        );
        if autogen && private {
            variants.push(run(
                "fix: aspnet_regiis -ga",
                format!(
                    "aspnet_regiis -ga \"{}\", then a recycle",
                    pool.identity.account
                ),
                config.clone(),
                process.clone(),
                true,
            )?);
            let profile_fix = self.kind != ServerKind::Iis6
                && matches!(
                    process.kind(),
                    IdentityKind::ApplicationPoolIdentity | IdentityKind::Custom
                );
            if profile_fix {
                let loaded = match process.kind() {
                    IdentityKind::ApplicationPoolIdentity => {
                        crate::keys::store::ProcessIdentity::application_pool_identity(
                            process.sid(),
                            true,
                        )
                    }
                    _ => crate::keys::store::ProcessIdentity::custom(process.sid(), true),
                };
                variants.push(run(
                    "fix: loadUserProfile=true",
                    format!("appcmd set apppool \"{}\" /processModel.loadUserProfile:true, then a recycle", pool.name),
                    config,
                    loaded,
                    granted,
                )?);
            }
        }
        Ok(IisSimulation {
            server: self.server.clone(),
            pool: pool.name.clone(),
            application: app.label.clone(),
            workers,
            assumptions,
            variants,
        })
    }
}

/// A hash for a string the crate cannot weigh: only equality matters in a simulation of
/// one application.
fn stand_in_hash(text: &str) -> i32 {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(text.to_lowercase().as_bytes());
    match d.get(..4) {
        Some([a, b, c, e]) => i32::from_le_bytes([*a, *b, *c, *e]),
        _ => 0,
    }
}
