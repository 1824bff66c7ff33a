//! The terminal reporter: a line per scenario with verdict and duration, a spinner while
//! something runs (on a terminal), the final tally and the exit line. Colour, the stream,
//! the width and how much is said come from `Console`.
//!
//! On a terminal a line never runs past its width: a scenario's line is cut (its whole text
//! is in summary.txt and notes.txt), any other line is wrapped between words (the terminal
//! is the only place it is shown). Every line goes through the redactor and has its control
//! characters escaped: the suite's own output never shows a secret or drives the terminal.

pub(crate) mod console;
pub(crate) mod lines;
mod spinner;
mod styled;

pub(crate) use console::{stderr_width, Console, Level, OutputArgs, Stream};
pub(crate) use styled::Styled;

use super::text::escape_controls;
use crate::model::events::Event;
use crate::model::outcome::{RunReport, ScenarioOutcome};
use crate::model::secrets::Redactor;
use spinner::Spinner;
use std::time::Duration;

/// How a line that is too wide for the terminal is made to fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fit {
    /// Cut with an ellipsis: the whole text is in the run's files.
    Cut,
    /// Wrapped between words: the terminal is the only place it is shown.
    Wrap,
}

/// A plain (not a terminal) wait prints its countdown this often.
const WAIT_LINE_EVERY: Duration = Duration::from_secs(10);

pub(crate) struct Terminal {
    redactor: Redactor,
    console: Console,
    spinner: Option<Spinner>,
    /// A scenario runs: its spinner takes the waits.
    in_scenario: bool,
    /// Plain output: how far into the current wait its countdown was last printed.
    wait_shown: Option<Duration>,
    /// `RunInterrupted`: the exit line names the signal.
    interrupted: Option<String>,
}

impl Terminal {
    pub(crate) fn new(redactor: Redactor, console: Console) -> Self {
        Terminal {
            redactor,
            console,
            spinner: None,
            in_scenario: false,
            wait_shown: None,
            interrupted: None,
        }
    }

    fn says(&self, level: Level) -> bool {
        self.console.level >= level
    }

    /// Text to show: redacted as a whole (a secret split over two styled pieces is still
    /// found; then the line loses its styles) and its control characters escaped.
    fn safe(&self, line: Styled) -> Styled {
        let text = line.text();
        let redacted = self.redactor.redact(&text).text;
        if redacted == text {
            line.map_text(escape_controls)
        } else {
            Styled::plain(escape_controls(&redacted))
        }
    }

    /// What `line` prints as: safe, fitted to `width` when there is one.
    fn rows(&self, line: Styled, fit: Fit, width: Option<usize>) -> Vec<String> {
        let line = self.safe(line);
        let rows = match (width, fit) {
            (Some(w), Fit::Cut) => vec![line.cut(w)],
            (Some(w), Fit::Wrap) => line.wrap(w),
            (None, _) => vec![line],
        };
        rows.iter().map(Styled::render).collect()
    }

    /// Prints `line` fitted to the terminal's width.
    fn print(&self, line: Styled, fit: Fit) {
        let rows = self.rows(line, fit, self.console.width());
        let write = || {
            for row in &rows {
                self.console.write_line(row);
            }
        };
        match &self.spinner {
            Some(s) => s.suspend(write),
            None => write(),
        }
    }

    /// A line of text from the run (several when it holds line feeds).
    fn text(&self, text: &str, fit: Fit) {
        if text.is_empty() {
            self.print(Styled::default(), fit);
        }
        for row in text.lines() {
            self.print(Styled::plain(row), fit);
        }
    }

    fn stop_spinner(&mut self) {
        if let Some(s) = self.spinner.take() {
            s.clear();
        }
    }

    /// A scenario begins: on a terminal a spinner counts its time.
    fn scenario_start(&mut self, id: &str, title: &str) {
        self.stop_spinner();
        self.in_scenario = true;
        if !self.says(Level::Normal) {
            return;
        }
        let label = self.safe(Styled::plain(format!("{id} {title}"))).text();
        if self.console.tty {
            self.spinner = Some(Spinner::start(self.console.stream, label));
        } else {
            self.print(Styled::plain(format!("{label} ...")), Fit::Cut);
        }
    }

    /// What the run waits for: a scenario's spinner, a spinner of its own outside a
    /// scenario (a backend's health), or on plain output a countdown line now and then.
    fn waiting(&mut self, what: &str, waited: Duration, limit: Duration) {
        if !self.says(Level::Normal) {
            return;
        }
        let what = self.safe(Styled::plain(what)).text();
        if self.console.tty {
            let spinner = self
                .spinner
                .get_or_insert_with(|| Spinner::start(self.console.stream, "waiting".to_owned()));
            spinner.waiting(what, waited, limit);
            return;
        }
        if self.in_scenario {
            return;
        }
        let due = match self.wait_shown {
            Some(shown) => waited < shown || waited >= shown + WAIT_LINE_EVERY,
            None => true,
        };
        if due {
            self.wait_shown = Some(waited);
            let left = limit.saturating_sub(waited).as_secs();
            self.print(
                Styled::plain(format!("waiting (gives up in {left}s): {what}")),
                Fit::Wrap,
            );
        }
    }

    /// A scenario ended: one line with its verdict, duration and reason (a failure even
    /// under `--quiet`).
    fn scenario_end(&mut self, o: &ScenarioOutcome) {
        self.stop_spinner();
        self.in_scenario = false;
        if o.verdict.is_failure() || self.says(Level::Normal) {
            self.print(lines::outcome(o), Fit::Cut);
        }
    }

    /// Where the reports are, the tally, and the exit code with its reason.
    fn run_end(&mut self, report: &RunReport) {
        self.stop_spinner();
        if self.says(Level::Normal) {
            let paths = [
                ("summary: ", report.summary_path.clone()),
                ("junit:   ", report.junit_path.clone()),
                (
                    "report:  ",
                    report.run_dir.join(crate::evidence::files::REPORT_HTML),
                ),
                ("zip:     ", report.zip_path.clone()),
            ];
            for (label, path) in paths {
                self.print(
                    Styled::plain(format!("{label}{}", path.display())),
                    Fit::Wrap,
                );
            }
        }
        let total = report.started.elapsed().unwrap_or_default();
        self.print(lines::tally(report, total), Fit::Wrap);
        if let Some(why) = &self.interrupted {
            self.print(Styled::plain(format!("partial report: {why}")), Fit::Wrap);
            return;
        }
        let clean = report.passed() && report.unwritten.is_empty();
        if clean && !self.says(Level::Normal) {
            return;
        }
        for line in lines::exit(report) {
            self.print(line, Fit::Wrap);
        }
    }

    fn interrupted(&mut self, signal: &str, after: Duration) {
        let why = format!("interrupted by {signal} after {:.1} s", after.as_secs_f64());
        self.stop_spinner();
        self.print(Styled::plain(why.clone()), Fit::Wrap);
        self.interrupted = Some(why);
    }
}

impl Terminal {
    /// Prints one event of the run (the comparison and the paths at `RunFinished`).
    pub(crate) fn event(&mut self, event: &Event) -> anyhow::Result<()> {
        if !matches!(
            event,
            Event::Waiting { .. } | Event::Request { .. } | Event::Observation { .. }
        ) {
            self.wait_shown = None;
            if !self.in_scenario {
                // A wait outside a scenario (a health gate) is over.
                self.stop_spinner();
            }
        }
        let normal = self.says(Level::Normal);
        match event {
            Event::Line { text } if normal => self.text(text, Fit::Wrap),
            Event::Waiting {
                what,
                waited,
                limit,
            } => self.waiting(what, *waited, *limit),
            Event::ScenarioStarted { id, title, .. } => self.scenario_start(id, title),
            Event::ScenarioFinished { outcome: o } => self.scenario_end(o),
            Event::AttemptFailed {
                scenario,
                attempt,
                will_retry: true,
            } if normal => self.print(
                Styled::plain(format!("{scenario} attempt {} ", attempt.number))
                    .push(
                        lines::verdict_style(attempt.verdict),
                        attempt.verdict.as_str(),
                    )
                    .then(format!(": {}; retrying", attempt.reason)),
                Fit::Cut,
            ),
            Event::Observation { scenario, text } if normal => self.print(
                Styled::plain("  ")
                    .push(lines::warning_style(), "[observation]")
                    .then(format!(" {scenario}: {text}")),
                Fit::Cut,
            ),
            Event::Request {
                method,
                path,
                status,
                latency,
            } if self.says(Level::Verbose) => {
                self.print(lines::request(method, path, *status, *latency), Fit::Cut)
            }
            Event::RunInterrupted { signal, after } => self.interrupted(signal, *after),
            Event::RunFinished { report } => {
                if let Some(against) = report.comparison.as_ref().filter(|_| normal) {
                    self.text(&against.render_text(), Fit::Wrap);
                }
                self.run_end(report)
            }
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
