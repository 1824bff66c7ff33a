//! The GitHub step summary (`$GITHUB_STEP_SUMMARY`: a markdown table, one row per
//! scenario) and the step outputs (`$GITHUB_OUTPUT`), written at the end of a run by the
//! GitHub reporter (`github.rs`), and the setup-error report of `main`.

use super::github::{active, error_command, print_commands};
use crate::outcome::{RunReport, ScenarioOutcome, Verdict};
use anyhow::{bail, Context, Result};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The markdown of the step summary: a headline, the run's facts and the table (scenario,
/// verdict, duration, reason, evidence file, observations).
pub fn step_summary_markdown(report: &RunReport) -> String {
    let verdict = report.overall_verdict();
    let mut md = String::new();
    let _ = writeln!(
        md,
        "## Live validation suite: {} {}\n",
        verdict_icon(verdict),
        verdict.as_str()
    );
    let _ = writeln!(
        md,
        "Run `{}` on the `{}` stack at `{}`, target commit `{}` ({}). Evidence: `{}`, JUnit: \
         `{}`.\n",
        cell(&report.run_id),
        cell(&report.stack),
        cell(&report.base_url),
        cell(&report.git_commit),
        crate::outcome::SUITE_VERSION,
        cell(&file_name(&report.zip_path)),
        cell(&file_name(&report.junit_path)),
    );
    if let Some(target) = report.target_description() {
        let _ = writeln!(
            md,
            "Target profile: {}. Observations: {}.\n",
            cell(target.trim_start_matches("target: ")),
            report.observations()
        );
    }
    for why in &report.unwritten {
        let _ = writeln!(md, "💥 A report could not be written: {}\n", cell(why));
    }
    md.push_str("| scenario | verdict | duration | reason | evidence file | observations |\n");
    md.push_str("|---|---|---:|---|---|---|\n");
    for outcome in &report.outcomes {
        let _ = writeln!(
            md,
            "| {} | {} {}{} | {} | {} | {} | {} |",
            cell(&outcome.display_name()),
            verdict_icon(outcome.verdict),
            outcome.verdict.as_str(),
            flaky_mark(outcome),
            duration_text(outcome),
            cell(&outcome.reason),
            evidence_cell(outcome),
            observations_cell(outcome),
        );
    }
    md.push('\n');
    md
}

/// Appends the step summary (and the comparison with the baseline, when the run was
/// compared) to `$GITHUB_STEP_SUMMARY` on GitHub.
pub fn write_step_summary(report: &RunReport) -> Result<()> {
    let mut md = step_summary_markdown(report);
    if let Some(a) = &report.comparison {
        md.push_str(&a.render_markdown());
        md.push('\n');
    }
    match github_file("GITHUB_STEP_SUMMARY") {
        Some(path) => {
            append(&path, &md).context("writing the GitHub step summary ($GITHUB_STEP_SUMMARY)")
        }
        None => Ok(()),
    }
}

/// The `$GITHUB_OUTPUT` lines: `junit`, `zip`, `summary`, `run_dir` (absolute paths),
/// `run_id` and `verdict`.
pub fn outputs_text(report: &RunReport) -> Result<String> {
    let mut text = String::new();
    for (name, path) in [
        ("junit", &report.junit_path),
        ("zip", &report.zip_path),
        ("summary", &report.summary_path),
        ("run_dir", &report.run_dir),
    ] {
        let absolute = std::path::absolute(path)
            .with_context(|| format!("making the {name} path {} absolute", path.display()))?;
        let Some(value) = absolute.to_str() else {
            bail!(
                "the {name} path {} is not UTF-8 and cannot be a step output: \
                 choose an --out folder with a UTF-8 name",
                absolute.display()
            );
        };
        output_entry(&mut text, name, value);
    }
    output_entry(&mut text, "run_id", &report.run_id);
    output_entry(&mut text, "verdict", report.overall_verdict().as_str());
    Ok(text)
}

/// Appends the outputs to `$GITHUB_OUTPUT` on GitHub.
pub fn write_outputs(report: &RunReport) -> Result<()> {
    match github_file("GITHUB_OUTPUT") {
        Some(path) => append(&path, &outputs_text(report)?)
            .context("writing the GitHub step outputs ($GITHUB_OUTPUT)"),
        None => Ok(()),
    }
}

/// A setup error (exit 2) on GitHub: one annotation with the reason, and `verdict=ERROR` in
/// the outputs so that later steps can tell it from a failed scenario. Nothing else exists
/// to report: no run folder was finished.
pub fn report_setup_error(reason: &str) {
    if active() {
        print_commands(&[error_command("setup", reason)]);
    }
    if let Some(path) = github_file("GITHUB_OUTPUT") {
        let mut text = String::new();
        output_entry(&mut text, "verdict", Verdict::Error.as_str());
        if let Err(e) = append(&path, &text) {
            crate::report::text::eprint_line(&format!("warning: writing $GITHUB_OUTPUT: {e:#}"));
        }
    }
}

/// `name=value`, or the heredoc form when the value holds a line break (a path may).
fn output_entry(text: &mut String, name: &str, value: &str) {
    if !value.contains(['\r', '\n']) {
        let _ = writeln!(text, "{name}={value}");
        return;
    }
    // A delimiter that cannot occur in the value, or the value would end the entry early.
    let mut delimiter = format!("ghadelimiter_{}", std::process::id());
    while value.contains(&delimiter) {
        delimiter.push('_');
    }
    let _ = writeln!(text, "{name}<<{delimiter}\n{value}\n{delimiter}");
}

/// The file named by a GitHub environment variable, when we run on GitHub and it is set.
fn github_file(var: &str) -> Option<PathBuf> {
    if !active() {
        return None;
    }
    match std::env::var_os(var) {
        Some(path) if !path.is_empty() => Some(PathBuf::from(path)),
        _ => {
            crate::report::text::eprint_line(&format!(
                "warning: GITHUB_ACTIONS=true but {var} is not set; not writing it"
            ));
            None
        }
    }
}

fn append(path: &Path, text: &str) -> Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("opening {}", path.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("appending to {}", path.display()))
}

fn verdict_icon(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "✅",
        Verdict::Fail => "❌",
        Verdict::Error => "💥",
        Verdict::Skip => "⏭️",
    }
}

fn duration_text(outcome: &ScenarioOutcome) -> String {
    if outcome.verdict == Verdict::Skip && outcome.duration.is_zero() {
        return "–".to_owned();
    }
    format!("{:.1} s", outcome.duration.as_secs_f64())
}

fn evidence_cell(outcome: &ScenarioOutcome) -> String {
    if outcome.evidence.is_empty() {
        return "–".to_owned();
    }
    outcome
        .evidence
        .iter()
        .map(|file| format!("`{}`", cell(file).replace('`', "'")))
        .collect::<Vec<_>>()
        .join("<br>")
}

/// ` ⚠ flaky (attempt 2)` for a scenario that passed after failed attempts.
fn flaky_mark(outcome: &ScenarioOutcome) -> String {
    if !outcome.is_flaky() {
        return String::new();
    }
    format!(" ⚠ flaky (attempt {})", outcome.failed_attempts.len() + 1)
}

fn observations_cell(outcome: &ScenarioOutcome) -> String {
    if outcome.observations.is_empty() {
        return "–".to_owned();
    }
    outcome
        .observations
        .iter()
        .map(|text| format!("⚠️ {}", cell(text)))
        .collect::<Vec<_>>()
        .join("<br>")
}

/// Makes text safe inside one markdown table cell: one line, no column break, no HTML.
pub fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\r' | '\n' | '\t' => out.push(' '),
            c if c.is_control() => out.push_str(&super::text::escape_controls(&c.to_string())),
            c => out.push(c),
        }
    }
    out
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

#[cfg(test)]
mod tests;
