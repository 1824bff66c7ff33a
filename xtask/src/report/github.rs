//! GitHub Actions output (issue 6), active only when `GITHUB_ACTIONS=true`:
//! `::add-mask::` for every known secret value before anything else, `::group::` per
//! scenario, at most one `::error` annotation per failed scenario, a markdown table in
//! `$GITHUB_STEP_SUMMARY`, and `junit`, `zip`, `verdict` (plus `summary`, `run_dir`,
//! `run_id`) in `$GITHUB_OUTPUT`.
//!
//! Everything that reaches the runner goes through the workflow-command escaping: data
//! escapes `%`, CR and LF; properties (`title=`) additionally `:` and `,`. Without it a
//! reason that holds a newline would end the command early and print the rest as a raw
//! log line, or a `::` inside it could start a command of its own.
//!
//! `add_masks` is the one place where a secret value is ever printed, and only on GitHub:
//! the runner takes the value out of the log stream and replaces it with `***` everywhere
//! after that line.

use super::{RunReport, ScenarioOutcome, Verdict};
use crate::secrets::Secrets;
use anyhow::{bail, Context, Result};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// `GITHUB_ACTIONS=true`: we run as a step of a GitHub Actions job.
pub fn active() -> bool {
    std::env::var("GITHUB_ACTIONS").as_deref() == Ok("true")
}

/// Escapes the data part of a workflow command (after the final `::`).
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value of a workflow command (`title=...`).
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// The `::add-mask::` lines for every known secret value. A value with line breaks is
/// masked line by line, because the runner masks the log line by line.
pub fn mask_commands(secrets: &Secrets) -> Vec<String> {
    secrets
        .values()
        .flat_map(|value| value.split(['\r', '\n']))
        .filter(|piece| !piece.trim().is_empty())
        .map(|piece| format!("::add-mask::{}", escape_data(piece)))
        .collect()
}

/// Prints the `::add-mask::` lines on GitHub (nothing anywhere else). Call it before the
/// xtask prints anything else, so that no later line can show a value unmasked.
pub fn add_masks(secrets: &Secrets) {
    if active() {
        print_commands(&mask_commands(secrets));
    }
}

/// `::group::<title>`.
pub fn group_command(title: &str) -> String {
    format!("::group::{}", escape_data(title))
}

/// Opens a collapsible group in the log (one per scenario) on GitHub.
pub fn group_start(title: &str) {
    if active() {
        print_commands(&[group_command(title)]);
    }
}

/// Closes the group opened by `group_start`.
pub fn group_end() {
    if active() {
        print_commands(&["::endgroup::".to_owned()]);
    }
}

/// `::error title=<id> failed::<reason>`.
pub fn error_command(id: &str, reason: &str) -> String {
    format!(
        "::error title={}::{}",
        escape_property(&format!("{id} failed")),
        escape_data(reason)
    )
}

/// Scenario ids already annotated in this process: GitHub shows at most ten annotations per
/// step, so each failed scenario gets one, even if a caller reports it twice (retries).
static ANNOTATED: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

/// Annotates a failed scenario with its one-line (already redacted) reason, once per id.
pub fn error_annotation(id: &str, reason: &str) {
    if !active() {
        return;
    }
    let first = ANNOTATED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .insert(id.to_owned());
    if first {
        print_commands(&[error_command(id, reason)]);
    }
}

fn print_commands(lines: &[String]) {
    // Flushed at once: the runner must see a mask before any later output, and a group
    // marker before the scenario's lines.
    let mut out = std::io::stdout().lock();
    for line in lines {
        let _ = writeln!(out, "{line}");
    }
    let _ = out.flush();
}

/// The verdict of the whole run: PASS when every scenario that ran passed (and one ran),
/// else FAIL when an acceptance check failed, else ERROR for an infrastructure fault, else
/// SKIP (nothing ran).
pub fn overall_verdict(report: &RunReport) -> Verdict {
    let any = |v: Verdict| report.outcomes.iter().any(|o| o.verdict == v);
    if report.passed() {
        Verdict::Pass
    } else if any(Verdict::Fail) {
        Verdict::Fail
    } else if any(Verdict::Error) {
        Verdict::Error
    } else {
        Verdict::Skip
    }
}

/// The markdown of the step summary: a headline, the run's facts and the table (scenario,
/// verdict, duration, reason, evidence file).
pub fn step_summary_markdown(report: &RunReport) -> String {
    let verdict = overall_verdict(report);
    let mut md = String::new();
    let _ = writeln!(
        md,
        "## Live validation suite: {} {}\n",
        verdict_icon(verdict),
        verdict.as_str()
    );
    let _ = writeln!(
        md,
        "Run `{}` on the `{}` stack at `{}`, commit `{}`. Evidence: `{}`, JUnit: `{}`.\n",
        cell(&report.run_id),
        cell(&report.stack),
        cell(&report.base_url),
        cell(&report.git_commit),
        cell(&file_name(&report.zip_path)),
        cell(&file_name(&report.junit_path)),
    );
    md.push_str("| scenario | verdict | duration | reason | evidence file |\n");
    md.push_str("|---|---|---:|---|---|\n");
    for outcome in &report.outcomes {
        let _ = writeln!(
            md,
            "| {} | {} {}{} | {} | {} | {} |",
            cell(&outcome.display_name()),
            verdict_icon(outcome.verdict),
            outcome.verdict.as_str(),
            flaky_text(outcome),
            duration_text(outcome),
            cell(&outcome.reason),
            evidence_cell(outcome),
        );
    }
    md.push('\n');
    md
}

/// ` ⚠ flaky (passed on attempt 3)` for a pass after failed attempts (`--retries`).
fn flaky_text(o: &ScenarioOutcome) -> String {
    if o.verdict != Verdict::Pass || o.failed_attempts.is_empty() {
        return String::new();
    }
    format!(
        " ⚠ flaky (passed on attempt {})",
        o.failed_attempts.len() + 1
    )
}

/// Appends the step summary to `$GITHUB_STEP_SUMMARY` on GitHub.
pub fn write_step_summary(report: &RunReport) -> Result<()> {
    match github_file("GITHUB_STEP_SUMMARY") {
        Some(path) => append(&path, &step_summary_markdown(report))
            .context("writing the GitHub step summary ($GITHUB_STEP_SUMMARY)"),
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
    output_entry(&mut text, "verdict", overall_verdict(report).as_str());
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
    error_annotation("setup", reason);
    if let Some(path) = github_file("GITHUB_OUTPUT") {
        let mut text = String::new();
        output_entry(&mut text, "verdict", Verdict::Error.as_str());
        if let Err(e) = append(&path, &text) {
            eprintln!("warning: writing $GITHUB_OUTPUT: {e:#}");
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
            eprintln!("warning: GITHUB_ACTIONS=true but {var} is not set; not writing it");
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

/// Makes text safe inside one markdown table cell: one line, no column break, no HTML.
fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\r' | '\n' | '\t' => out.push(' '),
            c if c.is_control() => {}
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
    use crate::report::Suite;
    use std::time::Duration;

    fn outcome(id: &str, verdict: Verdict, reason: &str, evidence: &[&str]) -> ScenarioOutcome {
        ScenarioOutcome {
            id: id.to_owned(),
            title: format!("Title of {id}"),
            suite: Suite::Live,
            verdict,
            duration: Duration::from_millis(if verdict == Verdict::Skip { 0 } else { 1234 }),
            reason: reason.to_owned(),
            notes: None,
            evidence: evidence.iter().map(|s| s.to_string()).collect(),
            started_at: std::time::Duration::ZERO,
            observations: Vec::new(),
            failed_attempts: Vec::new(),
            jobs: Vec::new(),
        }
    }

    fn report(dir: &Path, outcomes: Vec<ScenarioOutcome>) -> RunReport {
        let run_dir = dir.join("2025-11-14T17-14-05Z");
        RunReport {
            run_id: "2025-11-14T17-14-05Z".into(),
            stack: "local".into(),
            base_url: "http://127.0.0.1:4000".into(),
            git_commit: "abc123".into(),
            target: None,
            started: std::time::SystemTime::UNIX_EPOCH,
            outcomes,
            junit_path: run_dir.join("junit.xml"),
            summary_path: run_dir.join("summary.txt"),
            zip_path: dir.join("2025-11-14T17-14-05Z.zip"),
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
    fn data_escapes_percent_cr_lf_and_properties_also_colon_comma() {
        assert_eq!(escape_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        // `%` first: an escape sequence already in the text must survive as text.
        assert_eq!(escape_data("%0A"), "%250A");
        assert_eq!(escape_property("L03: a, b\n%"), "L03%3A a%2C b%0A%25");
        assert_eq!(escape_data("a::b,c:d"), "a::b,c:d");
    }

    #[test]
    fn error_command_is_one_line_with_escaped_title_and_message() {
        let line = error_command("L03", "files.json lacks .codex/result.json\nsee notes: 50%");
        assert_eq!(
            line,
            "::error title=L03 failed::files.json lacks .codex/result.json%0Asee notes: 50%25"
        );
        assert_eq!(group_command("L01 a\nb"), "::group::L01 a%0Ab");
    }

    #[test]
    fn masks_cover_every_value_line_by_line_and_nothing_else() {
        let secrets = Secrets::from_lookup(|name| match name {
            "OPENAI_API_KEY" => Some("sk-PLANTED-1%".into()),
            "OPENAI_PROJECT" => Some("line-one\r\nline-two\n".into()),
            _ => None,
        });
        assert_eq!(
            mask_commands(&secrets),
            [
                "::add-mask::sk-PLANTED-1%25",
                "::add-mask::line-one",
                "::add-mask::line-two"
            ]
        );
        assert!(mask_commands(&Secrets::from_lookup(|_| None)).is_empty());
    }

    #[test]
    fn summary_table_has_a_row_per_scenario_and_survives_hostile_reasons() {
        let dir = tempfile::tempdir().unwrap();
        let r = report(
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
                 `live/L01/response.json`<br>`live/L01/result.json` |",
                "| L02 Title of L02 | ❌ FAIL | 1.2 s | a\\|b &lt;script&gt; second line | \
                 `live/L02/notes.txt` |",
                "| L03 Title of L03 | ⏭️ SKIP | – | gated by L02 | – |",
            ]
        );
        assert!(md.contains("`2025-11-14T17-14-05Z.zip`"), "{md}");
    }

    #[test]
    fn a_pass_after_failed_attempts_is_marked_flaky() {
        let dir = tempfile::tempdir().unwrap();
        let mut flaky = outcome("L05", Verdict::Pass, "modified app.py", &[]);
        flaky.failed_attempts.push(crate::report::Attempt {
            number: 1,
            verdict: Verdict::Fail,
            reason: "not modified".into(),
            duration: std::time::Duration::from_secs(1),
            evidence_dir: "live/L05/attempt-1".into(),
        });
        let clean = outcome("L04", Verdict::Pass, "ok", &[]);
        let md = step_summary_markdown(&report(dir.path(), vec![clean, flaky]));
        let row = |id: &str| md.lines().find(|l| l.contains(id)).unwrap().to_owned();
        assert!(
            row("L05").contains("PASS ⚠ flaky (passed on attempt 2)"),
            "{md}"
        );
        assert!(!row("L04").contains('⚠'), "{md}");
    }

    #[test]
    fn overall_verdict_prefers_fail_over_error_and_needs_one_run() {
        let dir = tempfile::tempdir().unwrap();
        let v = |outcomes| overall_verdict(&report(dir.path(), outcomes));
        assert_eq!(
            v(vec![outcome("L01", Verdict::Pass, "", &[])]),
            Verdict::Pass
        );
        assert_eq!(
            v(vec![
                outcome("L01", Verdict::Error, "", &[]),
                outcome("L02", Verdict::Fail, "", &[])
            ]),
            Verdict::Fail
        );
        assert_eq!(
            v(vec![outcome("L01", Verdict::Error, "", &[])]),
            Verdict::Error
        );
        assert_eq!(
            v(vec![outcome("L01", Verdict::Skip, "", &[])]),
            Verdict::Skip
        );
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
