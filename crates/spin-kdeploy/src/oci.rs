//! The push without Spin: the app as the OCI image `spin registry push` makes
//! (spinframework/spin, crates/oci/src/client.rs, `push_locked_core` with
//! `ComposeMode::All`), pushed over the registry HTTP API (OCI distribution).
//!
//! The image: one `application/vnd.wasm.content.layer.v1+wasm` layer per
//! component, each composed with its dependencies; a last layer
//! `application/vnd.fermyon.spin.application.v1+config` holding the locked app
//! (spinframework/spin, crates/locked-app/src/locked.rs), whose components
//! refer to their layers by digest and list no dependencies (composition has
//! resolved them); an OCI image config for architecture `wasm` labelled with
//! the locked app's digest; Spin's `org.opencontainers.image.*` annotations.

use crate::reference::ImageRef;
use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::time::SystemTime;
use wasm_harness::manifest::Manifest;

/// A layer holding a locked Spin application (Spin's `SPIN_APPLICATION_MEDIA_TYPE`).
pub const SPIN_APPLICATION_MEDIA_TYPE: &str = "application/vnd.fermyon.spin.application.v1+config";
/// A layer holding a Wasm component (Spin's `WASM_LAYER_MEDIA_TYPE`).
pub const WASM_LAYER_MEDIA_TYPE: &str = "application/vnd.wasm.content.layer.v1+wasm";
pub const OCI_MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_CONFIG_MEDIA_TYPE: &str = "application/vnd.oci.image.config.v1+json";

/// Content addressed by its digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    pub media_type: &'static str,
    pub data: Vec<u8>,
}

impl Blob {
    pub fn digest(&self) -> String {
        sha256_digest(&self.data)
    }

    fn descriptor(&self) -> Value {
        json!({"mediaType": self.media_type, "digest": self.digest(), "size": self.data.len()})
    }
}

/// `sha256:<hex>` of `data`.
pub fn sha256_digest(data: &[u8]) -> String {
    format!("sha256:{:x}", Sha256::digest(data))
}

/// An image ready to push: its layers, config and manifest.
#[derive(Debug)]
pub struct Image {
    pub layers: Vec<Blob>,
    pub config: Blob,
    pub manifest: Vec<u8>,
}

impl Image {
    /// The image's digest: the digest of its manifest.
    pub fn digest(&self) -> String {
        sha256_digest(&self.manifest)
    }
}

/// Every component of the app, built, turned into a component and composed
/// with its dependencies (what `spin registry push` does by default).
pub fn composed_components(manifest: &Manifest) -> Result<BTreeMap<String, Vec<u8>>> {
    manifest
        .component
        .keys()
        .map(|id| {
            Ok((
                id.clone(),
                wasm_harness::compose::from_manifest(manifest, id)?,
            ))
        })
        .collect()
}

/// The locked app Spin writes into the image: triggers as in spin.toml, each
/// component's source the digest of its layer.
pub fn locked_app(manifest: &Manifest, layer_digests: &BTreeMap<String, String>) -> Value {
    let application = &manifest.application;
    let mut metadata = json!({
        "name": application.name,
        "triggers": {},
        "trigger": {"type": "http"},
    });
    if let Some(version) = &application.version {
        metadata["version"] = json!(version);
    }
    if let Some(description) = &application.description {
        metadata["description"] = json!(description);
    }
    // Spin names a trigger `<component>-<type>-trigger`, and numbers the ones
    // whose natural name is taken (spin-manifest, `normalize_trigger_ids`).
    let mut ids = BTreeSet::new();
    let triggers: Vec<Value> = manifest
        .trigger
        .http
        .iter()
        .map(|trigger| {
            let natural = format!("{}-http-trigger", trigger.component);
            let id = if ids.insert(natural.clone()) {
                natural
            } else {
                let id = (1..)
                    .map(|n| format!("http-trigger{n}"))
                    .find(|id| !ids.contains(id))
                    .expect("an unused id");
                ids.insert(id.clone());
                id
            };
            json!({
                "id": id,
                "trigger_type": "http",
                "trigger_config": {"component": trigger.component, "route": trigger.route},
            })
        })
        .collect();
    let components: Vec<Value> = manifest
        .component
        .iter()
        .map(|(id, component)| {
            let mut metadata = json!({});
            if let Some(description) = &component.description {
                metadata["description"] = json!(description);
            }
            if let Some(build) = &component.build {
                metadata["build"] = json!({"command": build.command});
            }
            json!({
                "id": id,
                "metadata": metadata,
                "source": {"content_type": "application/wasm", "digest": layer_digests[id]},
            })
        })
        .collect();
    json!({
        "spin_lock_version": 0,
        "metadata": metadata,
        "triggers": triggers,
        "components": components,
    })
}

/// The image of the app whose composed components are `components`, with
/// Spin's annotations (`created` is when the image is made).
pub fn assemble(
    manifest: &Manifest,
    components: BTreeMap<String, Vec<u8>>,
    created: &str,
) -> Image {
    let mut layers: Vec<Blob> = Vec::new();
    let mut layer_digests = BTreeMap::new();
    for (id, wasm) in components {
        let layer = Blob {
            media_type: WASM_LAYER_MEDIA_TYPE,
            data: wasm,
        };
        layer_digests.insert(id, layer.digest());
        if !layers.contains(&layer) {
            layers.push(layer);
        }
    }
    let locked = Blob {
        media_type: SPIN_APPLICATION_MEDIA_TYPE,
        data: serde_json::to_vec(&locked_app(manifest, &layer_digests)).expect("JSON serializes"),
    };
    let config = Blob {
        media_type: OCI_CONFIG_MEDIA_TYPE,
        data: serde_json::to_vec(&json!({
            "architecture": "wasm",
            "os": "Wasip1",
            "config": {"Labels": {"com.fermyon.spin.lockedAppDigest": locked.digest()}},
            "rootfs": {"type": "layers", "diff_ids": []},
        }))
        .expect("JSON serializes"),
    };
    layers.push(locked);
    let application = &manifest.application;
    let mut annotations = json!({
        "org.opencontainers.image.title": application.name,
        "org.opencontainers.image.created": created,
    });
    if let Some(version) = &application.version {
        annotations["org.opencontainers.image.version"] = json!(version);
    }
    if let Some(description) = &application.description {
        annotations["org.opencontainers.image.description"] = json!(description);
    }
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST_MEDIA_TYPE,
        "config": config.descriptor(),
        "layers": layers.iter().map(Blob::descriptor).collect::<Vec<_>>(),
        "annotations": annotations,
    }))
    .expect("JSON serializes");
    Image {
        layers,
        config,
        manifest,
    }
}

/// Now, as Spin's `created` annotation writes it (RFC 3339, UTC).
pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

/// Pushes `image` to `reference` anonymously over plain HTTP, which `insecure`
/// must allow (a local registry); returns the image digest. Registries behind
/// TLS and logins are Spin's to push to.
pub fn push(image: &Image, reference: &ImageRef, insecure: bool) -> Result<String> {
    if !insecure {
        bail!(
            "kdeploy's own push speaks plain HTTP only: pass --insecure for a local registry, \
             or install Spin to push to {}",
            reference.registry
        );
    }
    let origin = format!("http://{}", reference.registry);
    let base = format!("{origin}/v2/{}", reference.repository);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let explain = |status: u16, what: &str| -> anyhow::Error {
        match status {
            401 | 403 => anyhow::anyhow!(
                "the registry refused to {what} ({status}): kdeploy's own push is anonymous; \
                 with a registry that needs a login, install Spin and run `spin registry login`"
            ),
            _ => anyhow::anyhow!("the registry could not {what} ({status})"),
        }
    };
    for blob in image.layers.iter().chain([&image.config]) {
        let digest = blob.digest();
        let exists = agent
            .head(format!("{base}/blobs/{digest}"))
            .call()
            .with_context(|| format!("cannot reach the registry at {origin}"))?;
        if exists.status() == 200 {
            continue;
        }
        let started = agent.post(format!("{base}/blobs/uploads/")).send_empty()?;
        if started.status() != 202 {
            return Err(explain(started.status().as_u16(), "start an upload"));
        }
        let location = started
            .headers()
            .get("location")
            .and_then(|value| value.to_str().ok())
            .context("the registry gave no upload location")?;
        let location = if location.starts_with('/') {
            format!("{origin}{location}")
        } else {
            location.to_owned()
        };
        let separator = if location.contains('?') { '&' } else { '?' };
        let uploaded = agent
            .put(format!("{location}{separator}digest={digest}"))
            .header("content-type", "application/octet-stream")
            .send(&blob.data[..])?;
        if uploaded.status() != 201 {
            return Err(explain(
                uploaded.status().as_u16(),
                &format!("store blob {digest}"),
            ));
        }
    }
    let stored = agent
        .put(format!("{base}/manifests/{}", reference.tag))
        .header("content-type", OCI_MANIFEST_MEDIA_TYPE)
        .send(&image.manifest[..])?;
    if stored.status() != 201 {
        return Err(explain(stored.status().as_u16(), "store the manifest"));
    }
    let digest = image.digest();
    if let Some(reported) = stored.headers().get("docker-content-digest")
        && reported.to_str().ok() != Some(digest.as_str())
    {
        bail!("the registry stored the manifest as {reported:?}, not {digest}");
    }
    Ok(digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Manifest {
        Manifest::load(concat!(env!("CARGO_MANIFEST_DIR"), "/../../spin.toml").as_ref()).unwrap()
    }

    /// Stand-ins for the composed components: the layout does not look inside them.
    fn components() -> BTreeMap<String, Vec<u8>> {
        manifest()
            .component
            .keys()
            .map(|id| (id.to_owned(), format!("\0asm {id}").into_bytes()))
            .collect()
    }

    #[test]
    fn the_image_has_a_wasm_layer_per_component_and_the_locked_app_last() {
        let image = assemble(&manifest(), components(), "2026-01-01T00:00:00Z");
        let types: Vec<&str> = image.layers.iter().map(|layer| layer.media_type).collect();
        let components = manifest().component.len();
        assert_eq!(types.len(), components + 1);
        assert!(
            types[..components]
                .iter()
                .all(|t| *t == WASM_LAYER_MEDIA_TYPE)
        );
        assert_eq!(types[components], SPIN_APPLICATION_MEDIA_TYPE);
        let manifest: Value = serde_json::from_slice(&image.manifest).unwrap();
        assert_eq!(manifest["mediaType"], OCI_MANIFEST_MEDIA_TYPE);
        assert_eq!(manifest["config"]["mediaType"], OCI_CONFIG_MEDIA_TYPE);
        assert_eq!(
            manifest["annotations"]["org.opencontainers.image.title"],
            "car-ml"
        );
        assert_eq!(
            manifest["annotations"]["org.opencontainers.image.version"],
            "0.1.0"
        );
        let last = image.layers.len() - 1;
        assert_eq!(
            manifest["layers"][last]["digest"],
            image.layers[last].digest()
        );
    }

    #[test]
    fn the_locked_app_refers_to_each_component_by_its_layer_digest_without_dependencies() {
        let image = assemble(&manifest(), components(), "2026-01-01T00:00:00Z");
        let locked: Value = serde_json::from_slice(&image.layers.last().unwrap().data).unwrap();
        let gateway = locked["components"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "gateway")
            .unwrap();
        assert_eq!(gateway["source"]["digest"], sha256_digest(b"\0asm gateway"));
        assert!(gateway.get("dependencies").is_none());
        let config: Value = serde_json::from_slice(&image.config.data).unwrap();
        assert_eq!(
            config["config"]["Labels"]["com.fermyon.spin.lockedAppDigest"],
            image.layers.last().unwrap().digest()
        );
    }

    #[test]
    fn triggers_get_spins_ids_and_keep_their_routes() {
        let image = assemble(&manifest(), components(), "2026-01-01T00:00:00Z");
        let locked: Value = serde_json::from_slice(&image.layers.last().unwrap().data).unwrap();
        let triggers = locked["triggers"].as_array().unwrap();
        assert_eq!(triggers.len(), manifest().trigger.http.len());
        assert_eq!(triggers[0]["id"], "gateway-http-trigger");
        assert_eq!(triggers[0]["trigger_config"]["route"], "/...");
        let ids: BTreeSet<&str> = triggers.iter().map(|t| t["id"].as_str().unwrap()).collect();
        assert_eq!(ids.len(), triggers.len(), "trigger ids are unique");
    }

    #[test]
    fn the_same_content_made_at_another_time_is_another_image() {
        let first = assemble(&manifest(), components(), "2026-01-01T00:00:00Z");
        let again = assemble(&manifest(), components(), "2026-01-01T00:00:00Z");
        let later = assemble(&manifest(), components(), "2026-01-01T00:00:01Z");
        assert_eq!(first.digest(), again.digest());
        assert_ne!(first.digest(), later.digest());
    }
}
