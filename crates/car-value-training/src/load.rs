//! Reading `listings.csv`.
//!
//! The file is plain comma-separated text: one header line, no quoted fields
//! (no field contains a comma or a quote), `\n` line ends. A small hand parser
//! is enough; it refuses quotes rather than mis-reading them, so a future file
//! that needs a real CSV reader fails loudly instead of silently.

use anyhow::{Context, bail};
use std::path::Path;

/// The columns the file must have, in this order.
pub const HEADER: [&str; 11] = [
    "price_USD",
    "year",
    "odometer_mi",
    "make",
    "model",
    "condition",
    "title_status",
    "fuel",
    "transmission",
    "type",
    "state",
];

/// One raw listing, as read. Numbers that are empty or do not parse are
/// `None`; the cleaning rules decide what to do with them.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    /// 0-based position of the row in the file (header excluded). Stable
    /// across cleaning-rule changes, so the held-out split uses it.
    pub index: usize,
    /// The row's text, exactly as in the file (line end removed). Two
    /// listings with the same `line` are the same ad posted twice.
    pub line: String,
    pub price_usd: Option<f64>,
    pub year: Option<i32>,
    pub odometer_mi: Option<f64>,
    /// The text columns, exactly as in the file (the cleaning rules and the
    /// model compare them after trimming and lower-casing).
    pub model: String,
    pub condition: String,
    pub title_status: String,
    pub fuel: String,
    pub transmission: String,
    /// The column `type` (body type: sedan, SUV, coupe …).
    pub body_type: String,
}

/// Reads and parses the listings file.
pub fn load_listings(path: impl AsRef<Path>) -> anyhow::Result<Vec<Listing>> {
    let path = path.as_ref();
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    parse_listings(&text).with_context(|| format!("in {}", path.display()))
}

/// Parses the text of a listings file (header line first).
pub fn parse_listings(text: &str) -> anyhow::Result<Vec<Listing>> {
    let mut lines = text.lines();
    let header = lines.next().context("empty file: no header line")?;
    let header: Vec<&str> = header.trim_end_matches('\r').split(',').collect();
    if header != HEADER {
        bail!("unexpected header {header:?}, expected {HEADER:?}");
    }
    let mut listings = Vec::new();
    for (index, line) in lines.enumerate() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            continue;
        }
        if line.contains('"') {
            bail!("row {}: quoted fields are not supported: {line}", index + 1);
        }
        let fields: Vec<&str> = line.split(',').collect();
        if fields.len() != HEADER.len() {
            bail!(
                "row {}: {} fields, expected {}: {line}",
                index + 1,
                fields.len(),
                HEADER.len()
            );
        }
        listings.push(Listing {
            index,
            line: line.to_string(),
            price_usd: number(fields[0]),
            year: fields[1].trim().parse().ok(),
            odometer_mi: number(fields[2]),
            model: fields[4].to_string(),
            condition: fields[5].to_string(),
            title_status: fields[6].to_string(),
            fuel: fields[7].to_string(),
            transmission: fields[8].to_string(),
            body_type: fields[9].to_string(),
        });
    }
    Ok(listings)
}

/// A finite number, or `None` for an empty or malformed field.
fn number(field: &str) -> Option<f64> {
    field.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "price_USD,year,odometer_mi,make,model,condition,title_status,fuel,transmission,type,state\n";

    #[test]
    fn parses_numbers_and_keeps_empty_ones_as_none() {
        let text = format!(
            "{HEAD}42990,2017,106738,mercedes-benz,sprinter,used,clean,diesel,automatic,van,or\n\
             ,2017,,mercedes-benz,c-class,used,,gas,automatic,,tx\n"
        );
        let rows = parse_listings(&text).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].price_usd, Some(42990.0));
        assert_eq!(rows[0].year, Some(2017));
        assert_eq!(rows[0].odometer_mi, Some(106738.0));
        assert_eq!(rows[0].model, "sprinter");
        assert_eq!(
            (
                rows[0].fuel.as_str(),
                rows[0].transmission.as_str(),
                rows[0].body_type.as_str()
            ),
            ("diesel", "automatic", "van")
        );
        assert_eq!((rows[1].price_usd, rows[1].odometer_mi), (None, None));
        assert_eq!(rows[1].index, 1);
    }

    #[test]
    fn rejects_quoted_fields() {
        let text =
            format!("{HEAD}1,2000,5,mercedes-benz,\"c, class\",used,clean,gas,automatic,van,or\n");
        assert!(parse_listings(&text).is_err());
    }

    #[test]
    fn rejects_a_wrong_header() {
        assert!(parse_listings("price,year\n1,2\n").is_err());
    }
}
