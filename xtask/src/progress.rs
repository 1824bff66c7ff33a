//! What the suite prints: a line per scenario with verdict and duration, and while a
//! scenario waits, a spinner with the elapsed time on a terminal (plain lines otherwise).
//! Every line goes through the redactor: the suite's own output never shows a secret.

use crate::report::ScenarioOutcome;
use crate::secrets::Redactor;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::cell::RefCell;
use std::io::IsTerminal;
use std::time::Duration;

pub struct Progress {
    redactor: Redactor,
    tty: bool,
    spinner: RefCell<Option<ProgressBar>>,
}

impl Progress {
    /// A spinner when stdout is a terminal, plain lines otherwise (CI logs, pipes).
    pub fn new(redactor: Redactor) -> Self {
        Progress {
            redactor,
            tty: std::io::stdout().is_terminal(),
            spinner: RefCell::new(None),
        }
    }

    /// Plain lines whatever stdout is (tests).
    #[cfg(test)]
    pub fn plain(redactor: Redactor) -> Self {
        Progress {
            redactor,
            tty: false,
            spinner: RefCell::new(None),
        }
    }

    /// A line of the suite's output, redacted.
    pub fn line(&self, text: &str) {
        let text = self.redactor.redact(text).text;
        match self.spinner.borrow().as_ref() {
            Some(bar) => bar.println(text),
            None => println!("{text}"),
        }
    }

    /// A scenario begins: on a terminal a spinner counts its elapsed time.
    pub fn scenario_start(&self, id: &str, title: &str) {
        let label = self.redactor.redact(&format!("{id} {title}")).text;
        if self.tty {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stdout());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {prefix} [{elapsed}] {wide_msg}")
                    .expect("static template"),
            );
            bar.set_prefix(label);
            bar.enable_steady_tick(Duration::from_millis(120));
            *self.spinner.borrow_mut() = Some(bar);
        } else {
            println!("{label} ...");
        }
    }

    /// What a scenario is waiting for (spinner only: plain output stays one line per step).
    pub fn waiting(&self, what: &str) {
        if let Some(bar) = self.spinner.borrow().as_ref() {
            bar.set_message(self.redactor.redact(what).text);
        }
    }

    /// A scenario ended: one line with its verdict, duration and reason.
    pub fn scenario_end(&self, o: &ScenarioOutcome) {
        if let Some(bar) = self.spinner.borrow_mut().take() {
            bar.finish_and_clear();
        }
        self.line(&outcome_line(o));
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
