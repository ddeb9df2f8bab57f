//! Trains the car-value model at build time and writes it as Rust constants
//! to `$OUT_DIR/model.rs`, so that neither smartcore nor the CSV file is
//! needed at run time.
//!
//! The model family is fitted on every clean row of
//! `data/cars/listings.csv`, and the procedure is scored on the fixed
//! held-out split for `METRICS` (see `car-value-training` and
//! `docs/MODELS.md`). Training is deterministic, so the same file
//! always gives the same constants, and `MODEL_VERSION` hashes the file and
//! the training parameters.

use std::path::PathBuf;

const LISTINGS: &str = "../../data/cars/listings.csv";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed={LISTINGS}");
    let manifest_dir =
        PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));

    let listings = manifest_dir.join(LISTINGS);
    let built = car_value_training::build(&listings)
        .unwrap_or_else(|e| panic!("training on {} failed: {e:#}", listings.display()));

    let out = out_dir.join("model.rs");
    std::fs::write(&out, built.rust_source())
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}
