//! `cargo xtask bench`: the suite's own speed, measured. A benchmark, not a
//! test: nothing here asserts a time.
//!
//! Each round runs `xtask live-suite` once per target (local, compose when an engine
//! answers, `--base-url` when given), interleaved so that every target sees the same machine
//! load; after `--runs` rounds it prints min/median/max per target of the wall time, the
//! overhead beyond the worker's sleep (`--long-run-seconds`, L08 is the only job that
//! sleeps) and the phases read back from the run's `events.jsonl` (`Event::Phase` for build,
//! up and down; scenario events for the ladder, the rollback and the rerun). `--cold` also
//! times clean builds in a temporary target folder (the first-run figure). The table and
//! `bench.json` go to `--out`.

use super::EXIT_PASS;
use crate::cli::BenchArgs;
use crate::events::Events;
use crate::images;
use crate::stacks::StackKind;
use anyhow::{bail, Context, Result};
use codex_live_suite::bounded_read;
use codex_live_suite::events::{Event, Phase};
use codex_live_suite::outcome::{Suite, Verdict};
use codex_live_suite::report::structured;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

mod measure;
mod render;
use measure::{cold_builds, compose_cli_floor, image_bytes, worker_container_floor};
use render::render;

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
    load_average: Option<String>,
    targets: Vec<TargetReport>,
    /// Bytes of the static binaries, which are the images' only layer (FROM scratch).
    image_bytes: Vec<(String, u64)>,
    /// `docker run --rm` of the worker image alone: the floor of a worker container.
    worker_container_floor: Option<Stats>,
    /// One start of the compose CLI (`version`): paid by every `up` and `down`.
    compose_cli_floor: Option<(String, Stats)>,
    cold_build: Vec<(String, f64)>,
}

#[derive(Debug, Serialize)]
struct TargetReport {
    name: String,
    samples: Vec<Sample>,
    wall: Option<Stats>,
    overhead: Option<Stats>,
    phases: Vec<(String, Option<Stats>)>,
}

/// One thing to run the suite against, with one xtask binary.
struct Target {
    name: String,
    args: Vec<String>,
    exe: PathBuf,
}

impl BenchArgs {
    pub fn run(self, events: &Events) -> Result<i32> {
        let targets = self.targets()?;
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
        let compose = targets.iter().any(|t| t.name == "compose");
        let (floor, cli_floor) = if compose {
            (
                Some(worker_container_floor(self.runs, events)?),
                Some(compose_cli_floor(self.runs)?),
            )
        } else {
            (None, None)
        };
        let cold = if self.cold {
            cold_builds(events)?
        } else {
            Vec::new()
        };
        let report = Report {
            runs: self.runs,
            long_run_seconds: self.long_run_seconds,
            load_average: std::fs::read_to_string("/proc/loadavg")
                .ok()
                .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" ")),
            targets: targets
                .iter()
                .zip(samples)
                .map(|(t, s)| summarize(&t.name, s))
                .collect(),
            image_bytes: image_bytes(),
            worker_container_floor: floor,
            compose_cli_floor: cli_floor,
            cold_build: cold,
        };
        let table = render(&report);
        std::fs::create_dir_all(&self.out)
            .with_context(|| format!("creating {}", self.out.display()))?;
        let json = self.out.join("bench.json");
        std::fs::write(&json, serde_json::to_string_pretty(&report)? + "\n")
            .with_context(|| format!("writing {}", json.display()))?;
        let txt = self.out.join("bench.txt");
        std::fs::write(&txt, &table).with_context(|| format!("writing {}", txt.display()))?;
        events.line(table);
        events.line(format!(
            "bench: wrote {} and {}",
            txt.display(),
            json.display()
        ));
        Ok(EXIT_PASS)
    }

    fn targets(&self) -> Result<Vec<Target>> {
        let exe = std::env::current_exe().context("locating the xtask binary")?;
        let mut kinds = self.stack.clone();
        if kinds.is_empty() && self.base_url.is_none() {
            kinds.push(StackKind::Local);
            if crate::docker::probe_engine().is_ok() {
                kinds.push(StackKind::Compose);
            }
        }
        let mut targets: Vec<Target> = kinds
            .iter()
            .map(|k| {
                let name = format!("{k:?}").to_lowercase();
                Target {
                    args: vec!["--stack".into(), name.clone()],
                    name,
                    exe: exe.clone(),
                }
            })
            .collect();
        if let Some(url) = &self.base_url {
            targets.push(Target {
                name: "base-url".into(),
                args: vec!["--base-url".into(), url.clone()],
                exe,
            });
        }
        if targets.is_empty() {
            bail!("nothing to benchmark: give --stack and/or --base-url");
        }
        if let Some(baseline) = &self.baseline_xtask {
            if !baseline.is_file() {
                bail!(
                    "--baseline-xtask {}: no such file (build the other commit's xtask in a \
                     worktree of it: `git worktree add ../old <rev> && cargo build --bin xtask \
                     --manifest-path ../old/Cargo.toml`, then pass ../old/target/debug/xtask)",
                    baseline.display()
                );
            }
            // Its local stack builds backend and worker into the folder above its own: a copy
            // outside `<target>/debug/` would build into `/debug` or the like.
            if baseline.parent().and_then(|d| d.file_name()) != Some("debug".as_ref()) {
                bail!(
                    "--baseline-xtask {}: pass the binary where cargo built it, in its \
                     `<target>/debug/` folder (its local stack builds next to it), not a copy",
                    baseline.display()
                );
            }
            // Interleaved with the targets above: A, A', B, B', … in every round.
            targets = targets
                .into_iter()
                .flat_map(|t| {
                    let b = Target {
                        name: format!("{} (baseline)", t.name),
                        args: t.args.clone(),
                        exe: baseline.clone(),
                    };
                    [t, b]
                })
                .collect();
        }
        Ok(targets)
    }

    /// One `live-suite` run; its output goes to `<out>.log` (read it when a run failed).
    fn one_run(&self, target: &Target, out: &Path) -> Result<Sample> {
        let exe = &target.exe;
        let log_path = out.with_extension("log");
        let log = std::fs::File::create(&log_path)
            .with_context(|| format!("creating {}", log_path.display()))?;
        let t = Instant::now();
        let status = Command::new(exe)
            .arg("live-suite")
            .args(&target.args)
            .arg("--long-run-seconds")
            .arg(self.long_run_seconds.to_string())
            .arg("--out")
            .arg(out)
            .current_dir(crate::project_root())
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .status()
            .with_context(|| format!("running {} live-suite", exe.display()))?;
        let wall = t.elapsed().as_secs_f64();
        let code = status.code().unwrap_or(-1);
        let log = run_folder(out)
            .map(|dir| dir.join(structured::FILE))
            .filter(|f| f.exists());
        let text = match log {
            Some(f) => bounded_read::read_text(&f, bounded_read::EVENTS_LIMIT)
                .with_context(|| format!("reading the events of the {} run", target.name))?,
            None => String::new(),
        };
        if text.is_empty() {
            bail!(
                "the {} run wrote no events.jsonl (exit {code}); its output:\n{}",
                target.name,
                crate::docker::tail(&std::fs::read_to_string(&log_path).unwrap_or_default(), 30)
            );
        }
        let events = structured::read(&text)
            .with_context(|| format!("reading the events of the {} run", target.name))?;
        Ok(sample_from_events(
            &events,
            wall,
            self.long_run_seconds as f64,
            code,
        ))
    }
}

/// The one run folder under a fresh `--out`.
fn run_folder(out: &Path) -> Option<PathBuf> {
    std::fs::read_dir(out)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.is_dir())
}

fn summarize(name: &str, samples: Vec<Sample>) -> TargetReport {
    let col = |f: &dyn Fn(&Sample) -> f64| Stats::of(&samples.iter().map(f).collect::<Vec<_>>());
    TargetReport {
        name: name.to_owned(),
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
