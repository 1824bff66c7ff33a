//! The GitHub step summary (`$GITHUB_STEP_SUMMARY`: the verdict and counts, a table of the
//! scenarios worth a row, failures' notes folded in) and the step outputs (`$GITHUB_OUTPUT`),
//! written at the end of a run by the GitHub reporter (`github.rs`), and the setup-error
//! report of `main`.

use super::github::{active, error_command, print_commands};
use crate::evidence::files;
use crate::model::escape::markdown_cell;
use crate::model::outcome::{RunReport, ScenarioOutcome, Verdict};
use anyhow::{bail, Context, Result};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Verdicts with more rows than this that have nothing to say (no observation, not flaky)
/// are collapsed into one line of ids instead of table rows.
const FEW: usize = 3;

/// The largest notes.txt shown in full in the step summary; a longer one is cut.
const NOTES_SHOWN: usize = 8 << 10;

/// The markdown of the step summary, for a reviewer: the verdict, counts and duration
/// first; the run's facts and a link to the run; a table of the scenarios that have
/// something to say (passed and skipped ones collapsed into a line each when there are
/// many); each failure's notes.txt folded in a `<details>` block.
pub(crate) fn step_summary_markdown(report: &RunReport) -> String {
    let verdict = report.overall_verdict();
    let total = report.started.elapsed().unwrap_or_default();
    let mut md = String::new();
    let _ = writeln!(
        md,
        "## Live validation suite: {} {} · {}\n",
        verdict_icon(verdict),
        verdict.as_str(),
        super::terminal::lines::tally(report, total).text()
    );
    let _ = writeln!(
        md,
        "Run `{}` on the `{}` stack at `{}`, target commit `{}` ({}). Evidence: `{}`, JUnit: \
         `{}`.\n",
        markdown_cell(&report.run_id),
        markdown_cell(&report.stack),
        markdown_cell(&report.base_url),
        markdown_cell(&report.git_commit),
        crate::model::outcome::SUITE_VERSION,
        markdown_cell(&file_name(&report.zip_path)),
        markdown_cell(&file_name(&report.junit_path)),
    );
    if let Some(url) = run_url(|name| std::env::var(name).ok()) {
        let _ = writeln!(md, "[The workflow run and its artifacts]({url})\n");
    }
    if let Some(target) = report.target_description() {
        let _ = writeln!(
            md,
            "Target profile: {}. Observations: {}.\n",
            markdown_cell(target.trim_start_matches("target: ")),
            report.observations()
        );
    }
    for why in &report.unwritten {
        let _ = writeln!(
            md,
            "💥 A report could not be written: {}\n",
            markdown_cell(why)
        );
    }
    scenario_table(&mut md, report);
    for outcome in report.outcomes.iter().filter(|o| o.verdict.is_failure()) {
        notes_details(&mut md, report, outcome);
    }
    md
}

/// The table of the scenarios worth a row, then a line per collapsed verdict.
fn scenario_table(md: &mut String, report: &RunReport) {
    let quiet = |o: &&ScenarioOutcome| o.observations.is_empty() && !o.is_flaky();
    let collapsed = |v: Verdict| {
        matches!(v, Verdict::Pass | Verdict::Skip)
            && report
                .outcomes
                .iter()
                .filter(|o| o.verdict == v)
                .filter(quiet)
                .count()
                > FEW
    };
    let (rows, folded): (Vec<&ScenarioOutcome>, Vec<&ScenarioOutcome>) = report
        .outcomes
        .iter()
        .partition(|o| !(collapsed(o.verdict) && quiet(o)));
    let observed = rows.iter().any(|o| !o.observations.is_empty());
    if !rows.is_empty() {
        md.push_str("| scenario | verdict | duration | reason | evidence file |");
        md.push_str(if observed { " observations |\n" } else { "\n" });
        md.push_str("|---|---|---:|---|---|");
        md.push_str(if observed { "---|\n" } else { "\n" });
    }
    for outcome in rows {
        let _ = write!(
            md,
            "| {} | {} {}{} | {} | {} | {} |",
            markdown_cell(&outcome.display_name()),
            verdict_icon(outcome.verdict),
            outcome.verdict.as_str(),
            flaky_mark(outcome),
            duration_text(outcome),
            markdown_cell(&outcome.reason),
            evidence_cell(outcome),
        );
        if observed {
            let _ = write!(md, " {} |", observations_cell(outcome));
        }
        md.push('\n');
    }
    md.push('\n');
    for verdict in [Verdict::Pass, Verdict::Skip] {
        let ids: Vec<String> = folded
            .iter()
            .filter(|o| o.verdict == verdict)
            .map(|o| markdown_cell(&o.id))
            .collect();
        if !ids.is_empty() {
            let _ = writeln!(
                md,
                "{} {} {}: {}\n",
                verdict_icon(verdict),
                ids.len(),
                verdict.as_str(),
                ids.join(", ")
            );
        }
    }
}

/// A failed scenario's notes.txt, folded, when it has one: what was observed, expected and
/// where to look, without opening the zip.
fn notes_details(md: &mut String, report: &RunReport, outcome: &ScenarioOutcome) {
    let Some(notes) = outcome.evidence.iter().find(|f| f.ends_with(files::NOTES)) else {
        return;
    };
    let path = report.run_dir.join(notes);
    let Ok(text) =
        crate::sys::bounded_read::read_text(&path, crate::sys::bounded_read::CONFIG_LIMIT)
    else {
        return;
    };
    let mut shown: String = text.chars().take(NOTES_SHOWN).collect();
    if shown.len() < text.len() {
        shown.push_str("\n… (cut: the whole file is in the zip)");
    }
    let _ = writeln!(
        md,
        "<details><summary>{} {}: <code>{}</code></summary>\n\n<pre>{}</pre>\n\n</details>\n",
        verdict_icon(outcome.verdict),
        markdown_cell(&outcome.id),
        markdown_cell(notes),
        html_text(&shown)
    );
}

/// Text inside `<pre>`: the markup characters escaped, control characters shown escaped.
fn html_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\t' => out.push(c),
            c if c.is_control() => out.push_str(&super::text::escape_controls(&c.to_string())),
            c => out.push(c),
        }
    }
    out
}

/// The link to the workflow run (its artifacts are on that page), from GitHub's variables.
fn run_url(lookup: impl Fn(&str) -> Option<String>) -> Option<String> {
    let part = |name: &str| lookup(name).filter(|v| !v.is_empty());
    let (server, repository, run) = (
        part("GITHUB_SERVER_URL")?,
        part("GITHUB_REPOSITORY")?,
        part("GITHUB_RUN_ID")?,
    );
    let safe = |v: &str| {
        v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._/:".contains(c))
    };
    (safe(&server) && safe(&repository) && run.chars().all(|c| c.is_ascii_digit()))
        .then(|| format!("{server}/{repository}/actions/runs/{run}"))
}

/// Appends the step summary (and the comparison with the baseline, when the run was
/// compared) to `$GITHUB_STEP_SUMMARY` on GitHub.
pub(crate) fn write_step_summary(report: &RunReport) -> Result<()> {
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
pub(crate) fn outputs_text(report: &RunReport) -> Result<String> {
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
    // A report that could not be written before the outputs makes the run exit 3.
    let code = if report.unwritten.is_empty() {
        report.exit_code()
    } else {
        crate::model::exit::EXIT_REPORT
    };
    output_entry(&mut text, "verdict", crate::model::exit::verdict_word(code));
    Ok(text)
}

/// Appends the outputs to `$GITHUB_OUTPUT` on GitHub.
pub(crate) fn write_outputs(report: &RunReport) -> Result<()> {
    match github_file("GITHUB_OUTPUT") {
        Some(path) => append(&path, &outputs_text(report)?)
            .context("writing the GitHub step outputs ($GITHUB_OUTPUT)"),
        None => Ok(()),
    }
}

/// A setup error (exit 2) on GitHub: one annotation with the reason, and
/// `verdict=setup-error` in the outputs so that later steps can tell it from a failed
/// scenario. A run that got as far as its run folder has also written `setup_summary`.
pub(crate) fn report_setup_error(reason: &str) {
    if active() {
        print_commands(&[error_command("setup", reason)]);
    }
    if let Some(path) = github_file("GITHUB_OUTPUT") {
        let mut text = String::new();
        output_entry(
            &mut text,
            "verdict",
            crate::model::exit::verdict_word(crate::model::exit::EXIT_SETUP),
        );
        if let Err(e) = append(&path, &text) {
            crate::report::text::eprint_line(&format!("warning: writing $GITHUB_OUTPUT: {e:#}"));
        }
    }
}

/// The step summary and the `junit`, `run_dir` and `run_id` outputs of a run that stopped
/// with a setup error after its run folder was made: why, and where its junit.xml and
/// setup_error.txt are.
pub(crate) fn setup_summary(run_id: &str, run_dir: &Path, reason: &str) -> Result<()> {
    if let Some(path) = github_file("GITHUB_STEP_SUMMARY") {
        let md = format!(
            "## 💥 setup error (exit 2)\n\nThe run stopped before its first scenario: the \
             stack did not come up, so no scenario ran.\n\n<pre>{}</pre>\n\nRun `{}`: \
             `setup_error.txt` and `junit.xml` in its folder.\n",
            html_text(reason),
            markdown_cell(run_id)
        );
        append(&path, &md).context("writing the GitHub step summary ($GITHUB_STEP_SUMMARY)")?;
    }
    if let Some(path) = github_file("GITHUB_OUTPUT") {
        let dir = std::path::absolute(run_dir).context("making the run folder absolute")?;
        let mut text = String::new();
        if let Some(d) = dir.to_str() {
            output_entry(
                &mut text,
                "junit",
                &format!("{d}/{}", crate::evidence::files::JUNIT),
            );
            output_entry(&mut text, "run_dir", d);
        }
        output_entry(&mut text, "run_id", run_id);
        append(&path, &text).context("writing the GitHub step outputs ($GITHUB_OUTPUT)")?;
    }
    Ok(())
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
    super::text::duration(outcome.duration)
}

fn evidence_cell(outcome: &ScenarioOutcome) -> String {
    if outcome.evidence.is_empty() {
        return "–".to_owned();
    }
    outcome
        .evidence
        .iter()
        .map(|file| format!("`{}`", markdown_cell(file).replace('`', "'")))
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
        .map(|text| format!("⚠️ {}", markdown_cell(text)))
        .collect::<Vec<_>>()
        .join("<br>")
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

#[cfg(test)]
mod tests;
