//! Turns built modules into components and composes a component with its
//! dependencies, as Spin does when it loads an app.

use crate::capabilities;
use crate::manifest::Manifest;
use anyhow::{Context, Result, bail};
use std::collections::BTreeSet;
use wac_graph::types::{Package, Types};
use wac_graph::{CompositionGraph, EncodeOptions};
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
                interface,
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

/// The names a component imports and exports, for example
/// `ml:car-value/estimator@0.3.0` or `wasi:http/incoming-handler@0.2.0`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interfaces {
    pub imports: BTreeSet<String>,
    pub exports: BTreeSet<String>,
}

/// Reads a component's imports and exports.
pub fn interfaces(component: &[u8]) -> Result<Interfaces> {
    let mut types = Types::default();
    let package = Package::from_bytes("component", None, component.to_vec(), &mut types)?;
    let world = &types[package.ty()];
    Ok(Interfaces {
        imports: world.imports.keys().cloned().collect(),
        exports: world.exports.keys().cloned().collect(),
    })
}

/// A component that satisfies one import of another.
pub struct Dependency<'a> {
    /// The import it satisfies, which it must also export under that name.
    pub interface: &'a str,
    /// Its name in error messages and in the composition.
    pub name: &'a str,
    /// The component itself.
    pub component: Vec<u8>,
}

/// Composes `main` with `dependencies`: each dependency is instantiated and
/// its export plugged into `main`'s import of the same name. The result
/// exports what `main` exports and imports what is left over.
pub fn compose(name: &str, main: Vec<u8>, dependencies: Vec<Dependency<'_>>) -> Result<Vec<u8>> {
    if dependencies.is_empty() {
        return Ok(main);
    }
    let mut graph = CompositionGraph::new();
    let main_package = Package::from_bytes(name, None, main, graph.types_mut())?;
    let main_world = main_package.ty();
    let main_instance = {
        let id = graph.register_package(main_package)?;
        graph.instantiate(id)
    };
    for dependency in dependencies {
        let package = Package::from_bytes(
            dependency.name,
            None,
            dependency.component,
            graph.types_mut(),
        )?;
        let world = package.ty();
        if !graph.types()[main_world]
            .imports
            .contains_key(dependency.interface)
        {
            bail!("`{name}` does not import {}", dependency.interface);
        }
        if !graph.types()[world]
            .exports
            .contains_key(dependency.interface)
        {
            bail!(
                "`{}` does not export {}",
                dependency.name,
                dependency.interface
            );
        }
        let id = graph.register_package(package)?;
        let instance = graph.instantiate(id);
        let export = graph.alias_instance_export(instance, dependency.interface)?;
        graph
            .set_instantiation_argument(main_instance, dependency.interface, export)
            .with_context(|| format!("plugging `{}` into `{name}`", dependency.name))?;
    }
    let exports: Vec<String> = graph.types()[main_world].exports.keys().cloned().collect();
    for export in exports {
        let alias = graph.alias_instance_export(main_instance, &export)?;
        graph.export(alias, &export)?;
    }
    Ok(graph.encode(EncodeOptions::default())?)
}
