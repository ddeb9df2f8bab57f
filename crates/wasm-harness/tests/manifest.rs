//! spin.toml is exactly what Spin expects of this repository: its triggers,
//! sources, build commands and dependencies agree with the crates and with
//! the built Wasm (`make build`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use wasm_harness::Manifest;
use wasm_harness::compose;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn manifest() -> Manifest {
    Manifest::load(&repo().join("spin.toml")).expect("spin.toml loads")
}

/// Component `id` as Spin loads it: its built file, adapted to a component.
fn component(manifest: &Manifest, id: &str) -> Vec<u8> {
    compose::read(manifest, id).unwrap()
}

#[test]
fn every_trigger_names_a_component_of_the_manifest() {
    let manifest = manifest();
    assert_eq!(manifest.application.name, "car-ml");
    for trigger in &manifest.trigger.http {
        assert!(
            manifest.component.contains_key(&trigger.component),
            "{trigger:?}"
        );
    }
}

#[test]
fn every_component_is_served_and_has_a_crate() {
    let manifest = manifest();
    let served: BTreeSet<_> = manifest
        .trigger
        .http
        .iter()
        .map(|t| t.component.as_str())
        .collect();
    for id in manifest.component.keys() {
        assert!(
            served.contains(id.as_str()),
            "component `{id}` has no route"
        );
        let cargo_toml =
            std::fs::read_to_string(repo().join("components").join(id).join("Cargo.toml"))
                .unwrap_or_else(|e| {
                    panic!("component `{id}` has no crate in components/{id}: {e}")
                });
        assert!(
            cargo_toml.contains(&format!("name = \"{id}\"")),
            "components/{id} is not the crate `{id}`"
        );
    }
}

#[test]
fn every_source_is_the_file_its_build_command_produces() {
    let manifest = manifest();
    for (id, component) in &manifest.component {
        let library = id.replace('-', "_");
        assert_eq!(
            component.source,
            Path::new(&format!("target/wasm32-wasip1/release/{library}.wasm")),
            "component `{id}`"
        );
        let build = component.build.as_ref().expect("a build command");
        assert_eq!(build.command, format!("scripts/build-wasm {id}"));
        assert!(
            repo().join(&component.source).is_file(),
            "{} is not built",
            component.source.display()
        );
    }
}

#[test]
fn every_dependency_is_imported_by_its_dependent_and_exported_by_its_provider() {
    let manifest = manifest();
    let mut dependencies = 0;
    for (id, component_manifest) in &manifest.component {
        let imports = compose::interfaces(&component(&manifest, id))
            .unwrap()
            .imports;
        for (interface, dependency) in &component_manifest.dependencies {
            dependencies += 1;
            assert!(
                imports.contains(interface),
                "`{id}` does not import {interface}: {imports:?}"
            );
            let exports = compose::interfaces(&component(&manifest, &dependency.component))
                .unwrap()
                .exports;
            assert!(
                exports.contains(interface),
                "`{}` does not export {interface}",
                dependency.component
            );
        }
    }
    assert_eq!(dependencies, 2, "the gateway depends on both models");
}

#[test]
fn every_http_component_exports_the_incoming_handler() {
    let manifest = manifest();
    for id in manifest.component.keys() {
        let exports = compose::interfaces(&component(&manifest, id))
            .unwrap()
            .exports;
        assert!(
            exports.contains("wasi:http/incoming-handler@0.2.0"),
            "`{id}` exports {exports:?}"
        );
    }
}

#[test]
fn the_composed_gateway_imports_only_what_spin_provides() {
    let composed = compose::from_manifest(&manifest(), "gateway").unwrap();
    let interfaces = compose::interfaces(&composed).unwrap();
    for import in &interfaces.imports {
        assert!(
            import.starts_with("wasi:") || import == "fermyon:spin/variables@2.0.0",
            "the composed gateway imports {import}"
        );
    }
    assert!(
        interfaces
            .exports
            .contains("wasi:http/incoming-handler@0.2.0")
    );
}
