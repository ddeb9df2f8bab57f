//! `wasm-harness [--listen ADDR] [--log-dir DIR] [--state-dir DIR] [--follow ID]... [--quiet] [MANIFEST]`:
//! serves the app's built components on wasmtime, routed as the manifest
//! (default `spin.toml`) says. As `spin up`, it appends each component's
//! output to `<log dir>/<component>_stdout.txt` and `_stderr.txt` (default
//! `.spin/logs` next to the manifest; `--log-dir ""` writes no files) and
//! echoes it to stderr (only `--follow`ed components; none with `--quiet`),
//! keeps the key-value store `default` in `<state dir>/sqlite_key_value.db`
//! (default `.spin` next to the manifest), and reads app variables from
//! `SPIN_VARIABLE_<NAME>`.
//!
//! `wasm-harness check FILE...`: prints what each Wasm file imports and fails
//! if any is a WASI interface of another version than 0.2, which the
//! cluster's runtime (Spin 3.6.3, in containerd-shim-spin v0.24.0) cannot
//! satisfy; for checking an image's layers before deploying it.

use anyhow::{Context, Result, bail};
use std::net::SocketAddr;
use std::path::PathBuf;
use wasm_harness::{App, Follow, Settings, capabilities, compose};

const USAGE: &str =
    "usage: wasm-harness [--listen ADDR] [--log-dir DIR] [--state-dir DIR] [--follow ID]... [--quiet] [MANIFEST]
       wasm-harness check FILE...";

#[tokio::main]
async fn main() -> Result<()> {
    let mut listen: SocketAddr = "127.0.0.1:3000".parse()?;
    let mut manifest = PathBuf::from("spin.toml");
    let mut log_dir: Option<PathBuf> = None;
    let mut state_dir: Option<PathBuf> = None;
    let mut followed = Vec::new();
    let mut quiet = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "check" => return check(args.collect()),
            "--listen" => {
                let value = args.next().context("--listen needs an address")?;
                listen = value
                    .parse()
                    .with_context(|| format!("bad address {value}"))?;
            }
            "--log-dir" => log_dir = Some(args.next().context("--log-dir needs a path")?.into()),
            "--state-dir" => {
                state_dir = Some(args.next().context("--state-dir needs a path")?.into());
            }
            "--follow" => followed.push(args.next().context("--follow needs a component")?),
            "-q" | "--quiet" => quiet = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            flag if flag.starts_with('-') => bail!("unknown flag {flag}\n{USAGE}"),
            path => manifest = PathBuf::from(path),
        }
    }
    if quiet && !followed.is_empty() {
        bail!("--quiet and --follow exclude each other");
    }
    let mut settings = Settings::spin_up(&manifest);
    if let Some(dir) = log_dir {
        settings.log_dir = (!dir.as_os_str().is_empty()).then_some(dir);
    }
    if let Some(dir) = state_dir {
        settings.state_dir = Some(dir);
    }
    if quiet {
        settings.follow = Follow::None;
    } else if !followed.is_empty() {
        settings.follow = Follow::Named(followed.into_iter().collect());
    }
    let app = App::load_with_settings(&manifest, &settings)?;
    let server = app.serve(listen).await?;
    if let Some(dir) = &settings.log_dir {
        eprintln!("Logging component stdio to {}", dir.join("").display());
    }
    println!("Serving {} on {}", manifest.display(), server.url());
    tokio::signal::ctrl_c().await?;
    Ok(())
}

fn check(files: Vec<String>) -> Result<()> {
    if files.is_empty() {
        bail!("usage: wasm-harness check FILE...");
    }
    let mut failed = false;
    for file in &files {
        let bytes = std::fs::read(file).with_context(|| format!("reading {file}"))?;
        let component = compose::componentize(&bytes)?;
        let imports = compose::interfaces(&component)?.imports;
        println!("{file}:");
        let gated = capabilities::gated(&imports);
        for import in &imports {
            let problem = if import.starts_with("wasi:") && !import.contains("@0.2.") {
                failed = true;
                " <- not WASI 0.2: Spin 3.6.3 cannot run this"
            } else if !import.starts_with("wasi:") {
                " (not the host's: another component must be composed in)"
            } else if gated.contains(&import.as_str()) {
                " (denied to a dependency unless it inherits its parent's configuration)"
            } else {
                ""
            };
            println!("  imports {import}{problem}");
        }
    }
    if failed {
        bail!("a WASI import is not of version 0.2: Spin 3.6.3 cannot run it");
    }
    Ok(())
}
