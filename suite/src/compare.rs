//! Run-to-run comparison: `run.json`, the machine-readable record of a run, and the diff of
//! two records (verdict changes, slower or faster scenarios, new or gone observations,
//! target profile changes).
//!
//! `run.json` sits next to `summary.txt` in the run folder (and under `<run id>/` in the
//! zip). `compare::run(old, new)` takes either a run folder, its `run.json`, or the zip.
//! The baseline of `live-suite` is `--baseline PATH`, else the newest earlier run in `--out`
//! (`baseline::default_baseline`).

mod baseline;
mod context;
mod record;

pub use baseline::Baseline;
pub use record::RunRecord;
use record::{ScenarioRecord, RUN_JSON};

use crate::outcome::{one_line, Verdict};
use crate::report::github_summary::cell;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::Duration;

/// A duration change is reported when it is over this ratio *and* over [`MIN_DELTA`]: a
/// 0.1 s scenario that takes 0.2 s is noise, a 60 s one that takes 61 s too.
pub const MIN_RATIO: f64 = 0.20;
pub const MIN_DELTA: Duration = Duration::from_millis(500);

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
        #[serde(with = "crate::seconds")]
        old: Duration,
        #[serde(with = "crate::seconds")]
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

fn failed(verdict: &str) -> bool {
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
            cell(&self.old_run),
            self.headline()
        );
        for c in &self.changes {
            let mark = if c.is_regression() { "❌ " } else { "" };
            s.push_str(&format!("- {mark}{}\n", cell(&c.line())));
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
            other => format!("### Comparison\n\n{}\n", cell(&other.render_text())),
        }
    }
}

/// Loads both runs (folder, run.json or zip) and compares them.
pub fn run(old: &Path, new: &Path) -> Result<Comparison> {
    let old = RunRecord::read(old).context("reading the baseline run")?;
    let new = RunRecord::read(new).context("reading the new run")?;
    Ok(diff(&old, &new))
}

/// The pure diff of two records, in the new run's scenario order; linear in their size
/// (scenarios and observations are looked up by id and text). An id twice in one record
/// counts once, by its first row.
pub fn diff(old: &RunRecord, new: &RunRecord) -> Comparison {
    let mut changes = context::changes(old, new);
    let ((old_rows, old_ids), (new_rows, new_ids)) = (first_rows(old), first_rows(new));
    for n in &new_rows {
        let id = one_line(&n.id);
        match old_ids.get(n.id.as_str()) {
            Some(o) => scenario_changes(&id, o, n, &mut changes),
            None => changes.push(Change::Scenario {
                id,
                in_old: false,
                verdict: one_line(&n.verdict),
            }),
        }
    }
    for o in old_rows
        .iter()
        .filter(|o| !new_ids.contains_key(o.id.as_str()))
    {
        changes.push(Change::Scenario {
            id: one_line(&o.id),
            in_old: true,
            verdict: one_line(&o.verdict),
        });
    }
    if context::settings_differ(old, new) {
        // Timings under other settings say nothing about speed.
        changes.retain(|c| !matches!(c, Change::Duration { .. }));
    }
    Comparison {
        old_run: one_line(&old.run_id),
        new_run: one_line(&new.run_id),
        changes,
    }
}

/// A record's rows, the first of each id: in order, and by id.
fn first_rows(r: &RunRecord) -> (Vec<&ScenarioRecord>, HashMap<&str, &ScenarioRecord>) {
    let mut ordered = Vec::with_capacity(r.scenarios.len());
    let mut by_id = HashMap::with_capacity(r.scenarios.len());
    for s in &r.scenarios {
        if let Entry::Vacant(slot) = by_id.entry(s.id.as_str()) {
            slot.insert(s);
            ordered.push(s);
        }
    }
    (ordered, by_id)
}

/// How one scenario present in both runs changed: verdict, duration, observations.
fn scenario_changes(id: &str, o: &ScenarioRecord, n: &ScenarioRecord, out: &mut Vec<Change>) {
    let (ov, nv) = (one_line(&o.verdict), one_line(&n.verdict));
    if failed(&ov) && failed(&nv) {
        out.push(Change::StillFailing {
            id: id.to_owned(),
            old: ov.clone(),
            new: nv.clone(),
        });
    } else if ov != nv {
        out.push(Change::Verdict {
            id: id.to_owned(),
            old: ov.clone(),
            new: nv.clone(),
        });
    }
    let (od, nd) = (secs(o.duration_secs), secs(n.duration_secs));
    // Only when both ran: a skip's 0 s says nothing about speed.
    let skip = Verdict::Skip.as_str();
    if ov != skip && nv != skip && significant(od, nd) {
        out.push(Change::Duration {
            id: id.to_owned(),
            old: od,
            new: nd,
        });
    }
    let ((old_obs, old_set), (new_obs, new_set)) = (observations(o), observations(n));
    for text in new_obs.iter().filter(|t| !old_set.contains(*t)) {
        let (id, text) = (id.to_owned(), text.clone());
        out.push(Change::NewObservation { id, text });
    }
    for text in old_obs.iter().filter(|t| !new_set.contains(*t)) {
        let (id, text) = (id.to_owned(), text.clone());
        out.push(Change::GoneObservation { id, text });
    }
}

/// A scenario's observations on one line each: in order without repeats, and as a set.
fn observations(s: &ScenarioRecord) -> (Vec<String>, HashSet<String>) {
    let mut seen = HashSet::with_capacity(s.observations.len());
    let ordered = s
        .observations
        .iter()
        .map(|t| one_line(t))
        .filter(|t| seen.insert(t.clone()))
        .collect();
    (ordered, seen)
}

fn secs(s: f64) -> Duration {
    Duration::try_from_secs_f64(s).unwrap_or(Duration::ZERO)
}

/// Over 20% and over 0.5 s, either way.
pub fn significant(old: Duration, new: Duration) -> bool {
    let delta = old.abs_diff(new);
    delta > MIN_DELTA && delta.as_secs_f64() > old.as_secs_f64() * MIN_RATIO
}

#[cfg(test)]
mod tests;
