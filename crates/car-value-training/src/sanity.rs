//! The sanity set `data/cars/three_cars_2017.csv`: 90 used Mazda6, Honda
//! Accord and Nissan Maxima sedans offered in 2017 (Stat2Data
//! `ThreeCars2017`). Not Mercedes-Benz, not Craigslist, not 2020–21: it
//! shows how the model does on cars it was never meant for.

use anyhow::{Context, bail};
use std::path::Path;

/// One car, in the service's units.
#[derive(Debug, Clone, PartialEq)]
pub struct SanityCar {
    /// `Mazda6`, `Accord` or `Maxima`.
    pub car_type: String,
    /// Age in years in 2017 (the file's `Age`).
    pub age_years: i32,
    /// Asking price in USD (the file's `Price` is in $1000).
    pub price_usd: f64,
    /// Miles (the file's `Mileage` is in 1000 miles).
    pub mileage: f64,
}

/// The year the sanity cars' ages count from.
pub const SANITY_YEAR: i32 = 2017;

/// Reads the sanity set.
pub fn load_sanity(path: impl AsRef<Path>) -> anyhow::Result<Vec<SanityCar>> {
    let path = path.as_ref();
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    parse_sanity(&text).with_context(|| format!("in {}", path.display()))
}

/// Parses the text of the sanity file.
pub fn parse_sanity(text: &str) -> anyhow::Result<Vec<SanityCar>> {
    let mut lines = text.lines();
    let header = lines.next().context("empty file")?.trim_end_matches('\r');
    if !header.starts_with("CarType,Age,Price,Mileage") {
        bail!("unexpected header {header:?}");
    }
    let mut cars = Vec::new();
    for (i, line) in lines.enumerate() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split(',').collect();
        if f.len() < 4 {
            bail!("row {}: too few fields: {line}", i + 1);
        }
        let num = |s: &str| -> anyhow::Result<f64> {
            s.trim()
                .parse::<f64>()
                .with_context(|| format!("row {}: not a number: {s:?}", i + 1))
        };
        cars.push(SanityCar {
            car_type: f[0].to_string(),
            age_years: num(f[1])?.round() as i32,
            price_usd: (num(f[2])? * 1_000.0).round(),
            mileage: (num(f[3])? * 1_000.0).round(),
        });
    }
    Ok(cars)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_thousands_to_units() {
        let cars = parse_sanity(
            "CarType,Age,Price,Mileage,Mazda6,Accord,Maxima\nMazda6,3,15.9,17.8,1,0,0\n",
        )
        .unwrap();
        assert_eq!(
            cars,
            vec![SanityCar {
                car_type: "Mazda6".into(),
                age_years: 3,
                price_usd: 15_900.0,
                mileage: 17_800.0
            }]
        );
    }
}
