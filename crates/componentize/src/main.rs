//! `componentize MODULE COMPONENT`: turns a `wasm32-wasip1` core module into
//! a WASI 0.2 component with the preview 1 `proxy` adapter, which imports
//! only what the `wasi:http/proxy` world offers (no environment, no
//! filesystem). `scripts/build-wasm` uses it where the toolchain has no
//! `wasm32-wasip2` target, so both builds give components.

use anyhow::{Context, Result, bail};
use wasi_preview1_component_adapter_provider::{
    WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME, WASI_SNAPSHOT_PREVIEW1_PROXY_ADAPTER,
};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [module, component] = args.as_slice() else {
        bail!("usage: componentize MODULE COMPONENT");
    };
    let bytes = std::fs::read(module).with_context(|| format!("reading {module}"))?;
    let encoded = wit_component::ComponentEncoder::default()
        .validate(true)
        .module(&bytes)?
        .adapter(
            WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME,
            WASI_SNAPSHOT_PREVIEW1_PROXY_ADAPTER,
        )?
        .encode()
        .with_context(|| format!("componentizing {module}"))?;
    std::fs::write(component, encoded).with_context(|| format!("writing {component}"))
}
