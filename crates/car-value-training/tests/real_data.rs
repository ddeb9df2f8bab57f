//! Specifications checked against the real listings file
//! (`data/cars/listings.csv`). The figures asserted here are the ones
//! `data/README.md` and `docs/MODELS.md` publish; the quality
//! guards fail when a change makes the served model measurably worse.

use car_value_training::clean::{Cleaned, Rule, clean};
use car_value_training::eval::{
    ALPHA_GRID, Comparison, SPLIT_SEED, Split, compare, evaluate_seed_line_with_seed, metrics,
    sanity,
};
use car_value_training::features::{Field, FieldSet, Layout};
use car_value_training::model::{ALPHA, CURVE_MILEAGE_10K, train_family};
use car_value_training::sanity::{SANITY_YEAR, load_sanity};
use car_value_training::{build, evaluate_seed_line, fit_seed_line, held_out, load_listings};
use std::sync::OnceLock;

const LISTINGS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/cars/listings.csv");
const SANITY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/cars/three_cars_2017.csv"
);

fn cleaned() -> &'static Cleaned {
    static CLEANED: OnceLock<Cleaned> = OnceLock::new();
    CLEANED.get_or_init(|| clean(load_listings(LISTINGS).expect("read data/cars/listings.csv")))
}

fn comparison() -> &'static Comparison {
    static COMPARISON: OnceLock<Comparison> = OnceLock::new();
    COMPARISON.get_or_init(|| compare(&cleaned().rows).expect("comparison"))
}

fn line(prefix: &str) -> car_value_training::eval::Score {
    comparison()
        .lines
        .iter()
        .find(|l| l.label.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line {prefix:?}"))
        .score
}

// ---------------------------------------------------------------- cleaning

#[test]
fn the_real_file_has_7143_rows() {
    assert_eq!(load_listings(LISTINGS).unwrap().len(), 7_143);
}

#[test]
fn each_rule_drops_the_number_of_real_rows_data_readme_states() {
    let cleaned = cleaned();
    println!("{}", cleaned.table());
    let expected = [
        (Rule::DuplicateListing, 1_950),
        (Rule::MissingNumber, 0),
        (Rule::PriceBelowFloor, 634),
        (Rule::PriceAboveCeiling, 2),
        (Rule::YearBeforeCutoff, 121),
        (Rule::BrandedTitle, 94),
        (Rule::OdometerPlaceholder, 10),
        (Rule::OdometerAboveCeiling, 2),
    ];
    let actual: Vec<(Rule, usize)> = cleaned.drops.iter().map(|d| (d.rule, d.dropped)).collect();
    assert_eq!(actual, expected);
}

#[test]
fn the_real_file_has_4330_clean_rows_as_data_readme_states() {
    assert_eq!(cleaned().rows.len(), 4_330);
}

#[test]
fn clean_rows_span_1995_to_2021_and_up_to_480000_miles() {
    let line = fit_seed_line(&cleaned().rows).unwrap();
    assert_eq!((line.min_year, line.max_year), (1995, 2021));
    assert_eq!(line.max_mileage, 480_000.0);
    assert_eq!(line.min_value, 1_000.0);
}

/// The level rule of `data/README.md`: values with at least 20 clean rows
/// get a column; r-class (19), condition `new` (7), fuels electric and
/// hybrid, manual transmissions, trucks, mini-vans and the pickup share
/// their field's rare column.
#[test]
fn levels_follow_the_twenty_row_rule_on_the_real_data() {
    let layout = Layout::learn(&cleaned().rows);
    let rare = |f: Field| -> Vec<String> {
        layout
            .levels(f)
            .rare
            .iter()
            .map(|(v, _)| v.clone())
            .collect()
    };
    assert_eq!(rare(Field::Model), ["r-class"]);
    assert_eq!(rare(Field::Condition), ["new"]);
    assert_eq!(rare(Field::Fuel), ["(not stated)", "electric", "hybrid"]);
    assert_eq!(rare(Field::Transmission), ["(not stated)", "manual"]);
    assert_eq!(rare(Field::BodyType), ["mini-van", "pickup", "truck"]);
    assert_eq!(layout.levels(Field::Model).common.len(), 13);
}

// ------------------------------------------------------ the seed-compatible line

#[test]
fn the_seed_line_has_the_published_held_out_figures() {
    let e = evaluate_seed_line(&cleaned().rows).unwrap();
    println!(
        "seed line, seed {SPLIT_SEED}: train {} / held out {}; MAE {:.0}, median AE {:.0}, R^2 {:.3}",
        e.train_rows, e.held_out_rows, e.mae, e.median_ae, e.r2
    );
    assert_eq!((e.train_rows, e.held_out_rows), (3_419, 911));
    assert_eq!(
        (e.mae.round(), e.median_ae.round(), (e.r2 * 1000.0).round()),
        (6_917.0, 5_424.0, 543.0)
    );
    assert!(e.model.year_coef > 0.0 && e.model.mileage_coef < 0.0);
}

#[test]
fn the_seed_line_stays_below_8000_usd_for_other_seeds() {
    for seed in 0..5 {
        let e = evaluate_seed_line_with_seed(&cleaned().rows, seed).unwrap();
        assert!(e.mae < 8_000.0, "seed {seed}: {e:?}");
    }
}

// ------------------------------------------------------------ quality guards
//
// Published figures (seed 20211995, 3,419 train / 911 held out): served MAE
// $3,941, median AE $1,928, R² 0.769, 10–90 coverage 78.8%; year + mileage
// only: MAE $5,867, coverage 79.9%; seed line MAE $6,917. The thresholds
// leave 3–6% of room: enough for floating-point differences between
// platforms, not for a real regression.

/// Served MAE threshold, USD.
const MAX_SERVED_MAE: f64 = 4_100.0;
/// Served median absolute error threshold, USD.
const MAX_SERVED_MEDIAN_AE: f64 = 2_050.0;
/// Served R² floor.
const MIN_SERVED_R2: f64 = 0.74;
/// Year + mileage only MAE threshold, USD.
const MAX_YEAR_MILEAGE_MAE: f64 = 6_050.0;
/// The 10–90 interval must cover between these shares of held-out prices.
const COVERAGE_BAND: std::ops::RangeInclusive<f64> = 0.77..=0.83;

#[test]
fn quality_guard_served_model_held_out_error() {
    let h = held_out(cleaned()).unwrap();
    println!("{h:#?}");
    let m = h.served.metrics;
    assert!(m.mae < MAX_SERVED_MAE, "served MAE {:.0}", m.mae);
    assert!(
        m.median_ae < MAX_SERVED_MEDIAN_AE,
        "served median AE {:.0}",
        m.median_ae
    );
    assert!(m.r2 > MIN_SERVED_R2, "served R² {:.3}", m.r2);
    assert!(
        h.year_mileage.metrics.mae < MAX_YEAR_MILEAGE_MAE,
        "year+mileage MAE {:.0}",
        h.year_mileage.metrics.mae
    );
}

#[test]
fn quality_guard_interval_coverage_is_near_80_percent() {
    let h = held_out(cleaned()).unwrap();
    for (label, score) in [("served", h.served), ("year+mileage", h.year_mileage)] {
        let coverage = score.coverage.unwrap();
        assert!(
            COVERAGE_BAND.contains(&coverage),
            "{label}: coverage {coverage:.3}"
        );
    }
}

#[test]
fn interval_coverage_holds_in_every_age_band() {
    for (band, rows, coverage) in &comparison().coverage_by_age {
        assert!(
            (0.70..=0.90).contains(coverage),
            "{band}: {coverage:.3} over {rows} rows"
        );
    }
}

#[test]
fn served_model_beats_the_seed_line_by_a_quarter() {
    let h = held_out(cleaned()).unwrap();
    println!(
        "served MAE {:.0} vs seed line {:.0}",
        h.served.metrics.mae, h.seed_line.metrics.mae
    );
    assert!(
        h.served.metrics.mae < 0.75 * h.seed_line.metrics.mae,
        "{h:?}"
    );
    assert!(h.served.metrics.r2 > h.seed_line.metrics.r2 + 0.1, "{h:?}");
    // Even with year and mileage only, the log curve beats the line.
    assert!(h.year_mileage.metrics.mae < 0.9 * h.seed_line.metrics.mae);
    assert!(h.year_mileage.metrics.median_ae < 0.7 * h.seed_line.metrics.median_ae);
}

#[test]
fn served_model_stays_good_on_other_splits() {
    // The procedure, not one lucky split: train on other seeds' train sides.
    let rows = &cleaned().rows;
    for seed in 1..4 {
        let (train, test) = car_value_training::eval::split(rows, seed);
        let family = train_family(&train, &[]).unwrap();
        let seed_line = fit_seed_line(&train).unwrap();
        let actual: Vec<f64> = test.iter().map(|r| r.price_usd).collect();
        let served: Vec<f64> = test
            .iter()
            .map(|r| family.predict_row(r).value.round())
            .collect();
        let line: Vec<f64> = test
            .iter()
            .map(|r| seed_line.predict(r.year, r.mileage))
            .collect();
        let (s, l) = (metrics(&actual, &served), metrics(&actual, &line));
        println!(
            "seed {seed}: served MAE {:.0}, line MAE {:.0}",
            s.mae, l.mae
        );
        assert!(s.mae < 0.75 * l.mae, "seed {seed}: {s:?} vs {l:?}");
    }
}

// ------------------------------------------------------------ model choices

#[test]
fn each_modelled_field_improves_held_out_mae_and_title_status_does_not() {
    let base = line("(b) log curve").metrics.mae;
    for field in Field::ALL {
        let with = line(&format!("(c) log curve + {}", field.name()))
            .metrics
            .mae;
        println!("{}: {with:.0} vs {base:.0}", field.name());
        if Field::MODELLED.contains(&field) {
            assert!(with < base, "{} does not help: {with:.0}", field.name());
        } else {
            // a tie within a few dollars is no help
            assert!(with > base - 5.0, "{} now helps: ship it", field.name());
        }
    }
    let all = line("(d) log curve + all five fields").metrics.mae;
    assert!(all < line("(c) log curve + model").metrics.mae);
}

#[test]
fn log_price_beats_dollars_on_the_same_columns() {
    let log = line("(d) log curve + all five fields");
    let dollars = line("dollar scale");
    assert!(log.metrics.mae < 0.95 * dollars.metrics.mae);
    assert!(log.metrics.median_ae < 0.85 * dollars.metrics.median_ae);
    let log_line = line("(b) log curve").metrics.mae;
    assert!(log_line < line("(a) seed line").metrics.mae);
}

#[test]
fn the_served_back_transform_has_the_lowest_mae() {
    let b = &comparison().back_transforms;
    let served = b.iter().find(|l| l.label.contains("(served)")).unwrap();
    for other in b {
        assert!(
            served.score.metrics.mae <= other.score.metrics.mae,
            "{other:?}"
        );
    }
}

#[test]
fn alpha_is_within_5_usd_of_the_cross_validated_best() {
    let alphas = &comparison().alphas;
    assert_eq!(alphas.len(), ALPHA_GRID.len());
    let best = alphas.iter().map(|a| a.1).fold(f64::INFINITY, f64::min);
    let used = alphas.iter().find(|a| a.0 == ALPHA).unwrap().1;
    assert!(used - best < 5.0, "{alphas:?}");
}

// ------------------------------------------------------------ determinism

#[test]
fn training_twice_gives_the_same_source_and_version() {
    let first = build(LISTINGS).unwrap();
    let second = build(LISTINGS).unwrap();
    assert_eq!(first.rust_source(), second.rust_source());
    assert_eq!(first.version, second.version);
    assert!(first.version.starts_with("car-value-"));
}

#[test]
fn evaluation_is_deterministic() {
    assert_eq!(compare(&cleaned().rows).unwrap(), *comparison());
    assert_eq!(held_out(cleaned()).unwrap(), held_out(cleaned()).unwrap());
}

#[test]
fn the_split_is_the_published_one() {
    let held = cleaned()
        .rows
        .iter()
        .filter(|r| Split::of(r.index, SPLIT_SEED) == Split::HeldOut)
        .count();
    assert_eq!(held, 911);
}

// ------------------------------------------------------------ behaviour

#[test]
fn newer_cars_and_fewer_miles_are_worth_more_on_the_year_mileage_model() {
    let family = train_family(&cleaned().rows, &cleaned().branded).unwrap();
    let value = |year, miles| family.predict(year, miles, &[None; 6]).value;
    for year in 1986..=2022 {
        assert!(value(year, 60_000.0) >= value(year - 1, 60_000.0), "{year}");
    }
    for year in [2001, 2006, 2011, 2016, 2021] {
        assert!(value(year, 60_000.0) > value(year - 5, 60_000.0), "{year}");
    }
    for step in 1..=40 {
        let miles = 10_000.0 * f64::from(step);
        assert!(
            value(2012, miles) < value(2012, miles - 10_000.0),
            "{miles}"
        );
    }
}

#[test]
fn more_fields_narrow_the_interval() {
    let family = train_family(&cleaned().rows, &cleaned().branded).unwrap();
    let ratio = |values: &[Option<&str>; 6]| {
        let p = family.predict(2015, 60_000.0, values);
        p.high / p.low
    };
    let none = ratio(&[None; 6]);
    let all = ratio(&[
        Some("e-class"),
        Some("excellent"),
        None,
        Some("gas"),
        Some("automatic"),
        Some("sedan"),
    ]);
    println!("interval high/low: year+mileage {none:.2}, all fields {all:.2}");
    assert!(all < none);
}

#[test]
fn every_curve_of_the_family_falls_with_age_and_with_miles() {
    let family = train_family(&cleaned().rows, &cleaned().branded).unwrap();
    for m in &family.models {
        let c = &m.curves;
        let steepest_bend = c.bends[0].max(0.0);
        for (line, points) in c.points.iter().enumerate() {
            for pair in points.windows(2) {
                let (older, newer) = (pair[0], pair[1]);
                assert!(
                    older.0 <= newer.0 && older.1 <= newer.1,
                    "{} line {line}: {older:?} {newer:?}",
                    m.set.label()
                );
            }
            for (a, e) in points {
                // (up to rounding)
                let slope = (e - a) / CURVE_MILEAGE_10K;
                assert!(
                    slope + steepest_bend <= 1e-12,
                    "{} line {line}: {a} {e}",
                    m.set.label()
                );
            }
        }
    }
}

#[test]
fn branded_titles_are_valued_below_clean_ones_with_a_wider_interval() {
    let family = train_family(&cleaned().rows, &cleaned().branded).unwrap();
    let titles: Vec<(&str, usize)> = family
        .branded
        .iter()
        .map(|b| (b.title.as_str(), b.rows))
        .collect();
    assert_eq!(
        titles,
        [
            ("missing", 3),
            ("parts only", 1),
            ("rebuilt", 49),
            ("salvage", 39)
        ]
    );
    let mut values = [
        Some("e-class"),
        Some("good"),
        None,
        Some("gas"),
        Some("automatic"),
        Some("sedan"),
    ];
    let clean = family.predict(2014, 80_000.0, &values);
    for b in &family.branded {
        values[Field::TitleStatus.position()] = Some(b.title.as_str());
        let p = family.predict(2014, 80_000.0, &values);
        assert!(p.value < clean.value, "{}: {p:?}", b.title);
        assert!(
            p.high / p.low > clean.high / clean.low,
            "{}: {p:?}",
            b.title
        );
    }
}

#[test]
fn the_family_has_one_model_per_set_of_modelled_fields() {
    let family = train_family(&cleaned().rows, &cleaned().branded).unwrap();
    assert_eq!(family.models.len(), 32);
    for set in FieldSet::every() {
        assert!(!set.contains(Field::TitleStatus));
        assert_eq!(family.model(set).set, set);
    }
}

// ------------------------------------------------------------ sanity set

/// Mazda6, Accord and Maxima in 2017: the model (Mercedes-Benz, 2020–21)
/// overprices them about 1.5× but orders them nearly right (corr of logs
/// ≈ 0.92). The guard: still ordered, and the bias still about 1.5×.
#[test]
fn sanity_set_is_ordered_right_but_priced_like_a_mercedes() {
    let cars = load_sanity(SANITY).unwrap();
    assert_eq!(cars.len(), 90);
    let family = train_family(&cleaned().rows, &cleaned().branded).unwrap();
    let report = sanity(&family, &cars, SANITY_YEAR);
    println!("{}", report.table());
    let all = &report.groups[0];
    assert!(all.log_correlation > 0.85, "{all:?}");
    assert!((1.3..=1.7).contains(&all.median_ratio), "{all:?}");
}
