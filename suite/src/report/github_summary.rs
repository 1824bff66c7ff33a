//! The GitHub step summary (`$GITHUB_STEP_SUMMARY`: a markdown table, one row per
//! scenario) and the step outputs (`$GITHUB_OUTPUT`), written at the end of a run by the
//! GitHub reporter (`github.rs`), and the setup-error report of `main`.

use super::github::{active, error_command, print_commands};
use crate::compare::Against;
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
pub fn write_step_summary(report: &RunReport, against: Option<&Against>) -> Result<()> {
    let mut md = step_summary_markdown(report);
    if let Some(a) = against {
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
mod tests {
    use super::*;
    use crate::outcome::Suite;
    use std::time::Duration;

    fn outcome(id: &str, verdict: Verdict, reason: &str, evidence: &[&str]) -> ScenarioOutcome {
        let title = format!("Title of {id}");
        let mut o = ScenarioOutcome::new(id, &title, Suite::Live, verdict, reason.to_owned());
        o.duration = Duration::from_millis(if verdict == Verdict::Skip { 0 } else { 1234 });
        o.evidence = evidence.iter().map(|s| s.to_string()).collect();
        o
    }

    fn report(dir: &Path, outcomes: Vec<ScenarioOutcome>) -> RunReport {
        let run_dir = dir.join("2025-11-14T17-14-05Z");
        RunReport {
            run_id: "2025-11-14T17-14-05Z".into(),
            started: std::time::SystemTime::UNIX_EPOCH,
            target: None,
            stack: "local".into(),
            base_url: "http://127.0.0.1:4000".into(),
            git_commit: "abc123".into(),
            outcomes,
            junit_path: run_dir.join("junit.xml"),
            summary_path: run_dir.join("summary.txt"),
            zip_path: dir.join("2025-11-14T17-14-05Z.zip"),
            unwritten: Vec::new(),
            run_dir,
        }
    }

    /// Parses `$GITHUB_OUTPUT` the way the runner does: `name=value` or
    /// `name<<DELIM` ... `DELIM`.
    fn parse_outputs(text: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            if let Some((name, delim)) = line.split_once("<<") {
                let mut value = Vec::new();
                for l in lines.by_ref() {
                    if l == delim {
                        break;
                    }
                    value.push(l);
                }
                out.push((name.to_owned(), value.join("\n")));
            } else if let Some((name, value)) = line.split_once('=') {
                out.push((name.to_owned(), value.to_owned()));
            }
        }
        out
    }

    #[test]
    fn summary_table_has_a_row_per_scenario_and_survives_hostile_reasons() {
        let dir = tempfile::tempdir().unwrap();
        let mut r = report(
            dir.path(),
            vec![
                outcome(
                    "L01",
                    Verdict::Pass,
                    "presence lines found",
                    &["live/L01/response.json", "live/L01/result.json"],
                ),
                outcome(
                    "L02",
                    Verdict::Fail,
                    "a|b <script>\nsecond line",
                    &["live/L02/notes.txt"],
                ),
                outcome("L03", Verdict::Skip, "gated by L02", &[]),
            ],
        );
        r.outcomes[0].observations = vec!["took 9 s <slow>".into()];
        let md = step_summary_markdown(&r);
        assert!(
            md.starts_with("## Live validation suite: ❌ FAIL\n"),
            "{md}"
        );
        assert!(md.contains("| scenario | verdict | duration | reason | evidence file |"));
        let rows: Vec<&str> = md.lines().filter(|l| l.starts_with("| L0")).collect();
        assert_eq!(
            rows,
            [
                "| L01 Title of L01 | ✅ PASS | 1.2 s | presence lines found | \
                 `live/L01/response.json`<br>`live/L01/result.json` | ⚠️ took 9 s &lt;slow&gt; |",
                "| L02 Title of L02 | ❌ FAIL | 1.2 s | a\\|b &lt;script&gt; second line | \
                 `live/L02/notes.txt` | – |",
                "| L03 Title of L03 | ⏭️ SKIP | – | gated by L02 | – | – |",
            ]
        );
        assert!(md.contains("`2025-11-14T17-14-05Z.zip`"), "{md}");
    }

    #[test]
    fn outputs_are_absolute_paths_and_parse_back_also_with_a_newline() {
        let dir = tempfile::tempdir().unwrap();
        let r = report(
            dir.path(),
            vec![outcome(
                "L01",
                Verdict::Pass,
                "ok",
                &["live/L01/result.json"],
            )],
        );
        let parsed = parse_outputs(&outputs_text(&r).unwrap());
        let get = |name: &str| {
            parsed
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| panic!("no output {name} in {parsed:?}"))
        };
        assert_eq!(get("junit"), r.junit_path.to_str().unwrap());
        assert_eq!(get("zip"), r.zip_path.to_str().unwrap());
        assert_eq!(get("run_id"), "2025-11-14T17-14-05Z");
        assert_eq!(get("verdict"), "PASS");
        assert!(Path::new(&get("summary")).is_absolute());

        // A folder name with a line break must not end the entry early.
        let odd = dir.path().join("odd\nname");
        let mut r2 = report(&odd, vec![outcome("L01", Verdict::Fail, "no", &[])]);
        r2.run_dir = odd.join("run");
        let text = outputs_text(&r2).unwrap();
        assert!(text.contains("zip<<ghadelimiter_"), "{text}");
        let parsed = parse_outputs(&text);
        assert!(parsed.contains(&("zip".to_owned(), r2.zip_path.to_str().unwrap().to_owned())));
        assert!(parsed.contains(&("verdict".to_owned(), "FAIL".to_owned())));
    }

    #[test]
    fn output_delimiter_never_occurs_in_the_value() {
        let delimiter = format!("ghadelimiter_{}", std::process::id());
        let value = format!("a\n{delimiter}\nb");
        let mut text = String::new();
        output_entry(&mut text, "x", &value);
        let parsed = parse_outputs(&text);
        assert_eq!(parsed, [("x".to_owned(), value)]);
    }

    #[test]
    fn append_adds_to_an_existing_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("GITHUB_OUTPUT");
        std::fs::write(&path, "earlier=1\n").unwrap();
        append(&path, "junit=/x\n").unwrap();
        append(&path, "zip=/y\n").unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "earlier=1\njunit=/x\nzip=/y\n"
        );
        let err = append(&dir.path().join("missing/dir/file"), "x").unwrap_err();
        assert!(format!("{err:#}").contains("missing/dir/file"), "{err:#}");
    }
}
