//! Spin's application variables, as Spin resolves and serves them.
//!
//! `spin.toml` declares the app's variables (`[variables]`, each with a
//! `default` or `required = true`, optionally `secret = true`); a component
//! sees only the keys of its `[component.<id>.variables]` table, whose values
//! are templates over the app's variables (`"{{ api_key }}"`). A variable's
//! value comes from the environment variable `SPIN_VARIABLE_<NAME>` (the name
//! upper-cased), else from its default; a required variable without a value
//! stops the app from loading, as `spin up` does.
//!
//! Components read them through `fermyon:spin/variables@2.0.0` (what
//! spin-sdk's `variables::get` imports) or `wasi:config/store`, with Spin's
//! errors: `invalid-name` for a key that is not a variable name, `undefined`
//! for a key the component does not have (`wasi:config/store` answers
//! `none` for both).
//!
//! Values are resolved once, when the app loads, and never printed: a
//! `secret` is safe with the harness as with Spin.

use crate::manifest::Manifest;
use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::sync::Arc;

wasmtime::component::bindgen!({
    path: "wit",
    world: "car-ml:harness/spin-host",
    additional_derives: [PartialEq, Eq],
});

pub(crate) use fermyon::spin::variables;
pub(crate) use wasi::config::store;

/// The prefix of the environment variables that set app variables.
pub const ENV_PREFIX: &str = "SPIN_VARIABLE_";

/// A component's variables, resolved: key to value. Cloned into every
/// request's store, so cheap to clone.
#[derive(Clone, Default)]
pub struct ComponentVariables {
    component: Arc<str>,
    values: Arc<BTreeMap<String, String>>,
}

impl ComponentVariables {
    /// The value of `key`, with Spin's errors.
    pub fn get(&self, key: &str) -> Result<String, variables::Error> {
        validate_name(key).map_err(variables::Error::InvalidName)?;
        if self.values.is_empty() {
            return Err(variables::Error::Undefined(format!(
                "no variable for component {:?}",
                self.component
            )));
        }
        self.values.get(key).cloned().ok_or_else(|| {
            variables::Error::Undefined(format!("no variable for {:?}.{key:?}", self.component))
        })
    }

    /// Every key and value, for `wasi:config/store.get-all`.
    pub fn all(&self) -> Vec<(String, String)> {
        self.values
            .iter()
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect()
    }
}

/// Resolves the variables of component `id` of `manifest`, taking values
/// from `environment` (name and value pairs, as `std::env::vars()` gives).
pub fn resolve(
    manifest: &Manifest,
    id: &str,
    environment: &[(String, String)],
) -> Result<ComponentVariables> {
    let component = manifest
        .component
        .get(id)
        .with_context(|| format!("no component `{id}` in the manifest"))?;
    let mut values = BTreeMap::new();
    for (key, template) in &component.variables {
        let value = render(template, |name| {
            app_value(manifest, name, environment)
                .with_context(|| format!("component `{id}`'s variable {key:?}"))
        })?;
        values.insert(key.clone(), value);
    }
    Ok(ComponentVariables {
        component: id.into(),
        values: Arc::new(values),
    })
}

/// Checks what `spin up` checks before it serves: variable names, templates
/// naming declared variables, and a value for every required variable.
pub fn check(manifest: &Manifest, environment: &[(String, String)]) -> Result<()> {
    for (name, variable) in &manifest.variables {
        validate_name(name).map_err(|reason| anyhow::anyhow!("invalid variable name {reason}"))?;
        match (&variable.default, variable.required) {
            (Some(_), true) => {
                bail!("variable {name:?} cannot be both required and have a default")
            }
            (None, false) => bail!("variable {name:?} must either be required or have a default"),
            _ => {}
        }
        app_value(manifest, name, environment)?;
    }
    for (id, component) in &manifest.component {
        for (key, template) in &component.variables {
            validate_name(key).map_err(|reason| {
                anyhow::anyhow!("component `{id}`: invalid variable name {reason}")
            })?;
            parse_template(template)
                .with_context(|| format!("component `{id}`'s variable {key:?}"))?
                .into_iter()
                .filter_map(|part| match part {
                    Part::Variable(name) => Some(name),
                    Part::Text(_) => None,
                })
                .try_for_each(|name| match manifest.variables.contains_key(name) {
                    true => Ok(()),
                    false => Err(anyhow::anyhow!(
                        "component `{id}`'s variable {key:?} names an unknown variable {name:?}"
                    )),
                })?;
        }
    }
    Ok(())
}

/// The value of app variable `name`: `SPIN_VARIABLE_<NAME>`, else its default.
fn app_value(manifest: &Manifest, name: &str, environment: &[(String, String)]) -> Result<String> {
    let variable = manifest
        .variables
        .get(name)
        .with_context(|| format!("unknown variable {name:?}"))?;
    let env_name = format!("{ENV_PREFIX}{}", name.to_ascii_uppercase());
    if let Some((_, value)) = environment.iter().rev().find(|(key, _)| *key == env_name) {
        return Ok(value.clone());
    }
    variable.default.clone().with_context(|| {
        format!("required variable {name:?} has no value: set the environment variable {env_name}")
    })
}

/// Spin's variable names: lower-case ASCII letters, digits and single
/// underscores, starting with a letter and not ending with an underscore
/// (so that each maps to one environment variable).
fn validate_name(name: &str) -> Result<(), String> {
    let reason = if name.is_empty() {
        "must not be empty".to_owned()
    } else if let Some(invalid) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_'))
    {
        format!(
            "invalid character {invalid:?}. Variable names may contain only lower-case letters, numbers, and underscores."
        )
    } else if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        "must start with a lowercase ASCII letter".to_owned()
    } else if !name.ends_with(|c: char| c.is_ascii_alphanumeric()) {
        "must end with a lowercase ASCII letter or digit".to_owned()
    } else if name.contains("__") {
        "must not contain multiple consecutive underscores".to_owned()
    } else {
        return Ok(());
    };
    Err(format!("{name:?}: {reason}"))
}

/// A piece of a template: text, or `{{ variable }}`.
#[derive(Debug, PartialEq)]
enum Part<'a> {
    Text(&'a str),
    Variable(&'a str),
}

fn parse_template(template: &str) -> Result<Vec<Part<'_>>> {
    let mut parts = Vec::new();
    let mut rest = template;
    while !rest.is_empty() {
        if let Some(expression) = rest.strip_prefix("{{") {
            let (name, after) = expression
                .split_once("}}")
                .context("unmatched '{{' in template")?;
            parts.push(Part::Variable(name.trim()));
            rest = after;
        } else {
            let end = rest.find("{{").unwrap_or(rest.len());
            parts.push(Part::Text(&rest[..end]));
            rest = &rest[end..];
        }
    }
    Ok(parts)
}

fn render(template: &str, mut value_of: impl FnMut(&str) -> Result<String>) -> Result<String> {
    let mut out = String::new();
    for part in parse_template(template)? {
        match part {
            Part::Text(text) => out.push_str(text),
            Part::Variable(name) => out.push_str(&value_of(name)?),
        }
    }
    Ok(out)
}

impl variables::Host for ComponentVariables {
    fn get(&mut self, name: String) -> Result<String, variables::Error> {
        ComponentVariables::get(self, &name)
    }
}

impl store::Host for ComponentVariables {
    fn get(&mut self, key: String) -> Result<Option<String>, store::Error> {
        // As Spin: an unknown or invalid key is simply absent.
        Ok(ComponentVariables::get(self, &key).ok())
    }

    fn get_all(&mut self) -> Result<Vec<(String, String)>, store::Error> {
        Ok(self.all())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(text: &str) -> Manifest {
        let mut manifest: Manifest = toml::from_str(text).unwrap();
        manifest.dir = std::path::PathBuf::new();
        manifest
    }

    const APP: &str = r#"
        spin_manifest_version = 2
        [application]
        name = "app"
        [variables]
        level = { default = "summary" }
        api_key = { required = true, secret = true }
        [component.web]
        source = "web.wasm"
        [component.web.variables]
        payload_log = "{{ level }}"
        auth = "Bearer {{api_key}}!"
        [component.bare]
        source = "bare.wasm"
    "#;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_template_takes_the_environment_over_the_default() {
        let app = manifest(APP);
        let vars = resolve(&app, "web", &env(&[("SPIN_VARIABLE_API_KEY", "k1")])).unwrap();
        assert_eq!(vars.get("payload_log").unwrap(), "summary");
        assert_eq!(vars.get("auth").unwrap(), "Bearer k1!");
        let vars = resolve(
            &app,
            "web",
            &env(&[
                ("SPIN_VARIABLE_API_KEY", "k1"),
                ("SPIN_VARIABLE_LEVEL", "full"),
            ]),
        )
        .unwrap();
        assert_eq!(vars.get("payload_log").unwrap(), "full");
    }

    #[test]
    fn a_required_variable_without_a_value_stops_the_app() {
        let error = check(&manifest(APP), &[]).unwrap_err().to_string();
        assert!(error.contains("SPIN_VARIABLE_API_KEY"), "{error}");
        check(&manifest(APP), &env(&[("SPIN_VARIABLE_API_KEY", "k")])).unwrap();
    }

    #[test]
    fn a_key_the_component_lacks_is_undefined() {
        let app = manifest(APP);
        let vars = resolve(&app, "web", &env(&[("SPIN_VARIABLE_API_KEY", "k")])).unwrap();
        assert_eq!(
            vars.get("level"),
            Err(variables::Error::Undefined(
                r#"no variable for "web"."level""#.into()
            ))
        );
        let bare = resolve(&app, "bare", &[]).unwrap();
        assert_eq!(
            bare.get("payload_log"),
            Err(variables::Error::Undefined(
                r#"no variable for component "bare""#.into()
            ))
        );
    }

    #[test]
    fn a_key_that_is_no_variable_name_is_invalid() {
        let vars = ComponentVariables::default();
        for key in ["", "Payload", "1x", "_x", "x_", "a__b", "x-y", "x.y"] {
            assert!(
                matches!(vars.get(key), Err(variables::Error::InvalidName(_))),
                "{key:?}"
            );
        }
    }

    #[test]
    fn wasi_config_answers_none_for_a_missing_or_invalid_key() {
        let app = manifest(APP);
        let mut vars = resolve(&app, "web", &env(&[("SPIN_VARIABLE_API_KEY", "k")])).unwrap();
        assert_eq!(store::Host::get(&mut vars, "nope".into()), Ok(None));
        assert_eq!(store::Host::get(&mut vars, "Bad-Key".into()), Ok(None));
        assert_eq!(
            store::Host::get(&mut vars, "payload_log".into()),
            Ok(Some("summary".into()))
        );
        assert_eq!(
            store::Host::get_all(&mut vars).unwrap(),
            vec![
                ("auth".into(), "Bearer k!".into()),
                ("payload_log".into(), "summary".into())
            ]
        );
    }

    #[test]
    fn a_template_must_name_declared_variables_and_close_its_braces() {
        let unknown = APP.replace("{{ level }}", "{{ colour }}");
        let error = check(&manifest(&unknown), &env(&[("SPIN_VARIABLE_API_KEY", "k")]));
        assert!(format!("{:#}", error.unwrap_err()).contains("\"colour\""));
        let unclosed = APP.replace("{{ level }}", "{{ level");
        let error = check(
            &manifest(&unclosed),
            &env(&[("SPIN_VARIABLE_API_KEY", "k")]),
        );
        assert!(format!("{:#}", error.unwrap_err()).contains("unmatched"));
    }

    #[test]
    fn a_variable_needs_exactly_one_of_default_and_required() {
        let both = APP.replace(
            r#"level = { default = "summary" }"#,
            r#"level = { default = "summary", required = true }"#,
        );
        assert!(check(&manifest(&both), &env(&[("SPIN_VARIABLE_API_KEY", "k")])).is_err());
        let neither = APP.replace(r#"level = { default = "summary" }"#, "level = {}");
        assert!(check(&manifest(&neither), &env(&[("SPIN_VARIABLE_API_KEY", "k")])).is_err());
    }
}
