//! spin.toml is exactly what Spin expects of this repository: its triggers,
//! sources, build commands and dependencies agree with the crates and with
//! the built Wasm (`make build`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use wasm_harness::compose;
use wasm_harness::{Manifest, capabilities};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn manifest() -> Manifest {
    Manifest::load(&repo().join("spin.toml")).expect("spin.toml loads")
}

/// Component `id` as Spin loads it: its built file, adapted to a component.
fn component_bytes(manifest: &Manifest, id: &str) -> Vec<u8> {
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

/// A component serves a route, or is an alternative implementation of an
/// interface some component depends on (like `sentiment-vader`), there to
/// be composed in by changing that dependency.
#[test]
fn every_component_is_served_or_can_be_composed_in_and_has_a_crate() {
    let manifest = manifest();
    let served: BTreeSet<_> = manifest
        .trigger
        .http
        .iter()
        .map(|t| t.component.as_str())
        .collect();
    let depended_on: BTreeSet<&str> = manifest
        .component
        .values()
        .flat_map(|c| c.dependencies.keys().map(String::as_str))
        .collect();
    for id in manifest.component.keys() {
        if !served.contains(id.as_str()) {
            let exports = compose::interfaces(&component_bytes(&manifest, id))
                .unwrap()
                .exports;
            assert!(
                exports.iter().any(|e| depended_on.contains(e.as_str())),
                "component `{id}` has no route and exports nothing a component depends on"
            );
        }
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
        // The build composes the cascade with its two models into a file
        // of its own.
        let file = match id.as_str() {
            "sentiment-cascade" => format!("{library}.composed.wasm"),
            _ => format!("{library}.wasm"),
        };
        assert_eq!(
            component.source,
            Path::new(&format!("target/wasm32-wasip2/release/{file}")),
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
        let imports = compose::interfaces(&component_bytes(&manifest, id))
            .unwrap()
            .imports;
        for (interface, dependency) in &component_manifest.dependencies {
            dependencies += 1;
            assert!(
                imports.contains(interface),
                "`{id}` does not import {interface}: {imports:?}"
            );
            let exports = compose::interfaces(&component_bytes(&manifest, &dependency.component))
                .unwrap()
                .exports;
            assert!(
                exports.contains(interface),
                "`{}` does not export {interface}",
                dependency.component
            );
        }
    }
    assert_eq!(
        dependencies, 4,
        "the gateway depends on both models, each service's API on its model"
    );
}

#[test]
fn every_http_component_exports_the_incoming_handler() {
    let manifest = manifest();
    let served: BTreeSet<&str> = manifest
        .trigger
        .http
        .iter()
        .map(|t| t.component.as_str())
        .collect();
    for id in served {
        let exports = compose::interfaces(&component_bytes(&manifest, id))
            .unwrap()
            .exports;
        assert!(
            exports.contains("wasi:http/incoming-handler@0.2.0"),
            "`{id}` exports {exports:?}"
        );
    }
}

/// Spin composes a dependency that imports any interface of its capability
/// sets inside its deny-all adapter: one more instance per request, and when
/// pushed by Spin 4 an adapter importing WASI 0.3, which the cluster's Spin
/// 3.6.3 cannot run. The models import none, so Spin leaves them as built.
#[test]
fn no_dependency_imports_what_spin_would_deny_it() {
    let manifest = manifest();
    for component in manifest.component.values() {
        assert!(!component.dependencies_inherit_configuration);
        for dependency in component.dependencies.values() {
            let imports = compose::interfaces(&component_bytes(&manifest, &dependency.component))
                .unwrap()
                .imports;
            assert_eq!(
                capabilities::gated(&imports),
                Vec::<&str>::new(),
                "`{}` imports what Spin denies a dependency",
                dependency.component
            );
        }
    }
}

/// The cascade as built holds both its models: it imports neither analyzer
/// nor anything Spin would deny a dependency, and exports the analyzer.
#[test]
fn the_built_cascade_is_composed_with_its_models() {
    let manifest = manifest();
    let interfaces = compose::interfaces(&component_bytes(&manifest, "sentiment-cascade")).unwrap();
    assert!(
        interfaces.imports.iter().all(|i| !i.starts_with("ml:")),
        "{:?}",
        interfaces.imports
    );
    assert_eq!(capabilities::gated(&interfaces.imports), Vec::<&str>::new());
    assert!(interfaces.exports.contains("ml:sentiment/analyzer@0.3.0"));
}

/// What the cluster's runtime, Spin 3.6.3, can satisfy: WASI 0.2, and Spin's
/// variables (the API keys, the payload-log level), for every component
/// composed with a model.
#[test]
fn each_composed_component_imports_only_wasi_0_2_and_spin_variables() {
    let manifest = manifest();
    let composed: Vec<&String> = manifest
        .component
        .iter()
        .filter(|(_, component)| !component.dependencies.is_empty())
        .map(|(id, _)| id)
        .collect();
    assert_eq!(composed, ["car-value-api", "gateway", "sentiment-api"]);
    for id in composed {
        let interfaces =
            compose::interfaces(&compose::from_manifest(&manifest, id).unwrap()).unwrap();
        for import in &interfaces.imports {
            assert!(
                (import.starts_with("wasi:") && import.contains("@0.2."))
                    || import == "fermyon:spin/variables@2.0.0",
                "the composed {id} imports {import}"
            );
        }
        assert!(
            interfaces
                .exports
                .contains("wasi:http/incoming-handler@0.2.0")
        );
    }
}
