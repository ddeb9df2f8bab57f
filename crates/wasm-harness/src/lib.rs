//! Serves the app's built components on wasmtime, routed as `spin.toml` says.
//!
//! This is the host the tests and benchmarks run the real `.wasm` files on:
//! it reads the manifest, turns each core module into a component with the
//! WASI preview 1 adapter, composes each component with its dependencies
//! using `wac-graph` (as Spin does), and serves HTTP with
//! `wasmtime-wasi-http`, instantiating a component per request from a pooling
//! allocator (as Spin does). Like `spin up` it provides the app's variables
//! ([`variables`]) and writes each component's output to log files
//! ([`stdio`]). The product itself runs on Spin.

pub mod compose;
pub mod manifest;
pub mod router;
pub mod server;
pub mod stdio;
pub mod variables;

pub use manifest::Manifest;
pub use server::{App, MemoryReset, Server, Settings};
pub use stdio::Follow;
