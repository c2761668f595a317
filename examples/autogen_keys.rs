//! Where a worker process gets its auto-generated keys, and how a .NET installer breaks a
//! web garden: three workers of a custom identity without a loaded profile, before and
//! after a framework update with the ACL bug, and after `aspnet_regiis -ga`.
//!
//! Run with `cargo run --example autogen_keys`.

use machinekey::config::MachineKeyConfig;
use machinekey::crypto::legacy::LegacyProtector;
use machinekey::keys::store::{KeyStore, ProcessIdentity, RegistryView};
use machinekey::keys::{AppIdentity, AutoGenKeys, LegacyKeys};
use machinekey::random::OsRandom;
use machinekey::time::{Duration, OffsetDateTime};

fn main() -> Result<(), machinekey::Error> {
    let config = MachineKeyConfig::default(); // AutoGenerate,IsolateApps; HMACSHA256
    let app = AppIdentity::new("/Shop", "/LM/W3SVC/1/ROOT/Shop")?;
    let identity = ProcessIdentity::custom("S-1-5-21-1004336348-1177238915-682003330-1105", false);
    let mut store = KeyStore::new();
    store.grant_access(identity.sid()); // provisioned with aspnet_regiis -ga long ago
    // The model takes the time from its caller: a minute per event from a fixed start.
    let mut clock = OffsetDateTime::UNIX_EPOCH + Duration::days(20_000);

    for (stage, event) in [
        ("before the update", None),
        ("after a .NET update (ACL bug)", Some("install")),
        ("after aspnet_regiis -ga + recycle", Some("grant")),
    ] {
        match event {
            Some("install") => store.install_framework(clock, true),
            Some(_) => store.grant_access(identity.sid()),
            None => {}
        }
        println!("{stage}:");
        // Three workers start; the first one protects data, the others try to read it.
        let mut protectors = Vec::new();
        for worker in 1..=3 {
            clock += Duration::minutes(1);
            let proposed = AutoGenKeys::generate(&OsRandom)?;
            let got = store.resolve(&identity, RegistryView::Bits64, proposed, clock)?;
            let keys = LegacyKeys::resolve(&config, &app, Some(&got.keys))?;
            println!("  worker {worker}: {}", got.source);
            protectors.push(LegacyProtector::new(&config, &keys)?);
        }
        let signed = protectors
            .first()
            .map(|p| p.sign(b"ViewState", None))
            .transpose()?
            .unwrap_or_default();
        let readable = protectors
            .iter()
            .filter(|p| p.verify(&signed, None).is_ok())
            .count();
        println!("  data protected by worker 1 verifies on {readable} of 3 workers\n");
    }
    Ok(())
}
