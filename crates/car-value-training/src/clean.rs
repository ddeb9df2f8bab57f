//! Cleaning rules for the listings.
//!
//! The raw scrape mixes real asking prices with placeholders ("$0", "$1",
//! monthly payments), typos (a $3,024,942,282 S-class), collector cars and
//! fake odometers. Each rule below is a named function that says whether a
//! row is dropped, and why. [`clean`] applies them in the order of
//! [`Rule::ALL`] and counts, per rule, the rows that rule dropped among the
//! rows the earlier rules kept. `data/README.md` gives the figures for the
//! real file; the tests check that they still hold.

use crate::load::Listing;
use std::collections::HashSet;

/// Asking prices below this are not prices of a car. Of the 634 distinct
/// listings below $1,000, 506 ask $0 and 20 ask $1 ("call for price"), and
/// nearly all of the other 108 are monthly lease or finance payments ($249,
/// $304, $349 … on 2015–2018 cars with 20,000–60,000 miles).
pub const PRICE_FLOOR_USD: f64 = 1_000.0;

/// Asking prices above this are typos: no Mercedes-Benz of 1995–2021 listed
/// new for much more than $200,000 (Maybach, G 63), and the only rows above
/// it ask $3,024,942,282. Any ceiling between $200,000 and $3 billion drops
/// the same rows.
pub const PRICE_CEILING_USD: f64 = 250_000.0;

/// Model years before this are dropped. Before 1995 the file has at most 16
/// listings a year, and their median price stops falling with age (about
/// $5,000–$10,000 whatever the year, $31,500 for a 1961): classic and
/// collector cars, a different market from used-car depreciation.
pub const FIRST_YEAR: i32 = 1995;

/// An odometer below [`PLACEHOLDER_ODOMETER_MI`] is believable only on a
/// car this recent (unsold or demonstrator stock: 2019–2020 Sprinters with
/// 9–53 miles). The listings were scraped in 2020–2021.
pub const NEW_CAR_FIRST_YEAR: i32 = 2019;

/// Odometers below this, on a car older than [`NEW_CAR_FIRST_YEAR`], are
/// placeholders for "not given" (0 or 1 mile on 2003–2015 cars, 90 miles on
/// a 2007 M-class for $7,200).
pub const PLACEHOLDER_ODOMETER_MI: f64 = 100.0;

/// Odometers at or above this are placeholders: 500,000, 1,000,000,
/// 1,500,005 and 9,999,999 miles. The highest mileage kept (480,000 on a
/// 2005 E-class diesel for $4,500) is high but real.
pub const ODOMETER_CEILING_MI: f64 = 500_000.0;

/// Title statuses that mark a damaged, rebuilt or undocumented car, whose
/// price reflects that rather than its age and mileage. ("lien" is kept: a
/// loan on the car does not change what it is worth; an empty status is kept
/// as unknown.)
pub const BRANDED_TITLES: [&str; 4] = ["salvage", "rebuilt", "parts only", "missing"];

/// The cleaning rules, in the order [`clean`] applies them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    /// The same ad twice: a row whose text is identical to an earlier row.
    DuplicateListing,
    /// Price, year or odometer empty or not a number.
    MissingNumber,
    /// Price below [`PRICE_FLOOR_USD`].
    PriceBelowFloor,
    /// Price above [`PRICE_CEILING_USD`].
    PriceAboveCeiling,
    /// Model year before [`FIRST_YEAR`].
    YearBeforeCutoff,
    /// Title status in [`BRANDED_TITLES`], or condition "salvage".
    BrandedTitle,
    /// Odometer below [`PLACEHOLDER_ODOMETER_MI`] on a car older than
    /// [`NEW_CAR_FIRST_YEAR`].
    OdometerPlaceholder,
    /// Odometer at or above [`ODOMETER_CEILING_MI`].
    OdometerAboveCeiling,
}

impl Rule {
    /// Every rule, in the order they are applied.
    pub const ALL: [Rule; 8] = [
        Rule::DuplicateListing,
        Rule::MissingNumber,
        Rule::PriceBelowFloor,
        Rule::PriceAboveCeiling,
        Rule::YearBeforeCutoff,
        Rule::BrandedTitle,
        Rule::OdometerPlaceholder,
        Rule::OdometerAboveCeiling,
    ];

    /// A short snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            Rule::DuplicateListing => "duplicate_listing",
            Rule::MissingNumber => "missing_number",
            Rule::PriceBelowFloor => "price_below_floor",
            Rule::PriceAboveCeiling => "price_above_ceiling",
            Rule::YearBeforeCutoff => "year_before_cutoff",
            Rule::BrandedTitle => "branded_title",
            Rule::OdometerPlaceholder => "odometer_placeholder",
            Rule::OdometerAboveCeiling => "odometer_above_ceiling",
        }
    }

    /// Whether this rule drops `listing`, judged on the row alone.
    /// [`Rule::DuplicateListing`] needs the earlier rows: see
    /// [`drop_duplicates`]; here it always answers `false`.
    pub fn drops(self, listing: &Listing) -> bool {
        match self {
            Rule::DuplicateListing => false,
            Rule::MissingNumber => is_missing_number(listing),
            Rule::PriceBelowFloor => is_price_below_floor(listing),
            Rule::PriceAboveCeiling => is_price_above_ceiling(listing),
            Rule::YearBeforeCutoff => is_year_before_cutoff(listing),
            Rule::BrandedTitle => is_branded_title(listing),
            Rule::OdometerPlaceholder => is_odometer_placeholder(listing),
            Rule::OdometerAboveCeiling => is_odometer_above_ceiling(listing),
        }
    }
}

/// Keeps the first of each group of identical rows; returns the kept rows
/// and how many were dropped. Dealers re-post the same ad: 1,950 of the
/// 7,143 rows repeat an earlier row (a $1 GL-class ad appears 14 times).
/// Left in, repeats weigh some ads many times over and put copies of one
/// listing on both sides of the held-out split: little harm to a straight
/// line, but misleading for any later model able to memorise rows.
pub fn drop_duplicates(listings: Vec<Listing>) -> (Vec<Listing>, usize) {
    let before = listings.len();
    let mut seen = HashSet::new();
    let kept: Vec<Listing> = listings
        .into_iter()
        .filter(|l| seen.insert(l.line.clone()))
        .collect();
    let dropped = before - kept.len();
    (kept, dropped)
}

/// Price, year or odometer empty or not a number: the model cannot use it.
pub fn is_missing_number(listing: &Listing) -> bool {
    listing.price_usd.is_none() || listing.year.is_none() || listing.odometer_mi.is_none()
}

/// See [`PRICE_FLOOR_USD`].
pub fn is_price_below_floor(listing: &Listing) -> bool {
    listing.price_usd.is_some_and(|p| p < PRICE_FLOOR_USD)
}

/// See [`PRICE_CEILING_USD`].
pub fn is_price_above_ceiling(listing: &Listing) -> bool {
    listing.price_usd.is_some_and(|p| p > PRICE_CEILING_USD)
}

/// See [`FIRST_YEAR`].
pub fn is_year_before_cutoff(listing: &Listing) -> bool {
    listing.year.is_some_and(|y| y < FIRST_YEAR)
}

/// See [`BRANDED_TITLES`].
pub fn is_branded_title(listing: &Listing) -> bool {
    BRANDED_TITLES.contains(&normalize(&listing.title_status).as_str())
        || normalize(&listing.condition) == "salvage"
}

/// See [`PLACEHOLDER_ODOMETER_MI`] and [`NEW_CAR_FIRST_YEAR`].
pub fn is_odometer_placeholder(listing: &Listing) -> bool {
    match (listing.odometer_mi, listing.year) {
        (Some(miles), Some(year)) => miles < PLACEHOLDER_ODOMETER_MI && year < NEW_CAR_FIRST_YEAR,
        _ => false,
    }
}

/// See [`ODOMETER_CEILING_MI`].
pub fn is_odometer_above_ceiling(listing: &Listing) -> bool {
    listing
        .odometer_mi
        .is_some_and(|m| m >= ODOMETER_CEILING_MI)
}

/// A listing that passed every rule: what the model is fitted on.
///
/// The text columns are normalised as the service normalises a caller's
/// values: trimmed and lower-cased (the file writes `SUV` in capitals and
/// every other value in lower case). An empty string means the listing does
/// not say.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CleanRow {
    /// Position of the row in the file (see [`Listing::index`]).
    pub index: usize,
    pub price_usd: f64,
    pub year: i32,
    pub mileage: f64,
    pub model: String,
    pub condition: String,
    pub title_status: String,
    pub fuel: String,
    pub transmission: String,
    /// The listing column `type`.
    pub body_type: String,
}

/// Trims and lower-cases a text value, as the service does with a caller's.
pub fn normalize(value: &str) -> String {
    value.trim().to_lowercase()
}

/// How many rows one rule dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleDrops {
    pub rule: Rule,
    pub dropped: usize,
}

/// The outcome of [`clean`].
#[derive(Debug, Clone, PartialEq)]
pub struct Cleaned {
    /// Rows in the file.
    pub raw_rows: usize,
    /// Rows kept, in file order.
    pub rows: Vec<CleanRow>,
    /// One entry per rule, in [`Rule::ALL`] order.
    pub drops: Vec<RuleDrops>,
    /// Rows dropped only for a branded title ([`BRANDED_TITLES`]): every
    /// other rule keeps them. The model learns the titles' discount from
    /// them, apart from the clean rows.
    pub branded: Vec<CleanRow>,
    /// Rows dropped only for a model year before [`FIRST_YEAR`], from
    /// [`OLDEST_YEAR_ASSESSED`] on: how the estimates for years before the
    /// data fare is measured on them (they are never fitted on).
    pub older: Vec<CleanRow>,
}

/// The oldest model year whose dropped listings are kept aside in
/// [`Cleaned::older`], and the oldest the service values.
pub const OLDEST_YEAR_ASSESSED: i32 = 1985;

impl Cleaned {
    /// Rows dropped by `rule`.
    pub fn dropped_by(&self, rule: Rule) -> usize {
        self.drops
            .iter()
            .find(|d| d.rule == rule)
            .map_or(0, |d| d.dropped)
    }

    /// The per-rule counts as a Markdown table, as in `data/README.md`.
    pub fn table(&self) -> String {
        let mut out = String::from("| rule | rows dropped | rows left |\n|---|---:|---:|\n");
        let mut left = self.raw_rows;
        out.push_str(&format!("| (raw file) | | {left} |\n"));
        for d in &self.drops {
            left -= d.dropped;
            out.push_str(&format!(
                "| `{}` | {} | {left} |\n",
                d.rule.name(),
                d.dropped
            ));
        }
        out
    }
}

/// Applies every rule, in [`Rule::ALL`] order.
pub fn clean(listings: Vec<Listing>) -> Cleaned {
    let raw_rows = listings.len();
    let (deduplicated, duplicates) = drop_duplicates(listings);
    let mut kept = deduplicated.clone();
    let mut drops = vec![RuleDrops {
        rule: Rule::DuplicateListing,
        dropped: duplicates,
    }];
    for rule in Rule::ALL
        .into_iter()
        .filter(|r| *r != Rule::DuplicateListing)
    {
        let before = kept.len();
        kept.retain(|l| !rule.drops(l));
        drops.push(RuleDrops {
            rule,
            dropped: before - kept.len(),
        });
    }
    let rows = kept.iter().map(clean_row).collect();
    let dropped_only_by = |rule: Rule| -> Vec<&Listing> {
        deduplicated
            .iter()
            .filter(|l| Rule::ALL.iter().all(|r| r.drops(l) == (*r == rule)))
            .collect()
    };
    let branded = dropped_only_by(Rule::BrandedTitle)
        .into_iter()
        .filter(|l| BRANDED_TITLES.contains(&normalize(&l.title_status).as_str()))
        .map(clean_row)
        .collect();
    let older = dropped_only_by(Rule::YearBeforeCutoff)
        .into_iter()
        .filter(|l| l.year.is_some_and(|y| y >= OLDEST_YEAR_ASSESSED))
        .map(clean_row)
        .collect();
    Cleaned {
        raw_rows,
        rows,
        drops,
        branded,
        older,
    }
}

/// A listing every number rule passed, with its text columns normalised.
fn clean_row(l: &Listing) -> CleanRow {
    CleanRow {
        index: l.index,
        price_usd: l.price_usd.expect("price"),
        year: l.year.expect("year"),
        mileage: l.odometer_mi.expect("odometer"),
        model: normalize(&l.model),
        condition: normalize(&l.condition),
        title_status: normalize(&l.title_status),
        fuel: normalize(&l.fuel),
        transmission: normalize(&l.transmission),
        body_type: normalize(&l.body_type),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A plausible clean listing; tests change one field at a time.
    fn car(price: f64, year: i32, miles: f64) -> Listing {
        Listing {
            index: 0,
            line: format!(
                "{price},{year},{miles},mercedes-benz,c-class,good,clean,gas,automatic,sedan,ca"
            ),
            price_usd: Some(price),
            year: Some(year),
            odometer_mi: Some(miles),
            model: "c-class".into(),
            condition: "good".into(),
            title_status: "clean".into(),
            fuel: "gas".into(),
            transmission: "automatic".into(),
            body_type: "sedan".into(),
        }
    }

    fn dropping_rules(listing: &Listing) -> Vec<Rule> {
        Rule::ALL.into_iter().filter(|r| r.drops(listing)).collect()
    }

    #[test]
    fn a_plausible_listing_passes_every_rule() {
        assert_eq!(dropping_rules(&car(18_500.0, 2014, 62_000.0)), vec![]);
    }

    #[test]
    fn duplicate_listing_keeps_only_the_first_copy() {
        let a = car(18_500.0, 2014, 62_000.0);
        let mut a_again = a.clone();
        a_again.index = 2;
        let b = car(18_500.0, 2014, 62_001.0);
        let (kept, dropped) = drop_duplicates(vec![a.clone(), b.clone(), a_again]);
        assert_eq!(dropped, 1);
        assert_eq!(kept, vec![a, b]);
    }

    #[test]
    fn missing_number_drops_rows_without_price_year_or_odometer() {
        let mut no_price = car(18_500.0, 2014, 62_000.0);
        no_price.price_usd = None;
        let mut no_year = car(18_500.0, 2014, 62_000.0);
        no_year.year = None;
        let mut no_odometer = car(18_500.0, 2014, 62_000.0);
        no_odometer.odometer_mi = None;
        for listing in [no_price, no_year, no_odometer] {
            assert_eq!(dropping_rules(&listing), vec![Rule::MissingNumber]);
        }
    }

    #[test]
    fn price_below_floor_drops_zero_one_dollar_and_monthly_payments() {
        for price in [0.0, 1.0, 349.0, 999.0] {
            assert_eq!(
                dropping_rules(&car(price, 2018, 29_831.0)),
                vec![Rule::PriceBelowFloor],
                "${price}"
            );
        }
        assert_eq!(dropping_rules(&car(1_000.0, 2002, 190_000.0)), vec![]);
    }

    #[test]
    fn price_above_ceiling_drops_the_billion_dollar_typo_only() {
        assert_eq!(
            dropping_rules(&car(3_024_942_282.0, 2000, 100_000.0)),
            vec![Rule::PriceAboveCeiling]
        );
        assert_eq!(dropping_rules(&car(250_000.0, 2020, 6_000.0)), vec![]);
        assert_eq!(dropping_rules(&car(163_540.0, 2020, 6_318.0)), vec![]);
    }

    #[test]
    fn year_before_cutoff_drops_classics() {
        assert_eq!(
            dropping_rules(&car(31_500.0, 1961, 80_000.0)),
            vec![Rule::YearBeforeCutoff]
        );
        assert_eq!(
            dropping_rules(&car(7_000.0, 1994, 150_000.0)),
            vec![Rule::YearBeforeCutoff]
        );
        assert_eq!(dropping_rules(&car(4_500.0, 1995, 150_000.0)), vec![]);
    }

    #[test]
    fn branded_title_drops_salvage_rebuilt_parts_only_and_missing_titles() {
        for status in ["salvage", "rebuilt", "parts only", "missing"] {
            let mut listing = car(6_000.0, 2010, 90_000.0);
            listing.title_status = status.into();
            assert_eq!(
                dropping_rules(&listing),
                vec![Rule::BrandedTitle],
                "{status}"
            );
        }
        let mut salvage_condition = car(6_000.0, 2010, 90_000.0);
        salvage_condition.condition = "salvage".into();
        assert_eq!(dropping_rules(&salvage_condition), vec![Rule::BrandedTitle]);
    }

    #[test]
    fn branded_title_keeps_lien_and_unknown_titles() {
        for status in ["clean", "lien", ""] {
            let mut listing = car(6_000.0, 2010, 90_000.0);
            listing.title_status = status.into();
            assert_eq!(dropping_rules(&listing), vec![], "{status:?}");
        }
    }

    #[test]
    fn odometer_placeholder_drops_zero_and_one_mile_on_older_cars() {
        assert_eq!(
            dropping_rules(&car(17_900.0, 2015, 0.0)),
            vec![Rule::OdometerPlaceholder]
        );
        assert_eq!(
            dropping_rules(&car(19_974.0, 2015, 1.0)),
            vec![Rule::OdometerPlaceholder]
        );
        assert_eq!(
            dropping_rules(&car(7_200.0, 2007, 99.0)),
            vec![Rule::OdometerPlaceholder]
        );
        assert_eq!(dropping_rules(&car(7_200.0, 2007, 100.0)), vec![]);
    }

    #[test]
    fn odometer_placeholder_keeps_new_stock() {
        assert_eq!(dropping_rules(&car(51_309.0, 2020, 9.0)), vec![]);
        assert_eq!(dropping_rules(&car(44_990.0, 2019, 0.0)), vec![]);
    }

    #[test]
    fn odometer_above_ceiling_drops_fake_odometers() {
        for miles in [500_000.0, 1_000_000.0, 9_999_999.0] {
            assert_eq!(
                dropping_rules(&car(5_000.0, 2006, miles)),
                vec![Rule::OdometerAboveCeiling],
                "{miles}"
            );
        }
        assert_eq!(dropping_rules(&car(4_500.0, 2005, 480_000.0)), vec![]);
    }

    #[test]
    fn clean_counts_each_row_under_the_first_rule_that_drops_it() {
        let mut first = car(18_500.0, 2014, 62_000.0);
        first.index = 0;
        let mut repeat = first.clone();
        repeat.index = 1;
        let mut free_classic = car(0.0, 1980, 0.0); // three rules apply; the price rule comes first
        free_classic.index = 2;
        let mut classic = car(9_000.0, 1980, 120_000.0);
        classic.index = 3;
        let cleaned = clean(vec![first, repeat, free_classic, classic]);
        assert_eq!(cleaned.raw_rows, 4);
        assert_eq!(
            cleaned.rows,
            vec![CleanRow {
                index: 0,
                price_usd: 18_500.0,
                year: 2014,
                mileage: 62_000.0,
                model: "c-class".into(),
                condition: "good".into(),
                title_status: "clean".into(),
                fuel: "gas".into(),
                transmission: "automatic".into(),
                body_type: "sedan".into(),
            }]
        );
        assert_eq!(cleaned.dropped_by(Rule::DuplicateListing), 1);
        assert_eq!(cleaned.dropped_by(Rule::PriceBelowFloor), 1);
        assert_eq!(cleaned.dropped_by(Rule::YearBeforeCutoff), 1);
        assert_eq!(cleaned.dropped_by(Rule::OdometerPlaceholder), 0);
        let total: usize = cleaned.drops.iter().map(|d| d.dropped).sum();
        assert_eq!(total + cleaned.rows.len(), cleaned.raw_rows);
    }

    #[test]
    fn clean_rows_carry_the_text_columns_trimmed_and_lower_cased() {
        let mut suv = car(31_000.0, 2016, 48_000.0);
        suv.body_type = "SUV".into();
        suv.model = " GL-Class ".into();
        let row = &clean(vec![suv]).rows[0];
        assert_eq!(
            (row.body_type.as_str(), row.model.as_str()),
            ("suv", "gl-class")
        );
    }

    #[test]
    fn branded_title_ignores_case_and_spaces() {
        let mut listing = car(6_000.0, 2010, 90_000.0);
        listing.title_status = " Salvage".into();
        assert_eq!(dropping_rules(&listing), vec![Rule::BrandedTitle]);
    }
}
