//! `cargo run -p car-value-training --bin car-value-eval [-- LISTINGS.csv [SANITY.csv]]`
//!
//! Prints the held-out comparison of the car-value models (the fixed,
//! seeded split of `car_value_training::eval`), the choice of target scale,
//! back-transform and ridge penalty, the served procedure cross-validated on
//! the training side, the interval's coverage, and the sanity set. Deterministic: two runs print the same bytes.

use car_value_training::clean::clean;
use car_value_training::eval::{
    CV_FOLDS, CV_SEEDS, SPLIT_SEED, compare, cross_validate, sanity, score_table, thousands,
};
use car_value_training::model::{ALPHA, FOLDS, INTERVAL_PERCENTILES};
use car_value_training::sanity::{SANITY_YEAR, load_sanity};
use car_value_training::{load_listings, train_family};

const LISTINGS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/cars/listings.csv");
const SANITY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/cars/three_cars_2017.csv"
);

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let listings = args.next().unwrap_or_else(|| LISTINGS.into());
    let sanity_path = args.next().unwrap_or_else(|| SANITY.into());
    let cleaned = clean(load_listings(&listings)?);
    let c = compare(&cleaned.rows)?;

    println!("# Car value: held-out evaluation\n");
    println!(
        "{} clean listings; split seed {SPLIT_SEED}: {} train, {} held out. \
         Every model is fitted on the train side only; figures in USD on the held-out side.\n",
        cleaned.rows.len(),
        c.train_rows,
        c.held_out_rows
    );
    println!("## Models\n");
    print!("{}", score_table(&c.lines));
    let seed = &c.lines[1].score.metrics;
    let served = &c
        .lines
        .iter()
        .find(|l| l.label.starts_with("(d) served"))
        .expect("served line")
        .score
        .metrics;
    println!(
        "\nServed vs seed line: MAE ${} lower ({:.1}%), R² {:+.3}.",
        thousands(seed.mae - served.mae),
        100.0 * (1.0 - served.mae / seed.mae),
        served.r2 - seed.r2
    );
    println!(
        "Interval: {}th–{}th percentile of {FOLDS}-fold out-of-fold log residuals; coverage is measured on the held-out rows.",
        INTERVAL_PERCENTILES[0], INTERVAL_PERCENTILES[2]
    );

    println!(
        "\n## Each field given the others: the all-fields model without one field (or without the model × age slopes)\n"
    );
    print!("{}", score_table(&c.drop_one));

    println!("\n## Back to dollars (the all-fields log model)\n");
    print!("{}", score_table(&c.back_transforms));

    println!("\n## Ridge penalty (5-fold CV on the train side, all fields)\n");
    println!("| alpha | CV MAE |\n|---:|---:|");
    for (alpha, mae) in &c.alphas {
        let mark = if *alpha == ALPHA { " (used)" } else { "" };
        println!("| {alpha}{mark} | ${} |", thousands(*mae));
    }

    let cv = cross_validate(&cleaned)?;
    println!(
        "\n## The served procedure, cross-validated on the train side ({} folds: {CV_FOLDS} for each of the fold seeds {CV_SEEDS:?})\n",
        cv.fits
    );
    println!(
        "| fields given | CV MAE |\n|---|---:|\n| the fields each listing states | ${} |\n| year and mileage only | ${} |",
        thousands(cv.served_mae),
        thousands(cv.year_mileage_mae)
    );
    println!(
        "\nServed interval coverage: {:.1}%. The bends, IRLS rounds and penalty were chosen on these figures.",
        100.0 * cv.coverage
    );

    println!("\n## Served interval coverage by segment (held out)\n");
    println!("| segment | rows | coverage |\n|---|---:|---:|");
    for (label, rows, cov) in c.coverage_by_age.iter().chain(&c.coverage_by_price) {
        println!("| {label} | {rows} | {:.1}% |", 100.0 * cov);
    }

    let cars = load_sanity(&sanity_path)?;
    let family = train_family(&cleaned.rows, &cleaned.branded)?;
    println!(
        "\n## Sanity set: three_cars_2017 ({} cars; served model, year + mileage only)\n",
        cars.len()
    );
    println!(
        "Model year = {SANITY_YEAR} − Age (the listing's own year, as the brief converts it):\n"
    );
    print!("{}", sanity(&family, &cars, SANITY_YEAR).table());
    println!(
        "\nSame cars at the same age in 2021 (model year = 2021 − Age), the age the model's listings had:\n"
    );
    print!("{}", sanity(&family, &cars, 2021).table());
    Ok(())
}
