//! The `kdeploy` Spin plugin: `SPIN_DEPLOY_PLUGIN=kdeploy spin deploy` builds
//! car-ml, pushes it as one OCI image (dependencies composed in), applies a
//! kustomize overlay of `k8s/` pinned to the pushed digest, waits for the
//! rollouts, smoke-tests every route, and rolls back when that fails.
//!
//! The decisions and renderings are plain functions in these modules, tested
//! natively; `main.rs` runs them against `spin`, `kubectl` and the registry.

pub mod command;
pub mod kubectl;
pub mod oci;
pub mod reference;
pub mod render;
pub mod smoke;
pub mod status;
