//! A client for `dotnet-oracle`: real ASP.NET Core 10 compiled to one native program that
//! answers JSON lines (`../shared/tools/dotnet-oracle/README.md`). The differential tests
//! keep one process open per test and ask it questions; a machine without the program skips
//! them with one printed line.
//!
//! Where it is looked for: the environment variable `MACHINEKEY_DOTNET_ORACLE`, else
//! `../shared/tools/dotnet-oracle/bin/dotnet-oracle` relative to the repository root.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::Value;

/// The environment variable naming the oracle's path.
pub const ENV: &str = "MACHINEKEY_DOTNET_ORACLE";

/// The oracle's path, if one exists: [`ENV`], else the shared tools beside the repository.
#[must_use]
pub fn find() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(ENV) {
        let p = PathBuf::from(p);
        return p.is_file().then_some(p);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent()?;
    let p = root.join("../shared/tools/dotnet-oracle/bin/dotnet-oracle");
    p.is_file().then_some(p)
}

/// One running oracle.
#[derive(Debug)]
pub struct Oracle {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    asked: usize,
}

impl Oracle {
    /// Starts the oracle, or prints one line saying why `test` is skipped and returns
    /// `None`.
    ///
    /// # Panics
    /// When the program exists but cannot be started.
    #[must_use]
    pub fn start(test: &str) -> Option<Self> {
        let Some(path) = find() else {
            println!(
                "skipped {test}: no dotnet-oracle (set {ENV} or put it at ../shared/tools/dotnet-oracle/bin/dotnet-oracle)"
            );
            return None;
        };
        let mut child = Command::new(&path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", path.display()));
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        Some(Self {
            child,
            stdin,
            stdout,
            asked: 0,
        })
    }

    /// Sends one request and returns the answer as it came (`ok` true or false).
    ///
    /// # Panics
    /// When the process does not answer with one JSON line.
    pub fn ask(&mut self, request: &Value) -> Value {
        self.ask_text(&serde_json::to_string(request).expect("a JSON request"))
    }

    /// Sends one request written as JSON text (to keep the order of an object's members,
    /// which `serde_json::Value` sorts), and returns the answer.
    ///
    /// # Panics
    /// When the process does not answer with one JSON line.
    pub fn ask_text(&mut self, request: &str) -> Value {
        let stdin = self.stdin.as_mut().expect("the oracle's stdin is open");
        assert!(!request.contains('\n'), "one request is one line");
        let mut line = request.to_owned();
        line.push('\n');
        stdin
            .write_all(line.as_bytes())
            .and_then(|()| stdin.flush())
            .expect("the oracle reads its input");
        let mut answer = String::new();
        let n = self
            .stdout
            .read_line(&mut answer)
            .expect("the oracle answers");
        assert!(n > 0, "the oracle closed its output after {request}");
        self.asked += 1;
        serde_json::from_str(&answer)
            .unwrap_or_else(|e| panic!("not a JSON answer ({e}): {answer}"))
    }

    /// Sends one request that must succeed, and returns the answer.
    ///
    /// # Panics
    /// When the answer is an error.
    pub fn ok(&mut self, request: &Value) -> Value {
        let a = self.ask(request);
        assert_eq!(a["ok"], true, "the oracle refused {request}: {a}");
        a
    }

    /// As [`ok`](Self::ok), for a request written as JSON text.
    ///
    /// # Panics
    /// When the answer is an error.
    pub fn ok_text(&mut self, request: &str) -> Value {
        let a = self.ask_text(request);
        assert_eq!(a["ok"], true, "the oracle refused {request}: {a}");
        a
    }

    /// How many requests were answered.
    #[must_use]
    pub fn asked(&self) -> usize {
        self.asked
    }
}

impl Drop for Oracle {
    fn drop(&mut self) {
        // Closing its input ends the program; wait for it so no process is left behind.
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

/// A directory under the system's temporary directory, removed when dropped.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    /// A new empty directory whose name starts with `prefix`.
    ///
    /// # Panics
    /// When it cannot be created.
    #[must_use]
    pub fn new(prefix: &str) -> Self {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "{prefix}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("a temporary directory");
        Self(p)
    }

    /// The path.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// The path as a string, for JSON requests.
    #[must_use]
    pub fn text(&self) -> String {
        self.0.display().to_string()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
