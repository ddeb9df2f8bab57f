//! The design matrix: numeric terms of year and mileage, and one-hot columns
//! for the optional listing fields.
//!
//! Every model of the family shares one column layout: the numeric terms
//! ([`NUMERIC`]) first, then, field by field in [`Field::ALL`] order, one
//! column per level of that field ([`Levels`]). A model that uses only some
//! fields ([`FieldSet`]) uses the numeric columns and those fields' columns.

use crate::clean::CleanRow;
use std::collections::BTreeMap;

/// The optional listing fields a caller may give, in column order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Model,
    Condition,
    TitleStatus,
    Fuel,
    Transmission,
    BodyType,
}

impl Field {
    /// The fields the model uses: all but `title_status`. After cleaning,
    /// 99% of the rows say `clean` (the rest `lien` or nothing), and adding
    /// it to year and mileage makes the held-out error worse, not better
    /// (see `eval`); the service checks a given title status but the
    /// estimate does not depend on it.
    pub const MODELLED: [Field; 5] = [
        Field::Model,
        Field::Condition,
        Field::Fuel,
        Field::Transmission,
        Field::BodyType,
    ];

    /// Every field, in column order.
    pub const ALL: [Field; 6] = [
        Field::Model,
        Field::Condition,
        Field::TitleStatus,
        Field::Fuel,
        Field::Transmission,
        Field::BodyType,
    ];

    /// The field's name in the API, which is the listing column's.
    pub fn name(self) -> &'static str {
        match self {
            Field::Model => "model",
            Field::Condition => "condition",
            Field::TitleStatus => "title_status",
            Field::Fuel => "fuel",
            Field::Transmission => "transmission",
            Field::BodyType => "type",
        }
    }

    /// Position in [`Field::ALL`].
    pub fn position(self) -> usize {
        self as usize
    }

    /// The field's (normalised) value in a clean row; empty when the listing
    /// does not say.
    pub fn of(self, row: &CleanRow) -> &str {
        match self {
            Field::Model => &row.model,
            Field::Condition => &row.condition,
            Field::TitleStatus => &row.title_status,
            Field::Fuel => &row.fuel,
            Field::Transmission => &row.transmission,
            Field::BodyType => &row.body_type,
        }
    }
}

/// A set of optional fields, as a bit mask: bit `i` is `Field::ALL[i]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FieldSet(pub u8);

impl FieldSet {
    /// Year and mileage only.
    pub const NONE: FieldSet = FieldSet(0);
    /// Every modelled field ([`Field::MODELLED`]).
    pub const ALL: FieldSet = FieldSet(0b11_1011);

    /// The set holding only `field`.
    pub fn only(field: Field) -> FieldSet {
        FieldSet(1 << field.position())
    }

    pub fn contains(self, field: Field) -> bool {
        self.0 & (1 << field.position()) != 0
    }

    pub fn with(self, field: Field) -> FieldSet {
        FieldSet(self.0 | (1 << field.position()))
    }

    /// Its fields, in column order.
    pub fn fields(self) -> impl Iterator<Item = Field> {
        Field::ALL.into_iter().filter(move |f| self.contains(*f))
    }

    /// The set without `field`.
    pub fn without(self, field: Field) -> FieldSet {
        FieldSet(self.0 & !(1 << field.position()))
    }

    /// Every subset of [`FieldSet::ALL`] (32 sets: one model each), in
    /// bit-mask order, [`FieldSet::NONE`] first.
    pub fn every() -> impl Iterator<Item = FieldSet> {
        (0..=FieldSet::ALL.0)
            .filter(|bits| bits & !FieldSet::ALL.0 == 0)
            .map(FieldSet)
    }

    /// The modelled fields a row states (non-empty values): what a caller
    /// copying the listing would send.
    pub fn stated_by(row: &CleanRow) -> FieldSet {
        Field::MODELLED
            .into_iter()
            .filter(|f| !f.of(row).is_empty())
            .fold(FieldSet::NONE, FieldSet::with)
    }

    /// E.g. `year+mileage+model+condition`.
    pub fn label(self) -> String {
        let mut out = String::from("year+mileage");
        for f in self.fields() {
            out.push('+');
            out.push_str(f.name());
        }
        out
    }
}

/// A value of a field gets a column of its own when at least this many
/// training rows have it. Rarer values share one column per field, the
/// "rare" bucket, whose coefficient is their pooled effect; the service
/// flags an estimate that uses it. (Twenty rows put the standard error of a
/// level's log-price effect at roughly 0.35/√20 ≈ 0.08, i.e. ±8%.)
pub const MIN_LEVEL_ROWS: usize = 20;

/// The name of the level of a field for rows that leave it empty, when
/// enough rows do. Callers never hit it: a caller who does not know a field
/// leaves it out, and the model without that field answers.
pub const NOT_STATED: &str = "(not stated)";

/// The name of a field's pooled column for rare values.
pub const RARE: &str = "(rare)";

/// The levels of one field, learned from training rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Levels {
    pub field: Field,
    /// Values with a column of their own and their row counts, sorted by
    /// value. An empty value (the listing does not say) is named
    /// [`NOT_STATED`].
    pub common: Vec<(String, usize)>,
    /// Values seen in fewer than [`MIN_LEVEL_ROWS`] rows and their counts,
    /// sorted by value; they share the [`RARE`] column.
    pub rare: Vec<(String, usize)>,
}

impl Levels {
    /// Counts the values of `field` in `rows`.
    pub fn learn(field: Field, rows: &[CleanRow]) -> Levels {
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for row in rows {
            let value = field.of(row);
            let name = if value.is_empty() { NOT_STATED } else { value };
            *counts.entry(name.to_string()).or_default() += 1;
        }
        let (common, rare) = counts
            .into_iter()
            .partition(|(_, count)| *count >= MIN_LEVEL_ROWS);
        Levels {
            field,
            common,
            rare,
        }
    }

    /// Number of columns: one per common value, plus one for the rare bucket
    /// when there are rare values.
    pub fn width(&self) -> usize {
        self.common.len() + usize::from(!self.rare.is_empty())
    }

    /// Column names, e.g. `model=c-class`, `model=(rare)`.
    pub fn column_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .common
            .iter()
            .map(|(v, _)| format!("{}={v}", self.field.name()))
            .collect();
        if !self.rare.is_empty() {
            names.push(format!("{}={RARE}", self.field.name()));
        }
        names
    }

    /// The column (0-based within this field) of a normalised value; an
    /// empty value stands for [`NOT_STATED`]. A value not seen at all goes to
    /// the rare bucket (it is rarer than any rare value); `None` only when
    /// there is no rare bucket.
    pub fn column_of(&self, value: &str) -> Option<usize> {
        let name = if value.is_empty() { NOT_STATED } else { value };
        match self.common.binary_search_by(|(v, _)| v.as_str().cmp(name)) {
            Ok(i) => Some(i),
            Err(_) if !self.rare.is_empty() => Some(self.common.len()),
            Err(_) => None,
        }
    }
}

/// Names of the numeric columns.
pub const NUMERIC: [&str; 5] = [
    "age",
    "age_over_6",
    "age_over_11",
    "age_over_16",
    "mileage_10k",
];

/// The year ages are counted from: the listings were scraped in 2020–21.
pub const AGE_BASE_YEAR: i32 = 2021;

/// Where the slope of log-price against age may bend, in years of age.
/// Five-year bands: log-price falls fastest in the first years, and the
/// clean listings' median price is flat for the oldest cars (1995–2004).
pub const AGE_KNOTS: [f64; 3] = [6.0, 11.0, 16.0];

/// Ages are centred here in the model × age columns (about the median age
/// of the clean listings), so that a model's level column is its effect at
/// a typical age.
pub const AGE_CENTER: f64 = 7.0;

/// The numeric columns of a car: a piecewise-linear function of its age in
/// years since [`AGE_BASE_YEAR`] (hinges at [`AGE_KNOTS`]) and its mileage
/// in units of 10,000 miles (log-price falls by a fixed share per mile).
///
/// A `ln(1 + miles/1000)` term lowered the cross-validated MAE by about
/// $25 (0.6%) but its fitted sign made the estimate *rise* with mileage
/// below about 5,000 miles; curved mileage terms (square root, square,
/// hinges at 50k/100k/200k miles) did no better and some rose with mileage
/// past 200,000 miles. A straight line in mileage keeps every estimate
/// falling with mileage.
///
/// `car-value-model` computes the same terms at run time; a test there
/// checks that both give the same estimates.
pub fn numeric(year: i32, mileage: f64) -> [f64; NUMERIC.len()] {
    let age = f64::from(AGE_BASE_YEAR - year);
    [
        age,
        (age - AGE_KNOTS[0]).max(0.0),
        (age - AGE_KNOTS[1]).max(0.0),
        (age - AGE_KNOTS[2]).max(0.0),
        mileage / 10_000.0,
    ]
}

/// The numeric columns of the seed-compatible shape, log-price on a
/// straight line in year and mileage: `age` and `mileage_10k`.
pub const LINE_COLUMNS: [usize; 2] = [0, 4];

/// The column layout: numeric columns, then every field's levels (in
/// [`Field::ALL`] order), then one `model × (age − AGE_CENTER)` column per
/// level of `model`, so that each model depreciates at its own rate.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// One entry per field, in [`Field::ALL`] order.
    pub fields: Vec<Levels>,
}

impl Layout {
    /// Learns every field's levels from `rows`.
    pub fn learn(rows: &[CleanRow]) -> Layout {
        Layout {
            fields: Field::ALL
                .into_iter()
                .map(|f| Levels::learn(f, rows))
                .collect(),
        }
    }

    pub fn levels(&self, field: Field) -> &Levels {
        &self.fields[field.position()]
    }

    /// Total number of columns.
    pub fn width(&self) -> usize {
        self.interaction_offset() + self.levels(Field::Model).width()
    }

    /// First column of `field`.
    pub fn offset(&self, field: Field) -> usize {
        NUMERIC.len()
            + self.fields[..field.position()]
                .iter()
                .map(Levels::width)
                .sum::<usize>()
    }

    /// First `model × age` column.
    pub fn interaction_offset(&self) -> usize {
        NUMERIC.len() + self.fields.iter().map(Levels::width).sum::<usize>()
    }

    /// The columns of the model on `set`, ascending: the numeric ones, the
    /// set's fields' levels, and the `model × age` columns when the set has
    /// `model`.
    pub fn columns(&self, set: FieldSet) -> Vec<usize> {
        let mut cols: Vec<usize> = (0..NUMERIC.len()).collect();
        for f in set.fields() {
            let start = self.offset(f);
            cols.extend(start..start + self.levels(f).width());
        }
        if set.contains(Field::Model) {
            let start = self.interaction_offset();
            cols.extend(start..start + self.levels(Field::Model).width());
        }
        cols
    }

    /// Every column's name.
    pub fn column_names(&self) -> Vec<String> {
        let mut names: Vec<String> = NUMERIC.iter().map(|s| s.to_string()).collect();
        for levels in &self.fields {
            names.extend(levels.column_names());
        }
        names.extend(
            self.levels(Field::Model)
                .column_names()
                .into_iter()
                .map(|n| format!("{n} x age")),
        );
        names
    }

    /// The full design row of a car (every field's columns filled; a field
    /// whose value is `None` gets no column set).
    pub fn row_of(&self, year: i32, mileage: f64, values: &FieldValues) -> Vec<f64> {
        let mut x = vec![0.0; self.width()];
        x[..NUMERIC.len()].copy_from_slice(&numeric(year, mileage));
        for f in Field::ALL {
            let Some(value) = values[f.position()] else {
                continue;
            };
            if let Some(c) = self.levels(f).column_of(value) {
                x[self.offset(f) + c] = 1.0;
                if f == Field::Model {
                    let age = f64::from(AGE_BASE_YEAR - year);
                    x[self.interaction_offset() + c] = age - AGE_CENTER;
                }
            }
        }
        x
    }

    /// The full design row of a clean row.
    pub fn row(&self, row: &CleanRow) -> Vec<f64> {
        self.row_of(row.year, row.mileage, &values_of(row))
    }
}

/// A value (normalised) or `None` per field, in [`Field::ALL`] order.
pub type FieldValues<'a> = [Option<&'a str>; 6];

/// A clean row's values; empty ones are `Some("")` (the [`NOT_STATED`]
/// level).
pub fn values_of(row: &CleanRow) -> FieldValues<'_> {
    Field::ALL.map(|f| Some(f.of(row)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(model: &str, body_type: &str) -> CleanRow {
        CleanRow {
            price_usd: 10_000.0,
            year: 2014,
            mileage: 60_000.0,
            model: model.into(),
            body_type: body_type.into(),
            ..CleanRow::default()
        }
    }

    fn rows() -> Vec<CleanRow> {
        let mut rows = Vec::new();
        rows.extend((0..MIN_LEVEL_ROWS).map(|_| row("c-class", "sedan")));
        rows.extend((0..MIN_LEVEL_ROWS).map(|_| row("e-class", "")));
        rows.extend((0..3).map(|_| row("r-class", "van")));
        rows
    }

    #[test]
    fn values_below_the_minimum_count_share_the_rare_column() {
        let levels = Levels::learn(Field::Model, &rows());
        assert_eq!(
            levels.common,
            vec![
                ("c-class".to_string(), MIN_LEVEL_ROWS),
                ("e-class".to_string(), MIN_LEVEL_ROWS)
            ]
        );
        assert_eq!(levels.rare, vec![("r-class".to_string(), 3)]);
        assert_eq!(levels.width(), 3);
        assert_eq!(levels.column_of("e-class"), Some(1));
        assert_eq!(levels.column_of("r-class"), Some(2));
        assert_eq!(levels.column_of("never-seen"), Some(2));
    }

    #[test]
    fn empty_values_get_a_not_stated_level_when_common() {
        let levels = Levels::learn(Field::BodyType, &rows());
        assert_eq!(levels.column_of(""), levels.column_of(NOT_STATED));
        assert!(levels.common.iter().any(|(v, _)| v == NOT_STATED));
        // No rare bucket here: an unseen value gets no column.
        let fuel = Levels::learn(Field::Fuel, &rows());
        assert_eq!(fuel.rare, vec![]);
        assert_eq!(fuel.column_of("diesel"), None);
    }

    #[test]
    fn field_sets_cover_the_32_subsets_of_the_modelled_fields() {
        let sets: Vec<FieldSet> = FieldSet::every().collect();
        assert_eq!(sets.len(), 32);
        assert_eq!((sets[0], sets[31]), (FieldSet::NONE, FieldSet::ALL));
        assert!(sets.iter().all(|s| !s.contains(Field::TitleStatus)));
        assert_eq!(
            FieldSet::ALL.fields().collect::<Vec<_>>(),
            Field::MODELLED.to_vec()
        );
        assert_eq!(
            FieldSet::only(Field::Model).with(Field::Fuel).label(),
            "year+mileage+model+fuel"
        );
    }

    #[test]
    fn layout_rows_set_one_column_per_field_and_the_model_age_slope() {
        let layout = Layout::learn(&rows());
        let x = layout.row(&row("e-class", "sedan"));
        assert_eq!(x.len(), layout.width());
        assert_eq!(layout.column_names().len(), layout.width());
        assert_eq!(&x[..NUMERIC.len()], &numeric(2014, 60_000.0));
        let model = layout.offset(Field::Model);
        assert_eq!(&x[model..model + 3], &[0.0, 1.0, 0.0]);
        let slope = layout.interaction_offset();
        assert_eq!(&x[slope..slope + 3], &[0.0, 7.0 - AGE_CENTER, 0.0]);
        // Columns of a set: numeric + its fields (+ model × age with model).
        assert_eq!(layout.columns(FieldSet::NONE), vec![0, 1, 2, 3, 4]);
        assert_eq!(
            layout.columns(FieldSet::only(Field::Model)).len(),
            NUMERIC.len() + 6
        );
    }

    #[test]
    fn numeric_terms_bend_at_the_knots() {
        assert_eq!(numeric(2021, 0.0), [0.0, 0.0, 0.0, 0.0, 0.0]);
        assert_eq!(numeric(2009, 25_000.0), [12.0, 6.0, 1.0, 0.0, 2.5]);
        assert_eq!(numeric(1995, 0.0), [26.0, 20.0, 15.0, 10.0, 0.0]);
    }
}
