//! Keeps a Wasm component from importing `wasi:cli/environment`: every
//! environment variable reads as unset.
//!
//! When Spin composes a dependency into the component that imports it, it
//! wraps the dependency in its deny-all adapter (one more component instance
//! per request, and on Spin 4 a WASI 0.3 one that Spin 3 cannot run) whenever
//! the dependency imports a host interface it should not inherit, among them
//! `wasi:cli/environment`. The model components take no configuration, yet
//! Rust's standard library links `getenv` for its panic hook (it reads
//! `RUST_BACKTRACE`), and through it the whole environment interface.
//! Linking this crate (`use no_environment as _;`) puts its own `getenv`
//! first, so the C library's, and the import, are left out.
//! `crates/wasm-harness/tests/manifest.rs` checks the built components.

use std::ffi::c_char;

/// The C library's `getenv`, answering "not set" for every name.
///
/// # Safety
///
/// Never dereferences `name`, so any pointer is sound.
#[cfg(all(target_family = "wasm", target_os = "wasi"))]
#[unsafe(no_mangle)]
pub unsafe extern "C" fn getenv(_name: *const c_char) -> *mut c_char {
    std::ptr::null_mut()
}
