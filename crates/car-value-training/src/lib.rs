//! Training pipeline of the car-value model (host only: used by the build
//! script of `car-value-model` and by its tests, never at run time).
//!
//! It loads the Craigslist Mercedes-Benz listings (`data/cars/listings.csv`),
//! cleans them with the named rules of [`clean`] (each rule reports how many
//! rows it dropped), fits an ordinary-least-squares
//! [`smartcore` `LinearRegression`](smartcore::linear::linear_regression::LinearRegression)
//! on the features `[year, mileage]` → price, and evaluates the procedure on a
//! fixed, seeded held-out split ([`eval`]).
//!
//! Everything is deterministic: the rows keep the order of the file, the split
//! is a hash of each row's position in the file, and the solver (SVD) has no
//! random state; two runs give bit-identical coefficients.
//!
//! ```no_run
//! let listings = car_value_training::load_listings("data/cars/listings.csv")?;
//! let cleaned = car_value_training::clean::clean(listings);
//! let model = car_value_training::fit(&cleaned.rows)?;
//! println!("{}", model.to_rust_source());
//! # Ok::<(), anyhow::Error>(())
//! ```

pub mod clean;
pub mod eval;
mod fit;
mod load;

pub use clean::{CleanRow, Cleaned, Rule, RuleDrops};
pub use eval::{Evaluation, Split, evaluate};
pub use fit::{FEATURES, TrainedModel, fit};
pub use load::{Listing, load_listings, parse_listings};

/// Loads, cleans and fits on every clean row: the model that ships.
///
/// Returns the cleaning report with the model, so callers can show the
/// per-rule drop counts.
pub fn train_from_file(
    path: impl AsRef<std::path::Path>,
) -> anyhow::Result<(TrainedModel, Cleaned)> {
    let cleaned = clean::clean(load_listings(path)?);
    let model = fit(&cleaned.rows)?;
    Ok((model, cleaned))
}
