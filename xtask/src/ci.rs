//! `cargo xtask ci`: this repository's whole pipeline, the one command behind `.ci/run` and
//! the `ci` workflow. The steps (`STEPS`) run in order through one xshell `Shell` at the
//! repository root and stop at the first failure, which the last lines name; each step is
//! timed, and the end prints a table of the times and, last, the counts of
//! `cargo test --workspace` as `tests: N passed, N failed, N skipped`.
//!
//! Tools cargo cannot install (the workflow linters, xmllint) are found on PATH; `.ci/run`
//! provisions them. Everything this module prints goes through the `say` function `main`
//! passes in (main owns stdout); the commands' own output goes straight to the terminal.

mod libtest;
mod steps;
#[cfg(test)]
mod tests;

use anyhow::{Context, Result};
use clap::Args;
use codex_live_suite::{EXIT_FAIL, EXIT_PASS};
use libtest::Counts;
use std::cell::Cell;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use xshell::Shell;

#[derive(Debug, Args)]
pub struct CiArgs {
    /// Keep the suite runs' evidence under DIR (DIR/local, DIR/compose). Default: a
    /// temporary folder, removed at the end.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// What every step works with.
pub struct Ctx {
    sh: Shell,
    /// The evidence root of the suite runs.
    out: PathBuf,
    say: fn(&str),
    /// Filled by the test step.
    counts: Cell<Option<Counts>>,
}

/// How a step that did not fail ended.
#[derive(Debug, PartialEq)]
pub enum Ended {
    Done,
    Skipped(String),
}

type Step = (&'static str, fn(&Ctx) -> Result<Ended>);

/// The pipeline, in order: cheap checks first, `cargo test` last so that its counts end the
/// log.
const STEPS: [Step; 9] = [
    ("tools on PATH", steps::tools),
    ("cargo fmt --check", steps::fmt),
    ("cargo clippy -D warnings", steps::clippy),
    ("workflow lint", steps::workflow_lint),
    ("build", steps::build),
    ("live suite: local stack, --strict", steps::local_suite),
    ("live suite: compose stack, --strict", steps::compose_suite),
    ("cargo xtask dist", steps::dist),
    ("cargo test --workspace", steps::test),
];

/// One step's line in the table.
#[derive(Debug)]
struct Record {
    name: &'static str,
    took: Duration,
    result: Result<Ended, String>,
}

impl CiArgs {
    /// Runs every step; exit 0 when all passed (or were skipped with a reason), else 1.
    pub fn run(&self, say: fn(&str)) -> Result<i32> {
        let sh = Shell::new()?;
        sh.change_dir(crate::project_root());
        let scratch;
        let out = match &self.out {
            Some(dir) => std::path::absolute(dir).context("resolving --out")?,
            None => {
                scratch = tempfile::Builder::new()
                    .prefix("codex-ci-evidence.")
                    .tempdir()
                    .context("creating a temporary evidence folder")?;
                scratch.path().to_owned()
            }
        };
        let ctx = Ctx {
            sh,
            out,
            say,
            counts: Cell::new(None),
        };
        let started = Instant::now();
        let mut records = Vec::new();
        for (name, step) in STEPS {
            say(&format!("\n=== {name}"));
            let t = Instant::now();
            let result = step(&ctx).map_err(|e| format!("{e:#}"));
            let took = t.elapsed();
            say(&format!("--- {name}: {}", outcome_text(&result, took)));
            let failed = result.is_err();
            records.push(Record { name, took, result });
            if failed {
                break;
            }
        }
        for line in conclusion(&records, started.elapsed(), ctx.counts.get()) {
            say(&line);
        }
        Ok(if records.iter().any(|r| r.result.is_err()) {
            EXIT_FAIL
        } else {
            EXIT_PASS
        })
    }
}

fn outcome_text(result: &Result<Ended, String>, took: Duration) -> String {
    let secs = format!("{:.1}s", took.as_secs_f64());
    match result {
        Ok(Ended::Done) => secs,
        Ok(Ended::Skipped(why)) => format!("{secs}, skipped: {why}"),
        Err(e) => format!("{secs}, FAILED: {e}"),
    }
}

/// The closing lines: the timing table (steps that never ran marked so), then the failed
/// step's name when one failed, and the test counts when the test step ran. On success the
/// counts are the very last line.
fn conclusion(records: &[Record], total: Duration, counts: Option<Counts>) -> Vec<String> {
    let width = STEPS.iter().map(|(name, _)| name.len()).max().unwrap_or(0);
    let mut lines = vec![String::new(), "=== timings".to_owned()];
    for (i, (name, _)) in STEPS.iter().enumerate() {
        let cell = match records.get(i) {
            Some(r) => {
                let status = match &r.result {
                    Ok(Ended::Done) => "ok".to_owned(),
                    Ok(Ended::Skipped(why)) => format!("skipped: {why}"),
                    Err(_) => "FAILED".to_owned(),
                };
                format!("{:>7.1}s  {status}", r.took.as_secs_f64())
            }
            None => format!("{:>8}  not run", "-"),
        };
        lines.push(format!("  {name:<width$}  {cell}"));
    }
    lines.push(format!(
        "  {:<width$}  {:>7.1}s",
        "total",
        total.as_secs_f64()
    ));
    let failed = records.iter().find_map(|r| match &r.result {
        Err(e) => Some((r.name, e)),
        Ok(_) => None,
    });
    if let Some(counts) = counts {
        lines.push(counts.line());
    }
    if let Some((name, e)) = failed {
        lines.push(format!("cargo xtask ci FAILED at step `{name}`: {e}"));
    }
    lines
}
