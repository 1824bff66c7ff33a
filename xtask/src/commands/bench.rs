//! `cargo xtask bench`: the suite's own speed, measured. A benchmark, not a
//! test: nothing here asserts a time.
//!
//! Each round runs `xtask live-suite` once per target (local, compose when an engine
//! answers, the synchronous double when python3 is found, `--base-url` when given),
//! interleaved so that every target sees the same machine load; after `--runs` rounds it
//! prints min/median/max per target of the wall time, the overhead beyond the worker's sleep
//! (`--long-run-seconds`, L08 is the only job that sleeps) and the phases read back from the
//! run's `events.jsonl` (`Event::Phase` for build, up and down; scenario events for the
//! ladder, the rollback and the rerun), then the three targets for the suite's own speed
//! (`goals.rs`), this binary's beside the baseline's. `--cold` also times clean builds in a
//! temporary target folder (the first-run figure). The table and `bench.json` go to `--out`.

use super::EXIT_PASS;
use crate::cli::BenchArgs;
use crate::images;
use anyhow::{Context, Result};
use codex_live_suite::Events;
use codex_live_suite::{Event, Phase};
use codex_live_suite::{Suite, Verdict};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

mod double;
mod goals;
mod measure;
mod render;
mod targets;
use goals::Measured;
use measure::{
    cold_builds, compose_cli_floor, image_bytes, screenshot_floor, worker_container_floor, Builds,
};
use render::render;
use targets::{Kind, Target};

/// The columns of a run, in table order (seconds).
pub const PHASES: [&str; 7] = [
    "build", "up", "ladder", "rollback", "rerun", "down", "other",
];

/// One run of one target.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Sample {
    pub wall: f64,
    /// Wall time beyond the worker's sleep.
    pub overhead: f64,
    /// Seconds per phase, in `PHASES` order; `other` is what the phases leave of `wall`
    /// (process start, evidence, reports, zip).
    pub phases: [f64; PHASES.len()],
    pub exit_code: i32,
    /// Against the synchronous double: the seconds it was busy answering requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_busy: Option<f64>,
}

/// min / median / max of some samples.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Stats {
    pub min: f64,
    pub median: f64,
    pub max: f64,
}

impl Stats {
    pub fn of(values: &[f64]) -> Option<Stats> {
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = match n {
            0 => return None,
            _ if n % 2 == 1 => v[n / 2],
            _ => (v[n / 2 - 1] + v[n / 2]) / 2.0,
        };
        Some(Stats {
            min: v[0],
            median,
            max: v[n - 1],
        })
    }
}

/// The phases of one run from its events (`events.jsonl`), given the wall time the caller
/// measured around the whole process and the worker's sleep.
pub fn sample_from_events(events: &[Event], wall: f64, sleep: f64, exit_code: i32) -> Sample {
    let mut phases = [0.0; PHASES.len()];
    let mut ups = 0;
    // (first start, last end) of each suite's scenarios.
    let mut spans: [Option<(f64, f64)>; 3] = [None; 3];
    for event in events {
        match event {
            Event::Phase { phase, took, .. } => match phase {
                Phase::Build => phases[column("build")] += took.as_secs_f64(),
                // A second `up` is the rollback's, inside the ROLLBACK scenario.
                Phase::Up if ups == 0 => {
                    phases[column("up")] += took.as_secs_f64();
                    ups += 1;
                }
                Phase::Up => {}
                Phase::Down => phases[column("down")] += took.as_secs_f64(),
            },
            Event::ScenarioFinished { outcome } if outcome.verdict != Verdict::Skip => {
                let start = outcome.started_at.as_secs_f64();
                let end = start + outcome.duration.as_secs_f64();
                let span = &mut spans[SUITE_COLUMNS
                    .iter()
                    .position(|s| *s == outcome.suite)
                    .expect("every suite has a column")];
                *span = Some(match *span {
                    None => (start, end),
                    Some((a, b)) => (a.min(start), b.max(end)),
                });
            }
            _ => {}
        }
    }
    for (name, span) in SUITE_NAMES.iter().zip(spans) {
        phases[column(name)] = span.map_or(0.0, |(a, b)| b - a);
    }
    let measured: f64 = phases.iter().sum();
    phases[column("other")] = (wall - measured).max(0.0);
    Sample {
        wall,
        overhead: wall - sleep,
        phases,
        exit_code,
        target_busy: None,
    }
}

/// The index of a column in `PHASES`.
fn column(name: &str) -> usize {
    PHASES
        .iter()
        .position(|p| *p == name)
        .expect("a column of PHASES")
}

/// The suites whose scenarios span the ladder's columns, and those columns' names.
const SUITE_COLUMNS: [Suite; 3] = [Suite::Live, Suite::Rollback, Suite::MockedRerun];
const SUITE_NAMES: [&str; 3] = ["ladder", "rollback", "rerun"];

/// What was benchmarked against what, and the numbers (bench.json).
#[derive(Debug, Serialize)]
struct Report {
    runs: u32,
    long_run_seconds: u64,
    /// `--no-screenshot`: the runs took no report.png.
    no_screenshot: bool,
    load_average: Option<String>,
    targets: Vec<TargetReport>,
    /// Bytes of the static binaries, which are the images' only layer (FROM scratch).
    image_bytes: Vec<(String, u64)>,
    /// `docker run --rm` of the worker image alone: the floor of a worker container.
    worker_container_floor: Option<Stats>,
    /// One start of the compose CLI (`version`): paid by every `up` and `down`.
    compose_cli_floor: Option<(String, Stats)>,
    /// One browser call taking report.png (`measure::screenshot_floor`).
    screenshot_floor: Option<Stats>,
    cold_build: Vec<ColdBuild>,
    /// The three targets (`goals.rs`), for this binary and the baseline's.
    goals: Goals,
}

#[derive(Debug, Serialize)]
struct TargetReport {
    name: String,
    kind: Kind,
    /// Run with a baseline's binary (`--baseline-xtask`, `--baseline-suite-bin`).
    baseline: bool,
    samples: Vec<Sample>,
    wall: Option<Stats>,
    overhead: Option<Stats>,
    phases: Vec<(String, Option<Stats>)>,
}

/// One clean build of `--cold`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ColdBuild {
    pub what: String,
    pub seconds: f64,
    /// Part of the first `cargo xtask live-suite` on a clean clone (the local stack's).
    pub first_run: bool,
    /// The baseline's tree (the worktree its binary was built in).
    pub baseline: bool,
}

/// What the rounds measured.
struct Rounds {
    samples: Vec<Vec<Sample>>,
    screenshot_floor: Option<Stats>,
}

#[derive(Debug, Serialize)]
struct Goals {
    this: Measured,
    baseline: Option<Measured>,
}

impl BenchArgs {
    pub fn run(self, events: &Events) -> Result<i32> {
        let targets = self.targets()?;
        let Rounds {
            samples,
            screenshot_floor,
        } = self.rounds(&targets, events)?;
        let compose = targets.iter().any(|t| t.kind == Kind::Compose);
        let (floor, cli_floor) = if compose {
            (
                Some(worker_container_floor(self.runs, events)?),
                Some(compose_cli_floor(self.runs)?),
            )
        } else {
            (None, None)
        };
        let cold = self.cold_builds(events)?;
        let targets: Vec<TargetReport> = targets
            .iter()
            .zip(samples)
            .map(|(t, s)| summarize(t, s))
            .collect();
        let goals = Goals {
            this: Measured::of(&targets, false, first_run_builds(&cold, false)),
            baseline: targets
                .iter()
                .any(|t| t.baseline)
                .then(|| Measured::of(&targets, true, first_run_builds(&cold, true))),
        };
        let report = Report {
            runs: self.runs,
            long_run_seconds: self.long_run_seconds,
            no_screenshot: self.no_screenshot,
            load_average: std::fs::read_to_string("/proc/loadavg")
                .ok()
                .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" ")),
            targets,
            image_bytes: image_bytes(),
            worker_container_floor: floor,
            compose_cli_floor: cli_floor,
            screenshot_floor,
            cold_build: cold,
            goals,
        };
        self.write(&report, events)?;
        Ok(EXIT_PASS)
    }

    /// `--runs` rounds of every target, interleaved: the samples per target, and the
    /// screenshot's floor on the last run's report.html.
    fn rounds(&self, targets: &[Target], events: &Events) -> Result<Rounds> {
        let scratch = tempfile::Builder::new()
            .prefix("codex-bench-")
            .tempdir()
            .context("creating the bench's temporary folder")?;
        let mut samples: Vec<Vec<Sample>> = targets.iter().map(|_| Vec::new()).collect();
        for round in 1..=self.runs {
            for (t, target) in targets.iter().enumerate() {
                let out = scratch.path().join(format!("{t}-{round}"));
                let s = self.one_run(target, &out)?;
                events.line(format!(
                    "bench: {} run {round}/{}: {:.2}s wall, {:.2}s overhead (exit {})",
                    target.name, self.runs, s.wall, s.overhead, s.exit_code
                ));
                samples[t].push(s);
            }
        }
        let last = scratch
            .path()
            .join(format!("{}-{}", targets.len() - 1, self.runs));
        let screenshot_floor = targets::run_folder(&last).and_then(|dir| {
            events.line("bench: timing the browser call on the last run's report.html");
            screenshot_floor(&dir, self.runs)
        });
        Ok(Rounds {
            samples,
            screenshot_floor,
        })
    }

    /// `--cold`: this tree's clean builds, and the baseline's first-run ones when its
    /// binary sits in a worktree (`<root>/target/debug/xtask`).
    fn cold_builds(&self, events: &Events) -> Result<Vec<ColdBuild>> {
        if !self.cold {
            return Ok(Vec::new());
        }
        let mut builds = cold_builds(&crate::project_root(), Builds::All, events)?;
        if let Some(exe) = &self.baseline_xtask {
            match baseline_root(exe) {
                Some(root) => builds.extend(cold_builds(&root, Builds::FirstRun, events)?),
                None => events.line(format!(
                    "bench --cold: no Cargo.toml three folders above {}: the baseline's \
                     first run is not measured",
                    exe.display()
                )),
            }
        }
        Ok(builds)
    }

    /// The table to stdout and bench.txt, every sample to bench.json.
    fn write(&self, report: &Report, events: &Events) -> Result<()> {
        let table = render(report);
        std::fs::create_dir_all(&self.out)
            .with_context(|| format!("creating {}", self.out.display()))?;
        let json = self.out.join("bench.json");
        std::fs::write(&json, serde_json::to_string_pretty(report)? + "\n")
            .with_context(|| format!("writing {}", json.display()))?;
        let txt = self.out.join("bench.txt");
        std::fs::write(&txt, &table).with_context(|| format!("writing {}", txt.display()))?;
        events.line(table);
        events.line(format!(
            "bench: wrote {} and {}",
            txt.display(),
            json.display()
        ));
        Ok(())
    }
}

/// The seconds of one tree's first-run cold builds; `None` when `--cold` built none.
fn first_run_builds(cold: &[ColdBuild], baseline: bool) -> Option<f64> {
    let first: Vec<f64> = cold
        .iter()
        .filter(|c| c.first_run && c.baseline == baseline)
        .map(|c| c.seconds)
        .collect();
    (!first.is_empty()).then(|| first.iter().sum())
}

/// The worktree of a binary cargo built at `<root>/target/debug/xtask`.
fn baseline_root(exe: &Path) -> Option<PathBuf> {
    let root = exe.parent()?.parent()?.parent()?;
    root.join("Cargo.toml")
        .is_file()
        .then(|| root.to_path_buf())
}

fn summarize(target: &Target, samples: Vec<Sample>) -> TargetReport {
    let col = |f: &dyn Fn(&Sample) -> f64| Stats::of(&samples.iter().map(f).collect::<Vec<_>>());
    TargetReport {
        name: target.name.clone(),
        kind: target.kind,
        baseline: target.baseline,
        wall: col(&|s| s.wall),
        overhead: col(&|s| s.overhead),
        phases: PHASES
            .iter()
            .enumerate()
            .map(|(i, p)| ((*p).to_owned(), col(&|s| s.phases[i])))
            .collect(),
        samples,
    }
}

#[cfg(test)]
mod tests;
