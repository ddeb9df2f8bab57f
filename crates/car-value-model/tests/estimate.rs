//! Specifications of `estimate`, with the model trained on the real data.

use car_value_model::{
    Car, CarValueError, Estimate, MAX_MILEAGE, MAX_YEAR, MIN_VALUE_USD, MIN_YEAR, TRAINING_ROWS,
    estimate,
};

const LISTINGS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/cars/listings.csv");

fn car(year: i32, mileage: f64) -> Car {
    Car { year, mileage }
}

const YEAR_ERROR: CarValueError = CarValueError::YearOutOfRange {
    min: MIN_YEAR,
    max: MAX_YEAR,
};
const MILEAGE_ERROR: CarValueError = CarValueError::MileageOutOfRange {
    min: 0.0,
    max: MAX_MILEAGE,
};

#[test]
fn bounds_are_those_of_the_clean_training_data() {
    let (model, cleaned) = car_value_training::train_from_file(LISTINGS).unwrap();
    assert_eq!(
        (MIN_YEAR, MAX_YEAR, MAX_MILEAGE),
        (model.min_year, model.max_year, model.max_mileage)
    );
    assert_eq!((MIN_YEAR, MAX_YEAR, MAX_MILEAGE), (1995, 2021, 480_000.0));
    assert_eq!(MIN_VALUE_USD, model.min_value);
    assert_eq!(TRAINING_ROWS, cleaned.rows.len());
}

#[test]
fn year_before_min_year_is_rejected() {
    assert_eq!(estimate(car(MIN_YEAR - 1, 50_000.0)), Err(YEAR_ERROR));
}

#[test]
fn year_after_max_year_is_rejected() {
    assert_eq!(estimate(car(MAX_YEAR + 1, 50_000.0)), Err(YEAR_ERROR));
}

#[test]
fn negative_mileage_is_rejected() {
    assert_eq!(estimate(car(2015, -1.0)), Err(MILEAGE_ERROR));
}

#[test]
fn nan_mileage_is_rejected() {
    assert_eq!(estimate(car(2015, f64::NAN)), Err(MILEAGE_ERROR));
}

#[test]
fn infinite_mileage_is_rejected() {
    assert_eq!(estimate(car(2015, f64::INFINITY)), Err(MILEAGE_ERROR));
    assert_eq!(estimate(car(2015, f64::NEG_INFINITY)), Err(MILEAGE_ERROR));
}

#[test]
fn mileage_above_max_mileage_is_rejected() {
    assert_eq!(estimate(car(2015, MAX_MILEAGE + 1.0)), Err(MILEAGE_ERROR));
}

#[test]
fn year_is_checked_before_mileage() {
    assert_eq!(estimate(car(MIN_YEAR - 1, f64::NAN)), Err(YEAR_ERROR));
}

#[test]
fn errors_carry_a_code_and_a_message_with_the_bounds() {
    assert_eq!(YEAR_ERROR.code(), "year_out_of_range");
    assert_eq!(YEAR_ERROR.to_string(), "year must be between 1995 and 2021");
    assert_eq!(MILEAGE_ERROR.code(), "mileage_out_of_range");
    assert_eq!(
        MILEAGE_ERROR.to_string(),
        "mileage must be a number of miles between 0 and 480000"
    );
    let _: &dyn std::error::Error = &YEAR_ERROR;
}

#[test]
fn bounds_themselves_are_accepted() {
    for (year, mileage) in [
        (MIN_YEAR, 0.0),
        (MIN_YEAR, MAX_MILEAGE),
        (MAX_YEAR, 0.0),
        (MAX_YEAR, MAX_MILEAGE),
    ] {
        assert!(estimate(car(year, mileage)).is_ok(), "{year}, {mileage}");
    }
}

#[test]
fn the_oldest_car_with_the_most_miles_gets_the_floor() {
    assert_eq!(
        estimate(car(MIN_YEAR, MAX_MILEAGE)),
        Ok(Estimate {
            value_usd: MIN_VALUE_USD
        })
    );
}

#[test]
fn no_estimate_is_below_the_floor_or_a_fraction_of_a_dollar() {
    for year in MIN_YEAR..=MAX_YEAR {
        for step in 0..=48 {
            let mileage = MAX_MILEAGE * f64::from(step) / 48.0;
            let value = estimate(car(year, mileage)).unwrap().value_usd;
            assert!(value >= MIN_VALUE_USD, "{year}, {mileage}: {value}");
            assert_eq!(value, value.round(), "{year}, {mileage}: {value}");
        }
    }
}

#[test]
fn newer_cars_and_fewer_miles_are_worth_more() {
    let value = |year, mileage| estimate(car(year, mileage)).unwrap().value_usd;
    assert!(value(2018, 45_000.0) > value(2015, 45_000.0));
    assert!(value(2018, 30_000.0) > value(2018, 60_000.0));
}

#[test]
fn estimates_are_the_training_crates_model_fitted_on_every_clean_row() {
    let (model, _) = car_value_training::train_from_file(LISTINGS).unwrap();
    for (year, mileage) in [
        (1995, 0.0),
        (2005, 150_000.0),
        (2014, 62_000.0),
        (2021, 10.0),
    ] {
        let expected = model.predict(year, mileage).round();
        assert_eq!(
            estimate(car(year, mileage)).unwrap().value_usd,
            expected,
            "{year}, {mileage}"
        );
    }
}

/// "Similar" = clean 2018 listings with 35,000–55,000 miles (108 rows). The
/// middle half of their asking prices lies within about ×0.80–×1.24 of their
/// median, so an estimate within ×1.25 of the median is where most real
/// asking prices for such a car are; farther than that, the line has
/// drifted.
#[test]
fn a_2018_car_with_45000_miles_is_valued_within_a_quarter_of_similar_listings_median() {
    let rows =
        car_value_training::clean::clean(car_value_training::load_listings(LISTINGS).unwrap()).rows;
    let mut similar: Vec<f64> = rows
        .iter()
        .filter(|r| r.year == 2018 && (35_000.0..=55_000.0).contains(&r.mileage))
        .map(|r| r.price_usd)
        .collect();
    similar.sort_by(f64::total_cmp);
    let n = similar.len();
    let median = if n % 2 == 1 {
        similar[n / 2]
    } else {
        (similar[n / 2 - 1] + similar[n / 2]) / 2.0
    };
    let value = estimate(car(2018, 45_000.0)).unwrap().value_usd;
    println!(
        "2018, 45,000 mi: estimate {value} USD; {n} similar clean listings: median {median} USD, quartiles {} / {} USD; ratio {:.3}",
        similar[n / 4],
        similar[3 * n / 4],
        value / median
    );
    assert!(n >= 30, "too few similar listings: {n}");
    assert!(
        (median / 1.25..=median * 1.25).contains(&value),
        "{value} vs median {median}"
    );
}
