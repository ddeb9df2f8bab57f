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

/// The year ages are counted from: the listings were scraped in 2020–21.
pub const AGE_BASE_YEAR: i32 = 2021;

/// Ages are centred here in the age-dependent columns (about the median age
/// of the clean listings), so that a level's column is its effect at a
/// typical age.
pub const AGE_CENTER: f64 = 7.0;

/// Where each model line's own depreciation may bend, in years of age: on
/// top of the shared per-year effects, a line gets its own slope on age and
/// its own change of slope at each of these ages. (A single slope per line
/// gave a held-out MAE $130–200 higher: the S-class and AMG lose value fast
/// when young and slowly later, the vans the other way round.) Bends at 3,
/// 6 and 10 years came out of cross-validation on the training side
/// (`eval::cross_validate`) $13 better than at 6, 11 and 16 and $23 better
/// than at 4, 9 and 14: most of a line's own change of pace is in its
/// first ten years.
pub const MODEL_AGE_KNOTS: [f64; 3] = [3.0, 6.0, 10.0];

/// Mileage, in units of 10,000 miles, at which each line's own mileage
/// slope is centred (about the median mileage), so that its level column
/// is its effect at a typical mileage.
pub const MILEAGE_CENTER_10K: f64 = 8.0;

/// Where the shared mileage slope bends, in units of 10,000 miles: above
/// 60,000 miles. Chosen by cross-validation on the training side of the
/// split (`eval::cross_validate`) among bends at 40,000–100,000 miles: the
/// year-and-mileage-only MAE is $5,990 with the bend at 60,000 and $6,042
/// at 100,000, with the fields each listing states $4,043 and $4,060 (at
/// 50,000: within $3 of 60,000). (A bend at 5,000 miles
/// came out with the value *rising* with mileage below it, low-mileage
/// demonstrator vans being priced under the trend, and one at 200,000
/// miles with it rising above, on few listings.)
pub const MILEAGE_KNOTS_10K: [f64; 1] = [6.0];

/// Names of the mileage columns: a slope per age band (a mile costs a
/// young car a different share of its value than an old one), a slope that
/// changes with age, and the bend of [`MILEAGE_KNOTS_10K`].
pub const MILEAGE_COLUMNS: [&str; 6] = [
    "mileage_10k x age band 0",
    "mileage_10k x age band 1",
    "mileage_10k x age band 2",
    "mileage_10k x age band 3",
    "mileage_10k x (age - 7)",
    "max(mileage_10k - 6, 0)",
];

/// The mileage columns of a car (see [`MILEAGE_COLUMNS`]).
pub fn mileage_terms(year: i32, mileage: f64) -> [f64; MILEAGE_COLUMNS.len()] {
    let m = mileage / 10_000.0;
    let age = f64::from(AGE_BASE_YEAR - year);
    let band = crate::model::age_band(year);
    let in_band = |b: usize| if band == b { m } else { 0.0 };
    [
        in_band(0),
        in_band(1),
        in_band(2),
        in_band(3),
        m * (age - AGE_CENTER),
        (m - MILEAGE_KNOTS_10K[0]).max(0.0),
    ]
}

/// The first of the mileage columns that do not depend on the year: the
/// bends of [`MILEAGE_KNOTS_10K`].
pub const MILEAGE_BENDS: usize = 5;

/// Columns per level of `model` for its own depreciation and mileage
/// slope: `age − 7`, `max(age − k, 0)` for each of [`MODEL_AGE_KNOTS`], and
/// `mileage_10k − 8`.
pub const MODEL_TERMS: usize = 2 + MODEL_AGE_KNOTS.len();

/// A line's own age terms (the first `MODEL_TERMS − 1` of them), at `age`.
pub fn model_age_terms(age: f64) -> [f64; MODEL_TERMS - 1] {
    [
        age - AGE_CENTER,
        (age - MODEL_AGE_KNOTS[0]).max(0.0),
        (age - MODEL_AGE_KNOTS[1]).max(0.0),
        (age - MODEL_AGE_KNOTS[2]).max(0.0),
    ]
}

/// The column layout: one column per training model year (the shared
/// depreciation curve, free in shape), the mileage columns, every field's
/// levels (in [`Field::ALL`] order), [`MODEL_TERMS`] columns per level of
/// `model` (its own depreciation and mileage slope), and one column per
/// pair of `model` and `fuel` levels (a diesel Sprinter and a diesel
/// E-class are different cars).
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// One entry per field, in [`Field::ALL`] order.
    pub fields: Vec<Levels>,
    /// The oldest and newest model year of the rows learned from.
    pub years: (i32, i32),
    /// Per column of `model`: the oldest and newest model year of its rows,
    /// the years that line was listed in.
    pub model_spans: Vec<(i32, i32)>,
}

impl Layout {
    /// Learns every field's levels, the years and the lines' spans from
    /// `rows`.
    pub fn learn(rows: &[CleanRow]) -> Layout {
        let fields: Vec<Levels> = Field::ALL
            .into_iter()
            .map(|f| Levels::learn(f, rows))
            .collect();
        let model = &fields[Field::Model.position()];
        let mut model_spans = vec![(i32::MAX, i32::MIN); model.width()];
        for row in rows {
            if let Some(c) = model.column_of(&row.model) {
                let span = &mut model_spans[c];
                *span = (span.0.min(row.year), span.1.max(row.year));
            }
        }
        let years = (
            rows.iter().map(|r| r.year).min().unwrap_or(AGE_BASE_YEAR),
            rows.iter().map(|r| r.year).max().unwrap_or(AGE_BASE_YEAR),
        );
        Layout {
            fields,
            years,
            model_spans,
        }
    }

    pub fn levels(&self, field: Field) -> &Levels {
        &self.fields[field.position()]
    }

    /// Number of year columns.
    pub fn year_count(&self) -> usize {
        (self.years.1 - self.years.0 + 1) as usize
    }

    /// The model year whose column (and age band) values a car of `year`:
    /// years outside the training years take the nearest training year's,
    /// so the estimate never rises with age beyond the data.
    pub fn clamp_year(&self, year: i32) -> i32 {
        year.clamp(self.years.0, self.years.1)
    }

    /// The year at which a line's own age terms are taken for a car of
    /// `year`: outside the years it was listed in, its own terms stay at the
    /// nearest listed year and only the shared curve goes on.
    pub fn line_year(&self, model_column: usize, year: i32) -> i32 {
        let (first, last) = self.model_spans[model_column];
        self.clamp_year(year).clamp(first, last)
    }

    /// First mileage column.
    pub fn mileage_offset(&self) -> usize {
        self.year_count()
    }

    /// First column of `field`.
    pub fn offset(&self, field: Field) -> usize {
        self.mileage_offset()
            + MILEAGE_COLUMNS.len()
            + self.fields[..field.position()]
                .iter()
                .map(Levels::width)
                .sum::<usize>()
    }

    /// First of the `model` terms columns ([`MODEL_TERMS`] per level).
    pub fn interaction_offset(&self) -> usize {
        self.mileage_offset()
            + MILEAGE_COLUMNS.len()
            + self.fields.iter().map(Levels::width).sum::<usize>()
    }

    /// First `model × fuel` column.
    pub fn pair_offset(&self) -> usize {
        self.interaction_offset() + MODEL_TERMS * self.levels(Field::Model).width()
    }

    /// Total number of columns.
    pub fn width(&self) -> usize {
        self.pair_offset() + self.levels(Field::Model).width() * self.levels(Field::Fuel).width()
    }

    /// The columns of the model on `set`, ascending: the year and mileage
    /// ones, the set's fields' levels, the `model` terms when the set has
    /// `model`, and the `model × fuel` pairs when it has both.
    pub fn columns(&self, set: FieldSet) -> Vec<usize> {
        let mut cols: Vec<usize> = (0..self.offset(Field::Model)).collect();
        for f in set.fields() {
            let start = self.offset(f);
            cols.extend(start..start + self.levels(f).width());
        }
        if set.contains(Field::Model) {
            cols.extend(self.interaction_offset()..self.pair_offset());
            if set.contains(Field::Fuel) {
                cols.extend(self.pair_offset()..self.width());
            }
        }
        cols
    }

    /// Every column's name.
    pub fn column_names(&self) -> Vec<String> {
        let mut names: Vec<String> = (self.years.0..=self.years.1)
            .map(|y| format!("year={y}"))
            .collect();
        names.extend(MILEAGE_COLUMNS.iter().map(|s| s.to_string()));
        for levels in &self.fields {
            names.extend(levels.column_names());
        }
        let models = self.levels(Field::Model).column_names();
        for n in &models {
            names.push(format!("{n} x (age - {AGE_CENTER})"));
            for k in MODEL_AGE_KNOTS {
                names.push(format!("{n} x max(age - {k}, 0)"));
            }
            names.push(format!("{n} x (mileage_10k - {MILEAGE_CENTER_10K})"));
        }
        for n in &models {
            for f in self.levels(Field::Fuel).column_names() {
                names.push(format!("{n} x {f}"));
            }
        }
        names
    }

    /// The full design row of a car (every field's columns filled; a field
    /// whose value is `None` gets no column set). Years outside the
    /// training years are clamped ([`Layout::clamp_year`]), a line's own
    /// terms to its span ([`Layout::line_year`]).
    pub fn row_of(&self, year: i32, mileage: f64, values: &FieldValues) -> Vec<f64> {
        let mut x = vec![0.0; self.width()];
        let year = self.clamp_year(year);
        x[(year - self.years.0) as usize] = 1.0;
        let m0 = self.mileage_offset();
        x[m0..m0 + MILEAGE_COLUMNS.len()].copy_from_slice(&mileage_terms(year, mileage));
        let mut model_column = None;
        for f in Field::ALL {
            let Some(value) = values[f.position()] else {
                continue;
            };
            if let Some(c) = self.levels(f).column_of(value) {
                x[self.offset(f) + c] = 1.0;
                match f {
                    Field::Model => {
                        model_column = Some(c);
                        let age = f64::from(AGE_BASE_YEAR - self.line_year(c, year));
                        let start = self.interaction_offset() + c * MODEL_TERMS;
                        x[start..start + MODEL_TERMS - 1].copy_from_slice(&model_age_terms(age));
                        x[start + MODEL_TERMS - 1] = mileage / 10_000.0 - MILEAGE_CENTER_10K;
                    }
                    Field::Fuel => {
                        if let Some(mc) = model_column {
                            let width = self.levels(Field::Fuel).width();
                            x[self.pair_offset() + mc * width + c] = 1.0;
                        }
                    }
                    _ => {}
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
    fn layout_rows_set_one_year_one_level_per_field_and_the_line_terms() {
        let layout = Layout::learn(&rows());
        assert_eq!(layout.years, (2014, 2014));
        let x = layout.row(&row("e-class", "sedan"));
        assert_eq!(x.len(), layout.width());
        assert_eq!(layout.column_names().len(), layout.width());
        assert_eq!(x[0], 1.0);
        let m0 = layout.mileage_offset();
        assert_eq!(
            &x[m0..m0 + MILEAGE_COLUMNS.len()],
            &mileage_terms(2014, 60_000.0)
        );
        let model = layout.offset(Field::Model);
        assert_eq!(&x[model..model + 3], &[0.0, 1.0, 0.0]);
        let terms = layout.interaction_offset() + MODEL_TERMS;
        assert_eq!(
            &x[terms..terms + MODEL_TERMS],
            &[7.0 - AGE_CENTER, 4.0, 1.0, 0.0, 6.0 - MILEAGE_CENTER_10K]
        );
        // Columns of a set: years + mileage + its fields (+ model terms).
        assert_eq!(
            layout.columns(FieldSet::NONE),
            (0..m0 + MILEAGE_COLUMNS.len()).collect::<Vec<_>>()
        );
        assert_eq!(
            layout.columns(FieldSet::only(Field::Model)).len(),
            m0 + MILEAGE_COLUMNS.len() + 3 + 3 * MODEL_TERMS
        );
    }

    #[test]
    fn years_outside_the_data_and_a_lines_span_are_clamped() {
        let layout = Layout::learn(&rows());
        let x = layout.row_of(
            1990,
            60_000.0,
            &[Some("e-class"), None, None, None, None, None],
        );
        assert_eq!(
            x,
            layout.row_of(
                2014,
                60_000.0,
                &[Some("e-class"), None, None, None, None, None]
            )
        );
        assert_eq!(layout.line_year(1, 2030), 2014);
    }

    #[test]
    fn mileage_terms_slope_by_age_band_and_bend_at_the_knots() {
        assert_eq!(mileage_terms(2021, 0.0), [0.0; 6]);
        assert_eq!(
            mileage_terms(2009, 250_000.0),
            [0.0, 0.0, 25.0, 0.0, 125.0, 19.0]
        );
    }
}
