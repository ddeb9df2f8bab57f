//! Training pipeline of the car-value model (host only: used by the build
//! script of `car-value-model`, by its tests and by the `train` and `eval`
//! binaries, never at run time).
//!
//! It loads the Craigslist Mercedes-Benz listings (`data/cars/listings.csv`),
//! cleans them with the named rules of [`clean`] (each rule reports how many
//! rows it dropped), and fits the served model ([`model`]): a family of ridge
//! regressions on log-price, one per set of optional listing fields
//! ([`features`]) a caller may give, each with a prediction interval from
//! cross-validated residuals. [`eval`] scores the procedure on a fixed,
//! seeded held-out split against the seed-compatible straight line
//! ([`fit_seed_line`]) and on the sanity set ([`sanity`]); [`codegen`]
//! renders the model as Rust constants; [`version`] names it.
//!
//! Everything is deterministic: the rows keep the order of the file, the
//! split and the folds are hashes of each row's position in the file, and
//! the solvers have no random state; two runs give bit-identical
//! coefficients.
//!
//! ```no_run
//! let built = car_value_training::build("data/cars/listings.csv")?;
//! println!("{}", built.version);
//! println!("{}", built.rust_source());
//! # Ok::<(), anyhow::Error>(())
//! ```

pub mod clean;
pub mod codegen;
pub mod eval;
pub mod features;
mod fit;
mod load;
pub mod model;
pub mod ridge;
pub mod sanity;
pub mod version;

pub use clean::{CleanRow, Cleaned, Rule, RuleDrops};
pub use eval::{Evaluation, HeldOut, Split, evaluate_seed_line, held_out};
pub use features::{Field, FieldSet};
pub use fit::{FEATURES, SeedLine, fit_seed_line};
pub use load::{Listing, load_listings, parse_listings};
pub use model::{Family, Prediction, train_family};

use anyhow::Context;
use std::path::Path;

/// Everything the build script needs: the cleaning report, the served
/// family fitted on every clean row, the held-out figures of the procedure,
/// and the version.
#[derive(Debug, Clone)]
pub struct Built {
    pub cleaned: Cleaned,
    pub family: Family,
    pub held_out: HeldOut,
    pub version: String,
}

impl Built {
    /// The Rust source `car-value-model` includes.
    pub fn rust_source(&self) -> String {
        codegen::rust_source(
            &self.family,
            &self.cleaned.rows,
            &self.held_out,
            &self.version,
        )
    }
}

/// Loads, cleans, evaluates on the split and fits on every clean row: the
/// model that ships.
pub fn build(listings: impl AsRef<Path>) -> anyhow::Result<Built> {
    let path = listings.as_ref();
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let text =
        std::str::from_utf8(&bytes).with_context(|| format!("{} is not UTF-8", path.display()))?;
    let cleaned =
        clean::clean(parse_listings(text).with_context(|| format!("in {}", path.display()))?);
    let held_out = held_out(&cleaned).context("held-out evaluation")?;
    let family =
        train_family(&cleaned.rows, &cleaned.branded).context("fitting the served model")?;
    let version = version::model_version(&bytes, &version::parameters());
    Ok(Built {
        cleaned,
        family,
        held_out,
        version,
    })
}
