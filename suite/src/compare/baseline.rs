//! Which earlier run `live-suite` compares itself with: `--baseline`, or the newest
//! earlier run in `--out`.

use super::{diff, Against, RunRecord, RUN_JSON};
use anyhow::Context;
use std::path::{Path, PathBuf};

/// Which run `live-suite` compares itself with at the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Baseline {
    /// `--baseline PATH`: a run folder, its run.json, or its zip.
    Given(PathBuf),
    /// Without `--baseline`: the newest earlier run in `--out`, if there is one.
    NewestEarlierIn(PathBuf),
    /// No comparison (e.g. `smoke`).
    Off,
}

impl Baseline {
    /// `--baseline` if given, else the newest earlier run in `out`.
    pub fn from_flag(flag: Option<&Path>, out: &Path) -> Self {
        match flag {
            Some(p) => Baseline::Given(p.to_path_buf()),
            None => Baseline::NewestEarlierIn(out.to_path_buf()),
        }
    }

    /// The comparison of `current` with the baseline; `None` with [`Baseline::Off`].
    pub fn compare(&self, current: &RunRecord) -> Option<Against> {
        let path = match self {
            Baseline::Given(p) => p.clone(),
            Baseline::NewestEarlierIn(out) => match default_baseline(out, &current.run_id) {
                Some(p) => p,
                None => return Some(Against::NoBaseline),
            },
            Baseline::Off => return None,
        };
        Some(
            match RunRecord::read(&path)
                .with_context(|| format!("reading the baseline {}", path.display()))
            {
                Ok(old) => Against::Run(diff(&old, current)),
                Err(e) => Against::Unreadable {
                    error: format!("{e:#}"),
                },
            },
        )
    }
}

/// `live-suite` without `--baseline`: the newest run in `out` that is older than
/// `current` (by run id) and has a `run.json`, as a folder or a zip.
pub fn default_baseline(out: &Path, current: &str) -> Option<PathBuf> {
    let entries = std::fs::read_dir(out).ok()?;
    let mut candidates: Vec<(String, PathBuf)> = Vec::new();
    for e in entries.flatten() {
        let path = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if path.is_dir() && path.join(RUN_JSON).is_file() {
            candidates.push((name, path));
        } else if let Some(id) = name.strip_suffix(".zip") {
            candidates.push((id.to_owned(), path));
        }
    }
    let ids: Vec<&str> = candidates.iter().map(|(id, _)| id.as_str()).collect();
    let chosen = pick_baseline(&ids, current)?.to_owned();
    // A folder wins over its own zip (same id): it is read without unpacking.
    candidates
        .iter()
        .filter(|(id, _)| *id == chosen)
        .min_by_key(|(_, p)| !p.is_dir())
        .map(|(_, p)| p.clone())
}

/// The newest run id older than `current`. Ids are `2025-11-14T17-14-05Z` with `-2`, `-3`
/// for runs in the same second; anything else is not a run and is ignored.
pub fn pick_baseline<'a>(ids: &[&'a str], current: &str) -> Option<&'a str> {
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
