//! The model version: a hash of the listings file and of every training
//! parameter, so that a change to either gives a new version.

use crate::clean::{
    BRANDED_TITLES, FIRST_YEAR, NEW_CAR_FIRST_YEAR, ODOMETER_CEILING_MI, PLACEHOLDER_ODOMETER_MI,
    PRICE_CEILING_USD, PRICE_FLOOR_USD,
};
use crate::codegen::{OLDEST_YEAR, YEARS_PAST_TRAINING};
use crate::eval::{HELD_OUT_PERCENT, SPLIT_SEED};
use crate::features::{
    AGE_BASE_YEAR, AGE_CENTER, Field, MILEAGE_CENTER_10K, MILEAGE_COLUMNS, MILEAGE_KNOTS_10K,
    MIN_LEVEL_ROWS, MODEL_AGE_KNOTS,
};
use crate::model::{
    ALPHA, FOLD_SEED, FOLDS, INTERVAL_PERCENTILES, IRLS_MIN_RESIDUAL, IRLS_ROUNDS, MIN_BRANDED_ROWS,
};

/// Bumped when the procedure changes in a way the parameters below do not
/// show (a new kind of column, another estimator).
pub const PROCEDURE: &str = "ln-price ridge family v2: year effects, line terms, model x fuel, IRLS, monotone curves, branded titles";

/// Every parameter of cleaning, features, fitting, interval and split, as
/// one line of text.
pub fn parameters() -> String {
    let modelled: Vec<&str> = Field::MODELLED.iter().map(|f| f.name()).collect();
    format!(
        "procedure={PROCEDURE}; clean: price {PRICE_FLOOR_USD}..={PRICE_CEILING_USD}, \
         year>={FIRST_YEAR}, branded={BRANDED_TITLES:?}, placeholder<{PLACEHOLDER_ODOMETER_MI} \
         before {NEW_CAR_FIRST_YEAR}, odometer<{ODOMETER_CEILING_MI}; mileage={MILEAGE_COLUMNS:?} \
         knots={MILEAGE_KNOTS_10K:?} line center={MILEAGE_CENTER_10K}; base={AGE_BASE_YEAR} \
         line knots={MODEL_AGE_KNOTS:?} center={AGE_CENTER}; fields={modelled:?} \
         min_level_rows={MIN_LEVEL_ROWS}; alpha={ALPHA}; irls={IRLS_ROUNDS} \
         floor={IRLS_MIN_RESIDUAL}; folds={FOLDS} seed={FOLD_SEED}; \
         branded min rows={MIN_BRANDED_ROWS}; years {OLDEST_YEAR}..+{YEARS_PAST_TRAINING}; \
         percentiles={INTERVAL_PERCENTILES:?}; split seed={SPLIT_SEED} held_out={HELD_OUT_PERCENT}%"
    )
}

/// `car-value-` and the first 12 hex digits of a 64-bit FNV-1a hash of the
/// data bytes, a zero byte and the parameters. (A change detector, not a
/// cryptographic hash.)
pub fn model_version(data: &[u8], parameters: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &byte in data.iter().chain(&[0u8]).chain(parameters.as_bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("car-value-{:012x}", hash >> 16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_changes_with_the_data_and_with_the_parameters() {
        let a = model_version(b"price_USD,year\n1000,2010\n", "p");
        let b = model_version(b"price_USD,year\n1001,2010\n", "p");
        let c = model_version(b"price_USD,year\n1000,2010\n", "q");
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_eq!(a, model_version(b"price_USD,year\n1000,2010\n", "p"));
        assert!(a.starts_with("car-value-"), "{a}");
        assert_eq!(a.len(), "car-value-".len() + 12, "{a}");
        assert!(
            a["car-value-".len()..]
                .chars()
                .all(|c| c.is_ascii_hexdigit())
        );
    }

    #[test]
    fn parameters_name_every_setting() {
        let p = parameters();
        for needle in [
            "alpha=1;",
            "irls=8 ",
            "min_level_rows=20",
            "folds=5",
            "20211995",
        ] {
            assert!(p.contains(needle), "{needle} missing from {p}");
        }
    }
}
