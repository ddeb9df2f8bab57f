//! Serves the app's built components on wasmtime, routed as `spin.toml` says.
//!
//! This is the host the tests and benchmarks run the real `.wasm` files on:
//! it reads the manifest, turns each core module into a component with the
//! WASI preview 1 adapter, composes each component with its dependencies
//! using `wac-graph` (as Spin does), and serves HTTP with
//! `wasmtime-wasi-http`, instantiating a component per request from a pooling
//! allocator (as Spin does). The product itself runs on Spin.

pub mod compose;
pub mod manifest;
pub mod router;
#[cfg(feature = "server")]
pub mod server;

pub use manifest::Manifest;
#[cfg(feature = "server")]
pub use server::{App, MemoryReset, Server};
