//! Serves the app's built components on wasmtime, routed as `spin.toml` says.
//!
//! This is the host the tests and benchmarks run the real `.wasm` files on:
//! it reads the manifest, turns a core module into a component with the WASI
//! preview 1 adapter (components are used as they are), composes each
//! component with its dependencies using `wac-graph`, and serves HTTP with
//! `wasmtime-wasi-http`, instantiating a component per request from a pooling
//! allocator configured as Spin's. Each of these steps is done as Spin does
//! it. Like `spin up` it provides the app's variables ([`variables`]) and
//! key-value store ([`key_value`]), and writes each component's output to log files ([`stdio`]). The product
//! itself runs on Spin.

pub mod capabilities;
pub mod compose;
#[cfg(feature = "server")]
pub mod key_value;
pub mod manifest;
pub mod router;
#[cfg(feature = "server")]
pub mod server;
#[cfg(feature = "server")]
pub mod stdio;
#[cfg(feature = "server")]
pub mod variables;

pub use manifest::Manifest;
#[cfg(feature = "server")]
pub use server::{App, BODY_DEADLINE, MemoryReset, Server, Settings};
#[cfg(feature = "server")]
pub use stdio::Follow;
