//! `cargo run -p car-value-training --bin car-value-train [-- LISTINGS.csv] [--write PATH]`
//!
//! Retrains the car-value model exactly as the build script of
//! `car-value-model` does, checks that a second training gives the same
//! bytes, and prints the model: version, cleaning counts, bounds, and the
//! coefficients and intervals of its models. `--write PATH` also writes the
//! generated Rust source (what `car-value-model` includes) to PATH.

use car_value_training::codegen::{Bounds, metrics_list};
use car_value_training::features::{Field, FieldSet};
use car_value_training::model::{AGE_BAND_STARTS, ALPHA, FOLDS, INTERVAL_PERCENTILES, percentile};
use car_value_training::{build, version};

const LISTINGS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/cars/listings.csv");

fn main() -> anyhow::Result<()> {
    let mut listings = LISTINGS.to_string();
    let mut write = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--write" => write = Some(args.next().ok_or_else(|| anyhow::anyhow!("--write PATH"))?),
            _ => listings = arg,
        }
    }
    let built = build(&listings)?;
    let source = built.rust_source();
    anyhow::ensure!(
        build(&listings)?.rust_source() == source,
        "training is not deterministic: two runs gave different models"
    );

    println!("# Car value model {}\n", built.version);
    println!(
        "Retrained from {listings}; a second training gave the same {} bytes of Rust source.\n",
        source.len()
    );
    println!("Parameters: {}\n", version::parameters());
    println!("## Cleaning\n");
    print!("{}", built.cleaned.table());
    let b = Bounds::of(&built.cleaned.rows);
    let mut prices: Vec<f64> = built.cleaned.rows.iter().map(|r| r.price_usd).collect();
    prices.sort_by(f64::total_cmp);
    println!(
        "\nFitted on {} clean rows: model years {}–{}, mileage up to {}, prices from ${} (median ${}).",
        built.family.rows,
        b.training_min_year,
        b.training_max_year,
        b.training_max_mileage,
        b.min_value,
        percentile(&prices, 50.0)
    );
    println!(
        "Accepted input: years {}–{}, mileage 0–{}; estimates never below ${}.\n",
        b.min_year, b.max_year, b.max_mileage, b.min_value
    );

    println!("## Levels (a value needs 20 training rows for its own column)\n");
    for field in Field::ALL {
        let levels = built.family.layout.levels(field);
        let fmt = |v: &[(String, usize)]| {
            v.iter()
                .map(|(n, c)| format!("{n} ({c})"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let used = if Field::MODELLED.contains(&field) {
            ""
        } else {
            " — checked, not used by the model"
        };
        println!(
            "- `{}`{used}: {}; rare: {}",
            field.name(),
            fmt(&levels.common),
            if levels.rare.is_empty() {
                "none".into()
            } else {
                fmt(&levels.rare)
            }
        );
    }

    let names = built.family.layout.column_names();
    let bands = {
        let mut labels = vec![format!("age < {}", AGE_BAND_STARTS[0])];
        for w in AGE_BAND_STARTS.windows(2) {
            labels.push(format!("age {}–{}", w[0], w[1] - 1));
        }
        labels.push(format!(
            "age ≥ {}",
            AGE_BAND_STARTS[AGE_BAND_STARTS.len() - 1]
        ));
        labels
    };
    for set in [FieldSet::NONE, FieldSet::ALL] {
        let model = &built.family.model(set).fitted;
        println!(
            "\n## Model on {} (ln price; ridge alpha {ALPHA})\n",
            set.label()
        );
        println!("| column | coefficient |\n|---|---:|");
        println!("| intercept | {:.6} |", model.linear.intercept);
        for (c, w) in &model.linear.coef {
            println!("| {} | {w:.6} |", names[*c]);
        }
        println!(
            "\nOut-of-fold ({FOLDS}-fold) log-residual percentiles {:?} per age band → estimate × exp(q):\n",
            INTERVAL_PERCENTILES
        );
        println!("| age band | q10 | q50 | q90 | interval |\n|---|---:|---:|---:|---|");
        for (label, q) in bands.iter().zip(&model.quantiles) {
            println!(
                "| {label} | {:+.4} | {:+.4} | {:+.4} | ×{:.2} – ×{:.2} of the median |",
                q[0],
                q[1],
                q[2],
                (q[0] - q[1]).exp(),
                (q[2] - q[1]).exp()
            );
        }
    }

    println!(
        "\n## All {} models (one per set of fields given)\n",
        built.family.models.len()
    );
    println!("| fields | columns | interval high/low, age 5–9 |\n|---|---:|---:|");
    for m in &built.family.models {
        let q = m.fitted.quantiles[1];
        println!(
            "| {} | {} | ×{:.2} |",
            m.set.label(),
            m.fitted.linear.coef.len(),
            (q[2] - q[0]).exp()
        );
    }

    println!("\n## Published metrics (held-out split; `METRICS`)\n");
    for (name, value) in metrics_list(&built.held_out, built.family.rows) {
        println!("- {name}: {value}");
    }

    if let Some(path) = write {
        std::fs::write(&path, &source)?;
        println!("\nWrote the generated source to {path}.");
    }
    Ok(())
}
