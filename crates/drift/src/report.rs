//! The drift report as a plain-text table and as a self-contained HTML page
//! (inline CSS and SVG bar charts: it opens offline, with no network).

use crate::{Comparison, Log, PSI_THRESHOLD, Role};
use std::fmt::Write as _;

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Input => "input",
        Role::Prediction => "prediction",
    }
}

/// How often each side leaves the feature out, `train / log`, or `-` for
/// a feature every record gives.
fn not_given(c: &Comparison) -> String {
    if c.reference_not_given + c.log_not_given == 0 {
        return "-".to_owned();
    }
    format!(
        "{:.0}% / {:.0}%",
        c.reference_not_given_share() * 100.0,
        c.log_not_given_share() * 100.0
    )
}

/// The verdict column: `DRIFT`, `no`, or why there is no verdict.
fn verdict(c: &Comparison) -> &'static str {
    match (c.compared(), c.drifted()) {
        (false, _) => "none given",
        (true, true) => "DRIFT",
        (true, false) => "no",
    }
}

/// The table printed on stdout.
pub fn table(comparisons: &[Comparison]) -> String {
    let mut out = String::new();
    writeln!(
        out,
        "{:<18} {:<10} {:>7} {:>7} {:>11} {:>7}  {:<5} {:>9} {:>8}  drift",
        "feature", "role", "train", "log", "not given", "PSI", "test", "statistic", "p-value"
    )
    .unwrap();
    for c in comparisons {
        let row = format!(
            "{:<18} {:<10} {:>7} {:>7} {:>11}",
            c.feature,
            role_name(c.role),
            c.reference_count,
            c.log_count,
            not_given(c),
        );
        if c.compared() {
            writeln!(
                out,
                "{row} {:>7.3}  {:<5} {:>9.3} {:>8.4}  {}",
                c.psi,
                c.test,
                c.statistic,
                c.p_value,
                verdict(c)
            )
        } else {
            writeln!(
                out,
                "{row} {:>7}  {:<5} {:>9} {:>8}  {}",
                "-",
                "-",
                "-",
                "-",
                verdict(c)
            )
        }
        .unwrap();
    }
    out
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Side-by-side bars of each bin's share: training data and log.
fn chart(c: &Comparison) -> String {
    const BAR: f64 = 14.0;
    const GAP: f64 = 12.0;
    const PLOT_HEIGHT: f64 = 150.0;
    const TOP: f64 = 10.0;
    const LEFT: f64 = 40.0;
    let group = 2.0 * BAR + GAP;
    let width = LEFT + group * c.bins.len() as f64 + 10.0;
    let height = TOP + PLOT_HEIGHT + 80.0;
    let most = c
        .reference_shares
        .iter()
        .chain(&c.log_shares)
        .fold(0.0f64, |a, &b| a.max(b))
        .max(0.01);
    let y = |share: f64| TOP + PLOT_HEIGHT * (1.0 - share / most);
    let mut svg = String::new();
    write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" role="img" aria-label="{}">"#,
        escape(c.feature)
    )
    .unwrap();
    for tick in [0.0, 0.5, 1.0] {
        let share = most * tick;
        write!(
            svg,
            r##"<line x1="{LEFT}" x2="{:.0}" y1="{y:.1}" y2="{y:.1}" stroke="#ddd"/><text x="{}" y="{:.1}" font-size="10" text-anchor="end">{:.0}%</text>"##,
            width - 10.0,
            LEFT - 4.0,
            y(share) + 3.0,
            share * 100.0,
            y = y(share),
        )
        .unwrap();
    }
    for (i, bin) in c.bins.iter().enumerate() {
        let x = LEFT + group * i as f64 + GAP / 2.0;
        for (offset, share, class) in [
            (0.0, c.reference_shares[i], "train"),
            (BAR, c.log_shares[i], "log"),
        ] {
            write!(
                svg,
                r#"<rect class="{class}" x="{:.1}" y="{:.1}" width="{BAR}" height="{:.1}"><title>{}: {class} {:.1}%</title></rect>"#,
                x + offset,
                y(share),
                TOP + PLOT_HEIGHT - y(share),
                escape(bin),
                share * 100.0
            )
            .unwrap();
        }
        write!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" font-size="10" transform="rotate(45 {:.1} {:.1})">{}</text>"#,
            x + 2.0,
            TOP + PLOT_HEIGHT + 12.0,
            x + 2.0,
            TOP + PLOT_HEIGHT + 12.0,
            escape(bin)
        )
        .unwrap();
    }
    svg.push_str("</svg>");
    svg
}

/// The HTML page: a summary, the table, and a chart per feature.
/// The figures from the truth callers sent back (records of an export of
/// the prediction history), one line per model version; empty when the log
/// has no feedback.
pub fn feedback_table(log: &Log) -> String {
    let figures = log.feedback_figures();
    if figures.is_empty() {
        return String::new();
    }
    let mut out = String::from("\nfrom feedback (records with the truth sent back):\n");
    for (model, version, live) in figures {
        writeln!(
            out,
            "{:<10} {:<24} {}",
            model.name(),
            version,
            feedback_summary(&live)
        )
        .unwrap();
    }
    out
}

/// A model version's figures from feedback, in words.
fn feedback_summary(live: &api::LiveFigures) -> String {
    let share = |value: Option<f64>| value.map_or("n/a".into(), |v| format!("{:.1}%", 100.0 * v));
    match &live.figures {
        api::Figures::CarValue {
            mae_usd,
            interval_coverage,
        } => format!(
            "{} with feedback, MAE {}, {} of sale prices within the interval",
            live.feedback,
            mae_usd.map_or("n/a".into(), |mae| format!("${mae:.0}")),
            share(*interval_coverage)
        ),
        api::Figures::Sentiment { accuracy } => format!(
            "{} with feedback, {} of labels right",
            live.feedback,
            share(*accuracy)
        ),
    }
}

pub fn html(log_name: &str, log: &Log, comparisons: &[Comparison]) -> String {
    let drifted: Vec<&str> = comparisons
        .iter()
        .filter(|c| c.drifted())
        .map(|c| c.feature)
        .collect();
    let mut page = String::new();
    write!(
        page,
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Drift report: {name}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 70em; }}
table {{ border-collapse: collapse; margin: 1em 0; }}
th, td {{ padding: 0.25em 0.8em; border-bottom: 1px solid #ddd; text-align: right; }}
th:first-child, td:first-child, td:nth-child(2) {{ text-align: left; }}
tr.drift td {{ background: #fde2e1; font-weight: 600; }}
.verdict {{ font-size: 1.2em; padding: 0.5em 1em; border-radius: 4px; display: inline-block; }}
.ok {{ background: #e3f5e1; }} .bad {{ background: #fde2e1; }}
.features {{ display: flex; flex-wrap: wrap; gap: 1.5em; }}
.feature {{ border: 1px solid #ddd; border-radius: 4px; padding: 0.5em 1em; }}
.feature h3 {{ margin: 0.2em 0; font-size: 1em; }} .feature p {{ margin: 0.2em 0; font-size: 0.85em; }}
rect.train {{ fill: #8aa6c1; }} rect.log {{ fill: #e07b39; }}
.key span {{ display: inline-block; width: 0.8em; height: 0.8em; margin: 0 0.3em 0 1em; }}
</style></head><body>
<h1>Drift report</h1>
<p>Log <code>{name}</code>: {lines} payload lines ({other} other lines ignored), against the training data.</p>
<p>Model versions in the log: {versions}.</p>
"#,
        name = escape(log_name),
        lines = log.lines.len(),
        other = log.other_lines,
        versions = log
            .model_versions()
            .iter()
            .map(|(v, n)| format!("<code>{}</code> ({n})", escape(v)))
            .collect::<Vec<_>>()
            .join(", "),
    )
    .unwrap();
    if drifted.is_empty() {
        writeln!(
            page,
            r#"<p class="verdict ok">No drift: every PSI is at most {PSI_THRESHOLD}.</p>"#
        )
        .unwrap();
    } else {
        writeln!(
            page,
            r#"<p class="verdict bad">Drift in {}: PSI over {PSI_THRESHOLD}.</p>"#,
            escape(&drifted.join(", "))
        )
        .unwrap();
    }
    page.push_str(
        "<table><tr><th>feature</th><th>role</th><th>training rows</th><th>log lines</th>\
         <th>not given (training / log)</th><th>PSI</th><th>test</th><th>statistic</th>\
         <th>p-value</th><th>drift</th></tr>\n",
    );
    for c in comparisons {
        let figures = if c.compared() {
            format!(
                "<td>{:.3}</td><td>{}</td><td>{:.3}</td><td>{:.4}</td>",
                c.psi, c.test, c.statistic, c.p_value
            )
        } else {
            "<td>-</td><td>-</td><td>-</td><td>-</td>".to_owned()
        };
        writeln!(
            page,
            r#"<tr{}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>{figures}<td>{}</td></tr>"#,
            if c.drifted() { r#" class="drift""# } else { "" },
            c.feature,
            role_name(c.role),
            c.reference_count,
            c.log_count,
            not_given(c),
            verdict(c),
        )
        .unwrap();
    }
    page.push_str("</table>\n<p>A listing detail the caller leaves out is not a value: how often each side leaves it out is shown apart, and the PSI and the test compare the values given.</p>\n");
    page.push_str(
        r#"<p class="key">Shares per bin (deciles of the training data) or category:<span style="background:#8aa6c1"></span>training data<span style="background:#e07b39"></span>log</p>
<div class="features">
"#,
    );
    for c in comparisons.iter().filter(|c| c.compared()) {
        writeln!(
            page,
            r#"<div class="feature"><h3>{}{}</h3><p>PSI {:.3} · {} {:.3}, p = {:.4}</p>{}</div>"#,
            c.feature,
            if c.drifted() { " — drift" } else { "" },
            c.psi,
            c.test,
            c.statistic,
            c.p_value,
            chart(c)
        )
        .unwrap();
    }
    page.push_str("</div>\n<p>PSI: population stability index, Σ (log − train) · ln(log / train) over the bins; KS: two-sample Kolmogorov–Smirnov; chi²: Pearson's chi-squared against the training shares.</p>\n");
    let figures = log.feedback_figures();
    if !figures.is_empty() {
        page.push_str("<h2>From feedback</h2>\n<p>Records of the prediction history with the truth callers sent back, as <code>GET /api/models</code> counts them live.</p>\n<table><tr><th>model</th><th>version</th><th>figures</th></tr>\n");
        for (model, version, live) in figures {
            writeln!(
                page,
                "<tr><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
                model.name(),
                escape(&version),
                escape(&feedback_summary(&live))
            )
            .unwrap();
        }
        page.push_str("</table>\n");
    }
    page.push_str("</body></html>\n");
    page
}
