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

pub(crate) use baseline::Baseline;
pub(crate) use record::RunRecord;
use record::ScenarioRecord;

use crate::model::comparison::failed;
pub(crate) use crate::model::comparison::{significant, BaselineComparison, Change, Comparison};
use crate::model::outcome::{one_line, Verdict};
use anyhow::{Context, Result};
use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::Duration;

/// Loads both runs (folder, run.json or zip) and compares them.
pub(crate) fn run(old: &Path, new: &Path) -> Result<Comparison> {
    let old = RunRecord::read(old).context("reading the baseline run")?;
    let new = RunRecord::read(new).context("reading the new run")?;
    Ok(diff(&old, &new))
}

/// The pure diff of two records, in the new run's scenario order; linear in their size
/// (scenarios and observations are looked up by id and text). An id twice in one record
/// counts once, by its first row.
pub(crate) fn diff(old: &RunRecord, new: &RunRecord) -> Comparison {
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

#[cfg(test)]
mod tests;
