//! Run-to-run comparison: `run.json`, the machine-readable record of a run, and the diff of
//! two records (verdict changes, slower or faster scenarios, new or gone observations,
//! target profile changes).
//!
//! `run.json` sits next to `summary.txt` in the run folder (and under `<run id>/` in the
//! zip). `compare::run(old, new)` takes either a run folder, its `run.json`, or the zip.
//! The baseline of `live-suite` is `--baseline PATH`, else the newest earlier run in `--out`
//! (`baseline::default_baseline`).

mod baseline;
mod record;

pub use baseline::Baseline;
pub use record::RunRecord;
use record::RUN_JSON;

use crate::outcome::Verdict;
use anyhow::{Context, Result};
use serde::Serialize;
use std::path::Path;
use std::time::Duration;

/// A duration change is reported when it is over this ratio *and* over [`MIN_DELTA`]: a
/// 0.1 s scenario that takes 0.2 s is noise, a 60 s one that takes 61 s too.
pub const MIN_RATIO: f64 = 0.20;
pub const MIN_DELTA: Duration = Duration::from_millis(500);

/// One difference between two runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    Verdict {
        id: String,
        old: String,
        new: String,
    },
    Duration {
        id: String,
        old: Duration,
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
    /// A scenario one run has and the other has not.
    Scenario {
        id: String,
        in_old: bool,
    },
    /// A key of the target profile (`stack`, or a top-level key of `target`).
    Target {
        key: String,
        old: String,
        new: String,
    },
}

fn failed(verdict: &str) -> bool {
    verdict == Verdict::Fail.as_str() || verdict == Verdict::Error.as_str()
}

impl Change {
    /// A scenario that passed or was skipped and now fails or errors. Slower runs, new
    /// observations and target changes are reported but do not regress: live latency is
    /// noisy, and observations never decide a verdict.
    pub fn is_regression(&self) -> bool {
        matches!(self, Change::Verdict { old, new, .. } if failed(new) && !failed(old))
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
            Change::Scenario { id, in_old: true } => format!("{id:<9} not in the new run"),
            Change::Scenario { id, in_old: false } => format!("{id:<9} new in this run"),
            Change::Target { key, old, new } => format!("target    {key}: {old} -> {new}"),
        }
    }
}

/// The difference between a baseline run and a newer one.
#[derive(Debug, Clone, PartialEq, Serialize)]
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

    /// For `compare`, summary.txt and the step summary: a header line, then one line per
    /// change, regressions marked `!`.
    pub fn render_text(&self) -> String {
        let mut s = format!(
            "comparison with {} (baseline) -> {}: {}\n",
            self.old_run,
            self.new_run,
            self.headline()
        );
        for c in &self.changes {
            let mark = if c.is_regression() { "!" } else { " " };
            s.push_str(&format!("{mark} {}\n", c.line()));
        }
        s
    }

    /// For the GitHub step summary: a heading and a list, regressions marked ❌.
    pub fn render_markdown(&self) -> String {
        let mut s = format!(
            "### Compared with `{}`: {}\n\n",
            self.old_run,
            self.headline()
        );
        for c in &self.changes {
            let mark = if c.is_regression() { "❌ " } else { "" };
            s.push_str(&format!("- {mark}`{}`\n", c.line()));
        }
        s
    }

    /// `no changes`, `2 changes, 1 regression`.
    pub fn headline(&self) -> String {
        let n = self.changes.len();
        let r = self.changes.iter().filter(|c| c.is_regression()).count();
        match (n, r) {
            (0, _) => "no changes".into(),
            (n, 0) => format!("{n} change{}, no regression", plural(n)),
            (n, r) => format!("{n} change{}, {r} regression{}", plural(n), plural(r)),
        }
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
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "baseline", rename_all = "snake_case")]
pub enum Against {
    /// No `--baseline` and no earlier run in `--out`.
    NoBaseline,
    Run(Comparison),
    Unreadable {
        error: String,
    },
}

impl Against {
    /// The text summary.txt ends with: the comparison, or why there is none.
    pub fn render_text(&self) -> String {
        match self {
            Against::NoBaseline => {
                "comparison: no baseline (none given, no earlier run in --out)\n".into()
            }
            Against::Run(c) => c.render_text(),
            Against::Unreadable { error } => format!("comparison: not made: {error}\n"),
        }
    }

    /// The step summary's section.
    pub fn render_markdown(&self) -> String {
        match self {
            Against::Run(c) => c.render_markdown(),
            other => format!("### Comparison\n\n{}", other.render_text()),
        }
    }
}

/// Loads both runs (folder, run.json or zip) and compares them.
pub fn run(old: &Path, new: &Path) -> Result<Comparison> {
    let old = RunRecord::read(old).context("reading the baseline run")?;
    let new = RunRecord::read(new).context("reading the new run")?;
    Ok(diff(&old, &new))
}

/// The pure diff of two records, in the new run's scenario order.
pub fn diff(old: &RunRecord, new: &RunRecord) -> Comparison {
    let mut changes = target_changes(old, new);
    for n in &new.scenarios {
        let Some(o) = old.scenario(&n.id) else {
            changes.push(Change::Scenario {
                id: n.id.clone(),
                in_old: false,
            });
            continue;
        };
        if o.verdict != n.verdict {
            changes.push(Change::Verdict {
                id: n.id.clone(),
                old: o.verdict.clone(),
                new: n.verdict.clone(),
            });
        }
        let (od, nd) = (secs(o.duration_secs), secs(n.duration_secs));
        // Only when both ran: a skip's 0 s says nothing about speed.
        let both_ran = o.verdict != Verdict::Skip.as_str() && n.verdict != Verdict::Skip.as_str();
        if both_ran && significant(od, nd) {
            changes.push(Change::Duration {
                id: n.id.clone(),
                old: od,
                new: nd,
            });
        }
        let only_in = |a: &[String], b: &[String]| -> Vec<String> {
            a.iter().filter(|t| !b.contains(t)).cloned().collect()
        };
        let id = || n.id.clone();
        changes.extend(
            only_in(&n.observations, &o.observations)
                .into_iter()
                .map(|text| Change::NewObservation { id: id(), text }),
        );
        changes.extend(
            only_in(&o.observations, &n.observations)
                .into_iter()
                .map(|text| Change::GoneObservation { id: id(), text }),
        );
    }
    for o in old
        .scenarios
        .iter()
        .filter(|o| new.scenario(&o.id).is_none())
    {
        changes.push(Change::Scenario {
            id: o.id.clone(),
            in_old: true,
        });
    }
    Comparison {
        old_run: old.run_id.clone(),
        new_run: new.run_id.clone(),
        changes,
    }
}

fn secs(s: f64) -> Duration {
    Duration::try_from_secs_f64(s).unwrap_or(Duration::ZERO)
}

/// Over 20% and over 0.5 s, either way.
pub fn significant(old: Duration, new: Duration) -> bool {
    let delta = old.abs_diff(new);
    delta > MIN_DELTA && delta.as_secs_f64() > old.as_secs_f64() * MIN_RATIO
}

fn target_changes(old: &RunRecord, new: &RunRecord) -> Vec<Change> {
    let mut out = Vec::new();
    if old.stack != new.stack {
        out.push(Change::Target {
            key: "stack".into(),
            old: old.stack.clone(),
            new: new.stack.clone(),
        });
    }
    let empty = serde_json::Map::new();
    let fields = |t: &Option<serde_json::Value>| match t {
        Some(serde_json::Value::Object(m)) => m.clone(),
        Some(other) => {
            let mut m = serde_json::Map::new();
            m.insert("profile".into(), other.clone());
            m
        }
        None => empty.clone(),
    };
    let (o, n) = (fields(&old.target), fields(&new.target));
    let mut keys: Vec<&String> = o.keys().chain(n.keys()).collect();
    keys.sort();
    keys.dedup();
    let show = |v: Option<&serde_json::Value>| match v {
        None => "(none)".to_owned(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
    };
    for k in keys {
        if o.get(k) != n.get(k) {
            out.push(Change::Target {
                key: k.clone(),
                old: show(o.get(k)),
                new: show(n.get(k)),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests;
