//! `machinekey`: a thin command-line shell over the library.
//!
//! `args` defines the command line, `input` reads what users hand it (values in any text
//! form, `-`, `@FILE`, web.configs, key lists), `commands` calls the library, and `output`
//! prints text or JSON and picks the exit code; `ui` serves the local decoder page. It is a
//! crate of its own (`cargo install machinekey-cli`), so the library never compiles clap,
//! axum or tokio.

mod args;
mod commands;
mod dataprotection;
mod diagnose;
mod input;
mod output;
mod progress;
mod ui;

use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let wants_json = std::env::args().any(|a| a == "--json");
            let is_usage_error = e.use_stderr();
            if wants_json && is_usage_error {
                let rendered = e.render().to_string();
                let line = rendered.lines().next().unwrap_or_default();
                let failure = output::Failure::usage(line.trim_start_matches("error: "));
                return output::finish(Err(failure), true);
            }
            // --help and --version print to standard output; a closed pipe there is fine.
            let _ = e.print();
            return ExitCode::from(if is_usage_error { 2 } else { 0 });
        }
    };
    output::finish(commands::run(&cli.command, cli.json), cli.json)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    /// clap's own consistency checks over every command and argument.
    #[test]
    fn command_line_is_consistent() {
        crate::args::Cli::command().debug_assert();
    }
}
