//! Which earlier run `live-suite` compares itself with: `--baseline`, or the newest
//! earlier run in `--out`.

use super::{diff, BaselineComparison, RunRecord};
use crate::evidence::files::RUN_JSON;
use crate::model::outcome::one_line;
use anyhow::Context;
use std::path::{Path, PathBuf};

/// Which run `live-suite` compares itself with at the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Baseline {
    /// `--baseline PATH`: a run folder, its run.json, or its zip.
    Given(PathBuf),
    /// Without `--baseline`: the newest earlier run in `--out`, if there is one.
    NewestEarlierIn(PathBuf),
    /// No comparison (e.g. `smoke`).
    Off,
}

impl Baseline {
    /// `--baseline` if given, else the newest earlier run in `out`.
    pub(crate) fn from_flag(flag: Option<&Path>, out: &Path) -> Self {
        match flag {
            Some(p) => Baseline::Given(p.to_path_buf()),
            None => Baseline::NewestEarlierIn(out.to_path_buf()),
        }
    }

    /// The comparison of `current` with the baseline; `None` with [`Baseline::Off`]. What
    /// the default skipped on its way (an earlier run that is not a folder or a regular
    /// file, e.g. a FIFO named like a zip) is told through `say`, one line each.
    pub(crate) fn compare(
        &self,
        current: &RunRecord,
        say: &dyn Fn(String),
    ) -> Option<BaselineComparison> {
        let path = match self {
            Baseline::Given(p) => p.clone(),
            Baseline::NewestEarlierIn(out) => {
                let (chosen, skipped) = default_baseline(out, &current.run_id);
                skipped.into_iter().for_each(say);
                match chosen {
                    Some(p) => p,
                    None => return Some(BaselineComparison::NoBaseline),
                }
            }
            Baseline::Off => return None,
        };
        Some(
            match RunRecord::read(&path)
                .with_context(|| format!("reading the baseline {}", path.display()))
            {
                Ok(old) => BaselineComparison::Run(diff(&old, current)),
                Err(e) => BaselineComparison::Unreadable {
                    error: format!("{e:#}"),
                },
            },
        )
    }
}

/// `live-suite` without `--baseline`: the newest run in `out` that is older than
/// `current` (by run id) and has a `run.json`, as a folder or a zip; and a line for each
/// earlier run skipped because it is neither a folder nor a regular file (it is never
/// opened: a FIFO would wait for a writer).
pub(super) fn default_baseline(out: &Path, current: &str) -> (Option<PathBuf>, Vec<String>) {
    let Ok(entries) = std::fs::read_dir(out) else {
        return (None, Vec::new());
    };
    let mut candidates: Vec<(String, PathBuf)> = Vec::new();
    let mut skipped = Vec::new();
    for e in entries.flatten() {
        let path = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        let regular = |p: &Path| std::fs::metadata(p).is_ok_and(|m| m.is_file());
        let (id, record) = match name.strip_suffix(".zip") {
            Some(id) => (id.to_owned(), path.clone()),
            None if path.is_dir() => (name, path.join(RUN_JSON)),
            None => continue,
        };
        if regular(&record) {
            candidates.push((id, path));
        } else if std::fs::symlink_metadata(&record).is_ok() && run_order(&id).is_some() {
            skipped.push(format!(
                "baseline: skipping {}: not a regular file",
                one_line(&record.display().to_string())
            ));
        }
    }
    let ids: Vec<&str> = candidates.iter().map(|(id, _)| id.as_str()).collect();
    let Some(chosen) = pick_baseline(&ids, current).map(str::to_owned) else {
        return (None, skipped);
    };
    // A folder wins over its own zip (same id): it is read without unpacking.
    let path = candidates
        .iter()
        .filter(|(id, _)| *id == chosen)
        .min_by_key(|(_, p)| !p.is_dir())
        .map(|(_, p)| p.clone());
    (path, skipped)
}

/// The newest run id older than `current`. Ids are `2025-11-14T17-14-05Z` with `-2`, `-3`
/// for runs in the same second; anything else is not a run and is ignored.
pub(super) fn pick_baseline<'a>(ids: &[&'a str], current: &str) -> Option<&'a str> {
    let cur = run_order(current)?;
    ids.iter()
        .filter_map(|id| run_order(id).map(|k| (k, *id)))
        .filter(|(k, _)| *k < cur)
        .max()
        .map(|(_, id)| id)
}

/// (timestamp, same-second sequence) of a run id, `None` for another name.
fn run_order(id: &str) -> Option<(&str, u32)> {
    let (stamp, seq) = match id.split_once("Z-") {
        Some((s, n)) => (s, n.parse::<u32>().ok()?),
        None => (id.strip_suffix('Z')?, 1),
    };
    let b = stamp.as_bytes();
    let shape = b.len() == 19
        && b[4] == b'-'
        && b[10] == b'T'
        && b.iter()
            .all(|c| c.is_ascii_digit() || matches!(c, b'-' | b'T'));
    shape.then_some((stamp, seq))
}
