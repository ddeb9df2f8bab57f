//! Turns built modules into components and composes a component with its
//! dependencies, as Spin does when it loads an app.

use crate::capabilities;
use crate::manifest::Manifest;
use anyhow::{Context, Result, bail};
use plug::{Dependency, compose};
use wasi_preview1_component_adapter_provider::{
    WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME, WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER,
};

/// Component `id` of `manifest` as built, turned into a component.
pub fn read(manifest: &Manifest, id: &str) -> Result<Vec<u8>> {
    let path = manifest.source_path(id)?;
    let bytes = std::fs::read(&path).with_context(|| {
        format!(
            "reading component `{id}` from {} (run `make build` first)",
            path.display()
        )
    })?;
    componentize(&bytes).with_context(|| format!("componentizing `{id}`"))
}

/// Component `id` of `manifest` as built, composed with its dependencies.
///
/// Spin wraps a dependency that imports a host interface of its capability
/// sets in its deny-all adapter, unless the component sets
/// `dependencies_inherit_configuration`; the harness does not reproduce that
/// adapter, so it refuses such a dependency rather than serve it differently.
pub fn from_manifest(manifest: &Manifest, id: &str) -> Result<Vec<u8>> {
    let component = &manifest.component[id];
    let dependencies = component
        .dependencies
        .iter()
        .map(|(interface, dependency)| {
            let bytes = read(manifest, &dependency.component)?;
            if !component.dependencies_inherit_configuration {
                let imports = interfaces(&bytes)?.imports;
                let gated = capabilities::gated(&imports);
                if !gated.is_empty() {
                    bail!(
                        "`{}` imports {}: Spin would compose it into `{id}` inside its deny-all \
                         adapter, which this harness does not reproduce; import none of Spin's \
                         capability sets, or set `dependencies_inherit_configuration = true`",
                        dependency.component,
                        gated.join(", "),
                    );
                }
            }
            Ok(Dependency {
                import: interface,
                export: dependency.export.as_deref().unwrap_or(interface),
                name: &dependency.component,
                component: bytes,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    compose(id, read(manifest, id)?, dependencies)
        .with_context(|| format!("composing component `{id}` with its dependencies"))
}

/// Returns `bytes` as a component, as Spin does when it loads one: a
/// component as it is, and a core module (`cargo build --target
/// wasm32-wasip1`) adapted to WASI 0.2 with the preview 1 reactor adapter,
/// which Spin applies to modules made with wit-bindgen 0.5 or later
/// (`crates/componentize` in the Spin repository).
pub fn componentize(bytes: &[u8]) -> Result<Vec<u8>> {
    if wasmparser::Parser::is_component(bytes) {
        return Ok(bytes.to_vec());
    }
    wit_component::ComponentEncoder::default()
        .validate(true)
        .module(bytes)?
        .adapter(
            WASI_SNAPSHOT_PREVIEW1_ADAPTER_NAME,
            WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER,
        )?
        .encode()
}

pub use plug::{Interfaces, interfaces};
