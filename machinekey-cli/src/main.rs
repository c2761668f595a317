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
mod events;
mod iis;
mod input;
mod logins;
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
            if is_usage_error {
                // clap quotes the argument it could not place, which may be a cookie or a
                // token: long opaque words are redacted.
                let rendered = redact(&e.render().to_string());
                if wants_json {
                    let line = rendered.lines().next().unwrap_or_default();
                    let failure = output::Failure::usage(line.trim_start_matches("error: "));
                    return output::finish(Err(failure), true);
                }
                eprint!("{rendered}");
                return ExitCode::from(2);
            }
            // --help and --version print to standard output; a closed pipe there is fine.
            let _ = e.print();
            return ExitCode::from(if is_usage_error { 2 } else { 0 });
        }
    };
    if let Err(f) = input::load_certificates(&cli.certificates, cli.certificate_password.as_deref())
    {
        return output::finish(Err(f), cli.json);
    }
    output::finish(commands::run(&cli.command, cli.json), cli.json)
}

/// `text` with every opaque word of 20 or more characters (what a protected value, cookie or
/// token looks like: letters, digits, `-_+/=%.`) replaced by `[value redacted]`.
fn redact(text: &str) -> String {
    let opaque = |c: char| c.is_ascii_alphanumeric() || "-_+/=%.".contains(c);
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let long = word.len() >= 20 && word.chars().any(|c| c.is_ascii_digit());
        if long {
            out.push_str("[value redacted]");
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if opaque(c) {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn usage_errors_redact_values() {
        let t = "error: unexpected argument 'CfDJ8AbC123_xyz-0987654321' found";
        assert_eq!(
            super::redact(t),
            "error: unexpected argument '[value redacted]' found"
        );
        assert_eq!(super::redact("--key-ring <DIR>"), "--key-ring <DIR>");
    }

    use clap::CommandFactory as _;

    /// clap's own consistency checks over every command and argument.
    #[test]
    fn command_line_is_consistent() {
        crate::args::Cli::command().debug_assert();
    }
}
