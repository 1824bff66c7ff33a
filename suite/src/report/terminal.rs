//! The terminal reporter: a line per scenario with verdict and duration, and while a
//! scenario waits, a spinner with the elapsed time on a terminal (plain lines otherwise).
//! Every line goes through the redactor: the suite's own output never shows a secret.

use super::text::{escape_controls, print_line};
use crate::events::{Event, Reporter};
use crate::outcome::{RunReport, ScenarioOutcome};
use crate::secrets::Redactor;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

pub struct Terminal {
    redactor: Redactor,
    tty: bool,
    spinner: Option<ProgressBar>,
    /// `RunInterrupted`: the exit line names the signal.
    interrupted: Option<String>,
}

impl Terminal {
    /// A spinner when stdout is a terminal, plain lines otherwise (CI logs, pipes).
    pub fn new(redactor: Redactor) -> Self {
        Terminal {
            redactor,
            tty: std::io::stdout().is_terminal(),
            spinner: None,
            interrupted: None,
        }
    }

    /// A line of the suite's output, redacted, its control characters escaped.
    fn line(&self, text: &str) {
        let text = escape_controls(&self.redactor.redact(text).text);
        match &self.spinner {
            Some(bar) => bar.println(text),
            None => print_line(&text),
        }
    }

    /// A scenario begins: on a terminal a spinner counts its elapsed time.
    fn scenario_start(&mut self, id: &str, title: &str) {
        let label = escape_controls(&self.redactor.redact(&format!("{id} {title}")).text);
        if self.tty {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stdout());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {prefix} [{elapsed}] {wide_msg}")
                    .expect("static template"),
            );
            bar.set_prefix(label);
            bar.enable_steady_tick(Duration::from_millis(120));
            self.spinner = Some(bar);
        } else {
            print_line(&format!("{label} ..."));
        }
    }

    /// What a scenario is waiting for (spinner only: plain output stays one line per step).
    fn waiting(&self, what: &str) {
        if let Some(bar) = &self.spinner {
            bar.set_message(escape_controls(&self.redactor.redact(what).text));
        }
    }

    /// A scenario ended: one line with its verdict, duration and reason.
    fn scenario_end(&mut self, o: &ScenarioOutcome) {
        if let Some(bar) = self.spinner.take() {
            bar.finish_and_clear();
        }
        self.line(&outcome_line(o));
    }

    /// Where the reports are, and the exit code with its reason.
    fn run_end(&self, report: &RunReport) {
        self.line(&format!("summary: {}", report.summary_path.display()));
        self.line(&format!("junit:   {}", report.junit_path.display()));
        self.line(&format!(
            "report:  {}",
            report.run_dir.join(super::html::FILE).display()
        ));
        self.line(&format!("zip:     {}", report.zip_path.display()));
        if let Some(why) = &self.interrupted {
            self.line(&format!("partial report: {why}"));
            return;
        }
        if !report.unwritten.is_empty() {
            self.line(&format!(
                "exit {}: the run finished but a report could not be written: {}",
                crate::commands::EXIT_REPORT,
                report.unwritten.join("; ")
            ));
            return;
        }
        if report.passed() {
            self.line("exit 0: every scenario that ran passed");
            return;
        }
        match report.first_failure() {
            Some(o) => self.line(&format!(
                "exit 1: {} {}: {}",
                o.id,
                o.verdict.as_str(),
                o.reason
            )),
            None => self.line("exit 1: no scenario ran"),
        }
    }
}

impl Reporter for Terminal {
    fn event(&mut self, event: &Event) -> anyhow::Result<()> {
        match event {
            Event::Line { text } => self.line(text),
            Event::Waiting { what, .. } => self.waiting(what),
            Event::ScenarioStarted { id, title, .. } => self.scenario_start(id, title),
            Event::ScenarioFinished { outcome: o } => self.scenario_end(o),
            Event::AttemptFailed {
                scenario,
                attempt,
                will_retry: true,
            } => self.line(&format!(
                "{scenario} attempt {} {}: {}; retrying",
                attempt.number,
                attempt.verdict.as_str(),
                attempt.reason
            )),
            Event::Observation { scenario, text } => {
                self.line(&format!("  [observation] {scenario}: {text}"))
            }
            Event::RunInterrupted { signal, after } => {
                let why = format!("interrupted by {signal} after {:.1} s", after.as_secs_f64());
                if let Some(bar) = self.spinner.take() {
                    bar.finish_and_clear();
                }
                self.line(&why);
                self.interrupted = Some(why);
            }
            Event::Compared { against } => against.render_text().lines().for_each(|l| self.line(l)),
            Event::RunFinished { report } => self.run_end(report),
            Event::RunStarted { .. }
            | Event::AttemptFailed { .. }
            | Event::JobSubmitted { .. }
            | Event::JobSettled { .. }
            | Event::Rollback { .. }
            | Event::Phase { .. } => {}
        }
        Ok(())
    }
}

/// `L01 Worker Environment Presence: PASS (1.2s) reason`.
pub fn outcome_line(o: &ScenarioOutcome) -> String {
    format!(
        "{}: {} ({:.1}s) {}",
        o.display_name(),
        o.verdict.as_str(),
        o.duration.as_secs_f64(),
        o.reason
    )
}
