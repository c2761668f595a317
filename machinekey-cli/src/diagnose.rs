//! `machinekey diagnose` (replicas' logs, rings and values to verdicts) and `machinekey
//! simulate core` (an ASP.NET Core deployment), over `compat::diagnose` and
//! `sim::data_protection`.

use machinekey::compat::diagnose::{Diagnoser, Persistence, SessionStore, Settings, Verdict};
use machinekey::sim::data_protection::DataProtectionScenario;

use crate::args::{PersistenceArg, SessionStoreArg, SimulateCommand};
use crate::input::argument_text;
use crate::output::{Failure, Output};

/// What `diagnose` was given.
pub(crate) struct Request<'a> {
    pub(crate) logs: &'a [String],
    pub(crate) key_rings: &'a [String],
    pub(crate) app_name: Option<&'a str>,
    pub(crate) replicas: Option<u32>,
    pub(crate) persistence: Option<PersistenceArg>,
    pub(crate) session_store: Option<SessionStoreArg>,
    pub(crate) values: &'a [String],
}

fn persistence(p: PersistenceArg) -> Persistence {
    match p {
        PersistenceArg::Shared => Persistence::Shared,
        PersistenceArg::PerReplica => Persistence::PerReplica,
        PersistenceArg::Default => Persistence::Default,
    }
}

fn session_store(s: SessionStoreArg) -> SessionStore {
    match s {
        SessionStoreArg::Memory => SessionStore::Memory,
        SessionStoreArg::Shared => SessionStore::Shared,
    }
}

pub(crate) fn run(r: &Request<'_>) -> Result<Output, Failure> {
    if r.logs.is_empty() && r.key_rings.is_empty() && r.values.is_empty() {
        return Err(Failure::usage(
            "give at least one --log FILE, --key-ring DIR or --value V",
        ));
    }
    let mut d = Diagnoser::new();
    for log in r.logs {
        if log == "-" {
            d.read_log("stdin", std::io::stdin().lock())
                .map_err(|e| Failure::usage(e.to_string()))?;
        } else {
            let file = std::fs::File::open(log).map_err(|e| Failure::io(log, &e))?;
            let name = std::path::Path::new(log)
                .file_stem()
                .map_or_else(|| log.clone(), |s| s.to_string_lossy().into_owned());
            d.read_log(&name, file)
                .map_err(|e| Failure::usage(e.to_string()))?;
        }
    }
    for dir in r.key_rings {
        d.key_ring_dir(std::path::Path::new(dir))
            .map_err(|e| Failure {
                exit: 2,
                code: "key_ring",
                message: e.to_string(),
            })?;
    }
    for v in r.values {
        d.value(&argument_text(v)?);
    }
    d.settings(Settings {
        application_name: r.app_name.map(str::to_owned),
        persistence: r.persistence.map(persistence),
        replicas: r.replicas,
        session_store: r.session_store.map(session_store),
    });
    let diagnosis = d.diagnose();
    let mut out = Output::new(diagnosis.report().trim_end(), &diagnosis)?;
    if diagnosis
        .findings
        .iter()
        .any(|f| f.verdict != Verdict::Healthy)
    {
        out.code = 1;
    }
    Ok(out)
}

/// A TOML basic string.
fn toml_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The scenario file `simulate core` runs.
fn core_toml(c: &SimulateCommand) -> Result<String, Failure> {
    let SimulateCommand::Core {
        replicas,
        persistence,
        app_names,
        content_roots,
        session_store,
        no_container,
        home_missing,
        restart,
        rolling_deploy,
        requests,
        seed,
    } = c
    else {
        return Err(Failure::usage("not a Core simulation"));
    };
    if *replicas == 0 || *replicas > 64 {
        return Err(Failure::usage("--replicas is 1 to 64"));
    }
    let mut t = format!(
        "system = \"data-protection\"\nname = \"ASP.NET Core, {replicas} {}\"\nseed = {seed}\nrequests = {requests}\napplication = {{ kind = \"core\", session_store = \"{}\" }}\n",
        if *no_container {
            "servers"
        } else {
            "containers"
        },
        match session_store {
            SessionStoreArg::Memory => "memory",
            SessionStoreArg::Shared => "shared",
        }
    );
    for i in 0..*replicas {
        let mut env = vec!["os = \"linux\"".to_owned()];
        if !*no_container {
            env.push("in_container = true".to_owned());
        }
        match persistence {
            PersistenceArg::Shared => {
                env.push("configured_repository = \"/keys\"".to_owned());
                env.push("mounts = [\"/keys\"]".to_owned());
            }
            PersistenceArg::PerReplica => {
                env.push("configured_repository = \"/keys\"".to_owned());
            }
            PersistenceArg::Default => {}
        }
        if *home_missing {
            env.push("user_profile = \"/home/app\"".to_owned());
            env.push("home_missing = true".to_owned());
        } else {
            env.push("user_profile = \"/root\"".to_owned());
        }
        let root = content_roots
            .get(i)
            .or_else(|| content_roots.last())
            .map_or("/app", String::as_str);
        env.push(format!("working_directory = {}", toml_str(root)));
        t.push_str(&format!(
            "\n[[nodes]]\nname = \"web-{}\"\nkind = \"{}\"\ncontent_root = {}\n",
            i + 1,
            if *no_container { "server" } else { "container" },
            toml_str(root)
        ));
        if let Some(name) = app_names.get(i).or_else(|| app_names.last()) {
            t.push_str(&format!("application_name = {}\n", toml_str(name)));
        }
        t.push_str(&format!("environment = {{ {} }}\n", env.join(", ")));
    }
    if *restart {
        t.push_str(
            "\n[[steps]]\nname = \"every replica restarted\"\nevents = [{ event = \"restart\" }]\n",
        );
    }
    if *rolling_deploy {
        t.push_str(
            "\n[[steps]]\nname = \"rolling deploy\"\nevents = [{ event = \"rolling-deploy\" }]\n",
        );
    }
    Ok(t)
}

pub(crate) fn simulate_core(c: &SimulateCommand) -> Result<Output, Failure> {
    let toml = core_toml(c)?;
    let scenario = DataProtectionScenario::from_toml(&toml)
        .map_err(|e| Failure::usage(format!("simulate core: {e}")))?;
    let report = scenario
        .run()
        .map_err(|e| Failure::usage(format!("simulate core: {e}")))?;
    Output::new(report.table().trim_end(), &report)
}
