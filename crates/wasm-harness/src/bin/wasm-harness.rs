//! `wasm-harness [--listen ADDR] [MANIFEST]`: serves the app's built
//! components on wasmtime, routed as the manifest (default `spin.toml`) says.

use anyhow::{Context, Result, bail};
use std::net::SocketAddr;
use std::path::PathBuf;
use wasm_harness::App;

#[tokio::main]
async fn main() -> Result<()> {
    let mut listen: SocketAddr = "127.0.0.1:3000".parse()?;
    let mut manifest = PathBuf::from("spin.toml");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--listen" => {
                let value = args.next().context("--listen needs an address")?;
                listen = value
                    .parse()
                    .with_context(|| format!("bad address {value}"))?;
            }
            "-h" | "--help" => {
                println!("usage: wasm-harness [--listen ADDR] [MANIFEST]");
                return Ok(());
            }
            flag if flag.starts_with('-') => bail!("unknown flag {flag}"),
            path => manifest = PathBuf::from(path),
        }
    }
    let app = App::load(&manifest)?;
    let server = app.serve(listen).await?;
    println!("Serving {} on {}", manifest.display(), server.url());
    tokio::signal::ctrl_c().await?;
    Ok(())
}
