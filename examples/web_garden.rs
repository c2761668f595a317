//! The classic failure, reproduced with real crypto: an IIS web garden of three worker
//! processes under a custom identity without a loaded profile, `<machineKey>` left at
//! `AutoGenerate,IsolateApps`. A .NET update resets the key-store permissions; each worker
//! silently makes up its own keys, and about two requests in three lose their state.
//! Two fixes: an explicit `<machineKey>`, or `aspnet_regiis -ga` and a recycle.
//!
//! Run with `cargo run --example web_garden --features sim` (add `-- --json` for
//! machine-readable output). The story itself is `machinekey::sim::scenarios::web_garden`.

use machinekey::sim::Era;
use machinekey::sim::scenarios::{WebGardenSettings, table, web_garden};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let json = std::env::args().any(|a| a == "--json");
    let stories = [Era::Net20, Era::Net48]
        .into_iter()
        .map(|era| {
            web_garden(WebGardenSettings {
                era,
                ..WebGardenSettings::default()
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if json {
        println!("{}", serde_json::to_string_pretty(&stories)?);
    } else {
        print!("{}", table(&stories));
    }
    Ok(())
}
