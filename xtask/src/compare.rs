//! Run-to-run comparison: `run.json`, the machine-readable record of a run, and the diff of
//! two records (verdict changes, slower or faster scenarios, new or gone observations,
//! target profile changes).
//!
//! `run.json` sits next to `summary.txt` in the run folder (and under `<run id>/` in the
//! zip). `compare::run(old, new)` takes either a run folder, its `run.json`, or the zip.
//! The baseline of `live-suite` is `--baseline PATH`, else the newest earlier run in `--out`
//! ([`default_baseline`]).

use crate::outcome::{RunReport, Verdict};
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The file name of the record in a run folder.
pub const RUN_JSON: &str = "run.json";

/// The format version written into `run.json`; `read` refuses other versions.
pub const FORMAT: u32 = 1;

/// A duration change is reported when it is over this ratio *and* over [`MIN_DELTA`]: a
/// 0.1 s scenario that takes 0.2 s is noise, a 60 s one that takes 61 s too.
pub const MIN_RATIO: f64 = 0.20;
pub const MIN_DELTA: Duration = Duration::from_millis(500);

/// `run.json`: what another run is compared against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub format: u32,
    pub run_id: String,
    pub stack: String,
    pub commit: String,
    /// The target profile (what the backend said about itself), when known.
    #[serde(default)]
    pub target: Option<serde_json::Value>,
    pub scenarios: Vec<ScenarioRecord>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioRecord {
    pub id: String,
    /// `PASS`, `FAIL`, `ERROR`, `SKIP`.
    pub verdict: String,
    pub duration_secs: f64,
    #[serde(default)]
    pub observations: Vec<String>,
}

impl RunRecord {
    pub fn from_report(r: &RunReport) -> Self {
        RunRecord {
            format: FORMAT,
            run_id: r.run_id.clone(),
            stack: r.stack.clone(),
            commit: r.git_commit.clone(),
            target: r.target.clone(),
            scenarios: r
                .outcomes
                .iter()
                .map(|o| ScenarioRecord {
                    id: o.id.clone(),
                    verdict: o.verdict.as_str().to_owned(),
                    duration_secs: o.duration.as_secs_f64(),
                    observations: o.observations.clone(),
                })
                .collect(),
        }
    }

    /// Writes `run.json` into the run folder through the evidence writer (the redactor).
    pub fn write(&self, ev: &crate::evidence::Evidence) -> Result<()> {
        let text = serde_json::to_string_pretty(self).context("serializing run.json")?;
        ev.write(RUN_JSON, &(text + "\n"))?;
        Ok(())
    }

    /// Reads a run's record from its folder, its `run.json`, or its zip.
    pub fn read(path: &Path) -> Result<Self> {
        let text = if path.is_dir() {
            let f = path.join(RUN_JSON);
            std::fs::read_to_string(&f).with_context(|| {
                format!(
                    "reading {}: is {} a run folder of a live-suite that writes run.json?",
                    f.display(),
                    path.display()
                )
            })?
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
        {
            read_from_zip(path)?
        } else {
            std::fs::read_to_string(path)
                .with_context(|| format!("reading the run record {}", path.display()))?
        };
        let record: RunRecord = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a valid run.json", path.display()))?;
        if record.format != FORMAT {
            bail!(
                "{}: run.json format {} is not supported (this xtask reads format {FORMAT}); \
                 compare runs recorded by the same xtask version",
                path.display(),
                record.format
            );
        }
        Ok(record)
    }

    fn scenario(&self, id: &str) -> Option<&ScenarioRecord> {
        self.scenarios.iter().find(|s| s.id == id)
    }
}

/// The zip holds `<run id>/run.json` (whatever the zip file is named now: CI keeps the last
/// main run as e.g. `main-latest.zip`).
fn read_from_zip(path: &Path) -> Result<String> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut zip = zip::ZipArchive::new(file)
        .with_context(|| format!("{} is not a readable zip", path.display()))?;
    let is_record = |n: &str| {
        n == RUN_JSON
            || n.strip_suffix(RUN_JSON)
                .and_then(|dir| dir.strip_suffix('/'))
                .is_some_and(|dir| !dir.is_empty() && !dir.contains('/'))
    };
    let name = zip
        .file_names()
        .flatten()
        .find(|n| is_record(n))
        .map(|n| n.into_owned())
        .with_context(|| {
            format!(
                "{} holds no <run id>/{RUN_JSON}: it was written by an xtask without run \
                 records, or it is not a live-suite zip",
                path.display()
            )
        })?;
    let mut text = String::new();
    zip.by_name(&name)?
        .read_to_string(&mut text)
        .with_context(|| format!("reading {name} in {}", path.display()))?;
    Ok(text)
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(run_id: &str, rows: &[(&str, &str, f64, &[&str])]) -> RunRecord {
        RunRecord {
            format: FORMAT,
            run_id: run_id.into(),
            stack: "local".into(),
            commit: "abc".into(),
            target: Some(serde_json::json!({"backend": "rust", "mode": "live"})),
            scenarios: rows
                .iter()
                .map(|(id, v, d, obs)| ScenarioRecord {
                    id: (*id).into(),
                    verdict: (*v).into(),
                    duration_secs: *d,
                    observations: obs.iter().map(|s| s.to_string()).collect(),
                })
                .collect(),
        }
    }

    #[test]
    fn verdicts_durations_observations_and_target_are_compared() {
        let old = rec(
            "2025-11-14T17-14-05Z",
            &[
                ("L01", "PASS", 2.0, &["cors header absent"]),
                ("L02", "PASS", 10.0, &[]),
                ("L03", "FAIL", 1.0, &[]),
                ("L04", "PASS", 0.2, &[]),
                ("L09", "PASS", 1.0, &[]),
            ],
        );
        let mut new = rec(
            "2025-11-15T08-00-00Z",
            &[
                ("L01", "PASS", 2.4, &["slow docs page"]),
                ("L02", "FAIL", 13.0, &[]),
                ("L03", "PASS", 1.0, &[]),
                ("L04", "PASS", 0.6, &[]),
            ],
        );
        new.target = Some(serde_json::json!({"backend": "python", "mode": "live"}));
        let c = diff(&old, &new);
        let lines: Vec<String> = c.changes.iter().map(Change::line).collect();
        assert_eq!(
            lines,
            [
                "target    backend: rust -> python",
                "L01       new observation: slow docs page",
                "L01       observation gone: cors header absent",
                "L02       PASS -> FAIL",
                "L02       duration 10.0s -> 13.0s (+30%)",
                "L03       FAIL -> PASS",
                "L09       not in the new run",
            ],
            // L01: +0.4 s is under 0.5 s; L04: +200% but only 0.4 s.
        );
        assert!(c.regressed());
        assert!(c.render_text().contains("! L02       PASS -> FAIL"));
        assert!(c.render_text().contains("7 changes, 1 regression"));
        let md = Against::Run(c.clone()).render_markdown();
        assert!(md.starts_with("### Compared with `2025-11-14T17-14-05Z`: 7 changes"));
        assert!(
            md.contains("- ❌ `L02       PASS -> FAIL`\n- `L02       duration"),
            "{md}"
        );
        // Reversed, L02's fix is no regression and L03 is the only one.
        let reversed = diff(&new, &old);
        let regressions: Vec<String> = reversed
            .changes
            .iter()
            .filter(|c| c.is_regression())
            .map(Change::line)
            .collect();
        assert_eq!(regressions, ["L03       PASS -> FAIL"]);
    }

    #[test]
    fn identical_runs_have_no_changes() {
        let a = rec("2025-11-14T17-14-05Z", &[("L01", "PASS", 2.0, &["x"])]);
        let c = diff(&a, &a);
        assert!(c.changes.is_empty() && !c.regressed());
        assert_eq!(c.headline(), "no changes");
    }

    #[test]
    fn significance_needs_both_ratio_and_delta() {
        let s = Duration::from_secs_f64;
        assert!(significant(s(2.0), s(2.6)));
        assert!(significant(s(2.6), s(2.0)));
        assert!(!significant(s(2.0), s(2.4)));
        assert!(!significant(s(10.0), s(11.9)));
        assert!(significant(s(10.0), s(12.1)));
    }

    #[test]
    fn the_default_baseline_is_the_newest_earlier_run() {
        let ids = [
            "2025-11-14T17-14-05Z",
            "2025-11-14T17-14-05Z-2",
            "2025-11-14T17-14-05Z-10",
            "2025-11-15T09-00-00Z",
            "notes",
            "2025-11-16T09-00-00Z",
        ];
        assert_eq!(
            pick_baseline(&ids, "2025-11-15T09-00-00Z"),
            Some("2025-11-14T17-14-05Z-10")
        );
        assert_eq!(pick_baseline(&ids, "2025-11-14T17-14-05Z"), None);
        assert_eq!(
            pick_baseline(&ids, "2025-11-17T00-00-00Z"),
            Some("2025-11-16T09-00-00Z")
        );
    }

    #[test]
    fn records_round_trip_through_folder_and_zip() {
        let out = tempfile::tempdir().unwrap();
        let ev = crate::evidence::Evidence::create(out.path(), Default::default()).unwrap();
        let mut r = rec(&ev.run_id, &[("L01", "PASS", 2.0, &["o"])]);
        r.run_id = ev.run_id.clone();
        r.write(&ev).unwrap();
        assert_eq!(RunRecord::read(&ev.dir).unwrap(), r);
        let zip = out.path().join(format!("{}.zip", ev.run_id));
        crate::report::zip::write(
            &ev.dir,
            &ev.run_id,
            &ev.files_under(""),
            &zip,
            ev.redactor(),
        )
        .unwrap();
        assert_eq!(RunRecord::read(&zip).unwrap(), r);
        // Renamed (CI keeps the last main run as main-latest.zip), it still reads.
        let kept = out.path().join("kept").join("main-latest.zip");
        std::fs::create_dir(kept.parent().unwrap()).unwrap();
        std::fs::copy(&zip, &kept).unwrap();
        assert_eq!(RunRecord::read(&kept).unwrap(), r);
        // The folder is preferred over its zip; a later run picks this one.
        assert_eq!(
            default_baseline(out.path(), "2999-01-01T00-00-00Z"),
            Some(ev.dir.clone())
        );
        let err = format!("{:#}", RunRecord::read(out.path()).unwrap_err());
        assert!(err.contains("run.json"), "{err}");
    }
}
