//! The terminal's lines, as styled text: a scenario's outcome, the final tally, the exit
//! line, a request (`--verbose`), and how a duration reads.

use super::styled::Styled;
use crate::evidence::files;
use crate::model::outcome::{RunReport, ScenarioOutcome, Verdict};
use anstyle::{AnsiColor, Style};
use std::time::Duration;

pub(crate) fn verdict_style(v: Verdict) -> Style {
    match v {
        Verdict::Pass => AnsiColor::Green.on_default(),
        Verdict::Fail | Verdict::Error => AnsiColor::Red.on_default().bold(),
        Verdict::Skip => AnsiColor::Yellow.on_default(),
    }
}

pub(crate) fn warning_style() -> Style {
    AnsiColor::Yellow.on_default()
}

pub(crate) fn dim() -> Style {
    Style::new().dimmed()
}

pub(crate) use crate::report::text::duration;

/// `L01 Worker Environment Presence: PASS (1.2s) reason`; a skipped scenario took no time.
pub(crate) fn outcome(o: &ScenarioOutcome) -> Styled {
    let line = Styled::plain(format!("{}: ", o.display_name()))
        .push(verdict_style(o.verdict), o.verdict.as_str());
    match o.verdict {
        Verdict::Skip => line.then(format!(" {}", o.reason)),
        _ => line.then(format!(" ({}) {}", duration(o.duration), o.reason)),
    }
}

/// `13 passed, 0 failed, 0 skipped in 41.2s`, with errors, observations and flaky
/// scenarios when there are any.
pub(crate) fn tally(report: &RunReport, total: Duration) -> Styled {
    let count = |v| report.count(v);
    let flaky = report.outcomes.iter().filter(|o| o.is_flaky()).count();
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut parts: Vec<(Style, String)> = vec![
        (
            on_when(count(Verdict::Pass), verdict_style(Verdict::Pass)),
            format!("{} passed", count(Verdict::Pass)),
        ),
        (
            on_when(count(Verdict::Fail), verdict_style(Verdict::Fail)),
            format!("{} failed", count(Verdict::Fail)),
        ),
    ];
    if count(Verdict::Error) > 0 {
        parts.push((
            verdict_style(Verdict::Error),
            plural(count(Verdict::Error), "error", "errors"),
        ));
    }
    parts.push((
        on_when(count(Verdict::Skip), verdict_style(Verdict::Skip)),
        format!("{} skipped", count(Verdict::Skip)),
    ));
    if report.observations() > 0 {
        parts.push((
            warning_style(),
            plural(report.observations(), "observation", "observations"),
        ));
    }
    if flaky > 0 {
        parts.push((warning_style(), format!("{flaky} flaky")));
    }
    let mut line = Styled::default();
    for (i, (style, text)) in parts.into_iter().enumerate() {
        if i > 0 {
            line = line.then(", ");
        }
        line = line.push(style, text);
    }
    line.then(format!(" in {}", duration(total)))
}

/// The style when `n` is not zero, else none (`0 failed` needs no red).
fn on_when(n: usize, style: Style) -> Style {
    if n > 0 {
        style
    } else {
        Style::new()
    }
}

/// The exit code and its reason; on a failure the first failed scenario's reason (which
/// carries the target's own error text) and where its notes.txt is.
pub(crate) fn exit(report: &RunReport) -> Vec<Styled> {
    let good = AnsiColor::Green.on_default().bold();
    let bad = AnsiColor::Red.on_default().bold();
    if !report.unwritten.is_empty() {
        return vec![Styled::default()
            .push(bad, format!("exit {}", crate::model::exit::EXIT_REPORT))
            .then(format!(
                ": the run finished but a report could not be written: {}",
                report.unwritten.join("; ")
            ))];
    }
    if report.passed() {
        return vec![Styled::default()
            .push(good, "exit 0")
            .then(": every scenario that ran passed")];
    }
    let Some(o) = report.first_failure() else {
        return vec![Styled::default()
            .push(bad, "exit 1")
            .then(": no scenario ran")];
    };
    let mut lines = vec![Styled::default()
        .push(bad, "exit 1")
        .then(format!(": {} ", o.id))
        .push(verdict_style(o.verdict), o.verdict.as_str())
        .then(format!(": {}", o.reason))];
    if let Some(notes) = notes_file(o) {
        lines.push(Styled::plain(format!(
            "notes:   {}",
            report.run_dir.join(notes).display()
        )));
    }
    lines
}

/// The scenario's own notes.txt (the shortest path of that name in its evidence).
fn notes_file(o: &ScenarioOutcome) -> Option<&str> {
    o.evidence
        .iter()
        .filter(|f| f.rsplit('/').next() == Some(files::NOTES))
        .min_by_key(|f| f.len())
        .map(String::as_str)
}

/// `  GET /api/v1/projects/ 201 0.012s` (`--verbose`).
pub(crate) fn request(method: &str, path: &str, status: Option<u16>, latency: Duration) -> Styled {
    let status = status.map_or_else(|| "no answer".to_owned(), |s| s.to_string());
    Styled::default().push(
        dim(),
        format!("  {method} {path} {status} {}", duration(latency)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::outcome::{Attempt, Suite};
    use std::path::PathBuf;

    fn report(outcomes: Vec<ScenarioOutcome>) -> RunReport {
        RunReport {
            stack: "external".into(),
            outcomes,
            run_dir: PathBuf::from("/out/r"),
            ..RunReport::for_tests()
        }
    }

    fn outcome(id: &str, v: Verdict) -> ScenarioOutcome {
        ScenarioOutcome::new(id, "T", Suite::Live, v, "why".into())
    }

    #[test]
    fn durations_keep_milliseconds_under_a_second() {
        assert_eq!(duration(Duration::from_millis(42)), "0.042s");
        assert_eq!(duration(Duration::ZERO), "0.000s");
        assert_eq!(duration(Duration::from_millis(1234)), "1.2s");
        assert_eq!(duration(Duration::from_secs(75)), "75.0s");
    }

    #[test]
    fn the_tally_names_what_there_is() {
        let all = report(vec![outcome("L01", Verdict::Pass); 13]);
        assert_eq!(
            tally(&all, Duration::from_millis(41_200)).text(),
            "13 passed, 0 failed, 0 skipped in 41.2s"
        );
        let mut flaky = outcome("L02", Verdict::Pass);
        flaky.failed_attempts.push(Attempt {
            number: 1,
            verdict: Verdict::Fail,
            reason: String::new(),
            duration: Duration::ZERO,
            evidence_dir: String::new(),
        });
        flaky.observations = vec!["a".into(), "b".into()];
        let mixed = report(vec![
            flaky,
            outcome("L03", Verdict::Fail),
            outcome("L04", Verdict::Error),
            outcome("L05", Verdict::Skip),
        ]);
        assert_eq!(
            tally(&mixed, Duration::from_millis(900)).text(),
            "1 passed, 1 failed, 1 error, 1 skipped, 2 observations, 1 flaky in 0.900s"
        );
    }

    #[test]
    fn the_exit_line_carries_the_reason_and_the_notes_path() {
        let mut failed = outcome("L02", Verdict::Fail);
        failed.reason = "the worker exited with code 1".into();
        failed.evidence = vec![
            "live/L02/attempt-1/notes.txt".into(),
            "live/L02/notes.txt".into(),
            "live/L02/response.json".into(),
        ];
        let r = report(vec![outcome("L01", Verdict::Pass), failed]);
        let lines: Vec<String> = exit(&r).iter().map(Styled::text).collect();
        assert_eq!(
            lines,
            [
                "exit 1: L02 FAIL: the worker exited with code 1",
                "notes:   /out/r/live/L02/notes.txt"
            ]
        );
        let passed = report(vec![outcome("L01", Verdict::Pass)]);
        assert_eq!(
            exit(&passed)[0].text(),
            "exit 0: every scenario that ran passed"
        );
        let none = report(vec![outcome("L01", Verdict::Skip)]);
        assert_eq!(exit(&none)[0].text(), "exit 1: no scenario ran");
    }
}
