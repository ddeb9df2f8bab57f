//! What several test files share: the runtime the suites serve the app on,
//! and manifests changed for one test.
//!
//! The suites run on the wasmtime harness by default. With `TEST_WITH_SPIN`
//! set to a Spin CLI (tests/spin/run sets it for each Spin it finds), every
//! app a suite starts is served by that Spin's `spin up` instead, run as the
//! test's [`Settings`] say, so the same assertions hold the same answers on
//! each runtime.

#![allow(dead_code)] // each test file uses its own part of this module

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use wasm_harness::{App, Follow, Settings};

/// The variable naming the Spin CLI that serves the suites' apps.
pub const TEST_WITH_SPIN: &str = "TEST_WITH_SPIN";

/// The runtime serving the apps of this test run.
pub enum Runtime {
    /// The wasmtime harness, in this process.
    Harness,
    /// A Spin CLI's `spin up`, one process per app.
    Spin { cli: PathBuf, version: String },
}

impl Runtime {
    /// The runtime `TEST_WITH_SPIN` names; the harness when it is unset.
    pub fn current() -> &'static Runtime {
        static RUNTIME: OnceLock<Runtime> = OnceLock::new();
        RUNTIME.get_or_init(|| match std::env::var_os(TEST_WITH_SPIN) {
            Some(cli) if !cli.is_empty() => {
                let cli = PathBuf::from(cli);
                let output = Command::new(&cli)
                    .arg("--version")
                    .output()
                    .unwrap_or_else(|error| panic!("{TEST_WITH_SPIN}={}: {error}", cli.display()));
                // "spin 4.0.2 (<commit> <date>)"
                let version = String::from_utf8_lossy(&output.stdout)
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or_else(|| panic!("{} --version says no version", cli.display()))
                    .to_owned();
                Runtime::Spin { cli, version }
            }
            _ => Runtime::Harness,
        })
    }

    /// A name for the runtime in file names and messages: `harness`, or
    /// `spin-<version>`.
    pub fn label(&self) -> String {
        match self {
            Runtime::Harness => "harness".into(),
            Runtime::Spin { version, .. } => format!("spin-{version}"),
        }
    }

    /// Whether this is a Spin CLI (for the few behaviours only the harness has).
    pub fn is_spin(&self) -> bool {
        matches!(self, Runtime::Spin { .. })
    }
}

/// Serves the app of `manifest` on the current [`Runtime`] for as long as the
/// test process runs; its URL.
pub fn serve(manifest: PathBuf, settings: Settings) -> String {
    match Runtime::current() {
        Runtime::Harness => App::spawn(manifest, settings).expect("the built app starts"),
        Runtime::Spin { cli, .. } => spin_up(cli, &manifest, &settings, None),
    }
}

/// Serves the app of `manifest` on the current Spin with the runtime config
/// file `runtime_config` (`spin up --runtime-config-file`); the harness has
/// no runtime config.
pub fn serve_with_runtime_config(
    manifest: PathBuf,
    settings: Settings,
    runtime_config: &Path,
) -> String {
    match Runtime::current() {
        Runtime::Harness => panic!("the harness takes no runtime config"),
        Runtime::Spin { cli, .. } => spin_up(cli, &manifest, &settings, Some(runtime_config)),
    }
}

/// `spin up` of `manifest` on a free port of 127.0.0.1, with the options
/// and variables `settings` give (what only the harness has, its memory
/// reset and body deadline, does not apply). The process is stopped when
/// this one ends, however it ends.
fn spin_up(
    cli: &Path,
    manifest: &Path,
    settings: &Settings,
    runtime_config: Option<&Path>,
) -> String {
    // A port another process takes between our look and Spin's bind makes
    // Spin exit at once; then try another.
    let mut failures = Vec::new();
    for _ in 0..3 {
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let mut command = Command::new(cli);
        command
            .args(["up", "--from"])
            .arg(manifest)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .arg("--log-dir")
            .arg(settings.log_dir.clone().unwrap_or_else(scratch_log_dir))
            .arg("--state-dir")
            .arg(settings.state_dir.clone().unwrap_or_else(scratch_state_dir));
        if let Some(runtime_config) = runtime_config {
            command.arg("--runtime-config-file").arg(runtime_config);
        }
        match &settings.follow {
            Follow::None => {
                command.arg("--quiet");
            }
            Follow::Named(components) => {
                for component in components {
                    command.args(["--follow", component]);
                }
            }
            Follow::All => {}
        }
        // The app's variables come from the settings, the rest (PATH, HOME)
        // from this process.
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("SPIN_VARIABLE_") {
                command.env_remove(name);
            }
        }
        for (name, value) in &settings.environment {
            if name.starts_with("SPIN_VARIABLE_") {
                command.env(name, value);
            }
        }
        // Spin's own lines and the components' echoed output go to this
        // process's stderr, where a failing test shows them.
        command
            .stdin(Stdio::null())
            .stdout(Stdio::from(std::io::stderr()));
        let mut child = command
            .spawn()
            .unwrap_or_else(|error| panic!("{}: {error}", cli.display()));
        stop_when_this_process_ends(child.id());

        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                failures.push(format!("spin up exited ({status}); its output is above"));
                break;
            }
            if TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok() {
                return format!("http://127.0.0.1:{port}");
            }
            assert!(
                Instant::now() < deadline,
                "{} up --from {} did not listen within 2 minutes",
                cli.display(),
                manifest.display()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    panic!("spin up did not start: {failures:?}")
}

/// Where Spin writes the logs of an app the harness would keep none of: Spin
/// takes no empty `--log-dir`.
fn scratch_log_dir() -> PathBuf {
    std::env::temp_dir().join(format!("car-ml-spin-logs-{}", std::process::id()))
}

/// Where Spin keeps the state (the key-value store) of an app the harness
/// would keep in memory: a new directory for each app, so that no app sees
/// another's store, as on the harness.
pub fn scratch_state_dir() -> PathBuf {
    static APPS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let app = APPS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("car-ml-spin-state-{}-{app}", std::process::id()));
    // Left from an earlier process with this id: start empty.
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A watchdog that stops process `pid` when this process ends: it waits on
/// a pipe only this process holds open, which closes when it exits, even
/// when it is killed.
pub fn stop_when_this_process_ends(pid: u32) {
    let watchdog = Command::new("sh")
        .args(["-c", "read -r _; kill \"$1\" 2>/dev/null", "watchdog"])
        .arg(pid.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("sh starts");
    // The pipe's write end lives as long as this process.
    std::mem::forget(watchdog.stdin);
}

/// The repository's spin.toml with `line` replaced by `replacement`,
/// written to a directory of its own named for `purpose`, its sources made
/// absolute so that it loads the repository's built components.
pub fn manifest_with(line: &str, replacement: &str, purpose: &str) -> PathBuf {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap();
    let manifest = std::fs::read_to_string(repo.join("spin.toml")).unwrap();
    assert!(manifest.contains(line), "spin.toml has {line:?}");
    let manifest = manifest
        .replace(line, replacement)
        .replace("source = \"", &format!("source = \"{}/", repo.display()));
    let dir = std::env::temp_dir().join(format!("car-ml-{purpose}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("spin.toml");
    std::fs::write(&path, manifest).unwrap();
    path
}
