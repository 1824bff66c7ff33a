//! What two runs' comparison found (`compare::diff` makes it): the changes, their text
//! and markdown, and what a run was compared with at its end (`RunReport::comparison`).

use super::escape::markdown_cell;
use super::outcome::{one_line, Verdict};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A duration change is reported when it is over this ratio *and* over [`MIN_DELTA`]: a
/// 0.1 s scenario that takes 0.2 s is noise, a 60 s one that takes 61 s too.
pub(crate) const MIN_RATIO: f64 = 0.20;
pub(crate) const MIN_DELTA: Duration = Duration::from_millis(500);

/// One difference between two runs. Every text in it is on one line (`outcome::one_line`,
/// like a backend's text): a record read back is untrusted, and a line break in an id would
/// start a line of its own in the console, where GitHub reads workflow commands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    Verdict {
        id: String,
        old: String,
        new: String,
    },
    Duration {
        id: String,
        #[serde(with = "crate::model::seconds")]
        old: Duration,
        #[serde(with = "crate::model::seconds")]
        new: Duration,
    },
    NewObservation {
        id: String,
        text: String,
    },
    GoneObservation {
        id: String,
        text: String,
    },
    /// A scenario one run has and the other has not, with its verdict in the run that has it.
    Scenario {
        id: String,
        in_old: bool,
        verdict: String,
    },
    /// A scenario that failed or errored in both runs: listed, never a regression.
    StillFailing {
        id: String,
        old: String,
        new: String,
    },
    /// A setting that changes timings or verdicts (`long_run_seconds`, …): durations are
    /// then not compared.
    Setting {
        key: String,
        old: String,
        new: String,
    },
    /// A key of the target profile (`stack`, or a top-level key of `target`).
    Target {
        key: String,
        old: String,
        new: String,
    },
}

/// A recorded verdict that is a failure or an error.
pub(crate) fn failed(verdict: &str) -> bool {
    verdict == Verdict::Fail.as_str() || verdict == Verdict::Error.as_str()
}

impl Change {
    /// A failure or error the new run has and the old one had not: the scenario passed, was
    /// skipped, or is new. One that still fails is listed but is no regression; slower
    /// runs, new observations and target changes neither: live latency is noisy, and
    /// observations never decide a verdict.
    pub fn is_regression(&self) -> bool {
        match self {
            Change::Verdict { old, new, .. } => failed(new) && !failed(old),
            Change::Scenario {
                in_old: false,
                verdict,
                ..
            } => failed(verdict),
            _ => false,
        }
    }

    /// One line, e.g. `L05  PASS -> FAIL` or `L08  duration 12.0s -> 19.5s (+63%)`.
    pub fn line(&self) -> String {
        match self {
            Change::Verdict { id, old, new } => format!("{id:<9} {old} -> {new}"),
            Change::Duration { id, old, new } => {
                let pct = (new.as_secs_f64() / old.as_secs_f64().max(1e-9) - 1.0) * 100.0;
                format!(
                    "{id:<9} duration {:.1}s -> {:.1}s ({pct:+.0}%)",
                    old.as_secs_f64(),
                    new.as_secs_f64()
                )
            }
            Change::NewObservation { id, text } => format!("{id:<9} new observation: {text}"),
            Change::GoneObservation { id, text } => {
                format!("{id:<9} observation gone: {text}")
            }
            Change::Scenario {
                id,
                in_old: true,
                verdict,
            } => format!("{id:<9} not in the new run (was {verdict})"),
            Change::Scenario { id, verdict, .. } => {
                format!("{id:<9} new in this run: {verdict}")
            }
            Change::StillFailing { id, old, new } if old == new => {
                format!("{id:<9} still failing: {new}")
            }
            Change::StillFailing { id, old, new } => {
                format!("{id:<9} still failing: {old} -> {new}")
            }
            Change::Setting { key, old, new } => {
                format!("settings  {key}: {old} -> {new} (durations not compared)")
            }
            Change::Target { key, old, new } => format!("target    {key}: {old} -> {new}"),
        }
    }
}

/// The difference between a baseline run and a newer one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub old_run: String,
    pub new_run: String,
    pub changes: Vec<Change>,
}

impl Comparison {
    /// Exit 1 for `compare` when this is true.
    pub fn regressed(&self) -> bool {
        self.changes.iter().any(Change::is_regression)
    }

    /// For `compare`, summary.txt and the console: a header line, then one line per change,
    /// regressions marked `!`, the others `-`. No line starts with a text of the records.
    pub fn render_text(&self) -> String {
        let mut s = format!(
            "comparison with {} (baseline) -> {}: {}\n",
            self.old_run,
            self.new_run,
            self.headline()
        );
        for c in &self.changes {
            let mark = if c.is_regression() { "!" } else { "-" };
            s.push_str(&format!("{mark} {}\n", c.line()));
        }
        s
    }

    /// For the GitHub step summary: a heading and a list, regressions marked ❌, each text
    /// made safe for markdown like the backend's texts in the table.
    pub fn render_markdown(&self) -> String {
        let mut s = format!(
            "### Compared with {}: {}\n\n",
            markdown_cell(&self.old_run),
            self.headline()
        );
        for c in &self.changes {
            let mark = if c.is_regression() { "❌ " } else { "" };
            s.push_str(&format!("- {mark}{}\n", markdown_cell(&c.line())));
        }
        s
    }

    /// `no changes`, `2 changes, 1 regression`, `no changes, 1 still failing`.
    pub fn headline(&self) -> String {
        let still = |c: &&Change| matches!(c, Change::StillFailing { .. });
        let n = self.changes.iter().filter(|c| !still(c)).count();
        let r = self.changes.iter().filter(|c| c.is_regression()).count();
        let mut text = match (n, r) {
            (0, _) => "no changes".to_owned(),
            (n, 0) => format!("{n} change{}, no regression", plural(n)),
            (n, r) => format!("{n} change{}, {r} regression{}", plural(n), plural(r)),
        };
        let s = self.changes.iter().filter(still).count();
        if s > 0 {
            text.push_str(&format!(", {s} still failing"));
        }
        text
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// What a run was compared with at its end (the `Compared` event): a comparison never fails
/// a run, so an unreadable baseline is reported and the run goes on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "baseline", rename_all = "snake_case")]
pub enum BaselineComparison {
    /// No `--baseline` and no earlier run in `--out`.
    NoBaseline,
    Run(Comparison),
    Unreadable {
        error: String,
    },
}

impl BaselineComparison {
    /// The text summary.txt ends with: the comparison, or why there is none.
    pub fn render_text(&self) -> String {
        match self {
            BaselineComparison::NoBaseline => {
                "comparison: no baseline (none given, no earlier run in --out)\n".into()
            }
            BaselineComparison::Run(c) => c.render_text(),
            BaselineComparison::Unreadable { error } => {
                format!("comparison: not made: {}\n", one_line(error))
            }
        }
    }

    /// The step summary's section.
    pub fn render_markdown(&self) -> String {
        match self {
            BaselineComparison::Run(c) => c.render_markdown(),
            other => format!(
                "### Comparison\n\n{}\n",
                markdown_cell(&other.render_text())
            ),
        }
    }
}

/// Over 20% and over 0.5 s, either way.
pub(crate) fn significant(old: Duration, new: Duration) -> bool {
    let delta = old.abs_diff(new);
    delta > MIN_DELTA && delta.as_secs_f64() > old.as_secs_f64() * MIN_RATIO
}
