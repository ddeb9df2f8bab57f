//! Composes a component with the components that satisfy its imports, as
//! Spin does with a component's `dependencies` (each instantiated once, its
//! export wired to the import, the result exporting what the main component
//! exports). The wasmtime harness composes apps with it, and
//! `scripts/build-wasm` the sentiment cascade, whose two models Spin cannot
//! compose itself (a dependency may not have dependencies).

use std::collections::BTreeSet;

use anyhow::{Context, Result, bail};
use wac_graph::types::{Package, Types};
use wac_graph::{CompositionGraph, EncodeOptions};

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
    /// The import it satisfies.
    pub import: &'a str,
    /// Its export that satisfies it: the import's name unless told (Spin's
    /// `export` of a dependency).
    pub export: &'a str,
    /// Its name in error messages and in the composition.
    pub name: &'a str,
    /// The component itself.
    pub component: Vec<u8>,
}

/// Composes `main` with `dependencies`: each dependency is instantiated and
/// its export plugged into `main`'s import. The result exports what `main`
/// exports and imports what is left over.
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
            .contains_key(dependency.import)
        {
            bail!("`{name}` does not import {}", dependency.import);
        }
        if !graph.types()[world].exports.contains_key(dependency.export) {
            bail!(
                "`{}` does not export {}",
                dependency.name,
                dependency.export
            );
        }
        let id = graph.register_package(package)?;
        let instance = graph.instantiate(id);
        let export = graph.alias_instance_export(instance, dependency.export)?;
        graph
            .set_instantiation_argument(main_instance, dependency.import, export)
            .with_context(|| format!("plugging `{}` into `{name}`", dependency.name))?;
    }
    let exports: Vec<String> = graph.types()[main_world].exports.keys().cloned().collect();
    for export in exports {
        let alias = graph.alias_instance_export(main_instance, &export)?;
        graph.export(alias, &export)?;
    }
    Ok(graph.encode(EncodeOptions::default())?)
}
