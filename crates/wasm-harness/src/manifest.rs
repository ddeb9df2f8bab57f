//! The parts of a Spin manifest (`spin.toml`, version 2) the harness serves.

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A parsed `spin.toml`.
#[derive(Debug, Deserialize)]
pub struct Manifest {
    pub spin_manifest_version: u32,
    pub application: Application,
    /// The app's variables (`[variables]`), by name.
    #[serde(default)]
    pub variables: BTreeMap<String, Variable>,
    #[serde(default)]
    pub trigger: Triggers,
    #[serde(default)]
    pub component: BTreeMap<String, Component>,
    /// The directory holding the manifest; sources are relative to it.
    #[serde(skip)]
    pub dir: PathBuf,
}

#[derive(Debug, Deserialize)]
pub struct Application {
    pub name: String,
    pub version: Option<String>,
    pub description: Option<String>,
}

/// One app variable: a default, or `required = true`; `secret` values are
/// never shown (see [`crate::variables`]).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variable {
    pub default: Option<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub secret: bool,
    pub description: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Triggers {
    #[serde(default)]
    pub http: Vec<HttpTrigger>,
}

/// One `[[trigger.http]]`: a route served by a component.
#[derive(Debug, Clone, Deserialize)]
pub struct HttpTrigger {
    pub route: String,
    pub component: String,
}

/// One `[component.<id>]`.
#[derive(Debug, Deserialize)]
pub struct Component {
    pub description: Option<String>,
    /// Path of the `.wasm` file, relative to the manifest.
    pub source: PathBuf,
    #[serde(default)]
    pub dependencies: BTreeMap<String, Dependency>,
    /// Whether the dependencies may use the host interfaces this component
    /// may (Spin's default: no; see [`crate::capabilities`]).
    #[serde(default)]
    pub dependencies_inherit_configuration: bool,
    /// The component's variables (`[component.<id>.variables]`): templates
    /// over the app's variables, by key.
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    /// The key-value stores the component may open, by label.
    #[serde(default)]
    pub key_value_stores: Vec<String>,
    pub build: Option<Build>,
}

/// A component dependency in the `{ component = "<id>" }` form, with
/// `export = "<name>"` when the export that satisfies the import has
/// another name.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dependency {
    pub component: String,
    pub export: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Build {
    pub command: String,
}

impl Manifest {
    /// Reads and checks the manifest at `path`.
    pub fn load(path: &Path) -> Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let mut manifest: Manifest =
            toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        manifest.dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        manifest.check()?;
        Ok(manifest)
    }

    /// Path of a component's `.wasm` file.
    pub fn source_path(&self, id: &str) -> Result<PathBuf> {
        let component = self
            .component
            .get(id)
            .with_context(|| format!("no component `{id}` in the manifest"))?;
        Ok(self.dir.join(&component.source))
    }

    /// Refuses what Spin would refuse: another manifest version, triggers or
    /// dependencies naming missing components, and duplicate routes.
    fn check(&self) -> Result<()> {
        if self.spin_manifest_version != 2 {
            bail!(
                "spin_manifest_version must be 2, not {}",
                self.spin_manifest_version
            );
        }
        let mut routes = std::collections::BTreeSet::new();
        for trigger in &self.trigger.http {
            if !self.component.contains_key(&trigger.component) {
                bail!(
                    "route {} names a missing component `{}`",
                    trigger.route,
                    trigger.component
                );
            }
            if !routes.insert(trigger.route.as_str()) {
                bail!("route {} is served twice", trigger.route);
            }
        }
        for (id, component) in &self.component {
            for (name, dependency) in &component.dependencies {
                if !self.component.contains_key(&dependency.component) {
                    bail!(
                        "component `{id}`'s dependency {name} names a missing component `{}`",
                        dependency.component
                    );
                }
                if dependency.component == *id {
                    bail!("component `{id}` depends on itself");
                }
                // As Spin: a dependency is composed as it is built.
                if !self.component[&dependency.component]
                    .dependencies
                    .is_empty()
                {
                    bail!(
                        "component `{}` cannot be a dependency of `{id}`: it has dependencies \
                         of its own (compose them into it when building)",
                        dependency.component
                    );
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Manifest> {
        let dir = std::env::temp_dir().join(format!(
            "harness-manifest-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("spin.toml");
        std::fs::write(&path, text).unwrap();
        Manifest::load(&path)
    }

    const APP: &str = r#"
spin_manifest_version = 2
[application]
name = "app"
[[trigger.http]]
route = "/..."
component = "front"
[component.front]
source = "front.wasm"
[component.front.dependencies]
"ml:a/b@1.0.0" = { component = "middle", export = "ml:a/c@1.0.0" }
[component.middle]
source = "middle.wasm"
"#;

    #[test]
    fn a_dependency_may_name_the_export_that_satisfies_the_import() {
        let manifest = load(APP).unwrap();
        let dependency = &manifest.component["front"].dependencies["ml:a/b@1.0.0"];
        assert_eq!(dependency.export.as_deref(), Some("ml:a/c@1.0.0"));
    }

    #[test]
    fn a_dependency_with_dependencies_of_its_own_is_refused_as_spin_refuses_it() {
        let app = format!(
            "{APP}[component.middle.dependencies]\n\"ml:x/y@1.0.0\" = {{ component = \"last\" }}\n\
             [component.last]\nsource = \"last.wasm\"\n"
        );
        let error = load(&app).unwrap_err();
        assert!(
            format!("{error:#}").contains("`middle` cannot be a dependency of `front`"),
            "{error:#}"
        );
    }
}
