//! `drift LOG [DATA_DIR]`: compares the predictions in a payload log with
//! the training data (default: the repository's `data/`), prints a table and
//! writes an HTML report next to the log (`<log name>.drift.html`). LOG may
//! also be an export of the prediction history (`scripts/history-export`):
//! its records are read as payload lines, and the truth sent back with them
//! adds each model version's figures from feedback.
//!
//! Exit status: 0 nothing drifted, 1 a feature's PSI is over the threshold
//! (0.2), 2 no report: the log cannot be read or has no payload lines (or
//! the training data cannot be read).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (log_path, data_dir) = match args.as_slice() {
        [log] => (PathBuf::from(log), default_data_dir()),
        [log, data] => (PathBuf::from(log), PathBuf::from(data)),
        _ => {
            eprintln!("usage: drift LOG [DATA_DIR]");
            return ExitCode::from(2);
        }
    };
    match run(&log_path, &data_dir) {
        Ok(drifted) => ExitCode::from(u8::from(drifted)),
        Err(error) => {
            eprintln!("drift: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn default_data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data")
}

/// Makes the report; whether anything drifted.
fn run(log_path: &Path, data_dir: &Path) -> anyhow::Result<bool> {
    let log = drift::Log::read(log_path)?;
    if log.lines.is_empty() {
        anyhow::bail!(
            "{} has no payload lines ({} other lines)",
            log_path.display(),
            log.other_lines
        );
    }
    let reference = drift::reference(data_dir)?;
    let comparisons = drift::compare(&reference, &log);
    print!("{}", drift::report::table(&comparisons));
    print!("{}", drift::report::feedback_table(&log));
    let name = log_path
        .file_name()
        .map_or("log".into(), |name| name.to_string_lossy());
    let stem = name.strip_suffix(".txt").unwrap_or(&name);
    let html_path = log_path.with_file_name(format!("{stem}.drift.html"));
    std::fs::write(&html_path, drift::report::html(&name, &log, &comparisons))?;
    let drifted: Vec<&str> = comparisons
        .iter()
        .filter(|c| c.drifted())
        .map(|c| c.feature)
        .collect();
    println!(
        "{} payload lines; {}; report: {}",
        log.lines.len(),
        if drifted.is_empty() {
            format!("no drift (every PSI ≤ {})", drift::PSI_THRESHOLD)
        } else {
            format!("DRIFT in {}", drifted.join(", "))
        },
        html_path.display()
    );
    Ok(!drifted.is_empty())
}
