//! What the history keeps: the Spin variable `prediction_history`.

use payload_log::Level;

/// The Spin variable that sets the history ([`Settings`]).
pub const VARIABLE: &str = "prediction_history";

/// What is stored of each prediction, and for how long.
///
/// Written `<level>[; keep=<records>][; days=<days>]`, for example
/// `summary; keep=10000; days=30`: one variable, read once a request (each
/// read costs a request on Spin about a sixth of `/health`: BENCHMARKS.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// `off`, `summary` (no review text) or `full`, as payload logs.
    pub level: Level,
    /// The most records kept per caller; a new one replaces the oldest.
    pub keep: u64,
    /// How many days a record is kept.
    pub days: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            level: Level::Summary,
            keep: 10_000,
            days: 30,
        }
    }
}

/// The largest `keep`: a page of the history reads at most this many slots.
pub const MAX_KEEP: u64 = 1_000_000;
/// The largest `days`.
pub const MAX_DAYS: u64 = 3_650;

impl Settings {
    /// The settings `text` writes, or what is wrong with it.
    pub fn parse(text: &str) -> Result<Settings, String> {
        let mut parts = text.split(';').map(str::trim);
        let level = parts.next().unwrap_or_default();
        let mut settings = Settings {
            level: Level::parse(level)
                .ok_or_else(|| format!("{level:?} is not off, summary or full"))?,
            ..Settings::default()
        };
        for part in parts.filter(|part| !part.is_empty()) {
            let (name, value) = part
                .split_once('=')
                .ok_or_else(|| format!("{part:?} is not keep=<records> or days=<days>"))?;
            let (slot, max) = match name.trim() {
                "keep" => (&mut settings.keep, MAX_KEEP),
                "days" => (&mut settings.days, MAX_DAYS),
                other => return Err(format!("unknown setting {other:?}; use keep or days")),
            };
            *slot = value
                .trim()
                .parse()
                .ok()
                .filter(|value| (1..=max).contains(value))
                .ok_or_else(|| format!("{name} must be a whole number from 1 to {max}"))?;
        }
        Ok(settings)
    }

    /// The settings from the variable's lookup: the default when the
    /// component has no such variable, and the default with a warning on
    /// standard error when its value does not parse (a typo must not stop
    /// the answers).
    pub fn from_variable<E>(lookup: Result<String, E>) -> Settings {
        match lookup {
            Ok(text) => Settings::parse(&text).unwrap_or_else(|problem| {
                let default = Settings::default();
                eprintln!(
                    "{VARIABLE} = {text:?}: {problem}; using summary; keep={}; days={}",
                    default.keep, default.days
                );
                default
            }),
            Err(_) => Settings::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_level_alone_keeps_the_default_retention() {
        assert_eq!(
            Settings::parse("full"),
            Ok(Settings {
                level: Level::Full,
                ..Settings::default()
            })
        );
        assert_eq!(Settings::parse(" off ").unwrap().level, Level::Off);
    }

    #[test]
    fn keep_and_days_follow_the_level() {
        assert_eq!(
            Settings::parse("summary; keep=50; days=7"),
            Ok(Settings {
                level: Level::Summary,
                keep: 50,
                days: 7
            })
        );
        assert_eq!(Settings::parse("summary;days=2;").unwrap().days, 2);
    }

    #[test]
    fn a_wrong_setting_says_what_is_wrong() {
        assert!(
            Settings::parse("sumary")
                .unwrap_err()
                .contains("not off, summary or full")
        );
        assert!(
            Settings::parse("summary; keep=0")
                .unwrap_err()
                .contains("from 1 to 1000000")
        );
        assert!(Settings::parse("summary; keep=many").is_err());
        assert!(
            Settings::parse("summary; ttl=3")
                .unwrap_err()
                .contains("unknown setting")
        );
        assert!(Settings::parse("summary; 30").is_err());
    }

    #[test]
    fn a_typo_falls_back_to_the_default() {
        assert_eq!(
            Settings::from_variable::<()>(Ok("ful".into())),
            Settings::default()
        );
        assert_eq!(Settings::from_variable(Err(())), Settings::default());
    }
}
